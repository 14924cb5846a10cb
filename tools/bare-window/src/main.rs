//! A bare Tauri window that reports when its page has loaded: the baseline Doorstep's
//! start-up time and memory are compared with (scripts/bench-startup).

#![allow(clippy::print_stdout)]

/// The page calls this once it has rendered.
#[tauri::command]
fn ready() {
    println!("READY");
}

// tauri::generate_context! expands to code that calls process::exit.
#[allow(clippy::disallowed_methods)]
fn main() -> std::process::ExitCode {
    match tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .run(tauri::generate_context!())
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bare window failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

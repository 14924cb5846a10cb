//! Doorstep: the desktop app for home security and fire safety visits.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    match doorstep_app::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Doorstep could not start: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

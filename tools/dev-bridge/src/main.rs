//! `doorstep-dev-bridge`: Doorstep's commands over HTTP on 127.0.0.1 for development
//! (docs/dev-bridge.md). Never part of a release.

// Nothing in this repository builds the workspace in release (the app's release build is
// `npx tauri build`, which builds src-tauri alone; benches run per package), so a release
// build of this binary can only be a mistake: stop it at compile time.
#[cfg(not(debug_assertions))]
compile_error!(
    "doorstep-dev-bridge is a development tool with no sign-in of its own and is never \
     built in release: build it with `cargo build -p doorstep-dev-bridge` (debug)."
);

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use doorstep_dev_bridge::{Bridge, Options, default_ui_dir};
use doorstep_store::KdfParams;

/// Serves Doorstep's commands, events and built UI on 127.0.0.1 for development.
#[derive(Debug, Parser)]
#[command(name = "doorstep-dev-bridge", version)]
struct Cli {
    /// The data folder to open (a throw-away one: never your real Doorstep data).
    #[arg(long, env = "DOORSTEP_DATA_DIR", value_name = "PATH")]
    data_dir: Option<PathBuf>,
    /// The port on 127.0.0.1; 0 picks a free one. `npm run dev` proxies /api to
    /// DOORSTEP_BRIDGE_PORT, 5180 unless set.
    #[arg(long, env = "DOORSTEP_BRIDGE_PORT", default_value_t = 5180)]
    port: u16,
    /// The built UI to serve at / (default: this repository's ui/dist).
    #[arg(long, value_name = "DIR")]
    ui: Option<PathBuf>,
    /// Cheap key derivation, for tests: never for real data.
    #[arg(long)]
    insecure_fast_kdf: bool,
    /// Also answer pages from this origin (a UI served elsewhere that calls the bridge
    /// directly with VITE_BRIDGE_URL), e.g. http://localhost:5173. Repeatable.
    #[arg(long, value_name = "ORIGIN")]
    allow_origin: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DOORSTEP_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let Some(data_dir) = cli.data_dir.filter(|d| !d.as_os_str().is_empty()) else {
        eprintln!(
            "doorstep-dev-bridge needs a data folder: pass --data-dir PATH (or set \
             DOORSTEP_DATA_DIR) naming a throw-away folder, never your real Doorstep data."
        );
        return ExitCode::from(2);
    };
    if let Some(odd) = cli
        .allow_origin
        .iter()
        .find(|o| !(o.starts_with("http://") || o.starts_with("https://")))
    {
        eprintln!(
            "doorstep-dev-bridge: --allow-origin takes an origin such as http://localhost:5173, \
             not {odd:?}."
        );
        return ExitCode::from(2);
    }
    let options = Options {
        data_dir,
        port: cli.port,
        ui_dir: cli.ui.unwrap_or_else(default_ui_dir),
        kdf: if cli.insecure_fast_kdf {
            KdfParams::INSECURE_FOR_TESTS
        } else {
            KdfParams::RECOMMENDED
        },
        allow_origins: cli.allow_origin,
    };
    match run(&options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("doorstep-dev-bridge could not run: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: &Options) -> Result<(), doorstep_dev_bridge::BridgeError> {
    let bridge = Bridge::bind(options).await?;
    if !options.ui_dir.join("index.html").is_file() {
        eprintln!(
            "doorstep-dev-bridge: no built UI in {} (run `npm run build` in ui/, or use \
             `npm run dev` there); serving /api only.",
            options.ui_dir.display()
        );
    }
    if options.kdf == KdfParams::INSECURE_FOR_TESTS {
        eprintln!(
            "doorstep-dev-bridge: --insecure-fast-kdf: passphrases set here are weakly protected."
        );
    }
    // Scripts read this line for the address (with --port 0 it is known only now).
    eprintln!(
        "doorstep-dev-bridge: listening on {} (data folder {}); Ctrl-C stops it.",
        bridge.url(),
        options.data_dir.display()
    );
    bridge.serve(shutdown()).await
}

/// Ctrl-C, or SIGTERM from a script that started the bridge.
async fn shutdown() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot watch for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

//! The development bridge: Doorstep's commands and events over HTTP on 127.0.0.1, so the
//! UI runs in an ordinary browser (`npm run dev`, Playwright) against the real Rust behind
//! the app. It serves `doorstep_api::dispatch` with the same command names, argument objects
//! and `AppError`s the window's `invoke` gets, the events as Server-Sent Events, stand-ins
//! for the file dialogs, and the built UI, all from one origin.
//!
//! Never shipped: it has no sign-in of its own, so anything that can reach its port can
//! read the data folder it was given. It listens on loopback only and refuses requests
//! that name another host (DNS rebinding) or come from another origin (a web page the
//! developer happens to have open).

mod dialogs;
mod events;
mod guard;
mod routes;
mod static_files;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use doorstep_api::Api;
use doorstep_store::KdfParams;
use tokio::net::TcpListener;

pub use crate::events::BroadcastEvents;

/// How the bridge was asked to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The data folder the bridge opens, as the app's `--data-dir`.
    pub data_dir: PathBuf,
    /// The port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The built UI to serve at `/`.
    pub ui_dir: PathBuf,
    /// The key derivation for a new store or passphrase.
    pub kdf: KdfParams,
    /// Other origins whose pages may call the bridge (a UI served elsewhere), e.g.
    /// `http://localhost:5173`; none by default.
    pub allow_origins: Vec<String>,
}

/// Why the bridge could not start.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// The data folder could not be made.
    #[error("could not create the data folder {}: {source}", .path.display())]
    DataDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// doorstep-api refused to open on the folder.
    #[error("Doorstep could not open the data folder: {0}")]
    Start(#[from] doorstep_api::StartError),
    /// The port was taken, or the socket failed.
    #[error("could not listen on 127.0.0.1:{port}: {source}")]
    Listen {
        /// The port asked for.
        port: u16,
        /// Why.
        source: std::io::Error,
    },
    /// The idle lock's thread did not start.
    #[error("could not start the idle lock: {0}")]
    IdleLock(std::io::Error),
    /// The server stopped with an error.
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

/// A bridge bound to its port, not yet serving.
#[derive(Debug)]
pub struct Bridge {
    api: Arc<Api>,
    listener: TcpListener,
    addr: SocketAddr,
    router: axum::Router,
}

impl Bridge {
    /// Opens the data folder, starts the idle lock and the sync loop, and binds 127.0.0.1.
    /// Must run inside a tokio runtime (the sync loop is spawned on it).
    pub async fn bind(options: &Options) -> Result<Self, BridgeError> {
        std::fs::create_dir_all(&options.data_dir).map_err(|source| BridgeError::DataDir {
            path: options.data_dir.clone(),
            source,
        })?;
        let events = BroadcastEvents::new();
        let stream = events.clone();
        let api = Arc::new(Api::open(&options.data_dir, options.kdf, Box::new(events))?);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port))
            .await
            .map_err(|source| BridgeError::Listen {
                port: options.port,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| BridgeError::Listen {
                port: options.port,
                source,
            })?;
        // The same background work the app's shell starts.
        tokio::spawn(doorstep_api::sync::SyncService::run(Arc::clone(&api)));
        Api::watch_idle(Arc::clone(&api)).map_err(BridgeError::IdleLock)?;
        let state = routes::State {
            api: Arc::clone(&api),
            events: stream,
            files: dialogs::Files::new(&options.data_dir),
            ui: static_files::Ui::new(&options.ui_dir),
        };
        let router = routes::router(
            state,
            guard::Allowed::for_port(addr.port(), &options.allow_origins),
        );
        Ok(Self {
            api,
            listener,
            addr,
            router,
        })
    }

    /// The address it listens on (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to open in a browser.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Serves until `shutdown` resolves, then closes the store so nothing of it stays open.
    /// Open event streams never end by themselves, so they are dropped, not waited for.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), BridgeError> {
        let result = tokio::select! {
            served = axum::serve(self.listener, self.router) => served.map_err(BridgeError::Serve),
            () = shutdown => Ok(()),
        };
        self.api.session.close();
        result
    }
}

/// Where the built UI is by default: `ui/dist` in this repository, wherever the bridge runs from.
pub fn default_ui_dir() -> PathBuf {
    let tools_crate = Path::new(env!("CARGO_MANIFEST_DIR"));
    tools_crate
        .ancestors()
        .nth(2)
        .unwrap_or(tools_crate)
        .join("ui/dist")
}

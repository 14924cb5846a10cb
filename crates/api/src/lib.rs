//! Doorstep's commands as plain functions over one [`Api`]: the session, the council's
//! reference data, the document assets and the sync service. The Tauri shell adapts each to
//! an IPC command in a few lines; the development bridge serves the same functions over
//! HTTP; tests call them directly. Every rule they apply lives in `doorstep-core` and every
//! write goes through `doorstep-store`: this crate only loads, calls and saves.

pub mod app;
pub mod dispatch;
pub mod documents;
pub mod error;
pub mod events;
pub mod fire;
pub mod households;
pub mod hub;
pub mod reference;
pub mod security;
pub mod session;
pub mod sync;
pub mod team;
pub mod users;

use std::path::Path;
use std::time::{Duration, Instant};

use doorstep_store::KdfParams;

use crate::documents::{DocumentAssets, SavedDocuments};
pub use crate::error::{AppError, ErrorCode};
use crate::events::{AppEvent, EventSink, Locked};
use crate::reference::{Reference, ReferenceProblem};
use crate::session::Session;
use crate::sync::SyncService;

/// Everything a command works on, for one open data folder.
#[derive(Debug)]
pub struct Api {
    /// The data folder, the unlocked store and the idle clock.
    pub session: Session,
    /// The council's data files: templates, policy, catalogue, agencies, contractors.
    pub reference: Reference,
    /// The council's branding and contacts for documents.
    pub assets: DocumentAssets,
    /// Documents saved since start, the only ones "Open" will show.
    pub saved: SavedDocuments,
    /// Background and on-demand sync with the council hub.
    pub sync: SyncService,
    /// Where progress, lock and sync events go.
    pub events: Box<dyn EventSink>,
}

/// Why the app could not start on a data folder.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A council data file in the folder's `reference/` was refused at start.
    #[error("{}: {}", .0.file, .0.reason)]
    Reference(ReferenceProblem),
    /// The built-in branding or contacts did not load.
    #[error("the built-in document assets did not load: {0}")]
    Assets(#[from] doorstep_pdf::PdfError),
}

/// How often the idle lock looks at the clock.
pub const IDLE_CHECK: Duration = Duration::from_secs(10);

impl Api {
    /// Opens the app on `data_dir`: its reference data, the built-in document assets and the
    /// session (which takes the folder's lock at once if it can).
    pub fn open(
        data_dir: &Path,
        kdf: KdfParams,
        events: Box<dyn EventSink>,
    ) -> Result<Self, StartError> {
        let reference =
            Reference::load(&data_dir.join("reference")).map_err(StartError::Reference)?;
        let assets = DocumentAssets::built_in()?;
        let session = Session::open(data_dir, kdf).with_council_name(assets.council_name());
        Ok(Self {
            session,
            reference,
            assets,
            saved: SavedDocuments::default(),
            sync: SyncService::default(),
            events,
        })
    }

    /// Locks the store if it has been idle too long, and tells the window.
    pub fn lock_if_idle(&self, now: Instant) {
        if let Some(minutes) = self.session.lock_if_idle(now) {
            self.events.send(AppEvent::Locked(Locked { minutes }));
        }
    }

    /// Watches the idle clock on its own thread for as long as the process runs.
    pub fn watch_idle(api: std::sync::Arc<Self>) -> std::io::Result<()> {
        std::thread::Builder::new()
            .name("idle-lock".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(IDLE_CHECK);
                    api.lock_if_idle(Instant::now());
                }
            })
            .map(|_| ())
    }
}

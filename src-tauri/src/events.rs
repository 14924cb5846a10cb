//! The window's events: Tauri's names for `doorstep-api`'s [`AppEvent`]s, and the sink that
//! emits them.

use doorstep_api::events::{AppEvent, DocumentProgress, EventSink, Locked};
use doorstep_core::sync_status::SyncStatus;
use doorstep_core::views::ImportProgress;
use serde::{Deserialize, Serialize};
use tauri::AppHandle;
use tauri_specta::Event;

/// Progress of a gazetteer import.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "import-progress")]
pub struct ImportProgressEvent(pub ImportProgress);

/// The app locked itself after the idle time.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "locked")]
pub struct LockedEvent(pub Locked);

/// Progress of a batch of documents.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "document-progress")]
pub struct DocumentProgressEvent(pub DocumentProgress);

/// The sync's state changed (started, progressed, finished, failed).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "sync-status")]
pub struct SyncStatusEvent(pub SyncStatus);

/// Sends `doorstep-api`'s events to the window.
#[derive(Debug)]
pub struct WindowEvents(pub AppHandle);

impl EventSink for WindowEvents {
    fn send(&self, event: AppEvent) {
        let name = event.name();
        let sent = match event {
            AppEvent::ImportProgress(p) => ImportProgressEvent(p).emit(&self.0),
            AppEvent::Locked(l) => LockedEvent(l).emit(&self.0),
            AppEvent::DocumentProgress(p) => DocumentProgressEvent(p).emit(&self.0),
            AppEvent::SyncStatus(s) => SyncStatusEvent(s).emit(&self.0),
        };
        if let Err(e) = sent {
            tracing::warn!(error = %e, event = name, "could not send an event to the window");
        }
    }
}

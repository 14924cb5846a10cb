//! Events the backend sends the UI.

use doorstep_core::sync_status::SyncStatus;
use doorstep_core::views::ImportProgress;
use serde::{Deserialize, Serialize};

/// Progress of a gazetteer import.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "import-progress")]
pub struct ImportProgressEvent(pub ImportProgress);

/// The app locked itself after the idle time.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "locked")]
pub struct LockedEvent {
    /// The idle time that passed.
    pub minutes: u32,
}

/// Progress of a batch of documents.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "document-progress")]
pub struct DocumentProgressEvent {
    /// Documents made so far.
    pub done: u32,
    /// Documents in the batch.
    pub total: u32,
}

/// The sync's state changed (started, progressed, finished, failed).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "sync-status")]
pub struct SyncStatusEvent(pub SyncStatus);

//! What the backend tells the window without being asked: progress, the idle lock, sync.

use doorstep_core::sync_status::SyncStatus;
use doorstep_core::views::ImportProgress;
use serde::{Deserialize, Serialize};

/// The app locked itself after the idle time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Locked {
    /// The idle time that passed.
    pub minutes: u32,
}

/// Progress of a batch of documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DocumentProgress {
    /// Documents made so far.
    pub done: u32,
    /// Documents in the batch.
    pub total: u32,
}

/// One event for the window.
#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    /// A gazetteer import moved on.
    ImportProgress(ImportProgress),
    /// The store locked itself.
    Locked(Locked),
    /// A batch of documents moved on.
    DocumentProgress(DocumentProgress),
    /// The sync's state changed (started, progressed, finished, failed).
    SyncStatus(SyncStatus),
}

impl AppEvent {
    /// The event's name on the wire, the same in the app and the development bridge.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ImportProgress(_) => "import-progress",
            Self::Locked(_) => "locked",
            Self::DocumentProgress(_) => "document-progress",
            Self::SyncStatus(_) => "sync-status",
        }
    }

    /// The event's payload as JSON, exactly as the window receives it.
    pub fn payload(&self) -> serde_json::Result<serde_json::Value> {
        match self {
            Self::ImportProgress(p) => serde_json::to_value(p),
            Self::Locked(l) => serde_json::to_value(l),
            Self::DocumentProgress(p) => serde_json::to_value(p),
            Self::SyncStatus(s) => serde_json::to_value(s),
        }
    }
}

/// Where events go: the Tauri window, the bridge's event stream, or a test's list.
pub trait EventSink: Send + Sync + std::fmt::Debug {
    /// Sends one event; a window that is gone is not an error worth more than a log line.
    fn send(&self, event: AppEvent);
}

/// Drops every event: for tests and tools that do not watch progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn send(&self, _event: AppEvent) {}
}

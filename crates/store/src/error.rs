//! What can go wrong in the store, each case specific enough to tell the officer what to do.

use std::path::PathBuf;

use doorstep_core::ValidationErrors;

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The passphrase did not unwrap the key. Nothing was touched.
    #[error("That passphrase is not right. Check Caps Lock and try again.")]
    WrongPassphrase,
    /// The new passphrase is too weak to protect the data.
    #[error("Choose a stronger passphrase: {0}")]
    WeakPassphrase(String),
    /// The data folder has no store yet.
    #[error("There is no Doorstep data here yet: set up a passphrase first.")]
    NotSetUp,
    /// Setup was asked for where a store already exists; it is never overwritten.
    #[error("This data folder already holds Doorstep data ({0}); it was not changed.")]
    AlreadySetUp(PathBuf),
    /// Another Doorstep window (or process) has this data folder open.
    #[error(
        "Doorstep is already open on this data folder ({0}). Use that window, or close it first."
    )]
    FolderInUse(PathBuf),
    /// A file in the folder is not Doorstep's.
    #[error(
        "{path} is not a Doorstep file ({reason}). It was left as it is; choose another data folder or restore a backup."
    )]
    NotDoorstepData {
        /// The file.
        path: PathBuf,
        /// Why it is not ours.
        reason: String,
    },
    /// The data file is damaged.
    #[error(
        "{path} is damaged and cannot be read ({reason}). It was left as it is; restore your latest backup."
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the database said.
        reason: String,
    },
    /// The data was written by a newer Doorstep.
    #[error(
        "This data was saved by a newer version of Doorstep (schema {found}; this version knows up to {known}). Install the latest Doorstep to open it."
    )]
    SchemaTooNew {
        /// The file's schema version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// A form had problems.
    #[error("{0}")]
    Invalid(#[from] ValidationErrors),
    /// The record belongs to a household restricted at the resident's request: nothing
    /// was changed.
    #[error(transparent)]
    Restricted(#[from] doorstep_core::privacy::restriction::Restricted),
    /// A record asked for does not exist.
    #[error("No {entity} with that id was found; it may have been removed.")]
    NotFound {
        /// What kind of record.
        entity: &'static str,
    },
    /// A gazetteer file whose header is wrong.
    #[error("{0}")]
    ImportHeader(String),
    /// A file could not be read or written.
    #[error("Could not use {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// The database failed in a way we did not expect.
    #[error("The database reported a problem: {0}")]
    Database(#[from] rusqlite::Error),
    /// Stored JSON did not match its type (a bug, or a damaged row).
    #[error("A stored record could not be read: {0}")]
    Json(#[from] serde_json::Error),
    /// A kind of record this version of Doorstep does not keep.
    #[error(
        "This version of Doorstep does not keep records of the kind \"{0}\". Install the latest Doorstep, then sync again."
    )]
    UnknownEntity(String),
    /// A record from the hub lacks a field this laptop needs to store it (it was first
    /// seen through a change to only some of its fields).
    #[error(
        "A {entity} record from the hub could not be saved because its {field} is missing (record {id}). Nothing from this sync was saved; report it to your administrator."
    )]
    IncompleteRecord {
        /// The kind of record.
        entity: String,
        /// Its id.
        id: String,
        /// The missing field.
        field: String,
    },
    /// A record from the hub holds something this laptop cannot store.
    #[error(
        "A {entity} record from the hub could not be saved: {reason} (record {id}). Nothing from this sync was saved; report it to your administrator."
    )]
    UnusableRecord {
        /// The kind of record.
        entity: String,
        /// Its id.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A record from the hub refers to a record this laptop does not hold.
    #[error(
        "A {entity} record from the hub refers, by its {field}, to a record this laptop does not hold (record {id}). Nothing from this sync was saved; report it to your administrator."
    )]
    MissingReference {
        /// The kind of record.
        entity: String,
        /// Its id.
        id: String,
        /// The field holding the reference.
        field: String,
    },
    /// Synced records are only forgotten once every local change has reached the hub.
    #[error(
        "{pending} changes made on this laptop have not reached the hub yet: sync them before receiving everything again."
    )]
    OutboxNotEmpty {
        /// How many changes are waiting.
        pending: u64,
    },
    /// Downloaded bytes are not the attachment they were asked for as.
    #[error(
        "A file from the hub did not match its fingerprint (expected {expected}, got {actual}); it was not saved. Sync again."
    )]
    AttachmentDigestMismatch {
        /// The SHA-256 asked for.
        expected: String,
        /// The SHA-256 of the bytes received.
        actual: String,
    },
    /// A conflict already decided cannot be decided again.
    #[error("{decided_by} has already decided this conflict; nothing was changed.")]
    ConflictAlreadyDecided {
        /// Who decided it.
        decided_by: String,
    },
}

impl StoreError {
    /// Wraps an I/O error with the file it concerns.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

/// Results of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

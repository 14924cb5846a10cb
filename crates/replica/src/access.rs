//! How the engine reaches the store: briefly, between network calls, so the officer's
//! screens never wait on the network.

use std::sync::Mutex;

use doorstep_store::{Store, StoreError};

use crate::error::SyncError;

/// Something that holds the unlocked store (the app's session, or a test's store).
pub trait StoreAccess: Sync {
    /// Runs `f` on the unlocked store; [`SyncError::Locked`] when it is locked.
    /// Implementations must not count this as the officer's activity.
    fn with_store<R>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R, StoreError>,
    ) -> Result<R, SyncError>;
}

impl StoreAccess for Mutex<Store> {
    fn with_store<R>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R, StoreError>,
    ) -> Result<R, SyncError> {
        let mut store = self.lock().map_err(|_| SyncError::Locked)?;
        Ok(f(&mut store)?)
    }
}

impl StoreAccess for Mutex<Option<Store>> {
    fn with_store<R>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R, StoreError>,
    ) -> Result<R, SyncError> {
        let mut store = self.lock().map_err(|_| SyncError::Locked)?;
        let store = store.as_mut().ok_or(SyncError::Locked)?;
        Ok(f(store)?)
    }
}

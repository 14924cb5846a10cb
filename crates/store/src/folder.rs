//! The data folder: where the encrypted database and its wrapped key live, and the
//! lock that stops two Doorstep processes writing the same data.

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

/// The database file's name inside the data folder.
pub const DATABASE_FILE: &str = "doorstep.db";
/// The wrapped key's file name inside the data folder.
pub const KEY_FILE: &str = "doorstep.key";
const LOCK_FILE: &str = "doorstep.lock";

/// What the folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderState {
    /// Nothing yet (or an interrupted setup that wrote only the key): set-up is next.
    Empty,
    /// A database and its key.
    Ready,
    /// A database without its key file: unusable, and never overwritten.
    MissingKey,
}

/// An open data folder. Holding it holds the folder's lock; dropping it releases the lock.
#[derive(Debug)]
pub struct DataFolder {
    path: PathBuf,
    _lock: File,
}

impl DataFolder {
    /// Creates the folder if needed and takes its lock, refusing when another process has it.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        fs::create_dir_all(&path).map_err(StoreError::io(&path))?;
        restrict_permissions(&path);
        let lock_path = path.join(LOCK_FILE);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(StoreError::io(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => Ok(Self { path, _lock: lock }),
            Err(TryLockError::WouldBlock) => Err(StoreError::FolderInUse(path)),
            Err(TryLockError::Error(e)) => Err(StoreError::Io {
                path: lock_path,
                source: e,
            }),
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database file.
    pub fn database_path(&self) -> PathBuf {
        self.path.join(DATABASE_FILE)
    }

    /// The key file.
    pub fn key_path(&self) -> PathBuf {
        self.path.join(KEY_FILE)
    }

    /// What the folder holds now.
    pub fn state(&self) -> FolderState {
        match (self.database_path().exists(), self.key_path().exists()) {
            (false, _) => FolderState::Empty,
            (true, true) => FolderState::Ready,
            (true, false) => FolderState::MissingKey,
        }
    }

    /// Erases the store: the key file first (without it the database cannot be opened
    /// by anyone), then the database and its journal files. Close the store before.
    /// The folder and its lock stay, so the app can set up afresh.
    pub fn erase(&self) -> Result<()> {
        let database = self.database_path();
        let journal = |suffix: &str| {
            let mut name = database.clone().into_os_string();
            name.push(suffix);
            PathBuf::from(name)
        };
        for path in [
            self.key_path(),
            journal("-wal"),
            journal("-shm"),
            journal("-journal"),
            database.clone(),
        ] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io(&path)(e)),
            }
        }
        Ok(())
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Only the signed-in user may list or read the data folder.
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_of_the_same_folder_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = DataFolder::open(dir.path()).expect("first open");
        assert!(matches!(
            DataFolder::open(dir.path()),
            Err(StoreError::FolderInUse(_))
        ));
        drop(first);
        assert!(
            DataFolder::open(dir.path()).is_ok(),
            "the lock is released on drop"
        );
    }

    #[test]
    fn erasing_leaves_an_empty_folder_that_can_be_set_up_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = DataFolder::open(dir.path()).expect("open");
        for name in [
            DATABASE_FILE,
            KEY_FILE,
            "doorstep.db-wal",
            "doorstep.db-shm",
        ] {
            fs::write(dir.path().join(name), b"secret").expect("write");
        }
        assert_eq!(folder.state(), FolderState::Ready);
        folder.erase().expect("erase");
        assert_eq!(folder.state(), FolderState::Empty);
        for name in [
            DATABASE_FILE,
            KEY_FILE,
            "doorstep.db-wal",
            "doorstep.db-shm",
        ] {
            assert!(!dir.path().join(name).exists(), "{name} is gone");
        }
        folder.erase().expect("erasing twice is fine");
    }
}

//! The app's session: the open data folder, the unlocked store (if any), and the idle
//! clock. Plain Rust with no Tauri types, so it is tested directly.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use doorstep_core::{Limits, Officer, Role};
use doorstep_replica::{StoreAccess, SyncError};
use doorstep_store::{DataFolder, FolderState, KdfParams, Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorCode};

/// Where the app is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    /// No store yet: choose a passphrase.
    FirstRun,
    /// A store exists and is locked.
    Locked,
    /// Unlocked and ready.
    Unlocked,
}

/// What the UI needs to know to choose a screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct AppStatus {
    /// First run, locked or unlocked.
    pub state: AppState,
    /// Where the data lives.
    pub data_folder: String,
    /// The signed-in person's name, when unlocked.
    pub officer_name: Option<String>,
    /// The signed-in person's role, when unlocked, so the UI can offer role-only screens.
    pub officer_role: Option<Role>,
    /// Whether the signed-in person may add people to this laptop.
    pub can_add_people: bool,
    /// Minutes without use before the app locks itself.
    pub idle_lock_minutes: u32,
    /// The shortest idle lock time that may be chosen, in minutes.
    pub idle_lock_minutes_min: u32,
    /// The longest idle lock time that may be chosen, in minutes.
    pub idle_lock_minutes_max: u32,
    /// The limits the forms show, from the constants the rules check with.
    pub limits: Limits,
    /// Today's local date, YYYY-MM-DD.
    pub today: NaiveDate,
    /// Set after an administrator revoked this laptop and its data was erased: what
    /// happened and what to do, for the first-run screen.
    pub wiped_notice: Option<String>,
    /// The council whose scheme this is, from the branding file, for the header.
    pub council_name: String,
}

/// Kept beside the (erased) store so the notice survives a restart; holds no personal data.
const WIPED_NOTICE_FILE: &str = "wiped-notice.txt";

/// What the first-run screen says after a revocation.
pub const WIPED_NOTICE: &str = "An administrator removed this laptop from the council hub, so \
    Doorstep erased its data here. Everything that had reached the hub is safe there; changes \
    made since this laptop last synced were erased with it.";

/// One running app's hold on its data folder.
#[derive(Debug)]
pub struct Session {
    data_dir: PathBuf,
    /// Opened on first use and held for the app's life; retried while it fails, so
    /// "Try again" works once the other Doorstep has closed.
    folder: OnceLock<DataFolder>,
    opening: Mutex<()>,
    store: Mutex<Option<Store>>,
    last_activity: Mutex<Instant>,
    idle_lock_minutes: Mutex<u32>,
    kdf: KdfParams,
    council_name: String,
}

/// Closes a store taken out of the session; the store is closed whatever this says.
fn close_store(store: Store) {
    if let Err(e) = store.close() {
        // What was acknowledged is in the write-ahead log, which SQLite replays on next open.
        tracing::warn!(error = %e, "the store did not close cleanly");
    }
}

pub(crate) fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not lock the officer out of their data.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Today's date where the officer is (pinned in the UI's fixture writer).
pub fn today() -> NaiveDate {
    doorstep_core::clock::today()
}

impl Session {
    /// A session on `data_dir`. The folder (and its lock) is taken at once if it can be;
    /// a folder already in use is reported by every command until it is free.
    pub fn open(data_dir: &Path, kdf: KdfParams) -> Self {
        let session = Self {
            data_dir: data_dir.to_owned(),
            folder: OnceLock::new(),
            opening: Mutex::new(()),
            store: Mutex::new(None),
            last_activity: Mutex::new(Instant::now()),
            idle_lock_minutes: Mutex::new(doorstep_store::store::DEFAULT_IDLE_LOCK_MINUTES),
            kdf,
            council_name: String::new(),
        };
        let _ = session.folder();
        session
    }

    /// Names the council in every status, from the branding the documents use.
    #[must_use]
    pub fn with_council_name(mut self, name: &str) -> Self {
        name.clone_into(&mut self.council_name);
        self
    }

    fn folder(&self) -> Result<&DataFolder, AppError> {
        if let Some(folder) = self.folder.get() {
            return Ok(folder);
        }
        let _one_at_a_time = guard(&self.opening);
        if self.folder.get().is_none() {
            let opened = DataFolder::open(&self.data_dir)?;
            let _ = self.folder.set(opened);
        }
        self.folder.get().ok_or_else(|| {
            AppError::new(ErrorCode::Internal, "The data folder could not be opened.")
        })
    }

    /// The current status.
    pub fn status(&self) -> Result<AppStatus, AppError> {
        let folder = self.folder()?;
        let store = guard(&self.store);
        let state = match (&*store, folder.state()) {
            (Some(_), _) => AppState::Unlocked,
            (None, FolderState::Empty) => AppState::FirstRun,
            (None, _) => AppState::Locked,
        };
        Ok(AppStatus {
            state,
            data_folder: self.data_dir.display().to_string(),
            officer_name: store.as_ref().map(|s| s.officer().name.clone()),
            officer_role: store.as_ref().map(|s| s.officer().role),
            can_add_people: match store.as_ref() {
                Some(s) => s.may_add_users()?,
                None => false,
            },
            idle_lock_minutes: *guard(&self.idle_lock_minutes),
            idle_lock_minutes_min: doorstep_store::store::MIN_IDLE_LOCK_MINUTES,
            idle_lock_minutes_max: doorstep_store::store::MAX_IDLE_LOCK_MINUTES,
            limits: Limits::current(),
            today: today(),
            wiped_notice: std::fs::read_to_string(self.data_dir.join(WIPED_NOTICE_FILE))
                .ok()
                .filter(|_| state == AppState::FirstRun),
            council_name: self.council_name.clone(),
        })
    }

    /// The hub revoked this laptop: closes the store, erases it, and leaves the notice
    /// the first-run screen shows.
    pub fn erase_after_revocation(&self) -> Result<(), AppError> {
        let folder = self.folder()?;
        guard(&self.store).take();
        folder.erase()?;
        if let Err(e) = std::fs::write(self.data_dir.join(WIPED_NOTICE_FILE), WIPED_NOTICE) {
            tracing::warn!(error = %e, "could not keep the notice that the data was erased");
        }
        Ok(())
    }

    /// Whether the store is unlocked now.
    pub fn is_unlocked(&self) -> bool {
        guard(&self.store).is_some()
    }

    fn opened(&self, store: Store) -> Result<AppStatus, AppError> {
        *guard(&self.idle_lock_minutes) = store.idle_lock_minutes()?;
        *guard(&self.store) = Some(store);
        self.touch();
        self.status()
    }

    /// First run: creates the store for its first user, in `role`.
    pub fn set_up(
        &self,
        officer_name: &str,
        role: Role,
        passphrase: &str,
    ) -> Result<AppStatus, AppError> {
        let store = Store::set_up(self.folder()?, officer_name, role, passphrase, self.kdf)?;
        // A fresh start: the notice about the erased store has done its job.
        let _ = std::fs::remove_file(self.data_dir.join(WIPED_NOTICE_FILE));
        self.opened(store)
    }

    /// Adds a person who unlocks this laptop with their own passphrase.
    pub fn add_user(&self, name: &str, role: Role, passphrase: &str) -> Result<Officer, AppError> {
        let folder = self.folder()?;
        self.with_store(|s| s.add_user(folder, name, role, passphrase, self.kdf))
    }

    /// The people who can unlock this laptop.
    pub fn users(&self) -> Result<Vec<Officer>, AppError> {
        self.with_store(|s| s.users())
    }

    /// Unlocks the store.
    pub fn unlock(&self, passphrase: &str) -> Result<AppStatus, AppError> {
        if guard(&self.store).is_some() {
            return self.status();
        }
        let store = Store::unlock(self.folder()?, passphrase)?;
        self.opened(store)
    }

    /// Locks: closes the database and wipes the key from memory.
    pub fn lock(&self) -> Result<AppStatus, AppError> {
        self.close();
        self.status()
    }

    /// Closes the store, if open, so nothing of it stays behind: its write-ahead log is
    /// checkpointed into the database and the `-wal`/`-shm` files removed. On lock and quit.
    pub fn close(&self) {
        let open = guard(&self.store).take();
        if let Some(store) = open {
            close_store(store);
        }
    }

    /// Changes a passphrase: the signed-in person's when unlocked; when locked, that of
    /// whoever `current` belongs to. Only that person's key slot changes.
    pub fn change_passphrase(&self, current: &str, replacement: &str) -> Result<(), AppError> {
        let folder = self.folder()?;
        let unlocked = guard(&self.store).is_some();
        let result = if unlocked {
            self.with_store(|s| s.change_own_passphrase(current, replacement, self.kdf))
        } else {
            Store::change_passphrase(folder, current, replacement, self.kdf).map_err(AppError::from)
        };
        result.map_err(|mut err| {
            // On this form the wrong passphrase is the "current" field's problem.
            if err.code == ErrorCode::WrongPassphrase {
                err.field = Some("current".to_owned());
            }
            err
        })
    }

    /// Records that the officer is using the app.
    pub fn touch(&self) {
        *guard(&self.last_activity) = Instant::now();
    }

    /// Sets the idle lock time.
    pub fn set_idle_lock_minutes(&self, minutes: u32) -> Result<AppStatus, AppError> {
        self.with_store(|s| s.set_idle_lock_minutes(minutes))?;
        *guard(&self.idle_lock_minutes) = minutes;
        self.status()
    }

    /// Locks the store when it has been idle for the chosen time; returns that time if it did.
    pub fn lock_if_idle(&self, now: Instant) -> Option<u32> {
        let minutes = *guard(&self.idle_lock_minutes);
        let idle = now.saturating_duration_since(*guard(&self.last_activity));
        if idle < Duration::from_secs(u64::from(minutes) * 60) {
            return None;
        }
        // try_lock: a long import in progress counts as use, not idleness.
        let mut store = self.store.try_lock().ok()?;
        let open = store.take()?;
        drop(store);
        close_store(open);
        Some(minutes)
    }

    /// Runs `f` on the unlocked store, counting it as activity.
    pub fn with_store<T, E: Into<AppError>>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, AppError> {
        self.folder()?;
        self.touch();
        let mut store = guard(&self.store);
        let store = store.as_mut().ok_or_else(AppError::locked)?;
        let result = f(store).map_err(Into::into);
        self.touch();
        result
    }
}

/// The background sync reaches the store through the session, without counting as the
/// officer's activity (or the idle lock would never lock a laptop left syncing).
impl StoreAccess for Session {
    fn with_store<R>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R, StoreError>,
    ) -> Result<R, SyncError> {
        let mut store = guard(&self.store);
        let store = store.as_mut().ok_or(SyncError::Locked)?;
        Ok(f(store)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSPHRASE: &str = "kettle harbour violet sprocket";

    #[test]
    fn first_run_then_unlocked_then_locked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let session = Session::open(dir.path(), KdfParams::INSECURE_FOR_TESTS);
        assert_eq!(session.status().expect("status").state, AppState::FirstRun);
        let status = session
            .set_up("Rowan Testwell", Role::Officer, PASSPHRASE)
            .expect("set up");
        assert_eq!(status.state, AppState::Unlocked);
        assert_eq!(status.officer_name.as_deref(), Some("Rowan Testwell"));
        assert_eq!(session.lock().expect("lock").state, AppState::Locked);
        let err = session
            .with_store(|s| s.household_count())
            .expect_err("locked");
        assert_eq!(err.code, ErrorCode::Locked);
        assert_eq!(
            session.unlock("wrong wrong wrong").expect_err("wrong").code,
            ErrorCode::WrongPassphrase
        );
        assert_eq!(
            session.unlock(PASSPHRASE).expect("unlock").state,
            AppState::Unlocked
        );
    }

    #[test]
    fn every_status_carries_the_limits_the_rules_check_with() {
        let dir = tempfile::tempdir().expect("temp dir");
        let session = Session::open(dir.path(), KdfParams::INSECURE_FOR_TESTS);
        // Sent before first run too, so the first-run form can show the passphrase minimum.
        let status = session.status().expect("status");
        assert_eq!(
            status.limits,
            Limits::current(),
            "core's limits, as they are"
        );
        let status = session
            .set_up("Rowan Testwell", Role::Officer, PASSPHRASE)
            .expect("set up");
        let (min, max) = (status.idle_lock_minutes_min, status.idle_lock_minutes_max);
        assert!(
            session.set_idle_lock_minutes(max).is_ok(),
            "the longest time offered is accepted"
        );
        assert!(
            session.set_idle_lock_minutes(min).is_ok(),
            "the shortest time offered is accepted"
        );
        assert!(
            session.set_idle_lock_minutes(min - 1).is_err(),
            "nothing shorter is accepted"
        );
        assert_eq!(
            session
                .set_idle_lock_minutes(max + 1)
                .expect_err("one minute more")
                .code,
            ErrorCode::Validation,
            "and one minute more is refused, so the form's range is the store's"
        );
    }

    #[test]
    fn a_supervisor_added_on_the_laptop_unlocks_as_themselves() {
        const SUPERVISOR: &str = "lantern orbit velvet quarry";
        let dir = tempfile::tempdir().expect("temp dir");
        let session = Session::open(dir.path(), KdfParams::INSECURE_FOR_TESTS);
        let status = session
            .set_up("Rowan Testwell", Role::Officer, PASSPHRASE)
            .expect("set up");
        assert_eq!(status.officer_role, Some(Role::Officer));
        assert!(
            status.can_add_people,
            "the first user, until there is a supervisor"
        );
        let supervisor = session
            .add_user("Morgan Checkley", Role::Supervisor, SUPERVISOR)
            .expect("add");
        assert_eq!(session.users().expect("users").len(), 2);
        assert!(!session.status().expect("status").can_add_people);

        let err = session
            .change_passphrase(SUPERVISOR, "quiet anchor plum biscuit")
            .expect_err("not the officer's own passphrase");
        assert_eq!(err.code, ErrorCode::WrongPassphrase);
        assert_eq!(err.field.as_deref(), Some("current"));

        session.lock().expect("lock");
        let status = session.unlock(SUPERVISOR).expect("unlock");
        assert_eq!(status.officer_name.as_deref(), Some("Morgan Checkley"));
        assert_eq!(status.officer_role, Some(Role::Supervisor));
        assert!(status.can_add_people);
        assert_eq!(
            session
                .with_store(|s| Ok::<_, AppError>(s.actor().officer))
                .expect("actor"),
            supervisor.id
        );
        let err = session
            .add_user("Jo Warden", Role::Warden, SUPERVISOR)
            .expect_err("a passphrase in use");
        assert_eq!(err.code, ErrorCode::Validation);
        assert_eq!(err.field.as_deref(), Some("passphrase"));
        session.lock().expect("lock");
        assert_eq!(
            session.status().expect("status").officer_role,
            None,
            "nobody is signed in"
        );
    }

    #[test]
    fn a_revoked_laptop_is_erased_says_so_and_can_be_set_up_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let session = Session::open(dir.path(), KdfParams::INSECURE_FOR_TESTS);
        session
            .set_up("Rowan Testwell", Role::Officer, PASSPHRASE)
            .expect("set up");
        assert_eq!(session.status().expect("status").wiped_notice, None);
        session.erase_after_revocation().expect("erase");
        let status = session.status().expect("status");
        assert_eq!(status.state, AppState::FirstRun);
        assert_eq!(status.wiped_notice.as_deref(), Some(WIPED_NOTICE));
        assert!(
            !dir.path()
                .join(doorstep_store::folder::DATABASE_FILE)
                .exists()
        );
        assert!(!dir.path().join(doorstep_store::folder::KEY_FILE).exists());
        let status = session
            .set_up("Rowan Testwell", Role::Officer, PASSPHRASE)
            .expect("set up again");
        assert_eq!(status.wiped_notice, None, "the notice has done its job");
    }

    #[test]
    fn a_second_session_on_the_same_folder_is_told_it_is_in_use() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = Session::open(dir.path(), KdfParams::INSECURE_FOR_TESTS);
        let second = Session::open(dir.path(), KdfParams::INSECURE_FOR_TESTS);
        let err = second.status().expect_err("in use");
        assert_eq!(err.code, ErrorCode::DataFolderInUse, "{err:?}");
        assert!(err.message.contains("already open"), "{}", err.message);
        drop(first);
        assert_eq!(
            second.status().expect("free now").state,
            AppState::FirstRun,
            "trying again works once it is free"
        );
    }

    #[test]
    fn the_store_locks_itself_after_the_idle_time_and_not_before() {
        let dir = tempfile::tempdir().expect("temp dir");
        let session = Session::open(dir.path(), KdfParams::INSECURE_FOR_TESTS);
        session
            .set_up("Rowan Testwell", Role::Officer, PASSPHRASE)
            .expect("set up");
        session.set_idle_lock_minutes(2).expect("set idle");
        let now = Instant::now();
        assert_eq!(
            session.lock_if_idle(now + Duration::from_secs(60)),
            None,
            "one minute is not idle enough"
        );
        assert_eq!(
            session.lock_if_idle(now + Duration::from_secs(121)),
            Some(2)
        );
        assert_eq!(
            session.status().expect("status").state,
            AppState::Locked,
            "the key is gone"
        );
        assert_eq!(
            session
                .unlock(PASSPHRASE)
                .expect("unlock")
                .idle_lock_minutes,
            2,
            "the setting is kept"
        );
    }
}

//! Tauri commands: each checks its input, calls the session or store, and maps errors.
//! No business rule lives here.

pub mod documents;
pub mod fire;
pub mod security;
pub mod sync;
pub mod users;

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use chrono::NaiveDate;
use doorstep_core::passphrase::{self, PassphraseAssessment};
use doorstep_core::views::{
    BackupReport, DemoReport, HouseholdPage, ImportReport, SearchHit, VisitWithAddress,
};
use doorstep_core::{
    ChangeSource, Household, HouseholdDraft, HouseholdId, Person, PersonDraft, PersonId, Role,
    Uprn, Visit, VisitDraft,
};
use doorstep_store::StoreError;
use tauri::{AppHandle, State};
use tauri_specta::Event;

use crate::error::{AppError, ErrorCode};
use crate::events::ImportProgressEvent;
use crate::session::{AppStatus, Session, today};
use crate::sync::SyncService;

type Result<T> = std::result::Result<T, AppError>;

/// Where the app is: first run, locked or unlocked.
#[tauri::command(async)]
#[specta::specta]
pub fn app_status(session: State<'_, Session>) -> Result<AppStatus> {
    crate::probe::ready();
    session.status()
}

/// Advice on a passphrase while it is typed.
#[tauri::command(async)]
#[specta::specta]
pub fn assess_passphrase(passphrase: String) -> PassphraseAssessment {
    passphrase::assess(&passphrase, &[])
}

/// First run: creates the encrypted store for its first user, in their role.
#[tauri::command(async)]
#[specta::specta]
pub fn set_up(
    session: State<'_, Session>,
    officer_name: String,
    role: Role,
    passphrase: String,
) -> Result<AppStatus> {
    session.set_up(&officer_name, role, &passphrase)
}

/// Unlocks the store.
#[tauri::command(async)]
#[specta::specta]
pub fn unlock(
    session: State<'_, Session>,
    sync: State<'_, SyncService>,
    passphrase: String,
) -> Result<AppStatus> {
    let status = session.unlock(&passphrase)?;
    // Whatever waited while locked can go now.
    sync.nudge();
    Ok(status)
}

/// Locks the store and forgets the key.
#[tauri::command(async)]
#[specta::specta]
pub fn lock(session: State<'_, Session>) -> Result<AppStatus> {
    session.lock()
}

/// Re-wraps the key under a new passphrase.
#[tauri::command(async)]
#[specta::specta]
pub fn change_passphrase(
    session: State<'_, Session>,
    current: String,
    replacement: String,
) -> Result<()> {
    session.change_passphrase(&current, &replacement)
}

/// The officer is using the app (keeps the idle lock away).
#[tauri::command(async)]
#[specta::specta]
pub fn touch(session: State<'_, Session>) {
    session.touch();
}

/// Sets the idle lock time.
#[tauri::command(async)]
#[specta::specta]
pub fn set_idle_lock_minutes(session: State<'_, Session>, minutes: u32) -> Result<AppStatus> {
    session.set_idle_lock_minutes(minutes)
}

/// Loads the synthetic demo area.
#[tauri::command(async)]
#[specta::specta]
pub fn load_demo_data(session: State<'_, Session>) -> Result<DemoReport> {
    session.with_store(|s| s.load_demo(today()))
}

/// Type-ahead search over households and the gazetteer.
#[tauri::command(async)]
#[specta::specta]
pub fn search(session: State<'_, Session>, query: String) -> Result<Vec<SearchHit>> {
    session.with_store(|s| s.search(&query))
}

/// Adds a household typed by the officer.
#[tauri::command(async)]
#[specta::specta]
pub fn create_household(session: State<'_, Session>, draft: HouseholdDraft) -> Result<Household> {
    session.with_store(|s| s.create_household(&draft, ChangeSource::Ui))
}

/// Makes a household of a gazetteer address (or returns the existing one).
#[tauri::command(async)]
#[specta::specta]
pub fn create_household_from_gazetteer(
    session: State<'_, Session>,
    uprn: String,
) -> Result<Household> {
    let uprn = Uprn::parse(&uprn).map_err(|m| AppError::new(ErrorCode::NotFound, m))?;
    session.with_store(|s| s.create_household_from_gazetteer(&uprn, ChangeSource::Ui))
}

/// Corrects a household.
#[tauri::command(async)]
#[specta::specta]
pub fn update_household(
    session: State<'_, Session>,
    id: HouseholdId,
    draft: HouseholdDraft,
) -> Result<Household> {
    session.with_store(|s| s.update_household(id, &draft, ChangeSource::Ui))
}

/// A household with its residents and visits.
#[tauri::command(async)]
#[specta::specta]
pub fn get_household(session: State<'_, Session>, id: HouseholdId) -> Result<HouseholdPage> {
    session.with_store(|s| s.household_page(id))
}

/// Adds a resident.
#[tauri::command(async)]
#[specta::specta]
pub fn add_person(session: State<'_, Session>, draft: PersonDraft) -> Result<Person> {
    session.with_store(|s| s.add_person(&draft, today(), ChangeSource::Ui))
}

/// Corrects a resident.
#[tauri::command(async)]
#[specta::specta]
pub fn update_person(
    session: State<'_, Session>,
    id: PersonId,
    draft: PersonDraft,
) -> Result<Person> {
    session.with_store(|s| s.update_person(id, &draft, today(), ChangeSource::Ui))
}

/// Records or plans a visit.
#[tauri::command(async)]
#[specta::specta]
pub fn create_visit(
    session: State<'_, Session>,
    reference: State<'_, crate::reference::Reference>,
    draft: VisitDraft,
) -> Result<Visit> {
    let policy = reference.get().policy.cocoon;
    session.with_store(|s| {
        let visit = s.create_visit(&draft, today(), ChangeSource::Ui)?;
        if doorstep_core::cocoon::opens_cocoon(visit.kind, visit.outcome) {
            // A home with no known location cannot have neighbours found yet; the household
            // page says so and offers to open the cocoon once the address is matched.
            if let Err(e) = s.open_cocoon(visit.household_id, &policy, today(), ChangeSource::Ui) {
                tracing::info!(error = %e, "cocoon not opened with the burglary visit");
            }
        }
        Ok::<_, StoreError>(visit)
    })
}

/// The visits on a day.
#[tauri::command(async)]
#[specta::specta]
pub fn visits_for_day(
    session: State<'_, Session>,
    date: NaiveDate,
) -> Result<Vec<VisitWithAddress>> {
    session.with_store(|s| s.visits_for_day(date))
}

/// A household's visits, newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn visits_for_household(
    session: State<'_, Session>,
    household_id: HouseholdId,
) -> Result<Vec<Visit>> {
    session.with_store(|s| s.visits_for_household(household_id))
}

/// Imports a gazetteer CSV, reporting progress as `import-progress` events.
#[tauri::command(async)]
#[specta::specta]
pub fn import_gazetteer(
    app: AppHandle,
    session: State<'_, Session>,
    path: PathBuf,
) -> Result<ImportReport> {
    let file = File::open(&path).map_err(|e| {
        AppError::from(StoreError::Io {
            path: path.clone(),
            source: e,
        })
    })?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    session.with_store(|s| {
        s.import_gazetteer(BufReader::new(file), total, |p| {
            if let Err(e) = ImportProgressEvent(p).emit(&app) {
                tracing::warn!(error = %e, "could not send import progress");
            }
        })
    })
}

/// Writes an encrypted backup and its key file.
#[tauri::command(async)]
#[specta::specta]
pub fn backup(session: State<'_, Session>, path: PathBuf) -> Result<BackupReport> {
    session.with_store(|s| s.backup_to(&path))
}

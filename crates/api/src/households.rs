//! Households, their residents and visits, the search that finds them and the gazetteer
//! that supplies their addresses.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use chrono::NaiveDate;
use doorstep_core::views::{HouseholdPage, ImportReport, SearchHit, VisitWithAddress};
use doorstep_core::{
    ChangeSource, Household, HouseholdDraft, HouseholdId, Person, PersonDraft, PersonId, Uprn,
    Visit, VisitDraft,
};
use doorstep_store::StoreError;

use crate::Api;
use crate::error::{AppError, ErrorCode};
use crate::events::AppEvent;
use crate::session::today;

type Result<T> = std::result::Result<T, AppError>;

/// Type-ahead search over households and the gazetteer.
pub fn search(api: &Api, query: String) -> Result<Vec<SearchHit>> {
    api.session.with_store(|s| s.search(&query))
}

/// Adds a household typed by the officer.
pub fn create_household(api: &Api, draft: HouseholdDraft) -> Result<Household> {
    api.session
        .with_store(|s| s.create_household(&draft, ChangeSource::Ui))
}

/// Makes a household of a gazetteer address (or returns the existing one).
pub fn create_household_from_gazetteer(api: &Api, uprn: String) -> Result<Household> {
    let uprn = Uprn::parse(&uprn).map_err(|m| AppError::new(ErrorCode::NotFound, m))?;
    api.session
        .with_store(|s| s.create_household_from_gazetteer(&uprn, ChangeSource::Ui))
}

/// Corrects a household.
pub fn update_household(api: &Api, id: HouseholdId, draft: HouseholdDraft) -> Result<Household> {
    api.session
        .with_store(|s| s.update_household(id, &draft, ChangeSource::Ui))
}

/// A household with its residents and visits, recording that the signed-in person opened
/// it (sent to the hub's audit log at the next sync). One store call: if the opening
/// cannot be recorded the page does not open, as a reading nobody can account for is what
/// the audit exists to prevent; it is a local insert that fails only when saving would.
pub fn get_household(api: &Api, id: HouseholdId) -> Result<HouseholdPage> {
    api.session
        .with_store(|s| s.open_household_page(id, doorstep_core::clock::now()))
}

/// Adds a resident.
pub fn add_person(api: &Api, draft: PersonDraft) -> Result<Person> {
    api.session
        .with_store(|s| s.add_person(&draft, today(), ChangeSource::Ui))
}

/// Corrects a resident.
pub fn update_person(api: &Api, id: PersonId, draft: PersonDraft) -> Result<Person> {
    api.session
        .with_store(|s| s.update_person(id, &draft, today(), ChangeSource::Ui))
}

/// Records or plans a visit.
pub fn create_visit(api: &Api, draft: VisitDraft) -> Result<Visit> {
    let policy = api.reference.get().policy.cocoon;
    api.session.with_store(|s| {
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
pub fn visits_for_day(api: &Api, date: NaiveDate) -> Result<Vec<VisitWithAddress>> {
    api.session.with_store(|s| s.visits_for_day(date))
}

/// A household's visits, newest first.
pub fn visits_for_household(api: &Api, household_id: HouseholdId) -> Result<Vec<Visit>> {
    api.session
        .with_store(|s| s.visits_for_household(household_id))
}

/// Imports a gazetteer CSV, reporting progress as `import-progress` events.
pub fn import_gazetteer(api: &Api, path: PathBuf) -> Result<ImportReport> {
    let file = File::open(&path).map_err(|e| {
        AppError::from(StoreError::Io {
            path: path.clone(),
            source: e,
        })
    })?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    api.session.with_store(|s| {
        s.import_gazetteer(BufReader::new(file), total, |p| {
            api.events.send(AppEvent::ImportProgress(p));
        })
    })
}

//! The window's commands: each adapts one `doorstep-api` function to Tauri's IPC (its state
//! and argument names), so the bridge and the tests call exactly what the window calls.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use doorstep_api::documents::{BatchReport, SavedDocument};
use doorstep_api::reference::ReferenceProblem;
use doorstep_api::security::PlanEdit;
use doorstep_api::session::AppStatus;
use doorstep_api::team::TeamReport;
use doorstep_api::{
    Api, AppError, ErrorCode, app, documents, fire, households, hub, security, team, users,
};
use doorstep_core::cocoon::CocoonOutcome;
use doorstep_core::fire::{
    AgencyDirectory, BasisRecord, CharlieDraft, CharlieTemplate, Consent, ReferralDraft,
    ReferralId, ReferralStep,
};
use doorstep_core::passphrase::PassphraseAssessment;
use doorstep_core::security::{
    AnswerValue, FollowUpFindings, PlanId, PlanStatus, PlanStep, SurveyId,
};
use doorstep_core::sync_status::{ConflictChoice, ConflictView, SetAsideView, SyncStatus};
use doorstep_core::views::{
    BackupReport, CharlieResult, CocoonPage, CocoonSummary, DayOfAction, DayOfActionDraft,
    DayOfActionPage, DayOfActionSummaryRow, DemoReport, DoorRow, DoorsAdded, HouseholdPage,
    ImportReport, KnockDraft, PlanPage, PlanSummary, ReferralPage, ReferralSummary, SearchHit,
    SurveyPage, SurveyPhoto, SurveyState, VisitWithAddress,
};
use doorstep_core::{
    Household, HouseholdDraft, HouseholdId, Officer, Person, PersonDraft, PersonId, Role, Visit,
    VisitDraft, VisitId,
};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

type Result<T> = std::result::Result<T, AppError>;

/// Where the app is: first run, locked or unlocked.
#[tauri::command(async)]
#[specta::specta]
pub fn app_status(api: State<'_, Arc<Api>>) -> Result<AppStatus> {
    crate::probe::ready();
    app::app_status(&api)
}

/// Advice on a passphrase while it is typed.
#[tauri::command(async)]
#[specta::specta]
pub fn assess_passphrase(api: State<'_, Arc<Api>>, passphrase: String) -> PassphraseAssessment {
    app::assess_passphrase(&api, passphrase)
}

/// First run: creates the encrypted store for its first user, in their role.
#[tauri::command(async)]
#[specta::specta]
pub fn set_up(
    api: State<'_, Arc<Api>>,
    officer_name: String,
    role: Role,
    passphrase: String,
) -> Result<AppStatus> {
    app::set_up(&api, officer_name, role, passphrase)
}

/// Unlocks the store.
#[tauri::command(async)]
#[specta::specta]
pub fn unlock(api: State<'_, Arc<Api>>, passphrase: String) -> Result<AppStatus> {
    app::unlock(&api, passphrase)
}

/// Locks the store and forgets the key.
#[tauri::command(async)]
#[specta::specta]
pub fn lock(api: State<'_, Arc<Api>>) -> Result<AppStatus> {
    app::lock(&api)
}

/// Re-wraps the key under a new passphrase.
#[tauri::command(async)]
#[specta::specta]
pub fn change_passphrase(
    api: State<'_, Arc<Api>>,
    current: String,
    replacement: String,
) -> Result<()> {
    app::change_passphrase(&api, current, replacement)
}

/// The officer is using the app (keeps the idle lock away).
#[tauri::command(async)]
#[specta::specta]
pub fn touch(api: State<'_, Arc<Api>>) {
    app::touch(&api)
}

/// Sets the idle lock time.
#[tauri::command(async)]
#[specta::specta]
pub fn set_idle_lock_minutes(api: State<'_, Arc<Api>>, minutes: u32) -> Result<AppStatus> {
    app::set_idle_lock_minutes(&api, minutes)
}

/// Loads the synthetic demo area.
#[tauri::command(async)]
#[specta::specta]
pub fn load_demo_data(api: State<'_, Arc<Api>>) -> Result<DemoReport> {
    app::load_demo_data(&api)
}

/// Type-ahead search over households and the gazetteer.
#[tauri::command(async)]
#[specta::specta]
pub fn search(api: State<'_, Arc<Api>>, query: String) -> Result<Vec<SearchHit>> {
    households::search(&api, query)
}

/// Adds a household typed by the officer.
#[tauri::command(async)]
#[specta::specta]
pub fn create_household(api: State<'_, Arc<Api>>, draft: HouseholdDraft) -> Result<Household> {
    households::create_household(&api, draft)
}

/// Makes a household of a gazetteer address (or returns the existing one).
#[tauri::command(async)]
#[specta::specta]
pub fn create_household_from_gazetteer(
    api: State<'_, Arc<Api>>,
    uprn: String,
) -> Result<Household> {
    households::create_household_from_gazetteer(&api, uprn)
}

/// Corrects a household.
#[tauri::command(async)]
#[specta::specta]
pub fn update_household(
    api: State<'_, Arc<Api>>,
    id: HouseholdId,
    draft: HouseholdDraft,
) -> Result<Household> {
    households::update_household(&api, id, draft)
}

/// A household with its residents and visits.
#[tauri::command(async)]
#[specta::specta]
pub fn get_household(api: State<'_, Arc<Api>>, id: HouseholdId) -> Result<HouseholdPage> {
    households::get_household(&api, id)
}

/// Adds a resident.
#[tauri::command(async)]
#[specta::specta]
pub fn add_person(api: State<'_, Arc<Api>>, draft: PersonDraft) -> Result<Person> {
    households::add_person(&api, draft)
}

/// Corrects a resident.
#[tauri::command(async)]
#[specta::specta]
pub fn update_person(api: State<'_, Arc<Api>>, id: PersonId, draft: PersonDraft) -> Result<Person> {
    households::update_person(&api, id, draft)
}

/// Records or plans a visit.
#[tauri::command(async)]
#[specta::specta]
pub fn create_visit(api: State<'_, Arc<Api>>, draft: VisitDraft) -> Result<Visit> {
    households::create_visit(&api, draft)
}

/// The visits on a day.
#[tauri::command(async)]
#[specta::specta]
pub fn visits_for_day(api: State<'_, Arc<Api>>, date: NaiveDate) -> Result<Vec<VisitWithAddress>> {
    households::visits_for_day(&api, date)
}

/// A household's visits, newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn visits_for_household(
    api: State<'_, Arc<Api>>,
    household_id: HouseholdId,
) -> Result<Vec<Visit>> {
    households::visits_for_household(&api, household_id)
}

/// Imports a gazetteer CSV, reporting progress as `import-progress` events.
#[tauri::command(async)]
#[specta::specta]
pub fn import_gazetteer(api: State<'_, Arc<Api>>, path: PathBuf) -> Result<ImportReport> {
    households::import_gazetteer(&api, path)
}

/// Writes an encrypted backup and its key file.
#[tauri::command(async)]
#[specta::specta]
pub fn backup(api: State<'_, Arc<Api>>, path: PathBuf) -> Result<BackupReport> {
    app::backup(&api, path)
}

/// Data files that were refused, with file, line and reason.
#[tauri::command(async)]
#[specta::specta]
pub fn reference_problems(api: State<'_, Arc<Api>>) -> Vec<ReferenceProblem> {
    security::reference_problems(&api)
}

/// Reads the council's data files again; refused ones keep the previous good version.
#[tauri::command(async)]
#[specta::specta]
pub fn reload_reference_data(api: State<'_, Arc<Api>>) -> Vec<ReferenceProblem> {
    security::reload_reference_data(&api)
}

/// Starts a home security survey of a household on the newest form.
#[tauri::command(async)]
#[specta::specta]
pub fn start_survey(
    api: State<'_, Arc<Api>>,
    household_id: HouseholdId,
    visit_id: Option<VisitId>,
) -> Result<SurveyPage> {
    security::start_survey(&api, household_id, visit_id)
}

/// A survey with its form, household, photos and plans.
#[tauri::command(async)]
#[specta::specta]
pub fn get_survey(api: State<'_, Arc<Api>>, id: SurveyId) -> Result<SurveyPage> {
    security::get_survey(&api, id)
}

/// A household's surveys, newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn surveys_for_household(
    api: State<'_, Arc<Api>>,
    household_id: HouseholdId,
) -> Result<Vec<doorstep_core::security::Survey>> {
    security::surveys_for_household(&api, household_id)
}

/// Autosaves one top-level answer (a whole group for repeatable items); `None` clears it.
#[tauri::command(async)]
#[specta::specta]
pub fn save_answer(
    api: State<'_, Arc<Api>>,
    survey_id: SurveyId,
    item: String,
    value: Option<AnswerValue>,
) -> Result<SurveyState> {
    security::save_answer(&api, survey_id, item, value)
}

/// Autosaves the officer's note on one section.
#[tauri::command(async)]
#[specta::specta]
pub fn save_section_note(
    api: State<'_, Arc<Api>>,
    survey_id: SurveyId,
    section: String,
    note: String,
) -> Result<SurveyState> {
    security::save_section_note(&api, survey_id, section, note)
}

/// Attaches a photo file (chosen with the file picker) to a survey item.
#[tauri::command(async)]
#[specta::specta]
pub fn add_survey_photo(
    api: State<'_, Arc<Api>>,
    survey_id: SurveyId,
    item: String,
    path: PathBuf,
) -> Result<SurveyPhoto> {
    security::add_survey_photo(&api, survey_id, item, path)
}

/// An attachment as a `data:` URL, to show a photo or signature.
#[tauri::command(async)]
#[specta::specta]
pub fn attachment_data_url(api: State<'_, Arc<Api>>, sha256: String) -> Result<String> {
    security::attachment_data_url(&api, sha256)
}

/// Drafts a plan from a survey, or opens the draft already made from it.
#[tauri::command(async)]
#[specta::specta]
pub fn draft_plan(api: State<'_, Arc<Api>>, survey_id: SurveyId) -> Result<PlanPage> {
    security::draft_plan(&api, survey_id)
}

/// A plan with its totals, rules and the steps the signed-in person may take.
#[tauri::command(async)]
#[specta::specta]
pub fn get_plan(api: State<'_, Arc<Api>>, id: PlanId) -> Result<PlanPage> {
    security::get_plan(&api, id)
}

/// Changes a plan; a change that breaks a rule is refused and nothing is saved.
#[tauri::command(async)]
#[specta::specta]
pub fn edit_plan(api: State<'_, Arc<Api>>, id: PlanId, edit: PlanEdit) -> Result<PlanPage> {
    security::edit_plan(&api, id, edit)
}

/// The resident agrees the plan: their typed name, their signature drawn on screen (a PNG,
/// base64) and the disclaimer version they were shown.
#[tauri::command(async)]
#[specta::specta]
pub fn agree_plan(
    api: State<'_, Arc<Api>>,
    id: PlanId,
    resident_name: String,
    signature_png_base64: String,
    disclaimer_version: String,
) -> Result<PlanPage> {
    security::agree_plan(
        &api,
        id,
        resident_name,
        signature_png_base64,
        disclaimer_version,
    )
}

/// Any other lifecycle step: approve, order, fit, follow up, refuse, withdraw.
#[tauri::command(async)]
#[specta::specta]
pub fn plan_step(api: State<'_, Arc<Api>>, id: PlanId, step: PlanStep) -> Result<PlanPage> {
    security::plan_step(&api, id, step)
}

/// Plans in one status, oldest first: agreed plans are the supervisor's approvals queue,
/// fitted plans are waiting for their follow-up.
#[tauri::command(async)]
#[specta::specta]
pub fn plans_with_status(api: State<'_, Arc<Api>>, status: PlanStatus) -> Result<Vec<PlanSummary>> {
    security::plans_with_status(&api, status)
}

/// A household's plans, newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn plans_for_household(
    api: State<'_, Arc<Api>>,
    household_id: HouseholdId,
) -> Result<Vec<PlanSummary>> {
    security::plans_for_household(&api, household_id)
}

/// Records the follow-up visit's findings.
#[tauri::command(async)]
#[specta::specta]
pub fn record_follow_up(
    api: State<'_, Arc<Api>>,
    id: PlanId,
    findings: FollowUpFindings,
) -> Result<PlanPage> {
    security::record_follow_up(&api, id, findings)
}

/// Opens the cocoon around a burgled household (or returns the one already open).
#[tauri::command(async)]
#[specta::specta]
pub fn open_cocoon(api: State<'_, Arc<Api>>, household_id: HouseholdId) -> Result<CocoonPage> {
    security::open_cocoon(&api, household_id)
}

/// One cocoon with its doors.
#[tauri::command(async)]
#[specta::specta]
pub fn get_cocoon(api: State<'_, Arc<Api>>, id: String) -> Result<CocoonPage> {
    security::get_cocoon(&api, id)
}

/// Records what happened at one cocoon door.
#[tauri::command(async)]
#[specta::specta]
pub fn record_cocoon_outcome(
    api: State<'_, Arc<Api>>,
    door_id: String,
    outcome: CocoonOutcome,
) -> Result<CocoonPage> {
    security::record_cocoon_outcome(&api, door_id, outcome)
}

/// Cocoons still open (all households), or every cocoon of one household.
#[tauri::command(async)]
#[specta::specta]
pub fn cocoons(
    api: State<'_, Arc<Api>>,
    household_id: Option<HouseholdId>,
) -> Result<Vec<CocoonSummary>> {
    security::cocoons(&api, household_id)
}

/// The CHARLIE check form: factors, scale, hazards and thresholds.
#[tauri::command(async)]
#[specta::specta]
pub fn charlie_template(api: State<'_, Arc<Api>>) -> CharlieTemplate {
    fire::charlie_template(&api)
}

/// The partner agencies referrals can go to.
#[tauri::command(async)]
#[specta::specta]
pub fn agencies(api: State<'_, Arc<Api>>) -> AgencyDirectory {
    fire::agencies(&api)
}

/// Saves a new or corrected CHARLIE check and scores it; suggests referrals.
#[tauri::command(async)]
#[specta::specta]
pub fn save_charlie_check(api: State<'_, Arc<Api>>, draft: CharlieDraft) -> Result<CharlieResult> {
    fire::save_charlie_check(&api, draft)
}

/// A household's CHARLIE checks, newest first, each scored.
#[tauri::command(async)]
#[specta::specta]
pub fn charlie_checks_for_household(
    api: State<'_, Arc<Api>>,
    household_id: HouseholdId,
) -> Result<Vec<CharlieResult>> {
    fire::charlie_checks_for_household(&api, household_id)
}

/// Drafts a referral; consent and basis are recorded as given by the signed-in person, now.
#[tauri::command(async)]
#[specta::specta]
pub fn draft_referral(api: State<'_, Arc<Api>>, draft: ReferralDraft) -> Result<ReferralPage> {
    fire::draft_referral(&api, draft)
}

/// A referral with its agency, resident and what may be done next.
#[tauri::command(async)]
#[specta::specta]
pub fn get_referral(api: State<'_, Arc<Api>>, id: ReferralId) -> Result<ReferralPage> {
    fire::get_referral(&api, id)
}

/// Records (or replaces) consent, or a lawful basis, on a draft referral.
#[tauri::command(async)]
#[specta::specta]
pub fn record_referral_authority(
    api: State<'_, Arc<Api>>,
    id: ReferralId,
    consent: Option<Consent>,
    lawful_basis: Option<BasisRecord>,
) -> Result<ReferralPage> {
    fire::record_referral_authority(&api, id, consent, lawful_basis)
}

/// Takes a lifecycle step: send (only with consent or a basis), acknowledged, visit booked,
/// completed, declined, no contact.
#[tauri::command(async)]
#[specta::specta]
pub fn referral_step(
    api: State<'_, Arc<Api>>,
    id: ReferralId,
    step: ReferralStep,
) -> Result<ReferralPage> {
    fire::referral_step(&api, id, step)
}

/// A household's referrals, newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn referrals_for_household(
    api: State<'_, Arc<Api>>,
    household_id: HouseholdId,
) -> Result<Vec<ReferralSummary>> {
    fire::referrals_for_household(&api, household_id)
}

/// Sent referrals the agency has not acknowledged in time, most overdue first (for Today).
#[tauri::command(async)]
#[specta::specta]
pub fn overdue_referral_list(api: State<'_, Arc<Api>>) -> Result<Vec<ReferralSummary>> {
    fire::overdue_referral_list(&api)
}

/// Referrals sent on this laptop that wait for the next sync, oldest first (for Today).
#[tauri::command(async)]
#[specta::specta]
pub fn queued_referral_list(api: State<'_, Arc<Api>>) -> Result<Vec<ReferralSummary>> {
    fire::queued_referral_list(&api)
}

/// Sets up a day of action.
#[tauri::command(async)]
#[specta::specta]
pub fn create_day_of_action(
    api: State<'_, Arc<Api>>,
    draft: DayOfActionDraft,
) -> Result<DayOfAction> {
    fire::create_day_of_action(&api, draft)
}

/// Every day of action, newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn days_of_action(api: State<'_, Arc<Api>>) -> Result<Vec<DayOfActionSummaryRow>> {
    fire::days_of_action(&api)
}

/// A day with its doors, live counts and revisit queue.
#[tauri::command(async)]
#[specta::specta]
pub fn get_day_of_action(api: State<'_, Arc<Api>>, id: String) -> Result<DayOfActionPage> {
    fire::get_day_of_action(&api, id)
}

/// Adds a street's or postcode's addresses from the gazetteer to a day's list.
#[tauri::command(async)]
#[specta::specta]
pub fn add_day_doors(
    api: State<'_, Arc<Api>>,
    day_id: String,
    street_or_postcode: String,
) -> Result<DoorsAdded> {
    fire::add_day_doors(&api, day_id, street_or_postcode)
}

/// Adds the doors listed (by UPRN) in a CSV file chosen with the file picker.
#[tauri::command(async)]
#[specta::specta]
pub fn import_day_doors(
    api: State<'_, Arc<Api>>,
    day_id: String,
    path: PathBuf,
) -> Result<DoorsAdded> {
    fire::import_day_doors(&api, day_id, path)
}

/// Records one knock at a door.
#[tauri::command(async)]
#[specta::specta]
pub fn record_knock(
    api: State<'_, Arc<Api>>,
    day_id: String,
    door_id: String,
    knock: KnockDraft,
) -> Result<DoorRow> {
    fire::record_knock(&api, day_id, door_id, knock)
}

/// Writes the end-of-day summary as CSV where the officer chose.
#[tauri::command(async)]
#[specta::specta]
pub fn save_day_summary_csv(
    api: State<'_, Arc<Api>>,
    day_id: String,
    path: PathBuf,
) -> Result<String> {
    fire::save_day_summary_csv(&api, day_id, path)
}

/// The supervisor's "My team" figures and charts for a period (`None`: this quarter).
#[tauri::command(async)]
#[specta::specta]
pub fn team_report(api: State<'_, Arc<Api>>, period: Option<String>) -> Result<TeamReport> {
    team::team_report(&api, period)
}

/// Writes one "My team" chart's table as CSV where the supervisor chose.
#[tauri::command(async)]
#[specta::specta]
pub fn save_team_chart_csv(
    api: State<'_, Arc<Api>>,
    period: Option<String>,
    chart_id: String,
    path: PathBuf,
) -> Result<String> {
    team::save_team_chart_csv(&api, period, chart_id, path)
}

/// Saves the resident's copy of a plan as a PDF at `path` (chosen with the save dialog).
#[tauri::command(async)]
#[specta::specta]
pub fn save_resident_plan(
    api: State<'_, Arc<Api>>,
    plan_id: PlanId,
    path: PathBuf,
) -> Result<SavedDocument> {
    documents::save_resident_plan(&api, plan_id, path)
}

/// Saves a referral's form as a PDF, for an agency that takes referrals by secure email.
#[tauri::command(async)]
#[specta::specta]
pub fn save_referral_pdf(
    api: State<'_, Arc<Api>>,
    referral_id: ReferralId,
    path: PathBuf,
) -> Result<SavedDocument> {
    documents::save_referral_pdf(&api, referral_id, path)
}

/// Saves a day of action's documents into `folder`, reporting progress as
/// `document-progress` events: the summary, then the referral form of every referral made
/// that day for a household on its list.
#[tauri::command(async)]
#[specta::specta]
pub fn save_day_documents(
    api: State<'_, Arc<Api>>,
    day_id: String,
    folder: PathBuf,
) -> Result<BatchReport> {
    documents::save_day_documents(&api, day_id, folder)
}

/// Opens a document saved in this session in the system's PDF viewer (to read or print).
#[tauri::command(async)]
#[specta::specta]
pub fn open_document(app: AppHandle, api: State<'_, Arc<Api>>, path: PathBuf) -> Result<()> {
    let path = documents::saved_document(&api, path)?;
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| {
            AppError::new(
                ErrorCode::Io,
                format!(
                    "The document was saved at {} but could not be opened ({e}): open it from your files",
                    path.display()
                ),
            )
        })
}

/// Connects this laptop to a council hub with an administrator's one-time code.
#[tauri::command(async)]
#[specta::specta]
pub async fn hub_enrol(
    api: State<'_, Arc<Api>>,
    hub_url: String,
    code: String,
) -> Result<SyncStatus> {
    hub::hub_enrol(&api, hub_url, code).await
}

/// What sync is doing, for the indicator and the Sync screen.
#[tauri::command(async)]
#[specta::specta]
pub fn sync_status(api: State<'_, Arc<Api>>) -> Result<SyncStatus> {
    hub::sync_status(&api)
}

/// Syncs now and answers when it has finished; progress arrives as `sync-status` events.
#[tauri::command(async)]
#[specta::specta]
pub async fn sync_now(api: State<'_, Arc<Api>>) -> Result<SyncStatus> {
    hub::sync_now(&api).await
}

/// Changes made here that the hub could no longer take because their record moved to
/// another team: the signed-in person's own, or every one for a supervisor.
#[tauri::command(async)]
#[specta::specta]
pub fn set_aside_changes(api: State<'_, Arc<Api>>) -> Result<Vec<SetAsideView>> {
    hub::set_aside_changes(&api)
}

/// Removes a set-aside change its maker (or a supervisor) has passed on; answers with the
/// list as it now is.
#[tauri::command(async)]
#[specta::specta]
pub fn discard_set_aside_change(api: State<'_, Arc<Api>>, id: String) -> Result<Vec<SetAsideView>> {
    hub::discard_set_aside_change(&api, id)
}

/// The conflicts the hub raised, open ones first (supervisors only).
#[tauri::command(async)]
#[specta::specta]
pub fn conflicts(api: State<'_, Arc<Api>>) -> Result<Vec<ConflictView>> {
    hub::conflicts(&api)
}

/// A supervisor's decision on a conflict; it reaches the hub at the next sync.
#[tauri::command(async)]
#[specta::specta]
pub fn resolve_conflict(
    api: State<'_, Arc<Api>>,
    id: String,
    choice: ConflictChoice,
) -> Result<Vec<ConflictView>> {
    hub::resolve_conflict(&api, id, choice)
}

/// Adds a person who unlocks this laptop with their own passphrase (supervisors, or the
/// first user until there is one).
#[tauri::command(async)]
#[specta::specta]
pub fn add_user(
    api: State<'_, Arc<Api>>,
    name: String,
    role: Role,
    passphrase: String,
) -> Result<Officer> {
    users::add_user(&api, name, role, passphrase)
}

/// The people who can unlock this laptop, by name.
#[tauri::command(async)]
#[specta::specta]
pub fn list_users(api: State<'_, Arc<Api>>) -> Result<Vec<Officer>> {
    users::list_users(&api)
}

//! Read models and reports the screens show: assembled by the store, plain data here.

use serde::{Deserialize, Serialize};

use crate::household::{Household, Uprn};
use crate::ids::HouseholdId;
use crate::person::Person;
use crate::visit::Visit;

/// A broken rule as a screen shows it: a stable id to branch on, the sentence core words it
/// in, and the form field to link it to. Built from each core rule enum in one place beside
/// that enum, so the UI never words a rule itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RuleViolation {
    /// The rule's stable id, e.g. `key_lock_on_escape_window`; never renamed once shipped.
    pub rule: String,
    /// What is wrong and what to do about it.
    pub message: String,
    /// The form field it belongs to, as the UI names it, when it belongs to one.
    pub field: Option<String>,
}

/// Everything the Household screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct HouseholdPage {
    /// The household.
    pub household: Household,
    /// Its residents, oldest record first.
    pub persons: Vec<Person>,
    /// Its visits, newest first.
    pub visits: Vec<Visit>,
    /// Restricted at the resident's request: shown, but nothing may be added or changed.
    pub restricted: bool,
    /// When restricted, the sentence the screen shows ([`crate::privacy::restriction`]),
    /// so the UI never words it itself.
    pub restriction_notice: Option<String>,
}

/// A visit with the address it was at, for day lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct VisitWithAddress {
    /// The visit.
    pub visit: Visit,
    /// The address on one line.
    pub address: String,
    /// Its postcode.
    pub postcode: String,
}

/// Where a search hit came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SearchHitKind {
    /// A household we already hold.
    Household,
    /// An address from the gazetteer that is not a household yet.
    Gazetteer,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SearchHit {
    /// Household or gazetteer address.
    pub kind: SearchHitKind,
    /// The household, for household hits.
    pub household_id: Option<HouseholdId>,
    /// The UPRN, when known.
    pub uprn: Option<Uprn>,
    /// The address on one line.
    pub address: String,
    /// Its postcode.
    pub postcode: String,
    /// Residents' names, for household hits.
    pub residents: Vec<String>,
}

/// A gazetteer row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RowError {
    /// The line in the file (the header is line 1).
    pub line: u32,
    /// What is wrong with it.
    pub reason: String,
}

/// The outcome of a gazetteer import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ImportReport {
    /// Data rows read.
    pub rows_read: u32,
    /// Rows imported (new or updated).
    pub imported: u32,
    /// The first rejected rows (at most [`ImportReport::MAX_LISTED`]).
    pub rejected: Vec<RowError>,
    /// How many rows were rejected in all.
    pub rejected_total: u32,
}

impl ImportReport {
    /// How many rejected rows are listed one by one.
    pub const MAX_LISTED: usize = 1000;
}

/// Progress of a long import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ImportProgress {
    /// Data rows read so far.
    pub rows_read: u32,
    /// Bytes read so far.
    pub bytes_read: u32,
    /// The file's size (gazetteers are far below 4 GiB).
    pub total_bytes: u32,
}

/// What loading the demo area created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DemoReport {
    /// Gazetteer addresses.
    pub gazetteer_entries: u32,
    /// Households.
    pub households: u32,
    /// Residents.
    pub persons: u32,
    /// Visits.
    pub visits: u32,
}

/// Where a backup was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct BackupReport {
    /// The encrypted database copy.
    pub path: String,
    /// Its key file, needed with it.
    pub key_path: String,
    /// The copy's size in bytes (saturates at 4 GiB).
    pub bytes: u32,
}

/// A plan with where it is, for lists (approvals, follow-ups due).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PlanSummary {
    /// The plan.
    pub plan: crate::security::Plan,
    /// The household.
    pub household_id: HouseholdId,
    /// Its address on one line.
    pub address: String,
    /// Its postcode.
    pub postcode: String,
    /// Money against the cap, so a list never adds up lines itself.
    pub totals: crate::security::PlanTotals,
    /// For fitted plans: when the follow-up visit falls due.
    pub follow_up_due: Option<chrono::NaiveDate>,
}

/// A photo attached to a survey question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SurveyPhoto {
    /// Its id.
    pub id: String,
    /// The item path (e.g. `doors[0].lock_type`) or `section:<id>`.
    pub item: String,
    /// The attachment reference, `sha256:…`.
    pub sha256: String,
    /// The file name the officer chose, for their reference.
    pub file_name: String,
    /// e.g. `image/jpeg`.
    pub media_type: String,
}

/// One neighbour's door in a cocoon, with what happened there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct CocoonDoor {
    /// Its id, for recording the outcome.
    pub id: String,
    /// Priority, 1 first.
    pub rank: u32,
    /// The address.
    pub target: crate::cocoon::CocoonTarget,
    /// Its postcode from the gazetteer, when known.
    pub postcode: Option<String>,
    /// What happened, once recorded.
    pub outcome: Option<crate::cocoon::CocoonOutcome>,
    /// When it was recorded.
    pub outcome_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A cocoon as its screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct CocoonPage {
    /// Its id.
    pub id: String,
    /// The burgled household.
    pub household_id: HouseholdId,
    /// Its address on one line.
    pub address: String,
    /// Opening, visit-by and closing days.
    pub dates: crate::cocoon::CocoonDates,
    /// How much has been delivered.
    pub dosage: crate::cocoon::Dosage,
    /// In progress, overdue, delivered or closed, today.
    pub state: crate::cocoon::CocoonState,
    /// The doors in priority order.
    pub doors: Vec<CocoonDoor>,
    /// When its household is restricted at the resident's request, the sentence the screen
    /// shows; nothing on it may then be changed.
    pub restriction_notice: Option<String>,
}

/// A cocoon in a list (the supervisor's undelivered cocoons, a household's cocoons).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct CocoonSummary {
    /// Its id.
    pub id: String,
    /// The burgled household.
    pub household_id: HouseholdId,
    /// Its address on one line.
    pub address: String,
    /// Opening, visit-by and closing days.
    pub dates: crate::cocoon::CocoonDates,
    /// How much has been delivered.
    pub dosage: crate::cocoon::Dosage,
    /// In progress, overdue, delivered or closed, today.
    pub state: crate::cocoon::CocoonState,
}

/// What the survey screen needs after every autosave: the answers and what they imply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SurveyState {
    /// The survey as saved.
    pub survey: crate::security::Survey,
    /// The answer paths shown for these answers.
    pub visible: Vec<String>,
    /// Progress per section.
    pub progress: Vec<crate::security::SectionProgress>,
    /// Answers still needed or wrong, by path.
    pub problems: Vec<crate::validation::FieldError>,
    /// Answers to questions the form no longer asks ("from an earlier form"), by path.
    pub earlier_form: Vec<String>,
    /// Weaknesses and scores so far, each point explained.
    pub assessment: crate::security::Assessment,
}

/// The survey screen: the form it was started on, the household, photos and plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SurveyPage {
    /// Answers and what they imply.
    pub state: SurveyState,
    /// The exact template version the survey was started on.
    pub template: crate::security::Template,
    /// The home surveyed.
    pub household: Household,
    /// Photos attached so far.
    pub photos: Vec<SurveyPhoto>,
    /// Plans drawn up from this survey, newest first.
    pub plans: Vec<crate::security::Plan>,
    /// When its household is restricted at the resident's request, the sentence the screen
    /// shows; nothing on it may then be changed.
    pub restriction_notice: Option<String>,
}

/// A catalogue measure the officer may add to a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct MeasureChoice {
    /// Catalogue id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Tier.
    pub tier: crate::security::Tier,
    /// Unit cost in pence.
    pub unit_cost_pence: u32,
    /// What it fixes, as weakness ids.
    pub addresses: Vec<String>,
    /// Resident-facing explanation.
    pub explanation: String,
}

/// The plan screen: the plan, its totals and rules, and what the signed-in person may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PlanPage {
    /// The plan.
    pub plan: crate::security::Plan,
    /// The file name to suggest for the resident's copy: a reference, never an address.
    pub resident_plan_file_name: String,
    /// Money against the cap.
    pub totals: crate::security::PlanTotals,
    /// Rules the plan breaks now that stop the resident agreeing it (empty when they may).
    pub violations: Vec<RuleViolation>,
    /// Rules the plan breaks now that a supervisor settles at approval instead (the cap), so
    /// they do not stop the resident agreeing.
    pub approval_violations: Vec<RuleViolation>,
    /// The survey's weaknesses and scores.
    pub assessment: crate::security::Assessment,
    /// The lifecycle steps the signed-in person may take now.
    pub steps: Vec<crate::security::StepKind>,
    /// The household.
    pub household: Household,
    /// Measures that could be added.
    pub measures: Vec<MeasureChoice>,
    /// The disclaimer version the resident accepts by signing.
    pub disclaimer_version: String,
    /// The CCTV guidance version.
    pub cctv_guidance_version: String,
    /// When the follow-up visit is due, once fitted.
    pub follow_up_due: Option<chrono::NaiveDate>,
    /// The resident's "how safe do you feel" at the survey.
    pub feeling_safe_before: Option<u8>,
    /// While the plan waits for approval: for each of its measures (by catalogue id), the firms
    /// that fit its trade and cover the home's postcode, the one the measure goes to unless the
    /// supervisor chooses another first. A supply-only measure lists every firm covering the
    /// home, and goes on no order (the officer hands it over) unless one is chosen. An empty
    /// list means no firm can take the measure. Empty once the plan is approved.
    pub firm_options: std::collections::BTreeMap<String, Vec<crate::work_order::FirmRef>>,
    /// The plan's work orders and their progress, once any were raised.
    pub work_orders: Option<PlanWorkOrders>,
    /// When its household is restricted at the resident's request, the sentence the screen
    /// shows; nothing on it may then be changed.
    pub restriction_notice: Option<String>,
}

/// A saved CHARLIE check with its score and the referrals it suggests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct CharlieResult {
    /// The check as saved.
    pub check: crate::fire::CharlieCheck,
    /// Its score, explained.
    pub assessment: crate::fire::CharlieAssessment,
    /// Agencies to offer a referral to, with reasons to pre-fill.
    pub suggestions: Vec<crate::fire::SuggestedReferral>,
}

/// A referral with what the screen needs around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ReferralPage {
    /// The referral.
    pub referral: crate::fire::Referral,
    /// The agency it goes to.
    pub agency: crate::fire::Agency,
    /// The resident's name.
    pub person_name: String,
    /// The household's address on one line.
    pub address: String,
    /// The steps the signed-in person may take now.
    pub steps: Vec<crate::fire::ReferralStepKind>,
    /// Why it cannot be sent yet, when it is a draft that cannot (the screen shows the sentence).
    pub cannot_send_because: Option<RuleViolation>,
    /// Whole hours past its due time, when it is sent and overdue.
    pub hours_overdue: Option<u32>,
    /// Where it is now, as a sentence: still on this laptop (with the changes waiting to
    /// sync), delivered with the date the agency should respond by, or the agency's answer.
    pub progress: String,
    /// When its household is restricted at the resident's request, the sentence the screen
    /// shows; nothing on it may then be changed.
    pub restriction_notice: Option<String>,
}

/// A referral in a list (a household's referrals; on Today, those still on this laptop and
/// the overdue ones).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ReferralSummary {
    /// The referral.
    pub referral: crate::fire::Referral,
    /// The agency's name.
    pub agency_name: String,
    /// The resident's name.
    pub person_name: String,
    /// The household's address on one line.
    pub address: String,
    /// Whole hours past its due time, when overdue.
    pub hours_overdue: Option<u32>,
    /// Where it is now, as a sentence (as on its page).
    pub progress: String,
}

/// A day of action as it was set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DayOfAction {
    /// Its id.
    pub id: String,
    /// Its name, e.g. "Lantern estate day of action".
    pub name: String,
    /// The day.
    pub date: chrono::NaiveDate,
    /// The area, in words.
    pub area: String,
    /// The crew, by name.
    pub crew: Vec<String>,
}

/// What the form sends to set up a day of action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DayOfActionDraft {
    /// Its name.
    pub name: String,
    /// The day, YYYY-MM-DD.
    pub date: String,
    /// The area, in words.
    pub area: String,
    /// The crew, by name.
    pub crew: Vec<String>,
}

/// One door on a day of action's list, with its latest knock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct DoorRow {
    /// The door's id.
    pub id: String,
    /// Order on the list, 1 first.
    pub rank: u32,
    /// The address.
    pub uprn: Uprn,
    /// First address line.
    pub address_line_1: String,
    /// Postcode.
    pub postcode: String,
    /// Knocks so far.
    pub knocks: u32,
    /// What happened at the latest knock; empty when not knocked yet.
    pub outcomes: Vec<crate::fire::DoorOutcomeCode>,
    /// The household, once one exists for this address.
    pub household_id: Option<HouseholdId>,
}

/// A day of action's screen: its doors, live counts and the revisit queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct DayOfActionPage {
    /// The day.
    pub day: DayOfAction,
    /// Every door in list order.
    pub doors: Vec<DoorRow>,
    /// The live counts.
    pub summary: crate::fire::DaySummary,
    /// Door ids to go back to (knocked, never answered), most attempts first.
    pub revisit: Vec<String>,
}

/// A day of action in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct DayOfActionSummaryRow {
    /// The day.
    pub day: DayOfAction,
    /// Doors on its list.
    pub doors: u32,
    /// Doors knocked at least once.
    pub knocked: u32,
}

/// What one knock recorded, as the door list sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct KnockDraft {
    /// What happened.
    pub outcomes: Vec<crate::fire::DoorOutcomeCode>,
    /// Alarms fitted.
    pub alarms_fitted: u32,
    /// Referrals made.
    pub referrals_made: u32,
    /// People found at higher risk.
    pub higher_risk_people: u32,
}

/// The result of adding doors to a day's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DoorsAdded {
    /// Doors added.
    pub added: u32,
    /// Addresses already on the list, merged.
    pub duplicates: u32,
    /// Rows that could not be used, by line.
    pub rejected: Vec<RowError>,
}

/// One work order as the plan screen shows it: who, where it is, and each item's progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct WorkOrderSummary {
    /// Its id.
    pub id: crate::work_order::WorkOrderId,
    /// The order number the firm quotes.
    pub number: String,
    /// The firm's name.
    pub firm_name: String,
    /// Where the order is.
    pub status: crate::work_order::WorkOrderStatus,
    /// When the work must be finished by.
    pub due_date: chrono::NaiveDate,
    /// The booked appointment, once the firm has booked one.
    pub appointment_date: Option<chrono::NaiveDate>,
    /// Why the firm declined, when it did.
    pub decline_reason: Option<String>,
    /// The items, each with its fitted status and date.
    pub items: Vec<crate::work_order::WorkOrderItem>,
    /// How many items are fitted.
    pub fitted: u32,
}

impl From<&crate::work_order::WorkOrder> for WorkOrderSummary {
    fn from(o: &crate::work_order::WorkOrder) -> Self {
        Self {
            id: o.id,
            number: o.number.clone(),
            firm_name: o.firm.name.clone(),
            status: o.status,
            due_date: o.due_date,
            appointment_date: o.appointment_date,
            decline_reason: o.decline_reason.clone(),
            items: o.items.clone(),
            fitted: u32::try_from(o.fitted_count()).unwrap_or(u32::MAX),
        }
    }
}

/// A plan's work orders and what the officer hands over themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PlanWorkOrders {
    /// The plan.
    pub plan_id: crate::security::PlanId,
    /// Its orders, in the order they were raised.
    pub orders: Vec<WorkOrderSummary>,
    /// Names of the plan's measures on no order (supply-only): the officer hands these over.
    pub handed_over_by_officer: Vec<String>,
    /// Every item on every order is fitted.
    pub all_fitted: bool,
}

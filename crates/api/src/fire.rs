//! Commands for fire safety work: the CHARLIE check, partner referrals with consent, and days
//! of action. Each loads what core needs, calls core's rule, and saves through the store.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use doorstep_core::fire::{
    AgencyDirectory, BasisRecord, CharlieDraft, CharlieTemplate, Consent, Referral, ReferralDraft,
    ReferralError, ReferralId, ReferralStatus, ReferralStep, assess, suggest_referrals,
};
use doorstep_core::views::{
    CharlieResult, DayOfAction, DayOfActionDraft, DayOfActionPage, DayOfActionSummaryRow, DoorRow,
    DoorsAdded, KnockDraft, ReferralPage, ReferralSummary, RuleViolation,
};
use doorstep_core::{ChangeSource, HouseholdId, ValidationErrors};
use doorstep_store::{Store, StoreError};

use crate::Api;
use crate::error::{AppError, ErrorCode};
use crate::reference::ReferenceData;

type Result<T> = std::result::Result<T, AppError>;

impl From<ReferralError> for AppError {
    fn from(e: ReferralError) -> Self {
        let message = e.to_string();
        match e {
            ReferralError::NotFromStatus { .. } | ReferralError::NotDraft => {
                Self::new(ErrorCode::WrongStep, message)
            }
            ReferralError::RoleNotAllowed(_)
            | ReferralError::OnlyTheHubDelivers
            | ReferralError::OnlyTheAgency(_) => Self::new(ErrorCode::NotAllowed, message),
            ReferralError::VisitInThePast => {
                let mut errors = ValidationErrors::default();
                errors.add("visit_at", message);
                StoreError::Invalid(errors).into()
            }
            ReferralError::UnknownAgency(_) => Self::new(ErrorCode::NotFound, message),
            ReferralError::NotAuthorised(refused) => {
                let mut errors = ValidationErrors::default();
                errors.add(refused.field(), message);
                StoreError::Invalid(errors).into()
            }
            ReferralError::Blank(blank) => blank.into(),
            ReferralError::TooLong { field, .. } => {
                let mut errors = ValidationErrors::default();
                errors.add(field, message);
                StoreError::Invalid(errors).into()
            }
            ReferralError::Invalid(errors) => StoreError::Invalid(errors).into(),
        }
    }
}

fn charlie_result(
    data: &ReferenceData,
    check: doorstep_core::fire::CharlieCheck,
) -> Result<CharlieResult> {
    let assessment = assess(&data.charlie, &check).map_err(StoreError::from)?;
    Ok(CharlieResult {
        suggestions: suggest_referrals(&data.agencies, &assessment, &[]),
        assessment,
        check,
    })
}

/// How many of this laptop's changes wait to sync, counted only for a queued referral (the
/// only status whose sentence says it).
fn waiting_to_sync(s: &Store, referral: &Referral) -> Result<u32> {
    if !referral.is_waiting_to_go() {
        return Ok(0);
    }
    Ok(u32::try_from(s.outbox_pending()?).unwrap_or(u32::MAX))
}

fn referral_page(data: &ReferenceData, s: &Store, referral: Referral) -> Result<ReferralPage> {
    let agency = data
        .agencies
        .agency(&referral.agency_id)
        .cloned()
        .ok_or_else(|| AppError::from(ReferralError::UnknownAgency(referral.agency_id.clone())))?;
    let page = s.household_page(referral.household_id)?;
    let person_name = page
        .persons
        .iter()
        .find(|p| p.id == referral.person_id)
        .map(|p| p.full_name.clone())
        .unwrap_or_default();
    Ok(ReferralPage {
        restriction_notice: page.restriction_notice.clone(),
        steps: referral.available_steps(s.officer().role),
        cannot_send_because: (referral.status == ReferralStatus::Draft)
            .then(|| {
                referral
                    .send_authority(&agency)
                    .err()
                    .map(|e| RuleViolation::from(&e))
            })
            .flatten(),
        hours_overdue: referral.hours_overdue(doorstep_core::clock::now()),
        progress: referral.progress(&agency.name, waiting_to_sync(s, &referral)?),
        address: page.household.one_line_address(),
        person_name,
        agency,
        referral,
    })
}

/// The CHARLIE check form: factors, scale, hazards and thresholds.
pub fn charlie_template(api: &Api) -> CharlieTemplate {
    api.reference.get().charlie.clone()
}

/// The partner agencies referrals can go to.
pub fn agencies(api: &Api) -> AgencyDirectory {
    api.reference.get().agencies.clone()
}

/// Saves a new or corrected CHARLIE check and scores it; suggests referrals.
pub fn save_charlie_check(api: &Api, draft: CharlieDraft) -> Result<CharlieResult> {
    let data = api.reference.get();
    api.session.with_store(|s| {
        let check = draft.into_check(&data.charlie, s.officer().id, doorstep_core::clock::now());
        s.save_charlie_check(&check, &data.charlie, ChangeSource::Ui)?;
        charlie_result(&data, check)
    })
}

/// A household's CHARLIE checks, newest first, each scored.
pub fn charlie_checks_for_household(
    api: &Api,
    household_id: HouseholdId,
) -> Result<Vec<CharlieResult>> {
    let data = api.reference.get();
    api.session.with_store(|s| {
        s.charlie_checks_for_household(household_id)?
            .into_iter()
            // A check scored on another template version is listed by the screen, not rescored.
            .filter(|c| {
                c.template_id == data.charlie.id && c.template_version == data.charlie.version
            })
            .map(|c| charlie_result(&data, c))
            .collect::<Result<Vec<_>>>()
    })
}

/// Drafts a referral; consent and basis are recorded as given by the signed-in person, now.
pub fn draft_referral(api: &Api, mut draft: ReferralDraft) -> Result<ReferralPage> {
    let data = api.reference.get();
    api.session.with_store(|s| {
        let (by, role, now) = (
            s.officer().id,
            s.officer().role,
            doorstep_core::clock::now(),
        );
        if let Some(c) = draft.consent.as_mut() {
            (c.recorded_by, c.at) = (by, now);
        }
        if let Some(b) = draft.lawful_basis.as_mut() {
            (b.recorded_by, b.at) = (by, now);
        }
        let referral = Referral::draft(&data.agencies, draft, by, role, now)?;
        s.save_new_referral(&referral, ChangeSource::Ui)?;
        referral_page(&data, s, referral)
    })
}

/// A referral with its agency, resident and what may be done next.
pub fn get_referral(api: &Api, id: ReferralId) -> Result<ReferralPage> {
    let data = api.reference.get();
    api.session.with_store(|s| {
        let referral = s.referral(id)?;
        referral_page(&data, s, referral)
    })
}

/// Records (or replaces) consent, or a lawful basis, on a draft referral.
pub fn record_referral_authority(
    api: &Api,
    id: ReferralId,
    consent: Option<Consent>,
    lawful_basis: Option<BasisRecord>,
) -> Result<ReferralPage> {
    let data = api.reference.get();
    api.session.with_store(|s| {
        let (by, now) = (s.officer().id, doorstep_core::clock::now());
        let referral = s.change_referral(id, ChangeSource::Ui, |r| -> Result<()> {
            if let Some(mut c) = consent {
                (c.recorded_by, c.at) = (by, now);
                r.record_consent(c)?;
            }
            if let Some(mut b) = lawful_basis {
                (b.recorded_by, b.at) = (by, now);
                r.record_lawful_basis(b)?;
            }
            Ok(())
        })?;
        referral_page(&data, s, referral)
    })
}

/// Takes a lifecycle step. On a laptop that is only Send (only with consent or a basis),
/// which queues the referral for the next sync; core refuses the hub's and the agency's
/// steps here, whatever the caller asks.
pub fn referral_step(api: &Api, id: ReferralId, step: ReferralStep) -> Result<ReferralPage> {
    let data = api.reference.get();
    api.session.with_store(|s| {
        let (by, role) = (s.officer().id, s.officer().role);
        let referral = s.change_referral(id, ChangeSource::Ui, |r| -> Result<()> {
            Ok(r.apply(&data.agencies, step, by, role, doorstep_core::clock::now())?)
        })?;
        referral_page(&data, s, referral)
    })
}

fn summaries(
    data: &ReferenceData,
    s: &Store,
    referrals: Vec<Referral>,
) -> Result<Vec<ReferralSummary>> {
    let now = doorstep_core::clock::now();
    referrals
        .into_iter()
        .map(|referral| {
            let page = s.household_page(referral.household_id)?;
            let agency_name = data
                .agencies
                .agency(&referral.agency_id)
                .map_or_else(|| referral.agency_id.clone(), |a| a.name.clone());
            Ok(ReferralSummary {
                agency_name: agency_name.clone(),
                person_name: page
                    .persons
                    .iter()
                    .find(|p| p.id == referral.person_id)
                    .map(|p| p.full_name.clone())
                    .unwrap_or_default(),
                address: page.household.one_line_address(),
                hours_overdue: referral.hours_overdue(now),
                progress: referral.progress(&agency_name, waiting_to_sync(s, &referral)?),
                referral,
            })
        })
        .collect()
}

/// A household's referrals, newest first.
pub fn referrals_for_household(
    api: &Api,
    household_id: HouseholdId,
) -> Result<Vec<ReferralSummary>> {
    let data = api.reference.get();
    api.session.with_store(|s| {
        let referrals = s.referrals_for_household(household_id)?;
        summaries(&data, s, referrals)
    })
}

/// Sent referrals the agency has not acknowledged in time, most overdue first (for Today).
pub fn overdue_referral_list(api: &Api) -> Result<Vec<ReferralSummary>> {
    let data = api.reference.get();
    api.session.with_store(|s| {
        let sent = s.referrals_with_status(ReferralStatus::Sent)?;
        let mut list = summaries(&data, s, sent)?;
        list.retain(|r| r.hours_overdue.is_some());
        list.sort_by_key(|r| std::cmp::Reverse(r.hours_overdue));
        Ok::<_, AppError>(list)
    })
}

/// Referrals sent on this laptop that have not yet gone to the hub, oldest first (for
/// Today's "Referrals still on this laptop").
pub fn queued_referral_list(api: &Api) -> Result<Vec<ReferralSummary>> {
    let data = api.reference.get();
    api.session.with_store(|s| {
        let queued = s.referrals_with_status(ReferralStatus::Queued)?;
        summaries(&data, s, queued)
    })
}

/// Sets up a day of action.
pub fn create_day_of_action(api: &Api, draft: DayOfActionDraft) -> Result<DayOfAction> {
    api.session
        .with_store(|s| s.create_day_of_action(&draft, ChangeSource::Ui))
}

/// Every day of action, newest first.
pub fn days_of_action(api: &Api) -> Result<Vec<DayOfActionSummaryRow>> {
    api.session.with_store(|s| s.days_of_action())
}

/// A day with its doors, live counts and revisit queue.
pub fn get_day_of_action(api: &Api, id: String) -> Result<DayOfActionPage> {
    api.session.with_store(|s| s.day_of_action_page(&id))
}

/// Adds a street's or postcode's addresses from the gazetteer to a day's list.
pub fn add_day_doors(api: &Api, day_id: String, street_or_postcode: String) -> Result<DoorsAdded> {
    api.session.with_store(|s| {
        s.add_day_doors_from_gazetteer(&day_id, &street_or_postcode, ChangeSource::Ui)
    })
}

/// Adds the doors listed (by UPRN) in a CSV file chosen with the file picker.
pub fn import_day_doors(api: &Api, day_id: String, path: PathBuf) -> Result<DoorsAdded> {
    let file = File::open(&path).map_err(|e| {
        AppError::from(StoreError::Io {
            path: path.clone(),
            source: e,
        })
    })?;
    api.session
        .with_store(|s| s.import_day_doors(&day_id, BufReader::new(file), ChangeSource::Ui))
}

/// Records one knock at a door.
pub fn record_knock(
    api: &Api,
    day_id: String,
    door_id: String,
    knock: KnockDraft,
) -> Result<DoorRow> {
    api.session
        .with_store(|s| s.record_knock(&day_id, &door_id, &knock, ChangeSource::Ui))
}

/// Writes the end-of-day summary as CSV where the officer chose.
pub fn save_day_summary_csv(api: &Api, day_id: String, path: PathBuf) -> Result<String> {
    let csv = api.session.with_store(|s| s.day_of_action_csv(&day_id))?;
    doorstep_pdf::save_document(csv.as_bytes(), &path)?;
    Ok(path.display().to_string())
}

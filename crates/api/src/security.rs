//! Commands for the burglary reduction visit: survey, plan, signature, approval (with its
//! contractors' work orders), cocoon, follow-up. Each loads what core needs, calls core's
//! rule, and saves through the store.

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use doorstep_core::attachment::check_size;
use doorstep_core::cocoon::CocoonOutcome;
use doorstep_core::security::{
    AnswerValue, FollowUpFindings, PlanActor, PlanId, PlanItemId, PlanRuleViolation, PlanStatus,
    PlanStep, SurveyId, Tier, follow_up, orphan_answers, progress, propose_plan, validate_answers,
    visible_paths,
};
use doorstep_core::views::{
    CocoonPage, CocoonSummary, MeasureChoice, PlanPage, PlanSummary, RuleViolation, SurveyPage,
    SurveyPhoto, SurveyState,
};
use doorstep_core::work_order::{FirmChoices, SiteContact};
use doorstep_core::{ChangeSource, HouseholdId, VisitId};
use doorstep_store::{PlanApproval, Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::Api;
use crate::error::{AppError, ErrorCode};
use crate::reference::{ReferenceData, ReferenceProblem};
use crate::session::today;

type Result<T> = std::result::Result<T, AppError>;

/// Largest drawn signature accepted, in bytes: a signature pad PNG is a few tens of KB.
const MAX_SIGNATURE_BYTES: u64 = 1024 * 1024;

fn actor(store: &Store) -> PlanActor {
    let officer = store.officer();
    PlanActor {
        officer_id: officer.id,
        role: officer.role,
    }
}

fn no_template() -> AppError {
    AppError::new(
        ErrorCode::ReferenceData,
        "The home security survey form is not loaded: check the data files in Settings",
    )
}

fn survey_state(data: &ReferenceData, store: &Store, id: SurveyId) -> Result<SurveyState> {
    let survey = store.survey(id)?;
    let template = data.templates.for_answers(&survey.answers)?;
    let assessment = doorstep_core::security::assess(template, &survey.answers, &data.policy)?;
    Ok(SurveyState {
        visible: visible_paths(template, &survey.answers),
        progress: progress(template, &survey.answers),
        problems: validate_answers(template, &survey.answers)
            .errors()
            .to_vec(),
        earlier_form: orphan_answers(template, &survey.answers),
        assessment,
        survey,
    })
}

fn survey_page(data: &ReferenceData, store: &Store, id: SurveyId) -> Result<SurveyPage> {
    let state = survey_state(data, store, id)?;
    let template = data.templates.for_answers(&state.survey.answers)?.clone();
    Ok(SurveyPage {
        restriction_notice: store.restriction_notice(state.survey.household_id)?,
        household: store.household(state.survey.household_id)?,
        photos: store.survey_photos(id)?,
        plans: store.plans_for_survey(id)?,
        template,
        state,
    })
}

fn plan_page(data: &ReferenceData, store: &Store, id: PlanId) -> Result<PlanPage> {
    let plan = store.plan(id)?;
    let survey = store.survey(plan.survey_id)?;
    let ctx = data.plan_context(&survey.answers)?;
    let assessment = ctx.assess()?;
    let found: Vec<&str> = assessment
        .weaknesses
        .iter()
        .map(|w| w.id.as_str())
        .collect();
    let measures = data
        .catalogue
        .measures
        .iter()
        .filter(|m| m.addresses.iter().any(|a| found.contains(&a.as_str())))
        .map(|m| MeasureChoice {
            id: m.id.clone(),
            name: m.name.clone(),
            tier: m.tier,
            unit_cost_pence: m.unit_cost_pence,
            addresses: m.addresses.clone(),
            explanation: m.explanation.clone(),
        })
        .collect();
    let fitted_at = plan
        .history
        .iter()
        .rev()
        .find(|e| e.to == PlanStatus::Fitted)
        .map(|e| e.at);
    let household = store.household(survey.household_id)?;
    let firm_options = if plan.status == PlanStatus::Agreed {
        data.contractors.firm_options(&plan, &household.postcode)
    } else {
        BTreeMap::new()
    };
    let work_orders = Some(store.plan_work_orders(id)?).filter(|w| !w.orders.is_empty());
    let (for_approval, for_agreement): (Vec<_>, Vec<_>) = plan
        .check(&ctx)?
        .into_iter()
        .partition(PlanRuleViolation::settled_at_approval);
    Ok(PlanPage {
        resident_plan_file_name: doorstep_core::file_names::resident_plan(plan.id),
        totals: plan.totals(),
        violations: for_agreement.iter().map(RuleViolation::from).collect(),
        approval_violations: for_approval.iter().map(RuleViolation::from).collect(),
        steps: plan.available_steps(store.officer().role),
        restriction_notice: store.restriction_notice(survey.household_id)?,
        household,
        measures,
        disclaimer_version: data.policy.disclaimer_version.clone(),
        cctv_guidance_version: data.policy.cctv_guidance_version.clone(),
        follow_up_due: fitted_at.map(|at| follow_up::due_on(at, &data.policy.follow_up)),
        feeling_safe_before: follow_up::feeling_safe_at_survey(
            &survey.answers,
            &data.policy.survey_keys.feel_safe,
        ),
        firm_options,
        work_orders,
        assessment,
        plan,
    })
}

/// Data files that were refused, with file, line and reason.
pub fn reference_problems(api: &Api) -> Vec<ReferenceProblem> {
    api.reference.problems()
}

/// Reads the council's data files again; refused ones keep the previous good version.
pub fn reload_reference_data(api: &Api) -> Vec<ReferenceProblem> {
    api.reference.reload()
}

/// Starts a home security survey of a household on the newest form.
pub fn start_survey(
    api: &Api,
    household_id: HouseholdId,
    visit_id: Option<VisitId>,
) -> Result<SurveyPage> {
    let data = api.reference.get();
    let template = data.survey_template().ok_or_else(no_template)?;
    api.session.with_store(|s| {
        let survey = s.start_survey(household_id, visit_id, template, ChangeSource::Ui)?;
        survey_page(&data, s, survey.id)
    })
}

/// A survey with its form, household, photos and plans.
pub fn get_survey(api: &Api, id: SurveyId) -> Result<SurveyPage> {
    let data = api.reference.get();
    api.session.with_store(|s| survey_page(&data, s, id))
}

/// A household's surveys, newest first.
pub fn surveys_for_household(
    api: &Api,
    household_id: HouseholdId,
) -> Result<Vec<doorstep_core::security::Survey>> {
    api.session
        .with_store(|s| s.surveys_for_household(household_id))
}

/// Autosaves one top-level answer (a whole group for repeatable items); `None` clears it.
pub fn save_answer(
    api: &Api,
    survey_id: SurveyId,
    item: String,
    value: Option<AnswerValue>,
) -> Result<SurveyState> {
    let data = api.reference.get();
    api.session.with_store(|s| {
        let survey = s.survey(survey_id)?;
        let template = data.templates.for_answers(&survey.answers)?;
        s.save_answer(survey_id, template, &item, value, ChangeSource::Ui)?;
        survey_state(&data, s, survey_id)
    })
}

/// Autosaves the officer's note on one section.
pub fn save_section_note(
    api: &Api,
    survey_id: SurveyId,
    section: String,
    note: String,
) -> Result<SurveyState> {
    let data = api.reference.get();
    api.session.with_store(|s| {
        let survey = s.survey(survey_id)?;
        let template = data.templates.for_answers(&survey.answers)?;
        s.save_section_note(survey_id, template, &section, &note, ChangeSource::Ui)?;
        survey_state(&data, s, survey_id)
    })
}

/// Attaches a photo file (chosen with the file picker) to a survey item.
pub fn add_survey_photo(
    api: &Api,
    survey_id: SurveyId,
    item: String,
    path: PathBuf,
) -> Result<SurveyPhoto> {
    let limit = api.reference.get().policy.max_photo_bytes;
    let io = |e| {
        AppError::from(StoreError::Io {
            path: path.clone(),
            source: e,
        })
    };
    // Refuse an oversized file before reading it into memory.
    let size = std::fs::metadata(&path).map_err(io)?.len();
    check_size(size, limit, "photo").map_err(StoreError::from)?;
    let bytes = std::fs::read(&path).map_err(io)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    api.session.with_store(|s| {
        s.add_survey_photo(
            survey_id,
            &item,
            &file_name,
            &bytes,
            limit,
            ChangeSource::Ui,
        )
    })
}

/// An attachment as a `data:` URL, to show a photo or signature.
pub fn attachment_data_url(api: &Api, sha256: String) -> Result<String> {
    api.session.with_store(|s| {
        let (media_type, bytes) = s.attachment(&sha256)?;
        Ok::<_, StoreError>(format!("data:{media_type};base64,{}", B64.encode(bytes)))
    })
}

/// Drafts a plan from a survey, or opens the draft already made from it.
pub fn draft_plan(api: &Api, survey_id: SurveyId) -> Result<PlanPage> {
    let data = api.reference.get();
    api.session.with_store(|s| {
        if let Some(draft) = s
            .plans_for_survey(survey_id)?
            .into_iter()
            .find(|p| p.status == PlanStatus::Draft)
        {
            return plan_page(&data, s, draft.id);
        }
        let survey = s.survey(survey_id)?;
        let ctx = data.plan_context(&survey.answers)?;
        let plan = propose_plan(&ctx, survey_id, actor(s), doorstep_core::clock::now())?;
        s.save_new_plan(&plan, ChangeSource::Ui)?;
        plan_page(&data, s, plan.id)
    })
}

/// A plan with its totals, rules and the steps the signed-in person may take.
pub fn get_plan(api: &Api, id: PlanId) -> Result<PlanPage> {
    let data = api.reference.get();
    api.session.with_store(|s| plan_page(&data, s, id))
}

/// A change to a plan: the officer's to a draft (or an actual cost once approved), or the
/// supervisor's approval with the choices its work orders need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum PlanEdit {
    /// Add a catalogue measure.
    AddMeasure {
        /// Catalogue id.
        measure_id: String,
        /// How many.
        quantity: u32,
        /// Doors or windows it is for (e.g. `windows[0]`); empty for the whole home.
        applies_to: Vec<String>,
    },
    /// Remove a line.
    RemoveItem {
        /// The line.
        item: PlanItemId,
    },
    /// Change a line's quantity.
    SetQuantity {
        /// The line.
        item: PlanItemId,
        /// How many.
        quantity: u32,
    },
    /// Choose a different tier.
    ChooseTier {
        /// The tier.
        tier: Tier,
        /// Why it differs from the recommendation.
        reason: Option<String>,
        /// The DA service's decision reference, for gold on DA grounds.
        da_service_decision: Option<String>,
    },
    /// Record why the plan needs more than the cap.
    OverCapReason {
        /// Why.
        reason: String,
    },
    /// Record the landlord's consent to fabric work.
    LandlordConsent {
        /// Landlord or agent.
        landlord: String,
        /// Letter, email or call reference.
        reference: String,
    },
    /// Record the resident's CCTV acknowledgement.
    CctvAcknowledgement {
        /// The resident's typed name.
        resident_name: String,
    },
    /// Record what a line really cost, in pence.
    ActualCost {
        /// The line.
        item: PlanItemId,
        /// Pence.
        pence: u32,
    },
    /// A supervisor approves the plan and its work orders are raised, one per firm. This is
    /// the lifecycle's approve step (as `plan_step` takes it) with what the orders need and
    /// `PlanStep::Approve` cannot carry.
    Approve {
        /// Why the plan may exceed the cap, when it does and the officer gave no reason.
        over_cap_reason: Option<String>,
        /// The firm the supervisor chose for particular measures; every other measure goes to
        /// the first firm in the contractors list that fits its trade and covers the home
        /// (see `PlanPage::firm_options`).
        firm_choices: FirmChoices,
        /// Who the fitters phone to arrange access; `None` for the resident who agreed the
        /// plan. Required when a domestic abuse concern is flagged.
        contact: Option<SiteContact>,
        /// Access notes for the fitters (key safe, parking, dogs), one point each.
        access_notes: Vec<String>,
    },
}

/// What the supervisor decides for the work orders when approving a plan.
#[derive(Debug, Clone, Default)]
struct OrderChoices {
    firms: FirmChoices,
    contact: Option<SiteContact>,
    access_notes: Vec<String>,
}

/// Changes a plan; a change that breaks a rule is refused and nothing is saved.
pub fn edit_plan(api: &Api, id: PlanId, edit: PlanEdit) -> Result<PlanPage> {
    let data = api.reference.get();
    if let PlanEdit::Approve {
        over_cap_reason,
        firm_choices,
        contact,
        access_notes,
    } = edit
    {
        let choices = OrderChoices {
            firms: firm_choices,
            contact,
            access_notes,
        };
        return api
            .session
            .with_store(|s| approve(&data, s, id, over_cap_reason, choices));
    }
    api.session.with_store(|s| {
        let by = actor(s);
        let survey = s.survey(s.plan(id)?.survey_id)?;
        let ctx = data.plan_context(&survey.answers)?;
        let now = doorstep_core::clock::now();
        s.change_plan(id, ChangeSource::Ui, |plan| -> Result<()> {
            match edit {
                PlanEdit::AddMeasure {
                    measure_id,
                    quantity,
                    applies_to,
                } => plan
                    .add_measure(&ctx, &measure_id, quantity, applies_to)
                    .map(|_| ())?,
                PlanEdit::RemoveItem { item } => plan.remove_item(item).map(|_| ())?,
                PlanEdit::SetQuantity { item, quantity } => plan.set_quantity(item, quantity)?,
                PlanEdit::ChooseTier {
                    tier,
                    reason,
                    da_service_decision,
                } => plan.choose_tier(&ctx, tier, reason, da_service_decision)?,
                PlanEdit::OverCapReason { reason } => plan.record_over_cap_reason(&reason)?,
                PlanEdit::LandlordConsent {
                    landlord,
                    reference,
                } => plan.record_landlord_consent(&landlord, &reference, by, now)?,
                PlanEdit::CctvAcknowledgement { resident_name } => {
                    plan.record_cctv_acknowledgement(&data.policy, &resident_name, by, now)?;
                }
                PlanEdit::ActualCost { item, pence } => plan.record_actual_cost(item, pence)?,
                // Taken above, through the store's approval.
                PlanEdit::Approve { .. } => {
                    return Err(AppError::new(
                        ErrorCode::WrongStep,
                        "A plan is approved with the Approve button",
                    ));
                }
            }
            Ok(())
        })?;
        plan_page(&data, s, id)
    })
}

/// The resident agrees the plan: their typed name, their signature drawn on screen (a PNG,
/// base64) and the disclaimer version they were shown.
pub fn agree_plan(
    api: &Api,
    id: PlanId,
    resident_name: String,
    signature_png_base64: String,
    disclaimer_version: String,
) -> Result<PlanPage> {
    let signature = B64.decode(signature_png_base64.trim()).unwrap_or_default();
    if signature.is_empty() {
        let mut errors = doorstep_core::ValidationErrors::default();
        errors.add(
            "signature",
            "Ask the resident to sign in the box before agreeing the plan",
        );
        return Err(StoreError::Invalid(errors).into());
    }
    let data = api.reference.get();
    api.session.with_store(|s| {
        let signature_ref = s.add_image(
            &signature,
            MAX_SIGNATURE_BYTES,
            "signature",
            ChangeSource::Ui,
        )?;
        take_step(
            &data,
            s,
            id,
            PlanStep::Agree {
                resident_name,
                signature_ref,
                disclaimer_version,
            },
        )
    })
}

/// Any other lifecycle step: approve, order, fit, follow up, refuse, withdraw.
pub fn plan_step(api: &Api, id: PlanId, step: PlanStep) -> Result<PlanPage> {
    if matches!(step, PlanStep::Agree { .. }) {
        return Err(AppError::new(
            ErrorCode::WrongStep,
            "A plan is agreed with the resident's signature on the Sign screen",
        ));
    }
    let data = api.reference.get();
    api.session.with_store(|s| take_step(&data, s, id, step))
}

/// Takes a lifecycle step. Approving goes through the store's approval, which raises the work
/// orders (firms by trade, the resident as contact) in the same transaction.
fn take_step(data: &ReferenceData, s: &mut Store, id: PlanId, step: PlanStep) -> Result<PlanPage> {
    if let PlanStep::Approve { over_cap_reason } = step {
        return approve(data, s, id, over_cap_reason, OrderChoices::default());
    }
    let by = actor(s);
    let survey = s.survey(s.plan(id)?.survey_id)?;
    let ctx = data.plan_context(&survey.answers)?;
    s.change_plan(id, ChangeSource::Ui, |plan| -> Result<()> {
        Ok(plan.apply(&ctx, step, by, doorstep_core::clock::now())?)
    })?;
    plan_page(data, s, id)
}

/// Approves a plan as the signed-in person and raises its work orders: nothing is saved if
/// either is refused. The plan is ordered when any measure went to a firm.
fn approve(
    data: &ReferenceData,
    s: &mut Store,
    id: PlanId,
    over_cap_reason: Option<String>,
    choices: OrderChoices,
) -> Result<PlanPage> {
    let by = actor(s);
    let survey = s.survey(s.plan(id)?.survey_id)?;
    let ctx = data.plan_context(&survey.answers)?;
    s.approve_plan::<AppError>(
        id,
        PlanApproval {
            ctx,
            over_cap_reason,
            by,
            at: doorstep_core::clock::now(),
            contractors: &data.contractors,
            choices: choices.firms,
            contact: choices.contact,
            access_notes: choices.access_notes,
        },
        ChangeSource::Ui,
    )?;
    plan_page(data, s, id)
}

/// Plans in one status, oldest first: agreed plans are the supervisor's approvals queue,
/// fitted plans are waiting for their follow-up.
pub fn plans_with_status(api: &Api, status: PlanStatus) -> Result<Vec<PlanSummary>> {
    let data = api.reference.get();
    api.session
        .with_store(|s| s.plans_with_status(status, &data.policy.follow_up))
}

/// A household's plans, newest first.
pub fn plans_for_household(api: &Api, household_id: HouseholdId) -> Result<Vec<PlanSummary>> {
    let data = api.reference.get();
    api.session
        .with_store(|s| s.plans_for_household(household_id, &data.policy.follow_up))
}

/// Records the follow-up visit's findings.
pub fn record_follow_up(api: &Api, id: PlanId, findings: FollowUpFindings) -> Result<PlanPage> {
    let data = api.reference.get();
    api.session
        .with_store(|s| take_step(&data, s, id, PlanStep::FollowUp { findings }))
}

/// Opens the cocoon around a burgled household (or returns the one already open).
pub fn open_cocoon(api: &Api, household_id: HouseholdId) -> Result<CocoonPage> {
    let policy = api.reference.get().policy.cocoon;
    api.session
        .with_store(|s| s.open_cocoon(household_id, &policy, today(), ChangeSource::Ui))
}

/// One cocoon with its doors.
pub fn get_cocoon(api: &Api, id: String) -> Result<CocoonPage> {
    api.session.with_store(|s| s.cocoon(&id, today()))
}

/// Records what happened at one cocoon door.
pub fn record_cocoon_outcome(
    api: &Api,
    door_id: String,
    outcome: CocoonOutcome,
) -> Result<CocoonPage> {
    api.session
        .with_store(|s| s.record_cocoon_outcome(&door_id, outcome, today(), ChangeSource::Ui))
}

/// Cocoons still open (all households), or every cocoon of one household.
pub fn cocoons(api: &Api, household_id: Option<HouseholdId>) -> Result<Vec<CocoonSummary>> {
    api.session.with_store(|s| s.cocoons(household_id, today()))
}

#[cfg(test)]
mod tests;

//! The improvement plan: the recommended tier, proposed measures within the cap, the officer's
//! changes, and the rules a plan must keep (escape windows, landlord consent, CCTV, budget).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::ValidationErrors;

use super::answers::{AnswerValue, Answers, parse_instance};
use super::catalogue::{Catalogue, Measure, Quantity, Trade};
use super::engine::Reader;
use super::follow_up::FollowUp;
use super::ids::{PlanId, PlanItemId, SurveyId};
use super::library::SurveyError;
use super::lifecycle::{Agreement, Approval, PlanActor, PlanEvent, PlanStatus};
use super::places::same_place;
use super::policy::{Level, Policy, Tier};
use super::score::{Assessment, assess};
use super::template::Template;
use super::weakness::{Weakness, WeaknessRef};

/// Most units of one measure on one line, so a slip of the keyboard cannot order 1,000 locks.
pub const MAX_QUANTITY: u32 = 50;

/// Everything the plan rules read; core gets these from the caller, never from disk.
#[derive(Debug, Clone, Copy)]
pub struct PlanContext<'a> {
    /// The template version the answers were given on.
    pub template: &'a Template,
    /// The survey's answers.
    pub answers: &'a Answers,
    /// The scheme policy.
    pub policy: &'a Policy,
    /// The measure catalogue.
    pub catalogue: &'a Catalogue,
}

impl PlanContext<'_> {
    /// Scores the survey.
    pub fn assess(&self) -> Result<Assessment, SurveyError> {
        assess(self.template, self.answers, self.policy)
    }

    /// What the answers say about one window's escape status: true only when answered "no".
    fn is_confirmed_not_escape(&self, window: &str) -> bool {
        let key = &self.policy.survey_keys.escape_window;
        matches!(
            self.answers.get(&format!("{window}.{key}")),
            Some(AnswerValue::YesNo(super::answers::YesNo::No))
        )
    }

    /// Tenant, owner, or not yet answered.
    fn tenure(&self) -> Tenure {
        let keys = &self.policy.survey_keys;
        match self.answers.values.get(&keys.tenure) {
            Some(AnswerValue::Choice(t)) if keys.tenant_options.contains(t) => Tenure::Tenant,
            Some(AnswerValue::Choice(_)) => Tenure::NotTenant,
            _ => Tenure::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tenure {
    Tenant,
    NotTenant,
    Unknown,
}

/// The recommended tier and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TierRecommendation {
    /// The tier recommended.
    pub tier: Tier,
    /// What the risk × vulnerability matrix alone gave.
    pub matrix_tier: Tier,
    /// Risk band.
    pub risk_level: Level,
    /// Vulnerability band.
    pub vulnerability_level: Level,
    /// Why, one line each, in order.
    pub reasons: Vec<String>,
    /// Set when a DA concern was flagged: refer to the DA service, which alone decides DA-led gold.
    pub refer_to_da_service: Option<String>,
}

/// Recommends a tier from the assessment; a DA concern never raises it.
pub fn recommend_tier(
    template: &Template,
    answers: &Answers,
    policy: &Policy,
    assessment: &Assessment,
) -> TierRecommendation {
    let risk_level = assessment.risk.level;
    let vulnerability_level = assessment.vulnerability.level;
    let matrix_tier = policy.tier_matrix.tier(risk_level, vulnerability_level);
    let mut reasons = vec![format!(
        "Risk {} ({}) and vulnerability {} ({}) give {} in the scheme's table",
        assessment.risk.total,
        risk_level.as_str(),
        assessment.vulnerability.total,
        vulnerability_level.as_str(),
        matrix_tier.label()
    )];
    let reader = Reader::new(template);
    let mut tier = matrix_tier;
    for floor in &policy.minimum_tiers {
        if !reader.matches(answers, &floor.when).is_empty() && floor.tier.rank() > tier.rank() {
            tier = floor.tier;
            reasons.push(format!("{}: at least {}", floor.reason, floor.tier.label()));
        }
    }
    if let Some(message) = &assessment.refer_to_da_service {
        reasons.push(format!("Domestic abuse concern: {message}"));
    }
    TierRecommendation {
        tier,
        matrix_tier,
        risk_level,
        vulnerability_level,
        reasons,
        refer_to_da_service: assessment.refer_to_da_service.clone(),
    }
}

stored_enum!(
    /// Who put a line in the plan.
    ItemOrigin {
        /// Proposed by the engine for a weakness found.
        Proposed => "proposed",
        /// Added by the officer.
        Officer => "officer",
    }
);

/// One line of a plan: a measure, how many, where, and what it costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PlanItem {
    /// Line id.
    pub id: PlanItemId,
    /// Catalogue measure id.
    pub measure_id: String,
    /// Name, copied so the plan reads the same after the catalogue changes.
    pub name: String,
    /// The measure's tier.
    pub tier: Tier,
    /// Who fits it.
    pub trade: Trade,
    /// How many.
    pub quantity: u32,
    /// Price per unit when added, in pence; later price changes do not alter agreed plans.
    pub unit_cost_pence: u32,
    /// What it really cost, in pence, once known.
    pub actual_cost_pence: Option<u32>,
    /// The weaknesses it fixes; never one that was not found in this home.
    pub addresses: Vec<WeaknessRef>,
    /// The doors or windows it is fitted to, e.g. `windows[2]`; empty for the whole home.
    pub applies_to: Vec<String>,
    /// Engine or officer.
    pub origin: ItemOrigin,
}

impl PlanItem {
    /// Estimated cost of the line in pence.
    pub fn estimated_pence(&self) -> u32 {
        self.unit_cost_pence.saturating_mul(self.quantity)
    }
}

/// A weakness the proposal could not cover, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Uncovered {
    /// The weakness.
    pub weakness: WeaknessRef,
    /// Why no measure was proposed.
    pub reason: String,
}

/// The landlord's consent to fabric changes, as recorded by the officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LandlordConsent {
    /// Landlord or managing agent.
    pub landlord: String,
    /// Where the consent is: letter, email or call reference.
    pub reference: String,
    /// Who recorded it.
    pub recorded_by: PlanActor,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// The resident's acknowledgement of their duties as a domestic CCTV owner (domain §6.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CctvAcknowledgement {
    /// The resident's typed name.
    pub resident_name: String,
    /// The guidance version they acknowledged.
    pub guidance_version: String,
    /// Who recorded it.
    pub recorded_by: PlanActor,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// An improvement plan for one survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Plan {
    /// Its id.
    pub id: PlanId,
    /// The survey it answers.
    pub survey_id: SurveyId,
    /// Template id of the survey.
    pub template_id: String,
    /// Template version of the survey.
    pub template_version: u32,
    /// Policy version used.
    pub policy_version: String,
    /// Catalogue version prices came from.
    pub catalogue_version: String,
    /// The engine's recommendation when the plan was made.
    pub recommendation: TierRecommendation,
    /// The tier chosen.
    pub tier: Tier,
    /// Why the tier differs from the recommendation.
    pub tier_reason: Option<String>,
    /// The DA service's decision reference, the only way to gold on DA grounds.
    pub da_service_decision: Option<String>,
    /// The chosen tier's cap in pence.
    pub cap_pence: u32,
    /// Why the plan may exceed the cap.
    pub over_cap_reason: Option<String>,
    /// The lines.
    pub items: Vec<PlanItem>,
    /// Weaknesses the proposal left uncovered.
    pub uncovered: Vec<Uncovered>,
    /// Landlord consent, needed for fabric work in a rented home.
    pub landlord_consent: Option<LandlordConsent>,
    /// CCTV acknowledgement, needed for any camera or video doorbell.
    pub cctv_acknowledgement: Option<CctvAcknowledgement>,
    /// Where the plan is in its lifecycle.
    pub status: PlanStatus,
    /// The resident's agreement.
    pub agreement: Option<Agreement>,
    /// The supervisor's approval.
    pub approval: Option<Approval>,
    /// Who drafted it.
    pub created_by: PlanActor,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Every lifecycle step, oldest first.
    pub history: Vec<PlanEvent>,
    /// The follow-up visit's findings, once recorded.
    #[serde(default)]
    pub follow_up: Option<FollowUp>,
}

/// Money totals for display against the cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PlanTotals {
    /// Sum of estimated line costs, in pence.
    pub estimated_pence: u32,
    /// Sum of actual costs recorded so far, in pence.
    pub actual_pence: u32,
    /// Lines with no actual cost yet.
    pub lines_without_actual: u32,
    /// The tier's cap, in pence.
    pub cap_pence: u32,
    /// How far the estimate exceeds the cap, in pence; zero when within.
    pub over_cap_by_pence: u32,
}

/// A broken plan rule, saying what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, thiserror::Error)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum PlanRuleViolation {
    /// The plan has no measures.
    #[error("The plan has no measures: add at least one, or give advice only without a plan")]
    NoMeasures,
    /// The measure is not in the catalogue.
    #[error("Measure \"{measure}\" is not in the catalogue: remove it and choose another")]
    UnknownMeasure {
        /// Measure id.
        measure: String,
    },
    /// The measure belongs to a higher tier than the plan.
    #[error(
        "{name} is a {measure_tier} measure but this is a {plan_tier} plan: remove it or change the tier with a reason"
    )]
    MeasureAboveTier {
        /// Measure name.
        name: String,
        /// Its tier.
        measure_tier: String,
        /// The plan's tier.
        plan_tier: String,
    },
    /// The measure fixes no weakness found in this home.
    #[error(
        "{name} does not fix any weakness found in this home: plans only fund measures for weaknesses found"
    )]
    NotForAWeaknessFound {
        /// Measure name.
        name: String,
    },
    /// Quantity out of range.
    #[error("Quantity for {name} must be between 1 and {MAX_QUANTITY}")]
    BadQuantity {
        /// Measure name.
        name: String,
    },
    /// A key-locking window measure without saying which windows.
    #[error(
        "{name} key-locks windows: choose which windows it is for, so escape windows can be checked"
    )]
    KeyLockNeedsWindows {
        /// Measure name.
        name: String,
    },
    /// A key lock on a window that is, or may be, an escape window.
    #[error(
        "{name} cannot go on {window}: it is, or may be, an escape window and must never be key-locked. Confirm it is not an escape window, or choose laminated glazing or a window alarm instead"
    )]
    KeyLockOnEscapeWindow {
        /// Measure name.
        name: String,
        /// The window, e.g. `windows[2]`.
        window: String,
    },
    /// Fabric work for a tenant without landlord consent.
    #[error(
        "The resident rents: record the landlord's consent before {measures} (these change the building)"
    )]
    MissingLandlordConsent {
        /// The fabric measures, by name.
        measures: String,
    },
    /// Fabric work when tenure is unknown.
    #[error(
        "Record whether the resident owns or rents before {measures}: a tenant needs the landlord's consent"
    )]
    TenureUnknown {
        /// The fabric measures, by name.
        measures: String,
    },
    /// CCTV without the resident's acknowledgement.
    #[error(
        "Record the resident's acknowledgement of the domestic CCTV guidance (version {version}) before {measures}"
    )]
    MissingCctvAcknowledgement {
        /// The CCTV measures, by name.
        measures: String,
        /// Guidance version needed.
        version: String,
    },
    /// Tier differs from the recommendation without a reason.
    #[error("The recommended tier is {recommended}: record why you chose {chosen}")]
    TierChangeNeedsReason {
        /// Recommended.
        recommended: String,
        /// Chosen.
        chosen: String,
    },
    /// Gold chosen in a DA case without the DA service's decision.
    #[error(
        "A domestic abuse concern is flagged: only the DA service can decide a gold plan. Refer the case and record their decision reference"
    )]
    GoldNeedsDaService,
    /// Over the cap with no reason.
    #[error(
        "The plan costs {total} against the {tier} cap of {cap}: remove measures or record why the extra is needed"
    )]
    OverCapNeedsReason {
        /// Estimated total.
        total: String,
        /// Cap.
        cap: String,
        /// Tier.
        tier: String,
    },
}

impl PlanRuleViolation {
    /// The plan field the UI shows the message beside.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NoMeasures
            | Self::UnknownMeasure { .. }
            | Self::MeasureAboveTier { .. }
            | Self::NotForAWeaknessFound { .. }
            | Self::BadQuantity { .. } => "items",
            Self::KeyLockNeedsWindows { .. } | Self::KeyLockOnEscapeWindow { .. } => "applies_to",
            Self::MissingLandlordConsent { .. } | Self::TenureUnknown { .. } => "landlord_consent",
            Self::MissingCctvAcknowledgement { .. } => "cctv_acknowledgement",
            Self::TierChangeNeedsReason { .. } => "tier_reason",
            Self::GoldNeedsDaService => "da_service_decision",
            Self::OverCapNeedsReason { .. } => "over_cap_reason",
        }
    }
}

/// Why a plan could not be made or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The survey could not be read.
    #[error(transparent)]
    Survey(#[from] SurveyError),
    /// Only a draft can be changed.
    #[error("The plan is {0} and can no longer be changed: withdraw it and draft a new one")]
    NotEditable(&'static str),
    /// No line with that id.
    #[error("That line is not in this plan: refresh and try again")]
    UnknownItem,
    /// A text field that needs words was blank.
    #[error("Enter {0}")]
    Blank(&'static str),
    /// A plan rule was broken.
    #[error(transparent)]
    Rule(#[from] PlanRuleViolation),
}

/// Formats pence as pounds for messages, e.g. 123456 → "£1,234.56".
pub fn format_pence(pence: u32) -> String {
    let pounds = (pence / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in pounds.chars().enumerate() {
        if i > 0 && (pounds.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("£{grouped}.{:02}", pence % 100)
}

fn blank(s: Option<&str>) -> bool {
    s.is_none_or(|s| s.trim().is_empty())
}

fn required_text(value: &str, what: &'static str) -> Result<String, PlanError> {
    let value = value.trim();
    if value.is_empty() {
        Err(PlanError::Blank(what))
    } else {
        Ok(value.to_owned())
    }
}

/// Candidate measures for a weakness, best first: main measures before fallbacks, then the one
/// fixing most of the weaknesses still open in the same place, then the cheapest.
fn candidates<'c>(
    ctx: &PlanContext<'c>,
    w: &Weakness,
    tier: Tier,
    open: &[&Weakness],
) -> Vec<&'c Measure> {
    let coverage = |m: &Measure| {
        open.iter()
            .filter(|o| m.addresses.contains(&o.id))
            .filter(|o| m.quantity == Quantity::PerHome || same_place(ctx.template, o, w))
            .count()
    };
    let mut out: Vec<(&Measure, usize)> = ctx
        .catalogue
        .measures
        .iter()
        .filter(|m| m.addresses.contains(&w.id) && m.tier.rank() <= tier.rank())
        .filter(|m| {
            !m.key_locks_window
                || w.instance
                    .as_deref()
                    .is_some_and(|i| ctx.is_confirmed_not_escape(i))
        })
        .map(|m| (m, coverage(m)))
        .collect();
    out.sort_by(|(a, ca), (b, cb)| {
        a.fallback
            .cmp(&b.fallback)
            .then(cb.cmp(ca))
            .then(a.unit_cost_pence.cmp(&b.unit_cost_pence))
            .then(b.tier.rank().cmp(&a.tier.rank()))
            .then(a.id.cmp(&b.id))
    });
    out.into_iter().map(|(m, _)| m).collect()
}

/// Drafts a plan: the recommended tier and measures for the weaknesses found, within the cap.
pub fn propose_plan(
    ctx: &PlanContext<'_>,
    survey_id: SurveyId,
    by: PlanActor,
    at: DateTime<Utc>,
) -> Result<Plan, PlanError> {
    let assessment = ctx.assess()?;
    let recommendation = recommend_tier(ctx.template, ctx.answers, ctx.policy, &assessment);
    let tier = recommendation.tier;
    let cap = ctx.policy.budget_caps_pence.for_tier(tier);
    let mut items: Vec<PlanItem> = Vec::new();
    let mut uncovered = Vec::new();
    let mut covered: BTreeSet<WeaknessRef> = BTreeSet::new();
    let mut spent: u32 = 0;
    for w in &assessment.weaknesses {
        let key = w.key();
        if covered.contains(&key) {
            continue;
        }
        let open: Vec<&Weakness> = assessment
            .weaknesses
            .iter()
            .filter(|o| !covered.contains(&o.key()))
            .collect();
        let options = candidates(ctx, w, tier, &open);
        let chosen = options.iter().copied().find(|m| {
            let already = items.iter().any(|i| i.measure_id == m.id);
            let extra = if m.quantity == Quantity::PerHome && already {
                0
            } else {
                m.unit_cost_pence
            };
            spent.saturating_add(extra) <= cap
        });
        let Some(measure) = chosen else {
            let reason = if options.is_empty() {
                format!(
                    "No {} measure in the catalogue fits this weakness here",
                    tier.label()
                )
            } else {
                format!(
                    "The {} cap of {} is reached",
                    tier.label(),
                    format_pence(cap)
                )
            };
            uncovered.push(Uncovered {
                weakness: key,
                reason,
            });
            continue;
        };
        // The chosen measure also fixes its other weaknesses in the same place (or the whole
        // home); a front and a back light are two places, so two lights.
        let fixes: Vec<WeaknessRef> = assessment
            .weaknesses
            .iter()
            .filter(|o| measure.addresses.contains(&o.id))
            .filter(|o| measure.quantity == Quantity::PerHome || same_place(ctx.template, o, w))
            .map(Weakness::key)
            .filter(|k| !covered.contains(k))
            .collect();
        covered.extend(fixes.iter().cloned());
        match items.iter_mut().find(|i| i.measure_id == measure.id) {
            Some(line) => {
                if measure.quantity == Quantity::PerWeakness {
                    line.quantity = line.quantity.saturating_add(1);
                    spent = spent.saturating_add(measure.unit_cost_pence);
                }
                line.addresses.extend(fixes);
                line.applies_to.extend(w.instance.clone());
            }
            None => {
                spent = spent.saturating_add(measure.unit_cost_pence);
                items.push(PlanItem {
                    id: PlanItemId::new(),
                    measure_id: measure.id.clone(),
                    name: measure.name.clone(),
                    tier: measure.tier,
                    trade: measure.trade,
                    quantity: 1,
                    unit_cost_pence: measure.unit_cost_pence,
                    actual_cost_pence: None,
                    addresses: fixes,
                    applies_to: w.instance.iter().cloned().collect(),
                    origin: ItemOrigin::Proposed,
                });
            }
        }
    }
    Ok(Plan {
        id: PlanId::new(),
        survey_id,
        template_id: ctx.template.id.clone(),
        template_version: ctx.template.version,
        policy_version: ctx.policy.version.clone(),
        catalogue_version: ctx.catalogue.version.clone(),
        recommendation,
        tier,
        tier_reason: None,
        da_service_decision: None,
        cap_pence: cap,
        over_cap_reason: None,
        items,
        uncovered,
        landlord_consent: None,
        cctv_acknowledgement: None,
        status: PlanStatus::Draft,
        agreement: None,
        approval: None,
        created_by: by,
        created_at: at,
        history: Vec::new(),
        follow_up: None,
    })
}

impl Plan {
    fn ensure_draft(&self) -> Result<(), PlanError> {
        if self.status == PlanStatus::Draft {
            Ok(())
        } else {
            Err(PlanError::NotEditable(self.status.as_str()))
        }
    }

    /// Adds a measure by hand; `applies_to` names doors or windows (e.g. `windows[0]`), empty for the whole home.
    pub fn add_measure(
        &mut self,
        ctx: &PlanContext<'_>,
        measure_id: &str,
        quantity: u32,
        applies_to: Vec<String>,
    ) -> Result<PlanItemId, PlanError> {
        self.ensure_draft()?;
        let measure =
            ctx.catalogue
                .get(measure_id)
                .ok_or_else(|| PlanRuleViolation::UnknownMeasure {
                    measure: measure_id.to_owned(),
                })?;
        let found = ctx.assess()?.weaknesses;
        let addresses: Vec<WeaknessRef> = found
            .iter()
            .filter(|w| measure.addresses.contains(&w.id))
            .filter(|w| {
                applies_to.is_empty() || w.instance.as_ref().is_some_and(|i| applies_to.contains(i))
            })
            .map(Weakness::key)
            .collect();
        let item = PlanItem {
            id: PlanItemId::new(),
            measure_id: measure.id.clone(),
            name: measure.name.clone(),
            tier: measure.tier,
            trade: measure.trade,
            quantity,
            unit_cost_pence: measure.unit_cost_pence,
            actual_cost_pence: None,
            addresses,
            applies_to,
            origin: ItemOrigin::Officer,
        };
        if let Some(v) = self.item_violations(ctx, &item, &found).into_iter().next() {
            return Err(v.into());
        }
        let id = item.id;
        self.items.push(item);
        Ok(id)
    }

    /// Removes a line.
    pub fn remove_item(&mut self, item: PlanItemId) -> Result<PlanItem, PlanError> {
        self.ensure_draft()?;
        let at = self
            .items
            .iter()
            .position(|i| i.id == item)
            .ok_or(PlanError::UnknownItem)?;
        Ok(self.items.remove(at))
    }

    /// Changes a line's quantity.
    pub fn set_quantity(&mut self, item: PlanItemId, quantity: u32) -> Result<(), PlanError> {
        self.ensure_draft()?;
        let line = self
            .items
            .iter_mut()
            .find(|i| i.id == item)
            .ok_or(PlanError::UnknownItem)?;
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            return Err(PlanRuleViolation::BadQuantity {
                name: line.name.clone(),
            }
            .into());
        }
        line.quantity = quantity;
        Ok(())
    }

    /// Chooses a tier; a change from the recommendation needs a reason, and DA-led gold needs the DA service.
    pub fn choose_tier(
        &mut self,
        ctx: &PlanContext<'_>,
        tier: Tier,
        reason: Option<String>,
        da_service_decision: Option<String>,
    ) -> Result<(), PlanError> {
        self.ensure_draft()?;
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        let decision = da_service_decision
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        let candidate = Plan {
            tier,
            tier_reason: reason,
            da_service_decision: decision,
            cap_pence: ctx.policy.budget_caps_pence.for_tier(tier),
            ..self.clone()
        };
        if let Some(v) = candidate.tier_violations().into_iter().next() {
            return Err(v.into());
        }
        *self = candidate;
        Ok(())
    }

    /// Records why the plan may exceed its cap.
    pub fn record_over_cap_reason(&mut self, reason: &str) -> Result<(), PlanError> {
        self.ensure_draft()?;
        self.over_cap_reason = Some(required_text(
            reason,
            "why the plan needs more than the cap",
        )?);
        Ok(())
    }

    /// Records the landlord's consent to fabric changes.
    pub fn record_landlord_consent(
        &mut self,
        landlord: &str,
        reference: &str,
        by: PlanActor,
        at: DateTime<Utc>,
    ) -> Result<(), PlanError> {
        self.ensure_draft()?;
        self.landlord_consent = Some(LandlordConsent {
            landlord: required_text(landlord, "the landlord's name")?,
            reference: required_text(
                reference,
                "where the consent is recorded (letter, email or call reference)",
            )?,
            recorded_by: by,
            recorded_at: at,
        });
        Ok(())
    }

    /// Records the resident's acknowledgement of the current domestic CCTV guidance.
    pub fn record_cctv_acknowledgement(
        &mut self,
        policy: &Policy,
        resident_name: &str,
        by: PlanActor,
        at: DateTime<Utc>,
    ) -> Result<(), PlanError> {
        self.ensure_draft()?;
        self.cctv_acknowledgement = Some(CctvAcknowledgement {
            resident_name: required_text(resident_name, "the resident's name")?,
            guidance_version: policy.cctv_guidance_version.clone(),
            recorded_by: by,
            recorded_at: at,
        });
        Ok(())
    }

    /// Records what a line really cost, once approved.
    pub fn record_actual_cost(&mut self, item: PlanItemId, pence: u32) -> Result<(), PlanError> {
        if !matches!(
            self.status,
            PlanStatus::Approved | PlanStatus::Ordered | PlanStatus::Fitted
        ) {
            return Err(PlanError::NotEditable(self.status.as_str()));
        }
        let line = self
            .items
            .iter_mut()
            .find(|i| i.id == item)
            .ok_or(PlanError::UnknownItem)?;
        line.actual_cost_pence = Some(pence);
        Ok(())
    }

    /// Totals against the cap.
    pub fn totals(&self) -> PlanTotals {
        let estimated = self
            .items
            .iter()
            .fold(0u32, |t, i| t.saturating_add(i.estimated_pence()));
        let actual = self
            .items
            .iter()
            .filter_map(|i| i.actual_cost_pence)
            .fold(0u32, u32::saturating_add);
        let missing = self
            .items
            .iter()
            .filter(|i| i.actual_cost_pence.is_none())
            .count();
        PlanTotals {
            estimated_pence: estimated,
            actual_pence: actual,
            lines_without_actual: u32::try_from(missing).unwrap_or(u32::MAX),
            cap_pence: self.cap_pence,
            over_cap_by_pence: estimated.saturating_sub(self.cap_pence),
        }
    }

    /// True when the estimate is over the cap.
    pub fn is_over_cap(&self) -> bool {
        self.totals().over_cap_by_pence > 0
    }

    fn tier_violations(&self) -> Vec<PlanRuleViolation> {
        let mut out = Vec::new();
        let recommended = self.recommendation.tier;
        if self.tier != recommended && blank(self.tier_reason.as_deref()) {
            out.push(PlanRuleViolation::TierChangeNeedsReason {
                recommended: recommended.label().into(),
                chosen: self.tier.label().into(),
            });
        }
        if self.tier == Tier::Gold
            && recommended != Tier::Gold
            && self.recommendation.refer_to_da_service.is_some()
            && blank(self.da_service_decision.as_deref())
        {
            out.push(PlanRuleViolation::GoldNeedsDaService);
        }
        out
    }

    fn item_violations(
        &self,
        ctx: &PlanContext<'_>,
        item: &PlanItem,
        found: &[Weakness],
    ) -> Vec<PlanRuleViolation> {
        let mut out = Vec::new();
        let Some(measure) = ctx.catalogue.get(&item.measure_id) else {
            out.push(PlanRuleViolation::UnknownMeasure {
                measure: item.measure_id.clone(),
            });
            return out;
        };
        if measure.tier.rank() > self.tier.rank() {
            out.push(PlanRuleViolation::MeasureAboveTier {
                name: item.name.clone(),
                measure_tier: measure.tier.label().into(),
                plan_tier: self.tier.label().into(),
            });
        }
        if !(1..=MAX_QUANTITY).contains(&item.quantity) {
            out.push(PlanRuleViolation::BadQuantity {
                name: item.name.clone(),
            });
        }
        let genuine = |r: &WeaknessRef| {
            measure.addresses.contains(&r.id)
                && found
                    .iter()
                    .any(|w| w.id == r.id && w.instance == r.instance)
        };
        if item.addresses.is_empty() || !item.addresses.iter().all(genuine) {
            out.push(PlanRuleViolation::NotForAWeaknessFound {
                name: item.name.clone(),
            });
        }
        if measure.key_locks_window {
            if item.applies_to.is_empty() {
                out.push(PlanRuleViolation::KeyLockNeedsWindows {
                    name: item.name.clone(),
                });
            }
            for window in &item.applies_to {
                let is_window = parse_instance(window).is_some();
                if !is_window || !ctx.is_confirmed_not_escape(window) {
                    out.push(PlanRuleViolation::KeyLockOnEscapeWindow {
                        name: item.name.clone(),
                        window: window.clone(),
                    });
                }
            }
        }
        out
    }

    /// Every rule the plan breaks; empty means it can be agreed (the cap is settled at approval).
    pub fn check(&self, ctx: &PlanContext<'_>) -> Result<Vec<PlanRuleViolation>, SurveyError> {
        let found = ctx.assess()?.weaknesses;
        let mut out = self.tier_violations();
        if self.items.is_empty() {
            out.push(PlanRuleViolation::NoMeasures);
        }
        for item in &self.items {
            out.extend(self.item_violations(ctx, item, &found));
        }
        let names = |pick: fn(&Measure) -> bool| -> Option<String> {
            let names: Vec<&str> = self
                .items
                .iter()
                .filter(|i| ctx.catalogue.get(&i.measure_id).is_some_and(pick))
                .map(|i| i.name.as_str())
                .collect();
            (!names.is_empty()).then(|| names.join(", "))
        };
        if let Some(measures) = names(|m| m.fabric)
            && self.landlord_consent.is_none()
        {
            match ctx.tenure() {
                Tenure::Tenant => out.push(PlanRuleViolation::MissingLandlordConsent { measures }),
                Tenure::Unknown => out.push(PlanRuleViolation::TenureUnknown { measures }),
                Tenure::NotTenant => {}
            }
        }
        if let Some(measures) = names(|m| m.cctv) {
            let version = &ctx.policy.cctv_guidance_version;
            let acknowledged = self
                .cctv_acknowledgement
                .as_ref()
                .is_some_and(|a| &a.guidance_version == version);
            if !acknowledged {
                out.push(PlanRuleViolation::MissingCctvAcknowledgement {
                    measures,
                    version: version.clone(),
                });
            }
        }
        if let Some(v) = self.budget_violation(self.over_cap_reason.as_deref()) {
            out.push(v);
        }
        Ok(out)
    }

    /// The over-cap violation, unless a reason is given.
    pub(crate) fn budget_violation(&self, reason: Option<&str>) -> Option<PlanRuleViolation> {
        let totals = self.totals();
        (totals.over_cap_by_pence > 0 && blank(reason)).then(|| {
            PlanRuleViolation::OverCapNeedsReason {
                total: format_pence(totals.estimated_pence),
                cap: format_pence(totals.cap_pence),
                tier: self.tier.label().into(),
            }
        })
    }

    /// The broken rules as field errors, for the plan screen.
    pub fn check_as_errors(&self, ctx: &PlanContext<'_>) -> Result<ValidationErrors, SurveyError> {
        let mut errors = ValidationErrors::default();
        for v in self.check(ctx)? {
            errors.add(v.field(), v.to_string());
        }
        Ok(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::super::answers::{AnswerValue, YesNo};
    use super::super::fixtures::*;
    use super::*;
    use crate::identity::Role;
    use proptest::prelude::*;
    use rstest::rstest;

    fn plan_for(w: &World, answers: &Answers) -> Plan {
        propose_plan(
            &w.ctx(answers),
            SurveyId::new(),
            actor(Role::Officer),
            at(9),
        )
        .expect("plan")
    }

    fn victim_with_weak_back_door(t: &Template) -> Answers {
        let back = instance(&[
            ("door_position", choice("back")),
            ("door_entry_point", yes()),
            ("door_material", choice("upvc")),
            ("door_condition", choice("sound")),
            ("door_multipoint", choice("working")),
            ("door_cylinder", choice("one_star_only")),
            ("door_glazing", choice("none")),
            (
                "door_reinforcement",
                AnswerValue::Choices(vec!["hinge_bolts".into()]),
            ),
        ]);
        let mut answers = secure_home(t)
            .with("survey_reason", choice("burglary_victim"))
            .with(
                "burglary_date",
                AnswerValue::Date(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")),
            )
            .with("burglary_time_window", choice("evening"))
            .with("point_of_entry", choice("rear_door"))
            .with("method_of_entry", choice("cylinder_snapped"))
            .with("car_keys_taken", no());
        if let Some(AnswerValue::Group(doors)) = answers.values.get_mut("doors") {
            doors.push(back);
        }
        answers
    }

    fn has_rule(v: &[PlanRuleViolation], pick: fn(&PlanRuleViolation) -> bool) -> bool {
        v.iter().any(pick)
    }

    #[rstest]
    #[case::secure_neighbour(&[], Tier::Bronze, false)]
    #[case::first_time_victim(&[("survey_reason", "burglary_victim")], Tier::Silver, false)]
    #[case::repeat_victim_secure_home(&[("repeat_victim", "yes")], Tier::Silver, false)]
    #[case::repeat_and_very_vulnerable(&[("repeat_victim", "yes"), ("lives_alone", "yes"), ("age_band", "85_plus"), ("disability_or_mobility", "yes"), ("interior_timers", "no"), ("rear_light", "none"), ("front_light", "none")], Tier::Gold, false)]
    #[case::older_alone_neighbour(&[("lives_alone", "yes"), ("age_band", "75_to_84"), ("disability_or_mobility", "yes")], Tier::Silver, false)]
    #[case::da_concern_never_raises(&[("da_concern", "yes")], Tier::Bronze, true)]
    fn tier_recommendation_table(
        #[case] changes: &[(&str, &str)],
        #[case] want: Tier,
        #[case] refer: bool,
    ) {
        let w = World::load();
        let mut answers = secure_home(&w.template);
        for (item, value) in changes {
            let v = match *value {
                "yes" => AnswerValue::YesNo(YesNo::Yes),
                "no" => AnswerValue::YesNo(YesNo::No),
                other => choice(other),
            };
            answers = answers.with(item, v);
        }
        let a = assess(&w.template, &answers, &w.policy).expect("assess");
        let rec = recommend_tier(&w.template, &answers, &w.policy, &a);
        assert_eq!(rec.tier, want, "tier for {changes:?}: {:?}", rec.reasons);
        assert_eq!(
            rec.refer_to_da_service.is_some(),
            refer,
            "DA concern is flagged for referral only"
        );
        assert!(!rec.reasons.is_empty(), "the officer sees why");
    }

    #[test]
    fn a_weak_back_door_gets_an_anti_snap_cylinder_in_a_silver_plan() {
        let w = World::load();
        let answers = victim_with_weak_back_door(&w.template);
        let plan = plan_for(&w, &answers);
        assert_eq!(
            plan.tier,
            Tier::Silver,
            "a first-time victim gets silver: {:?}",
            plan.recommendation.reasons
        );
        let line = plan
            .items
            .iter()
            .find(|i| i.measure_id == "anti_snap_cylinder")
            .expect("cylinder proposed");
        assert_eq!(
            line.applies_to,
            vec!["doors[1]".to_owned()],
            "fitted to the back door only"
        );
        assert_eq!(
            line.addresses,
            vec![WeaknessRef {
                id: "cylinder_snappable".into(),
                instance: Some("doors[1]".into())
            }],
            "the line says which weakness it fixes"
        );
        assert!(
            plan.check(&w.ctx(&answers)).expect("check").is_empty(),
            "the proposal is agreeable as made"
        );
    }

    #[test]
    fn the_cap_holds_unless_a_reason_is_recorded() {
        let w = World::load();
        let answers = victim_with_weak_back_door(&w.template);
        let ctx = w.ctx(&answers);
        let mut plan = plan_for(&w, &answers);
        assert!(!plan.is_over_cap(), "proposals stay within the cap");
        plan.add_measure(&ctx, "anti_snap_cylinder", 5, vec!["doors[1]".into()])
            .expect("officer adds");
        assert!(plan.is_over_cap(), "five cylinders exceed £500");
        let broken = plan.check(&ctx).expect("check");
        assert!(
            has_rule(&broken, |v| matches!(
                v,
                PlanRuleViolation::OverCapNeedsReason { .. }
            )),
            "{broken:?}"
        );
        assert!(
            plan.record_over_cap_reason("   ").is_err(),
            "a blank reason is not a reason"
        );
        plan.record_over_cap_reason("Multiple entry doors all attacked")
            .expect("reason");
        assert!(
            plan.check(&ctx).expect("check").is_empty(),
            "with a recorded reason the plan may exceed the cap"
        );
        let totals = plan.totals();
        assert_eq!(
            totals.estimated_pence,
            plan.items
                .iter()
                .map(PlanItem::estimated_pence)
                .sum::<u32>(),
            "the total is the sum of the lines"
        );
    }

    #[rstest]
    #[case::escape(YesNo::Yes, false)]
    #[case::maybe_escape(YesNo::Unknown, false)]
    #[case::not_escape(YesNo::No, true)]
    fn escape_windows_are_never_key_locked(#[case] escape: YesNo, #[case] lockable: bool) {
        let w = World::load();
        let answers = victim_with_weak_back_door(&w.template).with(
            "windows",
            AnswerValue::Group(vec![window(
                "ground_rear",
                "none",
                AnswerValue::YesNo(escape),
            )]),
        );
        let ctx = w.ctx(&answers);
        let mut plan = plan_for(&w, &answers);
        let proposed: Vec<_> = plan.items.iter().map(|i| i.measure_id.as_str()).collect();
        assert_eq!(
            proposed.contains(&"window_lock"),
            lockable,
            "proposal: {proposed:?}"
        );
        assert_eq!(
            proposed.contains(&"window_alarm"),
            !lockable,
            "an escape window gets the alarm instead"
        );
        let added = plan.add_measure(&ctx, "window_lock", 1, vec!["windows[0]".into()]);
        assert_eq!(
            added.is_ok(),
            lockable,
            "adding a key lock by hand obeys the same rule: {added:?}"
        );
        if !lockable {
            assert!(matches!(
                added,
                Err(PlanError::Rule(
                    PlanRuleViolation::KeyLockOnEscapeWindow { .. }
                ))
            ));
        }
        let no_window = plan.add_measure(&ctx, "window_lock", 1, vec![]);
        assert!(
            no_window.is_err(),
            "a key lock must say which window, so the rule can be checked"
        );
    }

    #[rstest]
    #[case::owner("owner", false, false)]
    #[case::council_tenant("tenant_council", true, false)]
    #[case::private_tenant("tenant_private", true, false)]
    #[case::tenure_unanswered("", false, true)]
    fn fabric_work_for_a_tenant_needs_landlord_consent(
        #[case] tenure: &str,
        #[case] consent: bool,
        #[case] unknown: bool,
    ) {
        let w = World::load();
        let mut answers = victim_with_weak_back_door(&w.template);
        if tenure.is_empty() {
            answers.values.remove("tenure");
        } else {
            answers = answers
                .with("tenure", choice(tenure))
                .with("landlord_consent", choice("to_ask"));
        }
        let ctx = w.ctx(&answers);
        let mut plan = plan_for(&w, &answers);
        let broken = plan.check(&ctx).expect("check");
        assert_eq!(
            has_rule(&broken, |v| matches!(
                v,
                PlanRuleViolation::MissingLandlordConsent { .. }
            )),
            consent,
            "{broken:?}"
        );
        assert_eq!(
            has_rule(&broken, |v| matches!(
                v,
                PlanRuleViolation::TenureUnknown { .. }
            )),
            unknown,
            "{broken:?}"
        );
        plan.record_landlord_consent(
            "Example Homes Ltd",
            "Email ref EH-0001",
            actor(Role::Officer),
            at(10),
        )
        .expect("consent");
        let broken = plan.check(&ctx).expect("check");
        assert!(
            !has_rule(&broken, |v| v.field() == "landlord_consent"),
            "recorded consent satisfies the rule"
        );
    }

    #[test]
    fn cctv_needs_the_residents_acknowledgement() {
        let w = World::load();
        let answers = victim_with_weak_back_door(&w.template).with("repeat_victim", yes());
        let ctx = w.ctx(&answers);
        let mut plan = plan_for(&w, &answers);
        assert!(
            plan.items.iter().any(|i| i.measure_id == "video_doorbell"),
            "repeat victim without a camera gets a doorbell"
        );
        let broken = plan.check(&ctx).expect("check");
        assert!(
            has_rule(&broken, |v| matches!(
                v,
                PlanRuleViolation::MissingCctvAcknowledgement { .. }
            )),
            "{broken:?}"
        );
        plan.record_cctv_acknowledgement(&w.policy, "A. Resident", actor(Role::Officer), at(10))
            .expect("ack");
        assert!(
            plan.check(&ctx).expect("check").is_empty(),
            "acknowledged: nothing left to fix"
        );
    }

    #[test]
    fn gold_on_da_grounds_needs_the_da_service() {
        let w = World::load();
        let answers = secure_home(&w.template)
            .with("da_concern", yes())
            .with("interior_timers", no());
        let ctx = w.ctx(&answers);
        let mut plan = plan_for(&w, &answers);
        assert_eq!(
            plan.tier,
            Tier::Bronze,
            "DA does not raise the recommendation"
        );
        let no_reason = plan.choose_tier(&ctx, Tier::Silver, None, None);
        assert!(
            matches!(
                no_reason,
                Err(PlanError::Rule(
                    PlanRuleViolation::TierChangeNeedsReason { .. }
                ))
            ),
            "{no_reason:?}"
        );
        let officer_gold = plan.choose_tier(
            &ctx,
            Tier::Gold,
            Some("Resident is frightened".into()),
            None,
        );
        assert!(
            matches!(
                officer_gold,
                Err(PlanError::Rule(PlanRuleViolation::GoldNeedsDaService))
            ),
            "{officer_gold:?}"
        );
        assert_eq!(
            plan.tier,
            Tier::Bronze,
            "a refused change leaves the plan as it was"
        );
        plan.choose_tier(
            &ctx,
            Tier::Gold,
            Some("DA service sanctuary decision".into()),
            Some("DAS-2026-0042".into()),
        )
        .expect("the DA service's decision allows gold");
        assert_eq!(
            plan.cap_pence, w.policy.budget_caps_pence.gold,
            "the cap follows the tier"
        );
    }

    #[test]
    fn officers_cannot_add_measures_for_weaknesses_not_found() {
        let w = World::load();
        let answers = secure_home(&w.template).with("interior_timers", no());
        let mut plan = plan_for(&w, &answers);
        let err = plan.add_measure(&w.ctx(&answers), "door_viewer", 1, vec![]);
        assert!(
            matches!(
                err,
                Err(PlanError::Rule(
                    PlanRuleViolation::NotForAWeaknessFound { .. }
                ))
            ),
            "{err:?}"
        );
        let err = plan.add_measure(&w.ctx(&answers), "no_such_measure", 1, vec![]);
        assert!(
            matches!(
                err,
                Err(PlanError::Rule(PlanRuleViolation::UnknownMeasure { .. }))
            ),
            "{err:?}"
        );
    }

    #[rstest]
    #[case(0, "£0.00")]
    #[case(1_050, "£10.50")]
    #[case(123_456, "£1,234.56")]
    #[case(150_000_000, "£1,500,000.00")]
    fn pence_format_as_pounds(#[case] pence: u32, #[case] text: &str) {
        assert_eq!(
            format_pence(pence),
            text,
            "messages show money the way officers read it"
        );
    }

    proptest! {
        #[test]
        fn proposals_only_fix_weaknesses_found_stay_in_cap_and_are_stable(
            timers in any::<bool>(), rear in any::<bool>(), repeat in any::<bool>(), alone in any::<bool>(),
            windows in proptest::collection::vec((0usize..3, 0usize..3, 0usize..3), 0..6),
        ) {
            let w = World::load();
            let locks = ["none", "key_left_in", "locked_keys_removed"];
            let escapes = [YesNo::Yes, YesNo::No, YesNo::Unknown];
            let places = ["ground_rear", "ground_front", "not_accessible"];
            let group = windows.iter().map(|(p, l, e)| window(places[*p], locks[*l], AnswerValue::YesNo(escapes[*e]))).collect();
            let answers = victim_with_weak_back_door(&w.template)
                .with("interior_timers", if timers { yes() } else { no() })
                .with("rear_light", choice(if rear { "none" } else { "pir" }))
                .with("repeat_victim", if repeat { yes() } else { no() })
                .with("lives_alone", if alone { yes() } else { no() })
                .with("windows", AnswerValue::Group(group));
            let ctx = w.ctx(&answers);
            let found: Vec<WeaknessRef> = ctx.assess().expect("assess").weaknesses.iter().map(Weakness::key).collect();
            let plan = plan_for(&w, &answers);
            for item in &plan.items {
                prop_assert!(!item.addresses.is_empty(), "{} fixes nothing", item.measure_id);
                for r in &item.addresses {
                    prop_assert!(found.contains(r), "{} claims {:?}, which was not found", item.measure_id, r);
                }
            }
            prop_assert!(!plan.is_over_cap(), "a proposal never exceeds its cap");
            let broken = plan.check(&ctx).expect("check");
            prop_assert!(
                !has_rule(&broken, |v| matches!(v, PlanRuleViolation::KeyLockOnEscapeWindow { .. } | PlanRuleViolation::NotForAWeaknessFound { .. } | PlanRuleViolation::MeasureAboveTier { .. })),
                "the engine never proposes what its own rules refuse: {broken:?}"
            );
            let again = plan_for(&w, &answers);
            prop_assert_eq!(&plan.recommendation, &again.recommendation, "same answers, same recommendation");
            let ids = |p: &Plan| p.items.iter().map(|i| (i.measure_id.clone(), i.quantity)).collect::<Vec<_>>();
            prop_assert_eq!(ids(&plan), ids(&again), "same answers, same measures");
        }
    }
}

//! The rules a plan must keep before it can be agreed: measures only for weaknesses found,
//! within the tier, never a key lock on an escape window, the landlord's consent for fabric
//! work, the resident's CCTV acknowledgement, reasons for a changed tier or an over-cap total.

use crate::validation::ValidationErrors;
use crate::views::RuleViolation;

use super::super::answers::parse_instance;
use super::super::catalogue::Measure;
use super::super::library::SurveyError;
use super::super::policy::Tier;
use super::super::weakness::{Weakness, WeaknessRef};
use super::totals::format_pence;
use super::{MAX_QUANTITY, Plan, PlanContext, PlanItem, Tenure};

/// A broken plan rule, saying what to do about it. Screens get it as a [`RuleViolation`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    /// The rule's stable id, which screens and tests branch on; never renamed once shipped.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::NoMeasures => "no_measures",
            Self::UnknownMeasure { .. } => "unknown_measure",
            Self::MeasureAboveTier { .. } => "measure_above_tier",
            Self::NotForAWeaknessFound { .. } => "not_for_a_weakness_found",
            Self::BadQuantity { .. } => "bad_quantity",
            Self::KeyLockNeedsWindows { .. } => "key_lock_needs_windows",
            Self::KeyLockOnEscapeWindow { .. } => "key_lock_on_escape_window",
            Self::MissingLandlordConsent { .. } => "missing_landlord_consent",
            Self::TenureUnknown { .. } => "tenure_unknown",
            Self::MissingCctvAcknowledgement { .. } => "missing_cctv_acknowledgement",
            Self::TierChangeNeedsReason { .. } => "tier_change_needs_reason",
            Self::GoldNeedsDaService => "gold_needs_da_service",
            Self::OverCapNeedsReason { .. } => "over_cap_needs_reason",
        }
    }

    /// Whether a supervisor settles this at approval: the cap is their call, so going over it
    /// does not stop the resident agreeing the plan.
    pub fn settled_at_approval(&self) -> bool {
        matches!(self, Self::OverCapNeedsReason { .. })
    }

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

impl From<&PlanRuleViolation> for RuleViolation {
    fn from(v: &PlanRuleViolation) -> Self {
        Self {
            rule: v.rule().to_owned(),
            message: v.to_string(),
            field: Some(v.field().to_owned()),
        }
    }
}

fn blank(s: Option<&str>) -> bool {
    s.is_none_or(|s| s.trim().is_empty())
}

impl Plan {
    /// The tier rules: a changed tier needs a reason, and DA-led gold needs the DA service.
    pub(super) fn tier_violations(&self) -> Vec<PlanRuleViolation> {
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

    /// The rules one line must keep, against the weaknesses `found` in this home.
    pub(super) fn item_violations(
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

//! The officer's changes to a draft plan: measures added, removed and counted, the tier
//! chosen, and the consents and reasons the rules ask for. Each change is checked against
//! the same rules as the whole plan, so a refused change leaves the plan as it was.

use chrono::{DateTime, Utc};

use super::super::ids::PlanItemId;
use super::super::lifecycle::{PlanActor, PlanStatus};
use super::super::policy::{Policy, Tier};
use super::super::weakness::{Weakness, WeaknessRef};
use super::{
    CctvAcknowledgement, ItemOrigin, LandlordConsent, MAX_QUANTITY, Plan, PlanContext, PlanError,
    PlanItem, PlanRuleViolation,
};
use crate::validation::not_blank;

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
        self.over_cap_reason = Some(not_blank(
            reason,
            "over_cap_reason",
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
        let landlord = not_blank(
            landlord,
            "landlord",
            "the landlord's or managing agent's name",
        );
        let reference = not_blank(
            reference,
            "reference",
            "where the consent is recorded (letter, email or call reference)",
        );
        let (landlord, reference) = match (landlord, reference) {
            (Ok(landlord), Ok(reference)) => (landlord, reference),
            (landlord, reference) => {
                let blanks = [landlord.err(), reference.err()].into_iter().flatten();
                return Err(PlanError::Invalid(blanks.collect()));
            }
        };
        self.landlord_consent = Some(LandlordConsent {
            landlord,
            reference,
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
            resident_name: not_blank(resident_name, "resident_name", "the resident's full name")?,
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
}

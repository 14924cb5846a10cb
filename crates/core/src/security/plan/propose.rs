//! The engine's first draft: the recommended tier and, for each weakness found, the best
//! measure that still fits under the tier's cap.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::super::catalogue::{Measure, Quantity};
use super::super::ids::{PlanId, PlanItemId, SurveyId};
use super::super::lifecycle::{PlanActor, PlanStatus};
use super::super::places::same_place;
use super::super::policy::Tier;
use super::super::weakness::{Weakness, WeaknessRef};
use super::tier::recommend_tier;
use super::totals::format_pence;
use super::{ItemOrigin, Plan, PlanContext, PlanError, PlanItem, Uncovered};

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

//! Approving a plan: the supervisor's step and the work orders it raises, one per firm,
//! decided together so neither is saved without the other. The laptop's store and the
//! hub's console both approve through [`approve`].

use chrono::{DateTime, Utc};

use crate::household::Household;
use crate::person::Person;
use crate::security::{Plan, PlanActor, PlanContext, PlanStep, TransitionError};

use super::{Contractors, FirmChoices, OrderInputs, SiteContact, WorkOrder, WorkOrderError};

/// What approving a plan needs besides the plan.
#[derive(Debug, Clone)]
pub struct ApprovalInputs<'a> {
    /// The survey, template, policy and catalogue the plan is judged by.
    pub ctx: PlanContext<'a>,
    /// The home the orders are for.
    pub household: &'a Household,
    /// Its residents: the one who agreed the plan is the fitters' contact by default.
    pub residents: &'a [Person],
    /// Why the plan may exceed the cap, when it does and no reason was recorded yet.
    pub over_cap_reason: Option<String>,
    /// The supervisor.
    pub by: PlanActor,
    /// When.
    pub at: DateTime<Utc>,
    /// The fitting firms.
    pub contractors: &'a Contractors,
    /// The firms chosen for particular measures; the rest go to the first that fits.
    pub choices: FirmChoices,
    /// Who the fitters phone; `None` for the resident who agreed the plan.
    pub contact: Option<SiteContact>,
    /// Notes for the fitters, one point each.
    pub access_notes: Vec<String>,
}

/// Why a plan was not approved; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    /// The lifecycle refused the step.
    #[error(transparent)]
    Step(#[from] TransitionError),
    /// The work orders could not be raised.
    #[error(transparent)]
    Orders(#[from] WorkOrderError),
}

/// The resident who agreed the plan, as the fitters' contact: the resident of that name,
/// else the household's first, else the name as the resident typed it.
pub fn resident_contact(plan: &Plan, residents: &[Person]) -> SiteContact {
    let signer = plan.agreement.as_ref().map(|a| a.resident_name.trim());
    let person = residents
        .iter()
        .find(|p| signer.is_some_and(|s| p.full_name.trim().eq_ignore_ascii_case(s)))
        .or_else(|| residents.first());
    match person {
        Some(p) => SiteContact::resident(p),
        None => SiteContact {
            name: signer.unwrap_or_default().to_owned(),
            phone: None,
            is_resident: true,
        },
    }
}

/// The plan approved, and ordered when any measure went to a firm, with its orders.
pub fn approve(
    plan: &Plan,
    inputs: ApprovalInputs<'_>,
) -> Result<(Plan, Vec<WorkOrder>), ApprovalError> {
    let ctx = inputs.ctx;
    let mut after = plan.clone();
    after.apply(
        &ctx,
        PlanStep::Approve {
            over_cap_reason: inputs.over_cap_reason,
        },
        inputs.by,
        inputs.at,
    )?;
    let contact = inputs
        .contact
        .unwrap_or_else(|| resident_contact(&after, inputs.residents));
    let orders = super::orders_for_plan(&OrderInputs {
        plan: &after,
        household: inputs.household,
        catalogue: ctx.catalogue,
        template: ctx.template,
        contractors: inputs.contractors,
        choices: &inputs.choices,
        contact: &contact,
        access_notes: &inputs.access_notes,
        approved_on: inputs.at.date_naive(),
    })?;
    if !orders.is_empty() {
        let order_ref = order_reference(&orders);
        after.apply(&ctx, PlanStep::Order { order_ref }, inputs.by, inputs.at)?;
    }
    Ok((after, orders))
}

/// The orders' numbers, as the plan's "ordered" step records them.
pub fn order_reference(orders: &[WorkOrder]) -> String {
    orders
        .iter()
        .map(|o| o.number.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

//! What the resident's plan says happens next. Issue 17: the plan promised "a locksmith, an
//! electrician, a joiner and a handyperson" from the plan's trades, while approval raised three
//! orders and the handyperson's item went to the locksmith's firm. So the words come from the
//! orders really raised: before approval no firm is promised, after it each firm is named with
//! what it will fit.

use serde::{Deserialize, Serialize};

use super::{WorkOrder, WorkOrderStatus, handed_over_by_officer};
use crate::security::catalogue::Trade;
use crate::security::lifecycle::PlanStatus;
use crate::security::places::in_words;
use crate::security::plan::Plan;

/// What happens next, for the resident's plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentNextSteps {
    /// Who will contact the resident, to start a sentence: "Demo Locks Ltd and Brightwire
    /// Electrical", "Once your plan is approved, we".
    pub who: String,
    /// Why they will be in touch, to end it: "to arrange a time that suits you".
    pub why: String,
    /// One point each: which firm fits what, what the officer hands over, the follow-up.
    pub details: Vec<String>,
}

fn is_approved(status: PlanStatus) -> bool {
    matches!(
        status,
        PlanStatus::Approved | PlanStatus::Ordered | PlanStatus::Fitted | PlanStatus::FollowedUp
    )
}

fn names(items: &[&str]) -> String {
    in_words(&items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).unwrap_or_default()
}

/// What the resident's plan says happens next, from the plan and the work orders raised for it
/// (none before approval). `follow_up_months` is the scheme's follow-up interval.
pub fn resident_next_steps(
    plan: &Plan,
    orders: &[WorkOrder],
    follow_up_months: u32,
) -> ResidentNextSteps {
    let follow_up = format!(
        "About {follow_up_months} months after the work we will be in touch to check everything is working."
    );
    let handed_over: Vec<&str> = handed_over_by_officer(plan, orders)
        .into_iter()
        .filter(|i| i.trade == Trade::SupplyOnly)
        .map(|i| i.name.as_str())
        .collect();
    let hand_over = (!handed_over.is_empty()).then(|| {
        format!(
            "Your home safety officer will give you: {}.",
            names(&handed_over)
        )
    });
    let to_fit = plan.items.iter().any(|i| i.trade != Trade::SupplyOnly);
    if matches!(plan.status, PlanStatus::Refused | PlanStatus::Withdrawn) {
        return ResidentNextSteps {
            who: "Your home safety officer".to_owned(),
            why: "to talk about what happens next".to_owned(),
            details: Vec::new(),
        };
    }
    if !is_approved(plan.status) {
        let mut details = Vec::new();
        if to_fit {
            details.push("We will then tell you which firm will fit each measure. Nobody will come to fit anything before that.".to_owned());
        }
        details.extend(hand_over);
        return ResidentNextSteps {
            who: "Once your plan is approved, we".to_owned(),
            why: "to tell you what happens next".to_owned(),
            details,
        };
    }
    let active: Vec<&WorkOrder> = orders
        .iter()
        .filter(|o| o.status != WorkOrderStatus::Declined)
        .collect();
    let mut firms: Vec<&str> = Vec::new();
    for o in &active {
        if !firms.contains(&o.firm.name.as_str()) {
            firms.push(&o.firm.name);
        }
    }
    let mut details: Vec<String> = active
        .iter()
        .map(|o| {
            let items: Vec<&str> = o.items.iter().map(|i| i.name.as_str()).collect();
            format!(
                "{} (work order {}) will fit: {}.",
                o.firm.name,
                o.number,
                names(&items)
            )
        })
        .collect();
    let declined: Vec<&str> = orders
        .iter()
        .filter(|o| o.status == WorkOrderStatus::Declined)
        .flat_map(|o| o.items.iter().map(|i| i.name.as_str()))
        .collect();
    if !declined.is_empty() {
        details.push(format!(
            "We are finding another firm to fit: {}. We will tell you who when we know.",
            names(&declined)
        ));
    }
    details.extend(hand_over);
    let (who, why) = if !firms.is_empty() {
        details.push(
            "They will arrange a time that suits you and show you how each measure works."
                .to_owned(),
        );
        (names(&firms), "to arrange a time that suits you")
    } else if to_fit {
        // Approved but no order stands (not raised yet, or every firm declined).
        (
            "We".to_owned(),
            "to tell you which firm will fit your measures",
        )
    } else {
        (
            "Your home safety officer".to_owned(),
            "to arrange a time that suits you",
        )
    };
    if to_fit {
        details.push(follow_up);
    }
    ResidentNextSteps {
        who,
        why: why.to_owned(),
        details,
    }
}

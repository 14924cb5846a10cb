//! The plan's money: estimated and actual totals against the tier's cap, and pence as pounds.

use serde::{Deserialize, Serialize};

use super::super::ids::PlanItemId;
use super::Plan;

/// One line's estimate, so a table never multiplies quantity by price itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LineTotal {
    /// The line.
    pub item_id: PlanItemId,
    /// Quantity times unit cost, in pence.
    pub estimated_pence: u32,
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
    /// How much of the cap the estimate leaves unspent, in pence; zero when over.
    pub under_cap_by_pence: u32,
    /// Each line's estimate, in the plan's order.
    pub lines: Vec<LineTotal>,
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

impl Plan {
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
            under_cap_by_pence: self.cap_pence.saturating_sub(estimated),
            lines: self
                .items
                .iter()
                .map(|i| LineTotal {
                    item_id: i.id,
                    estimated_pence: i.estimated_pence(),
                })
                .collect(),
        }
    }

    /// True when the estimate is over the cap.
    pub fn is_over_cap(&self) -> bool {
        self.totals().over_cap_by_pence > 0
    }
}

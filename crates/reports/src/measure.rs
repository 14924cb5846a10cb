//! Every measure the engine computes, by a stable key: a funder's return names measures by
//! these keys (`assets/returns/`), so a key is never renamed once shipped.

use serde::Serialize;

/// What a measure counts in, and so how it is shown and suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A number of things: homes, doors, items, referrals.
    Count,
    /// Money, in whole pence.
    Pence,
    /// A part of a whole, shown as a percentage.
    Share,
    /// A median number of days.
    Days,
    /// A mean score (feeling safe, 1 to 5).
    Score,
}

/// One measure: its key, its name in words and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Measure {
    /// The stable key a return names it by.
    pub key: &'static str,
    /// What it is, in words.
    pub label: &'static str,
    /// What it counts in.
    pub unit: Unit,
    /// Which group of the dashboard it belongs to.
    pub group: Group,
}

/// The dashboard's groups of measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Surveys, plans, homes hardened, items fitted.
    Outputs,
    /// Money: spend, cap, budget, grant and match.
    Spend,
    /// How long things take.
    Timeliness,
    /// The doors around burgled homes.
    Cocooning,
    /// Burglaries at supported homes after their plan.
    RepeatVictimisation,
    /// How safe residents feel, before and after.
    FeelingSafe,
    /// Fire crews' days of action.
    DaysOfAction,
    /// Referrals to partner agencies.
    Referrals,
    /// Police recorded burglary.
    Crime,
}

impl Group {
    /// The group's heading.
    pub fn label(self) -> &'static str {
        match self {
            Self::Outputs => "Outputs",
            Self::Spend => "Spend",
            Self::Timeliness => "Time taken",
            Self::Cocooning => "Cocooning",
            Self::RepeatVictimisation => "Repeat victimisation",
            Self::FeelingSafe => "Feeling safe",
            Self::DaysOfAction => "Days of action",
            Self::Referrals => "Referrals",
            Self::Crime => "Police recorded burglary",
        }
    }
}

macro_rules! measures {
    ($($name:ident = $key:literal, $label:literal, $unit:ident, $group:ident;)*) => {
        $(
            #[doc = $label]
            pub const $name: Measure = Measure {
                key: $key,
                label: $label,
                unit: Unit::$unit,
                group: Group::$group,
            };
        )*
        /// Every measure, in the order reports list them.
        pub const ALL: &[Measure] = &[$($name),*];
    };
}

measures! {
    SURVEYS = "surveys", "Home security surveys done", Count, Outputs;
    PLANS = "plans", "Plans drawn up", Count, Outputs;
    PLANS_GOLD = "plans.gold", "Plans drawn up: gold", Count, Outputs;
    PLANS_SILVER = "plans.silver", "Plans drawn up: silver", Count, Outputs;
    PLANS_BRONZE = "plans.bronze", "Plans drawn up: bronze", Count, Outputs;
    PLANS_SIGNED = "plans.signed", "Plans the resident signed", Count, Outputs;
    PLANS_DECLINED = "plans.declined", "Plans refused or withdrawn", Count, Outputs;
    VISITS_NO_ACCESS = "visits.no_access", "Visits with no answer", Count, Outputs;
    HOMES_HARDENED = "homes.hardened", "Homes hardened (every item fitted)", Count, Outputs;
    ITEMS_FITTED = "items.fitted", "Items fitted", Count, Outputs;
    ITEMS_DOOR_LOCK = "items.door_lock", "Items fitted: door locks and doors", Count, Outputs;
    ITEMS_WINDOW_LOCK = "items.window_lock", "Items fitted: window locks and glazing", Count, Outputs;
    ITEMS_LIGHTING = "items.lighting", "Items fitted: lighting", Count, Outputs;
    ITEMS_ALARM = "items.alarm", "Items fitted: alarms", Count, Outputs;
    ITEMS_CCTV = "items.cctv", "Items fitted: cameras and video doorbells", Count, Outputs;
    ITEMS_GATE = "items.gate", "Items fitted: gates and fences", Count, Outputs;
    ITEMS_MARKING = "items.marking", "Items fitted: property marking", Count, Outputs;
    ITEMS_OTHER = "items.other", "Items fitted: other", Count, Outputs;
    SPEND_COMMITTED = "spend.committed", "Spend committed (plans approved)", Pence, Spend;
    SPEND_FITTED = "spend.fitted", "Spend on homes hardened", Pence, Spend;
    SPEND_AVERAGE = "spend.average_per_home", "Average spend per home hardened", Pence, Spend;
    HOMES_OVER_CAP = "homes.over_cap", "Homes hardened over their tier's cap", Count, Spend;
    BUDGET = "scheme.budget", "The scheme's budget for the period", Pence, Spend;
    BUDGET_USED = "scheme.budget_used", "Share of the budget committed", Share, Spend;
    GRANT = "scheme.grant", "Grant funding", Pence, Spend;
    MATCH = "scheme.match", "Match funding", Pence, Spend;
    TARGET_HOMES = "scheme.target_homes", "Homes the scheme set out to harden", Count, Spend;
    DAYS_BURGLARY_TO_VISIT = "days.burglary_to_visit", "Days from burglary to visit (median)", Days, Timeliness;
    DAYS_VISIT_TO_FITTED = "days.visit_to_fitted", "Days from visit to fitting (median)", Days, Timeliness;
    COCOON_DOORS = "cocoon.doors_listed", "Neighbours' doors listed", Count, Cocooning;
    COCOON_REACHED = "cocoon.doors_reached", "Neighbours reached", Count, Cocooning;
    COCOON_ENGAGED = "cocoon.doors_engaged", "Neighbours who took up the offer", Count, Cocooning;
    COCOON_HARDENED = "cocoon.doors_hardened", "Neighbours' homes hardened", Count, Cocooning;
    SUPPORTED_HOMES = "repeat.supported_homes", "Supported homes (plan drawn up)", Count, RepeatVictimisation;
    REPEAT_28 = "repeat.within_28_days", "Burgled again within 28 days of the plan", Share, RepeatVictimisation;
    REPEAT_60 = "repeat.within_60_days", "Burgled again within 60 days of the plan", Share, RepeatVictimisation;
    REPEAT_12M = "repeat.within_12_months", "Burgled again within 12 months of the plan", Share, RepeatVictimisation;
    FEEL_SAFE_BEFORE = "feel_safe.before", "Feeling safe at home before (mean, 1 to 5)", Score, FeelingSafe;
    FEEL_SAFE_AFTER = "feel_safe.after", "Feeling safe at home at follow-up (mean, 1 to 5)", Score, FeelingSafe;
    FEEL_SAFER = "feel_safe.safer", "Residents who feel safer at follow-up", Share, FeelingSafe;
    DOA_DAYS = "doa.days", "Days of action", Count, DaysOfAction;
    DOA_KNOCKED = "doa.doors_knocked", "Doors knocked", Count, DaysOfAction;
    DOA_ANSWERED = "doa.doors_answered", "Doors answered", Count, DaysOfAction;
    DOA_ALARMS_TESTED = "doa.alarms_tested", "Alarms tested and working", Count, DaysOfAction;
    DOA_ALARMS_FITTED = "doa.alarms_fitted", "Smoke alarms fitted", Count, DaysOfAction;
    DOA_FULL_VISITS = "doa.full_visits", "Full Safe and Well visits", Count, DaysOfAction;
    DOA_CHARLIE = "doa.charlie_checks", "CHARLIE checks", Count, DaysOfAction;
    DOA_REFERRALS = "doa.referrals", "Referrals made at the door", Count, DaysOfAction;
    DOA_OLDER_OR_DISABLED = "doa.older_or_disabled", "CHARLIE checks of a resident over 65 or with reduced mobility", Share, DaysOfAction;
    REFERRALS = "referrals.made", "Referrals made", Count, Referrals;
    REFERRALS_ACCEPTED = "referrals.accepted", "Referrals accepted", Count, Referrals;
    REFERRALS_DECLINED = "referrals.declined", "Referrals declined or no contact", Count, Referrals;
    DAYS_TO_RESPOND = "referrals.days_to_respond", "Days from sending to the agency's answer (median)", Days, Referrals;
    CRIME_TARGET = "crime.burglary_target", "Residential burglaries in the target areas", Count, Crime;
    CRIME_TARGET_BASELINE = "crime.burglary_target_baseline", "Residential burglaries in the target areas, the period before", Count, Crime;
    CRIME_REST = "crime.burglary_rest", "Residential burglaries elsewhere", Count, Crime;
    CRIME_REST_BASELINE = "crime.burglary_rest_baseline", "Residential burglaries elsewhere, the period before", Count, Crime;
}

/// The measure with this key.
pub fn by_key(key: &str) -> Option<&'static Measure> {
    ALL.iter().find(|m| m.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_key_is_unique_and_found() {
        let keys: BTreeSet<&str> = ALL.iter().map(|m| m.key).collect();
        assert_eq!(keys.len(), ALL.len());
        for m in ALL {
            assert_eq!(by_key(m.key), Some(m));
        }
        assert_eq!(by_key("plans.platinum"), None);
    }

    #[test]
    fn docs_list_every_measure() {
        let docs = include_str!("../../../docs/reports.md");
        let measures = docs
            .split("\n## Measures")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .expect("docs/reports.md has a Measures section");
        for m in ALL {
            assert!(
                measures.contains(&format!("| `{}` | {} |", m.key, m.label)),
                "docs/reports.md, Measures, lists {} as \"{}\": a return names measures by these keys",
                m.key,
                m.label
            );
        }
    }
}

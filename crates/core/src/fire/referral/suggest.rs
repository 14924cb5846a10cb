//! Which agencies a CHARLIE result and survey weaknesses point to, with the reasons to
//! pre-fill; suggestions only, never a send.

use serde::{Deserialize, Serialize};

use super::super::agency::{AgencyDirectory, AgencyKind, Urgency};
use super::super::charlie::CharlieAssessment;

/// An agency the officer may want to refer to, with the reasons to pre-fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SuggestedReferral {
    /// The agency id.
    pub agency_id: String,
    /// Why it is suggested, in plain words, to pre-fill the referral's reasons.
    pub reasons: Vec<String>,
    /// The suggested urgency.
    pub urgency: Urgency,
}

/// Suggests agencies and reasons from a CHARLIE result and survey weaknesses; it never sends,
/// and never suggests a domestic abuse agency (the directory refuses such rules at load).
pub fn suggest_referrals(
    directory: &AgencyDirectory,
    charlie: &CharlieAssessment,
    survey_weaknesses: &[String],
) -> Vec<SuggestedReferral> {
    let urgency = directory.urgency.suggest(charlie.level);
    let label = |id: &str| {
        charlie
            .contributions
            .iter()
            .find(|c| c.id == id)
            .map_or_else(
                || id.replace('_', " "),
                |c| format!("{} ({} points)", c.label, c.points),
            )
    };
    directory
        .agencies
        .iter()
        // Belt and braces: the loader refuses DA rules, but a directory built in code skips it too.
        .filter(|agency| agency.kind != AgencyKind::DomesticAbuse)
        .filter_map(|agency| {
            let s = &agency.suggest_when;
            let mut reasons = Vec::new();
            if s.referral_threshold && charlie.meets_referral_threshold {
                reasons.push(format!(
                    "CHARLIE {} risk, {} points: {}",
                    charlie.level.label().to_lowercase(),
                    charlie.total,
                    charlie.referral_because.join("; ")
                ));
            }
            if s.no_working_alarm && charlie.no_working_alarm {
                reasons.push(label("no_working_alarm"));
            }
            for f in s
                .factors
                .iter()
                .filter(|f| charlie.present_factors.contains(f))
            {
                reasons.push(label(f));
            }
            for f in s.flags.iter().filter(|f| charlie.flags.contains(f)) {
                reasons.push(label(f));
            }
            for w in s
                .weaknesses
                .iter()
                .filter(|w| survey_weaknesses.contains(w))
            {
                reasons.push(format!("Home security survey: {}", w.replace('_', " ")));
            }
            (!reasons.is_empty()).then(|| SuggestedReferral {
                agency_id: agency.id.clone(),
                reasons,
                urgency,
            })
        })
        .collect()
}

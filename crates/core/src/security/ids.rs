//! Typed identifiers for surveys and plans, so a plan id is never passed where a survey id is meant.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::typed_id;

typed_id!(
    /// Identifies one completed or in-progress home security survey.
    SurveyId
);
typed_id!(
    /// Identifies an improvement plan.
    PlanId
);
typed_id!(
    /// Identifies one line (measure) of a plan.
    PlanItemId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_and_round_trip() {
        let a = PlanId::new();
        let b = PlanId::new();
        assert_eq!(
            a.0.get_version_num(),
            7,
            "ids must be UUIDv7 so they sort by time"
        );
        assert!(a < b, "a later id sorts after an earlier one");
        let parsed: PlanId = a.to_string().parse().expect("own text parses");
        assert_eq!(parsed, a, "text form must round-trip for storage");
    }
}

//! Typed identifiers for fire safety records, so a referral id is never passed where a check id is meant.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::typed_id;

typed_id!(
    /// Identifies one CHARLIE fire risk check.
    CharlieCheckId
);
typed_id!(
    /// Identifies one partner referral.
    ReferralId
);
typed_id!(
    /// Identifies one knock at one door on a day of action.
    DoorRecordId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_and_round_trip() {
        let a = ReferralId::new();
        let b = ReferralId::new();
        assert_eq!(
            a.0.get_version_num(),
            7,
            "ids must be UUIDv7 so they sort by time"
        );
        assert!(a < b, "a later id sorts after an earlier one");
        let parsed: ReferralId = a.to_string().parse().expect("own text parses");
        assert_eq!(parsed, a, "text form must round-trip for storage");
    }
}

//! Typed identifiers for surveys and plans, so a plan id is never passed where a survey id is meant.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

// The crate's `typed_id!` is private to `ids.rs`; this mirrors it so the ids behave the same.
macro_rules! security_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            specta::Type,
        )]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (UUIDv7) id, so ids sort by creation.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

security_id!(
    /// Identifies one completed or in-progress home security survey.
    SurveyId
);
security_id!(
    /// Identifies an improvement plan.
    PlanId
);
security_id!(
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

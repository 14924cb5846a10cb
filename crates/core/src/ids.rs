//! Typed identifiers: a household id can never be passed where a visit id is meant.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
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

// Lets other modules (the survey and plan ids) declare ids the same way.
pub(crate) use typed_id;

typed_id!(
    /// Identifies a household (a home at an address).
    HouseholdId
);
typed_id!(
    /// Identifies a resident.
    PersonId
);
typed_id!(
    /// Identifies a visit to a household.
    VisitId
);
typed_id!(
    /// Identifies the officer, warden or crew member using the app.
    OfficerId
);
typed_id!(
    /// Identifies this installation of the app (one laptop).
    DeviceId
);
typed_id!(
    /// Identifies one change in the outbox, so the hub applies it once.
    ChangeId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuid_v7_and_sort_by_creation() {
        let first = VisitId::new();
        let second = VisitId::new();
        assert_eq!(
            first.0.get_version_num(),
            7,
            "ids must be UUIDv7 so they sort by time"
        );
        assert!(first < second, "a later id sorts after an earlier one");
    }

    #[test]
    fn id_round_trips_through_text() {
        let id = HouseholdId::new();
        let parsed: HouseholdId = id.to_string().parse().expect("own text parses");
        assert_eq!(id, parsed);
    }
}

//! Doorstep's domain: the households, residents and visits that officers record,
//! the rules that say what a valid record is, and the clock that orders changes
//! for sync. Nothing here touches a disk, a network or a database.

/// Declares an enum stored and sent as fixed snake_case text, with `ALL`, `as_str` and `parse`.
macro_rules! stored_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// Stable text for storage, the same as the wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// Parses the stored text.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

pub mod attachment;
pub mod built_in;
pub mod clock;
pub mod cocoon;
pub mod demo;
pub mod enrolment;
pub mod file_names;
pub mod fire;
pub mod gazetteer;
pub mod geo;
pub mod hlc;
pub mod household;
pub mod identity;
pub mod ids;
pub mod limits;
pub mod passphrase;
pub mod person;
pub mod postcode;
pub mod privacy;
pub mod search;
pub mod security;
pub mod sync_status;
pub mod text;
pub mod uk_time;
pub mod validation;
pub mod views;
pub mod visit;
pub mod words;
pub mod work_order;

pub use hlc::{Hlc, HlcClock};
pub use household::{Coordinates, Household, HouseholdDraft, Uprn};
pub use identity::{Actor, ChangeSource, Device, Officer, Role};
pub use ids::{DeviceId, HouseholdId, OfficerId, PersonId, VisitId};
pub use limits::Limits;
pub use person::{AgeBand, ContactPreferences, Person, PersonDraft};
pub use validation::{FieldError, ValidationErrors};
pub use visit::{Visit, VisitDraft, VisitKind, VisitOutcome};

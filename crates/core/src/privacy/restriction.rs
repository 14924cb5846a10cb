//! Restriction of processing (UK GDPR Article 18): a household's records are kept, but
//! nothing may be added to them or changed in them until the data protection officer lifts
//! the restriction. The hub marks the household (its synced field [`RESTRICTED_FIELD`]),
//! every laptop learns of it at its next sync, and the laptop's store, the hub's push and
//! the console all refuse a write with [`Restricted`], whose sentence is the one the user
//! reads.

use crate::privacy::request::{Decision, RequestKind};

/// The household's synced field that says it is restricted. Only the hub writes it; a
/// laptop that sends it is refused.
pub const RESTRICTED_FIELD: &str = "restricted";

/// What the person using Doorstep reads about a restricted household: what it means and
/// what to do.
pub const RESTRICTED_SENTENCE: &str = "This household's records are restricted at the resident's request: they are kept, but nothing can be added or changed. Ask your data protection officer.";

/// A write refused because the household it belongs to is restricted. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{RESTRICTED_SENTENCE}")]
pub struct Restricted {
    /// The restricted household (an id, never an address).
    pub household_id: String,
}

/// Refuses a write to a record of household `household_id` when `restricted`.
pub fn check_writable(household_id: &str, restricted: bool) -> Result<(), Restricted> {
    if restricted {
        Err(Restricted {
            household_id: household_id.to_owned(),
        })
    } else {
        Ok(())
    }
}

/// Whether a household's synced [`RESTRICTED_FIELD`] (its value, if the record has one)
/// says it is restricted: an absent or non-boolean field is not a restriction, since only
/// the hub writes `true`.
pub fn is_restricted(field: Option<&serde_json::Value>) -> bool {
    field.and_then(serde_json::Value::as_bool).unwrap_or(false)
}

/// Why the DPO may not restrict or lift now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestrictionError {
    /// Only a restriction request that was granted restricts a household.
    #[error("Only a restriction request that was granted can restrict the household.")]
    NotGranted,
    /// The household is already restricted.
    #[error("This household is already restricted.")]
    AlreadyRestricted,
    /// The household is not restricted, so there is nothing to lift.
    #[error("This household is not restricted.")]
    NotRestricted,
}

/// Checks that a request of `kind`, decided `decision`, may restrict (`restrict`) or lift
/// the restriction of a household that is now `restricted`.
pub fn check_step(
    kind: RequestKind,
    decision: Option<&Decision>,
    restricted: bool,
    restrict: bool,
) -> Result<(), RestrictionError> {
    if kind != RequestKind::Restriction || decision != Some(&Decision::Granted) {
        return Err(RestrictionError::NotGranted);
    }
    match (restrict, restricted) {
        (true, true) => Err(RestrictionError::AlreadyRestricted),
        (false, false) => Err(RestrictionError::NotRestricted),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restricted_household_refuses_writes_with_the_sentence() {
        assert_eq!(
            check_writable("h1", false),
            Ok(()),
            "not restricted: writable"
        );
        let refused = check_writable("h1", true).err();
        assert_eq!(
            refused.as_ref().map(|r| r.household_id.as_str()),
            Some("h1"),
            "the refusal names the household by id"
        );
        assert_eq!(
            refused.map(|r| r.to_string()).as_deref(),
            Some(RESTRICTED_SENTENCE),
            "the user reads the one sentence"
        );
        assert!(
            RESTRICTED_SENTENCE.contains("data protection officer"),
            "the sentence says what to do"
        );
    }

    #[test]
    fn only_the_hubs_true_restricts() {
        assert!(!is_restricted(None), "absent: not restricted");
        assert!(
            !is_restricted(Some(&serde_json::Value::from("yes"))),
            "not a boolean: not restricted"
        );
        assert!(!is_restricted(Some(&serde_json::Value::Bool(false))));
        assert!(is_restricted(Some(&serde_json::Value::Bool(true))));
    }

    #[test]
    fn only_a_granted_restriction_request_restricts_and_each_step_once() {
        let granted = Decision::Granted;
        let refused = Decision::Refused {
            exemption: None,
            reason: "no".into(),
        };
        use RequestKind::{Erasure, Restriction};
        assert_eq!(check_step(Restriction, Some(&granted), false, true), Ok(()));
        assert_eq!(check_step(Restriction, Some(&granted), true, false), Ok(()));
        for (kind, decision) in [
            (Restriction, None),
            (Restriction, Some(&refused)),
            (Erasure, Some(&granted)),
        ] {
            assert_eq!(
                check_step(kind, decision, false, true),
                Err(RestrictionError::NotGranted),
                "{kind:?} {decision:?} may not restrict"
            );
        }
        assert_eq!(
            check_step(Restriction, Some(&granted), true, true),
            Err(RestrictionError::AlreadyRestricted)
        );
        assert_eq!(
            check_step(Restriction, Some(&granted), false, false),
            Err(RestrictionError::NotRestricted)
        );
    }
}

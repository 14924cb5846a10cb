//! A person's request to the council about their data (UK GDPR Articles 15, 17 and 18):
//! its kind, the month the council has to answer it in (paused while it waits for proof of
//! identity, extended by up to two months when the request is complex), the decision, and
//! the exemption relied on when an erasure is refused.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

stored_enum! {
    /// What the person asked for.
    RequestKind {
        /// A copy of their data (Article 15).
        Access => "access",
        /// Their data deleted (Article 17).
        Erasure => "erasure",
        /// Their data kept but not used (Article 18).
        Restriction => "restriction",
    }
}

impl RequestKind {
    /// The kind in a sentence's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Access => "Subject access",
            Self::Erasure => "Erasure",
            Self::Restriction => "Restriction",
        }
    }
}

stored_enum! {
    /// Why the right to erasure does not apply (Article 17(3)): recorded when refusing.
    Exemption {
        /// The council must keep the data to meet a legal obligation.
        LegalObligation => "legal_obligation",
        /// The council needs the data to carry out a public task or official authority.
        PublicTask => "public_task",
        /// The data is needed to make, pursue or defend legal claims.
        LegalClaims => "legal_claims",
        /// Archiving in the public interest, research or statistics.
        ArchivingOrStatistics => "archiving_or_statistics",
    }
}

impl Exemption {
    /// The exemption as the decision letter names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::LegalObligation => "Compliance with a legal obligation (Art. 17(3)(b))",
            Self::PublicTask => {
                "A task in the public interest or official authority (Art. 17(3)(b))"
            }
            Self::LegalClaims => {
                "The establishment, exercise or defence of legal claims (Art. 17(3)(e))"
            }
            Self::ArchivingOrStatistics => {
                "Archiving in the public interest, research or statistics (Art. 17(3)(d))"
            }
        }
    }
}

/// How many months an answer may be extended by, at most (Article 12(3)).
pub const MAX_EXTENSION_MONTHS: u32 = 2;

/// The longest reference, reason or note a request keeps.
pub const MAX_TEXT: usize = 500;

/// A request the council cannot record or act on as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A text the request needs is blank.
    #[error("Enter {0}.")]
    Missing(&'static str),
    /// A text is longer than the register keeps.
    #[error("Shorten {0} to {MAX_TEXT} characters or fewer.")]
    TooLong(&'static str),
    /// The request is dated after today.
    #[error("The date the request was received cannot be in the future.")]
    ReceivedInFuture,
    /// The clock is already paused.
    #[error("The request is already waiting for the person: resume it before pausing again.")]
    AlreadyPaused,
    /// The clock is not paused.
    #[error("The request is not waiting for anything, so there is nothing to resume.")]
    NotPaused,
    /// An extension beyond the two further months the law allows.
    #[error("An answer may be extended by at most {MAX_EXTENSION_MONTHS} months in all.")]
    ExtensionTooLong,
    /// The extension came after the first month, when the person must already have been told.
    #[error(
        "The person must be told of an extension within the first month (by {0}): it can no longer be extended."
    )]
    ExtensionTooLate(NaiveDate),
    /// The request was already decided.
    #[error("This request has already been decided.")]
    AlreadyDecided,
    /// An erasure or restriction of records under a legal hold.
    #[error(
        "This household is under a legal hold ({0}). Its records cannot be erased until the hold is lifted."
    )]
    UnderLegalHold(String),
    /// A refusal of an erasure without the exemption it relies on.
    #[error("Choose the exemption the refusal relies on.")]
    NoExemption,
}

/// The dates of a request: when it came, how long it waited for the person, how far it was
/// extended. The answer is due one calendar month after it came, plus the days it waited
/// and any extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDates {
    /// The day the council received it.
    pub received: NaiveDate,
    /// Days already spent waiting for proof of identity or clarification.
    pub paused_days: u32,
    /// Since when it waits now, if it does.
    pub paused_since: Option<NaiveDate>,
    /// Months added to the deadline (0 to [`MAX_EXTENSION_MONTHS`]).
    pub extended_months: u32,
}

impl RequestDates {
    /// A request received on `received`, checked against `today`.
    pub fn new(received: NaiveDate, today: NaiveDate) -> Result<Self, RequestError> {
        if received > today {
            return Err(RequestError::ReceivedInFuture);
        }
        Ok(Self {
            received,
            paused_days: 0,
            paused_since: None,
            extended_months: 0,
        })
    }

    /// The first month's end: the deadline without pauses or extension, and the last day
    /// to tell the person of an extension.
    pub fn first_month_ends(&self) -> NaiveDate {
        self.received
            .checked_add_months(Months::new(1))
            .unwrap_or(self.received)
    }

    /// The day the answer is due, counting the days waited until `today` if it waits now.
    pub fn due(&self, today: NaiveDate) -> NaiveDate {
        let waiting_now = self
            .paused_since
            .map_or(0, |since| days_between(since, today));
        let base = self
            .received
            .checked_add_months(Months::new(1 + self.extended_months))
            .unwrap_or(self.received);
        base + chrono::Days::new(u64::from(self.paused_days + waiting_now))
    }

    /// Stops the clock while the council waits for the person.
    pub fn pause(&mut self, today: NaiveDate) -> Result<(), RequestError> {
        if self.paused_since.is_some() {
            return Err(RequestError::AlreadyPaused);
        }
        self.paused_since = Some(today);
        Ok(())
    }

    /// Starts the clock again: the days waited are added to the deadline.
    pub fn resume(&mut self, today: NaiveDate) -> Result<(), RequestError> {
        let since = self.paused_since.take().ok_or(RequestError::NotPaused)?;
        self.paused_days += days_between(since, today);
        Ok(())
    }

    /// Extends the deadline by `months` more, for `reason`, told to the person `today`.
    pub fn extend(
        &mut self,
        months: u32,
        reason: &str,
        today: NaiveDate,
    ) -> Result<(), RequestError> {
        required_text(reason, "the reason for the extension")?;
        if months == 0 || self.extended_months + months > MAX_EXTENSION_MONTHS {
            return Err(RequestError::ExtensionTooLong);
        }
        let last_day = self.first_month_ends();
        if today > last_day {
            return Err(RequestError::ExtensionTooLate(last_day));
        }
        self.extended_months += months;
        Ok(())
    }
}

/// Whole days from `from` to `to` (0 when `to` is earlier).
fn days_between(from: NaiveDate, to: NaiveDate) -> u32 {
    u32::try_from((to - from).num_days()).unwrap_or(0)
}

/// `text` trimmed, refused when blank or too long; `what` names it in the sentence.
pub fn required_text(text: &str, what: &'static str) -> Result<String, RequestError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(RequestError::Missing(what));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(RequestError::TooLong(what));
    }
    Ok(text.to_owned())
}

/// What the council decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Decision {
    /// Done as asked.
    Granted,
    /// Refused, on this exemption (erasure) and for this reason.
    Refused {
        /// The exemption relied on (required for an erasure).
        exemption: Option<Exemption>,
        /// Why, in the council's words.
        reason: String,
    },
}

/// Checks a decision of a `kind` request: a refused erasure names its exemption and every
/// refusal its reason. Returns the decision with its text trimmed.
pub fn check_decision(kind: RequestKind, decision: Decision) -> Result<Decision, RequestError> {
    match decision {
        Decision::Granted => Ok(Decision::Granted),
        Decision::Refused { exemption, reason } => {
            if kind == RequestKind::Erasure && exemption.is_none() {
                return Err(RequestError::NoExemption);
            }
            Ok(Decision::Refused {
                exemption,
                reason: required_text(&reason, "the reason for the refusal")?,
            })
        }
    }
}

/// Refuses to erase a household's records while a legal hold stands on it, with the
/// hold's reason in the sentence.
pub fn check_not_held(hold: Option<&str>) -> Result<(), RequestError> {
    match hold {
        Some(reason) => Err(RequestError::UnderLegalHold(reason.to_owned())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn an_answer_is_due_a_calendar_month_after_the_request() {
        for (received, due) in [
            ("2026-03-03", "2026-04-03"),
            // The month ends early: the last day of the shorter month.
            ("2026-01-31", "2026-02-28"),
            ("2028-01-31", "2028-02-29"),
            ("2026-12-15", "2027-01-15"),
        ] {
            let dates = RequestDates::new(day(received), day(received)).unwrap_or_else(|e| {
                panic!("{received}: {e}");
            });
            assert_eq!(dates.due(day(received)), day(due), "{received}");
        }
    }

    #[test]
    fn waiting_for_identity_moves_the_deadline_by_the_days_waited() {
        let mut dates = RequestDates::new(day("2026-03-03"), day("2026-03-03"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(dates.pause(day("2026-03-05")), Ok(()));
        assert_eq!(
            dates.pause(day("2026-03-06")),
            Err(RequestError::AlreadyPaused)
        );
        // While it waits, each day waited moves the deadline.
        assert_eq!(dates.due(day("2026-03-15")), day("2026-04-13"));
        assert_eq!(dates.resume(day("2026-03-15")), Ok(()));
        assert_eq!(dates.due(day("2026-05-01")), day("2026-04-13"));
        assert_eq!(
            dates.resume(day("2026-03-16")),
            Err(RequestError::NotPaused)
        );
    }

    #[test]
    fn extensions_are_at_most_two_months_and_told_in_the_first() {
        let received = day("2026-03-03");
        let mut dates = RequestDates::new(received, received).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            dates.extend(1, "  ", received),
            Err(RequestError::Missing("the reason for the extension"))
        );
        assert_eq!(
            dates.extend(3, "complex", received),
            Err(RequestError::ExtensionTooLong)
        );
        assert_eq!(
            dates.extend(0, "complex", received),
            Err(RequestError::ExtensionTooLong)
        );
        assert_eq!(dates.extend(1, "complex", day("2026-03-20")), Ok(()));
        assert_eq!(dates.due(day("2026-03-20")), day("2026-05-03"));
        assert_eq!(
            dates.extend(2, "still complex", day("2026-03-21")),
            Err(RequestError::ExtensionTooLong)
        );
        assert_eq!(
            dates.extend(1, "still complex", day("2026-04-04")),
            Err(RequestError::ExtensionTooLate(day("2026-04-03")))
        );
        assert_eq!(dates.extend(1, "still complex", day("2026-04-03")), Ok(()));
        assert_eq!(dates.due(day("2026-04-03")), day("2026-06-03"));
    }

    #[test]
    fn a_request_cannot_come_from_the_future() {
        assert_eq!(
            RequestDates::new(day("2026-03-04"), day("2026-03-03")),
            Err(RequestError::ReceivedInFuture)
        );
    }

    #[test]
    fn a_refused_erasure_names_its_exemption_and_reason() {
        let refused = |exemption, reason: &str| Decision::Refused {
            exemption,
            reason: reason.into(),
        };
        assert_eq!(
            check_decision(RequestKind::Erasure, refused(None, "needed")),
            Err(RequestError::NoExemption)
        );
        assert_eq!(
            check_decision(
                RequestKind::Erasure,
                refused(Some(Exemption::PublicTask), " ")
            ),
            Err(RequestError::Missing("the reason for the refusal"))
        );
        assert_eq!(
            check_decision(
                RequestKind::Erasure,
                refused(Some(Exemption::LegalClaims), " claim ")
            ),
            Ok(refused(Some(Exemption::LegalClaims), "claim"))
        );
        // Access and restriction refusals rest on other grounds: a reason is enough.
        assert!(check_decision(RequestKind::Access, refused(None, "manifestly unfounded")).is_ok());
        assert_eq!(
            check_decision(RequestKind::Erasure, Decision::Granted),
            Ok(Decision::Granted)
        );
    }

    #[test]
    fn a_legal_hold_stops_an_erasure_and_says_why() {
        assert_eq!(check_not_held(None), Ok(()));
        let refused = check_not_held(Some("claim 2026/14 against the council"));
        assert_eq!(
            refused.map_err(|e| e.to_string()),
            Err("This household is under a legal hold (claim 2026/14 against the council). Its records cannot be erased until the hold is lifted.".into())
        );
    }

    #[test]
    fn stored_words_round_trip() {
        for kind in RequestKind::ALL {
            assert_eq!(RequestKind::parse(kind.as_str()), Some(*kind));
        }
        for exemption in Exemption::ALL {
            assert_eq!(Exemption::parse(exemption.as_str()), Some(*exemption));
            assert!(!exemption.label().is_empty());
        }
    }
}

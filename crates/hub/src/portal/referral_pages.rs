//! The agencies' inbox pages: their templates' data, and the words for a referral's
//! statuses, steps and dates as an agency reads them (times in UK time).

use askama::Template;
use chrono::{DateTime, Utc};
use doorstep_core::fire::{Referral, ReferralStatus, ReferralStep, ReferralStepKind};
use doorstep_pdf::{ReferralDocument, SharingBasis};

use super::pages::{Frame, StatusTab};
use crate::referrals::inbox::status_words;

/// A time as an agency reads it: UK time, e.g. "7 December 2026 at 09:30".
pub fn uk_time(at: DateTime<Utc>) -> String {
    doorstep_core::uk_time::date_and_time(at)
}

/// A stored RFC 3339 time as [`uk_time`] writes it; empty when there is none.
pub fn uk_time_text(text: &str) -> String {
    DateTime::parse_from_rfc3339(text)
        .map(|t| uk_time(t.with_timezone(&Utc)))
        .unwrap_or_default()
}

/// The GOV.UK tag colour for a status.
pub fn tag_class(status: ReferralStatus) -> &'static str {
    match status {
        ReferralStatus::Sent => "govuk-tag--blue",
        ReferralStatus::Acknowledged | ReferralStatus::Accepted => "govuk-tag--turquoise",
        ReferralStatus::VisitBooked => "govuk-tag--purple",
        ReferralStatus::Completed => "govuk-tag--green",
        ReferralStatus::Declined | ReferralStatus::NoContact => "govuk-tag--grey",
        ReferralStatus::Draft | ReferralStatus::Queued => "govuk-tag--yellow",
    }
}

/// A step of the history in words, with what it recorded.
pub fn step_words(step: &ReferralStep) -> (&'static str, Option<String>) {
    match step {
        ReferralStep::Send => ("Sent by the referrer", None),
        ReferralStep::Deliver => ("Received in this inbox", None),
        ReferralStep::Acknowledge { agency_reference } => (
            "Acknowledged",
            agency_reference
                .as_ref()
                .map(|r| format!("Your reference: {r}")),
        ),
        ReferralStep::Accept => ("Accepted", None),
        ReferralStep::BookVisit { visit_at } => {
            ("Visit booked", Some(format!("For {}", uk_time(*visit_at))))
        }
        ReferralStep::Complete { outcome } => ("Completed", Some(outcome.clone())),
        ReferralStep::Decline { reason } => ("Declined", Some(reason.clone())),
        ReferralStep::NoContact { attempts } => ("No contact", Some(attempts.clone())),
    }
}

/// One referral in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxLine {
    /// The referral's id.
    pub id: String,
    /// Its reference (the referral's id, as on the form).
    pub reference: String,
    /// Urgency in words.
    pub urgency: String,
    /// When it arrived.
    pub received: String,
    /// When a response is due.
    pub due: String,
    /// Status in words.
    pub status: String,
    /// Its tag colour.
    pub tag_class: &'static str,
}

/// The inbox.
#[derive(Debug, Template)]
#[template(path = "portal/referrals.html")]
pub struct InboxPage {
    /// The frame.
    pub frame: Frame,
    /// The status tabs.
    pub tabs: Vec<StatusTab>,
    /// This page's referrals.
    pub lines: Vec<InboxLine>,
    /// The table's caption.
    pub caption: String,
    /// What an empty tab says.
    pub empty: String,
    /// The previous page's address.
    pub previous: Option<String>,
    /// The next page's address.
    pub next: Option<String>,
}

/// One event of a referral's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryLine {
    /// When.
    pub at: String,
    /// What.
    pub what: &'static str,
    /// What it recorded.
    pub detail: Option<String>,
}

/// A link to a step's form, or a one-button step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepLink {
    /// Where the form is (GET) or posts to.
    pub href: String,
    /// The words.
    pub label: &'static str,
}

/// A referral, as the agency sees it.
#[derive(Debug, Template)]
#[template(path = "portal/referral.html")]
pub struct ReferralView {
    /// The frame.
    pub frame: Frame,
    /// The referral's id.
    pub id: String,
    /// The form: who, where, why, on what authority.
    pub form: ReferralDocument,
    /// Status in words.
    pub status: &'static str,
    /// Its tag colour.
    pub tag_class: &'static str,
    /// When it arrived.
    pub received: String,
    /// When a response is due, and whether that has passed.
    pub due: String,
    /// Past its due time without an answer.
    pub overdue: bool,
    /// The steps so far, oldest first.
    pub history: Vec<HistoryLine>,
    /// What was just done, for the banner.
    pub done: Option<String>,
    /// The page's CSRF token.
    pub csrf: String,
    /// The referral's change-log position.
    pub seq: i64,
    /// Accept, when it may be taken now (one button).
    pub accept: Option<String>,
    /// The other steps open now, each a link to its form.
    pub steps: Vec<StepLink>,
}

impl ReferralView {
    /// Whether the form rests on consent (else on a lawful basis).
    pub fn consent(&self) -> Option<(&str, &str, String, &str)> {
        match &self.form.basis {
            SharingBasis::Consent {
                given_by,
                method,
                given_on,
                covers,
                ..
            } => Some((
                given_by.as_str(),
                method.as_str(),
                given_on.format("%-d %B %Y").to_string(),
                covers.as_str(),
            )),
            SharingBasis::LawfulBasis { .. } => None,
        }
    }

    /// The lawful basis and its justification, when the form rests on one.
    pub fn basis(&self) -> Option<(&str, &str)> {
        match &self.form.basis {
            SharingBasis::LawfulBasis {
                basis,
                justification,
                ..
            } => Some((basis.as_str(), justification.as_str())),
            SharingBasis::Consent { .. } => None,
        }
    }
}

/// The form of one step (acknowledge, book a visit, outcome, decline, no contact).
#[derive(Debug, Template)]
#[template(path = "portal/referral_step.html")]
pub struct StepFormPage {
    /// The frame.
    pub frame: Frame,
    /// The referral's id.
    pub id: String,
    /// Its reference as shown.
    pub reference: String,
    /// Where the form posts.
    pub action: String,
    /// The page's heading (the question).
    pub heading: &'static str,
    /// The hint under it.
    pub hint: &'static str,
    /// The field: `agency_reference`, `outcome`, `reason`, `attempts`, or `visit` for the
    /// date and time fields.
    pub field: &'static str,
    /// What was typed, when sent back with an error.
    pub value: String,
    /// The date and time typed (day, month, year, time).
    pub when: [String; 4],
    /// The button's words.
    pub button: &'static str,
    /// The warning button style (declining).
    pub warning: bool,
    /// The page's CSRF token.
    pub csrf: String,
    /// The referral's change-log position.
    pub seq: i64,
}

/// The steps an agency's person may take on `referral` now, for its page: accept as a
/// button, the rest as links to their forms.
pub fn open_steps(id: &str, referral: &Referral) -> (Option<String>, Vec<StepLink>) {
    let kinds = referral.available_steps(doorstep_core::Role::Agency);
    let accept = kinds
        .contains(&ReferralStepKind::Accept)
        .then(|| format!("/portal/referrals/{id}/accept"));
    let links = kinds
        .iter()
        .filter_map(|k| {
            let (path, label) = match k {
                ReferralStepKind::Acknowledge => ("acknowledge", "Acknowledge the referral"),
                ReferralStepKind::BookVisit => ("visit", "Book a visit"),
                ReferralStepKind::Complete => ("outcome", "Record the outcome"),
                ReferralStepKind::Decline => ("decline", "Decline the referral"),
                ReferralStepKind::NoContact => {
                    ("no-contact", "Record that you could not make contact")
                }
                ReferralStepKind::Send | ReferralStepKind::Deliver | ReferralStepKind::Accept => {
                    return None;
                }
            };
            Some(StepLink {
                href: format!("/portal/referrals/{id}/{path}"),
                label,
            })
        })
        .collect();
    (accept, links)
}

/// The status of a stored referral in words, for the list.
pub fn stored_status_words(text: &str) -> (String, &'static str) {
    ReferralStatus::parse(text).map_or_else(
        || (text.to_owned(), "govuk-tag--grey"),
        |s| (status_words(s).to_owned(), tag_class(s)),
    )
}

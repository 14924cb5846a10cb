//! The data protection officer's pages: the register of people's requests about their
//! data with its deadlines, one request with its clock and its decision, and legal holds.
//! View models only; what they show is kept by [`crate::privacy`].

use askama::Template;

use super::pages::{Choice, Frame};

/// A request as a row of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine {
    /// Its id, for the link.
    pub id: String,
    /// What was asked, in words.
    pub kind: String,
    /// The council's reference.
    pub reference: String,
    /// When it came.
    pub received: String,
    /// When the answer is due (empty once decided).
    pub due: String,
    /// Where it stands, in words.
    pub status: String,
    /// Whether it is open and past its due date.
    pub overdue: bool,
}

/// A legal hold as a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldLine {
    /// The household's id.
    pub household_id: String,
    /// Why.
    pub reason: String,
    /// When it was placed.
    pub placed: String,
}

/// The register: open and decided requests, the form for a new one, and the holds.
#[derive(Debug, Template)]
#[template(path = "console/privacy.html")]
pub struct PrivacyPage {
    /// The frame.
    pub frame: Frame,
    /// The session's CSRF token.
    pub csrf: String,
    /// Every request, newest first.
    pub requests: Vec<RequestLine>,
    /// The kinds of request, with the one typed chosen.
    pub kinds: Vec<Choice>,
    /// What was typed in the new request's form: reference, household, resident, received.
    pub typed: [String; 4],
    /// The holds in place.
    pub holds: Vec<HoldLine>,
    /// What was typed in the hold's form: household, reason.
    pub hold_typed: [String; 2],
}

/// Someone the erased data went to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientLine {
    /// `agency` or `firm`.
    pub kind: String,
    /// The agency's or firm's name.
    pub name: String,
    /// What went to them.
    pub what: String,
    /// When someone recorded telling them (empty if not yet).
    pub told: String,
}

/// One request: who it is about, its clock, its decision.
#[derive(Debug, Template)]
#[template(path = "console/privacy_request.html")]
pub struct RequestPage {
    /// The frame.
    pub frame: Frame,
    /// The session's CSRF token.
    pub csrf: String,
    /// Its id.
    pub id: String,
    /// `access`, `erasure` or `restriction`.
    pub kind: String,
    /// What was asked, in words.
    pub kind_label: String,
    /// The council's reference.
    pub reference: String,
    /// The household's id.
    pub household_id: String,
    /// The household's address while its records exist.
    pub address: Option<String>,
    /// The residents it is about (one, or every resident) while their records exist.
    pub residents: Vec<String>,
    /// Whether it is about one resident only.
    pub one_resident: bool,
    /// When it came.
    pub received: String,
    /// The end of the first month (the last day to tell the person of an extension).
    pub first_month_ends: String,
    /// When the answer is due.
    pub due: String,
    /// Since when it waits for the person, if it does.
    pub paused_since: Option<String>,
    /// Months added.
    pub extended_months: u32,
    /// Whether it may still be extended.
    pub may_extend: bool,
    /// The decision in words, once made.
    pub decision: Option<String>,
    /// When and by whom, once decided.
    pub decided: String,
    /// How many records an erasure removed.
    pub erased: Option<i64>,
    /// Who must be told of the erasure.
    pub recipients: Vec<RecipientLine>,
    /// The exemptions a refusal may rely on.
    pub exemptions: Vec<Choice>,
    /// The legal hold on the household, if any.
    pub hold: Option<String>,
    /// Whether the household is restricted at the resident's request.
    pub restricted: bool,
    /// Whether this request may restrict the household or lift it: a granted restriction
    /// request whose household is still on the hub.
    pub may_restrict: bool,
}

/// A resident on the answer's review screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentChoice {
    /// Their record's id (the checkbox's value).
    pub id: String,
    /// Their name.
    pub name: String,
    /// Whether the request is theirs.
    pub subject: bool,
}

/// The review before a subject access answer is downloaded: what it holds, whose details
/// are left out.
#[derive(Debug, Template)]
#[template(path = "console/privacy_answer.html")]
pub struct AnswerPage {
    /// The frame.
    pub frame: Frame,
    /// The session's CSRF token.
    pub csrf: String,
    /// The request's id.
    pub id: String,
    /// The council's reference.
    pub reference: String,
    /// The residents, the subject first.
    pub residents: Vec<ResidentChoice>,
    /// How many records of each kind the hub holds about the household.
    pub counts: Vec<(String, usize)>,
    /// Who received the data.
    pub recipients: Vec<String>,
}

/// `/console/privacy/people`: the DPO's search for a person across every team, by name,
/// date of birth or phone; each matching resident on a line of their own.
#[derive(Debug, Template)]
#[template(path = "console/privacy_people.html")]
pub struct PeoplePage {
    /// The frame (its errors: a search that could not be read).
    pub frame: Frame,
    /// What was typed.
    pub query: String,
    /// Whether a search was made.
    pub searched: bool,
    /// The residents found.
    pub found: Vec<PersonLine>,
    /// Whether there were more than shown.
    pub more: bool,
}

/// A resident the DPO's search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonLine {
    /// Their record id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their date of birth, as a UK date, or empty.
    pub born: String,
    /// Their household's id.
    pub household_id: String,
    /// Their household's address.
    pub address: String,
    /// The team that holds them.
    pub team: String,
}

/// One class of the retention schedule, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleLine {
    /// The class.
    pub class: &'static str,
    /// When its period starts.
    pub starts: &'static str,
    /// How long.
    pub kept_for: String,
    /// What then.
    pub then: &'static str,
    /// Why, as the schedule says.
    pub note: String,
}

/// One run of the schedule, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLine {
    /// The day it was applied for.
    pub as_of: String,
    /// Who ran it.
    pub by: String,
    /// When it finished.
    pub finished: String,
    /// Done, or why it stopped.
    pub outcome: String,
    /// What went, class by class.
    pub disposed: Vec<String>,
    /// Records a legal hold kept.
    pub held_back: i64,
    /// Audit lines forgotten.
    pub audit_lines: i64,
}

/// How many anonymised rows of one kind keep the figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureLine {
    /// The kind, in words.
    pub kind: String,
    /// How many.
    pub records: i64,
}

/// The retention schedule and the disposal report.
#[derive(Debug, Template)]
#[template(path = "console/retention.html")]
pub struct RetentionPage {
    /// The frame.
    pub frame: Frame,
    /// Whether the council's own schedule is in use.
    pub councils_own: bool,
    /// The schedule.
    pub schedule: Vec<ScheduleLine>,
    /// The newest runs, newest first.
    pub runs: Vec<RunLine>,
    /// The anonymised rows kept, by kind.
    pub figures: Vec<FigureLine>,
}

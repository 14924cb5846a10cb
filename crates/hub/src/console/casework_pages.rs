//! The console's casework pages: finding a household, its timeline, and the coordinators'
//! lists. View models only; what they show is read by [`crate::casework`].

use askama::Template;

use super::pages::Frame;
use crate::casework::timeline::{HouseholdSummary, TimelineEntry};

/// A household a search found, as a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdLine {
    /// Its id, for the link.
    pub id: String,
    /// Its first address line and town.
    pub address: String,
    /// Its postcode.
    pub postcode: String,
    /// The team that holds it.
    pub team: String,
}

/// The search page: the form, and what it found.
#[derive(Debug, Template)]
#[template(path = "console/households.html")]
pub struct HouseholdsPage {
    /// The frame.
    pub frame: Frame,
    /// What was typed.
    pub query: String,
    /// Whether a search was made.
    pub searched: bool,
    /// The households found.
    pub found: Vec<HouseholdLine>,
    /// Whether more matched than are shown.
    pub more: bool,
    /// Whether names of residents are searched too.
    pub names: bool,
}

/// A household's page: who and where, and its timeline.
#[derive(Debug, Template)]
#[template(path = "console/household.html")]
pub struct HouseholdPage {
    /// The frame.
    pub frame: Frame,
    /// The household's id (an administrator moves a household to another team by it).
    pub id: String,
    /// The household.
    pub household: HouseholdSummary,
    /// The team that holds it.
    pub team: String,
    /// Its records, newest first.
    pub timeline: Vec<TimelineEntry>,
    /// For the data protection officer: each resident's reference and name, to start a
    /// request about one of them (empty for anyone else).
    pub privacy_residents: Vec<(String, String)>,
    /// Whether the reader starts people's requests (the DPO).
    pub privacy: bool,
    /// When the household is restricted at the resident's request, core's sentence.
    pub restriction: Option<&'static str>,
}

/// One list on the lists page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListLink {
    /// Its address.
    pub href: String,
    /// Its heading.
    pub title: String,
    /// What is on it.
    pub description: String,
    /// How many rows it has now.
    pub count: i64,
}

/// The coordinators' lists, with how long each is.
#[derive(Debug, Template)]
#[template(path = "console/lists.html")]
pub struct ListsPage {
    /// The frame.
    pub frame: Frame,
    /// The lists this person may read.
    pub lists: Vec<ListLink>,
}

/// One row of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListLine {
    /// The household's page.
    pub href: String,
    /// The household's address.
    pub address: String,
    /// What the row is about.
    pub what: String,
    /// When it reached its state.
    pub since: String,
    /// When it is or was due.
    pub due: String,
}

/// A list, a page at a time.
#[derive(Debug, Template)]
#[template(path = "console/list.html")]
pub struct ListPageView {
    /// The frame; its title is the list's.
    pub frame: Frame,
    /// What is on it.
    pub description: String,
    /// The table's caption (with the page, when there are several).
    pub caption: String,
    /// The heading of the "since" column.
    pub since_heading: String,
    /// The heading of the "due" column, when the list has one.
    pub due_heading: Option<String>,
    /// Its rows.
    pub lines: Vec<ListLine>,
    /// The previous page, if any.
    pub previous: Option<String>,
    /// The next page, if any.
    pub next: Option<String>,
}

/// One measure on a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLine {
    /// The measure.
    pub name: String,
    /// How many.
    pub quantity: u32,
    /// Its estimated cost, in pounds.
    pub cost: String,
}

/// A plan's page: what it holds, where it is, and — for a supervisor, while the plan waits
/// for approval — the forms to approve it or return it to the officer.
#[derive(Debug, Template)]
#[template(path = "console/plan.html")]
pub struct PlanPage {
    /// The frame.
    pub frame: Frame,
    /// The plan's id, for the form's action.
    pub id: String,
    /// Its household's page.
    pub household_href: String,
    /// Its household's address.
    pub address: String,
    /// Its tier and status, in words.
    pub summary: String,
    /// Its measures.
    pub lines: Vec<PlanLine>,
    /// Its estimated total, in pounds.
    pub total: String,
    /// The scheme's cap for the home, in pounds.
    pub cap: String,
    /// Whether the plan is over the cap.
    pub over_cap: bool,
    /// The reason recorded for going over, if any.
    pub over_cap_reason: Option<String>,
    /// Who agreed it and when, in words.
    pub agreed: Option<String>,
    /// Its steps, oldest first.
    pub history: Vec<String>,
    /// The approve form, when this person may try it now: the session's CSRF token and
    /// the plan's change-log position.
    pub approve: Option<(String, i64)>,
    /// The over-cap reason as typed, when the form comes back.
    pub typed_reason: String,
    /// What the officer should change, as typed, when the return form comes back.
    pub typed_why: String,
    /// What was done, after an approval.
    pub done: Option<String>,
}

//! The console's pages: askama templates (in `crates/hub/templates/console/`, checked at
//! compile time and HTML-escaped by default) and the view models they show. Forms show
//! their problems with the portal's [`Errors`] (a GOV.UK error summary and messages).

use askama::Template;

pub use crate::portal::pages::Errors;

use super::store::{DeviceRow, PersonRow, TeamRow};

/// Who is signed in, for the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Their name.
    pub name: String,
    /// Their role, in words.
    pub role: String,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: String,
    /// Whether the people and laptops pages are theirs.
    pub admin: bool,
    /// Whether they read casework (households and lists).
    pub casework: bool,
}

/// What every page shows around its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The page's title (the `<title>` gets "Error: " in front when there are errors).
    pub title: String,
    /// The council's name.
    pub council: String,
    /// The form's problems.
    pub errors: Errors,
    /// The signed-in user, if any.
    pub signed_in: Option<SignedIn>,
}

/// A date and time for people (UTC, as the hub keeps them), e.g. `6 December 2026, 16:20`.
pub fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%-d %B %Y, %H:%M").to_string())
        .unwrap_or_default()
}

/// One choice of a select or radios: value, words, chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The submitted value.
    pub value: String,
    /// The words shown.
    pub label: String,
    /// Chosen now.
    pub selected: bool,
}

/// The roles an administrator may give, with `current` chosen.
pub fn role_choices(current: &str) -> Vec<Choice> {
    super::access::ROLES_OFFERED
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: r.label().to_owned(),
            selected: r.as_str() == current,
        })
        .collect()
}

/// The teams, with `current` chosen.
pub fn team_choices(teams: &[TeamRow], current: &str) -> Vec<Choice> {
    teams
        .iter()
        .map(|t| Choice {
            value: t.id.clone(),
            label: format!("{} ({})", t.name, t.org_name),
            selected: t.id == current,
        })
        .collect()
}

/// The sign-in page.
#[derive(Debug, Template)]
#[template(path = "console/sign_in.html")]
pub struct SignInPage {
    /// The frame.
    pub frame: Frame,
    /// The sign-in form's CSRF token.
    pub csrf: String,
    /// The email as typed.
    pub email: String,
    /// A note above the form (signed out, session ended).
    pub note: Option<String>,
}

/// The TOTP code page.
#[derive(Debug, Template)]
#[template(path = "console/code.html")]
pub struct CodePage {
    /// The frame.
    pub frame: Frame,
    /// The half-signed-in session's CSRF token.
    pub csrf: String,
}

/// The second factor to set up on the set-up page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpSetUp {
    /// The secret in groups of four, to type into an authenticator app.
    pub secret: String,
    /// The `otpauth://` URI, for apps that take one.
    pub uri: String,
}

/// The one-time set-up page: choose a password, and for admin and dpo a security code.
#[derive(Debug, Template)]
#[template(path = "console/set_up.html")]
pub struct SetUpPage {
    /// The frame.
    pub frame: Frame,
    /// The form's CSRF token (bound to a cookie).
    pub csrf: String,
    /// The link's path, the form's action.
    pub action: String,
    /// The user's name.
    pub name: String,
    /// The email they will sign in with.
    pub email: String,
    /// The second factor, when their role needs one.
    pub totp: Option<TotpSetUp>,
}

/// A page that only says something (not found, refused, try later, done).
#[derive(Debug, Template)]
#[template(path = "console/message.html")]
pub struct MessagePage {
    /// The frame; its title is the heading.
    pub frame: Frame,
    /// What happened and what to do.
    pub paragraphs: Vec<String>,
    /// Where to go next.
    pub link_href: String,
    /// The link's words.
    pub link_text: String,
}

/// The signed-in user's home page.
#[derive(Debug, Template)]
#[template(path = "console/home.html")]
pub struct HomePage {
    /// The frame.
    pub frame: Frame,
    /// Their role, in words.
    pub role: String,
    /// Their team's name.
    pub team: String,
    /// Whether the people and laptops pages are theirs.
    pub admin: bool,
    /// Whether they read casework (households and lists).
    pub casework: bool,
}

/// The teams page: the list and the form to add one.
#[derive(Debug, Template)]
#[template(path = "console/teams.html")]
pub struct TeamsPage {
    /// The frame.
    pub frame: Frame,
    /// The session's CSRF token.
    pub csrf: String,
    /// Every team.
    pub teams: Vec<TeamRow>,
    /// The organisations to add a team to.
    pub orgs: Vec<Choice>,
    /// The new team's name as typed.
    pub name: String,
}

/// One person in a list or on their page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonView {
    /// Their id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their role's stored word.
    pub role: String,
    /// Their role, in words.
    pub role_label: String,
    /// Their team's id.
    pub team_id: String,
    /// Their team's name.
    pub team: String,
    /// Their console email, if any.
    pub email: Option<String>,
    /// Their console access, in words.
    pub access: String,
    /// Whether they have a console account.
    pub has_account: bool,
    /// Whether it is turned off.
    pub disabled: bool,
    /// Whether they may have a laptop.
    pub laptop: bool,
}

impl From<PersonRow> for PersonView {
    fn from(p: PersonRow) -> Self {
        let access = match (&p.email, p.set_up, p.disabled) {
            (None, _, _) => "None",
            (Some(_), _, true) => "Turned off",
            (Some(_), true, false) => "Signs in",
            (Some(_), false, false) => "Set-up link sent",
        };
        Self {
            laptop: p.role.may_use_laptop(),
            id: p.id,
            name: p.name,
            role: p.role.as_str().to_owned(),
            role_label: p.role.label().to_owned(),
            team_id: p.team_id,
            team: p.team_name,
            has_account: p.email.is_some(),
            email: p.email,
            access: access.to_owned(),
            disabled: p.disabled,
        }
    }
}

/// The list of people.
#[derive(Debug, Template)]
#[template(path = "console/people.html")]
pub struct PeoplePage {
    /// The frame.
    pub frame: Frame,
    /// Everyone.
    pub people: Vec<PersonView>,
}

/// The form to add a person.
#[derive(Debug, Template)]
#[template(path = "console/new_person.html")]
pub struct NewPersonPage {
    /// The frame.
    pub frame: Frame,
    /// The session's CSRF token.
    pub csrf: String,
    /// The name as typed.
    pub name: String,
    /// The email as typed.
    pub email: String,
    /// The teams.
    pub teams: Vec<Choice>,
    /// The roles.
    pub roles: Vec<Choice>,
}

/// One person's page: their details and what an administrator can change.
#[derive(Debug, Template)]
#[template(path = "console/person.html")]
pub struct PersonPage {
    /// The frame.
    pub frame: Frame,
    /// The session's CSRF token.
    pub csrf: String,
    /// The person.
    pub person: PersonView,
    /// The teams to move them to.
    pub teams: Vec<Choice>,
    /// The roles to give them.
    pub roles: Vec<Choice>,
}

/// A secret shown once: an enrolment code or a set-up link, printable.
#[derive(Debug, Template)]
#[template(path = "console/shown_once.html")]
pub struct ShownOncePage {
    /// The frame; its title is the heading.
    pub frame: Frame,
    /// Whose it is.
    pub person: String,
    /// What it is, e.g. "Enrolment code".
    pub what: String,
    /// The secret.
    pub secret: String,
    /// What to do with it.
    pub paragraphs: Vec<String>,
    /// Where to go next.
    pub link_href: String,
}

/// One laptop in the list or on its revoke page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaptopView {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its user's id.
    pub user_id: String,
    /// Its user's name.
    pub user: String,
    /// Its user's team.
    pub team: String,
    /// When it enrolled.
    pub enrolled: String,
    /// When it last synced, in words.
    pub last_sync: String,
    /// Whether it is revoked.
    pub revoked: bool,
    /// Its state, in words.
    pub state: String,
}

impl From<DeviceRow> for LaptopView {
    fn from(d: DeviceRow) -> Self {
        Self {
            id: d.id,
            name: d.name,
            user_id: d.user_id,
            user: d.user_name,
            team: d.team_name,
            enrolled: when(d.enrolled_at),
            last_sync: d.last_sync.map_or_else(|| "Never".to_owned(), when),
            revoked: d.revoked_at.is_some(),
            state: d
                .revoked_at
                .map_or_else(|| "Active".to_owned(), |at| format!("Revoked {}", when(at))),
        }
    }
}

/// The list of laptops.
#[derive(Debug, Template)]
#[template(path = "console/laptops.html")]
pub struct LaptopsPage {
    /// The frame.
    pub frame: Frame,
    /// Every laptop.
    pub laptops: Vec<LaptopView>,
}

/// The confirmation before a laptop is revoked.
#[derive(Debug, Template)]
#[template(path = "console/revoke.html")]
pub struct RevokePage {
    /// The frame.
    pub frame: Frame,
    /// The session's CSRF token.
    pub csrf: String,
    /// The laptop.
    pub laptop: LaptopView,
}

//! The console's pages: askama templates (in `crates/hub/templates/console/`, checked at
//! compile time and HTML-escaped by default) and the view models they show. Forms show
//! their problems with the portal's [`Errors`] (a GOV.UK error summary and messages).

use askama::Template;

pub use crate::portal::pages::Errors;

use super::store::{AuditRow, DeviceRow, FirmRow, FirmUserRow, PersonRow, TeamRow};

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
    /// Whether the audit log is theirs to read.
    pub audit: bool,
    /// Whether people's requests about their data are theirs (the DPO).
    pub privacy: bool,
    /// Whether they read the partnership's reports.
    pub reports: bool,
}

/// What every page shows around its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The page's title (the `<title>` gets "Error: " in front when there are errors).
    pub title: String,
    /// The council's name.
    pub council: String,
    /// Whether the header shows the council's logo (`/console/assets/logo.png`).
    pub logo: bool,
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
    /// Whether the audit log is theirs to read.
    pub audit: bool,
    /// Whether the agency emails page is theirs (supervisors and administrators).
    pub emails: bool,
    /// Whether the record of processing is theirs to read (data protection officers and
    /// administrators).
    pub data_map: bool,
    /// How many agency emails failed at their last attempt (shown when above 0).
    pub emails_failing: i64,
    /// Whether people's requests about their data are theirs (the DPO).
    pub privacy: bool,
    /// Whether to warn that the hub's database is not encrypted at rest (administrators
    /// and data protection officers, on a plain SQLite hub).
    pub unencrypted_database: bool,
}

/// One agency notification email, for the supervisor's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailView {
    /// The referral it tells of.
    pub referral_id: String,
    /// The agency's name (or its id, when the directory no longer has it).
    pub agency: String,
    /// The mailbox it goes to.
    pub address: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Why the last attempt failed, or empty.
    pub last_error: String,
    /// When it is next tried, in words (empty once sent).
    pub next_attempt: String,
    /// When it was written, in words.
    pub created: String,
    /// When the relay accepted it, in words (empty until then).
    pub sent: String,
    /// Whether the form goes (or went) with it, in words.
    pub form: String,
}

/// The agency emails: those waiting or failing, and the latest sent.
#[derive(Debug, Template)]
#[template(path = "console/referral_emails.html")]
pub struct ReferralEmailsPage {
    /// The frame.
    pub frame: Frame,
    /// Whether `[mail]` is set (else nothing is being sent).
    pub mail_set_up: bool,
    /// Not sent yet, oldest first.
    pub waiting: Vec<EmailView>,
    /// How many of `waiting` failed at their last attempt.
    pub failing: usize,
    /// The latest sent, newest first.
    pub sent: Vec<EmailView>,
}

/// One field of a kind of record, as the record of processing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataMapRow {
    /// The field's name, or a pattern such as `answers.*`.
    pub field: String,
    /// What it is.
    pub what: String,
    /// What kind of data, in words.
    pub classification: &'static str,
    /// Who may see it, in words, joined.
    pub roles: String,
    /// The lawful basis, in words.
    pub basis: &'static str,
    /// The retention class, in words.
    pub retention: &'static str,
    /// Anything more, or empty.
    pub note: String,
}

/// One kind of record and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataMapKind {
    /// Its wire name (the table's id).
    pub entity: &'static str,
    /// Its name in words (the table's caption).
    pub label: &'static str,
    /// Its fields.
    pub rows: Vec<DataMapRow>,
}

/// The data map as the council's record of processing.
#[derive(Debug, Template)]
#[template(path = "console/data_map.html")]
pub struct DataMapPage {
    /// The frame.
    pub frame: Frame,
    /// Whether the council's own file is in use (else the one built into Doorstep).
    pub councils_own: bool,
    /// Every kind of record.
    pub kinds: Vec<DataMapKind>,
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
    /// Whether their role may sign in to the console (a contractor's may not).
    pub console_role: bool,
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
            console_role: super::access::may_sign_in(p.role),
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
    /// The email typed in the form that gives them console access.
    pub email: String,
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
    /// A QR code of it, for a camera, with what it holds in words beside it.
    pub qr: Option<Qr>,
}

/// A QR code drawn as inline SVG, and the same content as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qr {
    /// The `<svg>` element (`role="img"`, labelled), made here from text we wrote.
    pub svg: String,
    /// What it holds, as (label, value) lines beside it.
    pub lines: Vec<(String, String)>,
}

impl Qr {
    /// `text` as a QR code labelled `label` (the SVG's `aria-label` and `<title>`), or
    /// none when the text is too long for one.
    pub fn new(text: &str, label: &'static str, lines: Vec<(String, String)>) -> Option<Self> {
        let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
        let drawn = code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build();
        // The renderer writes an XML declaration first: inline, only the element is kept.
        let svg = &drawn[drawn.find("<svg")?..];
        let open_end = svg.find('>')?;
        let label = escape_attribute(label);
        let svg = format!(
            "<svg role=\"img\" aria-label=\"{label}\" class=\"app-qr\"{}><title>{label}</title>{}",
            &svg["<svg".len()..open_end],
            &svg[open_end + 1..]
        );
        Some(Self { svg, lines })
    }
}

/// `text` safe inside a double-quoted HTML attribute or an element.
fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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
    /// The version of Doorstep it runs, or "Unknown".
    pub app_version: String,
    /// Changes on the hub it has not pulled yet.
    pub changes_waiting: i64,
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
            app_version: d.app_version.unwrap_or_else(|| "Unknown".to_owned()),
            changes_waiting: d.changes_waiting,
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

/// The contractor firms: the list and the form to add one.
#[derive(Debug, Template)]
#[template(path = "console/firms.html")]
pub struct FirmsPage {
    /// The frame.
    pub frame: Frame,
    /// The session's CSRF token.
    pub csrf: String,
    /// Every firm.
    pub firms: Vec<FirmRow>,
    /// The new firm's id as typed.
    pub id: String,
    /// The new firm's name as typed.
    pub name: String,
    /// The directory's agencies not yet in the portal, `(id, name)`, for "Add an agency".
    pub agencies: Vec<(String, String)>,
}

/// One firm: its portal users and the form to add one.
#[derive(Debug, Template)]
#[template(path = "console/firm.html")]
pub struct FirmPage {
    /// The frame.
    pub frame: Frame,
    /// The session's CSRF token.
    pub csrf: String,
    /// The firm.
    pub firm: FirmRow,
    /// Its users.
    pub users: Vec<FirmUserRow>,
    /// The new user's name as typed.
    pub name: String,
    /// The new user's email as typed.
    pub email: String,
}

/// The audit log's filters as typed (shown again in the form and kept in page links).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct AuditQuery {
    /// A user's id or part of a name.
    pub person: Option<String>,
    /// A device's id.
    pub device: Option<String>,
    /// The kind of record.
    pub entity: Option<String>,
    /// The record's id.
    pub entity_id: Option<String>,
    /// The start of the action.
    pub action: Option<String>,
    /// From this day (YYYY-MM-DD).
    pub from: Option<String>,
    /// To this day (YYYY-MM-DD), inclusive.
    pub to: Option<String>,
    /// The page, from 1.
    pub page: Option<String>,
}

impl AuditQuery {
    /// A typed field, trimmed; absent is empty.
    pub fn field(value: Option<&String>) -> String {
        trimmed(value)
    }

    /// The query string of these filters (no page), `&`-separated and percent-encoded.
    pub fn filters_query(&self) -> String {
        query_string(&[
            ("person", &self.person),
            ("device", &self.device),
            ("entity", &self.entity),
            ("entity_id", &self.entity_id),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ])
    }
}

/// A typed field, trimmed; absent is empty.
fn trimmed(value: Option<&String>) -> String {
    value.map(|v| v.trim().to_owned()).unwrap_or_default()
}

/// The query string of the fields typed, `&`-separated and percent-encoded; empty ones left out.
fn query_string(pairs: &[(&str, &Option<String>)]) -> String {
    pairs
        .iter()
        .filter_map(|(name, value)| {
            let value = trimmed(value.as_ref());
            (!value.is_empty()).then(|| format!("{name}={}", url_encode(&value)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `text` percent-encoded for a query string (everything but letters and digits).
pub fn url_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// One audit log entry as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditView {
    /// When, in words (UTC).
    pub when: String,
    /// Who: their name, or their id.
    pub who: String,
    /// Their id, when there is a name.
    pub who_id: String,
    /// The laptop, if one.
    pub device: String,
    /// What.
    pub action: String,
    /// About which record: `kind id`.
    pub record: String,
    /// How it ended.
    pub outcome: String,
}

impl From<AuditRow> for AuditView {
    fn from(r: AuditRow) -> Self {
        let user_id = r.user_id.unwrap_or_default();
        let (who, who_id) = match r.user_name {
            Some(name) => (name, user_id),
            None => (user_id, String::new()),
        };
        let record = match (r.entity, r.entity_id) {
            (Some(entity), Some(id)) => format!("{entity} {id}"),
            (Some(entity), None) => entity,
            (None, Some(id)) => id,
            (None, None) => String::new(),
        };
        Self {
            when: chrono::DateTime::from_timestamp_millis(r.at)
                .map(|t| t.format("%-d %b %Y, %H:%M:%S").to_string())
                .unwrap_or_default(),
            who,
            who_id,
            device: r.device_id.unwrap_or_default(),
            action: r.action,
            record,
            outcome: r.outcome,
        }
    }
}

/// The audit log: the filters, one page of entries and the way to the others.
#[derive(Debug, Template)]
#[template(path = "console/audit.html")]
pub struct AuditPage {
    /// The frame.
    pub frame: Frame,
    /// The filters as typed.
    pub query: AuditQuery,
    /// Whether the filters were good (then the entries are shown).
    pub shown: bool,
    /// This page's entries.
    pub rows: Vec<AuditView>,
    /// The table's caption (how many, which page).
    pub caption: String,
    /// The previous page's link.
    pub previous: Option<String>,
    /// The next page's link.
    pub next: Option<String>,
    /// The CSV export of the same filters.
    pub csv_href: String,
}

impl AuditPage {
    /// The filter `name`'s value as typed, for the form.
    pub fn typed(&self, name: &str) -> String {
        let q = &self.query;
        let value = match name {
            "person" => &q.person,
            "device" => &q.device,
            "entity" => &q.entity,
            "entity_id" => &q.entity_id,
            "action" => &q.action,
            "from" => &q.from,
            "to" => &q.to,
            _ => &None,
        };
        AuditQuery::field(value.as_ref())
    }
}

/// The form that moves a household, and everything about it, to another team.
#[derive(Debug, Template)]
#[template(path = "console/move_household.html")]
pub struct MoveHouseholdPage {
    /// The frame.
    pub frame: Frame,
    /// The session's CSRF token.
    pub csrf: String,
    /// The household's id as typed.
    pub household: String,
    /// The teams to move it to.
    pub teams: Vec<Choice>,
}

/// The reports page's choices as typed (kept in every link and download of the page).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ReportQuery {
    /// A period's code from the list (`2026-27 Q1`).
    pub period: Option<String>,
    /// A period typed instead (`2026-04-01..2026-05-31`).
    pub custom: Option<String>,
    /// A team's id, or empty for every team the reader may see.
    pub team: Option<String>,
    /// A postcode district or sector, or an LSOA code.
    pub area: Option<String>,
    /// A scheme's id.
    pub scheme: Option<String>,
}

impl ReportQuery {
    /// A typed field, trimmed; absent is empty.
    pub fn field(value: Option<&String>) -> String {
        trimmed(value)
    }

    /// The query string of these choices, percent-encoded.
    pub fn query_string(&self) -> String {
        query_string(&[
            ("period", &self.period),
            ("custom", &self.custom),
            ("team", &self.team),
            ("area", &self.area),
            ("scheme", &self.scheme),
        ])
    }

    /// `path` with these choices.
    pub fn href(&self, path: &str) -> String {
        let q = self.query_string();
        if q.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{q}")
        }
    }
}

/// A group of the dashboard's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureGroup {
    /// Its heading.
    pub heading: String,
    /// Each measure's label and figure as shown.
    pub rows: Vec<(String, String)>,
}

/// A chart as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartView {
    /// Its id (anchors and the CSV's address).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its finding, in words.
    pub summary: String,
    /// The drawing (SVG built and escaped by the chart module).
    pub svg: String,
    /// The same values as a table.
    pub caption: String,
    /// The table's headers.
    pub headers: Vec<String>,
    /// The table's rows.
    pub rows: Vec<Vec<String>>,
    /// The CSV download.
    pub csv_href: String,
    /// Caveats printed beside it.
    pub caveats: Vec<String>,
}

/// A return the page offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLink {
    /// Its name.
    pub name: String,
    /// The spreadsheet.
    pub xlsx_href: String,
    /// The CSV.
    pub csv_href: String,
}

/// The reports dashboard.
#[derive(Debug, Template)]
#[template(path = "console/reports.html")]
pub struct ReportsPage {
    /// The frame.
    pub frame: Frame,
    /// The choices as typed.
    pub query: ReportQuery,
    /// The periods offered.
    pub periods: Vec<Choice>,
    /// The teams offered (empty for a supervisor, who sees their own).
    pub teams: Vec<Choice>,
    /// The schemes offered.
    pub schemes: Vec<Choice>,
    /// What the figures cover, in words, when they are shown.
    pub covers: Option<String>,
    /// The figures, by group.
    pub groups: Vec<FigureGroup>,
    /// The charts.
    pub charts: Vec<ChartView>,
    /// The caveats for the whole report.
    pub caveats: Vec<String>,
    /// What `[c]` means, and the threshold.
    pub suppression: String,
    /// The returns.
    pub returns: Vec<ReturnLink>,
    /// The board report.
    pub board_href: String,
    /// Council return files refused, with why (analysts and administrators).
    pub refused_returns: Vec<String>,
    /// Whether the reader may export a row per record, and load crime data.
    pub analyst: bool,
}

/// A person-level export: which table, and why.
#[derive(Debug, Template)]
#[template(path = "console/report_export.html")]
pub struct ReportExportPage {
    /// The frame.
    pub frame: Frame,
    /// The session's CSRF token.
    pub csrf: String,
    /// The tables offered.
    pub tables: Vec<Choice>,
    /// The periods offered.
    pub periods: Vec<Choice>,
    /// The reason as typed.
    pub reason: String,
}

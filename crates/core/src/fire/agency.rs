//! The referral agency directory: who takes referrals, how, how fast they should answer, what
//! the resident must agree to first, and what makes the app suggest each one.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::security::template::{LoadError, Template as SurveyTemplate, is_id, parse_toml};
use crate::validation;

use super::template::{CharlieTemplate, RiskLevel};

/// Longest expected response, so a typo like 500 days is caught at load.
const MAX_WORKING_DAYS: u32 = 60;
/// Longest expected response in hours.
const MAX_HOURS: u32 = 24 * 30;

stored_enum!(
    /// What kind of help an agency gives; the domestic abuse kind is never suggested from other answers.
    AgencyKind {
        /// Fire and rescue Safe and Well visits.
        FireSafeAndWell => "fire_safe_and_well",
        /// Support after a crime.
        VictimCare => "victim_care",
        /// Domestic abuse support.
        DomesticAbuse => "domestic_abuse",
        /// Drug and alcohol services.
        SubstanceMisuse => "substance_misuse",
        /// Debt and citizens advice.
        DebtAdvice => "debt_advice",
        /// Adult social care.
        AdultSocialCare => "adult_social_care",
        /// Falls prevention.
        Falls => "falls",
        /// Warmth and cold homes.
        Warmth => "warmth",
        /// Anything else.
        Other => "other",
    }
);

stored_enum!(
    /// What a resident's consent covers (docs/domain.md#consent-and-lawful-basis); consent is recorded per purpose.
    ConsentPurpose {
        /// The visit itself.
        Visit => "visit",
        /// Sharing details with the fire and rescue service.
        ShareWithFire => "share_with_fire",
        /// Sharing with health and social care.
        ShareWithHealth => "share_with_health",
        /// Sharing with voluntary and support services.
        ShareWithSupport => "share_with_support",
        /// Being contacted again to follow up.
        FollowUp => "follow_up",
    }
);

impl ConsentPurpose {
    /// True for the purposes that send details to another organisation.
    pub fn is_sharing(self) -> bool {
        matches!(
            self,
            Self::ShareWithFire | Self::ShareWithHealth | Self::ShareWithSupport
        )
    }

    /// Plain words for messages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Visit => "the visit",
            Self::ShareWithFire => "sharing with the fire service",
            Self::ShareWithHealth => "sharing with health and social care",
            Self::ShareWithSupport => "sharing with support services",
            Self::FollowUp => "follow-up contact",
        }
    }
}

stored_enum!(
    /// How an agency takes referrals.
    ReferralMethod {
        /// By email.
        Email => "email",
        /// By phone.
        Phone => "phone",
        /// Through a web portal.
        Portal => "portal",
    }
);

stored_enum!(
    /// How soon a referral needs a response.
    Urgency {
        /// The agency's usual time.
        Routine => "routine",
        /// Sooner than usual.
        Soon => "soon",
        /// Within a day.
        Urgent => "urgent",
    }
);

/// How soon an agency should acknowledge a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ResponseTime {
    /// Monday to Friday days; bank holidays are not known to core, so are counted.
    WorkingDays(u32),
    /// Clock hours.
    Hours(u32),
}

impl ResponseTime {
    /// When a response is due for something sent at `from`.
    pub fn due(self, from: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Self::Hours(h) => from + Duration::hours(i64::from(h)),
            Self::WorkingDays(n) => {
                let mut due = from;
                let mut left = n;
                while left > 0 {
                    due += Duration::days(1);
                    if !matches!(due.weekday(), Weekday::Sat | Weekday::Sun) {
                        left -= 1;
                    }
                }
                due
            }
        }
    }

    fn check(self, context: &str, problems: &mut Vec<String>) {
        let ok = match self {
            Self::WorkingDays(n) => (1..=MAX_WORKING_DAYS).contains(&n),
            Self::Hours(n) => (1..=MAX_HOURS).contains(&n),
        };
        if !ok {
            problems.push(format!(
                "{context}: response must be 1 to {MAX_WORKING_DAYS} working days or 1 to {MAX_HOURS} hours"
            ));
        }
    }
}

/// What makes the app suggest an agency; any one match is enough.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct SuggestWhen {
    /// CHARLIE factors that count as present.
    #[serde(default)]
    pub factors: Vec<String>,
    /// CHARLIE hazards ticked.
    #[serde(default)]
    pub flags: Vec<String>,
    /// Home security survey weaknesses found.
    #[serde(default)]
    pub weaknesses: Vec<String>,
    /// The CHARLIE referral threshold is met.
    #[serde(default)]
    pub referral_threshold: bool,
    /// A floor is without a working smoke alarm.
    #[serde(default)]
    pub no_working_alarm: bool,
}

impl SuggestWhen {
    fn is_empty(&self) -> bool {
        self.factors.is_empty()
            && self.flags.is_empty()
            && self.weaknesses.is_empty()
            && !self.referral_threshold
            && !self.no_working_alarm
    }
}

/// One agency that takes referrals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    /// Stable id stored with each referral.
    pub id: String,
    /// Name shown to the officer.
    pub name: String,
    /// What kind of help it gives.
    pub kind: AgencyKind,
    /// What the resident must agree to before details are shared with it.
    pub purpose: ConsentPurpose,
    /// How it takes referrals.
    pub method: ReferralMethod,
    /// The email address, phone number or portal link.
    pub contact: String,
    /// The mailbox the hub tells of each new referral in the agency's inbox (the email
    /// says only that one is waiting, and where); none means the agency's people watch
    /// the inbox themselves.
    #[serde(default)]
    pub notify: Option<String>,
    /// The notify address is a secure one (the council's secure email service or its
    /// equivalent), so the hub may attach the referral form itself.
    #[serde(default)]
    pub secure_email: bool,
    /// How soon it should acknowledge a referral.
    pub response: ResponseTime,
    /// What it helps with, in plain words.
    pub takes: String,
    /// What makes the app suggest it.
    #[serde(default)]
    pub suggest_when: SuggestWhen,
}

/// Which CHARLIE levels suggest a faster referral, and how much faster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct UrgencyPolicy {
    /// Expected response for a "soon" referral, when shorter than the agency's own.
    pub soon: ResponseTime,
    /// Expected response for an "urgent" referral, when shorter than the agency's own.
    pub urgent: ResponseTime,
    /// CHARLIE level from which "soon" is suggested.
    pub soon_from_level: RiskLevel,
    /// CHARLIE level from which "urgent" is suggested.
    pub urgent_from_level: RiskLevel,
}

impl UrgencyPolicy {
    /// The urgency to suggest for a CHARLIE level.
    pub fn suggest(&self, level: RiskLevel) -> Urgency {
        if level.rank() >= self.urgent_from_level.rank() {
            Urgency::Urgent
        } else if level.rank() >= self.soon_from_level.rank() {
            Urgency::Soon
        } else {
            Urgency::Routine
        }
    }
}

/// The directory: every agency and the urgency policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct AgencyDirectory {
    /// Version of the file, for the audit trail.
    pub version: u32,
    /// How urgency changes response times.
    pub urgency: UrgencyPolicy,
    /// The agencies, in display order.
    pub agencies: Vec<Agency>,
}

impl AgencyDirectory {
    /// Parses and checks the directory; an invalid one is refused with every problem found.
    pub fn from_toml(text: &str) -> Result<Self, LoadError> {
        let directory: Self = parse_toml(text)?;
        let mut problems = Vec::new();
        directory.check(text, &mut problems);
        if problems.is_empty() {
            Ok(directory)
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    /// The agency with this id.
    pub fn agency(&self, id: &str) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.id == id)
    }

    /// When a referral sent at `sent_at` with this urgency should have been acknowledged.
    pub fn due_at(
        &self,
        agency: &Agency,
        urgency: Urgency,
        sent_at: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let own = agency.response.due(sent_at);
        let faster = match urgency {
            Urgency::Routine => None,
            Urgency::Soon => Some(self.urgency.soon.due(sent_at)),
            Urgency::Urgent => Some(self.urgency.urgent.due(sent_at)),
        };
        // Urgency only ever shortens the wait; a slow urgency setting must not delay a fast agency.
        faster.map_or(own, |f| f.min(own))
    }

    /// Checks every suggestion rule names a real factor, flag or survey weakness.
    pub fn check_against(
        &self,
        charlie: &CharlieTemplate,
        survey: &SurveyTemplate,
    ) -> Result<(), LoadError> {
        let mut problems = Vec::new();
        for a in &self.agencies {
            let s = &a.suggest_when;
            for f in s.factors.iter().filter(|f| charlie.factor(f).is_none()) {
                problems.push(format!("agency \"{}\": no CHARLIE factor \"{f}\"", a.id));
            }
            for f in s.flags.iter().filter(|f| charlie.flag(f).is_none()) {
                problems.push(format!("agency \"{}\": no CHARLIE hazard \"{f}\"", a.id));
            }
            for w in s.weaknesses.iter().filter(|w| survey.weakness(w).is_none()) {
                problems.push(format!("agency \"{}\": no survey weakness \"{w}\"", a.id));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    fn check(&self, text: &str, problems: &mut Vec<String>) {
        if self.version == 0 {
            problems.push("version must be 1 or more".into());
        }
        self.urgency.soon.check("urgency.soon", problems);
        self.urgency.urgent.check("urgency.urgent", problems);
        if self.urgency.soon_from_level.rank() > self.urgency.urgent_from_level.rank() {
            problems.push("urgency: soon_from_level must not be above urgent_from_level".into());
        }
        if self.agencies.is_empty() {
            problems.push("there must be at least one agency".into());
        }
        let mut ids = BTreeSet::new();
        for (index, a) in self.agencies.iter().enumerate() {
            let context = format!("agency \"{}\"", a.id);
            let line = |key: &str| {
                line_of_key(text, index, key).map_or_else(String::new, |n| format!("line {n}: "))
            };
            if !is_id(&a.id) {
                problems.push(format!("{context}: id must be snake_case"));
            }
            if !ids.insert(a.id.as_str()) {
                problems.push(format!("{context}: id is used twice"));
            }
            if a.name.trim().is_empty() || a.takes.trim().is_empty() {
                problems.push(format!("{context}: name and takes must not be blank"));
            }
            if !a.purpose.is_sharing() {
                problems.push(format!(
                    "{context}: purpose must be share_with_fire, share_with_health or share_with_support"
                ));
            }
            let contact_ok = match a.method {
                ReferralMethod::Email => validation::email(&a.contact).is_ok(),
                ReferralMethod::Phone => validation::phone(&a.contact).is_ok(),
                ReferralMethod::Portal => {
                    a.contact.starts_with("https://") && !a.contact.contains(char::is_whitespace)
                }
            };
            if !contact_ok {
                problems.push(format!(
                    "{}{context}: contact \"{}\" is not a valid {}",
                    line("contact"),
                    a.contact,
                    match a.method {
                        ReferralMethod::Email => "email address",
                        ReferralMethod::Phone => "UK phone number",
                        ReferralMethod::Portal => "https:// link",
                    }
                ));
            }
            if let Some(notify) = &a.notify
                && validation::email(notify).is_err()
            {
                problems.push(format!(
                    "{}{context}: notify \"{notify}\" is not a valid email address; the hub could not tell the agency of its referrals",
                    line("notify")
                ));
            }
            if a.secure_email && a.notify.is_none() {
                problems.push(format!(
                    "{}{context}: secure_email needs a notify address to send the form to",
                    line("secure_email")
                ));
            }
            a.response.check(&context, problems);
            // Domestic abuse is highest-harm (docs/domain.md#sensitive-data): inferring it from other answers could
            // put a resident in danger, so only an officer with the resident may choose it.
            if a.kind == AgencyKind::DomesticAbuse && !a.suggest_when.is_empty() {
                problems.push(format!(
                    "{context}: a domestic abuse agency must never be suggested from other answers; remove suggest_when"
                ));
            }
        }
    }
}

/// The line (from 1) of `key = …` in the `index`th `[[agencies]]` table of the file, so a
/// refused entry names the line to fix.
fn line_of_key(text: &str, index: usize, key: &str) -> Option<usize> {
    let mut table = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line == "[[agencies]]" {
            table = Some(table.map_or(0, |t| t + 1));
        } else if table == Some(index)
            && line
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return Some(n + 1);
        }
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::template::tests::real as charlie;
    use super::*;
    use chrono::TimeZone;
    use rstest::rstest;

    const REAL: &str = include_str!("../../../../assets/agencies.toml");
    const SURVEY: &str = include_str!("../../../../assets/templates/home-security-survey.toml");

    /// The shipped directory, parsed.
    pub(crate) fn directory() -> AgencyDirectory {
        AgencyDirectory::from_toml(REAL).expect("the shipped agency directory must load")
    }

    fn utc(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0)
            .single()
            .expect("valid date")
    }

    #[test]
    fn the_real_directory_loads_and_agrees_with_the_templates() {
        let d = directory();
        let survey = SurveyTemplate::from_toml(SURVEY).expect("the shipped survey loads");
        d.check_against(&charlie(), &survey)
            .expect("every suggestion rule must name a real factor, hazard or weakness");
        for kind in [
            AgencyKind::FireSafeAndWell,
            AgencyKind::VictimCare,
            AgencyKind::DomesticAbuse,
            AgencyKind::SubstanceMisuse,
            AgencyKind::DebtAdvice,
            AgencyKind::AdultSocialCare,
            AgencyKind::Falls,
            AgencyKind::Warmth,
        ] {
            assert!(
                d.agencies.iter().any(|a| a.kind == kind),
                "the directory needs a {kind:?} agency"
            );
        }
        for a in &d.agencies {
            assert!(
                a.contact.contains("example.org") || a.contact.starts_with("0115 496 0"),
                "{}: demo contacts must be fictional (example.org or Ofcom drama numbers)",
                a.id
            );
        }
    }

    #[rstest]
    // 2026-03-02 is a Monday.
    #[case(ResponseTime::WorkingDays(1), utc(2, 9), utc(3, 9))]
    #[case(ResponseTime::WorkingDays(5), utc(2, 9), utc(9, 9))]
    // Friday + 1 working day is Monday.
    #[case(ResponseTime::WorkingDays(1), utc(6, 9), utc(9, 9))]
    // Saturday + 1 working day is Monday.
    #[case(ResponseTime::WorkingDays(1), utc(7, 9), utc(9, 9))]
    #[case(ResponseTime::Hours(24), utc(6, 9), utc(7, 9))]
    fn response_times_skip_weekends(
        #[case] response: ResponseTime,
        #[case] sent: DateTime<Utc>,
        #[case] due: DateTime<Utc>,
    ) {
        assert_eq!(response.due(sent), due, "{response:?} from {sent}");
    }

    #[test]
    fn urgency_only_ever_shortens_the_wait() {
        let d = directory();
        let fire = d.agency("fire_safe_and_well").expect("fire agency");
        let da = d.agency("domestic_abuse_support").expect("DA agency");
        assert_eq!(
            d.due_at(fire, Urgency::Routine, utc(2, 9)),
            utc(9, 9),
            "5 working days"
        );
        assert_eq!(
            d.due_at(fire, Urgency::Soon, utc(2, 9)),
            utc(4, 9),
            "2 working days"
        );
        assert_eq!(
            d.due_at(fire, Urgency::Urgent, utc(2, 9)),
            utc(3, 9),
            "24 hours"
        );
        assert_eq!(
            d.due_at(da, Urgency::Soon, utc(2, 9)),
            utc(3, 9),
            "soon must not slow a 24h agency"
        );
    }

    #[rstest]
    #[case(RiskLevel::Low, Urgency::Routine)]
    #[case(RiskLevel::Medium, Urgency::Routine)]
    #[case(RiskLevel::High, Urgency::Soon)]
    #[case(RiskLevel::VeryHigh, Urgency::Urgent)]
    fn urgency_follows_the_charlie_level(#[case] level: RiskLevel, #[case] urgency: Urgency) {
        assert_eq!(
            directory().urgency.suggest(level),
            urgency,
            "policy in agencies.toml"
        );
    }

    #[rstest]
    #[case(
        "[agencies.suggest_when]\nweaknesses = [\"entry_door_forced\"]",
        "takes = \"Independent",
        "never be suggested"
    )]
    #[case(
        "contact = \"0115 496 0789\"",
        "contact = \"call us\"",
        "not a valid UK phone number"
    )]
    #[case(
        "contact = \"safeandwell@fire.example.org\"",
        "contact = \"safeandwell\"",
        "not a valid email"
    )]
    #[case(
        "response = { working_days = 10 }",
        "response = { working_days = 0 }",
        "response must be"
    )]
    #[case(
        "purpose = \"share_with_fire\"",
        "purpose = \"visit\"",
        "purpose must be"
    )]
    #[case("id = \"debt_advice\"", "id = \"victim_care\"", "used twice")]
    #[case(
        "notify = \"safeandwell@fire.example.org\"",
        "notify = \"safeandwell at fire\"",
        "line 46: agency \"fire_safe_and_well\": notify \"safeandwell at fire\" is not a valid email"
    )]
    #[case(
        "contact = \"0115 496 0123\"",
        "contact = \"ring us\"",
        "line 61: agency \"victim_care\": contact"
    )]
    #[case("urgent = { hours = 24 }", "urgent = { days = 1 }", "line")]
    fn broken_directories_are_refused_with_the_reason(
        #[case] from: &str,
        #[case] to: &str,
        #[case] reason: &str,
    ) {
        assert!(REAL.contains(from), "the test edit must apply: {from}");
        let text = if from.starts_with("[agencies.suggest_when]") {
            // Move victim care's rule onto the DA agency, which follows "takes" in the file.
            let da = REAL.find("takes = \"Independent").expect("DA entry");
            let end = REAL[da..].find('\n').map_or(REAL.len(), |n| da + n);
            format!("{}\n{from}\n{}", &REAL[..end], &REAL[end..])
        } else {
            REAL.replacen(from, to, 1)
        };
        let err =
            AgencyDirectory::from_toml(&text).expect_err("a broken directory must be refused");
        assert!(
            err.to_string().contains(reason),
            "expected {reason:?} in {err}"
        );
    }

    #[test]
    fn suggestion_rules_must_name_real_things() {
        let d = AgencyDirectory::from_toml(&REAL.replacen(
            "factors = [\"reduced_mobility\"]",
            "factors = [\"mobility\"]",
            1,
        ))
        .expect("the shape is fine");
        let survey = SurveyTemplate::from_toml(SURVEY).expect("the shipped survey loads");
        let err = d
            .check_against(&charlie(), &survey)
            .expect_err("unknown factor");
        assert!(
            err.to_string().contains("no CHARLIE factor \"mobility\""),
            "name it: {err}"
        );
    }
}

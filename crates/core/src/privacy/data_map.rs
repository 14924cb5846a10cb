//! The data map: every field of every kind of record that syncs, classified (personal,
//! special category, criminal offence, none), with the roles that may see it, the lawful
//! basis for holding it and the retention class a schedule will keep it by. It is the
//! council's record of processing: `assets/data-map.toml` ships with Doorstep, and a
//! council may use its own (`reference/data-map.toml`, or the hub's
//! `DOORSTEP_HUB_DATA_MAP`).
//!
//! A record kind gives the roles, basis and retention class its fields share; a field may
//! say otherwise. A field is named exactly (`crime_ref`) or by a pattern ending in `.*`
//! (`answers.*`, every survey answer), and an exact name beats a pattern, so the survey's
//! sensitive items are classified one by one over a default for the rest.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::Role;

stored_enum!(
    /// What kind of data a field holds, in the law's terms.
    Classification {
        /// About an identifiable person (UK GDPR Article 4(1)).
        Personal => "personal",
        /// Special category data (Article 9): health, disability, ethnicity and the like.
        /// Domestic abuse is classified here too: not a category in itself, but highest-harm.
        SpecialCategory => "special_category",
        /// Criminal offence data (Article 10): crimes, crime references, what was done.
        CriminalOffence => "criminal_offence",
        /// Not about a person: ids, versions, settings.
        None => "none",
    }
);

impl Classification {
    /// The classification as the record of processing names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Personal => "Personal data",
            Self::SpecialCategory => "Special category data",
            Self::CriminalOffence => "Criminal offence data",
            Self::None => "Not personal data",
        }
    }
}

stored_enum!(
    /// The lawful basis a field is held on: the Article 6 basis, and for special category
    /// and criminal offence data the Article 9 or 10 condition with its DPA 2018 Schedule 1
    /// paragraph. Closed, so a typing slip in a council's file is refused, not published.
    LawfulBasis {
        /// Article 6(1)(e): a task in the public interest or in the council's official
        /// authority (crime and disorder duties, fire safety).
        PublicTask => "public_task",
        /// Article 6(1)(c): a legal obligation.
        LegalObligation => "legal_obligation",
        /// Article 6(1)(d): to protect someone's life.
        VitalInterests => "vital_interests",
        /// Article 6(1)(a): the person's consent (rarely right for a public authority).
        Consent => "consent",
        /// Article 6(1)(e) with Article 9(2)(g), substantial public interest, on DPA 2018
        /// Schedule 1 paragraph 6: statutory and government purposes.
        SpecialCategoryStatutory => "special_category_statutory",
        /// Article 6(1)(e) with Article 9(2)(g), substantial public interest, on DPA 2018
        /// Schedule 1 paragraph 18: safeguarding of children and individuals at risk.
        SpecialCategorySafeguarding => "special_category_safeguarding",
        /// Article 6(1)(e) with Article 10, on DPA 2018 Schedule 1 paragraph 10:
        /// preventing or detecting unlawful acts.
        CriminalOffenceUnlawfulActs => "criminal_offence_unlawful_acts",
        /// Not personal data: no lawful basis is needed.
        NotPersonal => "not_personal",
    }
);

impl LawfulBasis {
    /// The basis as the record of processing states it.
    pub fn label(self) -> &'static str {
        match self {
            Self::PublicTask => "Public task: UK GDPR Article 6(1)(e)",
            Self::LegalObligation => "Legal obligation: UK GDPR Article 6(1)(c)",
            Self::VitalInterests => "Vital interests: UK GDPR Article 6(1)(d)",
            Self::Consent => "Consent: UK GDPR Article 6(1)(a)",
            Self::SpecialCategoryStatutory => {
                "Public task, Article 6(1)(e); substantial public interest, Article 9(2)(g), \
                 DPA 2018 Schedule 1 paragraph 6 (statutory and government purposes)"
            }
            Self::SpecialCategorySafeguarding => {
                "Public task, Article 6(1)(e); substantial public interest, Article 9(2)(g), \
                 DPA 2018 Schedule 1 paragraph 18 (safeguarding of individuals at risk)"
            }
            Self::CriminalOffenceUnlawfulActs => {
                "Public task, Article 6(1)(e); Article 10, DPA 2018 Schedule 1 paragraph 10 \
                 (preventing or detecting unlawful acts)"
            }
            Self::NotPersonal => "Not personal data: no lawful basis needed",
        }
    }

    /// Whether it carries an Article 9 condition, as special category data needs.
    pub fn covers_special_category(self) -> bool {
        matches!(
            self,
            Self::SpecialCategoryStatutory | Self::SpecialCategorySafeguarding
        )
    }

    /// Whether it carries an Article 10 condition, as criminal offence data needs.
    pub fn covers_criminal_offence(self) -> bool {
        matches!(self, Self::CriminalOffenceUnlawfulActs)
    }
}

stored_enum!(
    /// The classes of record a retention schedule keeps for a period each: every field
    /// belongs to one, and a schedule names the class, never a table.
    RetentionClass {
        /// The home's address and where it is.
        Household => "household",
        /// The residents: names, contact details, dates of birth.
        Resident => "resident",
        /// Visits: who called, when, and what happened.
        Visit => "visit",
        /// Home security surveys and their answers.
        Survey => "survey",
        /// Plans and the resident's signature agreeing to them.
        PlanAndSignature => "plan_and_signature",
        /// Cocoons: the neighbours' doors around a burgled home.
        Cocoon => "cocoon",
        /// CHARLIE fire-risk checks.
        CharlieCheck => "charlie_check",
        /// Referrals to partner agencies, with consent and basis.
        Referral => "referral",
        /// Days of action: the day and its list of doors.
        DayOfAction => "day_of_action",
        /// What happened at each door on a day of action.
        DayOfActionKnocks => "day_of_action_knocks",
        /// Contractors' work orders.
        WorkOrder => "work_order",
        /// Photos and signatures (the files, kept once by their hash).
        Attachments => "attachments",
        /// Sync conflicts for a supervisor to decide, with both values.
        Conflict => "conflict",
        /// The hub's audit log.
        AuditLog => "audit_log",
    }
);

impl RetentionClass {
    /// The class in words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Household => "Households",
            Self::Resident => "Residents",
            Self::Visit => "Visits",
            Self::Survey => "Home security surveys",
            Self::PlanAndSignature => "Plans and signatures",
            Self::Cocoon => "Cocoons",
            Self::CharlieCheck => "CHARLIE checks",
            Self::Referral => "Referrals",
            Self::DayOfAction => "Days of action",
            Self::DayOfActionKnocks => "Day of action door knocks",
            Self::WorkOrder => "Work orders",
            Self::Attachments => "Photos and signatures",
            Self::Conflict => "Sync conflicts",
            Self::AuditLog => "Audit log",
        }
    }
}

/// Every kind of record that syncs, by wire name, with its name in words, in the sync
/// protocol's order (the hub's tests keep the two lists equal).
pub const RECORD_KINDS: &[(&str, &str)] = &[
    ("household", "Households"),
    ("person", "Residents"),
    ("visit", "Visits"),
    ("survey", "Home security surveys"),
    ("survey_photo", "Survey photos"),
    ("plan", "Plans"),
    ("cocoon", "Cocoons"),
    ("cocoon_target", "Cocoon doors"),
    ("charlie_check", "CHARLIE checks"),
    ("referral", "Referrals"),
    ("day_of_action", "Days of action"),
    ("day_door", "Doors on a day of action"),
    ("door_knock", "Door knocks"),
    ("conflict", "Sync conflicts"),
    ("work_order", "Work orders"),
];

/// One field (or every field a pattern matches) of a kind of record, classified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The field's name, or a pattern ending in `.*`.
    pub field: String,
    /// What it is, in words.
    pub what: String,
    /// What kind of data it is.
    pub classification: Classification,
    /// Who may see it.
    pub roles: Vec<Role>,
    /// Why the council may hold it.
    pub basis: LawfulBasis,
    /// How long it is kept, by class.
    pub retention: RetentionClass,
    /// Anything more the record of processing should say.
    pub note: Option<String>,
    /// Whether an anonymised record keeps it as one of the partnership's figures (a plan's
    /// tier, a visit's date): once the person it was about is gone, it identifies no one.
    pub figure: bool,
    /// Where it is in the file (from 1).
    pub line: usize,
}

impl Entry {
    /// Whether this entry is a pattern (`answers.*`) rather than one field.
    pub fn is_pattern(&self) -> bool {
        self.field.ends_with(".*")
    }

    /// Whether it covers `field`: by name, or as a pattern by prefix.
    pub fn covers(&self, field: &str) -> bool {
        match self.field.strip_suffix('*') {
            Some(prefix) => field.len() > prefix.len() && field.starts_with(prefix),
            None => self.field == field,
        }
    }
}

/// One kind of record and its fields, in the order the file gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordKind {
    /// Its wire name.
    pub entity: &'static str,
    /// Its name in words.
    pub label: &'static str,
    /// The retention class its records are kept by.
    pub retention: RetentionClass,
    /// Its fields.
    pub entries: Vec<Entry>,
}

/// The data map: every kind of record, in [`RECORD_KINDS`] order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataMap {
    records: Vec<RecordKind>,
}

/// One thing wrong with a data map file, and the line to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line (from 1).
    pub line: usize,
    /// What is wrong and what would be right.
    pub reason: String,
}

/// Why a data map was refused: every problem found, each with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.iter().map(|p| format!("line {}: {}", p.line, p.reason)).collect::<Vec<_>>().join("; "))]
pub struct DataMapError {
    /// The problems, in file order.
    pub problems: Vec<Problem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    record: BTreeMap<Spanned<String>, Spanned<RawRecord>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    roles: Vec<Role>,
    basis: LawfulBasis,
    retention: RetentionClass,
    fields: BTreeMap<Spanned<String>, Spanned<RawField>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    what: String,
    classification: Classification,
    roles: Option<Vec<Role>>,
    basis: Option<LawfulBasis>,
    retention: Option<RetentionClass>,
    note: Option<String>,
    figure: Option<bool>,
}

/// Whether `name` can name a field: lower-case letters, digits, `_` and `.`, or a pattern
/// of those ending in `.*`.
fn field_name_problem(name: &str) -> Option<String> {
    let plain = name.strip_suffix(".*").unwrap_or(name);
    let good = !plain.is_empty()
        && !plain.starts_with('.')
        && !plain.ends_with('.')
        && !plain.contains("..")
        && plain
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
    (!good).then(|| {
        format!(
            "field \"{name}\" must be a field name (lower-case letters, digits, _ and .) or a \
             pattern ending in .* such as \"answers.*\""
        )
    })
}

/// Whether `basis` is one `classification` may rest on.
fn basis_problem(classification: Classification, basis: LawfulBasis) -> Option<&'static str> {
    match classification {
        Classification::SpecialCategory if !basis.covers_special_category() => Some(
            "special category data needs an Article 9 condition: basis \
             \"special_category_statutory\" or \"special_category_safeguarding\"",
        ),
        Classification::CriminalOffence if !basis.covers_criminal_offence() => Some(
            "criminal offence data needs an Article 10 condition: basis \
             \"criminal_offence_unlawful_acts\"",
        ),
        Classification::Personal if basis == LawfulBasis::NotPersonal => Some(
            "personal data needs a lawful basis: \"not_personal\" is only for fields that \
             are not about a person",
        ),
        _ => None,
    }
}

impl DataMap {
    /// Reads a data map file, refusing it with every problem and its line: TOML that does
    /// not parse, an unknown record kind, classification, role, basis or retention class,
    /// a kind of record left out, a field that says nothing about itself or is seen by no
    /// one, and a basis that does not cover the field's classification.
    pub fn from_toml(text: &str) -> Result<Self, DataMapError> {
        let raw: RawMap =
            super::parse_file(text).map_err(|p| DataMapError { problems: vec![p] })?;
        let mut problems = Vec::new();
        let mut records = Vec::new();
        for key in raw.record.keys() {
            if !RECORD_KINDS
                .iter()
                .any(|(e, _)| *e == key.get_ref().as_str())
            {
                problems.push(Problem {
                    line: super::line_at(text, key.span().start),
                    reason: format!(
                        "record kind \"{}\" is not one Doorstep syncs (one of {})",
                        key.get_ref(),
                        RECORD_KINDS
                            .iter()
                            .map(|(e, _)| *e)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        for (entity, label) in RECORD_KINDS {
            let Some((key, record)) = raw
                .record
                .iter()
                .find(|(k, _)| k.get_ref().as_str() == *entity)
            else {
                problems.push(Problem {
                    line: 1,
                    reason: format!(
                        "record kind \"{entity}\" is missing: every kind of record that syncs \
                         must be classified ([record.{entity}])"
                    ),
                });
                continue;
            };
            let record_line = super::line_at(text, key.span().start);
            let record = record.get_ref();
            if record.roles.is_empty() {
                problems.push(Problem {
                    line: record_line,
                    reason: format!("record kind \"{entity}\": roles must name at least one role"),
                });
            }
            if record.fields.is_empty() {
                problems.push(Problem {
                    line: record_line,
                    reason: format!("record kind \"{entity}\" has no fields"),
                });
            }
            let mut entries = Vec::new();
            for (name, field) in &record.fields {
                let line = super::line_at(text, name.span().start);
                let name = name.get_ref();
                let raw = field.get_ref();
                let mut problem = |reason: String| {
                    problems.push(Problem {
                        line,
                        reason: format!("{entity}.{name}: {reason}"),
                    });
                };
                if let Some(reason) = field_name_problem(name) {
                    problem(reason);
                }
                if raw.what.trim().is_empty() {
                    problem("what must say what the field is".to_owned());
                }
                let roles = raw.roles.clone().unwrap_or_else(|| record.roles.clone());
                if roles.is_empty() {
                    problem("roles must name at least one role".to_owned());
                }
                let mut seen = Vec::new();
                for role in &roles {
                    if seen.contains(role) {
                        problem(format!("role \"{}\" is listed twice", role.as_str()));
                    }
                    seen.push(*role);
                }
                let figure = raw.figure.unwrap_or(false);
                if figure
                    && matches!(
                        raw.classification,
                        Classification::SpecialCategory | Classification::CriminalOffence
                    )
                {
                    problem(format!(
                        "{} data cannot be kept as a figure once anonymised: remove figure = true",
                        raw.classification
                            .label()
                            .to_lowercase()
                            .trim_end_matches(" data")
                    ));
                }
                let basis = raw.basis.unwrap_or(record.basis);
                if let Some(reason) = basis_problem(raw.classification, basis) {
                    problem(format!(
                        "{} (it is {}, basis \"{}\")",
                        reason,
                        raw.classification.as_str(),
                        basis.as_str()
                    ));
                }
                entries.push(Entry {
                    field: name.clone(),
                    what: raw.what.trim().to_owned(),
                    classification: raw.classification,
                    roles,
                    basis,
                    retention: raw.retention.unwrap_or(record.retention),
                    note: raw
                        .note
                        .as_ref()
                        .map(|n| n.trim().to_owned())
                        .filter(|n| !n.is_empty()),
                    figure,
                    line,
                });
            }
            // The file's order is the reader's: fields come out as they were written.
            entries.sort_by_key(|e| e.line);
            records.push(RecordKind {
                entity,
                label,
                retention: record.retention,
                entries,
            });
        }
        if problems.is_empty() {
            Ok(Self { records })
        } else {
            problems.sort_by_key(|p| p.line);
            Err(DataMapError { problems })
        }
    }

    /// Every kind of record, in [`RECORD_KINDS`] order.
    pub fn records(&self) -> &[RecordKind] {
        &self.records
    }

    /// The kind of record with this wire name.
    pub fn record(&self, entity: &str) -> Option<&RecordKind> {
        self.records.iter().find(|r| r.entity == entity)
    }

    /// The entry that classifies `field` of `entity` records: its own, or else the longest
    /// pattern that covers it.
    pub fn classify(&self, entity: &str, field: &str) -> Option<&Entry> {
        let record = self.record(entity)?;
        record
            .entries
            .iter()
            .find(|e| !e.is_pattern() && e.field == field)
            .or_else(|| {
                record
                    .entries
                    .iter()
                    .filter(|e| e.is_pattern() && e.covers(field))
                    .max_by_key(|e| e.field.len())
            })
    }

    /// The retention class records of `entity` are kept by.
    pub fn class_of(&self, entity: &str) -> Option<RetentionClass> {
        self.record(entity).map(|r| r.retention)
    }

    /// Of `fields` of `entity` records, those no entry classifies, as `entity.field`.
    pub fn unclassified<'a>(
        &self,
        entity: &str,
        fields: impl IntoIterator<Item = &'a str>,
    ) -> Vec<String> {
        fields
            .into_iter()
            .filter(|f| self.classify(entity, f).is_none())
            .map(|f| format!("{entity}.{f}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::built_in;
    use crate::security::Template;

    fn shipped() -> DataMap {
        DataMap::from_toml(built_in::DATA_MAP.1).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_shipped_map_loads_and_classifies_every_kind_of_record() {
        let map = shipped();
        let kinds: Vec<&str> = map.records().iter().map(|r| r.entity).collect();
        let want: Vec<&str> = RECORD_KINDS.iter().map(|(e, _)| *e).collect();
        assert_eq!(kinds, want, "every kind, in protocol order");
        for record in map.records() {
            assert!(!record.entries.is_empty(), "{} has fields", record.entity);
        }
    }

    #[test]
    fn the_surveys_sensitive_items_are_classified_over_the_default() {
        let map = shipped();
        let class = |field: &str| map.classify("survey", field).map(|e| e.classification);
        assert_eq!(
            class("answers.crime_ref"),
            Some(Classification::CriminalOffence)
        );
        assert_eq!(
            class("answers.disability_or_mobility"),
            Some(Classification::SpecialCategory)
        );
        assert_eq!(
            class("answers.da_concern"),
            Some(Classification::SpecialCategory)
        );
        assert!(
            map.classify("survey", "answers.da_concern")
                .and_then(|e| e.note.as_ref())
                .is_some(),
            "the DA flag says why it is protected at the top level"
        );
        assert_eq!(
            map.classify("survey", "answers.front_light")
                .map(|e| e.field.as_str()),
            Some("answers.*"),
            "an item with no entry of its own falls to the pattern"
        );
        assert_eq!(
            map.classify("survey", "answers."),
            None,
            "a pattern needs a name after it"
        );
        assert_eq!(map.classify("survey", "nonsense"), None);
        assert_eq!(map.classify("no_such_kind", "id"), None);
    }

    /// Every item of the shipped survey template (each answer is one synced field,
    /// `answers.<item>`; a group's questions travel inside its one field) and every section's
    /// note (`section_notes.<section>`) is classified, and no survey entry of the map names
    /// an item or section the template does not have.
    #[test]
    fn every_item_of_the_shipped_survey_is_classified_and_none_is_stale() {
        let map = shipped();
        let template =
            Template::from_toml(built_in::SURVEY_TEMPLATE.1).unwrap_or_else(|e| panic!("{e}"));
        let mut fields = Vec::new();
        for section in &template.sections {
            fields.push(format!("section_notes.{}", section.id));
            for item in &section.items {
                fields.push(format!("answers.{}", item.id));
            }
        }
        let missing = map.unclassified("survey", fields.iter().map(String::as_str));
        assert!(
            missing.is_empty(),
            "survey items with no entry in assets/data-map.toml: {missing:?}"
        );
        let stale: Vec<&str> = map
            .record("survey")
            .map(|r| r.entries.iter())
            .into_iter()
            .flatten()
            .filter(|e| !e.is_pattern())
            .filter(|e| e.field.starts_with("answers.") || e.field.starts_with("section_notes."))
            .filter(|e| !fields.contains(&e.field))
            .map(|e| e.field.as_str())
            .collect();
        assert!(
            stale.is_empty(),
            "entries naming no item or section of the survey: {stale:?}"
        );
    }

    #[test]
    fn special_category_and_crime_details_rest_on_a_condition_that_covers_them() {
        for record in shipped().records() {
            for e in &record.entries {
                assert!(
                    basis_problem(e.classification, e.basis).is_none(),
                    "{}.{}",
                    record.entity,
                    e.field
                );
            }
        }
    }

    /// A small valid map: every kind with one field, `survey` with a pattern and an override.
    fn minimal() -> String {
        let mut text = String::from("# a council's map\n");
        for (entity, _) in RECORD_KINDS {
            text.push_str(&format!(
                "\n[record.{entity}]\nroles = [\"officer\", \"supervisor\"]\nbasis = \"public_task\"\nretention = \"household\"\n\n[record.{entity}.fields]\nid = {{ what = \"Its id\", classification = \"none\" }}\n"
            ));
        }
        text
    }

    fn problems(text: &str) -> Vec<(usize, String)> {
        match DataMap::from_toml(text) {
            Ok(_) => Vec::new(),
            Err(e) => e.problems.into_iter().map(|p| (p.line, p.reason)).collect(),
        }
    }

    #[test]
    fn a_small_map_loads_and_an_override_beats_the_pattern() {
        let text = minimal().replace(
            "[record.survey.fields]\n",
            "[record.survey.fields]\n\"answers.*\" = { what = \"An answer\", classification = \"personal\" }\n\"answers.crime_ref\" = { what = \"Crime reference\", classification = \"criminal_offence\", basis = \"criminal_offence_unlawful_acts\", roles = [\"officer\"] }\n",
        );
        let map = DataMap::from_toml(&text).unwrap_or_else(|e| panic!("{e}"));
        let crime = map.classify("survey", "answers.crime_ref");
        assert_eq!(crime.map(|e| e.roles.clone()), Some(vec![Role::Officer]));
        assert_eq!(
            map.classify("survey", "answers.tenure")
                .map(|e| (e.classification, e.roles.len())),
            Some((Classification::Personal, 2)),
            "the pattern inherits the kind's roles"
        );
        assert_eq!(
            map.unclassified("survey", ["id", "answers.x", "household_id"]),
            ["survey.household_id"]
        );
    }

    /// Each bad file names the line to fix and why.
    #[rstest::rstest]
    #[case::unknown_classification(
        "id = { what = \"Its id\", classification = \"none\" }",
        "id = { what = \"Its id\", classification = \"secret\" }",
        "unknown variant `secret`"
    )]
    #[case::unknown_role(
        "roles = [\"officer\", \"supervisor\"]\nbasis = \"public_task\"\nretention = \"household\"\n\n[record.visit.fields]",
        "roles = [\"officer\", \"janitor\"]\nbasis = \"public_task\"\nretention = \"household\"\n\n[record.visit.fields]",
        "unknown variant `janitor`"
    )]
    #[case::unknown_retention_class(
        "retention = \"household\"\n\n[record.plan.fields]",
        "retention = \"forever\"\n\n[record.plan.fields]",
        "unknown variant `forever`"
    )]
    #[case::unknown_basis(
        "basis = \"public_task\"\nretention = \"household\"\n\n[record.plan.fields]",
        "basis = \"because\"\nretention = \"household\"\n\n[record.plan.fields]",
        "unknown variant `because`"
    )]
    #[case::unknown_key(
        "id = { what = \"Its id\", classification = \"none\" }",
        "id = { what = \"Its id\", clasification = \"none\" }",
        "clasification"
    )]
    fn an_unknown_value_is_refused_with_its_line(
        #[case] good: &str,
        #[case] bad: &str,
        #[case] reason: &str,
    ) {
        let text = minimal();
        assert!(text.contains(good), "the case must change the text: {good}");
        let text = text.replacen(good, bad, 1);
        let first_changed = text
            .lines()
            .zip(minimal().lines())
            .position(|(a, b)| a != b)
            .map(|n| n + 1);
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.contains(reason), "{found:?}");
        assert_eq!(
            Some(found[0].0),
            first_changed,
            "the line that was changed: {found:?}"
        );
    }

    #[test]
    fn an_unknown_record_kind_is_refused_at_its_table() {
        let text = format!(
            "{}\n[record.parking_permit]\nroles = [\"officer\"]\nbasis = \"public_task\"\nretention = \"household\"\n\n[record.parking_permit.fields]\nid = {{ what = \"Its id\", classification = \"none\" }}\n",
            minimal()
        );
        let line = text
            .lines()
            .position(|l| l == "[record.parking_permit]")
            .map(|n| n + 1);
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].1.contains("record kind \"parking_permit\""),
            "{found:?}"
        );
        assert_eq!(Some(found[0].0), line, "{found:?}");
    }

    #[test]
    fn a_missing_kind_a_wrong_basis_and_a_bad_name_are_each_named() {
        let text = minimal()
            .replace("[record.conflict]", "[record.conflict_gone]")
            .replace("[record.conflict.fields]", "[record.conflict_gone.fields]")
            .replacen(
                "[record.person.fields]\n",
                "[record.person.fields]\nhealth = { what = \"Health\", classification = \"special_category\" }\n\"*\" = { what = \"Everything\", classification = \"none\" }\nnote = { what = \" \", classification = \"personal\", roles = [] }\n",
                1,
            );
        let found = problems(&text);
        let reasons: Vec<&str> = found.iter().map(|(_, r)| r.as_str()).collect();
        for want in [
            "record kind \"conflict_gone\" is not one",
            "record kind \"conflict\" is missing",
            "person.health: special category data needs an Article 9 condition",
            "person.*: field \"*\" must be a field name",
            "person.note: what must say",
            "person.note: roles must name at least one role",
        ] {
            assert!(
                reasons.iter().any(|r| r.contains(want)),
                "{want} in {reasons:?}"
            );
        }
        let health = text
            .lines()
            .position(|l| l.starts_with("health ="))
            .map(|n| n + 1);
        assert!(
            found
                .iter()
                .any(|(line, r)| Some(*line) == health && r.contains("health")),
            "{found:?}"
        );
        assert!(
            DataMap::from_toml(&text)
                .map_err(|e| e.to_string())
                .err()
                .is_some_and(|m| m.contains("line ")),
            "the message names lines"
        );
    }

    #[test]
    fn a_file_that_is_not_toml_names_its_line() {
        let text = format!("{}\n[record.plan\n", minimal());
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, text.lines().count(), "{found:?}");
    }
}

//! Survey templates: sections, items, answer types, `show_if` and weakness rules, parsed from TOML text.
//!
//! Templates are data so the council can change questions without a release; a template is
//! immutable once published, and a change is a new `version` (ADR 006).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::condition::{Condition, OneOrMany, convert_all, yes_no_options};

/// Longest text answer allowed when a template does not say, so one field cannot swamp a record.
const DEFAULT_TEXT_MAX: u32 = 2_000;
/// Most instances of a group when a template does not say.
const DEFAULT_GROUP_MAX: u32 = 20;

stored_enum!(
    /// How strongly the evidence says a weakness matters (domain §1.1); the policy turns this into points.
    Evidence {
        /// A WIDE measure is missing: window locks, interior timers, double/dead locks, external sensor lights.
        Wide => "wide",
        /// Strong evidence, e.g. snappable cylinders, weak doors at the point of entry.
        Strong => "strong",
        /// Some evidence.
        Moderate => "moderate",
        /// Little evidence of protection, e.g. alarms; still worth advice.
        Low => "low",
    }
);

/// One option of a choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// Stable id stored in answers (snake_case); never reuse one for a different meaning.
    pub id: String,
    /// What the officer sees.
    pub label: String,
}

/// The kind of answer an item takes, with its limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerKind {
    /// Yes, no or unknown.
    YesNo,
    /// Exactly one option.
    SingleChoice {
        /// The options.
        options: Vec<ChoiceOption>,
    },
    /// Any number of options.
    MultipleChoice {
        /// The options.
        options: Vec<ChoiceOption>,
    },
    /// A number within optional bounds.
    Number {
        /// Smallest allowed.
        min: Option<f64>,
        /// Largest allowed.
        max: Option<f64>,
        /// Unit shown beside the box, e.g. "mm".
        unit: Option<String>,
        /// Whole numbers only.
        whole: bool,
    },
    /// Free text up to a length in characters.
    Text {
        /// Most characters allowed.
        max_length: u32,
    },
    /// A day.
    Date,
    /// A photo attachment reference.
    Photo,
    /// A repeatable group, answered once per instance (each door, each window).
    Group {
        /// The questions asked for each instance.
        items: Vec<Item>,
        /// Fewest instances when the group is required.
        min: u32,
        /// Most instances.
        max: u32,
        /// Names one instance in the UI, e.g. "Door".
        instance_label: String,
    },
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Item {
    /// Stable id, unique in the template; answers are stored under it.
    pub id: String,
    /// The question.
    pub label: String,
    /// Help for the officer.
    pub guidance: String,
    /// Must be answered when shown.
    pub required: bool,
    /// Shown only when all of these hold; empty means always shown.
    pub show_if: Vec<Condition>,
    /// The answer type.
    pub answer: AnswerKind,
    /// Whether the officer may attach photos to it: a door's lock, yes; how safe the
    /// resident feels, no.
    pub photos: bool,
}

impl Item {
    /// The options of a choice item, or the yes/no/unknown ids.
    pub fn option_ids(&self) -> Option<Vec<&str>> {
        match &self.answer {
            AnswerKind::YesNo => Some(yes_no_options().collect()),
            AnswerKind::SingleChoice { options } | AnswerKind::MultipleChoice { options } => {
                Some(options.iter().map(|o| o.id.as_str()).collect())
            }
            _ => None,
        }
    }

    /// The items of a group, empty for any other item.
    pub fn group_items(&self) -> &[Item] {
        match &self.answer {
            AnswerKind::Group { items, .. } => items,
            _ => &[],
        }
    }
}

/// A titled part of the survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Section {
    /// Stable id.
    pub id: String,
    /// Heading.
    pub title: String,
    /// Help for the officer.
    pub guidance: String,
    /// The questions, in order.
    pub items: Vec<Item>,
    /// Whether the section has its own notes box and photos; off for a section whose
    /// questions already ask for the officer's notes, so there are never two notes boxes.
    pub notes: bool,
}

/// Which answers produce a weakness, and how it is explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct WeaknessRule {
    /// Stable id that catalogue measures refer to.
    pub id: String,
    /// Short name for lists.
    pub title: String,
    /// Plain English for the resident: what is weak and why it matters.
    pub explanation: String,
    /// How strong the evidence is.
    pub evidence: Evidence,
    /// All must hold; conditions on group items are checked per instance.
    pub when: Vec<Condition>,
    /// Where in the home, for a rule about no door or window, e.g. "Front of the home": two
    /// rules with different places are two places to fix, and the resident is told which.
    #[serde(default)]
    pub place: Option<String>,
}

/// A survey template: one published version of the questions and weakness rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Template {
    /// Stable id, e.g. "home-security-survey".
    pub id: String,
    /// Version; a published version never changes.
    pub version: u32,
    /// Title.
    pub title: String,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Weakness rules.
    pub weaknesses: Vec<WeaknessRule>,
}

/// Why a data file (template, policy, catalogue) was refused; the previous good one stays in use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The text is not valid TOML or has the wrong shape.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The TOML is well formed but breaks a rule; every problem is listed.
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
}

/// The largest data file (template, policy, catalogue, CHARLIE check, directory) accepted.
/// The shipped ones are under 40 KiB; the cap stops a runaway or hostile file (one field of
/// megabytes) from being parsed and held in memory at every start.
pub const MAX_DATA_FILE_BYTES: usize = 1024 * 1024;

/// Parses TOML text into `T`, reporting the line and column of a problem.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, LoadError> {
    if text.len() > MAX_DATA_FILE_BYTES {
        return Err(LoadError::Invalid(vec![format!(
            "the file is too large ({} KiB; a data file may be at most {} KiB)",
            text.len().div_ceil(1024),
            MAX_DATA_FILE_BYTES / 1024
        )]));
    }
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start).min(text.len());
        let before = text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        LoadError::Syntax {
            line,
            column,
            message: e.message().trim().to_owned(),
        }
    })
}

/// Where an item sits: top level, or inside a group.
#[derive(Debug, Clone, Copy)]
pub struct Located<'a> {
    /// The item.
    pub item: &'a Item,
    /// The group it belongs to, if any.
    pub group: Option<&'a Item>,
    /// Position in document order, so `show_if` can only look backwards.
    pub order: usize,
}

impl Template {
    /// Parses and checks a template; an invalid one is refused with every problem found.
    pub fn from_toml(text: &str) -> Result<Self, LoadError> {
        let raw: RawTemplate = parse_toml(text)?;
        let mut problems = Vec::new();
        let template = raw.into_template(&mut problems);
        template.check(&mut problems);
        if problems.is_empty() {
            Ok(template)
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    /// "Window 2": a door or window of the home, named by its answer path (`windows[1]`)
    /// in the group's own words; None for a path that names no repeatable group.
    pub fn instance_label(&self, path: &str) -> Option<String> {
        let (group, index) = super::answers::parse_instance(path)?;
        let label = self
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .find(|i| i.id == group)
            .and_then(|i| match &i.answer {
                AnswerKind::Group { instance_label, .. } => Some(instance_label.clone()),
                _ => None,
            })?;
        Some(format!("{label} {}", index + 1))
    }

    /// Every item by id, with its group and document order.
    pub fn index(&self) -> BTreeMap<&str, Located<'_>> {
        let mut index = BTreeMap::new();
        let mut order = 0;
        for item in self.sections.iter().flat_map(|s| &s.items) {
            index.entry(item.id.as_str()).or_insert(Located {
                item,
                group: None,
                order,
            });
            order += 1;
            for child in item.group_items() {
                index.entry(child.id.as_str()).or_insert(Located {
                    item: child,
                    group: Some(item),
                    order,
                });
                order += 1;
            }
        }
        index
    }

    /// The weakness rule with this id.
    pub fn weakness(&self, id: &str) -> Option<&WeaknessRule> {
        self.weaknesses.iter().find(|w| w.id == id)
    }

    /// Checks conditions written elsewhere (the policy) against this template.
    pub fn check_conditions(&self, context: &str, when: &[Condition], problems: &mut Vec<String>) {
        let index = self.index();
        let mut groups = BTreeSet::new();
        for c in when {
            match index.get(c.item.as_str()) {
                None => problems.push(format!("{context}: no item \"{}\" in the template", c.item)),
                Some(at) => {
                    check_test(context, c, at.item, problems);
                    if let Some(g) = at.group {
                        groups.insert(g.id.as_str());
                    }
                }
            }
        }
        if groups.len() > 1 {
            problems.push(format!(
                "{context}: conditions may look inside one repeatable group only, not {}",
                groups.into_iter().collect::<Vec<_>>().join(" and ")
            ));
        }
    }

    fn check(&self, problems: &mut Vec<String>) {
        if !is_id(&self.id.replace('-', "_")) {
            problems.push(format!(
                "template id \"{}\" must be lower-case letters, digits, - or _",
                self.id
            ));
        }
        if self.version == 0 {
            problems.push("version must be 1 or more".into());
        }
        let mut seen = BTreeSet::new();
        for section in &self.sections {
            if !seen.insert(format!("section:{}", section.id)) {
                problems.push(format!("section id \"{}\" is used twice", section.id));
            }
            for item in &section.items {
                self.check_item(item, None, &mut seen, problems);
            }
        }
        let index = self.index();
        for (id, at) in &index {
            for c in &at.item.show_if {
                let context = format!("show_if of \"{id}\"");
                match index.get(c.item.as_str()) {
                    None => problems.push(format!("{context}: no item \"{}\"", c.item)),
                    Some(target) => {
                        let same_scope = match (target.group, at.group) {
                            (None, _) => true,
                            (Some(tg), Some(g)) => tg.id == g.id,
                            (Some(_), None) => false,
                        };
                        if !same_scope {
                            problems.push(format!(
                                "{context}: \"{}\" is inside a repeatable group, so it can only be used by items of that group",
                                c.item
                            ));
                        }
                        if target.order >= at.order || c.item == *id {
                            problems.push(format!(
                                "{context}: \"{}\" must come before the item it controls",
                                c.item
                            ));
                        }
                        check_test(&context, c, target.item, problems);
                    }
                }
            }
        }
        let mut weakness_ids = BTreeSet::new();
        for w in &self.weaknesses {
            let context = format!("weakness \"{}\"", w.id);
            if !is_id(&w.id) {
                problems.push(format!(
                    "{context}: id must be lower-case letters, digits or _"
                ));
            }
            if !weakness_ids.insert(w.id.as_str()) {
                problems.push(format!("{context}: id is used twice"));
            }
            if w.when.is_empty() {
                problems.push(format!("{context}: needs at least one condition in when"));
            }
            if w.explanation.trim().is_empty() {
                problems.push(format!("{context}: needs an explanation for the resident"));
            }
            self.check_conditions(&context, &w.when, problems);
            if let Some(place) = &w.place {
                let in_group = w.when.iter().any(|c| {
                    index
                        .get(c.item.as_str())
                        .is_some_and(|at| at.group.is_some())
                });
                if place.trim().is_empty() {
                    problems.push(format!("{context}: place must not be blank"));
                } else if in_group {
                    problems.push(format!(
                        "{context}: place is for rules about no door or window; this rule is placed by its door or window"
                    ));
                }
            }
        }
    }

    fn check_item(
        &self,
        item: &Item,
        group: Option<&Item>,
        seen: &mut BTreeSet<String>,
        problems: &mut Vec<String>,
    ) {
        let context = format!("item \"{}\"", item.id);
        if !is_id(&item.id) {
            problems.push(format!(
                "{context}: id must be lower-case letters, digits or _"
            ));
        }
        if !seen.insert(item.id.clone()) {
            problems.push(format!(
                "{context}: id is used twice; every item id must be unique"
            ));
        }
        if item.label.trim().is_empty() {
            problems.push(format!("{context}: needs a label"));
        }
        match &item.answer {
            AnswerKind::SingleChoice { options } | AnswerKind::MultipleChoice { options } => {
                if options.is_empty() {
                    problems.push(format!("{context}: a choice needs at least one option"));
                }
                let mut ids = BTreeSet::new();
                for o in options {
                    if !is_option_id(&o.id) || !ids.insert(o.id.as_str()) {
                        problems.push(format!(
                            "{context}: option \"{}\" must be a unique lower-case id",
                            o.id
                        ));
                    }
                }
            }
            AnswerKind::Number { min, max, .. } => {
                if min.is_some_and(|n| !n.is_finite()) || max.is_some_and(|n| !n.is_finite()) {
                    problems.push(format!("{context}: min and max must be real numbers"));
                }
                if let (Some(lo), Some(hi)) = (min, max)
                    && lo > hi
                {
                    problems.push(format!("{context}: min is larger than max"));
                }
            }
            AnswerKind::Text { max_length } if *max_length == 0 => {
                problems.push(format!("{context}: max_length must be 1 or more"));
            }
            AnswerKind::Group {
                items, min, max, ..
            } => {
                if group.is_some() {
                    problems.push(format!("{context}: a group cannot contain another group"));
                }
                if items.is_empty() {
                    problems.push(format!("{context}: a group needs items"));
                }
                if *max == 0 || min > max {
                    problems.push(format!("{context}: needs 0 <= min <= max and max >= 1"));
                }
                for child in items {
                    self.check_item(child, Some(item), seen, problems);
                }
            }
            _ => {}
        }
    }
}

fn check_test(context: &str, c: &Condition, target: &Item, problems: &mut Vec<String>) {
    let is_number = matches!(target.answer, AnswerKind::Number { .. });
    if c.is_numeric() != is_number {
        problems.push(format!(
            "{context}: at_least/at_most work on number items only, equals/any_of on choices (\"{}\")",
            c.item
        ));
        return;
    }
    if let Some(options) = target.option_ids() {
        for named in c.named_options() {
            if !options.contains(&named) {
                problems.push(format!(
                    "{context}: \"{}\" has no option \"{named}\" (options: {})",
                    c.item,
                    options.join(", ")
                ));
            }
        }
    } else if !is_number {
        problems.push(format!(
            "{context}: conditions cannot test \"{}\" (text, date, photo and group answers)",
            c.item
        ));
    }
}

/// Option ids may start with a digit ("65_to_74") to match the stored age bands.
fn is_option_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Ids are snake_case so paths like `doors[1].cylinder` stay unambiguous.
pub(crate) fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    id: String,
    version: u32,
    title: String,
    #[serde(default)]
    sections: Vec<RawSection>,
    #[serde(default)]
    weaknesses: Vec<RawWeakness>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: String,
    title: String,
    #[serde(default)]
    guidance: String,
    #[serde(default)]
    items: Vec<RawItem>,
    #[serde(default = "yes")]
    notes: bool,
}

/// Section notes and photos are offered unless a template says otherwise.
fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: String,
    label: String,
    #[serde(default)]
    guidance: String,
    #[serde(default)]
    required: bool,
    answer: String,
    #[serde(default)]
    options: Vec<ChoiceOption>,
    min: Option<f64>,
    max: Option<f64>,
    unit: Option<String>,
    #[serde(default)]
    whole: bool,
    max_length: Option<u32>,
    #[serde(default)]
    show_if: OneOrMany,
    #[serde(default)]
    items: Vec<RawItem>,
    instance_label: Option<String>,
    #[serde(default = "yes")]
    photos: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeakness {
    id: String,
    title: String,
    explanation: String,
    evidence: Evidence,
    when: OneOrMany,
    place: Option<String>,
}

impl RawTemplate {
    fn into_template(self, problems: &mut Vec<String>) -> Template {
        Template {
            id: self.id,
            version: self.version,
            title: self.title,
            sections: self
                .sections
                .into_iter()
                .map(|s| Section {
                    id: s.id,
                    title: s.title,
                    guidance: s.guidance,
                    items: s.items.into_iter().map(|i| i.into_item(problems)).collect(),
                    notes: s.notes,
                })
                .collect(),
            weaknesses: self
                .weaknesses
                .into_iter()
                .map(|w| WeaknessRule {
                    id: w.id,
                    title: w.title,
                    explanation: w.explanation,
                    evidence: w.evidence,
                    when: convert_all(w.when.0, problems),
                    place: w.place,
                })
                .collect(),
        }
    }
}

impl RawItem {
    fn into_item(self, problems: &mut Vec<String>) -> Item {
        let context = format!("item \"{}\"", self.id);
        let mut unused = |name: &str, present: bool| {
            if present {
                problems.push(format!(
                    "{context}: \"{name}\" does not apply to answer = \"{}\"",
                    self.answer
                ));
            }
        };
        let is_choice = matches!(self.answer.as_str(), "single_choice" | "multiple_choice");
        let is_number = self.answer == "number";
        let is_group = self.answer == "group";
        unused("options", !is_choice && !self.options.is_empty());
        unused("unit", !is_number && self.unit.is_some());
        unused("whole", !is_number && self.whole);
        unused(
            "max_length",
            self.answer != "text" && self.max_length.is_some(),
        );
        unused("items", !is_group && !self.items.is_empty());
        unused("instance_label", !is_group && self.instance_label.is_some());
        // A group's photos belong to its questions; a photo question is nothing but one.
        unused(
            "photos",
            (is_group || self.answer == "photo") && !self.photos,
        );
        unused("min", !is_number && !is_group && self.min.is_some());
        unused("max", !is_number && !is_group && self.max.is_some());
        let mut bound = |name: &str, v: Option<f64>, default: u32| match v {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= f64::from(DEFAULT_GROUP_MAX * 10) => {
                n as u32
            }
            Some(_) => {
                problems.push(format!(
                    "{context}: {name} of a group must be a whole number"
                ));
                default
            }
            None => default,
        };
        let answer = match self.answer.as_str() {
            "yes_no" => AnswerKind::YesNo,
            "single_choice" => AnswerKind::SingleChoice {
                options: self.options,
            },
            "multiple_choice" => AnswerKind::MultipleChoice {
                options: self.options,
            },
            "number" => AnswerKind::Number {
                min: self.min,
                max: self.max,
                unit: self.unit,
                whole: self.whole,
            },
            "text" => AnswerKind::Text {
                max_length: self.max_length.unwrap_or(DEFAULT_TEXT_MAX),
            },
            "date" => AnswerKind::Date,
            "photo" => AnswerKind::Photo,
            "group" => {
                let min = bound("min", self.min, u32::from(self.required));
                let max = bound("max", self.max, DEFAULT_GROUP_MAX);
                AnswerKind::Group {
                    items: self
                        .items
                        .into_iter()
                        .map(|i| i.into_item(problems))
                        .collect(),
                    min,
                    max,
                    instance_label: self.instance_label.unwrap_or_else(|| self.label.clone()),
                }
            }
            other => {
                problems.push(format!(
                    "{context}: unknown answer type \"{other}\" (use yes_no, single_choice, multiple_choice, number, text, date, photo or group)"
                ));
                AnswerKind::Photo
            }
        };
        Item {
            id: self.id,
            label: self.label,
            guidance: self.guidance,
            required: self.required,
            show_if: convert_all(self.show_if.0, problems),
            answer,
            photos: self.photos,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use rstest::rstest;

    #[test]
    fn a_data_file_over_the_cap_is_refused_before_it_is_parsed() {
        // Valid TOML with one enormous value: refused for its size, with the size named.
        let text = format!("id = \"{}\"\n", "a".repeat(MAX_DATA_FILE_BYTES));
        let err = Template::from_toml(&text).expect_err("a file over the cap must be refused");
        assert!(
            err.to_string().contains("too large"),
            "the refusal says the file is too large: {err}"
        );
    }

    #[test]
    fn the_real_asset_files_load_and_agree_with_each_other() {
        let t = template();
        assert_eq!(
            t.id, "home-security-survey",
            "surveys are stored against this id"
        );
        assert!(t.version >= 1, "versions start at 1");
        policy()
            .check_against(&t)
            .expect("every item the policy reads must exist in the template");
        catalogue()
            .check_against(&t)
            .expect("every weakness a measure fixes must exist in the template");
    }

    #[test]
    fn the_residents_circumstances_have_one_notes_box_and_take_no_photos() {
        let t = template();
        let section = t
            .sections
            .iter()
            .find(|s| s.id == "circumstances")
            .expect("section J");
        assert!(
            !section.notes,
            "its own notes question is the only notes box"
        );
        assert!(
            section.items.iter().all(|i| !i.photos),
            "nobody photographs how safe someone feels, or a domestic abuse flag"
        );
        let doors = t.sections.iter().find(|s| s.id == "doors").expect("doors");
        assert!(doors.notes, "other sections keep their notes box");
        assert!(doors.items[0].group_items().iter().any(|i| i.photos));
    }

    #[rstest]
    #[case::on_a_group("answer = \"group\"\ninstance_label = \"Door\"\nphotos = false")]
    #[case::on_a_photo("answer = \"photo\"\nphotos = false")]
    fn photos_false_is_refused_where_it_means_nothing(#[case] item: &str) {
        let text = format!(
            "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"x\"\nlabel = \"X\"\n{item}\n"
        );
        match Template::from_toml(&text) {
            Err(LoadError::Invalid(problems)) => assert!(
                problems
                    .iter()
                    .any(|p| p.contains("\"photos\" does not apply")),
                "{problems:?}"
            ),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn every_weakness_in_the_template_has_a_measure() {
        let t = template();
        let c = catalogue();
        for w in &t.weaknesses {
            assert!(
                c.measures.iter().any(|m| m.addresses.contains(&w.id)),
                "weakness {} has no measure, so a plan could never fix it",
                w.id
            );
        }
    }

    #[rstest]
    #[case(
        "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"yes_no\"\nreqired = true\n",
        "reqired"
    )]
    #[case(
        "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"maybe\"\n",
        "unknown answer type"
    )]
    #[case(
        "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"yes_no\"\nshow_if = { item = \"b\", equals = \"yes\" }\n[[sections.items]]\nid = \"b\"\nlabel = \"B\"\nanswer = \"yes_no\"\n",
        "must come before"
    )]
    #[case(
        "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"yes_no\"\n[[sections.items]]\nid = \"b\"\nlabel = \"B\"\nanswer = \"yes_no\"\nshow_if = { item = \"a\", equals = \"perhaps\" }\n",
        "no option \"perhaps\""
    )]
    #[case(
        "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"yes_no\"\n[[sections.items]]\nid = \"a\"\nlabel = \"B\"\nanswer = \"yes_no\"\n",
        "used twice"
    )]
    #[case(
        "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[weaknesses]]\nid = \"w\"\ntitle = \"W\"\nexplanation = \"E\"\nevidence = \"wide\"\nwhen = { item = \"ghost\", equals = \"yes\" }\n",
        "no item \"ghost\""
    )]
    #[case(
        "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"n\"\nlabel = \"N\"\nanswer = \"number\"\nmin = 5\nmax = 1\n",
        "min is larger"
    )]
    #[case(
        "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"yes_no\"\n[[weaknesses]]\nid = \"w\"\ntitle = \"W\"\nexplanation = \"E\"\nevidence = \"wide\"\nplace = \" \"\nwhen = { item = \"a\", equals = \"yes\" }\n",
        "place must not be blank"
    )]
    #[case(
        "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"doors\"\nlabel = \"Doors\"\nanswer = \"group\"\n[[sections.items.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"yes_no\"\n[[weaknesses]]\nid = \"w\"\ntitle = \"W\"\nexplanation = \"E\"\nevidence = \"wide\"\nplace = \"Front\"\nwhen = { item = \"a\", equals = \"yes\" }\n",
        "placed by its door or window"
    )]
    fn broken_templates_are_refused_with_the_reason(#[case] text: &str, #[case] reason: &str) {
        let err = Template::from_toml(text).expect_err("a broken template must be refused");
        assert!(
            err.to_string().contains(reason),
            "the message must say why: {err}"
        );
    }

    #[test]
    fn a_syntax_error_names_the_line() {
        let err = Template::from_toml("id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]\n")
            .expect_err("bad TOML");
        match err {
            LoadError::Syntax { line, .. } => {
                assert_eq!(line, 4, "the officer is told which line to fix")
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn templates_round_trip_through_json_for_the_ui() {
        let t = template();
        let json = serde_json::to_string(&t).expect("serialises");
        let back: Template = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, t, "the UI receives exactly the template core uses");
    }
}

//! Survey templates: sections, items, answer types, `show_if` and weakness rules, parsed from TOML text.
//!
//! Templates are data so the council can change questions without a release; a template is
//! immutable once published, and a change is a new `version` (ADR 006).
//!
//! One idea per module: this one is the template's shape, `load` is what every data file
//! shares (the size cap, TOML errors by line, ids), `raw` turns TOML into a template, and
//! `check` refuses a template that breaks a rule.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::condition::{Condition, yes_no_options};

mod check;
mod load;
mod raw;

#[cfg(test)]
mod tests;

pub use load::{LoadError, MAX_DATA_FILE_BYTES};
pub(crate) use load::{check_template_identity, is_id, parse_toml};

use raw::RawTemplate;

stored_enum!(
    /// How strongly the evidence says a weakness matters (docs/domain.md#evidence-weights); the policy turns this into points.
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
}

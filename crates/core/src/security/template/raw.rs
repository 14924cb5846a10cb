//! A template as written in TOML, and its conversion into a [`Template`], noting every field
//! that does not apply to its answer type.

use serde::Deserialize;

use super::super::condition::{OneOrMany, convert_all};
use super::{AnswerKind, ChoiceOption, Evidence, Item, Section, Template, WeaknessRule};

/// Longest text answer allowed when a template does not say, so one field cannot swamp a record.
const DEFAULT_TEXT_MAX: u32 = 2_000;
/// Most instances of a group when a template does not say.
const DEFAULT_GROUP_MAX: u32 = 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplate {
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
    /// The template, noting in `problems` what did not convert.
    pub(super) fn into_template(self, problems: &mut Vec<String>) -> Template {
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

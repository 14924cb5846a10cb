//! A resident's answers to one survey, tied to the template id and version they were given against.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::template::Template;

stored_enum!(
    /// A yes/no question's answer; "unknown" is a real answer (the resident does not know).
    YesNo {
        /// Yes.
        Yes => "yes",
        /// No.
        No => "no",
        /// The resident or officer does not know.
        Unknown => "unknown",
    }
);

/// Answers keyed by item id: the whole survey, or one instance of a repeatable group.
pub type AnswerMap = BTreeMap<String, AnswerValue>;

/// One answer; the variant must match the item's answer type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    /// A yes/no/unknown answer.
    YesNo(YesNo),
    /// The id of the one option chosen.
    Choice(String),
    /// The ids of every option chosen.
    Choices(Vec<String>),
    /// A number.
    Number(f64),
    /// Free text.
    Text(String),
    /// A day.
    Date(NaiveDate),
    /// A photo, by its attachment reference (the store keeps the encrypted bytes by SHA-256).
    Photo(String),
    /// One answer map per instance of a repeatable group (each door, each window).
    Group(Vec<AnswerMap>),
}

impl AnswerValue {
    /// The answer type's name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::YesNo(_) => "yes_no",
            Self::Choice(_) => "single_choice",
            Self::Choices(_) => "multiple_choice",
            Self::Number(_) => "number",
            Self::Text(_) => "text",
            Self::Date(_) => "date",
            Self::Photo(_) => "photo",
            Self::Group(_) => "group",
        }
    }
}

/// A survey's answers and the exact template version they answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Answers {
    /// The template's id.
    pub template_id: String,
    /// The template's version when the survey was started; never changed afterwards.
    pub template_version: u32,
    /// The answers, by item id.
    pub values: AnswerMap,
}

impl Answers {
    /// An empty survey against `template`.
    pub fn new(template: &Template) -> Self {
        Self {
            template_id: template.id.clone(),
            template_version: template.version,
            values: AnswerMap::new(),
        }
    }

    /// Sets a top-level answer, returning `self` so fixtures read as a list.
    pub fn with(mut self, item: &str, value: AnswerValue) -> Self {
        self.values.insert(item.to_owned(), value);
        self
    }

    /// The answer at a path such as `repeat_victim` or `doors[1].cylinder`.
    pub fn get(&self, path: &str) -> Option<&AnswerValue> {
        let Some((head, child)) = path.split_once('.') else {
            return self.values.get(path);
        };
        let (group, index) = parse_instance(head)?;
        self.instance(group, index)?.get(child)
    }

    /// One instance of a repeatable group.
    pub fn instance(&self, group: &str, index: usize) -> Option<&AnswerMap> {
        match self.values.get(group)? {
            AnswerValue::Group(instances) => instances.get(index),
            _ => None,
        }
    }
}

/// The stable path of a top-level answer.
pub fn item_path(item: &str) -> String {
    item.to_owned()
}

/// The stable path of a group instance, e.g. `doors[1]` (0-based, like the UI's arrays).
pub fn instance_path(group: &str, index: usize) -> String {
    format!("{group}[{index}]")
}

/// The stable path of an answer inside a group instance, e.g. `doors[1].cylinder`.
pub fn child_path(group: &str, index: usize, item: &str) -> String {
    format!("{group}[{index}].{item}")
}

/// Splits `doors[1]` into `("doors", 1)`.
pub fn parse_instance(path: &str) -> Option<(&str, usize)> {
    let (group, rest) = path.split_once('[')?;
    let index = rest.strip_suffix(']')?.parse().ok()?;
    Some((group, index))
}

/// Which one instance was taken out of a group, when `after` is `before` less exactly one
/// instance; `None` for any other change (photos then stay where they are).
pub fn removed_instance(before: &[AnswerMap], after: &[AnswerMap]) -> Option<usize> {
    if after.len() + 1 != before.len() {
        return None;
    }
    let first_difference = before
        .iter()
        .zip(after)
        .position(|(b, a)| b != a)
        .unwrap_or(after.len());
    (before[first_difference + 1..] == after[first_difference..]).then_some(first_difference)
}

/// Where an answer path inside `group` goes when instance `removed` is taken out: later
/// instances move up one; the removed instance's own paths have nowhere to go (`None`).
/// Paths outside the group are unchanged.
pub fn path_after_removal(path: &str, group: &str, removed: usize) -> Option<String> {
    let Some(rest) = path.strip_prefix(group).and_then(|r| r.strip_prefix('[')) else {
        return Some(path.to_owned());
    };
    let Some((index, tail)) = rest.split_once(']') else {
        return Some(path.to_owned());
    };
    let Ok(index) = index.parse::<usize>() else {
        return Some(path.to_owned());
    };
    match index.cmp(&removed) {
        std::cmp::Ordering::Less => Some(path.to_owned()),
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Greater => Some(format!("{group}[{}]{tail}", index - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn door(n: u32) -> AnswerMap {
        [("n".to_owned(), AnswerValue::Number(f64::from(n)))]
            .into_iter()
            .collect()
    }

    #[test]
    fn the_removed_instance_is_found_only_when_it_is_the_one_change() {
        let before = [door(1), door(2), door(3)];
        assert_eq!(removed_instance(&before, &[door(1), door(3)]), Some(1));
        assert_eq!(removed_instance(&before, &[door(2), door(3)]), Some(0));
        assert_eq!(removed_instance(&before, &[door(1), door(2)]), Some(2));
        assert_eq!(
            removed_instance(&before, &[door(1), door(9)]),
            None,
            "also changed"
        );
        assert_eq!(removed_instance(&before, &before), None);
        assert_eq!(removed_instance(&before, &[door(1)]), None, "two removed");
    }

    #[test]
    fn photo_paths_follow_their_instance() {
        assert_eq!(
            path_after_removal("doors[0].lock", "doors", 1).as_deref(),
            Some("doors[0].lock")
        );
        assert_eq!(path_after_removal("doors[1].lock", "doors", 1), None);
        assert_eq!(path_after_removal("doors[1]", "doors", 1), None);
        assert_eq!(
            path_after_removal("doors[3].lock", "doors", 1).as_deref(),
            Some("doors[2].lock")
        );
        assert_eq!(
            path_after_removal("doorstep", "doors", 0).as_deref(),
            Some("doorstep")
        );
        assert_eq!(
            path_after_removal("windows[2].x", "doors", 0).as_deref(),
            Some("windows[2].x")
        );
        assert_eq!(
            path_after_removal("section:doors", "doors", 0).as_deref(),
            Some("section:doors")
        );
    }

    #[test]
    fn answers_serialise_with_a_type_tag() {
        let v = AnswerValue::YesNo(YesNo::Yes);
        let json = serde_json::to_string(&v).expect("serialises");
        assert_eq!(
            json, r#"{"type":"yes_no","value":"yes"}"#,
            "the UI reads type and value"
        );
        let back: AnswerValue = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, v, "wire form must round-trip");
    }

    #[test]
    fn paths_reach_group_instances() {
        let mut door = AnswerMap::new();
        door.insert("cylinder".into(), AnswerValue::Choice("one_star".into()));
        let answers = Answers {
            template_id: "t".into(),
            template_version: 1,
            values: AnswerMap::from([(
                "doors".into(),
                AnswerValue::Group(vec![AnswerMap::new(), door]),
            )]),
        };
        assert_eq!(
            answers.get("doors[1].cylinder"),
            Some(&AnswerValue::Choice("one_star".into())),
            "a child path names the instance and item"
        );
        assert_eq!(
            answers.get("doors[0].cylinder"),
            None,
            "the first door has no answer"
        );
        assert_eq!(answers.get("doors[7].cylinder"), None, "no such door");
        assert_eq!(
            parse_instance("windows[12]"),
            Some(("windows", 12)),
            "index parses"
        );
    }
}

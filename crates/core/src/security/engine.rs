//! Reads answers through a template: which items are shown, whether answers are valid, which rules match.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::validation::ValidationErrors;

use super::answers::{AnswerMap, AnswerValue, Answers, child_path, instance_path, item_path};
use super::condition::Condition;
use super::template::{AnswerKind, Item, Located, Template};

/// Longest photo attachment reference accepted (a SHA-256 hex digest is 64).
const MAX_PHOTO_REF: usize = 128;

/// The answers a condition can see: the survey, and the group instance being read, if any.
#[derive(Debug, Clone, Copy)]
struct Scope<'a> {
    top: &'a AnswerMap,
    instance: Option<(&'a str, usize, &'a AnswerMap)>,
}

/// A template with its item index, built once per call so rules run in microseconds.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    template: &'a Template,
    index: BTreeMap<&'a str, Located<'a>>,
}

/// One place where a rule's conditions all held.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuleMatch {
    /// The group instance, e.g. `doors[1]`, when the rule looks inside a group.
    pub instance: Option<String>,
    /// The answer paths that made the conditions hold.
    pub causes: Vec<String>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(template: &'a Template) -> Self {
        Self {
            template,
            index: template.index(),
        }
    }

    /// The answer to `item` as seen from `scope`, with its path; hidden items read as unanswered.
    fn lookup(&self, scope: Scope<'a>, item: &str) -> Option<(&'a AnswerValue, String)> {
        let at = self.index.get(item)?;
        match (at.group, scope.instance) {
            (None, _) => {
                let value = scope.top.get(item)?;
                let top = Scope {
                    top: scope.top,
                    instance: None,
                };
                self.visible(at.item, top).then(|| (value, item_path(item)))
            }
            (Some(g), Some((group, index, values))) if g.id == group => {
                let value = values.get(item)?;
                self.visible(at.item, scope)
                    .then(|| (value, child_path(group, index, item)))
            }
            _ => None,
        }
    }

    /// True when every `show_if` condition holds; `show_if` only looks backwards, so this ends.
    fn visible(&self, item: &Item, scope: Scope<'a>) -> bool {
        item.show_if.iter().all(|c| self.holds(c, scope).is_some())
    }

    fn holds(&self, c: &Condition, scope: Scope<'a>) -> Option<String> {
        let (value, path) = self.lookup(scope, &c.item)?;
        c.holds(Some(value)).then_some(path)
    }

    /// Every place where all of `when` holds: once per visible group instance if it looks inside a group.
    pub(crate) fn matches(&self, answers: &'a Answers, when: &[Condition]) -> Vec<RuleMatch> {
        let top = Scope {
            top: &answers.values,
            instance: None,
        };
        let group = when
            .iter()
            .find_map(|c| self.index.get(c.item.as_str())?.group);
        let Some(group) = group else {
            return self.match_in(when, top, None).into_iter().collect();
        };
        let Some(AnswerValue::Group(instances)) = answers.values.get(&group.id) else {
            return Vec::new();
        };
        if !self.visible(group, top) {
            return Vec::new();
        }
        instances
            .iter()
            .enumerate()
            .filter_map(|(i, values)| {
                let scope = Scope {
                    top: &answers.values,
                    instance: Some((&group.id, i, values)),
                };
                self.match_in(when, scope, Some(instance_path(&group.id, i)))
            })
            .collect()
    }

    fn match_in(
        &self,
        when: &[Condition],
        scope: Scope<'a>,
        instance: Option<String>,
    ) -> Option<RuleMatch> {
        let mut causes = Vec::with_capacity(when.len());
        for c in when {
            let path = self.holds(c, scope)?;
            if !causes.contains(&path) {
                causes.push(path);
            }
        }
        Some(RuleMatch { instance, causes })
    }

    /// Field-level problems with the answers; hidden items are never required.
    pub(crate) fn validate(&self, answers: &'a Answers) -> ValidationErrors {
        let mut errors = ValidationErrors::default();
        if answers.template_id != self.template.id
            || answers.template_version != self.template.version
        {
            errors.add(
                "template",
                format!(
                    "These answers were given on {} version {}, not {} version {}: open them with the form they were given on",
                    answers.template_id, answers.template_version, self.template.id, self.template.version
                ),
            );
            return errors;
        }
        let top = Scope {
            top: &answers.values,
            instance: None,
        };
        for item in self.template.sections.iter().flat_map(|s| &s.items) {
            if !self.visible(item, top) {
                continue;
            }
            let value = answers.values.get(&item.id);
            self.check_value(item, value, &item.id, &mut errors);
            if let (AnswerKind::Group { items, .. }, Some(AnswerValue::Group(instances))) =
                (&item.answer, value)
            {
                for (i, values) in instances.iter().enumerate() {
                    let scope = Scope {
                        top: &answers.values,
                        instance: Some((&item.id, i, values)),
                    };
                    for child in items {
                        if self.visible(child, scope) {
                            let path = child_path(&item.id, i, &child.id);
                            self.check_value(child, values.get(&child.id), &path, &mut errors);
                        }
                    }
                }
            }
        }
        errors
    }

    fn check_value(
        &self,
        item: &Item,
        value: Option<&AnswerValue>,
        path: &str,
        errors: &mut ValidationErrors,
    ) {
        let Some(value) = value.filter(|v| !is_blank(v)) else {
            if item.required {
                let message = match &item.answer {
                    AnswerKind::Group {
                        instance_label,
                        min,
                        ..
                    } => format!(
                        "Add at least {} {} for \"{}\"",
                        (*min).max(1),
                        instance_label.to_lowercase(),
                        item.label
                    ),
                    _ => format!("Answer \"{}\": it is required", item.label),
                };
                errors.add(path, message);
            }
            return;
        };
        match (&item.answer, value) {
            (AnswerKind::YesNo, AnswerValue::YesNo(_))
            | (AnswerKind::Date, AnswerValue::Date(_)) => {}
            (AnswerKind::SingleChoice { options }, AnswerValue::Choice(v)) => {
                if !options.iter().any(|o| &o.id == v) {
                    errors.add(
                        path,
                        format!(
                            "\"{v}\" is not one of the options for \"{}\": choose from the list",
                            item.label
                        ),
                    );
                }
            }
            (AnswerKind::MultipleChoice { options }, AnswerValue::Choices(vs)) => {
                let mut seen = BTreeSet::new();
                for v in vs {
                    if !options.iter().any(|o| &o.id == v) {
                        errors.add(path, format!("\"{v}\" is not one of the options for \"{}\": choose from the list", item.label));
                    } else if !seen.insert(v) {
                        errors.add(
                            path,
                            format!("\"{v}\" is chosen twice: choose each option once"),
                        );
                    }
                }
            }
            (
                AnswerKind::Number {
                    min,
                    max,
                    unit,
                    whole,
                },
                AnswerValue::Number(n),
            ) => {
                let unit = unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
                if !n.is_finite() {
                    errors.add(path, "Enter a number");
                } else if *whole && n.fract() != 0.0 {
                    errors.add(path, "Enter a whole number");
                } else if let Some(lo) = min
                    && n < lo
                {
                    errors.add(path, format!("Enter {lo}{unit} or more"));
                } else if let Some(hi) = max
                    && n > hi
                {
                    errors.add(path, format!("Enter {hi}{unit} or less"));
                }
            }
            (AnswerKind::Text { max_length }, AnswerValue::Text(t)) => {
                if t.chars().count() > *max_length as usize {
                    errors.add(path, format!("Use {max_length} characters or fewer"));
                }
            }
            (AnswerKind::Photo, AnswerValue::Photo(r)) => {
                if r.len() > MAX_PHOTO_REF
                    || r.chars()
                        .any(|c| !(c.is_ascii_alphanumeric() || "-_:".contains(c)))
                {
                    errors.add(
                        path,
                        "This photo reference is not valid: attach the photo again",
                    );
                }
            }
            (
                AnswerKind::Group {
                    min,
                    max,
                    instance_label,
                    ..
                },
                AnswerValue::Group(instances),
            ) => {
                let n = instances.len();
                let label = instance_label.to_lowercase();
                if item.required && n < *min as usize {
                    errors.add(
                        path,
                        format!("Add at least {min} {label} for \"{}\"", item.label),
                    );
                } else if n > *max as usize {
                    errors.add(
                        path,
                        format!("Record at most {max} of {label}: remove the extra ones"),
                    );
                }
            }
            (kind, value) => errors.add(
                path,
                format!(
                    "\"{}\" takes a {} answer, not {}: answer it again",
                    item.label,
                    kind_name(kind),
                    value.type_name()
                ),
            ),
        }
    }

    /// Paths of answers this template does not ask, kept and shown as "from an earlier form".
    pub(crate) fn orphans(&self, answers: &Answers) -> Vec<String> {
        let mut out = Vec::new();
        for (key, value) in &answers.values {
            match self.index.get(key.as_str()) {
                Some(at) if at.group.is_none() => {
                    let children = at.item.group_items();
                    if let AnswerValue::Group(instances) = value {
                        for (i, values) in instances.iter().enumerate() {
                            for child in values.keys() {
                                if !children.iter().any(|c| &c.id == child) {
                                    out.push(child_path(key, i, child));
                                }
                            }
                        }
                    }
                }
                _ => out.push(item_path(key)),
            }
        }
        out
    }
}

fn is_blank(v: &AnswerValue) -> bool {
    match v {
        AnswerValue::Text(t) | AnswerValue::Photo(t) | AnswerValue::Choice(t) => {
            t.trim().is_empty()
        }
        AnswerValue::Choices(vs) => vs.is_empty(),
        AnswerValue::Group(vs) => vs.is_empty(),
        AnswerValue::YesNo(_) | AnswerValue::Number(_) | AnswerValue::Date(_) => false,
    }
}

fn kind_name(kind: &AnswerKind) -> &'static str {
    match kind {
        AnswerKind::YesNo => "yes_no",
        AnswerKind::SingleChoice { .. } => "single_choice",
        AnswerKind::MultipleChoice { .. } => "multiple_choice",
        AnswerKind::Number { .. } => "number",
        AnswerKind::Text { .. } => "text",
        AnswerKind::Date => "date",
        AnswerKind::Photo => "photo",
        AnswerKind::Group { .. } => "group",
    }
}

/// Checks one top-level answer as it is autosaved: its type, options and range, and
/// those of every answer inside a group's instances. A blank answer is allowed (the
/// officer may clear a box); whether the survey is complete is `validate_answers`' job.
pub fn validate_answer(
    template: &Template,
    item_id: &str,
    value: &AnswerValue,
) -> ValidationErrors {
    let mut errors = ValidationErrors::default();
    let index = template.index();
    let Some(located) = index.get(item_id).filter(|l| l.group.is_none()) else {
        errors.add(
            item_id,
            format!("This form has no question \"{item_id}\": reload the survey"),
        );
        return errors;
    };
    let reader = Reader::new(template);
    if is_blank(value) {
        return errors;
    }
    reader.check_value(located.item, Some(value), item_id, &mut errors);
    if let (AnswerKind::Group { items, .. }, AnswerValue::Group(instances)) =
        (&located.item.answer, value)
    {
        for (i, values) in instances.iter().enumerate() {
            for (child_id, child_value) in values {
                let path = child_path(item_id, i, child_id);
                match items.iter().find(|c| &c.id == child_id) {
                    Some(child) if !is_blank(child_value) => {
                        reader.check_value(child, Some(child_value), &path, &mut errors);
                    }
                    Some(_) => {}
                    None => errors.add(
                        &path,
                        format!("This form has no question \"{child_id}\" here: reload the survey"),
                    ),
                }
            }
        }
    }
    errors
}

/// Checks answers against the template they name; empty errors mean valid.
pub fn validate_answers(template: &Template, answers: &Answers) -> ValidationErrors {
    Reader::new(template).validate(answers)
}

/// Which items are shown for these answers, as answer paths (group children per instance).
pub fn visible_paths(template: &Template, answers: &Answers) -> Vec<String> {
    let reader = Reader::new(template);
    let top = Scope {
        top: &answers.values,
        instance: None,
    };
    let mut out = Vec::new();
    for item in template.sections.iter().flat_map(|s| &s.items) {
        if !reader.visible(item, top) {
            continue;
        }
        out.push(item.id.clone());
        if let Some(AnswerValue::Group(instances)) = answers.values.get(&item.id) {
            for (i, values) in instances.iter().enumerate() {
                let scope = Scope {
                    top: &answers.values,
                    instance: Some((&item.id, i, values)),
                };
                for child in item.group_items() {
                    if reader.visible(child, scope) {
                        out.push(child_path(&item.id, i, &child.id));
                    }
                }
            }
        }
    }
    out
}

/// How far one section has got, for the survey's progress indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SectionProgress {
    /// The section id.
    pub section: String,
    /// Questions shown at the top level of the section.
    pub shown: u32,
    /// Of those, how many have an answer.
    pub answered: u32,
    /// Answers still needed (required and blank, or invalid), including inside groups.
    pub needing_attention: u32,
}

/// Progress per section: shown, answered and still needing attention.
pub fn progress(template: &Template, answers: &Answers) -> Vec<SectionProgress> {
    let visible = visible_paths(template, answers);
    let problems = validate_answers(template, answers);
    template
        .sections
        .iter()
        .map(|section| {
            let shown: Vec<&Item> = section
                .items
                .iter()
                .filter(|i| visible.contains(&i.id))
                .collect();
            let answered = shown
                .iter()
                .filter(|i| answers.values.get(&i.id).is_some_and(|v| !is_blank(v)))
                .count();
            let needing_attention = problems
                .errors()
                .iter()
                .filter(|e| {
                    section
                        .items
                        .iter()
                        .any(|i| e.field == i.id || e.field.starts_with(&format!("{}[", i.id)))
                })
                .count();
            let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            SectionProgress {
                section: section.id.clone(),
                shown: count(shown.len()),
                answered: count(answered),
                needing_attention: count(needing_attention),
            }
        })
        .collect()
}

/// Answers to items this template does not ask (e.g. removed in a later version): kept, never deleted.
pub fn orphan_answers(template: &Template, answers: &Answers) -> Vec<String> {
    Reader::new(template).orphans(answers)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::library::TemplateLibrary;
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use rstest::rstest;

    #[test]
    fn one_answer_is_checked_as_it_is_autosaved() {
        let t = template();
        assert!(
            validate_answer(&t, "repeat_victim", &yes()).is_empty(),
            "a valid answer saves"
        );
        assert!(
            validate_answer(&t, "repeat_victim", &choice("maybe")).errors()[0].field
                == "repeat_victim",
            "a wrong type is refused on its field"
        );
        assert!(
            !validate_answer(&t, "no_such_question", &yes()).is_empty(),
            "an unknown question is refused"
        );
        assert!(
            !validate_answer(&t, "door_cylinder", &choice("ts007_3star")).is_empty(),
            "a group's question is saved as part of its group, not on its own"
        );
        let door = instance(&[
            ("door_cylinder", choice("made_up")),
            ("door_viewer", AnswerValue::Text(String::new())),
        ]);
        let errors = validate_answer(&t, "doors", &AnswerValue::Group(vec![door]));
        assert_eq!(
            fields(&errors),
            ["doors[0].door_cylinder"],
            "only the bad option; a blank box is fine while typing"
        );
        assert!(
            validate_answer(&t, "feel_safe", &AnswerValue::Text(String::new())).is_empty(),
            "clearing an answer is allowed"
        );
    }

    fn fields(errors: &ValidationErrors) -> Vec<&str> {
        errors.errors().iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn the_secure_baseline_is_valid() {
        let t = template();
        let errors = validate_answers(&t, &secure_home(&t));
        assert!(
            errors.is_empty(),
            "the fixture must be a complete survey: {errors:?}"
        );
    }

    #[rstest]
    #[case("cocoon_neighbour", false)]
    #[case("burglary_victim", true)]
    fn burglary_questions_show_and_are_required_only_for_victims(
        #[case] reason: &str,
        #[case] shown: bool,
    ) {
        let t = template();
        let answers = secure_home(&t).with("survey_reason", choice(reason));
        let visible = visible_paths(&t, &answers);
        assert_eq!(
            visible.contains(&"burglary_date".to_owned()),
            shown,
            "show_if on survey_reason"
        );
        let errors = validate_answers(&t, &answers);
        assert_eq!(
            fields(&errors).contains(&"burglary_date"),
            shown,
            "a hidden question is never required, a shown one is"
        );
    }

    #[test]
    fn group_show_if_is_relative_to_its_own_instance() {
        let t = template();
        let mut answers = secure_home(&t);
        let timber = instance(&[
            ("door_position", choice("back")),
            ("door_material", choice("solid_timber")),
        ]);
        let AnswerValue::Group(doors) = answers.values.get_mut("doors").expect("doors") else {
            panic!("group")
        };
        doors.push(timber);
        let visible = visible_paths(&t, &answers);
        assert!(
            visible.contains(&"doors[0].door_cylinder".to_owned()),
            "the composite door asks about its cylinder"
        );
        assert!(
            !visible.contains(&"doors[1].door_cylinder".to_owned()),
            "the timber door does not"
        );
        assert!(
            visible.contains(&"doors[1].door_lock_timber".to_owned()),
            "the timber door asks about BS 3621 locks"
        );
        let errors = validate_answers(&t, &answers);
        assert!(
            fields(&errors).contains(&"doors[1].door_lock_timber"),
            "required inside the instance: {errors:?}"
        );
        assert!(
            !fields(&errors).contains(&"doors[0].door_lock_timber"),
            "not required where hidden"
        );
    }

    #[rstest]
    #[case("feel_safe", AnswerValue::Number(6.0), "feel_safe", "5 or less")]
    #[case("feel_safe", AnswerValue::Number(0.0), "feel_safe", "1 or more")]
    #[case("feel_safe", AnswerValue::Number(2.5), "feel_safe", "whole number")]
    #[case("feel_safe", AnswerValue::Text("safe".into()), "feel_safe", "takes a number answer")]
    #[case("tenure", choice("squatter"), "tenure", "not one of the options")]
    #[case("lives_alone", choice("yes"), "lives_alone", "takes a yes_no answer")]
    #[case("crime_ref", AnswerValue::Text("x".repeat(41)), "crime_ref", "40 characters")]
    #[case("items_taken", AnswerValue::Choices(vec!["cash".into(), "cash".into()]), "items_taken", "chosen twice")]
    #[case("tenure", AnswerValue::Choice("  ".into()), "tenure", "required")]
    fn wrong_answers_are_reported_on_their_field(
        #[case] item: &str,
        #[case] value: AnswerValue,
        #[case] field: &str,
        #[case] message: &str,
    ) {
        let t = template();
        let answers = secure_home(&t)
            .with("survey_reason", choice("burglary_victim"))
            .with(item, value);
        let errors = validate_answers(&t, &answers);
        let found = errors.errors().iter().find(|e| e.field == field);
        assert!(
            found.is_some_and(|e| e.message.contains(message)),
            "expected {message:?} on {field}, got {errors:?}"
        );
    }

    #[test]
    fn a_door_with_an_unknown_cylinder_option_names_the_path() {
        let t = template();
        let mut answers = secure_home(&t);
        let AnswerValue::Group(doors) = answers.values.get_mut("doors").expect("doors") else {
            panic!("group")
        };
        doors[0].insert("door_cylinder".into(), choice("five_star"));
        let errors = validate_answers(&t, &answers);
        assert_eq!(
            fields(&errors),
            vec!["doors[0].door_cylinder"],
            "the path tells the UI which door"
        );
    }

    #[test]
    fn at_least_one_door_is_required() {
        let t = template();
        let answers = secure_home(&t).with("doors", AnswerValue::Group(vec![]));
        assert_eq!(
            fields(&validate_answers(&t, &answers)),
            vec!["doors"],
            "an empty group is unanswered"
        );
    }

    #[test]
    fn old_survey_is_read_with_its_own_version_when_a_newer_one_exists() {
        let v1 = template();
        let v2_text = TEMPLATE
            .replacen("version = 1", "version = 2", 1)
            .replace("\"bike_registered\"", "\"bike_registered_v2\"")
            + "\n";
        let mut v2 = Template::from_toml(&v2_text).expect("v2 parses");
        v2.sections[9].items.push(Item {
            id: "new_required_question".into(),
            label: "New".into(),
            guidance: String::new(),
            required: true,
            show_if: vec![],
            answer: AnswerKind::YesNo,
            photos: true,
        });
        let old = secure_home(&v1)
            .with("bikes", choice("indoors"))
            .with("bike_registered", yes());
        let mut library = TemplateLibrary::default();
        library.add(v1.clone()).expect("v1");
        library.add(v2.clone()).expect("v2");
        assert_eq!(
            library.latest(&v1.id).map(|t| t.version),
            Some(2),
            "new surveys start on v2"
        );
        let used = library.for_answers(&old).expect("v1 is kept");
        assert_eq!(
            used.version, 1,
            "old answers are read with the version they name"
        );
        assert!(
            validate_answers(used, &old).is_empty(),
            "a newer version never invalidates an old survey"
        );
        assert!(
            orphan_answers(used, &old).is_empty(),
            "nothing is orphaned on its own version"
        );
        let errors = validate_answers(&v2, &old);
        assert_eq!(
            fields(&errors),
            vec!["template"],
            "reading with the wrong version is refused, not guessed"
        );
        let mut migrated = old.clone();
        migrated.template_version = 2;
        assert_eq!(
            orphan_answers(&v2, &migrated),
            vec!["bike_registered".to_owned()],
            "answers to removed items are kept and listed as from an earlier form"
        );
        assert!(
            library
                .add(Template {
                    title: "changed".into(),
                    ..v1
                })
                .is_err(),
            "a published version cannot be changed in place"
        );
    }

    #[test]
    fn dates_and_photos_validate() {
        let t = template();
        let date = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
        let mut answers = secure_home(&t);
        let AnswerValue::Group(doors) = answers.values.get_mut("doors").expect("doors") else {
            panic!("group")
        };
        doors[0].insert(
            "door_photo".into(),
            AnswerValue::Photo("sha256:ab12".into()),
        );
        let ok = answers
            .clone()
            .with("survey_reason", choice("burglary_victim"))
            .with("burglary_date", AnswerValue::Date(date));
        assert!(
            !fields(&validate_answers(&t, &ok)).contains(&"burglary_date"),
            "a date answers a date item"
        );
        doors_photo(&mut answers, "../../etc/passwd");
        assert_eq!(
            fields(&validate_answers(&t, &answers)),
            vec!["doors[0].door_photo"],
            "a path is not a reference"
        );
    }

    fn doors_photo(answers: &mut Answers, reference: &str) {
        if let Some(AnswerValue::Group(doors)) = answers.values.get_mut("doors") {
            doors[0].insert("door_photo".into(), AnswerValue::Photo(reference.into()));
        }
    }

    proptest! {
        #[test]
        fn validation_never_panics_and_errors_name_real_paths(n in -10.0f64..10.0, reason in 0usize..4, alone in any::<bool>()) {
            let t = template();
            let reasons = ["burglary_victim", "cocoon_neighbour", "referral", "resident_request"];
            let answers = secure_home(&t)
                .with("feel_safe", AnswerValue::Number(n))
                .with("survey_reason", choice(reasons[reason]))
                .with("lives_alone", if alone { yes() } else { no() });
            let visible = visible_paths(&t, &answers);
            for e in validate_answers(&t, &answers).errors() {
                prop_assert!(visible.contains(&e.field), "an error on a hidden or unknown field: {}", e.field);
            }
        }
    }
}

//! The rules a template must keep to be published: unique snake_case ids, `show_if` that only
//! looks backwards and within its own group, conditions that name real options, and weakness
//! rules that can fire and say where.

use std::collections::BTreeSet;

use super::super::condition::Condition;
use super::{AnswerKind, Item, Template, check_template_identity, is_id};

impl Template {
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

    /// Every rule the template breaks, added to `problems`.
    pub(super) fn check(&self, problems: &mut Vec<String>) {
        check_template_identity(&self.id, self.version, problems);
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

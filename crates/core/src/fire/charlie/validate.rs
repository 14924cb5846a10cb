//! Whether a check can be scored: every factor once on the template's scale, a Clutter Image
//! Rating that agrees with the hoarding score or a note saying why not, alarms that make
//! sense floor by floor, and hazards the template knows. Every problem names its field.

use std::collections::BTreeSet;

use crate::validation::ValidationErrors;

use super::super::template::{CIR_MAX, CIR_MIN, CharlieTemplate};
use super::CharlieCheck;

/// Longest note on a factor, so one field cannot swamp a record.
pub const NOTE_MAX: usize = 2_000;
/// Longest floor label.
pub const FLOOR_MAX: usize = 40;

impl CharlieCheck {
    /// Checks the check against its template; every problem is reported against its field.
    pub fn validate(&self, template: &CharlieTemplate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.template_id != template.id || self.template_version != template.version {
            errors.add(
                "template",
                format!(
                    "This check was scored on {} version {}; open it with that version, not {} version {}",
                    self.template_id, self.template_version, template.id, template.version
                ),
            );
            // Scores mean different things on another version; checking them would mislead.
            return errors.into_result(());
        }
        let scale = template
            .scale
            .iter()
            .map(|p| format!("{} ({})", p.value, p.label))
            .collect::<Vec<_>>()
            .join(", ");
        let mut seen = BTreeSet::new();
        for (i, f) in self.factors.iter().enumerate() {
            if template.factor(&f.factor).is_none() {
                errors.add(
                    &format!("factors[{i}].factor"),
                    format!("There is no factor \"{}\" on this check", f.factor),
                );
                continue;
            }
            if !seen.insert(f.factor.as_str()) {
                errors.add(
                    &format!("factors.{}.score", f.factor),
                    "This factor is scored twice; keep one score",
                );
            }
            if template.scale_point(f.score).is_none() {
                errors.add(
                    &format!("factors.{}.score", f.factor),
                    format!("Choose a score on the scale: {scale}"),
                );
            }
            if f.note.chars().count() > NOTE_MAX {
                errors.add(
                    &format!("factors.{}.note", f.factor),
                    format!("Use {NOTE_MAX} characters or fewer"),
                );
            }
        }
        for factor in &template.factors {
            if !seen.contains(factor.id.as_str()) {
                errors.add(
                    &format!("factors.{}.score", factor.id),
                    format!(
                        "Score {}; choose {} if it does not apply",
                        factor.title,
                        template.lowest_score()
                    ),
                );
            }
        }
        self.check_cir(template, &mut errors);
        let mut floors = BTreeSet::new();
        for (i, a) in self.alarms.iter().enumerate() {
            let floor = a.floor.trim();
            if floor.is_empty() || floor.chars().count() > FLOOR_MAX {
                errors.add(
                    &format!("alarms[{i}].floor"),
                    format!(
                        "Name the floor in {FLOOR_MAX} characters or fewer, e.g. \"Ground floor\""
                    ),
                );
            } else if !floors.insert(floor.to_lowercase()) {
                errors.add(&format!("alarms[{i}].floor"), "This floor is listed twice");
            }
            if !a.present && (a.working || a.tested) {
                errors.add(
                    &format!("alarms[{i}].present"),
                    "An alarm that was tested or working must be marked present",
                );
            }
            if a.working && !a.tested {
                errors.add(
                    &format!("alarms[{i}].tested"),
                    "Only mark an alarm working after testing it",
                );
            }
        }
        let mut flags = BTreeSet::new();
        for (i, id) in self.flags.iter().enumerate() {
            if template.flag(id).is_none() {
                errors.add(
                    &format!("flags[{i}]"),
                    format!("There is no hazard \"{id}\" on this check"),
                );
            } else if !flags.insert(id.as_str()) {
                errors.add(&format!("flags[{i}]"), "This hazard is ticked twice");
            }
        }
        errors.into_result(())
    }

    fn check_cir(&self, template: &CharlieTemplate, errors: &mut ValidationErrors) {
        let Some(rating) = self.clutter_image_rating else {
            return;
        };
        if !(CIR_MIN..=CIR_MAX).contains(&rating) {
            errors.add(
                "clutter_image_rating",
                format!("Choose a Clutter Image Rating from {CIR_MIN} to {CIR_MAX}"),
            );
            return;
        }
        let factor_id = &template.clutter_image_rating.factor;
        let scored = self.factors.iter().find(|f| &f.factor == factor_id);
        if let (Some(expected), Some(scored)) = (template.cir_score(rating), scored)
            && scored.score != expected
            && scored.note.trim().is_empty()
        {
            // A different score can be right (e.g. exits blocked at CIR 5), but only if said why.
            errors.add(
                &format!("factors.{factor_id}.note"),
                format!(
                    "A Clutter Image Rating of {rating} normally scores {expected}; you scored {}. Say why in the note",
                    scored.score
                ),
            );
        }
    }
}

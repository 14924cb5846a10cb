//! Where in the home: the words for the door, window or part of the home a finding or a measure
//! is about, shared by the screen, the resident's plan and work orders, so none of them shows an
//! answer path (`doors[0]`) or drops the place (issue 17: two unlabelled lighting findings, and
//! the snapped-cylinder finding for two doors printed once).
//!
//! A weakness inside a repeatable group is placed by its instance ("Door 2"); any other is
//! placed by its rule's `place` in the template ("Back of the home"), or is about the whole home.

use serde::{Deserialize, Serialize};

use super::catalogue::{Catalogue, Quantity};
use super::plan::PlanItem;
use super::template::Template;
use super::weakness::{Weakness, WeaknessRef};

/// Where one weakness was found, in the survey's words: "Door 2", "Back of the home"; None for
/// the whole home.
pub fn weakness_place(template: &Template, weakness: &WeaknessRef) -> Option<String> {
    match weakness.instance.as_deref() {
        Some(instance) => template.instance_label(instance),
        None => template
            .weakness(&weakness.id)
            .and_then(|rule| rule.place.clone()),
    }
}

/// Whether two weaknesses are in the same place, so that one unit of a per-place measure
/// fixes both: the same door or window, or the same part of the home.
pub(crate) fn same_place(template: &Template, a: &Weakness, b: &Weakness) -> bool {
    let rule_place = |w: &Weakness| template.weakness(&w.id).and_then(|r| r.place.as_deref());
    a.instance == b.instance && (a.instance.is_some() || rule_place(a) == rule_place(b))
}

/// "Door 1", "Door 1 and Door 2", "Door 1, Door 2 and Window 3".
pub fn in_words(places: &[String]) -> Option<String> {
    match places {
        [] => None,
        [one] => Some(one.clone()),
        [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
    }
}

/// Every place a plan line is for, each once: its doors and windows, then the parts of the home
/// its weaknesses are in. A measure fitted once for the whole home names a part of the home
/// only when everything it fixes is there (a gate lock at the side, not a leaflet).
pub fn item_places(template: &Template, catalogue: &Catalogue, item: &PlanItem) -> Vec<String> {
    let mut places: Vec<String> = Vec::new();
    let mut add = |place: String| {
        if !places.contains(&place) {
            places.push(place);
        }
    };
    for path in &item.applies_to {
        if let Some(label) = template.instance_label(path) {
            add(label);
        }
    }
    let parts: Vec<Option<String>> = item
        .addresses
        .iter()
        .filter(|w| w.instance.is_none())
        .map(|w| weakness_place(template, w))
        .collect();
    let per_home = catalogue
        .get(&item.measure_id)
        .is_some_and(|m| m.quantity == Quantity::PerHome);
    let one_part = parts.windows(2).all(|w| w[0] == w[1]);
    if !per_home || one_part {
        parts.into_iter().flatten().for_each(&mut add);
    }
    places
}

/// One thing found, as the resident reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Finding {
    /// Where, e.g. "Door 1 and Door 2"; None for the whole home.
    pub place: Option<String>,
    /// What is weak and why it matters, in plain words.
    pub text: String,
}

/// What was found, for the resident: each explanation once, naming every place it was found,
/// in the order given (heaviest first).
pub fn resident_findings(template: &Template, weaknesses: &[Weakness]) -> Vec<Finding> {
    let mut found: Vec<(&str, Vec<String>)> = Vec::new();
    for w in weaknesses {
        let place = weakness_place(template, &w.key());
        let at = match found.iter().position(|(text, _)| *text == w.explanation) {
            Some(at) => at,
            None => {
                found.push((&w.explanation, Vec::new()));
                found.len() - 1
            }
        };
        if let Some(place) = place
            && let Some((_, places)) = found.get_mut(at)
            && !places.contains(&place)
        {
            places.push(place);
        }
    }
    found
        .into_iter()
        .map(|(text, places)| Finding {
            place: in_words(&places),
            text: text.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::fixtures::World;
    use rstest::rstest;

    fn weakness(id: &str, instance: Option<&str>, explanation: &str) -> Weakness {
        Weakness {
            id: id.to_owned(),
            title: id.to_owned(),
            instance: instance.map(str::to_owned),
            causes: Vec::new(),
            explanation: explanation.to_owned(),
            evidence: crate::security::Evidence::Wide,
            weight: 1,
        }
    }

    #[rstest]
    #[case::a_door("cylinder_snappable", Some("doors[1]"), Some("Door 2"))]
    #[case::a_window("window_no_lock", Some("windows[0]"), Some("Window 1"))]
    #[case::the_front("front_light_missing", None, Some("Front of the home"))]
    #[case::the_back("rear_light_missing", None, Some("Back of the home"))]
    #[case::the_whole_home("no_interior_timers", None, None)]
    fn a_weakness_is_placed_in_the_surveys_words(
        #[case] id: &str,
        #[case] instance: Option<&str>,
        #[case] place: Option<&str>,
    ) {
        let w = World::load();
        let at = WeaknessRef {
            id: id.to_owned(),
            instance: instance.map(str::to_owned),
        };
        assert_eq!(weakness_place(&w.template, &at).as_deref(), place);
    }

    /// A repeat victim's otherwise secure home (silver) with the given outside lights.
    fn lights(front: &str, rear: &str) -> (World, crate::security::Answers) {
        use crate::security::fixtures::{choice, secure_home, yes};
        let w = World::load();
        let answers = secure_home(&w.template)
            .with("repeat_victim", yes())
            .with("front_light", choice(front))
            .with("rear_light", choice(rear));
        (w, answers)
    }

    #[rstest]
    #[case::front_and_back("none", "none", 2, &["Front of the home", "Back of the home"])]
    #[case::front_only("manual", "pir", 1, &["Front of the home"])]
    #[case::back_only("pir", "none", 1, &["Back of the home"])]
    fn a_sensor_light_is_proposed_for_each_place_without_one(
        #[case] front: &str,
        #[case] rear: &str,
        #[case] quantity: u32,
        #[case] places: &[&str],
    ) {
        use crate::security::fixtures::{actor, at};
        let (w, answers) = lights(front, rear);
        let plan = crate::security::propose_plan(
            &w.ctx(&answers),
            crate::security::SurveyId::new(),
            actor(crate::identity::Role::Officer),
            at(9),
        )
        .expect("plan");
        let line = plan
            .items
            .iter()
            .find(|i| i.measure_id == "pir_light")
            .expect("a sensor light is proposed");
        assert_eq!(line.quantity, quantity, "one light per place: {line:?}");
        assert_eq!(item_places(&w.template, &w.catalogue, line), places);
    }

    #[test]
    fn a_measure_for_the_whole_home_names_a_part_only_when_all_it_fixes_is_there() {
        let w = World::load();
        let mut item = crate::security::fixtures::plan_item(&w.catalogue, "security_advice");
        let at = |id: &str| WeaknessRef {
            id: id.to_owned(),
            instance: None,
        };
        item.addresses = vec![at("gate_left_open")];
        assert_eq!(
            item_places(&w.template, &w.catalogue, &item),
            ["Side of the home"]
        );
        item.addresses = vec![at("gate_left_open"), at("front_door_hidden")];
        assert!(item_places(&w.template, &w.catalogue, &item).is_empty());
    }

    #[rstest]
    #[case(&[], None)]
    #[case(&["Door 1"], Some("Door 1"))]
    #[case(&["Door 1", "Door 2"], Some("Door 1 and Door 2"))]
    #[case(&["Door 1", "Door 2", "Window 3"], Some("Door 1, Door 2 and Window 3"))]
    fn places_read_as_a_list(#[case] places: &[&str], #[case] words: Option<&str>) {
        let places: Vec<String> = places.iter().map(|p| (*p).to_owned()).collect();
        assert_eq!(in_words(&places).as_deref(), words);
    }

    #[test]
    fn findings_keep_every_place_and_never_show_a_path() {
        let w = World::load();
        let snap = "The lock cylinder can be snapped.";
        let light = "Lights that come on by themselves help.";
        let found = resident_findings(
            &w.template,
            &[
                weakness("cylinder_snappable", Some("doors[0]"), snap),
                weakness("front_light_missing", None, light),
                weakness("cylinder_snappable", Some("doors[1]"), snap),
                weakness("rear_light_missing", None, light),
                weakness("no_interior_timers", None, "Timers help."),
            ],
        );
        let read: Vec<(Option<&str>, &str)> = found
            .iter()
            .map(|f| (f.place.as_deref(), f.text.as_str()))
            .collect();
        assert_eq!(
            read,
            [
                (Some("Door 1 and Door 2"), snap),
                (Some("Front of the home and Back of the home"), light),
                (None, "Timers help."),
            ]
        );
    }
}

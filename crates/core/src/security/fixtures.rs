//! Shared test fixtures: the real asset files and a synthetic survey built from them.

use chrono::{DateTime, TimeZone, Utc};

use crate::ids::OfficerId;

use super::answers::{AnswerMap, AnswerValue, Answers, YesNo};
use super::catalogue::Catalogue;
use super::lifecycle::PlanActor;
use super::plan::PlanContext;
use super::policy::Policy;
use super::template::Template;
use crate::identity::Role;

pub const TEMPLATE: &str = include_str!("../../../../assets/templates/home-security-survey.toml");
pub const POLICY: &str = include_str!("../../../../assets/policy.toml");
pub const CATALOGUE: &str = include_str!("../../../../assets/catalogue/measures.toml");

pub fn template() -> Template {
    Template::from_toml(TEMPLATE).expect("the real survey template must load")
}
pub fn policy() -> Policy {
    Policy::from_toml(POLICY).expect("the real policy must load")
}
pub fn catalogue() -> Catalogue {
    Catalogue::from_toml(CATALOGUE).expect("the real catalogue must load")
}

pub fn yes() -> AnswerValue {
    AnswerValue::YesNo(YesNo::Yes)
}
pub fn no() -> AnswerValue {
    AnswerValue::YesNo(YesNo::No)
}
pub fn choice(s: &str) -> AnswerValue {
    AnswerValue::Choice(s.into())
}

pub fn instance(pairs: &[(&str, AnswerValue)]) -> AnswerMap {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// A sound, owner-occupied neighbour's home with nothing weak: the baseline each test changes.
pub fn secure_home(t: &Template) -> Answers {
    let door = instance(&[
        ("door_position", choice("front")),
        ("door_material", choice("composite")),
        ("door_condition", choice("sound")),
        ("door_multipoint", choice("working")),
        ("door_cylinder", choice("ts007_3star")),
        ("door_cylinder_projects", no()),
        ("door_glazing", choice("none")),
        ("door_letterbox", choice("guarded")),
        ("door_viewer", yes()),
        ("door_chain", yes()),
    ]);
    Answers::new(t)
        .with("survey_reason", choice("cocoon_neighbour"))
        .with("repeat_victim", no())
        .with("doors", AnswerValue::Group(vec![door]))
        .with("side_gate", choice("lockable_full_height"))
        .with("front_light", choice("pir"))
        .with("rear_light", choice("pir"))
        .with("interior_timers", yes())
        .with("alarm_type", choice("monitored_urn"))
        .with("alarm_in_use", yes())
        .with("cctv_type", choice("none"))
        .with("has_outbuilding", no())
        .with("keyless_car", no())
        .with("keys_near_door", no())
        .with("lives_alone", no())
        .with("age_band", choice("35_to_49"))
        .with("disability_or_mobility", no())
        .with("da_concern", no())
        .with("tenure", choice("owner"))
        .with("feel_safe", AnswerValue::Number(4.0))
}

/// A window instance.
pub fn window(location: &str, lock: &str, escape: AnswerValue) -> AnswerMap {
    instance(&[
        ("window_location", choice(location)),
        ("window_key_lock", choice(lock)),
        ("window_escape", escape),
    ])
}

pub fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, hour, 0, 0)
        .single()
        .expect("valid time")
}

pub fn actor(role: Role) -> PlanActor {
    PlanActor {
        officer_id: OfficerId::new(),
        role,
    }
}

/// Owns the loaded files so a `PlanContext` can borrow them.
pub struct World {
    pub template: Template,
    pub policy: Policy,
    pub catalogue: Catalogue,
}

impl World {
    pub fn load() -> Self {
        Self {
            template: template(),
            policy: policy(),
            catalogue: catalogue(),
        }
    }
    pub fn ctx<'a>(&'a self, answers: &'a Answers) -> PlanContext<'a> {
        PlanContext {
            template: &self.template,
            answers,
            policy: &self.policy,
            catalogue: &self.catalogue,
        }
    }
}

/// A plan line for one of `measure_id`, for the whole home and fixing nothing yet.
pub fn plan_item(catalogue: &Catalogue, measure_id: &str) -> super::plan::PlanItem {
    let m = catalogue.get(measure_id).expect("measure in the catalogue");
    super::plan::PlanItem {
        id: super::ids::PlanItemId::new(),
        measure_id: m.id.clone(),
        name: m.name.clone(),
        tier: m.tier,
        trade: m.trade,
        quantity: 1,
        unit_cost_pence: m.unit_cost_pence,
        actual_cost_pence: None,
        addresses: Vec::new(),
        applies_to: Vec::new(),
        origin: super::plan::ItemOrigin::Officer,
    }
}

//! Computing a plan from a full survey (goal: 1 ms or less), and the survey state the
//! screen re-reads after every autosave.
//! Run: `cargo bench -p doorstep-core --bench plan`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use doorstep_core::OfficerId;
use doorstep_core::security::{
    AnswerMap, AnswerValue, Answers, Catalogue, PlanActor, PlanContext, Policy, Role, SurveyId,
    Template, YesNo, assess, progress, propose_plan, validate_answers, visible_paths,
};

const TEMPLATE: &str = include_str!("../../../assets/templates/home-security-survey.toml");
const POLICY: &str = include_str!("../../../assets/policy.toml");
const CATALOGUE: &str = include_str!("../../../assets/catalogue/measures.toml");

fn choice(s: &str) -> AnswerValue {
    AnswerValue::Choice(s.into())
}

fn group(pairs: &[(&str, AnswerValue)]) -> AnswerMap {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// A repeat victim's home with a weak rear door, unlocked ground-floor windows, no rear
/// light and an open side gate: a survey that finds many weaknesses.
fn weak_home(t: &Template) -> Answers {
    let no = AnswerValue::YesNo(YesNo::No);
    let yes = AnswerValue::YesNo(YesNo::Yes);
    let door = |position: &str, material: &str, cylinder: &str| {
        group(&[
            ("door_position", choice(position)),
            ("door_material", choice(material)),
            ("door_condition", choice("sound")),
            ("door_multipoint", choice("working")),
            ("door_cylinder", choice(cylinder)),
            ("door_cylinder_projects", yes.clone()),
            ("door_glazing", choice("none")),
            ("door_letterbox", choice("guarded")),
            ("door_viewer", no.clone()),
            ("door_chain", no.clone()),
        ])
    };
    let window = |location: &str| {
        group(&[
            ("window_location", choice(location)),
            ("window_key_lock", choice("none")),
            ("window_escape", AnswerValue::YesNo(YesNo::No)),
        ])
    };
    Answers::new(t)
        .with("survey_reason", choice("cocoon_neighbour"))
        .with("repeat_victim", yes.clone())
        .with(
            "doors",
            AnswerValue::Group(vec![
                door("front", "upvc", "unmarked"),
                door("rear", "upvc", "one_star_only"),
            ]),
        )
        .with(
            "windows",
            AnswerValue::Group(vec![
                window("ground_front"),
                window("ground_rear"),
                window("ground_side"),
            ]),
        )
        .with("side_gate", choice("none_open_access"))
        .with("front_light", choice("pir"))
        .with("rear_light", choice("none"))
        .with("interior_timers", no.clone())
        .with("alarm_type", choice("none"))
        .with("cctv_type", choice("none"))
        .with("has_outbuilding", no.clone())
        .with("keyless_car", no.clone())
        .with("keys_near_door", yes.clone())
        .with("lives_alone", yes)
        .with("age_band", choice("75_to_84"))
        .with("disability_or_mobility", no.clone())
        .with("da_concern", no)
        .with("tenure", choice("owner"))
        .with("feel_safe", AnswerValue::Number(2.0))
}

fn bench(c: &mut Criterion) {
    let template = Template::from_toml(TEMPLATE).expect("template");
    let policy = Policy::from_toml(POLICY).expect("policy");
    let catalogue = Catalogue::from_toml(CATALOGUE).expect("catalogue");
    let answers = weak_home(&template);
    let ctx = PlanContext {
        template: &template,
        answers: &answers,
        policy: &policy,
        catalogue: &catalogue,
    };
    let by = PlanActor {
        officer_id: OfficerId::new(),
        role: Role::Officer,
    };
    let at = Utc
        .with_ymd_and_hms(2026, 11, 27, 10, 0, 0)
        .single()
        .expect("time");
    let plan = propose_plan(&ctx, SurveyId::new(), by, at).expect("a plan for a weak home");
    assert!(
        plan.items.len() >= 3,
        "the fixture must exercise the engine: {} items",
        plan.items.len()
    );
    c.bench_function(
        "plan from a full survey (assess + recommend + propose)",
        |b| b.iter(|| propose_plan(&ctx, SurveyId::new(), by, at).expect("plan")),
    );
    // What the survey screen waits for after each autosave, besides the write itself.
    c.bench_function(
        "survey state after an answer (visible + progress + problems + assess)",
        |b| {
            b.iter(|| {
                (
                    visible_paths(&template, &answers),
                    progress(&template, &answers),
                    validate_answers(&template, &answers),
                    assess(&template, &answers, &policy).expect("assess"),
                )
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);

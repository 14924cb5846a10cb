use super::*;
use crate::identity::Role;
use crate::security::answers::{AnswerValue, YesNo};
use crate::security::fixtures::*;
use crate::security::weakness::Weakness;
use proptest::prelude::*;
use rstest::rstest;

fn plan_for(w: &World, answers: &Answers) -> Plan {
    propose_plan(
        &w.ctx(answers),
        SurveyId::new(),
        actor(Role::Officer),
        at(9),
    )
    .expect("plan")
}

fn victim_with_weak_back_door(t: &Template) -> Answers {
    let back = instance(&[
        ("door_position", choice("back")),
        ("door_entry_point", yes()),
        ("door_material", choice("upvc")),
        ("door_condition", choice("sound")),
        ("door_multipoint", choice("working")),
        ("door_cylinder", choice("one_star_only")),
        ("door_glazing", choice("none")),
        (
            "door_reinforcement",
            AnswerValue::Choices(vec!["hinge_bolts".into()]),
        ),
    ]);
    let mut answers = secure_home(t)
        .with("survey_reason", choice("burglary_victim"))
        .with(
            "burglary_date",
            AnswerValue::Date(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")),
        )
        .with("burglary_time_window", choice("evening"))
        .with("point_of_entry", choice("rear_door"))
        .with("method_of_entry", choice("cylinder_snapped"))
        .with("car_keys_taken", no());
    if let Some(AnswerValue::Group(doors)) = answers.values.get_mut("doors") {
        doors.push(back);
    }
    answers
}

fn has_rule(v: &[PlanRuleViolation], pick: fn(&PlanRuleViolation) -> bool) -> bool {
    v.iter().any(pick)
}

/// A weakness the proposal cannot fix is listed with the reason, never dropped, so the
/// officer can add a measure by hand or record why the home is left with it.
#[rstest]
#[case::cap_reached(true, "The Silver cap of £0.01 is reached")]
#[case::no_measure_in_the_catalogue(
    false,
    "No Silver measure in the catalogue fits this weakness here"
)]
fn a_weakness_left_without_a_measure_says_why(#[case] tiny_cap: bool, #[case] reason: &str) {
    let mut w = World::load();
    if tiny_cap {
        w.policy.budget_caps_pence.silver = 1;
    } else {
        w.catalogue
            .measures
            .retain(|m| !m.addresses.iter().any(|a| a == "cylinder_snappable"));
    }
    let answers = victim_with_weak_back_door(&w.template);
    let plan = plan_for(&w, &answers);
    let left = plan
        .uncovered
        .iter()
        .find(|u| u.weakness.id == "cylinder_snappable")
        .unwrap_or_else(|| panic!("the snappable cylinder is listed: {:?}", plan.uncovered));
    assert_eq!(left.weakness.instance.as_deref(), Some("doors[1]"));
    assert_eq!(left.reason, reason);
    assert!(
        plan.items
            .iter()
            .all(|i| !i.addresses.iter().any(|a| a.id == "cylinder_snappable")),
        "no line claims to fix it"
    );
}

#[rstest]
#[case::secure_neighbour(&[], Tier::Bronze, false)]
#[case::first_time_victim(&[("survey_reason", "burglary_victim")], Tier::Silver, false)]
#[case::repeat_victim_secure_home(&[("repeat_victim", "yes")], Tier::Silver, false)]
#[case::repeat_and_very_vulnerable(&[("repeat_victim", "yes"), ("lives_alone", "yes"), ("age_band", "85_plus"), ("disability_or_mobility", "yes"), ("interior_timers", "no"), ("rear_light", "none"), ("front_light", "none")], Tier::Gold, false)]
#[case::older_alone_neighbour(&[("lives_alone", "yes"), ("age_band", "75_to_84"), ("disability_or_mobility", "yes")], Tier::Silver, false)]
#[case::da_concern_never_raises(&[("da_concern", "yes")], Tier::Bronze, true)]
fn tier_recommendation_table(
    #[case] changes: &[(&str, &str)],
    #[case] want: Tier,
    #[case] refer: bool,
) {
    let w = World::load();
    let mut answers = secure_home(&w.template);
    for (item, value) in changes {
        let v = match *value {
            "yes" => AnswerValue::YesNo(YesNo::Yes),
            "no" => AnswerValue::YesNo(YesNo::No),
            other => choice(other),
        };
        answers = answers.with(item, v);
    }
    let a = assess(&w.template, &answers, &w.policy).expect("assess");
    let rec = recommend_tier(&w.template, &answers, &w.policy, &a);
    assert_eq!(rec.tier, want, "tier for {changes:?}: {:?}", rec.reasons);
    assert_eq!(
        rec.refer_to_da_service.is_some(),
        refer,
        "DA concern is flagged for referral only"
    );
    assert!(!rec.reasons.is_empty(), "the officer sees why");
}

#[test]
fn a_weak_back_door_gets_an_anti_snap_cylinder_in_a_silver_plan() {
    let w = World::load();
    let answers = victim_with_weak_back_door(&w.template);
    let plan = plan_for(&w, &answers);
    assert_eq!(
        plan.tier,
        Tier::Silver,
        "a first-time victim gets silver: {:?}",
        plan.recommendation.reasons
    );
    let line = plan
        .items
        .iter()
        .find(|i| i.measure_id == "anti_snap_cylinder")
        .expect("cylinder proposed");
    assert_eq!(
        line.applies_to,
        vec!["doors[1]".to_owned()],
        "fitted to the back door only"
    );
    assert_eq!(
        line.addresses,
        vec![WeaknessRef {
            id: "cylinder_snappable".into(),
            instance: Some("doors[1]".into())
        }],
        "the line says which weakness it fixes"
    );
    assert!(
        plan.check(&w.ctx(&answers)).expect("check").is_empty(),
        "the proposal is agreeable as made"
    );
}

#[test]
fn the_cap_holds_unless_a_reason_is_recorded() {
    let w = World::load();
    let answers = victim_with_weak_back_door(&w.template);
    let ctx = w.ctx(&answers);
    let mut plan = plan_for(&w, &answers);
    assert!(!plan.is_over_cap(), "proposals stay within the cap");
    plan.add_measure(&ctx, "anti_snap_cylinder", 5, vec!["doors[1]".into()])
        .expect("officer adds");
    assert!(plan.is_over_cap(), "five cylinders exceed £500");
    let broken = plan.check(&ctx).expect("check");
    assert!(
        has_rule(&broken, |v| matches!(
            v,
            PlanRuleViolation::OverCapNeedsReason { .. }
        )),
        "{broken:?}"
    );
    assert!(
        plan.record_over_cap_reason("   ").is_err(),
        "a blank reason is not a reason"
    );
    plan.record_over_cap_reason("Multiple entry doors all attacked")
        .expect("reason");
    assert!(
        plan.check(&ctx).expect("check").is_empty(),
        "with a recorded reason the plan may exceed the cap"
    );
    let totals = plan.totals();
    assert_eq!(
        totals.estimated_pence,
        plan.items
            .iter()
            .map(PlanItem::estimated_pence)
            .sum::<u32>(),
        "the total is the sum of the lines"
    );
}

#[rstest]
#[case::escape(YesNo::Yes, false)]
#[case::maybe_escape(YesNo::Unknown, false)]
#[case::not_escape(YesNo::No, true)]
fn escape_windows_are_never_key_locked(#[case] escape: YesNo, #[case] lockable: bool) {
    let w = World::load();
    let answers = victim_with_weak_back_door(&w.template).with(
        "windows",
        AnswerValue::Group(vec![window(
            "ground_rear",
            "none",
            AnswerValue::YesNo(escape),
        )]),
    );
    let ctx = w.ctx(&answers);
    let mut plan = plan_for(&w, &answers);
    let proposed: Vec<_> = plan.items.iter().map(|i| i.measure_id.as_str()).collect();
    assert_eq!(
        proposed.contains(&"window_lock"),
        lockable,
        "proposal: {proposed:?}"
    );
    assert_eq!(
        proposed.contains(&"window_alarm"),
        !lockable,
        "an escape window gets the alarm instead"
    );
    let added = plan.add_measure(&ctx, "window_lock", 1, vec!["windows[0]".into()]);
    assert_eq!(
        added.is_ok(),
        lockable,
        "adding a key lock by hand obeys the same rule: {added:?}"
    );
    if !lockable {
        assert!(matches!(
            added,
            Err(PlanError::Rule(
                PlanRuleViolation::KeyLockOnEscapeWindow { .. }
            ))
        ));
    }
    let no_window = plan.add_measure(&ctx, "window_lock", 1, vec![]);
    assert!(
        no_window.is_err(),
        "a key lock must say which window, so the rule can be checked"
    );
}

#[rstest]
#[case::owner("owner", false, false)]
#[case::council_tenant("tenant_council", true, false)]
#[case::private_tenant("tenant_private", true, false)]
#[case::tenure_unanswered("", false, true)]
fn fabric_work_for_a_tenant_needs_landlord_consent(
    #[case] tenure: &str,
    #[case] consent: bool,
    #[case] unknown: bool,
) {
    let w = World::load();
    let mut answers = victim_with_weak_back_door(&w.template);
    if tenure.is_empty() {
        answers.values.remove("tenure");
    } else {
        answers = answers
            .with("tenure", choice(tenure))
            .with("landlord_consent", choice("to_ask"));
    }
    let ctx = w.ctx(&answers);
    let mut plan = plan_for(&w, &answers);
    let broken = plan.check(&ctx).expect("check");
    assert_eq!(
        has_rule(&broken, |v| matches!(
            v,
            PlanRuleViolation::MissingLandlordConsent { .. }
        )),
        consent,
        "{broken:?}"
    );
    assert_eq!(
        has_rule(&broken, |v| matches!(
            v,
            PlanRuleViolation::TenureUnknown { .. }
        )),
        unknown,
        "{broken:?}"
    );
    plan.record_landlord_consent(
        "Example Homes Ltd",
        "Email ref EH-0001",
        actor(Role::Officer),
        at(10),
    )
    .expect("consent");
    let broken = plan.check(&ctx).expect("check");
    assert!(
        !has_rule(&broken, |v| v.field() == "landlord_consent"),
        "recorded consent satisfies the rule"
    );
}

#[test]
fn cctv_needs_the_residents_acknowledgement() {
    let w = World::load();
    let answers = victim_with_weak_back_door(&w.template).with("repeat_victim", yes());
    let ctx = w.ctx(&answers);
    let mut plan = plan_for(&w, &answers);
    assert!(
        plan.items.iter().any(|i| i.measure_id == "video_doorbell"),
        "repeat victim without a camera gets a doorbell"
    );
    let broken = plan.check(&ctx).expect("check");
    assert!(
        has_rule(&broken, |v| matches!(
            v,
            PlanRuleViolation::MissingCctvAcknowledgement { .. }
        )),
        "{broken:?}"
    );
    plan.record_cctv_acknowledgement(&w.policy, "A. Resident", actor(Role::Officer), at(10))
        .expect("ack");
    assert!(
        plan.check(&ctx).expect("check").is_empty(),
        "acknowledged: nothing left to fix"
    );
}

#[test]
fn gold_on_da_grounds_needs_the_da_service() {
    let w = World::load();
    let answers = secure_home(&w.template)
        .with("da_concern", yes())
        .with("interior_timers", no());
    let ctx = w.ctx(&answers);
    let mut plan = plan_for(&w, &answers);
    assert_eq!(
        plan.tier,
        Tier::Bronze,
        "DA does not raise the recommendation"
    );
    let no_reason = plan.choose_tier(&ctx, Tier::Silver, None, None);
    assert!(
        matches!(
            no_reason,
            Err(PlanError::Rule(
                PlanRuleViolation::TierChangeNeedsReason { .. }
            ))
        ),
        "{no_reason:?}"
    );
    let officer_gold = plan.choose_tier(
        &ctx,
        Tier::Gold,
        Some("Resident is frightened".into()),
        None,
    );
    assert!(
        matches!(
            officer_gold,
            Err(PlanError::Rule(PlanRuleViolation::GoldNeedsDaService))
        ),
        "{officer_gold:?}"
    );
    assert_eq!(
        plan.tier,
        Tier::Bronze,
        "a refused change leaves the plan as it was"
    );
    plan.choose_tier(
        &ctx,
        Tier::Gold,
        Some("DA service sanctuary decision".into()),
        Some("DAS-2026-0042".into()),
    )
    .expect("the DA service's decision allows gold");
    assert_eq!(
        plan.cap_pence, w.policy.budget_caps_pence.gold,
        "the cap follows the tier"
    );
}

#[test]
fn officers_cannot_add_measures_for_weaknesses_not_found() {
    let w = World::load();
    let answers = secure_home(&w.template).with("interior_timers", no());
    let mut plan = plan_for(&w, &answers);
    let err = plan.add_measure(&w.ctx(&answers), "door_viewer", 1, vec![]);
    assert!(
        matches!(
            err,
            Err(PlanError::Rule(
                PlanRuleViolation::NotForAWeaknessFound { .. }
            ))
        ),
        "{err:?}"
    );
    let err = plan.add_measure(&w.ctx(&answers), "no_such_measure", 1, vec![]);
    assert!(
        matches!(
            err,
            Err(PlanError::Rule(PlanRuleViolation::UnknownMeasure { .. }))
        ),
        "{err:?}"
    );
}

#[rstest]
#[case(0, "£0.00")]
#[case(1_050, "£10.50")]
#[case(123_456, "£1,234.56")]
#[case(150_000_000, "£1,500,000.00")]
fn pence_format_as_pounds(#[case] pence: u32, #[case] text: &str) {
    assert_eq!(
        format_pence(pence),
        text,
        "messages show money the way officers read it"
    );
}

proptest! {
    #[test]
    fn proposals_only_fix_weaknesses_found_stay_in_cap_and_are_stable(
        timers in any::<bool>(), rear in any::<bool>(), repeat in any::<bool>(), alone in any::<bool>(),
        windows in proptest::collection::vec((0usize..3, 0usize..3, 0usize..3), 0..6),
    ) {
        let w = World::load();
        let locks = ["none", "key_left_in", "locked_keys_removed"];
        let escapes = [YesNo::Yes, YesNo::No, YesNo::Unknown];
        let places = ["ground_rear", "ground_front", "not_accessible"];
        let group = windows.iter().map(|(p, l, e)| window(places[*p], locks[*l], AnswerValue::YesNo(escapes[*e]))).collect();
        let answers = victim_with_weak_back_door(&w.template)
            .with("interior_timers", if timers { yes() } else { no() })
            .with("rear_light", choice(if rear { "none" } else { "pir" }))
            .with("repeat_victim", if repeat { yes() } else { no() })
            .with("lives_alone", if alone { yes() } else { no() })
            .with("windows", AnswerValue::Group(group));
        let ctx = w.ctx(&answers);
        let found: Vec<WeaknessRef> = ctx.assess().expect("assess").weaknesses.iter().map(Weakness::key).collect();
        let plan = plan_for(&w, &answers);
        for item in &plan.items {
            prop_assert!(!item.addresses.is_empty(), "{} fixes nothing", item.measure_id);
            for r in &item.addresses {
                prop_assert!(found.contains(r), "{} claims {:?}, which was not found", item.measure_id, r);
            }
        }
        prop_assert!(!plan.is_over_cap(), "a proposal never exceeds its cap");
        let broken = plan.check(&ctx).expect("check");
        prop_assert!(
            !has_rule(&broken, |v| matches!(v, PlanRuleViolation::KeyLockOnEscapeWindow { .. } | PlanRuleViolation::NotForAWeaknessFound { .. } | PlanRuleViolation::MeasureAboveTier { .. })),
            "the engine never proposes what its own rules refuse: {broken:?}"
        );
        let again = plan_for(&w, &answers);
        prop_assert_eq!(&plan.recommendation, &again.recommendation, "same answers, same recommendation");
        let ids = |p: &Plan| p.items.iter().map(|i| (i.measure_id.clone(), i.quantity)).collect::<Vec<_>>();
        prop_assert_eq!(ids(&plan), ids(&again), "same answers, same measures");
    }
}

fn name(n: &str) -> String {
    n.to_owned()
}

/// Each rule as the screens get it: its stable id, core's sentence and the field it links to.
/// The ids and fields are what the UI keys on, so a change here is a change to the UI's contract.
#[rstest]
#[case::no_measures(
    PlanRuleViolation::NoMeasures,
    "no_measures",
    "The plan has no measures: add at least one, or give advice only without a plan",
    "items"
)]
#[case::unknown_measure(
    PlanRuleViolation::UnknownMeasure { measure: name("door_bar") },
    "unknown_measure",
    "Measure \"door_bar\" is not in the catalogue: remove it and choose another",
    "items"
)]
#[case::measure_above_tier(
    PlanRuleViolation::MeasureAboveTier { name: name("Video doorbell"), measure_tier: name("Gold"), plan_tier: name("Bronze") },
    "measure_above_tier",
    "Video doorbell is a Gold measure but this is a Bronze plan: remove it or change the tier with a reason",
    "items"
)]
#[case::not_for_a_weakness_found(
    PlanRuleViolation::NotForAWeaknessFound { name: name("Door chain") },
    "not_for_a_weakness_found",
    "Door chain does not fix any weakness found in this home: plans only fund measures for weaknesses found",
    "items"
)]
#[case::bad_quantity(
    PlanRuleViolation::BadQuantity { name: name("Door chain") },
    "bad_quantity",
    "Quantity for Door chain must be between 1 and 50",
    "items"
)]
#[case::key_lock_needs_windows(
    PlanRuleViolation::KeyLockNeedsWindows { name: name("Window lock") },
    "key_lock_needs_windows",
    "Window lock key-locks windows: choose which windows it is for, so escape windows can be checked",
    "applies_to"
)]
#[case::key_lock_on_escape_window(
    PlanRuleViolation::KeyLockOnEscapeWindow { name: name("Window lock"), window: name("windows[2]") },
    "key_lock_on_escape_window",
    "Window lock cannot go on windows[2]: it is, or may be, an escape window and must never be key-locked. Confirm it is not an escape window, or choose laminated glazing or a window alarm instead",
    "applies_to"
)]
#[case::missing_landlord_consent(
    PlanRuleViolation::MissingLandlordConsent { measures: name("Door bar, Window lock") },
    "missing_landlord_consent",
    "The resident rents: record the landlord's consent before Door bar, Window lock (these change the building)",
    "landlord_consent"
)]
#[case::tenure_unknown(
    PlanRuleViolation::TenureUnknown { measures: name("Door bar") },
    "tenure_unknown",
    "Record whether the resident owns or rents before Door bar: a tenant needs the landlord's consent",
    "landlord_consent"
)]
#[case::missing_cctv_acknowledgement(
    PlanRuleViolation::MissingCctvAcknowledgement { measures: name("Video doorbell"), version: name("2025-1") },
    "missing_cctv_acknowledgement",
    "Record the resident's acknowledgement of the domestic CCTV guidance (version 2025-1) before Video doorbell",
    "cctv_acknowledgement"
)]
#[case::tier_change_needs_reason(
    PlanRuleViolation::TierChangeNeedsReason { recommended: name("Silver"), chosen: name("Gold") },
    "tier_change_needs_reason",
    "The recommended tier is Silver: record why you chose Gold",
    "tier_reason"
)]
#[case::gold_needs_da_service(
    PlanRuleViolation::GoldNeedsDaService,
    "gold_needs_da_service",
    "A domestic abuse concern is flagged: only the DA service can decide a gold plan. Refer the case and record their decision reference",
    "da_service_decision"
)]
#[case::over_cap_needs_reason(
    PlanRuleViolation::OverCapNeedsReason { total: name("£612.00"), cap: name("£500.00"), tier: name("Silver") },
    "over_cap_needs_reason",
    "The plan costs £612.00 against the Silver cap of £500.00: remove measures or record why the extra is needed",
    "over_cap_reason"
)]
fn each_plan_rule_reaches_the_screen_as_id_sentence_and_field(
    #[case] violation: PlanRuleViolation,
    #[case] rule: &str,
    #[case] message: &str,
    #[case] field: &str,
) {
    let shown = crate::views::RuleViolation::from(&violation);
    assert_eq!(shown.rule, rule, "the stable id of {violation:?}");
    assert_eq!(shown.message, message, "core's sentence for {rule}");
    assert_eq!(
        shown.field.as_deref(),
        Some(field),
        "the field the screen links {rule} to"
    );
    assert_eq!(
        violation.settled_at_approval(),
        rule == "over_cap_needs_reason",
        "only the cap waits for the supervisor; {rule} stops the resident agreeing"
    );
}

#[test]
fn totals_give_each_line_and_the_room_left_under_the_cap() {
    let w = World::load();
    let answers = victim_with_weak_back_door(&w.template);
    let plan = plan_for(&w, &answers);
    let totals = plan.totals();
    let lines: Vec<(PlanItemId, u32)> = totals
        .lines
        .iter()
        .map(|l| (l.item_id, l.estimated_pence))
        .collect();
    let expected: Vec<(PlanItemId, u32)> = plan
        .items
        .iter()
        .map(|i| (i.id, i.quantity * i.unit_cost_pence))
        .collect();
    assert_eq!(
        lines, expected,
        "one estimate per line, in the plan's order"
    );
    assert_eq!(
        totals.under_cap_by_pence + totals.estimated_pence,
        totals.cap_pence + totals.over_cap_by_pence,
        "the room left and the excess balance the estimate against the cap"
    );
    assert!(
        totals.under_cap_by_pence == 0 || totals.over_cap_by_pence == 0,
        "a plan is under the cap or over it, never both"
    );
}

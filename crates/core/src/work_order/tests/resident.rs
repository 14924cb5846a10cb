//! What the resident is told happens next: only the firms really given work, never a trade
//! guessed from the plan, and no firm at all before approval.

use super::*;

/// A locksmith's, an electrician's, a joiner's and a handyperson's measure, and a pouch the
/// officer hands over. In ZY5 no handyperson firm works, so the locksmith's firm takes it.
fn four_trades(status: PlanStatus) -> Plan {
    let mut plan = plan_with(&[
        ("anti_snap_cylinder", 1),
        ("pir_light", 1),
        ("door_frame_repair", 1),
        ("door_viewer", 1),
        ("signal_blocking_pouch", 1),
    ]);
    plan.status = status;
    plan
}

/// How the plan used to promise trades ("A locksmith, an electrician, a joiner and a handyperson").
const TRADES: &[&str] = &["a locksmith", "an electrician", "a joiner", "a handyperson"];

fn all_text(next: &ResidentNextSteps) -> String {
    format!("{} {} {}", next.who, next.why, next.details.join(" ")).to_lowercase()
}

#[rstest]
#[case::draft(PlanStatus::Draft)]
#[case::agreed(PlanStatus::Agreed)]
fn before_approval_no_firm_or_trade_is_promised(#[case] status: PlanStatus) {
    let plan = four_trades(status);
    let next = resident_next_steps(&plan, &[], 3);
    assert_eq!(next.who, "Once your plan is approved, we");
    let text = all_text(&next);
    for word in TRADES.iter().chain(&["ltd", "work order"]) {
        assert!(!text.contains(word), "promises {word:?}: {text}");
    }
    assert!(text.contains("signal-blocking key pouch"), "{text}");
}

#[test]
fn after_approval_each_firm_really_given_work_is_named_with_what_it_fits() {
    let plan = four_trades(PlanStatus::Approved);
    let orders = orders(&plan, "ZY5 2AD", &FirmChoices::default()).expect("orders");
    assert_eq!(
        orders.len(),
        3,
        "the handyperson's item goes to the locksmiths"
    );
    let next = resident_next_steps(&plan, &orders, 3);
    assert_eq!(
        next.who,
        "Quillon Locks Ltd, Vale Electrical and Security and Sampleton Joinery and Fencing"
    );
    assert_eq!(next.why, "to arrange a time that suits you");
    let locks = orders.first().expect("order");
    assert!(
        next.details.contains(&format!(
            "Quillon Locks Ltd (work order {}) will fit: Anti-snap lock cylinder and Door viewer.",
            locks.number
        )),
        "{:?}",
        next.details
    );
    let text = all_text(&next);
    for trade in TRADES {
        assert!(!text.contains(trade), "names a trade, not a firm: {text}");
    }
    assert!(text.contains("your home safety officer will give you: signal-blocking key pouch"));
}

#[test]
fn a_declined_order_is_not_promised_and_the_resident_is_told_we_are_finding_another_firm() {
    let mut plan = four_trades(PlanStatus::Approved);
    let mut orders = orders(&plan, "ZY5 2AD", &FirmChoices::default()).expect("orders");
    plan.status = PlanStatus::Ordered;
    if let Some(o) = orders.iter_mut().find(|o| o.firm.id == "vale_electrical") {
        o.status = WorkOrderStatus::Declined;
    }
    let next = resident_next_steps(&plan, &orders, 3);
    assert!(!next.who.contains("Vale"), "{}", next.who);
    assert!(
        next.details
            .iter()
            .any(|d| d.starts_with("We are finding another firm to fit: Motion-sensor")),
        "{:?}",
        next.details
    );
}

#[rstest]
#[case::approved_but_no_order_yet(&[("anti_snap_cylinder", 1)], "We")]
#[case::nothing_to_fit(&[("signal_blocking_pouch", 1)], "Your home safety officer")]
fn without_an_order_no_firm_is_named(#[case] lines: &[(&str, u32)], #[case] who: &str) {
    let mut plan = plan_with(lines);
    plan.status = PlanStatus::Approved;
    assert_eq!(resident_next_steps(&plan, &[], 3).who, who);
}

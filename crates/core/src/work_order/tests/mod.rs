#![allow(clippy::expect_used, clippy::unwrap_used)]
use super::*;
use crate::household::Household;
use crate::identity::Role;
use crate::ids::OfficerId;
use crate::postcode::Postcode;
use crate::security::ids::{PlanItemId, SurveyId};
use crate::security::lifecycle::PlanActor;
use crate::security::plan::{ItemOrigin, TierRecommendation};
use crate::security::policy::{Level, Tier};
use chrono::TimeZone;
use proptest::prelude::*;
use rstest::rstest;

const CATALOGUE: &str = include_str!("../../../../../assets/catalogue/measures.toml");
const TEMPLATE: &str = include_str!("../../../../../assets/templates/home-security-survey.toml");
const CONTRACTORS: &str = include_str!("../../../../../assets/contractors.toml");
/// What the survey said about the resident: none of it may reach an order.
const SECRETS: &[&str] = &[
    "SECRET-RISK-REASON",
    "SECRET-DA-ROUTE",
    "SECRET-TIER-REASON",
    "SECRET-UNCOVERED",
    "SECRET-RESIDENT-SIGNATURE",
];

fn catalogue() -> Catalogue {
    Catalogue::from_toml(CATALOGUE).expect("the real catalogue loads")
}

fn template() -> Template {
    Template::from_toml(TEMPLATE).expect("the real template loads")
}

fn contractors() -> Contractors {
    Contractors::from_toml(CONTRACTORS).expect("the real contractors list loads")
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 10, 0, 0)
        .single()
        .expect("valid")
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("valid")
}

fn household(postcode: &str) -> Household {
    Household {
        id: HouseholdId::new(),
        uprn: None,
        address_line_1: "3 Quillon Row".into(),
        address_line_2: Some("Upper Flat".into()),
        address_line_3: None,
        town: "Eastwick Vale".into(),
        postcode: Postcode::parse(postcode).expect("postcode"),
        coordinates: None,
        created_at: at(1),
        updated_at: at(1),
    }
}

/// An approved plan with these (measure, quantity) lines, carrying sensitive text in
/// every field an order must not copy.
fn plan_with(lines: &[(&str, u32)]) -> Plan {
    let catalogue = catalogue();
    let actor = PlanActor {
        officer_id: OfficerId::new(),
        role: Role::Officer,
    };
    Plan {
        id: PlanId::new(),
        survey_id: SurveyId::new(),
        template_id: "home_security".into(),
        template_version: 1,
        policy_version: "2026.1".into(),
        catalogue_version: catalogue.version.clone(),
        recommendation: TierRecommendation {
            tier: Tier::Gold,
            matrix_tier: Tier::Silver,
            risk_level: Level::High,
            vulnerability_level: Level::High,
            reasons: vec![SECRETS[0].into()],
            refer_to_da_service: None,
        },
        tier: Tier::Gold,
        tier_reason: Some(SECRETS[2].into()),
        da_service_decision: None,
        cap_pence: 1_000_000,
        over_cap_reason: None,
        items: lines
            .iter()
            .map(|(id, quantity)| {
                let m = catalogue.get(id).expect("measure in catalogue");
                PlanItem {
                    id: PlanItemId::new(),
                    measure_id: m.id.clone(),
                    name: m.name.clone(),
                    tier: m.tier,
                    trade: m.trade,
                    quantity: *quantity,
                    unit_cost_pence: m.unit_cost_pence,
                    actual_cost_pence: None,
                    addresses: Vec::new(),
                    applies_to: vec!["doors[1]".into()],
                    origin: ItemOrigin::Proposed,
                }
            })
            .collect(),
        uncovered: vec![crate::security::plan::Uncovered {
            weakness: crate::security::weakness::WeaknessRef {
                id: "no_alarm".into(),
                instance: None,
            },
            reason: SECRETS[3].into(),
        }],
        landlord_consent: None,
        cctv_acknowledgement: None,
        status: PlanStatus::Approved,
        agreement: Some(crate::security::lifecycle::Agreement {
            resident_name: "Avery Quillon".into(),
            signature_ref: SECRETS[4].into(),
            disclaimer_version: "2026-01".into(),
            by: actor,
            at: at(2),
        }),
        approval: None,
        created_by: actor,
        created_at: at(1),
        history: Vec::new(),
        follow_up: None,
    }
}

fn resident() -> SiteContact {
    SiteContact {
        name: "Avery Quillon".into(),
        phone: Some("0115 496 0555".into()),
        is_resident: true,
    }
}

fn orders(
    plan: &Plan,
    postcode: &str,
    choices: &FirmChoices,
) -> Result<Vec<WorkOrder>, WorkOrderError> {
    let h = household(postcode);
    let (c, k) = (catalogue(), contractors());
    orders_for_plan(&OrderInputs {
        plan,
        household: &h,
        catalogue: &c,
        template: &template(),
        contractors: &k,
        choices,
        contact: &resident(),
        access_notes: &["Key safe by the back door".into(), "  ".into()],
        approved_on: day(3),
    })
}

#[test]
fn each_item_says_which_doors_or_windows_it_is_for() {
    let mut plan = plan_with(&[("anti_snap_cylinder", 1), ("anti_snap_cylinder", 1)]);
    plan.items[1].applies_to = vec!["doors[0]".into(), "doors[1]".into()];
    let mut alarm = plan_with(&[("window_alarm", 2)]).items.remove(0);
    alarm.applies_to = Vec::new();
    plan.items.push(alarm);
    let orders = orders(&plan, "ZY4 7HT", &FirmChoices::default()).expect("orders");
    let item = |measure: &str| {
        orders
            .iter()
            .flat_map(|o| &o.items)
            .find(|i| i.measure_id == measure)
            .expect("on an order")
            .clone()
    };
    let cylinders = item("anti_snap_cylinder");
    assert_eq!(cylinders.quantity, 2);
    assert_eq!(
        cylinders.location.as_deref(),
        Some("Door 2, Door 1"),
        "each place once"
    );
    assert_eq!(item("window_alarm").location, None, "the whole home");
    // An order stored before locations were kept still reads.
    let mut old = serde_json::to_value(&cylinders).expect("json");
    old.as_object_mut().expect("object").remove("location");
    let read: WorkOrderItem = serde_json::from_value(old).expect("reads");
    assert_eq!(read.location, None);
}

#[test]
fn a_light_for_the_front_and_the_back_is_two_lights_and_the_order_says_where() {
    let mut plan = plan_with(&[("pir_light", 2)]);
    plan.items[0].applies_to = Vec::new();
    plan.items[0].addresses = ["front_light_missing", "rear_light_missing"]
        .into_iter()
        .map(|id| crate::security::weakness::WeaknessRef {
            id: id.into(),
            instance: None,
        })
        .collect();
    let orders = orders(&plan, "ZY4 7HT", &FirmChoices::default()).expect("orders");
    let light = orders
        .iter()
        .flat_map(|o| &o.items)
        .find(|i| i.measure_id == "pir_light")
        .expect("on an order");
    assert_eq!(light.quantity, 2);
    assert_eq!(
        light.location.as_deref(),
        Some("Front of the home, Back of the home"),
        "not the whole home"
    );
}

/// The firm code each measure's line went to, or None for no order.
fn firm_of(orders: &[WorkOrder], measure: &str) -> Option<String> {
    orders
        .iter()
        .find(|o| o.items.iter().any(|i| i.measure_id == measure))
        .map(|o| o.number.rsplit('-').next().unwrap_or_default().to_owned())
}

#[test]
fn the_real_contractors_list_loads_and_covers_every_trade_the_catalogue_needs() {
    let k = contractors();
    assert!(
        k.check_against(&catalogue()).is_ok(),
        "every trade has a firm"
    );
    assert_eq!(k.due_days, 28);
}

#[rstest]
#[case::anti_snap_goes_to_the_locksmith("anti_snap_cylinder", "ZY4 7HT", Some("QLK"))]
#[case::handyperson_local_firm_first("window_alarm", "ZY4 7HT", Some("DHF"))]
#[case::handyperson_elsewhere_the_wider_firm("window_alarm", "ZY9 1AA", Some("QLK"))]
#[case::supply_only_is_handed_over("security_advice", "ZY4 7HT", None)]
#[case::supply_only_timer_plugs("timer_plugs", "ZY4 7HT", None)]
fn a_measure_goes_to_the_first_firm_for_its_trade_and_area(
    #[case] measure: &str,
    #[case] postcode: &str,
    #[case] firm: Option<&str>,
) {
    let plan = plan_with(&[(measure, 1)]);
    let orders = orders(&plan, postcode, &FirmChoices::default()).expect("orders");
    assert_eq!(
        firm_of(&orders, measure).as_deref(),
        firm,
        "{measure} at {postcode}"
    );
}

#[test]
fn one_order_per_firm_with_repeated_measures_added_up_and_nothing_sensitive() {
    let plan = plan_with(&[
        ("anti_snap_cylinder", 1),
        ("window_alarm", 2),
        ("anti_snap_cylinder", 2),
        ("security_advice", 1),
        ("letterbox_guard", 1),
    ]);
    let orders = orders(&plan, "ZY9 1AA", &FirmChoices::default()).expect("orders");
    assert_eq!(
        orders.len(),
        1,
        "locks and small jobs all go to Quillon in ZY9"
    );
    let o = &orders[0];
    let lines: Vec<(&str, u32)> = o
        .items
        .iter()
        .map(|i| (i.measure_id.as_str(), i.quantity))
        .collect();
    assert_eq!(
        lines,
        [
            ("anti_snap_cylinder", 3),
            ("window_alarm", 2),
            ("letterbox_guard", 1)
        ],
        "one line per measure, in plan order, quantities added"
    );
    assert_eq!(o.number, format!("WO-{}-QLK", plan_short_ref(plan.id)));
    assert_eq!(o.due_date, day(3) + Days::new(28));
    assert_eq!(
        o.address_lines,
        ["3 Quillon Row", "Upper Flat", "Eastwick Vale"]
    );
    assert_eq!(
        o.access_notes,
        ["Key safe by the back door"],
        "blank notes dropped"
    );
    assert_eq!(
        o.contact_phone.as_deref(),
        Some("01154960555"),
        "normalised"
    );
    let json = serde_json::to_string(o).expect("json");
    for secret in SECRETS {
        assert!(!json.contains(secret), "{secret} reached the order");
    }
    assert_eq!(
        handed_over_by_officer(&plan, &orders)
            .iter()
            .map(|i| i.measure_id.as_str())
            .collect::<Vec<_>>(),
        ["security_advice"]
    );
}

#[test]
fn the_supervisor_may_choose_a_firm_even_for_supply_only_measures() {
    let plan = plan_with(&[("window_alarm", 1), ("timer_plugs", 1)]);
    let choices = FirmChoices::default()
        .choose("window_alarm", "quillon_locks")
        .choose("timer_plugs", "vale_electrical");
    let orders = orders(&plan, "ZY4 7HT", &choices).expect("orders");
    assert_eq!(firm_of(&orders, "window_alarm").as_deref(), Some("QLK"));
    assert_eq!(firm_of(&orders, "timer_plugs").as_deref(), Some("VEL"));
    assert_eq!(orders.len(), 2);
}

#[test]
fn orders_are_the_same_every_time_for_the_same_plan() {
    let plan = plan_with(&[("anti_snap_cylinder", 1), ("window_alarm", 1)]);
    let choices = FirmChoices::default();
    let a = orders(&plan, "ZY4 7HT", &choices).expect("orders");
    let mut b = orders(&plan, "ZY4 7HT", &choices).expect("orders");
    // The household differs between calls only by id.
    for o in &mut b {
        o.household_id = a[0].household_id;
    }
    assert_eq!(a, b, "ids, numbers and lines are deterministic");
    assert_ne!(a[0].id, a[1].id, "one id per firm");
    assert_eq!(
        a[0].id,
        WorkOrderId::for_plan_and_firm(plan.id, "quillon_locks")
    );
}

fn with_da_flag(mut plan: Plan) -> Plan {
    plan.recommendation.refer_to_da_service = Some(SECRETS[1].into());
    plan
}

#[rstest]
#[case::not_approved(
    { let mut p = plan_with(&[("anti_snap_cylinder", 1)]); p.status = PlanStatus::Agreed; p },
    FirmChoices::default(),
    WorkOrderError::PlanNotApproved { status: "agreed" }
)]
#[case::unknown_firm(
    plan_with(&[("anti_snap_cylinder", 1)]),
    FirmChoices::default().choose("anti_snap_cylinder", "nobody_ltd"),
    WorkOrderError::UnknownFirm { firm: "nobody_ltd".into() }
)]
#[case::choice_for_a_measure_not_in_the_plan(
    plan_with(&[("anti_snap_cylinder", 1)]),
    FirmChoices::default().choose("door_viewer", "quillon_locks"),
    WorkOrderError::ChoiceForMissingMeasure { measure: "door_viewer".into() }
)]
#[case::domestic_abuse_needs_a_safe_contact(
    with_da_flag(plan_with(&[("anti_snap_cylinder", 1)])),
    FirmChoices::default(),
    WorkOrderError::NeedsSafeContact
)]
fn orders_are_refused_with_a_reason(
    #[case] plan: Plan,
    #[case] choices: FirmChoices,
    #[case] expected: WorkOrderError,
) {
    assert_eq!(orders(&plan, "ZY4 7HT", &choices), Err(expected));
}

#[test]
fn a_measure_no_firm_fits_is_named() {
    let plan = plan_with(&[("anti_snap_cylinder", 1), ("laminated_glazing", 1)]);
    let mut k = contractors();
    k.firms.retain(|f| !f.fits(Trade::Glazier));
    let (c, h) = (catalogue(), household("ZY4 7HT"));
    let err = orders_for_plan(&OrderInputs {
        plan: &plan,
        household: &h,
        catalogue: &c,
        template: &template(),
        contractors: &k,
        choices: &FirmChoices::default(),
        contact: &resident(),
        access_notes: &[],
        approved_on: day(3),
    })
    .expect_err("no glazier");
    let name = c.get("laminated_glazing").expect("measure").name.clone();
    assert_eq!(
        err,
        WorkOrderError::NoFirmForMeasure {
            measure: name.clone(),
            trade: "glazier"
        }
    );
    assert!(err.to_string().contains(&name), "{err}");
    // Outside every firm's area is the same refusal.
    let far = household("AB1 2DE");
    let err = orders_for_plan(&OrderInputs {
        plan: &plan,
        household: &far,
        catalogue: &c,
        template: &template(),
        contractors: &contractors(),
        choices: &FirmChoices::default(),
        contact: &resident(),
        access_notes: &[],
        approved_on: day(3),
    })
    .expect_err("no firm covers AB1");
    assert!(
        matches!(err, WorkOrderError::NoFirmForMeasure { .. }),
        "{err}"
    );
}

#[test]
fn with_domestic_abuse_flagged_the_support_worker_is_the_contact() {
    let plan = with_da_flag(plan_with(&[("anti_snap_cylinder", 1)]));
    let (c, k, h) = (catalogue(), contractors(), household("ZY4 7HT"));
    let worker = SiteContact {
        name: "Pat Supportworker".into(),
        phone: Some("0115 496 0999".into()),
        is_resident: false,
    };
    let orders = orders_for_plan(&OrderInputs {
        plan: &plan,
        household: &h,
        catalogue: &c,
        template: &template(),
        contractors: &k,
        choices: &FirmChoices::default(),
        contact: &worker,
        access_notes: &[],
        approved_on: day(3),
    })
    .expect("orders");
    assert_eq!(orders[0].contact_name, "Pat Supportworker");
    let json = serde_json::to_string(&orders).expect("json").to_lowercase();
    for hint in ["domestic", "abuse", "secret", "support worker"] {
        assert!(!json.contains(hint), "{hint} hinted at on the order");
    }
}

#[rstest]
#[case::blank_name(SiteContact { name: " ".into(), phone: None, is_resident: true }, "Enter the contact's name")]
#[case::bad_phone(SiteContact { name: "A".into(), phone: Some("call me".into()), is_resident: true }, "digits only")]
fn the_contact_is_checked(#[case] contact: SiteContact, #[case] words: &str) {
    let plan = plan_with(&[("anti_snap_cylinder", 1)]);
    let (c, k, h) = (catalogue(), contractors(), household("ZY4 7HT"));
    let err = orders_for_plan(&OrderInputs {
        plan: &plan,
        household: &h,
        catalogue: &c,
        template: &template(),
        contractors: &k,
        choices: &FirmChoices::default(),
        contact: &contact,
        access_notes: &[],
        approved_on: day(3),
    })
    .expect_err("refused");
    assert!(err.to_string().contains(words), "{err}");
}

#[rstest]
#[case::syntax("version = \"1\"\ndue_days = 28\n[[firms]\n", "line 3")]
#[case::unknown_field(
    "version = \"1\"\ndue_days = 28\n\n[[firms]]\nid = \"a_ltd\"\ncode = \"AL\"\nname = \"A\"\ntrades = [\"locksmith\"]\nareas = [\"ZY\"]\npriority = 1\n",
    "line 10"
)]
#[case::unknown_trade(
    "version = \"1\"\ndue_days = 28\n[[firms]]\nid = \"a_ltd\"\ncode = \"AL\"\nname = \"A\"\ntrades = [\"plumber\"]\nareas = [\"ZY\"]\n",
    "line 7"
)]
#[case::duplicate_id(
    "version = \"1\"\ndue_days = 28\n[[firms]]\nid = \"a_ltd\"\ncode = \"AL\"\nname = \"A\"\ntrades = [\"locksmith\"]\nareas = [\"ZY\"]\n[[firms]]\nid = \"a_ltd\"\ncode = \"BL\"\nname = \"B\"\ntrades = [\"glazier\"]\nareas = [\"ZY\"]\n",
    "unique lower-case id"
)]
#[case::bad_code(
    "version = \"1\"\ndue_days = 28\n[[firms]]\nid = \"a_ltd\"\ncode = \"al\"\nname = \"A\"\ntrades = [\"locksmith\"]\nareas = [\"ZY\"]\n",
    "code must be"
)]
#[case::supply_only_is_no_trade(
    "version = \"1\"\ndue_days = 28\n[[firms]]\nid = \"a_ltd\"\ncode = \"AL\"\nname = \"A\"\ntrades = [\"supply_only\"]\nareas = [\"ZY\"]\n",
    "supply_only is not a trade"
)]
#[case::bad_area(
    "version = \"1\"\ndue_days = 28\n[[firms]]\nid = \"a_ltd\"\ncode = \"AL\"\nname = \"A\"\ntrades = [\"locksmith\"]\nareas = [\"zy 4\"]\n",
    "area \"zy 4\""
)]
#[case::due_days(
    "version = \"1\"\ndue_days = 0\n[[firms]]\nid = \"a_ltd\"\ncode = \"AL\"\nname = \"A\"\ntrades = [\"locksmith\"]\nareas = [\"ZY\"]\n",
    "due_days must be between 1"
)]
fn a_bad_contractors_file_says_what_and_where(#[case] text: &str, #[case] words: &str) {
    let err = Contractors::from_toml(text).expect_err("refused");
    assert!(err.to_string().contains(words), "{err}");
}

#[test]
fn a_trade_with_no_firm_is_reported_against_the_catalogue() {
    let mut k = contractors();
    k.firms.retain(|f| !f.fits(Trade::Fencer));
    let err = k.check_against(&catalogue()).expect_err("no fencer");
    assert!(
        err.to_string().contains("no firm fits fencer work"),
        "{err}"
    );
}

/// Every key a serialised order may have: anything else is data a contractor must not get.
const ORDER_KEYS: &[&str] = &[
    "id",
    "number",
    "plan_id",
    "household_id",
    "firm",
    "address_lines",
    "postcode",
    "contact_name",
    "contact_phone",
    "access_notes",
    "items",
    "issued_on",
    "due_date",
    "status",
    "decline_reason",
    "appointment_date",
];
const FIRM_KEYS: &[&str] = &["id", "name"];
const ITEM_KEYS: &[&str] = &[
    "measure_id",
    "name",
    "specification",
    "location",
    "quantity",
    "status",
    "fitted_at",
    "product_standard",
    "not_fitted_reason",
    "photo_sha256",
];

fn keys(value: &serde_json::Value) -> Vec<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

proptest! {
    #[test]
    fn every_fitted_measure_is_on_exactly_one_order_and_orders_carry_only_allowed_fields(
        picks in proptest::collection::vec((0usize..29, 1u32..5), 1..12),
        overrides in proptest::collection::vec((0usize..12, 0usize..5), 0..4),
        district in 1u32..10,
    ) {
        let c = catalogue();
        let k = contractors();
        let lines: Vec<(&str, u32)> = picks
            .iter()
            .map(|(i, q)| (c.measures[i % c.measures.len()].id.as_str(), *q))
            .collect();
        let plan = plan_with(&lines);
        let postcode = format!("ZY{district} 1AA");
        let home = household(&postcode).postcode;
        let mut choices = FirmChoices::default();
        for (line, firm) in &overrides {
            let item = &plan.items[line % plan.items.len()];
            // A supervisor chooses among the firms offered, which are the ones orders accept.
            let offered: Vec<&Firm> = k.eligible_firms(item.trade, &home).collect();
            if let Some(chosen) = offered.get(firm % offered.len().max(1)) {
                choices = choices.choose(&item.measure_id, &chosen.id);
            }
        }
        let orders = orders(&plan, &postcode, &choices)
            .expect("every trade has a firm across ZY");
        for item in &plan.items {
            let holders: Vec<&WorkOrder> = orders
                .iter()
                .filter(|o| o.items.iter().any(|i| i.measure_id == item.measure_id))
                .collect();
            let handed_over = item.trade == Trade::SupplyOnly
                && !choices.by_measure.contains_key(&item.measure_id);
            prop_assert_eq!(holders.len(), usize::from(!handed_over), "{}", item.measure_id);
            if let Some(o) = holders.first() {
                let line = o.items.iter().find(|i| i.measure_id == item.measure_id).expect("line");
                let total: u32 = plan.items.iter()
                    .filter(|i| i.measure_id == item.measure_id)
                    .map(|i| i.quantity)
                    .sum();
                prop_assert_eq!(line.quantity, total, "quantities add up");
                if let Some(firm) = choices.by_measure.get(&item.measure_id) {
                    prop_assert_eq!(&o.firm.id, firm, "the supervisor's choice wins");
                } else {
                    let firm = k.get(&o.firm.id).expect("known firm");
                    prop_assert!(firm.fits(item.trade), "firm fits the trade");
                }
            }
        }
        let numbers: std::collections::BTreeSet<&str> =
            orders.iter().map(|o| o.number.as_str()).collect();
        prop_assert_eq!(numbers.len(), orders.len(), "one order per firm");
        for o in &orders {
            let value = serde_json::to_value(o).expect("json");
            for key in keys(&value) {
                prop_assert!(ORDER_KEYS.contains(&key.as_str()), "order key {}", key);
            }
            for key in keys(&value["firm"]) {
                prop_assert!(FIRM_KEYS.contains(&key.as_str()), "firm key {}", key);
            }
            for item in value["items"].as_array().expect("items") {
                for key in keys(item) {
                    prop_assert!(ITEM_KEYS.contains(&key.as_str()), "item key {}", key);
                }
            }
            let text = value.to_string();
            for secret in SECRETS {
                prop_assert!(!text.contains(secret), "{} reached the order", secret);
            }
        }
    }
}

mod resident;
mod steps;

#[rstest]
#[case::a_firm_of_another_trade("anti_snap_cylinder", "ZY4 7HT", "vale_electrical")]
#[case::a_local_firm_outside_its_area("window_alarm", "ZY9 1AA", "demo_handyfolk")]
fn a_firm_that_cannot_take_the_measure_is_refused_whatever_a_screen_offered(
    #[case] measure: &str,
    #[case] postcode: &str,
    #[case] firm: &str,
) {
    let plan = plan_with(&[(measure, 1)]);
    let refused = orders(
        &plan,
        postcode,
        &FirmChoices::default().choose(measure, firm),
    );
    let Err(WorkOrderError::FirmNotEligible {
        firm: name,
        measure: measure_name,
        ..
    }) = &refused
    else {
        panic!("{firm} for {measure} at {postcode} should be refused, got {refused:?}");
    };
    let k = contractors();
    assert_eq!(name, &k.get(firm).expect("listed firm").name);
    assert_eq!(measure_name, &plan.items[0].name);
    let message = refused.expect_err("refused").to_string();
    assert!(
        message.contains("Choose one of the firms offered"),
        "{message}"
    );
}

#[rstest]
#[case::handyperson_local_and_wide("window_alarm", "ZY4 7HT", &["demo_handyfolk", "quillon_locks"])]
#[case::handyperson_elsewhere("window_alarm", "ZY9 1AA", &["quillon_locks"])]
#[case::locksmith("anti_snap_cylinder", "ZY4 7HT", &["quillon_locks"])]
#[case::supply_only_any_firm_covering_the_home(
    "timer_plugs",
    "ZY9 1AA",
    &["quillon_locks", "eastwick_glazing", "vale_electrical", "sampleton_joinery"]
)]
fn the_firms_offered_are_exactly_the_ones_orders_accept(
    #[case] measure: &str,
    #[case] postcode: &str,
    #[case] expected: &[&str],
) {
    let plan = plan_with(&[(measure, 1)]);
    let k = contractors();
    let offered: Vec<String> = k
        .firm_options(&plan, &household(postcode).postcode)
        .remove(measure)
        .unwrap_or_default()
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(offered, expected);
    for firm in &k.firms {
        let accepted = orders(
            &plan,
            postcode,
            &FirmChoices::default().choose(measure, &firm.id),
        )
        .is_ok();
        assert_eq!(
            accepted,
            offered.contains(&firm.id),
            "{} for {measure} at {postcode}",
            firm.id
        );
    }
}

//! Contractors' work orders on a real SQLCipher store: raised with the plan's approval in one
//! transaction, carrying only what the fitter needs, sent through the outbox, updated from
//! the hub, and settling the plan as fitted with its follow-up date.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod support;

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use doorstep_core::security::{
    AnswerMap, AnswerValue, PlanActor, PlanContext, PlanStatus, PlanStep, TransitionError, YesNo,
    follow_up, propose_plan,
};
use doorstep_core::work_order::{
    ContractorStep, FirmChoices, ItemStatus, SiteContact, WorkOrder, WorkOrderError,
    WorkOrderStatus,
};
use doorstep_core::{
    ChangeSource, DeviceId, HlcClock, HouseholdDraft, OfficerId, PersonDraft, Role,
};
use doorstep_store::{PlanApproval, RecordChange, Settlement, Store, StoreError, SyncedRecord};
use serde_json::Value;
use support::{Files, choice, files, new_store};

/// Answers about the resident and the crime: none may reach a contractor.
const CRIME_REF: &str = "ZY/MARKER/0451";
const NOTES: &str = "MARKER-OFFICER-NOTES daughter visits Tuesdays";
/// Every key a stored order may have (its synced fields).
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

/// Any refusal on the way: the store's, the plan rules' or the work orders'.
#[derive(Debug)]
#[allow(dead_code)] // the errors are read through Debug when a test fails
enum Refused {
    Store(StoreError),
    Plan(TransitionError),
    Order(WorkOrderError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}
impl From<TransitionError> for Refused {
    fn from(e: TransitionError) -> Self {
        Self::Plan(e)
    }
}
impl From<WorkOrderError> for Refused {
    fn from(e: WorkOrderError) -> Self {
        Self::Order(e)
    }
}

/// A burglary victim living alone with a weak back door, no rear light and no timers, who
/// agrees the plan the engine proposes. `da` flags a domestic abuse concern.
fn agreed_plan(store: &mut Store, f: &Files, da: bool) -> doorstep_core::security::Plan {
    let h = store
        .create_household(
            &HouseholdDraft {
                address_line_1: "3 Quillon Row".into(),
                town: "Eastwick Vale".into(),
                postcode: "ZY4 7HT".into(),
                ..Default::default()
            },
            ChangeSource::Ui,
        )
        .expect("household");
    store
        .add_person(
            &PersonDraft {
                household_id: h.id,
                full_name: "Avery Quillon".into(),
                phone: "0115 496 0555".into(),
                email: String::new(),
                date_of_birth: "1941-02-03".into(),
                age_band: None,
                preferred_language: String::new(),
                contact_preferences: Default::default(),
            },
            NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
            ChangeSource::Ui,
        )
        .expect("resident");
    let survey = store
        .start_survey(h.id, None, &f.template, ChangeSource::Ui)
        .expect("start");
    let door = |pairs: &[(&str, AnswerValue)]| -> AnswerMap {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    };
    let back = door(&[
        ("door_position", choice("back")),
        ("door_material", choice("upvc")),
        ("door_condition", choice("sound")),
        ("door_multipoint", choice("working")),
        ("door_cylinder", choice("unmarked")),
        ("door_cylinder_projects", AnswerValue::YesNo(YesNo::Yes)),
        ("door_glazing", choice("none")),
    ]);
    let yes_no = |yes: bool| AnswerValue::YesNo(if yes { YesNo::Yes } else { YesNo::No });
    let answers = [
        ("survey_reason", choice("burglary_victim")),
        ("crime_ref", AnswerValue::Text(CRIME_REF.into())),
        ("repeat_victim", yes_no(false)),
        ("doors", AnswerValue::Group(vec![back])),
        ("rear_light", choice("none")),
        ("front_light", choice("pir")),
        ("interior_timers", yes_no(false)),
        ("lives_alone", yes_no(true)),
        ("disability_or_mobility", yes_no(true)),
        ("tenure", choice("owner")),
        ("da_concern", yes_no(da)),
        ("feel_safe", AnswerValue::Number(2.0)),
        ("officer_notes", AnswerValue::Text(NOTES.into())),
    ];
    for (item, value) in answers {
        store
            .save_answer(survey.id, &f.template, item, Some(value), ChangeSource::Ui)
            .unwrap_or_else(|e| panic!("{item}: {e:?}"));
    }
    let survey = store.survey(survey.id).expect("survey");
    let ctx = PlanContext {
        template: &f.template,
        answers: &survey.answers,
        policy: &f.policy,
        catalogue: &f.catalogue,
    };
    let officer = PlanActor {
        officer_id: store.officer().id,
        role: Role::Officer,
    };
    let plan = propose_plan(&ctx, survey.id, officer, Utc::now()).expect("plan");
    store
        .save_new_plan(&plan, ChangeSource::Ui)
        .expect("save plan");
    store
        .change_plan(plan.id, ChangeSource::Ui, |p| -> Result<(), Refused> {
            Ok(p.apply(
                &ctx,
                PlanStep::Agree {
                    resident_name: "Avery Quillon".into(),
                    signature_ref: "sha256:5160".into(),
                    disclaimer_version: f.policy.disclaimer_version.clone(),
                },
                officer,
                Utc::now(),
            )?)
        })
        .expect("agree")
}

fn supervisor() -> PlanActor {
    PlanActor {
        officer_id: OfficerId::new(),
        role: Role::Supervisor,
    }
}

/// Approves the plan with the supervisor's choices.
fn approve(
    store: &mut Store,
    f: &Files,
    plan: &doorstep_core::security::Plan,
    contact: Option<SiteContact>,
) -> Result<doorstep_store::ApprovedPlan, Refused> {
    let survey = store.survey(plan.survey_id).expect("survey");
    let ctx = PlanContext {
        template: &f.template,
        answers: &survey.answers,
        policy: &f.policy,
        catalogue: &f.catalogue,
    };
    store.approve_plan(
        plan.id,
        PlanApproval {
            ctx,
            over_cap_reason: Some("Repeat risk on this street".into()),
            by: supervisor(),
            at: Utc::now(),
            contractors: &f.contractors,
            choices: FirmChoices::default(),
            contact,
            access_notes: vec!["Key safe by the back door; code from the contact".into()],
        },
        ChangeSource::Ui,
    )
}

fn work_order_outbox(store: &Store) -> Vec<(String, Value)> {
    store
        .debug_outbox()
        .expect("outbox")
        .into_iter()
        .filter(|(entity, ..)| entity == "work_order")
        .map(|(_, payload, operation, _)| (operation, serde_json::from_str(&payload).unwrap()))
        .collect()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn approval_raises_one_order_per_firm_with_only_what_the_fitter_needs_and_sends_them() {
    let (_dir, _folder, mut store) = new_store();
    let f = files();
    let plan = agreed_plan(&mut store, &f, false);
    let approved = approve(&mut store, &f, &plan, None).expect("approved");

    assert_eq!(
        approved.plan.status,
        PlanStatus::Ordered,
        "orders raised means the plan is ordered"
    );
    let orders = store.work_orders_for_plan(plan.id).expect("orders");
    assert_eq!(
        orders, approved.work_orders,
        "what was returned is what was saved"
    );
    assert!(
        orders.len() >= 2,
        "locks and lights go to two firms: {orders:?}"
    );
    let firms: BTreeSet<&str> = orders.iter().map(|o| o.firm.id.as_str()).collect();
    assert_eq!(firms.len(), orders.len(), "one order per firm");
    let stored_plan = store.plan(plan.id).expect("plan");
    assert_eq!(stored_plan, approved.plan);
    let order_ref = match &stored_plan.history.last().expect("history").step {
        PlanStep::Order { order_ref } => order_ref.clone(),
        other => panic!("expected the order step, got {other:?}"),
    };
    for o in &orders {
        assert!(
            order_ref.contains(&o.number),
            "{order_ref} names {}",
            o.number
        );
        assert_eq!(o.contact_name, "Avery Quillon", "the resident who agreed");
        assert_eq!(o.contact_phone.as_deref(), Some("01154960555"));
        assert_eq!(o.address_lines, ["3 Quillon Row", "Eastwick Vale"]);
        assert_eq!(o.status, WorkOrderStatus::New);
    }

    // Every measure of the plan is on exactly one order, or handed over by the officer.
    let page = store.plan_work_orders(plan.id).expect("page");
    for item in &plan.items {
        let holders = orders
            .iter()
            .filter(|o| o.items.iter().any(|i| i.measure_id == item.measure_id))
            .count();
        let handed_over = page.handed_over_by_officer.contains(&item.name);
        assert_eq!(
            (holders, handed_over),
            if item.trade == doorstep_core::security::Trade::SupplyOnly {
                (0, true)
            } else {
                (1, false)
            },
            "{}",
            item.measure_id
        );
    }
    assert!(!page.all_fitted);

    // Only allowed fields, and nothing from the survey.
    for o in &orders {
        let value = serde_json::to_value(o).expect("json");
        for key in keys(&value) {
            assert!(ORDER_KEYS.contains(&key.as_str()), "order field {key}");
        }
        for item in value["items"].as_array().expect("items") {
            for key in keys(item) {
                assert!(ITEM_KEYS.contains(&key.as_str()), "item field {key}");
            }
        }
        let text = value.to_string().to_lowercase();
        for secret in [
            CRIME_REF,
            NOTES,
            "marker",
            "lives alone",
            "live alone",
            "vulnerab",
            "risk",
            "burglar",
            "1941",
            "disab",
        ] {
            assert!(
                !text.contains(&secret.to_lowercase()),
                "{secret:?} reached the order: {text}"
            );
        }
    }

    // Each order is a tracked create in the outbox, with its whole field map.
    let outbox = work_order_outbox(&store);
    assert_eq!(outbox.len(), orders.len(), "one outbox row per order");
    for ((operation, payload), order) in outbox.iter().zip(&orders) {
        assert_eq!(operation, "create");
        assert_eq!(
            payload["fields"],
            serde_json::to_value(order).expect("json"),
            "the synced fields are the order's fields"
        );
    }
    let synced = store
        .synced_record("work_order", &orders[0].id.to_string())
        .expect("read")
        .expect("held");
    assert_eq!(
        Value::Object(synced.fields.into_iter().collect()),
        serde_json::to_value(&orders[0]).expect("json"),
        "the registry reads the same field map"
    );
    assert_eq!(
        store.work_order(orders[0].id).expect("one order"),
        orders[0]
    );
}

#[test]
fn a_refused_approval_saves_nothing_and_domestic_abuse_needs_a_safe_contact() {
    let (_dir, _folder, mut store) = new_store();
    let f = files();
    let plan = agreed_plan(&mut store, &f, true);
    let pending = store.outbox_pending().expect("outbox");

    let refused = approve(&mut store, &f, &plan, None).expect_err("resident is no safe contact");
    assert!(
        matches!(refused, Refused::Order(WorkOrderError::NeedsSafeContact)),
        "{refused:?}"
    );
    assert_eq!(
        store.plan(plan.id).expect("plan").status,
        PlanStatus::Agreed,
        "not approved"
    );
    assert!(
        store
            .work_orders_for_plan(plan.id)
            .expect("orders")
            .is_empty()
    );
    assert_eq!(
        store.outbox_pending().expect("outbox"),
        pending,
        "nothing sent"
    );

    let worker = SiteContact {
        name: "Pat Supportworker".into(),
        phone: Some("0115 496 0999".into()),
        is_resident: false,
    };
    let approved = approve(&mut store, &f, &plan, Some(worker)).expect("approved");
    for o in &approved.work_orders {
        assert_eq!(o.contact_name, "Pat Supportworker");
        let text = serde_json::to_string(o).expect("json").to_lowercase();
        for hint in ["domestic", "abuse", "avery", "0115 496 0555", "01154960555"] {
            assert!(!text.contains(hint), "{hint} on the order: {text}");
        }
    }
}

/// The hub's copy of an order after the firm's steps: the store's record with the changed
/// fields given new versions from another device, as the sync engine would write it.
fn from_hub(
    store: &Store,
    order: &WorkOrder,
    hub: &mut HlcClock,
    steps: &[ContractorStep],
) -> (WorkOrder, SyncedRecord) {
    let mut changed = order.clone();
    for step in steps {
        changed
            .apply(step.clone(), Utc::now())
            .unwrap_or_else(|e| panic!("{step:?}: {e}"));
    }
    let mut record = store
        .synced_record("work_order", &order.id.to_string())
        .expect("read")
        .expect("held");
    let after = serde_json::to_value(&changed).expect("json");
    let version = hub.tick(Utc::now());
    for (field, value) in after.as_object().expect("object") {
        if record.fields.get(field) != Some(value) {
            record.fields.insert(field.clone(), value.clone());
            record.versions.insert(field.clone(), version);
        }
    }
    (changed, record)
}

fn write_from_hub(store: &mut Store, records: Vec<(WorkOrder, SyncedRecord)>) {
    let keys: Vec<(String, String)> = records
        .iter()
        .map(|(o, _)| ("work_order".to_owned(), o.id.to_string()))
        .collect();
    let written = store
        .apply_from_hub(&keys, |i, _, _| RecordChange::Write(records[i].1.clone()))
        .expect("applied");
    assert_eq!(written, records.len());
}

fn settle(store: &mut Store, f: &Files, plan_id: doorstep_core::security::PlanId) -> Settlement {
    let plan = store.plan(plan_id).expect("plan");
    let survey = store.survey(plan.survey_id).expect("survey");
    let ctx = PlanContext {
        template: &f.template,
        answers: &survey.answers,
        policy: &f.policy,
        catalogue: &f.catalogue,
    };
    store
        .settle_plan_from_work_orders::<Refused>(plan_id, ctx, ChangeSource::Sync)
        .expect("settled")
}

fn fit_all(order: &WorkOrder) -> Vec<ContractorStep> {
    let mut steps = vec![
        ContractorStep::Accept,
        ContractorStep::Schedule {
            date: Utc::now().date_naive(),
        },
    ];
    steps.extend(order.items.iter().map(|i| ContractorStep::MarkFitted {
        measure_id: i.measure_id.clone(),
        product_standard: "TS007 3*".into(),
        photo_sha256: None,
    }));
    steps
}

#[test]
fn fitted_statuses_from_the_hub_settle_the_plan_as_fitted_with_its_follow_up() {
    let (_dir, _folder, mut store) = new_store();
    let f = files();
    let plan = agreed_plan(&mut store, &f, false);
    let orders = approve(&mut store, &f, &plan, None)
        .expect("approved")
        .work_orders;
    let mut hub = HlcClock::new(DeviceId::new(), None);
    assert!(orders.len() >= 2);

    // The first firm fits everything; the second has only accepted.
    let first = from_hub(&store, &orders[0], &mut hub, &fit_all(&orders[0]));
    let second = from_hub(&store, &orders[1], &mut hub, &[ContractorStep::Accept]);
    let outbox_before = store.outbox_pending().expect("outbox");
    write_from_hub(&mut store, vec![first.clone(), second]);
    assert_eq!(
        store.outbox_pending().expect("outbox"),
        outbox_before,
        "records from the hub are not sent back"
    );
    let page = store.plan_work_orders(plan.id).expect("page");
    assert_eq!(page.orders[0].status, WorkOrderStatus::Fitted);
    assert!(
        page.orders[0]
            .items
            .iter()
            .all(|i| i.status == ItemStatus::Fitted && i.fitted_at.is_some()),
        "each item's fitted status and date show on the plan"
    );
    assert_eq!(page.orders[1].status, WorkOrderStatus::Accepted);
    let items: u32 = orders.iter().map(|o| o.items.len() as u32).sum();
    assert_eq!(
        settle(&mut store, &f, plan.id),
        Settlement::NotYet {
            fitted: orders[0].items.len() as u32,
            items
        }
    );
    assert_eq!(
        store.plan(plan.id).expect("plan").status,
        PlanStatus::Ordered
    );

    // Then the rest is fitted.
    let second = store.work_order(orders[1].id).expect("order");
    let rest: Vec<ContractorStep> = fit_all(&second).into_iter().skip(1).collect();
    let second = from_hub(&store, &second, &mut hub, &rest);
    let last_fitted = second.0.items.iter().filter_map(|i| i.fitted_at).max();
    write_from_hub(&mut store, vec![second]);
    assert!(store.plan_work_orders(plan.id).expect("page").all_fitted);
    let plan_rows_before = store
        .debug_outbox()
        .expect("outbox")
        .iter()
        .filter(|r| r.0 == "plan")
        .count();
    let settled = settle(&mut store, &f, plan.id);
    let Settlement::Fitted {
        plan: fitted,
        follow_up_due,
    } = settled
    else {
        panic!("expected fitted, got {settled:?}");
    };
    assert_eq!(fitted.status, PlanStatus::Fitted);
    let fit = fitted.history.last().expect("fit step");
    assert_eq!(fit.step, PlanStep::Fit);
    assert_eq!(
        Some(fit.at),
        last_fitted,
        "dated when the last item was fitted"
    );
    assert_eq!(
        follow_up_due,
        follow_up::due_on(fit.at, &f.policy.follow_up),
        "follow-up falls due months after fitting"
    );
    let listed = store
        .plans_with_status(PlanStatus::Fitted, &f.policy.follow_up)
        .expect("fitted plans");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].follow_up_due,
        Some(follow_up_due),
        "the follow-up is scheduled"
    );
    let plan_rows: Vec<_> = store
        .debug_outbox()
        .expect("outbox")
        .into_iter()
        .filter(|r| r.0 == "plan")
        .collect();
    assert_eq!(
        plan_rows.len(),
        plan_rows_before + 1,
        "the fit is a tracked write"
    );
    assert!(
        plan_rows.last().expect("row").1.contains("\"fitted\""),
        "the plan's new status is sent"
    );
    assert_eq!(
        settle(&mut store, &f, plan.id),
        Settlement::NotWaiting(PlanStatus::Fitted),
        "settling twice changes nothing"
    );
}

#[test]
fn a_plan_without_work_orders_is_not_settled_and_a_partial_order_from_the_hub_is_refused() {
    let (_dir, _folder, mut store) = new_store();
    let f = files();
    let plan = agreed_plan(&mut store, &f, false);
    assert_eq!(settle(&mut store, &f, plan.id), Settlement::NoWorkOrders);

    // A work order first seen through a change to some of its fields cannot be stored.
    let id = doorstep_core::work_order::WorkOrderId::new().to_string();
    let mut hub = HlcClock::new(DeviceId::new(), None);
    let mut record = SyncedRecord::default();
    record
        .fields
        .insert("status".into(), Value::String("fitted".into()));
    record
        .versions
        .insert("status".into(), hub.tick(Utc::now()));
    let err = store
        .apply_from_hub(&[("work_order".into(), id.clone())], |_, _, _| {
            RecordChange::Write(record.clone())
        })
        .expect_err("incomplete");
    assert!(
        matches!(&err, StoreError::IncompleteRecord { entity, .. } if entity == "work_order"),
        "{err:?}"
    );
    assert!(
        store
            .synced_record("work_order", &id)
            .expect("read")
            .is_none()
    );
}

//! What each role pulls and may push (`doorstep_hub::access`).

use super::*;
use std::collections::BTreeMap;

on_both_backends!(
    each_role_pulls_only_what_it_may_see,
    a_role_may_not_push_records_it_may_not_see,
);

/// Per record pulled, the fields received (all changes merged).
fn seen(entries: &[doorstep_sync::LogEntry]) -> BTreeMap<(EntityKind, String), Vec<String>> {
    let mut out: BTreeMap<(EntityKind, String), Vec<String>> = BTreeMap::new();
    for change in entries.iter().filter_map(|e| e.change.as_ref()) {
        let fields = out
            .entry((change.entity, change.entity_id.clone()))
            .or_default();
        fields.extend(change.fields.keys().cloned());
        fields.sort();
        fields.dedup();
    }
    out
}

fn key(entity: EntityKind, id: &str) -> (EntityKind, String) {
    (entity, id.to_owned())
}

async fn each_role_pulls_only_what_it_may_see(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let codes = [
        ("Ann", Role::Officer),
        ("Wes", Role::Warden),
        ("Fay", Role::FireCrew),
        ("Sam", Role::Supervisor),
        ("Adm", Role::Admin),
    ];
    let mut laptops = Vec::new();
    let hub = {
        let mut pending = Vec::new();
        for (name, role) in codes {
            pending.push(user_with_code(&store, &org.north, name, role).await);
        }
        let hub = boot(&store).await;
        for code in pending {
            laptops.push(enrol(&hub, &code).await);
        }
        hub
    };
    let [ann, wes, fay, sam, adm] = <[support::Laptop; 5]>::try_from(laptops).unwrap();
    let mut ann = ann;
    let batch = vec![
        ann.new_household("h1", "1 High Street"),
        ann.create(
            EntityKind::Survey,
            "s1",
            json!({
                "household_id": "h1",
                "answers.front_light": "none",
                "answers.crime_ref": "NT/1234/26",
                "answers.method_of_entry": "cylinder_snapped",
                "answers.da_concern": true,
                "section_notes.incident": "came in through the back",
            }),
        ),
        ann.create(
            EntityKind::Plan,
            "p1",
            json!({ "survey_id": "s1", "status": "draft", "da_service_decision": "DA-77" }),
        ),
        ann.create(
            EntityKind::CharlieCheck,
            "c1",
            json!({ "household_id": "h1", "factors": [{"factor": "lives_alone", "score": 8}] }),
        ),
        ann.create(
            EntityKind::Cocoon,
            "k1",
            json!({ "household_id": "h1", "opened_on": "2026-03-01" }),
        ),
        ann.create(
            EntityKind::WorkOrder,
            "w1",
            json!({ "plan_id": "p1", "number": "WO-1" }),
        ),
        ann.create(
            EntityKind::DayDoor,
            "d1",
            json!({ "day_id": "day1", "address_line_1": "3 High Street" }),
        ),
    ];
    push_reply(&ann.push(&hub, &batch).await);

    let ann_sees = seen(&ann.pull_all(&hub, 0).await.0);
    assert_eq!(
        ann_sees.len(),
        7,
        "the officer sees every record of the team"
    );
    assert_eq!(ann_sees[&key(EntityKind::Survey, "s1")].len(), 6);

    let wes_sees = seen(&wes.pull_all(&hub, 0).await.0);
    assert_eq!(
        wes_sees.keys().cloned().collect::<Vec<_>>(),
        [
            key(EntityKind::Household, "h1"),
            key(EntityKind::Survey, "s1"),
            key(EntityKind::Plan, "p1"),
            key(EntityKind::Cocoon, "k1"),
            key(EntityKind::CharlieCheck, "c1"),
            key(EntityKind::DayDoor, "d1"),
        ],
        "no work order for a warden"
    );
    assert_eq!(
        wes_sees[&key(EntityKind::Survey, "s1")],
        ["answers.front_light", "household_id"],
        "no crime details or DA flag for a warden"
    );
    assert_eq!(
        wes_sees[&key(EntityKind::Plan, "p1")],
        ["status", "survey_id"]
    );

    let fay_sees = seen(&fay.pull_all(&hub, 0).await.0);
    assert_eq!(
        fay_sees.keys().cloned().collect::<Vec<_>>(),
        [
            key(EntityKind::Household, "h1"),
            key(EntityKind::CharlieCheck, "c1"),
            key(EntityKind::DayDoor, "d1"),
        ],
        "fire crews get no survey, plan, cocoon or work order"
    );

    let sam_sees = seen(&sam.pull_all(&hub, 0).await.0);
    assert_eq!(sam_sees, ann_sees, "the supervisor sees all of the team");

    let (admin_sees, next) = adm.pull_all(&hub, 0).await;
    assert!(
        admin_sees.is_empty(),
        "admins run the hub without reading casework"
    );
    assert_eq!(next, 7);

    // Reads are audited per record actually sent.
    let reads = audited(&store, "read", "ok").await;
    let by = |laptop: &support::Laptop| {
        reads
            .iter()
            .filter(|e| e.device_id.as_deref() == Some(laptop.device_id.to_string().as_str()))
            .count()
    };
    assert_eq!(
        (by(&ann), by(&wes), by(&fay), by(&sam), by(&adm)),
        (7, 6, 3, 7, 0)
    );
    hub.stop().await;
}

async fn a_role_may_not_push_records_it_may_not_see(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let wes_code = user_with_code(&store, &org.north, "Wes", Role::Warden).await;
    let fay_code = user_with_code(&store, &org.north, "Fay", Role::FireCrew).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &ann_code).await;
    let mut wes = enrol(&hub, &wes_code).await;
    let mut fay = enrol(&hub, &fay_code).await;
    let before = stats(&store).await;

    // A fire crew's batch with a survey in it is refused whole.
    let batch = vec![
        fay.new_household("h1", "1 Fire Lane"),
        fay.create(EntityKind::Survey, "s1", json!({ "household_id": "h1" })),
    ];
    let reply = fay.push(&hub, &batch).await;
    reply.expect(403, "out_of_scope");
    assert!(reply.body["message"].as_str().unwrap().contains("survey"));
    // A warden may not write work orders.
    let order = wes.create(EntityKind::WorkOrder, "w1", json!({ "number": "WO-1" }));
    wes.push(&hub, &[order]).await.expect(403, "out_of_scope");
    let after = stats(&store).await;
    assert_eq!(
        (after.records, after.change_log),
        (before.records, before.change_log)
    );
    assert_eq!(audited(&store, "push", "out_of_scope").await.len(), 2);

    // A field hidden from the warden is record-only: taken in, never sent back to them.
    let survey = wes.create(
        EntityKind::Survey,
        "s2",
        json!({ "household_id": "h2", "answers.crime_ref": "NT/9/26", "answers.bikes": "indoors" }),
    );
    push_reply(&wes.push(&hub, &[survey]).await);
    let wes_entry = wes.pull_all(&hub, 0).await.0.remove(0).change.unwrap();
    assert!(!wes_entry.fields.contains_key("answers.crime_ref"));
    let ann_entry = ann.pull_all(&hub, 0).await.0.remove(0).change.unwrap();
    assert_eq!(ann_entry.fields["answers.crime_ref"], "NT/9/26");

    // Nor does a push answer tell the warden a hidden guarded value: the officer records a
    // DA concern, the warden (not having seen it) records none, and only the officer's
    // laptop learns that the hub kept a value.
    let flag = ann.change(
        EntityKind::Survey,
        "s2",
        Operation::Update,
        json!({ "answers.da_concern": true }),
        &[("answers.da_concern", None)],
    );
    push_reply(&ann.push(&hub, &[flag]).await);
    let blind = wes.change(
        EntityKind::Survey,
        "s2",
        Operation::Update,
        json!({ "answers.da_concern": false }),
        &[("answers.da_concern", None)],
    );
    let answer = push_reply(&wes.push(&hub, &[blind]).await);
    assert!(
        answer.conflicts.is_empty() && answer.hub_values.is_empty(),
        "{answer:?}"
    );
    assert_eq!(
        stats(&store).await.conflicts,
        1,
        "the hub still raised it for a supervisor"
    );
    hub.stop().await;
}

//! Conflicts as synced records: raised once by the hub, pulled by supervisors, decided by
//! a supervisor's push, and the decision reaching everyone.

use super::*;
use doorstep_sync::LogEntry;

on_both_backends!(
    a_conflict_reaches_supervisors_once_and_the_decision_reaches_everyone,
    only_a_supervisors_decision_may_change_a_conflict,
);

/// The conflict records among `entries`.
fn conflicts_in(entries: &[LogEntry]) -> Vec<Change> {
    entries
        .iter()
        .filter_map(|e| e.change.clone())
        .filter(|c| c.entity == EntityKind::Conflict)
        .collect()
}

/// Ann and Bob (officers) set plan p1's status from the same version; Bob's push raises
/// the conflict. Returns the store, the hub, the laptops (Ann, Bob, Sam the supervisor)
/// and Bob's conflicting change.
struct Scene {
    _db: TestDb,
    store: SharedStore,
    hub: Hub,
    ann: support::Laptop,
    bob: support::Laptop,
    sam: support::Laptop,
    sue: support::Laptop,
    ann_edit: Change,
    bob_edit: Change,
}

async fn scene(backend: Backend) -> Scene {
    let (db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let bob_code = user_with_code(&store, &org.north, "Bob", Role::Officer).await;
    let sam_code = user_with_code(&store, &org.north, "Sam", Role::Supervisor).await;
    let sue_code = user_with_code(&store, &org.north, "Sue", Role::Supervisor).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &ann_code).await;
    let mut bob = enrol(&hub, &bob_code).await;
    let sam = enrol(&hub, &sam_code).await;
    let sue = enrol(&hub, &sue_code).await;
    let create = ann.create(
        EntityKind::Plan,
        "p1",
        json!({ "status": "draft", "notes": "fit locks" }),
    );
    push_reply(&ann.push(&hub, std::slice::from_ref(&create)).await);
    bob.clock.observe(create.hlc, chrono::Utc::now()).unwrap();
    let base = [("status", Some(create.hlc))];
    let ann_edit = ann.change(
        EntityKind::Plan,
        "p1",
        Operation::Update,
        json!({ "status": "agreed" }),
        &base,
    );
    let bob_edit = bob.change(
        EntityKind::Plan,
        "p1",
        Operation::Update,
        json!({ "status": "approved" }),
        &base,
    );
    push_reply(&ann.push(&hub, std::slice::from_ref(&ann_edit)).await);
    let pushed = push_reply(&bob.push(&hub, std::slice::from_ref(&bob_edit)).await);
    assert_eq!(pushed.conflicts.len(), 1, "{pushed:?}");
    Scene {
        _db: db,
        store,
        hub,
        ann,
        bob,
        sam,
        sue,
        ann_edit,
        bob_edit,
    }
}

async fn a_conflict_reaches_supervisors_once_and_the_decision_reaches_everyone(backend: Backend) {
    let Scene {
        _db,
        store,
        hub,
        ann,
        bob,
        mut sam,
        sue,
        ann_edit,
        bob_edit,
    } = scene(backend).await;

    // Bob's laptop did not get the answer and sends the same batch again, twice.
    for _ in 0..2 {
        let replay = push_reply(&bob.push(&hub, std::slice::from_ref(&bob_edit)).await);
        assert_eq!(replay.already_applied, vec![bob_edit.change_id]);
        assert!(replay.conflicts.is_empty());
    }

    // Exactly one conflict record, pulled by the supervisor, made by the hub.
    let (entries, sam_cursor) = sam.pull_all(&hub, 0).await;
    let records = conflicts_in(&entries);
    assert_eq!(records.len(), 1, "{records:?}");
    let raised = &records[0];
    let hub_id = store.hub_identity();
    assert_eq!(raised.device_id, hub_id.device_id);
    assert_eq!(raised.officer_id, hub_id.officer_id);
    assert_eq!(raised.hlc.device, hub_id.device_id);
    assert_eq!(
        raised.entity_id,
        doorstep_hub::conflicts::conflict_record_id(bob_edit.change_id, "status")
    );
    let f = &raised.fields;
    assert_eq!(f["entity"], "plan");
    assert_eq!(f["entity_id"], "p1");
    assert_eq!(f["field"], "status");
    assert_eq!(f["kept_value"], "agreed");
    assert_eq!(f["kept_hlc"], ann_edit.hlc.to_string());
    assert_eq!(f["kept_by"], "Ann");
    assert_eq!(f["other_value"], "approved");
    assert_eq!(f["other_hlc"], bob_edit.hlc.to_string());
    assert_eq!(f["other_by"], "Bob");
    assert_eq!(f["change_id"], bob_edit.change_id.to_string());
    assert_eq!(f["status"], "open");
    assert!(f["chosen"].is_null() && f["decided_by"].is_null() && f["decided_at"].is_null());
    assert!(chrono::DateTime::parse_from_rfc3339(f["raised_at"].as_str().unwrap()).is_ok());
    // The other supervisor gets it too; the officers do not (only supervisors decide).
    assert_eq!(conflicts_in(&sue.pull_all(&hub, 0).await.0).len(), 1);
    assert!(conflicts_in(&ann.pull_all(&hub, 0).await.0).is_empty());
    assert!(conflicts_in(&bob.pull_all(&hub, 0).await.0).is_empty());
    assert_eq!(stats(&store).await.conflicts, 1);
    assert_eq!(audited(&store, "write", "raised").await.len(), 1);

    // Sam decides for Bob's value: the decision and the plan's status, in one push, each
    // based on the version his laptop holds.
    sam.clock.observe(raised.hlc, chrono::Utc::now()).unwrap();
    let decision_base: Vec<(&str, Option<Hlc>)> = doorstep_hub::conflicts::DECISION_FIELDS
        .iter()
        .map(|f| (*f, Some(raised.hlc)))
        .collect();
    let decision = sam.change(
        EntityKind::Conflict,
        &raised.entity_id,
        Operation::Update,
        json!({
            "status": "decided", "chosen": "other", "decided_by": "Sam",
            "decided_at": "2026-03-01T10:00:00Z",
        }),
        &decision_base,
    );
    let take_other = sam.change(
        EntityKind::Plan,
        "p1",
        Operation::Update,
        json!({ "status": "approved" }),
        &[("status", Some(ann_edit.hlc))],
    );
    let decided = push_reply(
        &sam.push(&hub, &[decision.clone(), take_other.clone()])
            .await,
    );
    assert_eq!(decided.applied.len(), 2);
    assert!(decided.conflicts.is_empty(), "{decided:?}");

    // Everyone gets the plan's new status; the supervisors get the decision.
    for laptop in [&ann, &bob, &sue] {
        let (entries, _) = laptop.pull_all(&hub, 0).await;
        let last_status = entries
            .iter()
            .filter_map(|e| e.change.as_ref())
            .rfind(|c| c.entity == EntityKind::Plan && c.fields.contains_key("status"))
            .unwrap();
        assert_eq!(last_status.change_id, take_other.change_id);
        assert_eq!(last_status.fields["status"], "approved");
    }
    let (after, _) = sue.pull_all(&hub, sam_cursor).await;
    let decisions = conflicts_in(&after);
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].change_id, decision.change_id);
    assert_eq!(decisions[0].fields["chosen"], "other");
    hub.stop().await;
}

async fn only_a_supervisors_decision_may_change_a_conflict(backend: Backend) {
    let Scene {
        _db,
        store,
        hub,
        mut ann,
        mut sam,
        ..
    } = scene(backend).await;
    let (entries, _) = sam.pull_all(&hub, 0).await;
    let raised = conflicts_in(&entries).remove(0);
    let id = raised.entity_id.clone();
    sam.clock.observe(raised.hlc, chrono::Utc::now()).unwrap();
    ann.clock.observe(raised.hlc, chrono::Utc::now()).unwrap();
    let before = stats(&store).await;
    let base = [("status", Some(raised.hlc))];

    // An officer's decision: refused, with an ordinary change in the same batch.
    let harmless = ann.new_household("h9", "9 Side Street");
    let by_officer = ann.change(
        EntityKind::Conflict,
        &id,
        Operation::Update,
        json!({ "status": "decided" }),
        &base,
    );
    ann.push(&hub, &[harmless, by_officer])
        .await
        .expect(403, "out_of_scope");

    // A supervisor may not rewrite what the hub recorded, delete it, or make one up.
    let rewrite = sam.change(
        EntityKind::Conflict,
        &id,
        Operation::Update,
        json!({ "kept_value": "draft" }),
        &[("kept_value", Some(raised.hlc))],
    );
    let reply = sam.push(&hub, &[rewrite]).await;
    reply.expect(403, "out_of_scope");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("kept_value")
    );
    let delete = sam.change(EntityKind::Conflict, &id, Operation::Delete, json!({}), &[]);
    sam.push(&hub, &[delete]).await.expect(403, "out_of_scope");
    let made_up = sam.create(
        EntityKind::Conflict,
        "not-a-conflict",
        json!({ "status": "decided" }),
    );
    let reply = sam.push(&hub, &[made_up]).await;
    reply.expect(403, "out_of_scope");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("only the hub")
    );
    // A decision with a value no screen offers.
    let nonsense = sam.change(
        EntityKind::Conflict,
        &id,
        Operation::Update,
        json!({ "status": "maybe" }),
        &base,
    );
    sam.push(&hub, &[nonsense]).await.expect(422, "invalid");

    let after = stats(&store).await;
    assert_eq!(
        (after.records, after.change_log, after.applied_changes),
        (before.records, before.change_log, before.applied_changes),
        "nothing of a refused push is stored"
    );
    assert_eq!(audited(&store, "push", "out_of_scope").await.len(), 4);
    assert_eq!(audited(&store, "push", "invalid").await.len(), 1);
    hub.stop().await;
}

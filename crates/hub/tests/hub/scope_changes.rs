//! Records and people changing team or role: remove entries, whole records for the new
//! team, and laptops told to start again.

use super::*;
use crate::support::photo::{png_with_text, sha256_hex};
use doorstep_hub::admin;
use doorstep_sync::merge::Record;
use std::collections::BTreeMap;

on_both_backends!(
    a_household_moves_with_everything_that_refers_to_it,
    bad_admin_commands_are_refused_audited_and_change_nothing,
    a_user_who_changes_team_or_role_starts_again,
);

async fn a_household_moves_with_everything_that_refers_to_it(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let bob_code = user_with_code(&store, &org.north, "Bob", Role::Supervisor).await;
    let sam_code = user_with_code(&store, &org.south, "Sam", Role::Officer).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &ann_code).await;
    let bob = enrol(&hub, &bob_code).await;
    let mut sam = enrol(&hub, &sam_code).await;
    let photo = png_with_text(b"moved photo");
    let digest = sha256_hex(&photo);
    hub.client(&ann.access)
        .put_attachment(&digest, photo.clone())
        .await
        .unwrap();

    let plan = ann.create(
        EntityKind::Plan,
        "pl1",
        json!({ "survey_id": "s1", "status": "draft" }),
    );
    let batch = vec![
        ann.new_household("h1", "1 Moving Street"),
        ann.new_household("h2", "2 Staying Street"),
        ann.create(
            EntityKind::Person,
            "p1",
            json!({ "household_id": "h1", "full_name": "Pat" }),
        ),
        ann.create(EntityKind::Survey, "s1", json!({ "household_id": "h1" })),
        plan.clone(),
        ann.create(
            EntityKind::SurveyPhoto,
            "ph1",
            json!({ "survey_id": "s1", "sha256": digest }),
        ),
        ann.create(EntityKind::Visit, "v2", json!({ "household_id": "h2" })),
    ];
    push_reply(&ann.push(&hub, &batch).await);
    // A later edit, so versions differ per field before the move.
    let edit = ann.change(
        EntityKind::Plan,
        "pl1",
        Operation::Update,
        json!({ "status": "agreed" }),
        &[("status", Some(plan.hlc))],
    );
    push_reply(&ann.push(&hub, &[edit]).await);
    let (north_before, ann_cursor) = ann.pull_all(&hub, 0).await;
    let mut ann_records = BTreeMap::new();
    replay(&mut ann_records, &north_before);
    assert_eq!(ann_records.len(), 7);
    let (_, bob_cursor) = bob.pull_all(&hub, 0).await;

    let now = Clock::system().now_ms();
    let moved = admin::transfer_household(&store, None, "h1", "South", now)
        .await
        .unwrap();
    let ids: Vec<&str> = moved.moved.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids, ["h1", "p1", "s1", "ph1", "pl1"]);
    assert_eq!(
        (moved.from_team.as_str(), moved.to_team.as_str()),
        (org.north.as_str(), org.south.as_str())
    );

    // The old team's laptops drop them, and keep the rest.
    let (north_after, _) = ann.pull_all(&hub, ann_cursor).await;
    let removed: Vec<&str> = north_after
        .iter()
        .map(|e| e.remove.as_ref().unwrap().entity_id.as_str())
        .collect();
    assert_eq!(removed, ["h1", "p1", "s1", "ph1", "pl1"]);
    replay(&mut ann_records, &north_after);
    let left: Vec<&str> = ann_records.keys().map(|(_, id)| id.as_str()).collect();
    assert_eq!(left, ["h2", "v2"]);
    assert_eq!(bob.pull_all(&hub, bob_cursor).await.0.len(), 5);

    // The new team's laptops receive each record whole, at one version of the hub's.
    let (south, _) = sam.pull_all(&hub, 0).await;
    let mut sam_records = BTreeMap::new();
    replay(&mut sam_records, &south);
    assert_eq!(sam_records.len(), 5);
    for ((entity, id), record) in &sam_records {
        let before = &north_before_record(&north_before, *entity, id);
        assert_eq!(record.fields, before.fields, "{entity}/{id} arrives whole");
        assert!(
            record
                .versions
                .values()
                .all(|v| v.device == store.hub_identity().device_id)
        );
    }
    // Its next edit of a guarded field applies cleanly: no false conflict.
    let hub_version = sam_records[&(EntityKind::Plan, "pl1".to_owned())].versions["status"];
    sam.clock.observe(hub_version, chrono::Utc::now()).unwrap();
    let approve = sam.change(
        EntityKind::Plan,
        "pl1",
        Operation::Update,
        json!({ "status": "approved" }),
        &[("status", Some(hub_version))],
    );
    let pushed = push_reply(&sam.push(&hub, &[approve]).await);
    assert!(
        pushed.conflicts.is_empty() && pushed.hub_values.is_empty(),
        "{pushed:?}"
    );
    // The photo follows its record.
    assert_eq!(
        hub.client(&sam.access)
            .get_attachment(&digest)
            .await
            .unwrap(),
        photo
    );
    // And the old team may no longer change them.
    let late = ann.change(
        EntityKind::Household,
        "h1",
        Operation::Update,
        json!({ "street": "Too late" }),
        &[("street", None)],
    );
    ann.push(&hub, &[late]).await.expect(403, "out_of_scope");
    // Nor add to them: a resident recorded offline for the moved household is refused,
    // with the rest of its batch, rather than left behind in the old team.
    let (before, _) = ann.pull_all(&hub, 0).await;
    let newcomer = ann.change(
        EntityKind::Person,
        "p9",
        Operation::Create,
        json!({ "household_id": "h1", "full_name": "Noor Kindlewood" }),
        &[],
    );
    let other = ann.new_household("h9", "9 Other Street");
    ann.push(&hub, &[other.clone(), newcomer.clone()])
        .await
        .expect(403, "out_of_scope");
    assert_eq!(
        ann.pull_all(&hub, 0).await.0.len(),
        before.len(),
        "nothing stored"
    );
    assert!(
        sam.pull_all(&hub, 0)
            .await
            .0
            .iter()
            .all(|e| e.change.as_ref().is_none_or(|c| c.entity_id != "p9"))
    );
    // Without it, the rest goes.
    push_reply(&ann.push(&hub, &[other]).await);
    assert_eq!(
        audited(&store, "admin.transfer-household", "ok")
            .await
            .len(),
        1
    );
    assert_eq!(audited(&store, "move", "from team").await.len(), 5);
    hub.stop().await;
}

fn north_before_record(
    entries: &[doorstep_sync::LogEntry],
    entity: EntityKind,
    id: &str,
) -> Record {
    let mut records = BTreeMap::new();
    replay(&mut records, entries);
    records.remove(&(entity, id.to_owned())).unwrap()
}

async fn bad_admin_commands_are_refused_audited_and_change_nothing(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &ann_code).await;
    push_reply(&{
        let batch = vec![ann.new_household("h1", "1 High Street")];
        ann.push(&hub, &batch).await
    });
    let other_org = store.create_org("Southshire Council", 1).await.unwrap();
    store.add_team(&other_org, "Far", 1).await.unwrap();
    let before = stats(&store).await;
    let now = Clock::system().now_ms();

    let code = |e: StoreError| admin::failure_code(&e);
    let unknown = admin::transfer_household(&store, None, "no-such-household", "South", now).await;
    assert_eq!(code(unknown.unwrap_err()), "not_found");
    let no_team = admin::transfer_household(&store, None, "h1", "Atlantis", now).await;
    assert_eq!(code(no_team.unwrap_err()), "not_found");
    let same = admin::transfer_household(&store, None, "h1", "North", now).await;
    assert_eq!(code(same.unwrap_err()), "invalid");
    let far = admin::transfer_household(&store, None, "h1", "Far", now).await;
    assert_eq!(code(far.unwrap_err()), "invalid");
    let nobody = admin::move_user(&store, None, "Nobody", "South", now).await;
    assert_eq!(code(nobody.unwrap_err()), "not_found");
    let nowhere = admin::move_user(&store, None, "Ann", "Atlantis", now).await;
    assert_eq!(code(nowhere.unwrap_err()), "not_found");
    let nobody = admin::set_role(&store, None, "Nobody", Role::Warden, now).await;
    assert_eq!(code(nobody.unwrap_err()), "not_found");

    let after = stats(&store).await;
    assert_eq!(
        (after.records, after.change_log, after.counter),
        (before.records, before.change_log, before.counter)
    );
    for (action, outcome, times) in [
        ("admin.transfer-household", "not_found", 2),
        ("admin.transfer-household", "invalid", 2),
        ("admin.move-user", "not_found", 2),
        ("admin.set-role", "not_found", 1),
    ] {
        assert_eq!(
            audited(&store, action, outcome).await.len(),
            times,
            "{action} {outcome}"
        );
    }
    // Ann is still in North with her role, and her laptop carries on as before.
    let (entries, _) = ann.pull_all(&hub, 0).await;
    assert_eq!(entries.len(), 1);
    hub.stop().await;
}

async fn a_user_who_changes_team_or_role_starts_again(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let bob_code = user_with_code(&store, &org.north, "Bob", Role::Officer).await;
    let sam_code = user_with_code(&store, &org.south, "Sam", Role::Officer).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &ann_code).await;
    let bob = enrol(&hub, &bob_code).await;
    let mut sam = enrol(&hub, &sam_code).await;
    push_reply(&{
        let batch = vec![ann.new_household("n1", "North Road")];
        ann.push(&hub, &batch).await
    });
    push_reply(&{
        let batch = vec![
            sam.new_household("s1", "South Road"),
            sam.create(EntityKind::Survey, "ss1", json!({ "household_id": "s1" })),
        ];
        sam.push(&hub, &batch).await
    });
    let (_, ann_cursor) = ann.pull_all(&hub, 0).await;
    let (_, bob_cursor) = bob.pull_all(&hub, 0).await;
    let now = Clock::system().now_ms();

    admin::move_user(&store, None, "Ann", "South", now)
        .await
        .unwrap();
    let page = pull_reply(&ann.pull(&hub, ann_cursor, 100).await);
    assert!(
        page.full_resync_needed && page.entries.is_empty(),
        "{page:?}"
    );
    // Asked again (the answer was lost), the same.
    let page = pull_reply(&ann.pull(&hub, ann_cursor, 100).await);
    assert!(page.full_resync_needed);
    // Bob's laptop is not concerned.
    assert!(!pull_reply(&bob.pull(&hub, bob_cursor, 100).await).full_resync_needed);
    // From 0: South's records, and then an ordinary pull.
    let (entries, cursor) = ann.pull_all(&hub, 0).await;
    assert_eq!(support_ids(&entries), ["s1", "ss1"]);
    assert!(ann.pull_all(&hub, cursor).await.0.is_empty());

    // A new role: a fire crew member no longer receives the survey.
    admin::set_role(&store, None, "Ann", Role::FireCrew, now)
        .await
        .unwrap();
    assert!(pull_reply(&ann.pull(&hub, cursor, 100).await).full_resync_needed);
    let (entries, _) = ann.pull_all(&hub, 0).await;
    assert_eq!(support_ids(&entries), ["s1"]);
    // The same role again changes nothing, and asks nothing of the laptop.
    admin::set_role(&store, None, "Ann", Role::FireCrew, now)
        .await
        .unwrap();
    assert!(!pull_reply(&ann.pull(&hub, cursor, 100).await).full_resync_needed);
    assert_eq!(audited(&store, "admin.move-user", "ok").await.len(), 1);
    assert_eq!(audited(&store, "admin.set-role", "ok").await.len(), 2);
    assert_eq!(audited(&store, "pull", "full_resync_needed").await.len(), 3);
    hub.stop().await;
}

fn support_ids(entries: &[doorstep_sync::LogEntry]) -> Vec<String> {
    entries
        .iter()
        .filter_map(|e| e.change.as_ref())
        .map(|c| c.entity_id.clone())
        .collect()
}

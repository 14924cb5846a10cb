//! The hub's behaviour over HTTP, every test run once on SQLite and once on PostgreSQL.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

#[macro_use]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use doorstep_core::{Hlc, Role};
use doorstep_hub::conflicts::HubIdentity;
use doorstep_hub::model::{AuditEntry, DeviceInfo, Principal, Refusal, StoreError, TokenDigests};
use doorstep_hub::store::{Purged, Stats, StoredAttachment, Transfer};
use doorstep_hub::{Clock, HubConfig, SharedStore, Store};
use doorstep_sync::protocol::{
    AttachmentReceipt, Change, EntityKind, MAX_BATCH, MAX_BODY_BYTES, MAX_OPENINGS, Opening,
    OpeningsResponse, Operation, PullResponse, PushResponse,
};
use serde_json::json;
use support::{Backend, Hub, TestDb, enrol, enrol_body, org, pulled_ids, stats, user_with_code};
use tokio::sync::Notify;

on_both_backends!(
    enrolment_codes_work_once_and_tokens_refresh,
    a_push_is_applied_once_and_numbered_in_order,
    pull_returns_only_the_users_team,
    a_guarded_conflict_is_raised_exactly_once,
    a_revoked_device_is_told_to_wipe,
    bad_requests_get_their_own_4xx_and_store_nothing,
    a_device_over_its_rate_is_slowed_down,
    a_hub_killed_mid_push_loses_and_doubles_nothing,
    a_batch_is_one_transaction,
    the_sync_client_round_trips,
);

#[path = "hub/at_rest.rs"]
mod at_rest;
#[path = "hub/attachments.rs"]
mod attachments;
#[path = "hub/conflict_records.rs"]
mod conflict_records;
#[path = "hub/crash.rs"]
mod crash;
#[path = "hub/crime.rs"]
mod crime;
#[path = "hub/hardening.rs"]
mod hardening;
#[path = "hub/openings.rs"]
mod openings;
#[path = "hub/retention.rs"]
mod retention;
#[path = "hub/scope_changes.rs"]
mod scope_changes;
#[path = "hub/tombstones.rs"]
mod tombstones;
#[path = "hub/visibility.rs"]
mod visibility;

/// Replays pulled entries the way a laptop does (`apply_from_hub`, removals and deletes
/// drop the record), into records keyed by kind and id.
fn replay(
    records: &mut std::collections::BTreeMap<(EntityKind, String), doorstep_sync::merge::Record>,
    entries: &[doorstep_sync::LogEntry],
) {
    for entry in entries {
        match (&entry.change, &entry.remove) {
            (Some(change), _) => {
                let key = (change.entity, change.entity_id.clone());
                let record = records.entry(key.clone()).or_default();
                doorstep_sync::merge::apply_from_hub(record, change, |_| false);
                if record.is_deleted() {
                    records.remove(&key);
                }
            }
            (None, Some(removal)) => {
                records.remove(&(removal.entity, removal.entity_id.clone()));
            }
            (None, None) => panic!("an entry with neither change nor removal"),
        }
    }
}

async fn setup(backend: Backend) -> (TestDb, SharedStore) {
    let db = TestDb::new(backend).await;
    let store = doorstep_hub::open(&db.url).await.unwrap();
    (db, store)
}

async fn boot(store: &SharedStore) -> Hub {
    Hub::start(store.clone(), HubConfig::default(), Clock::system()).await
}

fn push_reply(reply: &support::Reply) -> PushResponse {
    serde_json::from_value(reply.ok().clone()).unwrap()
}

fn pull_reply(reply: &support::Reply) -> PullResponse {
    serde_json::from_value(reply.ok().clone()).unwrap()
}

/// The audit entries with this action and outcome.
async fn audited(store: &SharedStore, action: &str, outcome: &str) -> Vec<AuditEntry> {
    store
        .audit(10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action && e.outcome.starts_with(outcome))
        .collect()
}

/// How many refusals with this action and outcome the audit log holds, a tally line
/// counting for as many as it says, once the tallies still open are written.
async fn refused(hub: &Hub, store: &SharedStore, action: &str, outcome: &str) -> u64 {
    hub.state.flush_refusal_tallies(true).await;
    audited(store, action, outcome)
        .await
        .iter()
        .map(doorstep_hub::refusals::occurrences)
        .sum()
}

async fn enrolment_codes_work_once_and_tokens_refresh(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let other = user_with_code(&store, &org.north, "Bob", Role::Officer).await;
    let hub = boot(&store).await;

    let reply = hub.post("/v1/enrol", None, &enrol_body(&code)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["user"]["name"], "Ann");
    assert_eq!(reply.body["user"]["role"], "officer");
    assert_eq!(reply.body["organisation"]["name"], "Northshire Council");
    let device = reply.body["device_id"].as_str().unwrap().to_owned();
    let access = reply.body["access_token"].as_str().unwrap().to_owned();
    let refresh = reply.body["refresh_token"].as_str().unwrap().to_owned();

    // The code is spent; typed differently it is still the same code.
    hub.post("/v1/enrol", None, &enrol_body(&code))
        .await
        .expect(401, "unauthorised");
    hub.post("/v1/enrol", None, &enrol_body(&code.to_lowercase()))
        .await
        .expect(401, "unauthorised");
    hub.post("/v1/enrol", None, &enrol_body("NOPE1-NOPE2-NOPE3"))
        .await
        .expect(401, "unauthorised");
    assert_eq!(store.devices().await.unwrap().len(), 1);

    // Tokens are stored hashed, never in clear.
    assert!(!format!("{:?}", store.audit(100).await.unwrap()).contains(&access));

    // A refresh naming another device is refused and spends nothing.
    let bob = enrol(&hub, &other).await;
    let forged = json!({ "protocol": 1, "device_id": bob.device_id, "refresh_token": refresh });
    hub.post("/v1/token/refresh", None, &forged)
        .await
        .expect(401, "unauthorised");

    let body = json!({ "protocol": 1, "device_id": device, "refresh_token": refresh });
    let reply = hub.post("/v1/token/refresh", None, &body).await;
    let new_access = reply.ok()["access_token"].as_str().unwrap().to_owned();
    let new_refresh = reply.ok()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_access, access);
    hub.get("/v1/pull?after=0&limit=10", Some(&new_access))
        .await
        .ok();
    // The old access token still works until it expires (short-lived).
    hub.get("/v1/pull", Some(&access)).await.ok();

    // The spent refresh token replayed: refused, and every token of the device withdrawn.
    hub.post("/v1/token/refresh", None, &body)
        .await
        .expect(401, "unauthorised");
    // The device's newer tokens are withdrawn too, and say so: refreshing cannot help,
    // so the laptop must be told to enrol again, never that its token merely expired.
    let withdrawn = hub.get("/v1/pull", Some(&new_access)).await;
    withdrawn.expect(401, "unauthorised");
    assert!(
        withdrawn.body["message"]
            .as_str()
            .unwrap()
            .contains("enrol"),
        "the message says what to do: {}",
        withdrawn.body
    );
    let newer = json!({ "protocol": 1, "device_id": device, "refresh_token": new_refresh });
    hub.post("/v1/token/refresh", None, &newer)
        .await
        .expect(401, "unauthorised");
    hub.get("/v1/pull", Some(&access))
        .await
        .expect(401, "unauthorised");

    assert_eq!(audited(&store, "enrol", "ok").await.len(), 2);
    assert_eq!(refused(&hub, &store, "enrol", "unauthorised").await, 3);
    assert_eq!(audited(&store, "refresh", "ok").await.len(), 1);
    assert_eq!(refused(&hub, &store, "refresh", "unauthorised").await, 3);
    hub.stop().await;
}

async fn a_push_is_applied_once_and_numbered_in_order(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &code).await;

    let first = ann.new_household("h1", "1 High Street");
    let versions = [("street", Some(first.hlc))];
    let batch = vec![
        first.clone(),
        ann.new_household("h2", "2 High Street"),
        ann.change(
            EntityKind::Household,
            "h1",
            Operation::Update,
            json!({ "street": "1a High Street" }),
            &versions,
        ),
    ];
    let pushed = push_reply(&ann.push(&hub, &batch).await);
    assert_eq!(pushed.applied.len(), 3);
    assert!(pushed.already_applied.is_empty());
    assert_eq!(pushed.cursor, 3);
    let after_first = stats(&store).await;
    assert_eq!(
        (
            after_first.records,
            after_first.change_log,
            after_first.applied_changes
        ),
        (2, 3, 3)
    );

    // The same batch again (a retry after a lost answer): nothing is done twice.
    let replay = push_reply(&ann.push(&hub, &batch).await);
    assert!(replay.applied.is_empty());
    assert_eq!(
        replay.already_applied,
        batch.iter().map(|c| c.change_id).collect::<Vec<_>>()
    );
    assert_eq!(replay.cursor, 3);
    let after_replay = stats(&store).await;
    assert_eq!(after_replay.records, 2);
    assert_eq!(after_replay.change_log, 3);
    assert_eq!(after_replay.applied_changes, 3);

    // A change repeated inside one batch is applied once.
    let next = ann.new_household("h3", "3 High Street");
    let pushed = push_reply(&ann.push(&hub, &[next.clone(), next.clone()]).await);
    assert_eq!(pushed.applied, vec![next.change_id]);
    assert_eq!(pushed.already_applied, vec![next.change_id]);
    assert_eq!(pushed.cursor, 4, "the counter only moves forward");

    // The log holds the merged state: h1's update is there, in push order.
    let pulled = pull_reply(&ann.pull(&hub, 0, 100).await);
    let seqs: Vec<u64> = pulled.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
    assert_eq!(pulled.next, 4);
    let update = pulled.entries[2].change.as_ref().unwrap();
    assert_eq!(update.fields["street"], "1a High Street");
    assert_eq!(stats(&store).await.counter, 4);
    assert_eq!(audited(&store, "write", "applied").await.len(), 4);
    assert_eq!(audited(&store, "write", "already_applied").await.len(), 4);
    assert_eq!(audited(&store, "read", "ok").await.len(), 4);
    hub.stop().await;
}

async fn pull_returns_only_the_users_team(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let cat_code = user_with_code(&store, &org.north, "Cat", Role::Warden).await;
    let sam_code = user_with_code(&store, &org.south, "Sam", Role::Officer).await;
    let con_code = user_with_code(&store, &org.north, "Con", Role::Contractor).await;
    let ana_code = user_with_code(&store, &org.north, "Ana", Role::Analyst).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &ann_code).await;
    let cat = enrol(&hub, &cat_code).await;
    let mut sam = enrol(&hub, &sam_code).await;
    let mut con = enrol(&hub, &con_code).await;
    let ana = enrol(&hub, &ana_code).await;

    push_reply(&{
        let batch = vec![
            ann.new_household("n1", "North Road"),
            ann.new_household("n2", "North Lane"),
        ];
        ann.push(&hub, &batch).await
    });
    push_reply(&{
        let batch = vec![sam.new_household("s1", "South Road")];
        sam.push(&hub, &batch).await
    });
    push_reply(&{
        let batch = vec![ann.new_household("n3", "North Close")];
        ann.push(&hub, &batch).await
    });

    assert_eq!(
        pulled_ids(&ann.pull(&hub, 0, 100).await),
        ["n1", "n2", "n3"]
    );
    assert_eq!(
        pulled_ids(&cat.pull(&hub, 0, 100).await),
        ["n1", "n2", "n3"]
    );
    assert_eq!(pulled_ids(&sam.pull(&hub, 0, 100).await), ["s1"]);
    // The same over GET.
    let reply = hub
        .get("/v1/pull?protocol=1&after=0&limit=100", Some(&sam.access))
        .await;
    assert_eq!(pulled_ids(&reply), ["s1"]);

    // Contractors and analysts get nothing from the sync tables, and may not push.
    for laptop in [&con, &ana] {
        let page = pull_reply(&laptop.pull(&hub, 0, 100).await);
        assert!(page.entries.is_empty());
        assert_eq!(page.next, 4);
    }
    let change = con.new_household("c1", "Contractor Yard");
    con.push(&hub, &[change]).await.expect(403, "out_of_scope");

    // Paging: one at a time, the cursor moves past other teams' entries.
    let page = pull_reply(&ann.pull(&hub, 0, 1).await);
    assert_eq!((page.entries.len(), page.next, page.more), (1, 1, true));
    let page = pull_reply(&ann.pull(&hub, page.next, 1).await);
    assert_eq!((page.entries[0].seq, page.more), (2, true));
    let page = pull_reply(&ann.pull(&hub, page.next, 1).await);
    assert_eq!((page.entries[0].seq, page.next, page.more), (4, 4, false));
    let page = pull_reply(&ann.pull(&hub, page.next, 1).await);
    assert!(page.entries.is_empty() && !page.more);

    // Sam may not change a North record, even knowing its id.
    let before = stats(&store).await;
    let versions = [("street", None)];
    let change = sam.change(
        EntityKind::Household,
        "n1",
        Operation::Update,
        json!({ "street": "Mine now" }),
        &versions,
    );
    sam.push(&hub, &[change]).await.expect(403, "out_of_scope");
    assert_eq!(stats(&store).await.change_log, before.change_log);
    assert_eq!(audited(&store, "push", "out_of_scope").await.len(), 2);
    hub.stop().await;
}

async fn a_guarded_conflict_is_raised_exactly_once(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let bob_code = user_with_code(&store, &org.north, "Bob", Role::Supervisor).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &ann_code).await;
    let mut bob = enrol(&hub, &bob_code).await;

    let create = ann.change(
        EntityKind::Plan,
        "p1",
        Operation::Create,
        json!({ "status": "draft", "notes": "fit locks" }),
        &[],
    );
    push_reply(&ann.push(&hub, std::slice::from_ref(&create)).await);
    let base = Some(create.hlc);
    bob.clock.observe(create.hlc, chrono::Utc::now()).unwrap();

    // Both edit the guarded status (and Bob an ordinary field) from the same version.
    let ann_edit = ann.change(
        EntityKind::Plan,
        "p1",
        Operation::Update,
        json!({ "status": "agreed" }),
        &[("status", base)],
    );
    let bob_edit = bob.change(
        EntityKind::Plan,
        "p1",
        Operation::Update,
        json!({ "status": "approved", "notes": "fit locks and chain" }),
        &[("status", base), ("notes", base)],
    );
    let first = push_reply(&ann.push(&hub, std::slice::from_ref(&ann_edit)).await);
    assert!(first.conflicts.is_empty());
    assert!(first.hub_values.is_empty(), "Ann holds the hub's version");
    let pushed = push_reply(&bob.push(&hub, std::slice::from_ref(&bob_edit)).await);
    assert_eq!(pushed.applied, vec![bob_edit.change_id]);
    assert_eq!(pushed.conflicts.len(), 1, "{pushed:?}");
    let conflict = &pushed.conflicts[0];
    assert_eq!(conflict.field, "status");
    assert_eq!(conflict.hub_value, "agreed");
    assert_eq!(conflict.hub_hlc, ann_edit.hlc);
    assert_eq!(conflict.device_value, "approved");
    assert_eq!(conflict.device_id, bob.device_id);
    // The answer also carries the hub's value of the guarded field, for Bob to adopt.
    assert_eq!(pushed.hub_values.len(), 1);
    assert_eq!(pushed.hub_values[0].field, "status");
    assert_eq!(pushed.hub_values[0].value, "agreed");
    assert_eq!(pushed.hub_values[0].hlc, ann_edit.hlc);
    assert_eq!(pushed.hub_values[0].change_hlc, bob_edit.hlc);

    // A retry of the same push raises nothing again.
    let replay = push_reply(&bob.push(&hub, std::slice::from_ref(&bob_edit)).await);
    assert!(replay.conflicts.is_empty());
    assert_eq!(
        replay.hub_values, pushed.hub_values,
        "a lost answer is not lost for good"
    );
    assert_eq!(replay.already_applied, vec![bob_edit.change_id]);
    assert_eq!(stats(&store).await.conflicts, 1);

    // What others pull: the ordinary field took effect, the guarded one kept the hub's value.
    let page = pull_reply(&ann.pull(&hub, 0, 100).await);
    let last = page.entries.last().unwrap().change.as_ref().unwrap();
    assert_eq!(last.change_id, bob_edit.change_id);
    assert!(last.fields.contains_key("notes"));
    assert!(!last.fields.contains_key("status"));
    assert_eq!(audited(&store, "write", "conflict").await.len(), 1);
    hub.stop().await;
}

async fn a_revoked_device_is_told_to_wipe(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &code).await;
    push_reply(&{
        let batch = vec![ann.new_household("h1", "1 Lost Laptop Lane")];
        ann.push(&hub, &batch).await
    });

    let device = ann.device_id.to_string();
    store
        .revoke_device(&device, Clock::system().now_ms())
        .await
        .unwrap();
    let before = stats(&store).await;

    let batch = vec![ann.new_household("h2", "2 Lost Laptop Lane")];
    let reply = ann.push(&hub, &batch).await;
    reply.expect(410, "device_revoked");
    assert!(reply.body["message"].as_str().unwrap().contains("wipe"));
    ann.pull(&hub, 0, 10).await.expect(410, "device_revoked");
    let body = json!({ "protocol": 1, "device_id": ann.device_id, "refresh_token": ann.refresh });
    hub.post("/v1/token/refresh", None, &body)
        .await
        .expect(410, "device_revoked");

    let after = stats(&store).await;
    assert_eq!(
        (after.records, after.change_log),
        (before.records, before.change_log)
    );
    let refused = audited(&store, "push", "device_revoked").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(
        refused[0].device_id,
        Some(device.clone()),
        "the audit log names the revoked laptop that came back"
    );
    assert_eq!(audited(&store, "pull", "device_revoked").await.len(), 1);
    assert_eq!(audited(&store, "refresh", "device_revoked").await.len(), 1);
    let devices: Vec<DeviceInfo> = store.devices().await.unwrap();
    assert!(devices[0].revoked_at.is_some());
    hub.stop().await;
}

async fn bad_requests_get_their_own_4xx_and_store_nothing(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let bob_code = user_with_code(&store, &org.north, "Bob", Role::Officer).await;
    let clock = Clock::system();
    let hub = Hub::start(store.clone(), HubConfig::default(), clock.clone()).await;
    let mut ann = enrol(&hub, &ann_code).await;
    let bob = enrol(&hub, &bob_code).await;
    let access = ann.access.clone();
    let token = Some(access.as_str());
    let good = ann.new_household("h1", "1 Good Street");
    let before = stats(&store).await;

    // Malformed JSON.
    hub.post_raw("/v1/push", token, b"{\"protocol\": 1, \"changes\": [")
        .await
        .expect(400, "malformed");
    hub.post_raw("/v1/enrol", None, b"not json")
        .await
        .expect(400, "malformed");
    hub.post_raw("/v1/token/refresh", None, b"")
        .await
        .expect(400, "malformed");
    // JSON of the wrong shape.
    hub.post(
        "/v1/push",
        token,
        &json!({ "protocol": 1, "device_id": ann.device_id, "changes": "all" }),
    )
    .await
    .expect(400, "malformed");
    // The wrong protocol, in the body or the header.
    let mut body = ann.push_body(std::slice::from_ref(&good));
    body["protocol"] = json!(2);
    hub.post("/v1/push", token, &body)
        .await
        .expect(400, "wrong_protocol");
    let reply = support::request(
        hub.addr,
        "GET",
        "/v1/pull",
        &[
            ("Authorization", &format!("Bearer {}", ann.access)),
            ("doorstep-protocol", "2"),
        ],
        None,
    )
    .await;
    reply.expect(400, "wrong_protocol");
    hub.get("/v1/pull?protocol=7", token)
        .await
        .expect(400, "wrong_protocol");
    hub.get("/v1/pull?after=minus-one", token)
        .await
        .expect(400, "malformed");
    // An unknown kind of record.
    let mut body = ann.push_body(std::slice::from_ref(&good));
    body["changes"][0]["entity"] = json!("spaceship");
    let reply = hub.post("/v1/push", token, &body).await;
    reply.expect(422, "unknown_entity");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("spaceship")
    );
    // A change that breaks the protocol's rules (a delete carrying fields).
    let mut bad = good.clone();
    bad.operation = Operation::Delete;
    hub.post("/v1/push", token, &ann.push_body(&[bad]))
        .await
        .expect(422, "invalid");
    // Too large: the body, and the batch.
    let huge = vec![b' '; MAX_BODY_BYTES + 1];
    hub.post_raw("/v1/push", token, &huge)
        .await
        .expect(413, "too_large");
    let batch: Vec<Change> = (0..=MAX_BATCH)
        .map(|i| ann.new_household(&format!("b{i}"), "Batch Street"))
        .collect();
    hub.post("/v1/push", token, &ann.push_body(&batch))
        .await
        .expect(413, "too_large");
    // A forged device id: Ann's token, Bob's device (and changes made to look like his).
    let mut forged = good.clone();
    forged.device_id = bob.device_id;
    forged.hlc = Hlc {
        device: bob.device_id,
        ..forged.hlc
    };
    let reply = hub.post("/v1/push", token, &bob.push_body(&[forged])).await;
    reply.expect(401, "unauthorised");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("another device")
    );
    // No token, a made-up token, a refresh token used as an access token.
    hub.post(
        "/v1/push",
        None,
        &ann.push_body(std::slice::from_ref(&good)),
    )
    .await
    .expect(401, "unauthorised");
    hub.post(
        "/v1/push",
        Some("dsa_0000"),
        &ann.push_body(std::slice::from_ref(&good)),
    )
    .await
    .expect(401, "unauthorised");
    hub.post(
        "/v1/push",
        Some(&ann.refresh),
        &ann.push_body(std::slice::from_ref(&good)),
    )
    .await
    .expect(401, "unauthorised");
    // Nowhere, and the wrong method.
    hub.get("/v1/nothing-here", token)
        .await
        .expect(404, "not_found");
    let reply = hub.get("/v1/push", token).await;
    assert_eq!(reply.status, 405, "{}", reply.body);
    assert_eq!(reply.code(), "not_found");

    // An expired token (the hub's clock moves past its 15 minutes).
    clock.advance(16 * 60 * 1000);
    hub.post(
        "/v1/push",
        token,
        &ann.push_body(std::slice::from_ref(&good)),
    )
    .await
    .expect(401, "token_expired");

    let after = stats(&store).await;
    assert_eq!(after.records, before.records);
    assert_eq!(after.change_log, before.change_log);
    assert_eq!(after.applied_changes, before.applied_changes);
    assert_eq!(after.counter, before.counter);
    for (action, code, times) in [
        ("push", "malformed", 2),
        ("enrol", "malformed", 1),
        ("refresh", "malformed", 1),
        ("push", "wrong_protocol", 1),
        ("pull", "wrong_protocol", 2),
        ("pull", "malformed", 1),
        ("push", "unknown_entity", 1),
        ("push", "invalid", 1),
        ("push", "too_large", 2),
        ("push", "unauthorised", 4),
        ("push", "token_expired", 1),
    ] {
        assert_eq!(
            refused(&hub, &store, action, code).await,
            times,
            "audit entries for {action} {code}"
        );
    }
    // The refused push from a known device names it.
    let pushes = audited(&store, "push", "unauthorised").await;
    let known: Vec<_> = pushes.iter().filter_map(|e| e.device_id.clone()).collect();
    assert_eq!(
        known,
        [ann.device_id.to_string()],
        "only the forged push had a valid token"
    );

    // And the hub still works.
    let mut ann_again = ann;
    clock.advance(-16 * 60 * 1000);
    push_reply(&{
        let batch = vec![ann_again.new_household("h9", "9 Fine Street")];
        ann_again.push(&hub, &batch).await
    });
    hub.stop().await;
}

async fn a_device_over_its_rate_is_slowed_down(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let bob_code = user_with_code(&store, &org.north, "Bob", Role::Officer).await;
    let config = HubConfig {
        rate_limit: doorstep_hub::rate::RateLimit {
            burst: 3,
            per_second: 0.01,
        },
        ..HubConfig::default()
    };
    let hub = Hub::start(store.clone(), config, Clock::system()).await;
    let ann = enrol(&hub, &code).await;
    let bob = enrol(&hub, &bob_code).await;
    for _ in 0..3 {
        ann.pull(&hub, 0, 10).await.ok();
    }
    let reply = ann.pull(&hub, 0, 10).await;
    reply.expect(429, "rate_limited");
    assert!(reply.headers.to_ascii_lowercase().contains("retry-after:"));
    // Another device has its own bucket.
    bob.pull(&hub, 0, 10).await.ok();
    assert_eq!(audited(&store, "pull", "rate_limited").await.len(), 1);
    hub.stop().await;
}

/// A store that stands between the hub and the real one, and can hang a push before it
/// reaches the database or after it has committed, the way a crash would leave it.
#[derive(Debug)]
struct Crashy {
    inner: SharedStore,
    hang_before: AtomicBool,
    hang_after: AtomicBool,
    /// Says when a push reaches the store, and lets it carry on.
    announce: AtomicBool,
    reached: Notify,
}

#[async_trait]
impl Store for Crashy {
    fn backend(&self) -> String {
        self.inner.backend()
    }
    async fn create_org(&self, name: &str, now: i64) -> Result<String, StoreError> {
        self.inner.create_org(name, now).await
    }
    async fn add_team(&self, org: &str, name: &str, now: i64) -> Result<String, StoreError> {
        self.inner.add_team(org, name, now).await
    }
    async fn add_user(
        &self,
        team: &str,
        name: &str,
        role: Role,
        now: i64,
    ) -> Result<String, StoreError> {
        self.inner.add_user(team, name, role, now).await
    }
    async fn add_enrolment_code(
        &self,
        user: &str,
        digest: &str,
        now: i64,
        expires: i64,
    ) -> Result<String, StoreError> {
        self.inner
            .add_enrolment_code(user, digest, now, expires)
            .await
    }
    async fn revoke_device(&self, device_id: &str, now: i64) -> Result<(), StoreError> {
        self.inner.revoke_device(device_id, now).await
    }
    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        self.inner.devices().await
    }
    async fn enrol(
        &self,
        code: &str,
        device: &str,
        name: &str,
        tokens: &TokenDigests,
        now: i64,
    ) -> Result<Principal, StoreError> {
        self.inner.enrol(code, device, name, tokens, now).await
    }
    async fn refresh(
        &self,
        digest: &str,
        device: &str,
        tokens: &TokenDigests,
        now: i64,
    ) -> Result<Result<Principal, Refusal>, StoreError> {
        self.inner.refresh(digest, device, tokens, now).await
    }
    async fn authenticate(&self, digest: &str, now: i64) -> Result<Principal, StoreError> {
        self.inner.authenticate(digest, now).await
    }
    async fn push(
        &self,
        who: &Principal,
        changes: &[Change],
        now: i64,
    ) -> Result<PushResponse, StoreError> {
        if self.hang_before.load(Ordering::SeqCst) {
            self.reached.notify_one();
            std::future::pending::<()>().await;
        }
        if self.announce.load(Ordering::SeqCst) {
            self.reached.notify_one();
        }
        let response = self.inner.push(who, changes, now).await?;
        if self.hang_after.load(Ordering::SeqCst) {
            self.reached.notify_one();
            std::future::pending::<()>().await;
        }
        Ok(response)
    }
    async fn pull(
        &self,
        who: &Principal,
        after: u64,
        limit: u32,
        now: i64,
    ) -> Result<PullResponse, StoreError> {
        self.inner.pull(who, after, limit, now).await
    }
    async fn record_openings(
        &self,
        who: &Principal,
        openings: &[Opening],
        now: i64,
    ) -> Result<OpeningsResponse, StoreError> {
        self.inner.record_openings(who, openings, now).await
    }
    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        self.inner.append_audit(entries).await
    }
    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.inner.audit(limit).await
    }
    async fn stats(&self) -> Result<Stats, StoreError> {
        self.inner.stats().await
    }
    fn hub_identity(&self) -> HubIdentity {
        self.inner.hub_identity()
    }
    async fn put_attachment(
        &self,
        who: &Principal,
        sha256: &str,
        bytes: Vec<u8>,
        media_type: &str,
        now: i64,
    ) -> Result<AttachmentReceipt, StoreError> {
        self.inner
            .put_attachment(who, sha256, bytes, media_type, now)
            .await
    }
    async fn get_attachment(
        &self,
        who: &Principal,
        sha256: &str,
        now: i64,
    ) -> Result<Option<StoredAttachment>, StoreError> {
        self.inner.get_attachment(who, sha256, now).await
    }
    async fn transfer_household(
        &self,
        household: &str,
        team: &str,
        now: i64,
    ) -> Result<Transfer, StoreError> {
        self.inner.transfer_household(household, team, now).await
    }
    async fn move_user(&self, user: &str, team: &str, now: i64) -> Result<String, StoreError> {
        self.inner.move_user(user, team, now).await
    }
    async fn set_role(&self, user: &str, role: Role, now: i64) -> Result<String, StoreError> {
        self.inner.set_role(user, role, now).await
    }
    async fn purge(&self, days: u32, now: i64) -> Result<Purged, StoreError> {
        self.inner.purge(days, now).await
    }
}

async fn a_hub_killed_mid_push_loses_and_doubles_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let real = doorstep_hub::open(&db.url).await.unwrap();
    let org = org(&real).await;
    let code = user_with_code(&real, &org.north, "Ann", Role::Officer).await;
    let crashy = Arc::new(Crashy {
        inner: real,
        hang_before: AtomicBool::new(false),
        hang_after: AtomicBool::new(false),
        announce: AtomicBool::new(false),
        reached: Notify::new(),
    });
    let store: SharedStore = crashy.clone();
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &code).await;
    let batch: Vec<Change> = (0..20)
        .map(|i| ann.new_household(&format!("h{i}"), "Crash Street"))
        .collect();

    // 1. The hub dies before the push reaches the database.
    crashy.hang_before.store(true, Ordering::SeqCst);
    let in_flight = tokio::spawn(push_raw(
        hub.addr,
        ann.access.clone(),
        ann.push_body(&batch),
    ));
    crashy.reached.notified().await;
    hub.kill();
    let lost = in_flight.await.unwrap();
    assert!(lost.is_err(), "the client got no answer: {lost:?}");
    drop(crashy);
    drop(store);

    // Restarted on the same database (a new process would open it afresh).
    let store = doorstep_hub::open(&db.url).await.unwrap();
    assert_eq!(stats(&store).await.change_log, 0, "nothing half-written");
    let crashy = Arc::new(Crashy {
        inner: store.clone(),
        hang_before: AtomicBool::new(false),
        hang_after: AtomicBool::new(true),
        announce: AtomicBool::new(false),
        reached: Notify::new(),
    });
    let hub = boot(&(crashy.clone() as SharedStore)).await;

    // 2. The retry commits, and the hub dies before it can answer.
    let in_flight = tokio::spawn(push_raw(
        hub.addr,
        ann.access.clone(),
        ann.push_body(&batch),
    ));
    crashy.reached.notified().await;
    hub.kill();
    let lost = in_flight.await.unwrap();
    assert!(lost.is_err(), "the client got no answer: {lost:?}");
    drop(crashy);
    drop(store);

    // 3. Restarted again: the laptop retries the same batch, and all of it is already there.
    let store = doorstep_hub::open(&db.url).await.unwrap();
    let hub = boot(&store).await;
    let replay = push_reply(&ann.push(&hub, &batch).await);
    assert!(replay.applied.is_empty());
    assert_eq!(replay.already_applied.len(), 20);
    let s = stats(&store).await;
    assert_eq!(
        (s.records, s.change_log, s.applied_changes, s.counter),
        (20, 20, 20, 20)
    );
    let page = pull_reply(&ann.pull(&hub, 0, 1000).await);
    let seqs: Vec<u64> = page.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=20).collect::<Vec<u64>>(), "no gap, no duplicate");
    hub.stop().await;
}

/// A push over a raw connection, for a request the test does not wait on.
async fn push_raw(
    addr: std::net::SocketAddr,
    token: String,
    body: serde_json::Value,
) -> Result<support::Reply, String> {
    let auth = format!("Bearer {token}");
    support::try_request(
        addr,
        "POST",
        "/v1/push",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(&serde_json::to_vec(&body).unwrap()),
    )
    .await
}

async fn a_batch_is_one_transaction(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let sam_code = user_with_code(&store, &org.south, "Sam", Role::Officer).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &ann_code).await;
    let mut sam = enrol(&hub, &sam_code).await;
    push_reply(&{
        let batch = vec![sam.new_household("s1", "South Road")];
        sam.push(&hub, &batch).await
    });
    let before = stats(&store).await;

    // The third change touches a South record: the whole batch is refused, the first two
    // included, and may be sent again without the bad change.
    let ok1 = ann.new_household("n1", "North Road");
    let ok2 = ann.new_household("n2", "North Lane");
    let bad = ann.change(
        EntityKind::Household,
        "s1",
        Operation::Update,
        json!({ "street": "x" }),
        &[("street", None)],
    );
    ann.push(&hub, &[ok1.clone(), ok2.clone(), bad])
        .await
        .expect(403, "out_of_scope");
    let after = stats(&store).await;
    assert_eq!(
        (
            after.records,
            after.change_log,
            after.applied_changes,
            after.counter
        ),
        (
            before.records,
            before.change_log,
            before.applied_changes,
            before.counter
        )
    );
    let pushed = push_reply(&ann.push(&hub, &[ok1, ok2]).await);
    assert_eq!((pushed.applied.len(), pushed.cursor), (2, 3));
    hub.stop().await;
}

async fn the_sync_client_round_trips(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let code = user_with_code(&store, &org.north, "Ann", Role::FireCrew).await;
    let hub = boot(&store).await;
    let mut client = doorstep_sync::HubClient::new(&format!("http://{}/", hub.addr))
        .unwrap()
        .with_backoff(doorstep_sync::Backoff::immediate(1));
    let enrolled = client
        .enrol(&doorstep_sync::Secret::new(code), "Fire engine 2")
        .await
        .unwrap();
    assert_eq!(enrolled.user.role, Role::FireCrew);
    let mut clock = doorstep_core::HlcClock::new(enrolled.device_id, None);
    let change = Change {
        change_id: uuid::Uuid::now_v7(),
        entity: EntityKind::Visit,
        entity_id: "v1".into(),
        operation: Operation::Create,
        fields: json!({ "outcome": "answered" })
            .as_object()
            .cloned()
            .unwrap(),
        base_versions: Default::default(),
        hlc: clock.tick(chrono::Utc::now()),
        officer_id: enrolled.user.id,
        device_id: enrolled.device_id,
        made_at: chrono::Utc::now(),
    };
    let pushed = client
        .push(enrolled.device_id, std::slice::from_ref(&change))
        .await
        .unwrap();
    assert_eq!(pushed.applied, vec![change.change_id]);
    let pulled = client.pull(0, 100).await.unwrap();
    assert_eq!(pulled.entries.len(), 1);
    assert_eq!(pulled.entries[0].change.as_ref(), Some(&change));
    let refreshed = client
        .refresh(enrolled.device_id, &enrolled.refresh_token)
        .await
        .unwrap();
    assert_ne!(refreshed.access_token, enrolled.access_token);
    let again = client.pull(pulled.next, 100).await.unwrap();
    assert!(again.entries.is_empty());
    // The client sees a revoked device as exactly that.
    store
        .revoke_device(&enrolled.device_id.to_string(), Clock::system().now_ms())
        .await
        .unwrap();
    let error = client.pull(0, 10).await.unwrap_err();
    assert!(
        matches!(error, doorstep_sync::ClientError::Revoked),
        "{error:?}"
    );
    hub.stop().await;
}

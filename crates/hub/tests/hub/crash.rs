//! A hub stopped while a large push is in flight, restarted on the same database, and
//! the laptop's `HubClient` retrying the same batch: every change applied exactly once.

use super::*;
use std::collections::BTreeSet;

on_both_backends!(a_hub_stopped_mid_push_applies_every_change_exactly_once);

/// The real store, which can announce each push as it reaches it (and let it carry on).
fn watched(inner: SharedStore, announce: bool) -> Arc<Crashy> {
    Arc::new(Crashy {
        inner,
        hang_before: AtomicBool::new(false),
        hang_after: AtomicBool::new(false),
        announce: AtomicBool::new(announce),
        reached: Notify::new(),
    })
}

/// The retry's answer covers every change of the batch, each exactly once.
#[track_caller]
fn each_once(batch: &[Change], answer: &PushResponse) {
    let mut answered: Vec<uuid::Uuid> = answer.applied.clone();
    answered.extend(&answer.already_applied);
    let distinct: BTreeSet<uuid::Uuid> = answered.iter().copied().collect();
    assert_eq!(distinct.len(), answered.len(), "a change answered twice");
    let sent: BTreeSet<uuid::Uuid> = batch.iter().map(|c| c.change_id).collect();
    assert_eq!(distinct, sent);
}

async fn a_hub_stopped_mid_push_applies_every_change_exactly_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = doorstep_hub::open(&db.url).await.unwrap();
    let org = org(&store).await;
    let code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let gate = watched(store, true);
    let hub = boot(&(gate.clone() as SharedStore)).await;
    let addr = hub.addr;
    let mut ann = enrol(&hub, &code).await;
    // The laptop's own client, retrying as it does (at once here: tests never sleep).
    let client = hub
        .client(&ann.access)
        .with_backoff(doorstep_sync::Backoff::immediate(5));
    let mut batch = |b: usize| -> Vec<Change> {
        (0..MAX_BATCH)
            .map(|i| ann.new_household(&format!("b{b}-{i}"), "Crash Street"))
            .collect()
    };
    let (first, second) = (batch(1), batch(2));
    let push = |batch: Vec<Change>| {
        let client = client.clone();
        let device = ann.device_id;
        tokio::spawn(async move { client.push(device, &batch).await })
    };

    // 1. The hub dies with the push in flight: every task dropped, as in a crash. The
    // transaction is either committed or gone, never half-written.
    let pushing = push(first.clone());
    gate.reached.notified().await;
    hub.kill();
    let _lost_or_answered = pushing.await.unwrap();
    drop(gate);
    let store = doorstep_hub::open(&db.url).await.unwrap();
    let gate = watched(store.clone(), false);
    let hub = Hub::start_at(
        addr,
        gate.clone() as SharedStore,
        HubConfig::default(),
        Clock::system(),
    )
    .await;
    let retried = client.push(ann.device_id, &first).await.unwrap();
    each_once(&first, &retried);

    // 2. The hub is stopped with the push in flight: it finishes the request first.
    gate.announce.store(true, Ordering::SeqCst);
    let pushing = push(second.clone());
    gate.reached.notified().await;
    hub.stop().await;
    let answered = pushing.await.unwrap().unwrap();
    each_once(&second, &answered);
    drop(gate);
    let hub = Hub::start_at(addr, store.clone(), HubConfig::default(), Clock::system()).await;
    let retried = client.push(ann.device_id, &second).await.unwrap();
    each_once(&second, &retried);
    assert!(
        retried.applied.is_empty(),
        "the answered push was applied before"
    );

    // Every change once in the log, numbered without a gap or a repeat.
    let s = stats(&store).await;
    let total = 2 * MAX_BATCH as i64;
    assert_eq!(
        (s.records, s.change_log, s.applied_changes, s.counter),
        (total, total, total, total)
    );
    let (entries, _) = ann.pull_all(&hub, 0).await;
    let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=total as u64).collect::<Vec<u64>>());
    let logged: BTreeSet<uuid::Uuid> = entries
        .iter()
        .map(|e| e.change.as_ref().unwrap().change_id)
        .collect();
    let sent: BTreeSet<uuid::Uuid> = first.iter().chain(&second).map(|c| c.change_id).collect();
    assert_eq!(logged, sent);
    hub.stop().await;
}

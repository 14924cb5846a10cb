//! Tombstones kept for `tombstone_days`, then forgotten; the log compacted below the
//! horizon; laptops away longer than that start again, and a pull from 0 still rebuilds
//! every record exactly.

use super::*;
use doorstep_hub::admin;
use doorstep_hub::purge::DAY_MS;
use std::collections::BTreeMap;

on_both_backends!(old_tombstones_are_forgotten_and_long_absent_laptops_start_again);

async fn old_tombstones_are_forgotten_and_long_absent_laptops_start_again(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let bob_code = user_with_code(&store, &org.north, "Bob", Role::Officer).await;
    let cat_code = user_with_code(&store, &org.north, "Cat", Role::Officer).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &ann_code).await;
    let bob = enrol(&hub, &bob_code).await;
    let cat = enrol(&hub, &cat_code).await;

    let h1 = ann.new_household("h1", "1 Old Street");
    let batch = vec![
        h1.clone(),
        ann.new_household("h2", "2 Gone Street"),
        ann.new_household("h3", "3 Kept Street"),
    ];
    push_reply(&ann.push(&hub, &batch).await);
    // Bob's laptop syncs now and then sits in a drawer.
    let (_, bob_cursor) = bob.pull_all(&hub, 0).await;
    assert_eq!(bob_cursor, 3);
    let first = ann.change(
        EntityKind::Household,
        "h1",
        Operation::Update,
        json!({ "street": "1a Old Street" }),
        &[("street", Some(h1.hlc))],
    );
    let second = ann.change(
        EntityKind::Household,
        "h1",
        Operation::Update,
        json!({ "street": "1b Old Street" }),
        &[("street", Some(first.hlc))],
    );
    let batch = vec![
        first,
        second,
        ann.change(
            EntityKind::Household,
            "h2",
            Operation::Delete,
            json!({}),
            &[],
        ),
        ann.new_household("h4", "4 New Street"),
    ];
    push_reply(&ann.push(&hub, &batch).await);
    let (everything, ann_cursor) = ann.pull_all(&hub, 0).await;
    let mut reference = BTreeMap::new();
    replay(&mut reference, &everything);
    assert_eq!(reference.len(), 3);

    // Nothing is old enough yet.
    let now = Clock::system().now_ms();
    let purged = admin::purge(&store, 90, now, "admin.purge").await.unwrap();
    assert_eq!((purged.records, purged.entries, purged.horizon), (0, 0, 0));
    assert!(!pull_reply(&bob.pull(&hub, bob_cursor, 100).await).full_resync_needed);

    // Ninety-one days on.
    let later = now + 91 * DAY_MS;
    let purged = admin::purge(&store, 90, later, "admin.purge")
        .await
        .unwrap();
    assert_eq!(purged.horizon, 7);
    assert_eq!(purged.records, 1, "h2's tombstone is forgotten");
    assert_eq!(
        purged.entries, 3,
        "h2's two entries and h1's superseded edit"
    );
    let s = stats(&store).await;
    assert_eq!(
        (s.records, s.change_log, s.horizon, s.counter),
        (3, 4, 7, 7)
    );

    // Bob's cursor is below the horizon: he may have missed a delete, so he starts again.
    let page = pull_reply(&bob.pull(&hub, bob_cursor, 100).await);
    assert!(
        page.full_resync_needed && page.entries.is_empty(),
        "{page:?}"
    );
    // A pull from 0 rebuilds every record exactly: values and versions.
    let (rebuilt_entries, _) = cat.pull_all(&hub, 0).await;
    let mut rebuilt = BTreeMap::new();
    replay(&mut rebuilt, &rebuilt_entries);
    assert_eq!(rebuilt, reference);
    let (bob_again, _) = bob.pull_all(&hub, 0).await;
    assert_eq!(bob_again.len(), 4);
    // Ann is up to date: an ordinary pull, and she carries on.
    assert!(ann.pull_all(&hub, ann_cursor).await.0.is_empty());
    push_reply(&{
        let batch = vec![ann.new_household("h5", "5 Later Street")];
        ann.push(&hub, &batch).await
    });
    assert_eq!(ann.pull_all(&hub, ann_cursor).await.0.len(), 1);

    // Purging again forgets nothing more; the horizon follows the log (h5 was pushed
    // "ninety-one days" before `later` too), and h5's only entry stays.
    let again = admin::purge(&store, 90, later, "admin.purge")
        .await
        .unwrap();
    assert_eq!((again.records, again.entries, again.horizon), (0, 0, 8));
    assert_eq!(audited(&store, "admin.purge", "ok").await.len(), 3);
    hub.stop().await;
}

//! Issue 16, item 5: `POST /v1/audit/openings` writes who opened which household on a
//! laptop to the audit log, each opening once; hostile batches are refused whole and
//! leave nothing behind but the refusal's own line; only roles that sync may send.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use super::*;

on_both_backends!(
    household_openings_are_audited_once_each,
    a_refused_batch_of_openings_writes_no_open_line,
    only_roles_that_sync_may_send_openings,
);

const PATH: &str = "/v1/audit/openings";

fn opening(household: &str, by: &str, at: DateTime<Utc>) -> serde_json::Value {
    json!({
        "id": uuid::Uuid::now_v7(),
        "household_id": household,
        "opened_by": by,
        "opened_at": at.to_rfc3339_opts(SecondsFormat::Millis, true),
    })
}

fn body(openings: &[serde_json::Value]) -> serde_json::Value {
    json!({ "protocol": 1, "openings": openings })
}

/// The `open` lines of the audit log, oldest first.
async fn open_lines(store: &SharedStore) -> Vec<AuditEntry> {
    store
        .audit(10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "open")
        .collect()
}

/// A moment a few minutes ago, to the millisecond (what the wire carries).
fn minutes_ago(minutes: i64) -> DateTime<Utc> {
    let at = Utc::now() - TimeDelta::minutes(minutes);
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap()
}

async fn household_openings_are_audited_once_each(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let bob_code = user_with_code(&store, &org.north, "Bob", Role::Warden).await;
    let hub = boot(&store).await;
    let ann = enrol(&hub, &ann_code).await;
    let bob = enrol(&hub, &bob_code).await;
    let token = Some(ann.access.as_str());

    let first_at = minutes_ago(30);
    let first = opening("h-1", "Rowan Testwell", first_at);
    let second = opening("h-2", "Morgan Checkley", minutes_ago(20));
    let batch = body(&[first.clone(), second.clone()]);
    let answer = hub.post(PATH, token, &batch).await;
    assert_eq!(
        answer.ok(),
        &json!({"accepted": 2, "already_recorded": 0}),
        "both are new"
    );
    let lines = open_lines(&store).await;
    assert_eq!(lines.len(), 2, "one open line per opening: {lines:?}");
    let line = &lines[0];
    assert_eq!(line.entity.as_deref(), Some("household"));
    assert_eq!(line.entity_id.as_deref(), Some("h-1"));
    assert_eq!(
        line.user_id.as_deref(),
        Some(ann.officer_id.to_string().as_str()),
        "the device's hub user"
    );
    assert_eq!(
        line.device_id.as_deref(),
        Some(ann.device_id.to_string().as_str())
    );
    assert_eq!(
        line.at,
        first_at.timestamp_millis(),
        "at the opening's time"
    );
    assert_eq!(
        line.outcome,
        format!(
            "opened by Rowan Testwell at {}",
            first_at.to_rfc3339_opts(SecondsFormat::Secs, true)
        ),
        "names the person signed in on the laptop"
    );
    assert!(
        lines[1]
            .outcome
            .starts_with("opened by Morgan Checkley at "),
        "{}",
        lines[1].outcome
    );
    assert_eq!(
        audited(&store, "openings", "ok: 2 accepted, 0 already recorded")
            .await
            .len(),
        1,
        "one line for the request"
    );

    // The answer was lost and the laptop sends the batch again: nothing is written twice.
    let again = hub.post(PATH, token, &batch).await;
    assert_eq!(again.ok(), &json!({"accepted": 0, "already_recorded": 2}));
    assert_eq!(open_lines(&store).await.len(), 2, "no second line");

    // A batch of one old and one new opening, the new one twice over.
    let third = opening("h-3", "Rowan Testwell", minutes_ago(10));
    let mixed = body(&[second.clone(), third.clone(), third]);
    let answer = hub.post(PATH, token, &mixed).await;
    assert_eq!(answer.ok(), &json!({"accepted": 1, "already_recorded": 2}));
    assert_eq!(open_lines(&store).await.len(), 3);

    // Ids are the sending device's own: another laptop cannot use up Ann's.
    let answer = hub.post(PATH, Some(&bob.access), &body(&[first])).await;
    assert_eq!(answer.ok(), &json!({"accepted": 1, "already_recorded": 0}));
    let lines = open_lines(&store).await;
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[3].device_id.as_deref(),
        Some(bob.device_id.to_string().as_str())
    );

    // Nothing to send is answered, and writes no open line.
    let answer = hub.post(PATH, token, &body(&[])).await;
    assert_eq!(answer.ok(), &json!({"accepted": 0, "already_recorded": 0}));
    assert_eq!(open_lines(&store).await.len(), 4);
    hub.stop().await;
}

async fn a_refused_batch_of_openings_writes_no_open_line(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let hub = boot(&store).await;
    let ann = enrol(&hub, &code).await;
    let token = Some(ann.access.as_str());
    let good = opening("h-1", "Rowan Testwell", minutes_ago(1));

    let with = |field: &str, value: serde_json::Value| {
        let mut bad = opening("h-2", "Rowan Testwell", minutes_ago(1));
        bad[field] = value;
        // The good opening first: a refusal must take the whole batch with it.
        body(&[good.clone(), bad])
    };
    let ahead = |minutes: i64| {
        json!(
            (Utc::now() + TimeDelta::minutes(minutes)).to_rfc3339_opts(SecondsFormat::Millis, true)
        )
    };
    let too_many: Vec<_> = (0..=MAX_OPENINGS)
        .map(|n| opening(&format!("h-{n}"), "Rowan Testwell", minutes_ago(1)))
        .collect();
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "not JSON",
            b"{\"protocol\": 1, \"openings\": [".to_vec(),
            400,
            "malformed",
        ),
        (
            "no protocol",
            serde_json::to_vec(&json!({"openings": [good.clone()]})).unwrap(),
            400,
            "malformed",
        ),
        (
            "another protocol",
            serde_json::to_vec(&json!({"protocol": 2, "openings": [good.clone()]})).unwrap(),
            400,
            "wrong_protocol",
        ),
        (
            "not the shape",
            serde_json::to_vec(&json!({"protocol": 1, "openings": {"id": "x"}})).unwrap(),
            400,
            "malformed",
        ),
        (
            "more than 500",
            serde_json::to_vec(&body(&too_many)).unwrap(),
            413,
            "too_large",
        ),
        (
            "an id that is not a UUID",
            serde_json::to_vec(&with("id", json!("opening-1"))).unwrap(),
            400,
            "malformed",
        ),
        (
            "no household id",
            serde_json::to_vec(&with("household_id", json!(""))).unwrap(),
            422,
            "invalid",
        ),
        (
            "a household id over 128 characters",
            serde_json::to_vec(&with("household_id", json!("h".repeat(129)))).unwrap(),
            422,
            "invalid",
        ),
        (
            "a name over 200 characters",
            serde_json::to_vec(&with("opened_by", json!("R".repeat(201)))).unwrap(),
            422,
            "invalid",
        ),
        (
            "a name with a control character",
            serde_json::to_vec(&with("opened_by", json!("Rowan\u{7}Testwell"))).unwrap(),
            422,
            "invalid",
        ),
        (
            "a name on two lines",
            serde_json::to_vec(&with("opened_by", json!("Rowan\nTestwell"))).unwrap(),
            422,
            "invalid",
        ),
        (
            "a blank name",
            serde_json::to_vec(&with("opened_by", json!("   "))).unwrap(),
            422,
            "invalid",
        ),
        (
            "a name with NUL",
            serde_json::to_vec(&with("opened_by", json!("Rowan\u{0}"))).unwrap(),
            422,
            "invalid",
        ),
        (
            "a time that is not a time",
            serde_json::to_vec(&with("opened_at", json!("yesterday"))).unwrap(),
            400,
            "malformed",
        ),
        (
            "a time more than 5 minutes ahead",
            serde_json::to_vec(&with("opened_at", ahead(6))).unwrap(),
            422,
            "invalid",
        ),
    ];
    for (what, bytes, status, code) in cases {
        let before = store.audit(10_000).await.unwrap();
        hub.post_raw(PATH, token, &bytes).await.expect(status, code);
        let after = store.audit(10_000).await.unwrap();
        assert_eq!(
            after.len(),
            before.len() + 1,
            "{what}: only the refusal's own line is written"
        );
        let refusal = after.last().unwrap();
        assert_eq!(
            (refusal.action.as_str(), refusal.outcome.as_str()),
            ("openings", code),
            "{what}: the refusal is audited with its code"
        );
        assert!(open_lines(&store).await.is_empty(), "{what}: no open line");
    }

    // The refused batches left no id behind: the good opening is still new.
    let answer = hub
        .post(PATH, token, &body(std::slice::from_ref(&good)))
        .await;
    assert_eq!(answer.ok(), &json!({"accepted": 1, "already_recorded": 0}));
    // A clock a little ahead, within the bound laptops' clocks get, is taken.
    let answer = hub.post(PATH, token, &with("opened_at", ahead(3))).await;
    assert_eq!(answer.ok(), &json!({"accepted": 1, "already_recorded": 1}));
    assert_eq!(open_lines(&store).await.len(), 2);
    hub.stop().await;
}

async fn only_roles_that_sync_may_send_openings(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let hub = boot(&store).await;
    let batch = body(&[opening("h-1", "Rowan Testwell", minutes_ago(1))]);
    for (refused, (name, role)) in [
        ("Con", Role::Contractor),
        ("Ana", Role::Analyst),
        ("Adi", Role::Admin),
    ]
    .into_iter()
    .enumerate()
    {
        let code = user_with_code(&store, &org.north, name, role).await;
        let laptop = enrol(&hub, &code).await;
        hub.post(PATH, Some(&laptop.access), &batch)
            .await
            .expect(403, "out_of_scope");
        assert!(
            open_lines(&store).await.is_empty(),
            "{role:?}: nothing written"
        );
        assert_eq!(
            audited(&store, "openings", "out_of_scope").await.len(),
            refused + 1,
            "{role:?}: the refusal is audited"
        );
    }
    for (name, role) in [
        ("Oli", Role::Officer),
        ("Sue", Role::Supervisor),
        ("Wes", Role::Warden),
        ("Fay", Role::FireCrew),
    ] {
        let code = user_with_code(&store, &org.north, name, role).await;
        let laptop = enrol(&hub, &code).await;
        let fresh = body(&[opening("h-1", "Rowan Testwell", minutes_ago(1))]);
        let answer = hub.post(PATH, Some(&laptop.access), &fresh).await;
        assert_eq!(
            answer.ok()["accepted"],
            1,
            "{role:?} sends the openings of its laptop"
        );
    }
    assert_eq!(open_lines(&store).await.len(), 4);
    // No sign-in, no openings.
    hub.post(PATH, None, &batch)
        .await
        .expect(401, "unauthorised");
    assert_eq!(open_lines(&store).await.len(), 4);
    hub.stop().await;
}

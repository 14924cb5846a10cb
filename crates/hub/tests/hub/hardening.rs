//! Issue 18: input both backends must take alike (no NUL anywhere), clock readings bounded
//! by the hub's own clock, slow clients timed out, oversized bodies refused at once, open
//! connections bounded per address, and anonymous traffic slowed down and counted rather
//! than written line by line to the audit log.

use std::time::Duration;

use super::*;
use doorstep_hub::listener::ConnectionLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

on_both_backends!(
    text_with_nul_is_refused_everywhere_and_stores_nothing,
    clock_readings_far_ahead_of_the_hub_are_refused,
    slow_and_oversized_requests_are_cut_short,
    an_address_holds_a_bounded_number_of_connections,
    anonymous_refusals_are_slowed_down_and_counted_not_logged_one_by_one,
);

async fn text_with_nul_is_refused_everywhere_and_stores_nothing(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let bob_code = user_with_code(&store, &org.north, "Bob", Role::Officer).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &ann_code).await;
    let access = ann.access.clone();
    let token = Some(access.as_str());

    // An enrolment naming the laptop with a NUL spends no code and makes no device.
    let mut body = enrol_body(&bob_code);
    body["device_name"] = json!("Lap\u{0}top");
    hub.post("/v1/enrol", None, &body)
        .await
        .expect(422, "invalid");
    assert_eq!(store.devices().await.unwrap().len(), 1);
    enrol(&hub, &bob_code).await;

    let before = stats(&store).await;
    let household = ann.new_household("h1", "1 High Street");
    let mut in_id = household.clone();
    in_id.entity_id = "h\u{0}1".into();
    let mut in_name = household.clone();
    in_name.fields.insert("stre\u{0}et".into(), json!("x"));
    let mut in_value = household.clone();
    in_value
        .fields
        .insert("street".into(), json!("1 High\u{0} Street"));
    let mut in_nested = household.clone();
    in_nested
        .fields
        .insert("notes".into(), json!({ "lines": ["ok", "not\u{0}ok"] }));
    for change in [in_id, in_name, in_value, in_nested] {
        let reply = ann.push(&hub, &[change]).await;
        reply.expect(422, "invalid");
        assert!(
            reply.body["message"].as_str().unwrap().contains("NUL"),
            "the message names the character: {}",
            reply.body
        );
    }
    let refresh = json!({ "protocol": 1, "device_id": ann.device_id, "refresh_token": "a\u{0}b" });
    hub.post("/v1/token/refresh", None, &refresh)
        .await
        .expect(422, "invalid");
    // In a path or a query, percent-encoded.
    hub.get("/v1/pull?protocol=1%00", token)
        .await
        .expect(422, "invalid");
    hub.get(&format!("/v1/attachments/{}%00", "a".repeat(63)), token)
        .await
        .expect(422, "invalid");
    hub.get("/v1/no%00where", None).await.expect(422, "invalid");
    let after = stats(&store).await;
    assert_eq!(
        (after.records, after.change_log, after.applied_changes),
        (before.records, before.change_log, before.applied_changes),
        "nothing a refused request carried is stored"
    );
    // The same change without the NUL is taken, on either backend.
    push_reply(&ann.push(&hub, &[household]).await);
    hub.stop().await;
}

/// A change of `laptop`'s stamped with the reading `wall_ms`.
fn stamped(laptop: &mut support::Laptop, id: &str, wall_ms: u64, counter: u32) -> Change {
    let mut change = laptop.new_household(id, "1 Future Street");
    change.hlc = Hlc {
        wall_ms,
        counter,
        device: laptop.device_id,
    };
    change
}

async fn clock_readings_far_ahead_of_the_hub_are_refused(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let bob_code = user_with_code(&store, &org.north, "Bob", Role::Officer).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &ann_code).await;
    let mut bob = enrol(&hub, &bob_code).await;
    let now = u64::try_from(Clock::system().now_ms()).unwrap();
    let hour = 3_600_000;

    let before = stats(&store).await;
    for change in [
        stamped(&mut ann, "h1", now + hour, 0),
        // The largest reading the wire can carry: stored, no one could ever change it.
        stamped(&mut ann, "h1", 999_999_999_999_999, u32::MAX),
    ] {
        let good = ann.new_household("h0", "0 Fine Street");
        let reply = ann.push(&hub, &[good, change]).await;
        reply.expect(422, "invalid");
        assert!(
            reply.body["message"]
                .as_str()
                .unwrap()
                .contains("ahead of the hub's clock"),
            "{}",
            reply.body
        );
    }
    let after = stats(&store).await;
    assert_eq!(after.records, before.records, "the whole batch was refused");
    assert_eq!(after.change_log, before.change_log);

    // A laptop a minute fast is within the bound, and its record stays editable by
    // another laptop whose clock is right.
    let fast = stamped(&mut ann, "h2", now + 60_000, 0);
    push_reply(&ann.push(&hub, std::slice::from_ref(&fast)).await);
    let (entries, _) = bob.pull_all(&hub, 0).await;
    let version = entries.last().unwrap().change.as_ref().unwrap().hlc;
    bob.clock.observe(version, chrono::Utc::now()).unwrap();
    let edit = bob.change(
        EntityKind::Household,
        "h2",
        Operation::Update,
        json!({ "street": "2 Present Street" }),
        &[("street", Some(version))],
    );
    let reply = push_reply(&bob.push(&hub, &[edit]).await);
    assert_eq!(reply.applied.len(), 1);
    let (entries, _) = ann.pull_all(&hub, 0).await;
    let street = entries.last().unwrap().change.as_ref().unwrap().fields["street"].clone();
    assert_eq!(street, json!("2 Present Street"), "the edit took effect");
    hub.stop().await;
}

fn short_limits() -> HubConfig {
    HubConfig {
        connections: ConnectionLimits {
            header_timeout_ms: 300,
            body_idle_timeout_ms: 300,
            ..ConnectionLimits::default()
        },
        ..HubConfig::default()
    }
}

/// Writes `head` and `body` on a new connection and reads until the hub closes it (the
/// test's own 30 s guard only stops a hub that never does): the raw answer, maybe empty.
async fn send_and_wait_for_close(hub: &Hub, head: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(hub.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw)).await;
    assert!(read.is_ok(), "the hub kept the connection open: {raw:?}");
    String::from_utf8_lossy(&raw).into_owned()
}

fn status_of(raw: &str) -> Option<u16> {
    raw.split(' ').nth(1)?.parse().ok()
}

async fn slow_and_oversized_requests_are_cut_short(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let hub = Hub::start(store.clone(), short_limits(), Clock::system()).await;
    let ann = enrol(&hub, &code).await;
    let before = stats(&store).await;

    // Headers that never end: the connection is closed, with no answer but a timeout's.
    let raw = send_and_wait_for_close(&hub, "POST /v1/enrol HTTP/1.1\r\nHost: hub\r\n", b"").await;
    assert!(
        matches!(status_of(&raw), None | Some(408)),
        "unexpected answer: {raw}"
    );
    // A connection that says nothing at all is closed too.
    let raw = send_and_wait_for_close(&hub, "", b"").await;
    assert!(matches!(status_of(&raw), None | Some(408)), "{raw}");

    // A body shorter than its Content-Length: answered, and the connection closed.
    let head = "POST /v1/push HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n\
                Authorization: Bearer TOKEN\r\nContent-Length: 100\r\n\r\n"
        .replace("TOKEN", &ann.access);
    let raw = send_and_wait_for_close(&hub, &head, b"{\"protocol\": 1,").await;
    assert_eq!(status_of(&raw), Some(400), "{raw}");

    // A declared length far over the limit is refused before a byte of the body is read.
    let sha = "a".repeat(64);
    for (method, path) in [
        ("POST", "/v1/push"),
        ("POST", "/v1/enrol"),
        ("PUT", sha.as_str()),
    ] {
        let path = if method == "PUT" {
            format!("/v1/attachments/{path}")
        } else {
            path.to_owned()
        };
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\
             Authorization: Bearer {}\r\nContent-Length: 99999999999\r\n\r\n",
            ann.access
        );
        let raw = send_and_wait_for_close(&hub, &head, b"").await;
        assert_eq!(status_of(&raw), Some(413), "{method} {path}: {raw}");
        assert!(raw.contains("too_large"), "{raw}");
    }
    let after = stats(&store).await;
    assert_eq!(after.records, before.records);
    assert_eq!(after.applied_changes, before.applied_changes);
    // The hub still answers everyone else.
    ann.pull(&hub, 0, 10).await.ok();
    hub.stop().await;
}

async fn an_address_holds_a_bounded_number_of_connections(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let config = HubConfig {
        connections: ConnectionLimits {
            per_address: 2,
            ..ConnectionLimits::default()
        },
        ..HubConfig::default()
    };
    let hub = Hub::start(store.clone(), config, Clock::system()).await;
    // Two idle connections hold this address's places (accepted in order of arrival).
    let first = TcpStream::connect(hub.addr).await.unwrap();
    let _second = TcpStream::connect(hub.addr).await.unwrap();
    let raw = send_and_wait_for_close(
        &hub,
        "GET /v1/health HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n",
        b"",
    )
    .await;
    assert_eq!(raw, "", "a third connection is closed unanswered");
    // Once one closes, its place is given back.
    drop(first);
    let mut answered = None;
    for _ in 0..100 {
        match support::try_request(hub.addr, "GET", "/v1/health", &[], None).await {
            Ok(reply) => {
                answered = Some(reply.status);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    assert_eq!(answered, Some(200));
    hub.stop().await;
}

async fn anonymous_refusals_are_slowed_down_and_counted_not_logged_one_by_one(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let config = HubConfig {
        refusal_rate_limit: doorstep_hub::rate::RateLimit {
            burst: 10,
            per_second: 0.001,
        },
        ..HubConfig::default()
    };
    let hub = Hub::start(store.clone(), config, Clock::system()).await;
    let ann = enrol(&hub, &code).await;
    let before = stats(&store).await;

    // 200 pulls with a token the hub does not know, from one address.
    let mut statuses = std::collections::BTreeMap::new();
    for _ in 0..200 {
        let reply = hub.get("/v1/pull", Some("not-a-token")).await;
        if reply.status == 429 {
            assert!(reply.headers.to_ascii_lowercase().contains("retry-after:"));
            reply.expect(429, "rate_limited");
        }
        *statuses.entry(reply.status).or_insert(0) += 1;
    }
    assert_eq!(
        statuses,
        [(401, 10), (429, 190)].into_iter().collect(),
        "the address's allowance of refusals, then 429"
    );
    // Once the allowance is spent, a request proving nothing is refused before any
    // handler reads it: an enrolment, a portal sign-in without its CSRF token.
    hub.post("/v1/enrol", None, &enrol_body("NOPE1-NOPE2-NOPE3"))
        .await
        .expect(429, "rate_limited");
    let sign_in = support::request(
        hub.addr,
        "POST",
        "/portal/sign-in",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(b"email=a%40b.example&password=x"),
    )
    .await;
    assert_eq!(sign_in.status, 429, "{}", sign_in.body);
    // 202 refusals, a handful of lines: the first of each kind, then one counted line.
    let during = stats(&store).await;
    assert!(
        during.audit - before.audit <= 4,
        "refusals are not written one by one ({} lines)",
        during.audit - before.audit
    );
    // A laptop that proves who it is, from the same address, is not held up.
    ann.pull(&hub, 0, 10).await.ok();
    assert_eq!(refused(&hub, &store, "pull", "unauthorised").await, 10);
    assert_eq!(refused(&hub, &store, "pull", "rate_limited").await, 190);
    assert_eq!(refused(&hub, &store, "enrol", "rate_limited").await, 1);
    assert_eq!(
        refused(&hub, &store, "portal.request", "rate_limited").await,
        1
    );
    let after = stats(&store).await;
    assert!(
        after.audit - before.audit <= 9,
        "the tallies add a line per kind, and the laptop's pull its own ({} lines)",
        after.audit - before.audit
    );
    hub.stop().await;
}

//! The client against a scripted hub on a loopback port: what it sends, what it retries,
//! and what each refusal becomes. Retries use `Backoff::immediate`, so nothing sleeps.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod support;
use support::field_change;

use std::sync::{Arc, Mutex};

use doorstep_core::{DeviceId, Hlc, OfficerId};
use doorstep_sync::client::{Action, Backoff, ClientError, HubClient};
use doorstep_sync::protocol::{
    Change, EntityKind, ErrorCode, MAX_BATCH, Operation, PushResponse, Secret,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use uuid::Uuid;

/// One request as the hub saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A canned answer: status, extra headers, body.
type Reply = (u16, Vec<(&'static str, String)>, String);

fn reply(status: u16, body: Value) -> Reply {
    (status, Vec::new(), body.to_string())
}

fn refusal(status: u16, code: &str) -> Reply {
    reply(
        status,
        json!({"code": code, "message": format!("refused: {code}")}),
    )
}

/// A hub that answers with `replies` in turn (the last one for ever) and records requests.
async fn scripted(replies: Vec<Reply>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        let mut n = 0usize;
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let Some(request) = read_request(&mut socket).await else {
                continue;
            };
            log.lock().expect("lock").push(request);
            let (status, headers, body) = replies[n.min(replies.len() - 1)].clone();
            n += 1;
            let mut text = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                text.push_str(&format!("{name}: {value}\r\n"));
            }
            text.push_str("\r\n");
            text.push_str(&body);
            let _ = socket.write_all(text.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    (address, seen)
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        method,
        path,
        headers,
        body: buf[head_end..].to_vec(),
    })
}

fn client(address: &str) -> HubClient {
    HubClient::new(address)
        .expect("client")
        .with_backoff(Backoff::immediate(4))
        .with_access_token(Secret::new("access-1"))
}

fn change(device: DeviceId) -> Change {
    let hlc = Hlc {
        wall_ms: 1_700_000_000_000,
        counter: 0,
        device,
    };
    field_change(
        EntityKind::Household,
        &Uuid::now_v7().to_string(),
        Operation::Update,
        "notes",
        json!("gate fixed"),
        None,
        hlc,
    )
}

fn pushed(cursor: u64) -> Reply {
    reply(
        200,
        serde_json::to_value(PushResponse {
            cursor,
            ..PushResponse::default()
        })
        .expect("serialise"),
    )
}

#[tokio::test]
async fn a_push_carries_the_protocol_the_device_and_the_token() {
    let (address, seen) = scripted(vec![pushed(12)]).await;
    let device = DeviceId::new();
    let c = change(device);
    let response = client(&address)
        .push(device, std::slice::from_ref(&c))
        .await
        .expect("pushed");
    assert_eq!(response.cursor, 12);
    let seen = seen.lock().expect("lock").clone();
    let [request] = seen.as_slice() else {
        panic!("one request expected, got {}", seen.len());
    };
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/push");
    assert_eq!(request.header("authorization"), Some("Bearer access-1"));
    assert_eq!(request.header("doorstep-protocol"), Some("1"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body = request.json();
    assert_eq!(body["protocol"], json!(1));
    assert_eq!(body["device_id"], json!(device.to_string()));
    assert_eq!(
        body["changes"][0]["change_id"],
        json!(c.change_id.to_string())
    );
}

#[tokio::test]
async fn a_hub_that_is_briefly_down_is_retried() {
    let (address, seen) = scripted(vec![
        refusal(503, "x"),
        (502, Vec::new(), "bad gateway".into()),
        pushed(3),
    ])
    .await;
    let device = DeviceId::new();
    let response = client(&address).push(device, &[change(device)]).await;
    assert_eq!(response.map(|r| r.cursor), Ok(3));
    assert_eq!(seen.lock().expect("lock").len(), 3);
}

#[tokio::test]
async fn a_hub_that_stays_down_gives_up_after_the_last_attempt() {
    let (address, seen) = scripted(vec![(500, Vec::new(), String::new())]).await;
    let error = client(&address).pull(0, 100).await.expect_err("fails");
    assert_eq!(error, ClientError::Server { status: 500 });
    assert_eq!(error.action(), Action::TryLater);
    assert_eq!(seen.lock().expect("lock").len(), 4);
}

#[tokio::test]
async fn rate_limited_waits_as_asked_then_goes_on() {
    let (address, seen) = scripted(vec![
        (
            429,
            vec![("retry-after", "0".to_owned())],
            json!({"code": "rate_limited", "message": "slow down"}).to_string(),
        ),
        reply(
            200,
            json!({"entries": [], "next": 0, "more": false, "full_resync_needed": false}),
        ),
    ])
    .await;
    let page = client(&address).pull(0, 100).await.expect("pulled");
    assert!(page.entries.is_empty());
    assert_eq!(seen.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn told_to_wait_longer_than_we_retry_for_we_stop_and_say_so() {
    let (address, seen) = scripted(vec![(
        429,
        vec![("retry-after", "3600".to_owned())],
        json!({"code": "rate_limited", "message": "slow down"}).to_string(),
    )])
    .await;
    let error = client(&address).pull(0, 100).await.expect_err("limited");
    assert_eq!(
        error,
        ClientError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(3600))
        }
    );
    assert_eq!(seen.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn a_revoked_laptop_is_told_to_wipe_and_not_retried() {
    let (address, seen) = scripted(vec![refusal(410, "device_revoked")]).await;
    let device = DeviceId::new();
    let error = client(&address)
        .push(device, &[change(device)])
        .await
        .expect_err("revoked");
    assert_eq!(error, ClientError::Revoked);
    assert_eq!(error.action(), Action::WipeLocalData);
    assert_eq!(
        error.to_string(),
        "This laptop was removed from the hub: its local data must be wiped"
    );
    assert_eq!(seen.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn each_refusal_maps_to_what_the_app_must_do() {
    let cases = [
        (
            refusal(401, "token_expired"),
            Action::RefreshToken,
            Some(ErrorCode::TokenExpired),
        ),
        (
            refusal(401, "unauthorised"),
            Action::Enrol,
            Some(ErrorCode::Unauthorised),
        ),
        (
            refusal(400, "wrong_protocol"),
            Action::UpdateApp,
            Some(ErrorCode::WrongProtocol),
        ),
        (
            refusal(422, "unknown_entity"),
            Action::Report,
            Some(ErrorCode::UnknownEntity),
        ),
        (
            refusal(403, "out_of_scope"),
            Action::Report,
            Some(ErrorCode::OutOfScope),
        ),
        ((404, Vec::new(), "<html>".into()), Action::Report, None),
    ];
    for (answer, action, code) in cases {
        let (address, seen) = scripted(vec![answer]).await;
        let error = client(&address).pull(5, 10).await.expect_err("refused");
        assert_eq!(error.action(), action, "{error:?}");
        assert_eq!(error.code(), code, "{error:?}");
        assert_eq!(seen.lock().expect("lock").len(), 1, "a 4xx is not retried");
    }
}

#[tokio::test]
async fn a_2xx_that_is_not_the_protocol_is_reported() {
    let (address, _) = scripted(vec![reply(200, json!({"hello": "world"}))]).await;
    let error = client(&address).pull(0, 1).await.expect_err("bad answer");
    assert!(
        matches!(error, ClientError::BadResponse { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn no_hub_listening_is_unreachable_after_the_retries() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let error = client(&address).pull(0, 1).await.expect_err("nobody there");
    assert!(
        matches!(error, ClientError::Unreachable { .. }),
        "{error:?}"
    );
    assert_eq!(error.action(), Action::TryLater);
}

#[tokio::test]
async fn enrolment_keeps_the_token_and_is_not_repeated_after_a_server_error() {
    let device = DeviceId::new();
    let enrolled = json!({
        "device_id": device.to_string(),
        "access_token": "access-9",
        "refresh_token": "refresh-9",
        "access_expires_at": "2026-03-01T11:00:00Z",
        "organisation": {"id": Uuid::now_v7().to_string(), "name": "Sampleton Borough Council"},
        "user": {"id": OfficerId::new().to_string(), "name": "Pat Sampleton", "role": "officer"}
    });
    let (address, seen) = scripted(vec![reply(200, enrolled), pushed(1)]).await;
    let mut hub = HubClient::new(&address)
        .expect("client")
        .with_backoff(Backoff::immediate(4));
    assert_eq!(
        hub.push(device, &[]).await.expect_err("no token yet"),
        ClientError::NotEnrolled
    );
    let response = hub
        .enrol(&Secret::new("ABCD-1234"), "Laptop 7")
        .await
        .expect("enrolled");
    assert_eq!(response.device_id, device);
    assert_eq!(response.refresh_token.expose(), "refresh-9");
    hub.push(device, &[])
        .await
        .expect("pushed with the new token");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen[0].path, "/v1/enrol");
    assert_eq!(seen[0].header("authorization"), None);
    assert_eq!(seen[0].json()["code"], json!("ABCD-1234"));
    assert_eq!(seen[1].header("authorization"), Some("Bearer access-9"));

    // A 500 may mean the code was used up: not retried.
    let (address, seen) = scripted(vec![(500, Vec::new(), String::new())]).await;
    let mut hub = HubClient::new(&address)
        .expect("client")
        .with_backoff(Backoff::immediate(4));
    let error = hub
        .enrol(&Secret::new("ABCD-1234"), "Laptop 7")
        .await
        .expect_err("fails");
    assert_eq!(error, ClientError::Server { status: 500 });
    assert_eq!(seen.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn refresh_sends_the_device_and_the_refresh_token() {
    let device = DeviceId::new();
    let (address, seen) = scripted(vec![reply(
        200,
        json!({"access_token": "a2", "refresh_token": "r2", "access_expires_at": "2026-03-01T12:00:00Z"}),
    )])
    .await;
    let mut hub = HubClient::new(&address).expect("client");
    let tokens = hub
        .refresh(device, &Secret::new("r1"))
        .await
        .expect("refreshed");
    assert_eq!(tokens.refresh_token.expose(), "r2");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen[0].path, "/v1/token/refresh");
    assert_eq!(
        seen[0].json(),
        json!({"protocol": 1, "device_id": device.to_string(), "refresh_token": "r1"})
    );
}

#[tokio::test]
async fn a_batch_over_the_limit_is_not_sent() {
    let (address, seen) = scripted(vec![pushed(1)]).await;
    let device = DeviceId::new();
    let batch = vec![change(device); MAX_BATCH + 1];
    let error = client(&address)
        .push(device, &batch)
        .await
        .expect_err("too many");
    assert!(
        matches!(error, ClientError::BatchTooLarge { changes, .. } if changes == MAX_BATCH + 1)
    );
    assert!(seen.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn attachments_go_up_by_hash_as_raw_bytes() {
    let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let (address, seen) = scripted(vec![
        reply(
            200,
            json!({"sha256": sha, "bytes": 3, "already_stored": false}),
        ),
        (200, Vec::new(), "abc".into()),
    ])
    .await;
    let hub = client(&address);
    let receipt = hub
        .put_attachment(sha, b"abc".to_vec())
        .await
        .expect("uploaded");
    assert!(!receipt.already_stored);
    assert_eq!(hub.get_attachment(sha).await.expect("downloaded"), b"abc");
    let error = hub
        .put_attachment("../secrets", Vec::new())
        .await
        .expect_err("not a hash");
    assert!(matches!(error, ClientError::BadAttachment { .. }));
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("PUT", &*format!("/v1/attachments/{sha}"))
    );
    assert_eq!(
        seen[0].header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(seen[0].body, b"abc");
    assert_eq!(seen[1].method, "GET");
}

#[tokio::test]
async fn https_speaks_tls_and_a_server_that_does_not_is_unreachable() {
    // A server that answers in plain text at once: the TLS handshake (ring, platform
    // verifier) starts and fails cleanly, with no panic for a missing crypto provider.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("https://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
            let _ = socket.shutdown().await;
        }
    });
    let error = client(&address).pull(0, 1).await.expect_err("not TLS");
    assert!(
        matches!(error, ClientError::Unreachable { .. }),
        "{error:?}"
    );
    assert!(
        !error.to_string().contains("error sending request"),
        "{error}"
    );
}

//! Test support: a throw-away database per test on either backend, a hub booted on port 0,
//! and a raw HTTP/1.1 client (so tests can send exactly the bytes they mean, bad ones too).

#![allow(
    dead_code,
    reason = "each test file uses a different part of the support"
)]

use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use doorstep_core::{DeviceId, Hlc, HlcClock, OfficerId, Role};
use doorstep_hub::{AppState, Clock, HubConfig, SharedStore, secret};
use doorstep_sync::protocol::{Change, EntityKind, Operation, PROTOCOL_VERSION};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Which storage backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub mod pg;
pub mod photo;

/// Runs each named test once per backend: `sqlite::name` and `postgres::name`.
#[allow(unused_macros, reason = "the crash harness runs its backends itself")]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await;
                }
            )+
        }
    };
}

/// The store's row counts.
pub async fn stats(store: &SharedStore) -> doorstep_hub::store::Stats {
    store.stats().await.unwrap()
}

/// The admin URL the PostgreSQL tests create their throw-away databases through.
fn pg_admin_url() -> String {
    match pg::admin_url() {
        Ok(url) => url.to_owned(),
        Err(why) => panic!("The hub's PostgreSQL tests need PostgreSQL: {why}"),
    }
}

async fn pg_admin() -> tokio_postgres::Client {
    let url = pg_admin_url();
    let (client, connection) = match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
        Ok(pair) => pair,
        Err(e) => panic!(
            "PostgreSQL is not reachable at {url} ({e}). The hub's PostgreSQL tests need a \
             server where user postgres may create databases: unset {} to let them find \
             or start one, or point it at such a server.",
            pg::ENV
        ),
    };
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// A database that exists for one test: a temporary SQLite file, or a PostgreSQL database
/// `doorstep_hub_test_<random>` dropped when this is dropped.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite:{}", dir.path().join("hub.db").display());
                Self {
                    url,
                    _dir: Some(dir),
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let mut random = [0u8; 8];
                getrandom::fill(&mut random).unwrap();
                let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
                let name = format!("doorstep_hub_test_{suffix}");
                pg_admin()
                    .await
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                let admin = pg_admin_url();
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                Self {
                    url: format!("{base}/{name}"),
                    _dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs inside the test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok((client, connection)) =
                    tokio_postgres::connect(&pg_admin_url(), tokio_postgres::NoTls).await
                {
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// A hub serving on a loopback port, on a runtime of its own, so that killing it ends
/// every task it runs (the connections in flight included), as a crash would.
#[derive(Debug)]
pub struct Hub {
    pub addr: SocketAddr,
    pub state: AppState,
    runtime: Option<tokio::runtime::Runtime>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Hub {
    pub async fn start(store: SharedStore, config: HubConfig, clock: Clock) -> Self {
        Self::start_at("127.0.0.1:0".parse().unwrap(), store, config, clock).await
    }

    /// A hub on a given address: a restarted hub takes its predecessor's, so a client
    /// that was talking to the old one simply retries.
    pub async fn start_at(
        addr: SocketAddr,
        store: SharedStore,
        config: HubConfig,
        clock: Clock,
    ) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        // The killed hub's socket may linger for a moment after its runtime is gone.
        let mut bound = std::net::TcpListener::bind(addr);
        for _ in 0..50 {
            if bound.is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
            bound = std::net::TcpListener::bind(addr);
        }
        let listener = bound.unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::with_clock(store, config, clock);
        let (tx, rx) = oneshot::channel::<()>();
        let serve_state = state.clone();
        let task = runtime.spawn(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            doorstep_hub::serve(listener, serve_state, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self {
            addr,
            state,
            runtime: Some(runtime),
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Stops gracefully.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Kills the hub at once: every task it runs, requests in flight included, is dropped.
    pub fn kill(mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        request(self.addr, "GET", path, &headers, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.post_raw(path, token, &serde_json::to_vec(body).unwrap())
            .await
    }

    pub async fn put_raw(&self, path: &str, token: Option<&str>, body: &[u8]) -> Reply {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = vec![("Content-Type", "application/octet-stream")];
        headers.extend(auth.iter().map(|a| ("Authorization", a.as_str())));
        request(self.addr, "PUT", path, &headers, Some(body)).await
    }

    /// A client of the real `doorstep_sync::HubClient` with this laptop's token, which
    /// retries nothing (tests never sleep).
    pub fn client(&self, token: &str) -> doorstep_sync::HubClient {
        doorstep_sync::HubClient::new(&format!("http://{}/", self.addr))
            .unwrap()
            .with_backoff(doorstep_sync::Backoff::immediate(1))
            .with_access_token(doorstep_sync::Secret::new(token))
    }

    pub async fn post_raw(&self, path: &str, token: Option<&str>, body: &[u8]) -> Reply {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
        headers.extend(auth.iter().map(|a| ("Authorization", a.as_str())));
        request(self.addr, "POST", path, &headers, Some(body)).await
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        // A runtime may not be dropped (which blocks) inside the test's own runtime.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: Value,
}

impl Reply {
    /// The error code of a JSON error body.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    #[track_caller]
    pub fn expect(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "unexpected answer: {} {}",
            self.status,
            self.body
        );
        assert!(
            self.body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "an error body has a message: {}",
            self.body
        );
    }

    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert!(
            (200..300).contains(&self.status),
            "expected success, got {} {}",
            self.status,
            self.body
        );
        &self.body
    }
}

/// One HTTP/1.1 request over a fresh connection (`Connection: close`).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Reply {
    try_request(addr, method, path, headers, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// One HTTP/1.1 request; Err when the connection ends without an answer.
pub async fn try_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Reply, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let (mut reader, mut writer) = stream.into_split();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or_default().to_vec();
    if method != "GET" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    // Write while reading: the hub may answer (413) before it has read a large body.
    let write = tokio::spawn(async move {
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(&body).await;
        let _ = writer.flush().await;
        writer
    });
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), reader.read_to_end(&mut raw)).await;
    write.abort();
    match read {
        Err(_) => return Err("no answer within 30 s".into()),
        // A reset after a complete answer still leaves the answer readable.
        Ok(Err(e)) if raw.is_empty() => return Err(e.to_string()),
        Ok(_) => {}
    }
    parse_reply(&raw)
        .ok_or_else(|| format!("not an HTTP answer: {:?}", String::from_utf8_lossy(&raw)))
}

fn parse_reply(raw: &[u8]) -> Option<Reply> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
    let body = &raw[split + 4..];
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
    };
    Some(Reply {
        status,
        headers: head,
        body,
    })
}

/// An organisation with two teams, for the tests' people.
#[derive(Debug)]
pub struct Org {
    pub north: String,
    pub south: String,
}

pub async fn org(store: &SharedStore) -> Org {
    let now = Clock::system().now_ms();
    store.create_org("Northshire Council", now).await.unwrap();
    let north = store
        .add_team("Northshire Council", "North", now)
        .await
        .unwrap();
    let south = store
        .add_team("Northshire Council", "South", now)
        .await
        .unwrap();
    Org { north, south }
}

/// A user with a fresh enrolment code.
pub async fn user_with_code(store: &SharedStore, team: &str, name: &str, role: Role) -> String {
    let now = Clock::system().now_ms();
    store.add_user(team, name, role, now).await.unwrap();
    let code = secret::new_enrolment_code().unwrap();
    store
        .add_enrolment_code(name, &secret::code_digest(&code), now, now + 3_600_000)
        .await
        .unwrap();
    code
}

/// An enrolled laptop, with its own clock for the changes it makes.
#[derive(Debug)]
pub struct Laptop {
    pub device_id: DeviceId,
    pub officer_id: OfficerId,
    pub access: String,
    pub refresh: String,
    pub clock: HlcClock,
}

pub fn enrol_body(code: &str) -> Value {
    json!({ "protocol": PROTOCOL_VERSION, "code": code, "device_name": "Test laptop" })
}

pub async fn enrol(hub: &Hub, code: &str) -> Laptop {
    let reply = hub.post("/v1/enrol", None, &enrol_body(code)).await;
    assert_eq!(reply.status, 201, "enrol: {}", reply.body);
    let body = reply.body;
    let device_id: DeviceId = body["device_id"].as_str().unwrap().parse().unwrap();
    Laptop {
        device_id,
        officer_id: body["user"]["id"].as_str().unwrap().parse().unwrap(),
        access: body["access_token"].as_str().unwrap().to_owned(),
        refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        clock: HlcClock::new(device_id, None),
    }
}

impl Laptop {
    /// A change to `entity_id` setting `fields`, based on `base` versions.
    pub fn change(
        &mut self,
        entity: EntityKind,
        entity_id: &str,
        operation: Operation,
        fields: Value,
        base: &[(&str, Option<Hlc>)],
    ) -> Change {
        let hlc = self.clock.tick(Utc::now());
        Change {
            change_id: uuid::Uuid::now_v7(),
            entity,
            entity_id: entity_id.to_owned(),
            operation,
            fields: fields.as_object().cloned().unwrap_or_default(),
            base_versions: base.iter().map(|(f, v)| ((*f).to_owned(), *v)).collect(),
            hlc,
            officer_id: self.officer_id,
            device_id: self.device_id,
            made_at: Utc::now(),
        }
    }

    /// A new household record.
    pub fn new_household(&mut self, id: &str, street: &str) -> Change {
        let fields = json!({ "street": street, "postcode": "NS1 1AA" });
        self.change(EntityKind::Household, id, Operation::Create, fields, &[])
    }

    pub fn push_body(&self, changes: &[Change]) -> Value {
        json!({ "protocol": PROTOCOL_VERSION, "device_id": self.device_id, "changes": changes })
    }

    pub async fn push(&self, hub: &Hub, changes: &[Change]) -> Reply {
        hub.post("/v1/push", Some(&self.access), &self.push_body(changes))
            .await
    }

    pub async fn pull(&self, hub: &Hub, after: u64, limit: u32) -> Reply {
        let body = json!({ "protocol": PROTOCOL_VERSION, "after": after, "limit": limit });
        hub.post("/v1/pull", Some(&self.access), &body).await
    }
}

/// A new record of any kind with `fields`.
impl Laptop {
    pub fn create(&mut self, entity: EntityKind, id: &str, fields: Value) -> Change {
        self.change(entity, id, Operation::Create, fields, &[])
    }

    /// Every entry after `after`, page by page, and the cursor at the end.
    pub async fn pull_all(&self, hub: &Hub, after: u64) -> (Vec<doorstep_sync::LogEntry>, u64) {
        let (mut entries, mut cursor) = (Vec::new(), after);
        loop {
            let reply = self.pull(hub, cursor, 1000).await;
            let page: doorstep_sync::PullResponse =
                serde_json::from_value(reply.ok().clone()).unwrap();
            assert!(
                !page.full_resync_needed,
                "unexpected full resync after {cursor}"
            );
            entries.extend(page.entries);
            cursor = page.next;
            if !page.more {
                return (entries, cursor);
            }
        }
    }
}

/// Entity ids of a pull's entries, in order.
pub fn pulled_ids(reply: &Reply) -> Vec<String> {
    reply.ok()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["change"]["entity_id"].as_str().unwrap().to_owned())
        .collect()
}

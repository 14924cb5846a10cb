//! The real `doorstep-dev-bridge` binary on a throw-away data folder, spoken to over plain
//! HTTP/1.1 as a browser or curl would: commands and their `AppError`s, the event stream,
//! the host and origin checks, the dialog stand-ins and the built UI.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

const PASSPHRASE: &str = "plum orchard lantern whistle 7";
const BIN: &str = env!("CARGO_BIN_EXE_doorstep-dev-bridge");

/// A bridge on a free port over a temp folder; killed when dropped.
struct Running {
    addr: SocketAddr,
    dir: tempfile::TempDir,
    _child: Child,
}

async fn start() -> Running {
    start_with(&[]).await
}

async fn start_with(extra_args: &[&str]) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let ui = dir.path().join("ui");
    std::fs::create_dir_all(ui.join("assets")).unwrap();
    std::fs::write(ui.join("index.html"), "<!doctype html><title>UI</title>").unwrap();
    std::fs::write(ui.join("assets/app.js"), "console.log(1)").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "outside the UI").unwrap();
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--port", "0", "--insecure-fast-kdf", "--ui"])
        .arg(&ui)
        .args(extra_args)
        .env_remove("DOORSTEP_DATA_DIR")
        .env_remove("DOORSTEP_BRIDGE_PORT")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                return rest.split('/').next().unwrap().parse().unwrap();
            }
        }
        panic!("the bridge ended without saying where it listens");
    })
    .await
    .expect("the bridge printed its address in time");
    // Keep reading stderr so the bridge never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Running {
        addr,
        dir,
        _child: child,
    }
}

/// One response: status, headers (lower-case names), body.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// A raw request: `Host` is the bridge's unless `headers` names one.
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut raw))
        .await
        .expect("answered in time")
        .unwrap();
    parse(&raw)
}

fn parse(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a full head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t == "chunked")
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = raw.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&raw[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 2 + size + 2..];
    }
}

async fn invoke(addr: SocketAddr, command: &str, args: Value) -> Reply {
    request(
        addr,
        "POST",
        &format!("/api/invoke/{command}"),
        &[],
        &args.to_string(),
    )
    .await
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                files.insert(path.display().to_string(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn household() -> Value {
    json!({ "draft": {
        "uprn": "",
        "address_line_1": "12 Example Road",
        "address_line_2": "",
        "address_line_3": "",
        "town": "Testville",
        "postcode": "ZY3 4AB",
        "coordinates": null,
    }})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_commands_with_the_windows_arguments_and_errors() {
    let bridge = start().await;
    let addr = bridge.addr;

    let health = request(addr, "GET", "/api/health", &[], "").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["service"], "doorstep-dev-bridge");

    let status = invoke(addr, "app_status", Value::Null).await;
    assert_eq!(status.status, 200, "{:?}", status.json());
    assert_eq!(status.json()["state"], "first_run");

    let set_up = invoke(
        addr,
        "set_up",
        json!({ "officerName": "Olive Officer", "role": "officer", "passphrase": PASSPHRASE }),
    )
    .await;
    assert_eq!(set_up.status, 200, "{:?}", set_up.json());
    assert_eq!(set_up.json()["state"], "unlocked");
    assert_eq!(set_up.json()["officer_name"], "Olive Officer");

    let created = invoke(addr, "create_household", household()).await;
    assert_eq!(created.status, 200, "{:?}", created.json());
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(created.json()["postcode"], "ZY3 4AB");

    // A form error is the AppError the window gets, fields and all.
    let mut bad = household();
    bad["draft"]["postcode"] = json!("not a postcode");
    let refused = invoke(addr, "create_household", bad).await;
    assert_eq!(refused.status, 422);
    let e = refused.json();
    assert_eq!(e["code"], "validation");
    assert_eq!(e["field"], "postcode");
    assert!(e["fields"].as_array().is_some_and(|f| !f.is_empty()), "{e}");

    assert_eq!(
        invoke(addr, "lock", Value::Null).await.json()["state"],
        "locked"
    );

    // A wrong passphrase: the AppError, and not a byte of the store changed.
    let before = snapshot(&bridge.dir.path().join("data"));
    let wrong = invoke(
        addr,
        "unlock",
        json!({ "passphrase": "not the passphrase" }),
    )
    .await;
    assert!((400..500).contains(&wrong.status), "{}", wrong.status);
    let e = wrong.json();
    assert_eq!(e["code"], "wrong_passphrase");
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(e["field"], Value::Null);
    assert_eq!(e["fields"], json!([]));
    assert_eq!(
        snapshot(&bridge.dir.path().join("data")),
        before,
        "a refused unlock writes nothing"
    );
    let status = invoke(addr, "app_status", Value::Null).await;
    assert_eq!(status.json()["state"], "locked");

    let unlocked = invoke(addr, "unlock", json!({ "passphrase": PASSPHRASE })).await;
    assert_eq!(unlocked.json()["state"], "unlocked");
    let page = invoke(addr, "get_household", json!({ "id": id })).await;
    assert_eq!(page.status, 200, "{:?}", page.json());
    assert!(page.body.windows(15).any(|w| w == b"12 Example Road"));

    let unknown = invoke(addr, "format_the_disk", Value::Null).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["code"], "not_found");

    // Arguments that do not fit the command, and a body that is not JSON at all.
    let misfit = invoke(addr, "unlock", json!({ "pass": PASSPHRASE })).await;
    assert_eq!(misfit.status, 422);
    assert_eq!(misfit.json()["code"], "validation");
    let garbled = request(addr, "POST", "/api/invoke/unlock", &[], "{passphrase:").await;
    assert_eq!(garbled.status, 422);
    assert_eq!(garbled.json()["code"], "validation");

    let nothing = request(addr, "GET", "/api/nothing-here", &[], "").await;
    assert_eq!(nothing.status, 404);
    assert_eq!(nothing.json()["code"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_other_hosts_and_other_origins() {
    let bridge = start().await;
    let addr = bridge.addr;
    let port = addr.port();

    for host in [
        "rebound.example".to_owned(),
        format!("rebound.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "[::1]".to_owned(),
    ] {
        for path in ["/api/invoke/app_status", "/"] {
            let reply = request(addr, "POST", path, &[("Host", &host)], "").await;
            assert_eq!(reply.status, 403, "Host {host} on {path}");
            assert_eq!(reply.json()["code"], "not_allowed");
        }
    }
    let foreign = request(
        addr,
        "POST",
        "/api/invoke/app_status",
        &[("Origin", "https://elsewhere.example")],
        "",
    )
    .await;
    assert_eq!(foreign.status, 403);
    let own_origin = format!("http://127.0.0.1:{port}");
    let own = request(
        addr,
        "POST",
        "/api/invoke/app_status",
        &[("Origin", &own_origin)],
        "",
    )
    .await;
    assert_eq!(own.status, 200);
    let by_name = request(
        addr,
        "GET",
        "/api/health",
        &[("Host", &format!("localhost:{port}"))],
        "",
    )
    .await;
    assert_eq!(by_name.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_an_origin_the_developer_allowed_with_cors() {
    let vite = "http://localhost:5173";
    let bridge = start_with(&["--allow-origin", vite]).await;
    let addr = bridge.addr;
    let preflight = request(
        addr,
        "OPTIONS",
        "/api/invoke/app_status",
        &[("Origin", vite), ("Access-Control-Request-Method", "POST")],
        "",
    )
    .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.headers["access-control-allow-origin"], vite);
    assert!(preflight.headers["access-control-allow-headers"].contains("content-type"));
    let call = request(
        addr,
        "POST",
        "/api/invoke/app_status",
        &[("Origin", vite)],
        "",
    )
    .await;
    assert_eq!(call.status, 200);
    assert_eq!(call.headers["access-control-allow-origin"], vite);
    let other = request(
        addr,
        "POST",
        "/api/invoke/app_status",
        &[("Origin", "http://localhost:5174")],
        "",
    )
    .await;
    assert_eq!(other.status, 403);
    assert!(!other.headers.contains_key("access-control-allow-origin"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_events_as_server_sent_events() {
    let bridge = start().await;
    let addr = bridge.addr;
    let set_up = invoke(
        addr,
        "set_up",
        json!({ "officerName": "Olive Officer", "role": "officer", "passphrase": PASSPHRASE }),
    )
    .await;
    assert_eq!(set_up.status, 200);
    invoke(addr, "lock", Value::Null).await;

    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET /api/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut seen = String::new();
    let mut buffer = [0_u8; 4096];
    tokio::time::timeout(Duration::from_secs(10), async {
        while !seen.contains("ready") {
            let n = stream.read(&mut buffer).await.unwrap();
            assert!(n > 0, "the stream ended");
            seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    })
    .await
    .expect("the stream said it is ready");
    assert!(seen.contains("text/event-stream"), "{seen}");

    // Unlocking wakes the sync loop, which reports what it is doing (not enrolled).
    let unlocked = invoke(addr, "unlock", json!({ "passphrase": PASSPHRASE })).await;
    assert_eq!(unlocked.status, 200);
    let status = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Some(data) = seen
                .split("event: sync-status\n")
                .nth(1)
                .and_then(|rest| rest.strip_prefix("data: "))
                .and_then(|rest| rest.split_once('\n'))
                .map(|(data, _)| data.to_owned())
            {
                return data;
            }
            let n = stream.read(&mut buffer).await.unwrap();
            assert!(n > 0, "the stream ended");
            seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    })
    .await
    .expect("a sync-status event arrived");
    let status: Value = serde_json::from_str(&status).unwrap();
    assert!(status["activity"].is_string(), "{status}");
    assert_eq!(status["hub"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stands_in_for_the_dialogs_and_serves_the_ui() {
    let bridge = start().await;
    let addr = bridge.addr;
    let saved = request(
        addr,
        "POST",
        "/api/dialog/save",
        &[],
        r#"{"title":"Save","defaultPath":"../../outside/plan.pdf"}"#,
    )
    .await;
    assert_eq!(saved.status, 200);
    let expected = bridge.dir.path().join("data/bridge-files/plan.pdf");
    assert_eq!(saved.json(), json!(expected.to_string_lossy()));

    let existing = bridge.dir.path().join("secret.txt");
    let body = json!({ "path": existing.to_string_lossy() }).to_string();
    let opened = request(addr, "POST", "/api/dialog/open", &[], &body).await;
    assert_eq!(
        opened.json(),
        json!(existing.canonicalize().unwrap().to_string_lossy())
    );
    let missing = json!({ "path": "/no/such/file.csv" }).to_string();
    let refused = request(addr, "POST", "/api/dialog/open", &[], &missing).await;
    assert_eq!(refused.status, 404);
    assert_eq!(refused.json()["code"], "not_found");
    let cancelled = request(addr, "POST", "/api/dialog/open", &[], "{}").await;
    assert_eq!(cancelled.json(), Value::Null);

    let index = request(addr, "GET", "/", &[], "").await;
    assert_eq!(index.status, 200);
    assert!(index.headers["content-type"].starts_with("text/html"));
    assert!(index.headers["content-security-policy"].contains("frame-ancestors 'none'"));
    let asset = request(addr, "GET", "/assets/app.js", &[], "").await;
    assert!(asset.headers["content-type"].starts_with("text/javascript"));
    // A screen's address is the app; nothing outside the UI folder is served.
    let screen = request(addr, "GET", "/household/abc", &[], "").await;
    assert_eq!(screen.body, index.body);
    let escape = request(addr, "GET", "/../secret.txt", &[], "").await;
    assert!(!String::from_utf8_lossy(&escape.body).contains("outside the UI"));
    let escape = request(addr, "GET", "/assets/../../secret.txt", &[], "").await;
    assert!(!String::from_utf8_lossy(&escape.body).contains("outside the UI"));
}

#[tokio::test]
async fn refuses_to_start_without_a_data_folder() {
    let output = Command::new(BIN)
        .args(["--port", "0"])
        .env_remove("DOORSTEP_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("needs a data folder") && said.contains("--data-dir"),
        "{said}"
    );
}

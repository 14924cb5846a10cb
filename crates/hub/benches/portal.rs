//! The contractor portal under load: with 10,000 work orders in the hub, how long the
//! list and detail pages take to render in-process (p50/p95), and 50 contractor sessions
//! at once over loopback (latency and errors); and the agencies' inbox with 10,000
//! referrals delivered to one agency (issue 13: p95 at most 50 ms a page). Prints a table.
//!
//! `cargo bench -p doorstep-hub --bench portal` runs it on SQLite, and on PostgreSQL when
//! one is found as the tests find it (`tests/support/pg.rs`: `DOORSTEP_HUB_TEST_POSTGRES`,
//! else 127.0.0.1:5432, else a throw-away cluster; a throw-away database is made and dropped).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)] // a bench, not the hub

#[path = "../tests/support/pg.rs"]
mod pg;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use chrono::{Days, Utc};
use doorstep_core::fire::{
    AgencyDirectory, Consent, ConsentGiver, ConsentMethod, ConsentPurpose, Referral, ReferralDraft,
    ReferralStep, Urgency,
};
use doorstep_core::security::ids::PlanId;
use doorstep_core::work_order::{
    FirmRef, ItemStatus, WorkOrder, WorkOrderId, WorkOrderItem, WorkOrderStatus,
};
use doorstep_core::{DeviceId, HlcClock, HouseholdId, OfficerId, PersonId, Role, built_in};
use doorstep_hub::portal::admin;
use doorstep_hub::{AppState, Clock, HubConfig, SharedStore, secret};
use doorstep_sync::protocol::{Change, EntityKind, Operation};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

const ORDERS: usize = 10_000;
/// Orders of the firm whose pages are measured; the rest belong to another firm.
const FIRM_ORDERS: usize = 8_000;
const SAMPLES: usize = 400;
const SESSIONS: usize = 50;
const REQUESTS_PER_SESSION: usize = 20;
const PASSWORD: &str = "bench pass phrase 2026";
/// Referrals delivered to the agency whose inbox is measured.
const REFERRALS: usize = 10_000;
const AGENCY: &str = "fire_safe_and_well";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("| backend | measure | p50 | p95 | p99 | n | errors |");
        println!("|---|---|---|---|---|---|---|");
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("bench.db").display());
        run("SQLite", &url).await;
        match postgres_database().await {
            Some((url, drop)) => {
                run("PostgreSQL", &url).await;
                drop.await;
            }
            None => println!("| PostgreSQL | (not reachable: skipped) | | | | | |"),
        }
    });
}

async fn postgres_database() -> Option<(String, impl std::future::Future<Output = ()>)> {
    let admin = pg::admin_url().ok()?;
    let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
        .await
        .ok()?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let name = format!("doorstep_hub_bench_{}", std::process::id());
    // Two statements: CREATE DATABASE cannot run inside the implicit transaction of a batch.
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .ok()?;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .ok()?;
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    let url = format!("{base}/{name}");
    let drop = async move {
        let _ = client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    };
    Some((url, drop))
}

fn order(firm: &str, n: usize) -> WorkOrder {
    let today = Utc::now().date_naive();
    let item = |id: &str, name: &str| WorkOrderItem {
        measure_id: id.into(),
        name: name.into(),
        specification: format!("{name}: fit to the manufacturer's instructions, to BS 3621"),
        location: Some("Door 1".into()),
        quantity: 1,
        status: ItemStatus::Pending,
        fitted_at: None,
        product_standard: None,
        not_fitted_reason: None,
        photo_sha256: None,
    };
    WorkOrder {
        id: WorkOrderId::new(),
        number: format!("WO-{n:08X}-QLK"),
        plan_id: PlanId::new(),
        household_id: HouseholdId::new(),
        firm: FirmRef {
            id: firm.into(),
            name: firm.into(),
        },
        address_lines: vec![format!("{} Bench Street", n % 400 + 1), "Testville".into()],
        postcode: "ZY1 1AA".into(),
        contact_name: "Sam Example".into(),
        contact_phone: Some("01632 960000".into()),
        access_notes: vec![
            "Key safe by the back door".into(),
            "Dog in the garden".into(),
        ],
        items: vec![
            item("door_chain", "Door chain"),
            item("letterbox_guard", "Letterbox guard"),
            item("anti_snap_cylinder", "Anti-snap cylinder"),
        ],
        issued_on: today,
        due_date: today
            .checked_add_days(Days::new(u64::try_from(n % 60).unwrap()))
            .unwrap(),
        status: WorkOrderStatus::New,
        decline_reason: None,
        appointment_date: None,
    }
}

/// One HTTP/1.1 exchange; the status, the headers and the body.
async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Result<(u16, String, Vec<u8>), String> {
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    stream.write_all(body).await.map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .await
        .map_err(|e| e.to_string())?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("not HTTP")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no status")?;
    Ok((status, head, raw[split + 4..].to_vec()))
}

fn cookie_of(head: &str) -> Option<String> {
    head.lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .filter_map(|l| l.split_once(':').map(|(_, v)| v.trim()))
        .find(|v| v.starts_with("doorstep_portal="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

fn hidden(html: &[u8], name: &str) -> Option<String> {
    let html = String::from_utf8_lossy(html);
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    html[start..].split('"').next().map(str::to_owned)
}

/// Signs in over HTTP; the session cookie.
async fn sign_in(addr: SocketAddr, email: &str) -> Result<String, String> {
    let (_, head, body) = http(addr, "GET", "/portal/sign-in", &[], b"").await?;
    let pre = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, v)| n.eq_ignore_ascii_case("set-cookie") && v.contains("sign_in="))
        .and_then(|(_, v)| v.trim().split(';').next().map(str::to_owned))
        .ok_or("no sign-in cookie")?;
    let csrf = hidden(&body, "csrf").ok_or("no csrf")?;
    let form = format!(
        "csrf={csrf}&email={}&password={}",
        email.replace('@', "%40"),
        PASSWORD.replace(' ', "+")
    );
    let (status, head, _) = http(
        addr,
        "POST",
        "/portal/sign-in",
        &[
            ("Cookie", pre),
            (
                "Content-Type",
                "application/x-www-form-urlencoded".to_owned(),
            ),
        ],
        form.as_bytes(),
    )
    .await?;
    if status != 303 {
        return Err(format!("sign-in answered {status}"));
    }
    cookie_of(&head).ok_or_else(|| "no session cookie".into())
}

struct Seeded {
    store: SharedStore,
    state: AppState,
    firm_orders: Vec<String>,
    referrals: Vec<String>,
}

/// A household, its resident and a referral to the agency, as a laptop sends them: the
/// referral drafted and sent (queued) by core's rules, so the hub delivers it.
fn referral_records(officer: OfficerId, n: usize) -> [(EntityKind, String, Value); 3] {
    let directory = AgencyDirectory::from_toml(built_in::AGENCIES.1).unwrap();
    let (household, person) = (HouseholdId::new(), PersonId::new());
    let now = Utc::now();
    let mut referral = Referral::draft(
        &directory,
        ReferralDraft {
            person_id: person,
            household_id: household,
            agency_id: AGENCY.into(),
            reasons: vec![format!("Bench reason {n}: no working smoke alarm")],
            urgency: Urgency::Routine,
            charlie_check_id: None,
            consent: Some(Consent {
                given_by: ConsentGiver::Person,
                given_by_name: format!("Bench Resident {n}"),
                method: ConsentMethod::Verbal,
                signature_ref: None,
                purposes: vec![ConsentPurpose::ShareWithFire],
                capacity_concerns: None,
                recorded_by: officer,
                at: now,
            }),
            lawful_basis: None,
        },
        officer,
        Role::Officer,
        now,
    )
    .unwrap();
    referral
        .apply(&directory, ReferralStep::Send, officer, Role::Officer, now)
        .unwrap();
    [
        (
            EntityKind::Household,
            household.to_string(),
            json!({ "uprn": null, "address_line_1": format!("{n} Bench Row"),
                    "address_line_2": null, "address_line_3": null, "town": "Benchton",
                    "postcode": "ZY9 9ZZ", "coordinates": null }),
        ),
        (
            EntityKind::Person,
            person.to_string(),
            json!({ "household_id": household, "full_name": format!("Bench Resident {n}"),
                    "phone": null, "email": null, "date_of_birth": null, "age_band": null,
                    "preferred_language": null,
                    "contact_preferences": { "phone": true, "text": false, "email": false, "letter": false } }),
        ),
        (
            EntityKind::Referral,
            referral.id.to_string(),
            serde_json::to_value(&referral).unwrap(),
        ),
    ]
}

async fn seed(url: &str) -> Seeded {
    let store = doorstep_hub::open(url).await.unwrap();
    let now = Clock::system().now_ms();
    store.create_org("Bench Council", now).await.unwrap();
    let team = store.add_team("Bench Council", "North", now).await.unwrap();
    store
        .add_user(&team, "Bench Officer", Role::Officer, now)
        .await
        .unwrap();
    let code = secret::new_enrolment_code().unwrap();
    store
        .add_enrolment_code(
            "Bench Officer",
            &secret::code_digest(&code),
            now,
            now + 3_600_000,
        )
        .await
        .unwrap();
    let portal = store.portal().unwrap();
    admin::add_firm(&portal, "bench_locks", "Bench Locks Ltd", now)
        .await
        .unwrap();
    admin::add_firm(&portal, "other_firm", "Other Firm Ltd", now)
        .await
        .unwrap();
    admin::add_agency(&portal, AGENCY, None, now).await.unwrap();
    admin::add_firm_user(
        &portal,
        AGENCY,
        "crew0@bench.example",
        "Crew 0",
        Some(PASSWORD),
        now,
    )
    .await
    .unwrap();
    for i in 0..SESSIONS {
        admin::add_firm_user(
            &portal,
            "bench_locks",
            &format!("fitter{i}@bench.example"),
            &format!("Fitter {i}"),
            Some(PASSWORD),
            now,
        )
        .await
        .unwrap();
    }

    let mut config = HubConfig::default();
    config.rate_limit.burst = 1_000_000;
    config.rate_limit.per_second = 1_000_000.0;
    let state = AppState::new(store.clone(), config);
    let (addr, stop) = serve(state.clone()).await;
    let body = json!({ "protocol": 1, "code": code, "device_name": "Bench laptop" });
    let (status, _, reply) = http(
        addr,
        "POST",
        "/v1/enrol",
        &[("Content-Type", "application/json".into())],
        &serde_json::to_vec(&body).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(status, 201);
    let reply: Value = serde_json::from_slice(&reply).unwrap();
    let device: DeviceId = reply["device_id"].as_str().unwrap().parse().unwrap();
    let officer: OfficerId = reply["user"]["id"].as_str().unwrap().parse().unwrap();
    let token = reply["access_token"].as_str().unwrap().to_owned();
    let mut clock = HlcClock::new(device, None);
    let mut firm_orders = Vec::new();
    let mut batch = Vec::new();
    for n in 0..ORDERS {
        let firm = if n < FIRM_ORDERS {
            "bench_locks"
        } else {
            "other_firm"
        };
        let o = order(firm, n);
        if n < FIRM_ORDERS {
            firm_orders.push(o.id.to_string());
        }
        batch.push(Change {
            change_id: uuid::Uuid::now_v7(),
            entity: EntityKind::WorkOrder,
            entity_id: o.id.to_string(),
            operation: Operation::Create,
            fields: serde_json::to_value(&o)
                .unwrap()
                .as_object()
                .cloned()
                .unwrap(),
            base_versions: Default::default(),
            hlc: clock.tick(Utc::now()),
            officer_id: officer,
            device_id: device,
            made_at: Utc::now(),
        });
        if batch.len() == 500 || n + 1 == ORDERS {
            let body = json!({ "protocol": 1, "device_id": device, "changes": batch });
            let (status, _, reply) = http(
                addr,
                "POST",
                "/v1/push",
                &[
                    ("Content-Type", "application/json".into()),
                    ("Authorization", format!("Bearer {token}")),
                ],
                &serde_json::to_vec(&body).unwrap(),
            )
            .await
            .unwrap();
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
            batch.clear();
        }
    }
    // Referrals go through the real push, so the hub delivers each one as it arrives.
    let mut referrals = Vec::new();
    for n in 0..REFERRALS {
        for (entity, id, fields) in referral_records(officer, n) {
            if entity == EntityKind::Referral {
                referrals.push(id.clone());
            }
            batch.push(Change {
                change_id: uuid::Uuid::now_v7(),
                entity,
                entity_id: id,
                operation: Operation::Create,
                fields: fields.as_object().cloned().unwrap(),
                base_versions: Default::default(),
                hlc: clock.tick(Utc::now()),
                officer_id: officer,
                device_id: device,
                made_at: Utc::now(),
            });
        }
        if batch.len() >= 498 || n + 1 == REFERRALS {
            let body = json!({ "protocol": 1, "device_id": device, "changes": batch });
            let (status, _, reply) = http(
                addr,
                "POST",
                "/v1/push",
                &[
                    ("Content-Type", "application/json".into()),
                    ("Authorization", format!("Bearer {token}")),
                ],
                &serde_json::to_vec(&body).unwrap(),
            )
            .await
            .unwrap();
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
            batch.clear();
        }
    }
    stop.abort();
    Seeded {
        store,
        state,
        firm_orders,
        referrals,
    }
}

async fn serve(state: AppState) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        doorstep_hub::serve(listener, state, std::future::pending())
            .await
            .unwrap();
    });
    (addr, task)
}

/// The path of a measure's `i`th request.
type PathOf<'a> = Box<dyn Fn(usize) -> String + 'a>;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank: small enough counts never overflow a float.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn row(backend: &str, measure: &str, mut times: Vec<Duration>, errors: usize) {
    times.sort();
    println!(
        "| {backend} | {measure} | {} | {} | {} | {} | {errors} |",
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 95.0)),
        ms(percentile(&times, 99.0)),
        times.len()
    );
}

async fn run(backend: &str, url: &str) {
    let started = Instant::now();
    let seeded = seed(url).await;
    let stats = seeded.store.stats().await.unwrap();
    eprintln!(
        "{backend}: {} records seeded in {:.1} s",
        stats.records,
        started.elapsed().as_secs_f64()
    );

    // In-process: the router called directly, as the server calls it for each request.
    let (addr, server) = serve(seeded.state.clone()).await;
    let cookie = sign_in(addr, "fitter0@bench.example").await.unwrap();
    let router = doorstep_hub::router(seeded.state.clone());
    let peer: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let page = |path: String| {
        let router = router.clone();
        let cookie = cookie.clone();
        async move {
            let request = Request::builder()
                .uri(path)
                .header(header::HOST, "127.0.0.1:7070")
                .header(header::COOKIE, cookie)
                .extension(ConnectInfo(peer))
                .body(Body::empty())
                .unwrap();
            let start = Instant::now();
            let response = router.oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (start.elapsed(), status, bytes.len())
        }
    };
    let measures: Vec<(&str, PathOf<'_>)> = vec![
        (
            "list, first page",
            Box::new(|_| "/portal/orders".to_owned()),
        ),
        (
            "list, a status, page 40",
            Box::new(|_| "/portal/orders?status=new&page=40".to_owned()),
        ),
        (
            "order detail",
            Box::new(|i| {
                format!(
                    "/portal/orders/{}",
                    seeded.firm_orders[(i * 37) % FIRM_ORDERS]
                )
            }),
        ),
        (
            "decline form",
            Box::new(|i| {
                format!(
                    "/portal/orders/{}/decline",
                    seeded.firm_orders[(i * 53) % FIRM_ORDERS]
                )
            }),
        ),
    ];
    for (name, path) in &measures {
        for i in 0..20 {
            page(path(i)).await;
        }
        let mut times = Vec::with_capacity(SAMPLES);
        let mut errors = 0;
        for i in 0..SAMPLES {
            let (took, status, _) = page(path(i)).await;
            if status != 200 {
                errors += 1;
            }
            times.push(took);
        }
        row(
            backend,
            &format!("in-process render: {name}"),
            times,
            errors,
        );
    }
    // The agencies' inbox, as the fire service's crew manager sees it.
    let crew = sign_in(addr, "crew0@bench.example").await.unwrap();
    let inbox = |path: String| {
        let router = router.clone();
        let cookie = crew.clone();
        async move {
            let request = Request::builder()
                .uri(path)
                .header(header::HOST, "127.0.0.1:7070")
                .header(header::COOKIE, cookie)
                .extension(ConnectInfo(peer))
                .body(Body::empty())
                .unwrap();
            let start = Instant::now();
            let response = router.oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (start.elapsed(), status)
        }
    };
    let inbox_measures: Vec<(&str, PathOf<'_>)> = vec![
        (
            "inbox (10,000 referrals), first page",
            Box::new(|_| "/portal/referrals".to_owned()),
        ),
        (
            "inbox, a status, page 200",
            Box::new(|_| "/portal/referrals?status=sent&page=200".to_owned()),
        ),
        (
            "referral page",
            Box::new(|i| {
                format!(
                    "/portal/referrals/{}",
                    seeded.referrals[(i * 37) % REFERRALS]
                )
            }),
        ),
    ];
    for (name, path) in &inbox_measures {
        for i in 0..20 {
            inbox(path(i)).await;
        }
        let mut times = Vec::with_capacity(SAMPLES);
        let mut errors = 0;
        for i in 0..SAMPLES {
            let (took, status) = inbox(path(i)).await;
            if status != 200 {
                errors += 1;
            }
            times.push(took);
        }
        row(
            backend,
            &format!("in-process render: {name}"),
            times,
            errors,
        );
    }
    let mut times = Vec::new();
    let mut errors = 0;
    for i in 0..50 {
        let (took, status, len) = page(format!(
            "/portal/orders/{}/work-order.pdf",
            seeded.firm_orders[i * 11]
        ))
        .await;
        if status != 200 || len < 1000 {
            errors += 1;
        }
        times.push(took);
    }
    row(backend, "in-process: work order PDF", times, errors);

    // 50 sessions at once over loopback: each signs in, then lists, opens orders, accepts
    // one of its own and books it, with no pause between requests.
    let load_started = Instant::now();
    let mut tasks = Vec::new();
    for s in 0..SESSIONS {
        let order = seeded.firm_orders[FIRM_ORDERS - 1 - s].clone();
        let browse: Vec<String> = (0..REQUESTS_PER_SESSION)
            .map(|i| seeded.firm_orders[(s * 131 + i * 17) % FIRM_ORDERS].clone())
            .collect();
        tasks.push(tokio::spawn(async move {
            session(addr, s, &order, &browse).await
        }));
    }
    let mut times = Vec::new();
    let mut errors = 0;
    for task in tasks {
        match task.await {
            Ok((t, e)) => {
                times.extend(t);
                errors += e;
            }
            Err(_) => errors += 1,
        }
    }
    let elapsed = load_started.elapsed();
    let requests = times.len();
    row(
        backend,
        &format!("{SESSIONS} sessions at once, loopback (sign-in excluded)"),
        times,
        errors,
    );
    #[allow(clippy::cast_precision_loss)]
    let rate = requests as f64 / elapsed.as_secs_f64();
    eprintln!(
        "{backend}: {requests} requests by {SESSIONS} sessions in {:.2} s ({rate:.0}/s), {errors} errors",
        elapsed.as_secs_f64()
    );
    server.abort();
}

/// One contractor's session; the time of each request after sign-in, and the errors.
async fn session(
    addr: SocketAddr,
    n: usize,
    own: &str,
    browse: &[String],
) -> (Vec<Duration>, usize) {
    let mut times = Vec::new();
    let mut errors = 0;
    let cookie = match sign_in(addr, &format!("fitter{n}@bench.example")).await {
        Ok(cookie) => cookie,
        Err(e) => {
            eprintln!("session {n}: {e}");
            return (times, 1);
        }
    };
    let mut timed = async |method: &str, path: &str, body: Option<String>, want: u16| {
        let mut headers = vec![("Cookie", cookie.clone())];
        if body.is_some() {
            headers.push((
                "Content-Type",
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        let start = Instant::now();
        let answer = http(
            addr,
            method,
            path,
            &headers,
            body.unwrap_or_default().as_bytes(),
        )
        .await;
        times.push(start.elapsed());
        match answer {
            Ok((status, _, body)) if status == want => Some(body),
            Ok((status, _, _)) => {
                eprintln!("session {n}: {method} {path} answered {status}");
                errors += 1;
                None
            }
            Err(e) => {
                eprintln!("session {n}: {method} {path}: {e}");
                errors += 1;
                None
            }
        }
    };
    for (i, id) in browse.iter().enumerate() {
        let path = if i % 4 == 0 {
            format!("/portal/orders?page={}", i + 1)
        } else {
            format!("/portal/orders/{id}")
        };
        timed("GET", &path, None, 200).await;
    }
    let Some(page) = timed("GET", &format!("/portal/orders/{own}"), None, 200).await else {
        return (times, errors);
    };
    let (Some(csrf), Some(seq)) = (hidden(&page, "csrf"), hidden(&page, "seq")) else {
        return (times, errors + 1);
    };
    timed(
        "POST",
        &format!("/portal/orders/{own}/accept"),
        Some(format!("csrf={csrf}&seq={seq}")),
        303,
    )
    .await;
    let Some(form) = timed(
        "GET",
        &format!("/portal/orders/{own}/appointment"),
        None,
        200,
    )
    .await
    else {
        return (times, errors);
    };
    let seq = hidden(&form, "seq").unwrap_or_default();
    let day = Utc::now().date_naive() + Days::new(7);
    timed(
        "POST",
        &format!("/portal/orders/{own}/appointment"),
        Some(format!(
            "csrf={csrf}&seq={seq}&day={}&month={}&year={}",
            day.format("%-d"),
            day.format("%-m"),
            day.format("%Y")
        )),
        303,
    )
    .await;
    (times, errors)
}

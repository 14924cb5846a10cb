//! The firms' side of a plan: approved plans' work orders go to a real hub, the firms
//! report through the hub's contractor portal (its own step planning and merge, without the
//! web forms), and the laptop's sync brings the news back and settles the plans. Then the
//! supervisor's approvals list some months on, with cocoons.

use chrono::{DateTime, Duration, Utc};
use doorstep_core::work_order::ContractorStep;
use doorstep_core::{OfficerId, Role};
use doorstep_hub::model::AuditEntry;
use doorstep_hub::portal::admin;
use doorstep_hub::portal::orders::{Actor, plan_step};
use doorstep_hub::portal::store::StepRequest;
use doorstep_hub::{AppState, Clock, HubConfig, SharedStore, secret};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::recorder::{Recorder, Recording, anchor};
use super::{
    SIGNATURE_PNG, SUPERVISOR, SUPERVISOR_PASSPHRASE, answer, boot, household, id, set_up,
    survey_answers, yes_no,
};

/// What the recordings call the hub, whatever port it had.
const HUB_URL: &str = "https://hub.eastwick-vale.example";

/// The council's firms, as in `assets/contractors.toml`: each has a portal account.
const FIRMS: [(&str, &str); 5] = [
    ("demo_handyfolk", "Demo Handyfolk CIC"),
    ("quillon_locks", "Quillon Locks Ltd"),
    ("eastwick_glazing", "Eastwick Glass and Glazing"),
    ("vale_electrical", "Vale Electrical and Security"),
    ("sampleton_joinery", "Sampleton Joinery and Fencing"),
];

/// A hub on a loopback port over a SQLite file, with its clock set near the recordings'
/// (a laptop's changes may not be ahead of the hub's clock).
struct Hub {
    url: String,
    store: SharedStore,
    team: String,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Hub {
    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("hub folder");
        let db = format!("sqlite:{}", dir.path().join("hub.db").display());
        let store = doorstep_hub::open(&db)
            .await
            .expect("the hub's store opens");
        let clock = Clock::system();
        clock.advance((anchor() + Duration::hours(6)).timestamp_millis() - clock.now_ms());
        let now = clock.now_ms();
        store
            .create_org("Eastwick Vale Council", now)
            .await
            .expect("organisation");
        let team = store
            .add_team("Eastwick Vale Council", "Home security", now)
            .await
            .expect("team");
        let portal = store.portal().expect("the SQLite hub has the portal");
        for (firm, name) in FIRMS {
            admin::add_firm(&portal, firm, name, now)
                .await
                .expect("firm");
        }
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let state = AppState::with_clock(store.clone(), HubConfig::default(), clock);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            doorstep_hub::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("the hub serves");
        });
        Self {
            url,
            store,
            team,
            _dir: dir,
            shutdown: Some(tx),
        }
    }

    /// A hub account for `name` and a one-time code to enrol a laptop with.
    async fn enrolment_code(&self, name: &str, role: Role) -> String {
        let now = anchor().timestamp_millis();
        self.store
            .add_user(&self.team, name, role, now)
            .await
            .expect("hub user");
        let code = secret::new_enrolment_code().expect("a code");
        self.store
            .add_enrolment_code(name, &secret::code_digest(&code), now, i64::MAX / 2)
            .await
            .expect("enrolment code");
        code
    }

    /// A fitter of `firm`, with a portal account.
    async fn fitter(&self, firm: &str) -> OfficerId {
        let portal = self.store.portal().expect("portal");
        let user = admin::add_firm_user(
            &portal,
            firm,
            &format!("fitter@{}.example", firm.replace('_', "-")),
            "Fran Fitter",
            None,
            anchor().timestamp_millis(),
        )
        .await
        .expect("firm user");
        user.id.parse().expect("a user id")
    }

    /// The fitter takes `step` on the order through the portal's own planning and writing,
    /// as the portal's form would at `at`.
    async fn step(
        &self,
        firm: &str,
        fitter: OfficerId,
        order: &str,
        step: ContractorStep,
        at: DateTime<Utc>,
    ) {
        let portal = self.store.portal().expect("portal");
        let stored = portal
            .order(firm, order)
            .await
            .expect("read the order")
            .unwrap_or_else(|| panic!("the hub has no order {order} for {firm}"));
        let actor = Actor {
            user: fitter,
            hub_device: self.store.hub_identity().device_id,
        };
        let firm_id = firm.to_owned();
        let label = step.label();
        let request = StepRequest {
            firm_id: firm.to_owned(),
            order_id: order.to_owned(),
            seen_seq: stored.updated_seq,
            plan: Box::new(move |stored, hub_last| {
                plan_step(stored, &firm_id, step, actor, hub_last, at)
            }),
            photo: None,
            audit: AuditEntry {
                at: at.timestamp_millis(),
                user_id: Some(fitter.to_string()),
                device_id: None,
                action: "portal.write".into(),
                entity: Some("work_order".into()),
                entity_id: Some(order.to_owned()),
                outcome: label.into(),
            },
            now: at.timestamp_millis(),
        };
        portal
            .take_step(request)
            .await
            .expect("the hub's store")
            .unwrap_or_else(|refusal| panic!("the portal refused the step: {refusal}"));
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A plan drafted from the usual burglary survey at `line_1` (with `more` answers),
/// changed by `edits`, and agreed by the resident.
async fn agreed_plan(
    rec: &mut Recorder,
    line_1: &str,
    postcode: &str,
    more: Vec<(&str, Value)>,
    edits: &[Value],
) -> (String, String) {
    let (household, _) = household(rec, line_1, postcode).await;
    let page = rec
        .quietly(
            "start_survey",
            json!({ "householdId": household, "visitId": null }),
        )
        .await;
    let survey = id(&page, "/state/survey/id");
    let mut answers = survey_answers();
    answers.extend(more);
    answer(rec, &survey, answers, false).await;
    let plan = id(
        &rec.quietly("draft_plan", json!({ "surveyId": survey }))
            .await,
        "/plan/id",
    );
    for edit in edits {
        rec.quietly("edit_plan", json!({ "id": plan, "edit": edit }))
            .await;
    }
    rec.quietly(
        "agree_plan",
        json!({ "id": plan, "residentName": "Edith Sampleton", "signaturePngBase64": SIGNATURE_PNG, "disclaimerVersion": "2026-01" }),
    )
    .await;
    (household, plan)
}

/// Two streets of the council's gazetteer, so a cocoon finds a burgled home's neighbours:
/// Fenwick Road (UPRNs 9900000001nn) and Gorse Lane (9900000002nn), houses 1 to 12.
fn gazetteer_csv() -> String {
    let mut csv = String::from(
        "uprn,address_line_1,address_line_2,address_line_3,town,postcode,easting,northing\n",
    );
    for (street, block, postcode, east) in [
        ("Fenwick Road", 100, "ZY4 7HY", 452_000),
        ("Gorse Lane", 200, "ZY4 7HZ", 453_000),
    ] {
        for n in 1..=12 {
            csv.push_str(&format!(
                "9900000{:05},{n} {street},,,Eastwick Vale,{postcode},{},{}\n",
                block + n,
                east + n * 10,
                351_000 + (n % 2) * 20,
            ));
        }
    }
    csv
}

/// The household at a gazetteer address (UPRN `uprn`), the gazetteer loaded the first time.
async fn gazetteer_home(rec: &mut Recorder, uprn: &str) -> String {
    let path = rec.document("gazetteer.csv");
    if !std::path::Path::new(&path).exists() {
        std::fs::write(&path, gazetteer_csv()).expect("write the gazetteer");
        rec.quietly("import_gazetteer", json!({ "path": path }))
            .await;
    }
    let h = rec
        .quietly("create_household_from_gazetteer", json!({ "uprn": uprn }))
        .await;
    id(&h, "/id")
}

/// The orders approving the plan raised: each order's id, firm and items' measures.
fn orders(page: &Value) -> Vec<(String, String, Vec<String>)> {
    page.pointer("/work_orders/orders")
        .and_then(Value::as_array)
        .expect("the approval raised work orders")
        .iter()
        .map(|o| {
            let name = o.get("firm_name").and_then(Value::as_str).unwrap_or("");
            let firm = FIRMS
                .iter()
                .find(|(_, n)| *n == name)
                .unwrap_or_else(|| panic!("no firm called {name}"))
                .0;
            let items = o
                .get("items")
                .and_then(Value::as_array)
                .map(|items| items.iter().map(|i| id(i, "/measure_id")).collect())
                .unwrap_or_default();
            (id(o, "/id"), firm.to_owned(), items)
        })
        .collect()
}

async fn approve(rec: &mut Recorder, plan: &str) -> Vec<(String, String, Vec<String>)> {
    let page = rec
        .quietly(
            "edit_plan",
            json!({ "id": plan, "edit": {
                "edit": "approve", "over_cap_reason": null, "firm_choices": { "by_measure": {} },
                "contact": null, "access_notes": [],
            } }),
        )
        .await;
    orders(&page)
}

/// Three approved plans whose firms report through the hub: one partly fitted (a cylinder
/// fitted, window locks not), one declined, one fitted in full. Then, months on, the
/// supervisor's approvals: a plan waiting (over the cap), the fitted plan's follow-up
/// overdue, and cocoons (one closed, one overdue).
pub(super) async fn firm_reports() -> Recording {
    let hub = Hub::start().await;
    let mut rec = Recorder::new();
    rec.hide(&hub.url, HUB_URL);
    // The officer drafts and the resident agrees; a supervisor approves (not the person
    // who drafted), and stays signed in to see the approvals.
    set_up(&mut rec).await;
    // Bins to climb on: the officer hands over security advice, on no work order.
    let bins = vec![("climbing_aids", yes_no("yes"))];
    let (_, partly) = agreed_plan(&mut rec, "12 Acacia Avenue", "ZY4 7HT", bins, &[]).await;
    let (_, declined) = agreed_plan(&mut rec, "4 Beech Close", "ZY4 7HU", vec![], &[]).await;
    let (_, fitted) = agreed_plan(&mut rec, "9 Dale Road", "ZY4 7HW", vec![], &[]).await;
    // Waiting for approval, over the cap: a new doorset on top.
    let doorset = json!({ "edit": "add_measure", "measure_id": "pas24_doorset", "quantity": 1, "applies_to": ["doors[0]"] });
    agreed_plan(&mut rec, "2 Elm Grove", "ZY4 7HX", vec![], &[doorset]).await;
    rec.quietly("lock", json!({})).await;
    rec.quietly("unlock", json!({ "passphrase": SUPERVISOR_PASSPHRASE }))
        .await;
    let partly_orders = approve(&mut rec, &partly).await;
    let declined_orders = approve(&mut rec, &declined).await;
    let fitted_orders = approve(&mut rec, &fitted).await;
    boot(&mut rec).await;

    // The laptop joins the hub and sends the orders.
    let code = hub.enrolment_code(SUPERVISOR, Role::Supervisor).await;
    rec.quietly("hub_enrol", json!({ "hubUrl": hub.url, "code": code }))
        .await;
    rec.quietly("sync_now", json!({})).await;
    rec.mark("ordered");
    rec.ok("get_plan", json!({ "id": fitted })).await;
    rec.ok("get_plan", json!({ "id": partly })).await;
    // The screens never send these: they only end the state above, as the sync that
    // follows runs in the background.
    rec.ok("lock", json!({})).await;
    rec.ok("unlock", json!({ "passphrase": SUPERVISOR_PASSPHRASE }))
        .await;

    // Two days on, the firms report.
    let at = anchor() + Duration::days(2) + Duration::hours(2);
    let booked = (anchor() + Duration::days(9)).date_naive();
    let mut fitters = std::collections::BTreeMap::new();
    for (firm, _) in FIRMS {
        fitters.insert(firm, hub.fitter(firm).await);
    }
    for (order, firm, items) in &partly_orders {
        let fitter = fitters[firm.as_str()];
        hub.step(firm, fitter, order, ContractorStep::Accept, at)
            .await;
        hub.step(
            firm,
            fitter,
            order,
            ContractorStep::Schedule { date: booked },
            at,
        )
        .await;
        for measure in items {
            let step = if measure == "window_lock" {
                ContractorStep::MarkNotFitted {
                    measure_id: measure.clone(),
                    reason: "Frames too narrow".into(),
                }
            } else {
                ContractorStep::MarkFitted {
                    measure_id: measure.clone(),
                    product_standard: "TS007 3*".into(),
                    photo_sha256: None,
                }
            };
            hub.step(firm, fitter, order, step, at + Duration::days(7))
                .await;
        }
    }
    for (order, firm, _) in &declined_orders {
        let reason = "No locksmith free this month".into();
        hub.step(
            firm,
            fitters[firm.as_str()],
            order,
            ContractorStep::Decline { reason },
            at,
        )
        .await;
    }
    for (order, firm, items) in &fitted_orders {
        hub.step(
            firm,
            fitters[firm.as_str()],
            order,
            ContractorStep::Accept,
            at,
        )
        .await;
        for measure in items {
            let step = ContractorStep::MarkFitted {
                measure_id: measure.clone(),
                product_standard: "TS007 3*".into(),
                photo_sha256: None,
            };
            hub.step(firm, fitters[firm.as_str()], order, step, at)
                .await;
        }
    }
    rec.days_pass(9);
    rec.quietly("sync_now", json!({})).await;
    rec.mark("reported");
    rec.ok("app_status", json!({})).await;
    rec.ok("get_plan", json!({ "id": fitted })).await;
    rec.ok("get_plan", json!({ "id": partly })).await;
    rec.ok("get_plan", json!({ "id": declined })).await;

    // Months on: the follow-up is overdue, and two cocoons were opened, the first long
    // enough ago to be closed.
    rec.days_pass(60);
    let old_cocoon = gazetteer_home(&mut rec, "990000000104").await;
    rec.ok("open_cocoon", json!({ "householdId": old_cocoon }))
        .await;
    rec.days_pass(30);
    let new_cocoon = gazetteer_home(&mut rec, "990000000204").await;
    rec.ok("open_cocoon", json!({ "householdId": new_cocoon }))
        .await;
    rec.days_pass(10);
    rec.mark("months on");
    rec.ok("app_status", json!({})).await;
    rec.ok("get_plan", json!({ "id": declined })).await;
    rec.ok("plans_with_status", json!({ "status": "agreed" }))
        .await;
    rec.ok("plans_with_status", json!({ "status": "fitted" }))
        .await;
    rec.ok("cocoons", json!({ "householdId": null })).await;
    drop(hub);
    rec.finish(
        "firm-reports",
        "Work orders through a real hub: three plans approved on a supervisor's laptop and \
         synced; the firms report in the contractor portal (one order partly fitted, one \
         declined, one plan fitted in full); the laptop syncs and settles the fitted plan. \
         Then, months on, the approvals: a plan waiting over the cap, the follow-up overdue \
         and two cocoons (one closed, one overdue).",
        Vec::new(),
    )
}

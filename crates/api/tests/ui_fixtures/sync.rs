//! The sync screens' scenario: a real hub (embedded SQLite, in this process, on a loopback
//! port) and the laptop the recorder drives, enrolled with it; a second laptop for a
//! colleague's edits, and the hub administrator's own functions for what only they do
//! (codes, moving a household to another team, revoking a laptop).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use doorstep_api::events::NoEvents;
use doorstep_api::sync::SyncService;
use doorstep_api::{Api, dispatch};
use doorstep_core::Role;
use doorstep_hub::{AppState, HubConfig, SharedStore, secret};
use doorstep_store::KdfParams;
use serde_json::{Value, json};
use tempfile::TempDir;

use super::recorder::{Recorder, Recording};
use super::{
    OFFICER_PASSPHRASE, SUPERVISOR, SUPERVISOR_PASSPHRASE, boot, household_draft, id, person_draft,
    set_up, yes_no,
};

const ORGANISATION: &str = "Eastwick Vale District Council";
/// What the recording calls the hub's loopback address (its port changes every run).
const HUB_URL: &str = "https://hub.eastwick-vale.example";
/// What it calls a loopback port nothing listens on.
const OFFLINE_URL: &str = "https://hub.eastwick-vale-offline.example";
/// The supervisor's code, which enrols the recorded laptop.
const CODE: &str = "K7M2Q-9XRTA-4HWZC";
/// A code another laptop has already spent.
const USED_CODE: &str = "P3VNC-8WQLD-2JHTF";
/// A colleague's code, for the second laptop.
const COLLEAGUE_CODE: &str = "R6TBX-4KMWP-7ZQDN";
const COLLEAGUE: &str = "Priya Lakeman";
const COLLEAGUE_PASSPHRASE: &str = "harbour quince lantern meadow";

/// A hub on its own runtime, so it serves while the recorder's runtime waits on a command.
struct Hub {
    runtime: Option<tokio::runtime::Runtime>,
    store: SharedStore,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: TempDir,
}

impl Hub {
    async fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("the hub's runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite:{}", dir.path().join("hub.db").display());
        let store = runtime
            .spawn(async move { doorstep_hub::open(&url).await.expect("the hub's store") })
            .await
            .expect("the hub's store opens");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let mut hub = Self {
            runtime: Some(runtime),
            store,
            addr,
            shutdown: None,
            _dir: dir,
        };
        hub.serve(listener);
        hub
    }

    fn serve(&mut self, listener: std::net::TcpListener) {
        listener.set_nonblocking(true).expect("non-blocking");
        let state = AppState::new(self.store.clone(), HubConfig::default());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        self.runtime().spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            doorstep_hub::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("the hub serves");
        });
        self.shutdown = Some(tx);
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("the hub's runtime")
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Runs an administrator's function on the hub's store.
    async fn admin<T: Send + 'static, F: Future<Output = T> + Send + 'static>(
        &self,
        f: impl FnOnce(SharedStore) -> F,
    ) -> T {
        self.runtime()
            .spawn(f(self.store.clone()))
            .await
            .expect("the admin function ran")
    }

    /// Adds a hub user in `team` with the one-time code `code`, issued now; the user's id.
    async fn user(&self, team: &str, name: &str, role: Role, code: &str) -> String {
        let now = doorstep_core::clock::now().timestamp_millis();
        let (team, name, digest) = (team.to_owned(), name.to_owned(), secret::code_digest(code));
        self.admin(move |store| async move {
            let user = store
                .add_user(&team, &name, role, now)
                .await
                .expect("a hub user");
            store
                .add_enrolment_code(&name, &digest, now, now + 86_400_000)
                .await
                .expect("an enrolment code");
            user
        })
        .await
    }

    /// Stops serving; the port is closed until something else listens on it.
    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Until the listener is gone, a connection could still reach the hub.
        for _ in 0..50 {
            if std::net::TcpListener::bind(self.addr).is_ok() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the hub did not let go of {}", self.addr);
    }

    /// Something on the hub's port that answers every request 404 Not Found: a hub that
    /// refuses what it is sent, not one that cannot be reached.
    fn refuse_everything(&self) -> tokio::sync::oneshot::Sender<()> {
        let listener = std::net::TcpListener::bind(self.addr).expect("the hub's port again");
        listener.set_nonblocking(true).expect("non-blocking");
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        self.runtime().spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            loop {
                tokio::select! {
                    _ = &mut rx => return,
                    accepted = listener.accept() => {
                        let Ok((mut socket, _)) = accepted else { continue };
                        tokio::spawn(async move {
                            let mut request = vec![0u8; 64 * 1024];
                            let _ = socket.read(&mut request).await;
                            let _ = socket
                                .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                                .await;
                            let _ = socket.shutdown().await;
                        });
                    }
                }
            }
        });
        tx
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A colleague's laptop: the same commands on a data folder of its own, not recorded.
struct Laptop {
    api: Arc<Api>,
    _dir: TempDir,
}

impl Laptop {
    async fn enrolled(name: &str, passphrase: &str, hub_url: &str, code: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut api = Api::open(
            dir.path(),
            KdfParams::INSECURE_FOR_TESTS,
            Box::new(NoEvents),
        )
        .expect("the colleague's app opens");
        api.sync = SyncService::predictable();
        let laptop = Self {
            api: Arc::new(api),
            _dir: dir,
        };
        laptop
            .call(
                "set_up",
                json!({ "officerName": name, "role": "officer", "passphrase": passphrase }),
            )
            .await;
        laptop
            .call("hub_enrol", json!({ "hubUrl": hub_url, "code": code }))
            .await;
        laptop
    }

    async fn call(&self, command: &str, args: Value) -> Value {
        dispatch::dispatch(&self.api, command, args)
            .await
            .unwrap_or_else(|e| panic!("the colleague's {command} should succeed: {e:?}"))
    }
}

/// Locks the laptop and unlocks it as someone else. Recorded: the stub answers a read
/// with what was read before the next change, so who is signed in must be one.
async fn sign_in(rec: &mut Recorder, passphrase: &str) {
    rec.ok("lock", json!({})).await;
    rec.ok("unlock", json!({ "passphrase": passphrase })).await;
}

/// What the Sync screen reads.
async fn sync_screen(rec: &mut Recorder) {
    rec.ok("sync_status", json!({})).await;
    rec.ok("set_aside_changes", json!({})).await;
}

/// A household with one resident, made on this laptop without the screens.
async fn quiet_household(rec: &mut Recorder, line_1: &str, postcode: &str) -> String {
    let h = rec
        .quietly(
            "create_household",
            json!({ "draft": household_draft(line_1, postcode) }),
        )
        .await;
    let household = id(&h, "/id");
    rec.quietly(
        "add_person",
        json!({ "draft": person_draft(&household, "Edith Sampleton", "1941-02-03") }),
    )
    .await;
    household
}

/// One laptop's story, in order, each part marked for the tests that start there. Not
/// branches: a branch's copy of the data would spend the same refresh token again, which
/// the hub takes for a stolen one.
pub(super) async fn sync_scenario() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;

    let mut hub = Hub::start().await;
    let org = ORGANISATION.to_owned();
    let now = doorstep_core::clock::now().timestamp_millis();
    let (north, south) = hub
        .admin(move |store| async move {
            store.create_org(&org, now).await.expect("the council");
            let north = store.add_team(&org, "North", now).await.expect("a team");
            let south = store.add_team(&org, "South", now).await.expect("a team");
            (north, south)
        })
        .await;
    let supervisor_id = hub.user(&north, SUPERVISOR, Role::Supervisor, CODE).await;
    hub.user(&north, "Jordan Fairweather", Role::Officer, USED_CODE)
        .await;
    hub.user(&north, COLLEAGUE, Role::Officer, COLLEAGUE_CODE)
        .await;
    let offline = {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        format!("http://{}", closed.local_addr().expect("its address"))
    };
    rec.hide(&hub.url(), HUB_URL);
    rec.hide(&offline, OFFLINE_URL);
    // Someone else's laptop spent this code.
    drop(
        Laptop::enrolled(
            "Jordan Fairweather",
            COLLEAGUE_PASSPHRASE,
            &hub.url(),
            USED_CODE,
        )
        .await,
    );

    rec.mark("not enrolled");
    boot(&mut rec).await;
    rec.ok("visits_for_day", json!({ "date": "2026-03-05" }))
        .await;
    sync_screen(&mut rec).await;
    let enrol = |url: &str, code: &str| json!({ "hubUrl": url, "code": code });
    rec.refused("hub_enrol", enrol("", "")).await;
    rec.refused("hub_enrol", enrol("", "doorstep-enrol:?code=K7M2Q"))
        .await;
    // Scanned from the console's QR code into the code box: the address comes with it.
    let qr = |hub_url: &str| {
        doorstep_core::enrolment::Enrolment {
            hub_url: hub_url.to_owned(),
            code: USED_CODE.to_owned(),
        }
        .to_qr_text()
    };
    rec.hide(&qr(&hub.url()), &qr(HUB_URL));
    rec.refused("hub_enrol", enrol("", &qr(&hub.url()))).await;
    rec.refused("hub_enrol", enrol("http://hub.example", CODE))
        .await;
    rec.refused("hub_enrol", enrol(&hub.url(), "ABC")).await;
    rec.refused("hub_enrol", enrol(&hub.url(), USED_CODE)).await;
    rec.refused("hub_enrol", enrol(&offline, CODE)).await;
    rec.mark("enrol");
    rec.ok("hub_enrol", enrol(&format!("{}/", hub.url()), CODE))
        .await;
    rec.ok("sync_status", json!({})).await;

    // Work done since: a household that will move to another team, and one whose survey
    // two people will answer differently.
    let moving = quiet_household(&mut rec, "7 Beech Close", "ZY18 9ZB").await;
    let kept = quiet_household(&mut rec, "12 Acacia Avenue", "ZY18 9ZA").await;
    let page = rec
        .quietly(
            "start_survey",
            json!({ "householdId": kept, "visitId": null }),
        )
        .await;
    let survey = id(&page, "/state/survey/id");
    rec.mark("waiting");
    sync_screen(&mut rec).await;
    rec.mark("sync now");
    rec.ok("sync_now", json!({})).await;
    rec.mark("synced");
    sync_screen(&mut rec).await;
    // For the search box's own tests: two streets, each with a household.
    rec.ok("search", json!({ "query": "Acacia" })).await;
    rec.ok("search", json!({ "query": "Beech" })).await;

    // Locked, then unlocked: the status is read again.
    rec.ok("lock", json!({})).await;
    rec.mark("locked");
    rec.ok("app_status", json!({})).await;
    rec.ok("unlock", json!({ "passphrase": OFFICER_PASSPHRASE }))
        .await;
    rec.ok("app_status", json!({})).await;
    rec.ok("sync_status", json!({})).await;

    // Set aside: the officer corrects the household and the supervisor adds a resident,
    // offline, while an administrator moves it to the South team.
    let mut draft = household_draft("7 Beech Close", "ZY18 9ZB");
    draft["address_line_2"] = json!("Flat 1");
    rec.quietly("update_household", json!({ "id": moving, "draft": draft }))
        .await;
    sign_in(&mut rec, SUPERVISOR_PASSPHRASE).await;
    rec.quietly(
        "add_person",
        json!({ "draft": person_draft(&moving, "Noor Kindlewood", "1988-06-12") }),
    )
    .await;
    sign_in(&mut rec, OFFICER_PASSPHRASE).await;
    let (household_id, team) = (moving.clone(), south.clone());
    let now = doorstep_core::clock::now().timestamp_millis();
    hub.admin(move |store| async move {
        doorstep_hub::admin::transfer_household(&store, None, &household_id, &team, now)
            .await
            .expect("the household moves to South")
    })
    .await;
    rec.mark("set aside");
    rec.ok("sync_now", json!({})).await;
    sync_screen(&mut rec).await;
    sign_in(&mut rec, SUPERVISOR_PASSPHRASE).await;
    rec.mark("set aside: supervisor");
    rec.ok("app_status", json!({})).await;
    sync_screen(&mut rec).await;
    sign_in(&mut rec, OFFICER_PASSPHRASE).await;
    rec.mark("set aside: officer");
    rec.ok("app_status", json!({})).await;
    sync_screen(&mut rec).await;
    let views = rec.ok("set_aside_changes", json!({})).await;
    let mine = id(&views, "/0/id");
    rec.ok("discard_set_aside_change", json!({ "id": mine }))
        .await;
    sync_screen(&mut rec).await;
    sign_in(&mut rec, SUPERVISOR_PASSPHRASE).await;
    rec.mark("set aside: supervisor after");
    rec.ok("app_status", json!({})).await;
    sync_screen(&mut rec).await;
    sign_in(&mut rec, OFFICER_PASSPHRASE).await;

    // A conflict: a colleague and this laptop answer the same two guarded questions
    // differently; the colleague's answers reach the hub first.
    let colleague =
        Laptop::enrolled(COLLEAGUE, COLLEAGUE_PASSPHRASE, &hub.url(), COLLEAGUE_CODE).await;
    colleague.call("sync_now", json!({})).await;
    // One question at a time: the colleague's answer reaches the hub, then this laptop's,
    // made before it heard of the colleague's. So the conflicts are raised minutes apart
    // and always listed in the same order (newest first).
    for (item, theirs, ours) in [
        ("disability_or_mobility", "no", "yes"),
        ("da_concern", "yes", "no"),
    ] {
        colleague
            .call(
                "save_answer",
                json!({ "surveyId": survey, "item": item, "value": yes_no(theirs) }),
            )
            .await;
        colleague.call("sync_now", json!({})).await;
        rec.quietly(
            "save_answer",
            json!({ "surveyId": survey, "item": item, "value": yes_no(ours) }),
        )
        .await;
        rec.quietly("sync_now", json!({})).await;
    }
    sign_in(&mut rec, SUPERVISOR_PASSPHRASE).await;
    rec.mark("conflicts");
    rec.ok("app_status", json!({})).await;
    sync_screen(&mut rec).await;
    let conflicts = rec.ok("conflicts", json!({})).await;
    let first = id(&conflicts, "/0/id");
    rec.mark("decide");
    rec.ok(
        "resolve_conflict",
        json!({ "id": first, "choice": "take_other" }),
    )
    .await;
    rec.ok("sync_status", json!({})).await;
    let conflicts = rec.ok("conflicts", json!({})).await;
    let second = conflicts
        .as_array()
        .and_then(|list| list.iter().find(|c| c["decision"].is_null()))
        .map(|c| id(c, "/id"))
        .unwrap_or_else(|| panic!("a conflict still open in {conflicts:#}"));
    rec.mark("decide again");
    rec.ok(
        "resolve_conflict",
        json!({ "id": second, "choice": "keep" }),
    )
    .await;
    rec.mark("all decided");
    rec.ok("sync_status", json!({})).await;
    rec.ok("conflicts", json!({})).await;
    drop(colleague);
    sign_in(&mut rec, OFFICER_PASSPHRASE).await;

    // The hub refuses what it is sent: something else answers on its address.
    hub.stop().await;
    let refusing = hub.refuse_everything();
    quiet_household(&mut rec, "3 Cedar Way", "ZY18 9ZE").await;
    rec.mark("failing");
    rec.ok("app_status", json!({})).await;
    sync_screen(&mut rec).await;
    rec.ok("sync_now", json!({})).await;
    rec.mark("failed");
    sync_screen(&mut rec).await;
    let _ = refusing.send(());

    // Offline: nothing answers on the hub's address.
    hub.stop().await;
    rec.mark("going offline");
    sync_screen(&mut rec).await;
    rec.ok("sync_now", json!({})).await;
    rec.mark("offline");
    sync_screen(&mut rec).await;

    // Revoked: the hub is back, and an administrator has removed the laptop; its next sync
    // erases the data, and the next start says so.
    hub.serve(std::net::TcpListener::bind(hub.addr).expect("the hub's port again"));
    let now = doorstep_core::clock::now().timestamp_millis();
    hub.admin(move |store| async move {
        let devices = store.devices().await.expect("the devices");
        let device = devices
            .iter()
            .find(|d| d.user_id == supervisor_id)
            .expect("the recorded laptop's device");
        store.revoke_device(&device.id, now).await.expect("revoked");
    })
    .await;
    rec.mark("revoked");
    rec.ok("sync_now", json!({})).await;
    rec.ok("app_status", json!({})).await;
    rec.restart();
    rec.mark("next start");
    rec.ok("app_status", json!({})).await;
    rec.ok("sync_status", json!({})).await;
    rec.ok("reference_problems", json!({})).await;

    drop(hub);
    rec.finish(
        "sync",
        "A laptop and a real council hub, in order (marks): not enrolled, enrolments refused \
         (address, code format, a spent code, an unreachable hub) and one accepted, changes \
         waiting, a sync, locked and unlocked, set aside (a household moved to another team), \
         conflicts (a colleague answered two guarded questions first; a supervisor decides), \
         failing and failed (the hub refuses), going offline and offline, revoked and the next start.",
        Vec::new(),
    )
}

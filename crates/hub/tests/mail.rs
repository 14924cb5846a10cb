//! Emails to partner agencies (issue 13) through a real SMTP server, every test run once on
//! SQLite and once on PostgreSQL. The relay is aiosmtpd (Debian's python3-aiosmtpd,
//! installed by `scripts/setup --with-test-tools`), started by the test as a subprocess,
//! offering STARTTLS with a certificate the test makes (rcgen) and requiring it. It writes
//! what it receives as JSON the test reads: the envelope, whether the conversation was
//! encrypted, the headers, the text parts and the attachments.
//!
//! The outbox rows are written directly (the delivery that writes them is another part of
//! issue 13); the records the form is made from are pushed by an officer's laptop.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

#[macro_use]
mod support;

#[path = "support/browser.rs"]
mod browser;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use browser::Browser;
use doorstep_core::Role;
use doorstep_core::household::HouseholdDetails;
use doorstep_core::person::{ContactPreferences, PersonDetails};
use doorstep_core::postcode::Postcode;
use doorstep_hub::admin::{self, NewPerson};
use doorstep_hub::mail::settings::MailTls;
use doorstep_hub::mail::{MailSettings, Mailer, NewNotification, SharedMailStore, send_due};
use doorstep_hub::{Clock, HubConfig, SharedStore};
use doorstep_sync::protocol::EntityKind;
use serde_json::{Value, json};
use support::{Backend, Hub, TestDb, enrol, org, user_with_code};

on_both_backends!(
    a_notification_goes_through_starttls_and_names_no_one,
    the_form_goes_only_to_a_secure_mailbox,
    a_relay_down_or_refusing_is_retried_until_it_takes_the_email_once,
    a_supervisor_sees_failing_emails_in_the_console,
    a_claimed_email_is_tried_by_one_hub_until_its_claim_runs_out,
    a_relay_without_starttls_gets_nothing,
    the_form_never_goes_to_an_address_the_directory_does_not_call_secure,
    the_sender_task_sends_on_its_own,
    a_queued_referral_pushed_by_a_laptop_reaches_the_agencys_mailbox,
);

// The synthetic resident: none of this may appear in an email's headers or text.
const NAME: &str = "Margaret Quillfeather";
const STREET: &str = "17 Larkspur Row";
const POSTCODE: &str = "NS9 4QZ";
const PHONE: &str = "07700 900123";
const REASON: &str = "Recent fall on the stairs";
const PUBLIC_URL: &str = "https://hub.council.example";
/// An agency whose directory entry has a secure notify address.
const AGENCY: &str = "fire_safe_and_well";
const AGENCY_NAME: &str = "Fire and Rescue Service: Safe and Well (demo)";
const AGENCY_ADDRESS: &str = "safeandwell@fire.example.org";

/// aiosmtpd as a relay: STARTTLS required; a file `refuse` in its folder, when there,
/// holds the reply it gives every recipient instead of accepting it.
const RELAY_PY: &str = r#"
import email, email.policy, json, pathlib, ssl, sys
from aiosmtpd.controller import Controller

out = pathlib.Path(sys.argv[1])
port = int(sys.argv[2])
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(sys.argv[3], sys.argv[4])

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refuse = out / "refuse"
        if refuse.exists():
            return refuse.read_text().strip()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        texts, attachments = [], []
        for part in msg.walk():
            if part.is_multipart():
                continue
            if part.get_filename():
                data = part.get_payload(decode=True) or b""
                attachments.append({"filename": part.get_filename(),
                                    "content_type": part.get_content_type(),
                                    "pdf": data.startswith(b"%PDF"), "bytes": len(data)})
            else:
                texts.append(part.get_content())
        summary = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                   "tls": session.ssl is not None,
                   "headers": [[k, str(v)] for k, v in msg.items()],
                   "text": "\n".join(texts), "attachments": attachments}
        n = len(list(out.glob("*.json")))
        tmp = out / f"{n:04}.part"
        tmp.write_text(json.dumps(summary))
        tmp.rename(out / f"{n:04}.json")
        return "250 Message accepted"

tls = {} if len(sys.argv) > 5 and sys.argv[5] == "plain" else \
    {"tls_context": ctx, "require_starttls": True}
controller = Controller(Handler(), hostname="127.0.0.1", port=port, **tls)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"#;

/// The Python that has aiosmtpd: `DOORSTEP_TEST_PYTHON`, else Debian's, else `python3`.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("DOORSTEP_TEST_PYTHON") {
        return p.into();
    }
    let debian = Path::new("/usr/bin/python3");
    if debian.exists() {
        debian.to_owned()
    } else {
        "python3".into()
    }
}

/// A port nothing listens on (yet).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The relay's folder and certificates, kept across restarts of the relay.
struct RelayFiles {
    dir: tempfile::TempDir,
    port: u16,
}

impl RelayFiles {
    /// A CA and a certificate it signs for 127.0.0.1, as the relay's.
    fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.path().join("cert.pem"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), key.serialize_pem()).unwrap();
        std::fs::write(dir.path().join("relay.py"), RELAY_PY).unwrap();
        std::fs::create_dir(dir.path().join("inbox")).unwrap();
        Self {
            dir,
            port: free_port(),
        }
    }

    fn inbox(&self) -> PathBuf {
        self.dir.path().join("inbox")
    }

    /// Starts the relay on this port.
    fn start(&self) -> Relay {
        self.start_with(&[])
    }

    /// Starts the relay on this port with no STARTTLS on offer.
    fn start_plain(&self) -> Relay {
        self.start_with(&["plain"])
    }

    fn start_with(&self, extra: &[&str]) -> Relay {
        let d = self.dir.path();
        let mut child = Command::new(python())
            .arg(d.join("relay.py"))
            .arg(self.inbox())
            .arg(self.port.to_string())
            .arg(d.join("cert.pem"))
            .arg(d.join("key.pem"))
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/setup --with-test-tools)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the relay did not start");
        Relay { child }
    }

    /// Makes the relay answer every recipient with `reply`, or (None) accept again.
    fn refuse(&self, reply: Option<&str>) {
        let path = self.inbox().join("refuse");
        match reply {
            Some(reply) => std::fs::write(path, reply).unwrap(),
            None => std::fs::remove_file(path).unwrap(),
        }
    }

    /// Every message received, in order.
    fn received(&self) -> Vec<Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.inbox())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    fn settings(&self) -> MailSettings {
        MailSettings {
            relay: "127.0.0.1".into(),
            port: self.port,
            username: None,
            password: None,
            password_file: None,
            from: "Doorstep <doorstep@council.example>".into(),
            tls: MailTls::Starttls,
            ca_file: Some(self.dir.path().join("ca.pem")),
        }
    }

    fn mailer(&self) -> Mailer {
        Mailer::for_hub(&self.settings(), Some(PUBLIC_URL)).unwrap()
    }
}

/// A running relay, stopped when dropped.
struct Relay {
    child: Child,
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

struct World {
    _db: TestDb,
    store: SharedStore,
    mail: SharedMailStore,
    hub: Hub,
    clock: Clock,
    north: String,
    referral_id: String,
}

/// A hub holding an officer's household, resident and referral to the falls service.
async fn world(backend: Backend) -> World {
    let db = TestDb::new(backend).await;
    let store = doorstep_hub::open(&db.url).await.unwrap();
    let teams = org(&store).await;
    let clock = Clock::system();
    let mut config = HubConfig::default();
    config.rate_limit.burst = 100_000;
    config.rate_limit.per_second = 100_000.0;
    let hub = Hub::start(store.clone(), config, clock.clone()).await;
    let code = user_with_code(&store, &teams.north, "Olive Officer", Role::Officer).await;
    let mut laptop = enrol(&hub, &code).await;
    let household_id = uuid::Uuid::now_v7().to_string();
    let person_id = uuid::Uuid::now_v7().to_string();
    let referral_id = uuid::Uuid::now_v7().to_string();
    let household = HouseholdDetails {
        uprn: None,
        address_line_1: STREET.into(),
        address_line_2: None,
        address_line_3: None,
        town: "Northby".into(),
        postcode: Postcode::parse(POSTCODE).unwrap(),
        coordinates: None,
        restricted: false,
    };
    let person = PersonDetails {
        household_id: household_id.parse().unwrap(),
        full_name: NAME.into(),
        phone: Some(PHONE.into()),
        email: None,
        date_of_birth: None,
        age_band: None,
        preferred_language: None,
        contact_preferences: ContactPreferences::default(),
    };
    let now = chrono::Utc::now();
    let referral = json!({
        "id": referral_id,
        "person_id": person_id,
        "household_id": household_id,
        "agency_id": AGENCY,
        "reasons": [REASON],
        "urgency": "urgent",
        "charlie_check_id": null,
        "consent": null,
        "lawful_basis": null,
        "status": "sent",
        "created_by": laptop.officer_id.to_string(),
        "created_at": now,
        "sent_at": now,
        "due_at": now,
        "history": [],
    });
    let changes = vec![
        laptop.create(
            EntityKind::Household,
            &household_id,
            serde_json::to_value(&household).unwrap(),
        ),
        laptop.create(
            EntityKind::Person,
            &person_id,
            serde_json::to_value(&person).unwrap(),
        ),
        laptop.create(EntityKind::Referral, &referral_id, referral),
    ];
    let pushed = laptop.push(&hub, &changes).await;
    assert_eq!(pushed.status, 200, "push: {}", pushed.body);
    World {
        _db: db,
        mail: store.mail().unwrap(),
        store,
        hub,
        clock,
        north: teams.north,
        referral_id,
    }
}

impl World {
    async fn enqueue(&self, attach_form: bool, now: i64) {
        self.enqueue_to(AGENCY, AGENCY_ADDRESS, attach_form, now)
            .await;
    }

    async fn enqueue_to(&self, agency: &str, address: &str, attach_form: bool, now: i64) {
        self.mail
            .enqueue(&NewNotification {
                referral_id: self.referral_id.clone(),
                agency_id: agency.into(),
                address: address.into(),
                attach_form,
                now,
            })
            .await
            .unwrap();
    }

    async fn row(&self) -> doorstep_hub::mail::Notification {
        self.mail
            .outbox(100)
            .await
            .unwrap()
            .into_iter()
            .find(|n| n.referral_id == self.referral_id)
            .unwrap()
    }

    /// The outcomes of the audit log's `referral.notify` entries for the referral, in order.
    async fn notify_audit(&self) -> Vec<String> {
        self.store
            .audit(1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| {
                e.action == "referral.notify"
                    && e.entity_id.as_deref() == Some(self.referral_id.as_str())
            })
            .map(|e| {
                assert_eq!(e.entity.as_deref(), Some("referral"));
                assert!(e.user_id.is_none() && e.device_id.is_none());
                e.outcome
            })
            .collect()
    }
}

/// Asserts a received message holds none of the resident's details in headers or text.
fn names_no_one(message: &Value) {
    let mut seen = message["text"].as_str().unwrap().to_owned();
    for header in message["headers"].as_array().unwrap() {
        seen.push('\n');
        seen.push_str(header[0].as_str().unwrap());
        seen.push_str(": ");
        seen.push_str(header[1].as_str().unwrap());
    }
    let lower = seen.to_lowercase();
    for secret in [
        NAME,
        "Quillfeather",
        STREET,
        "Larkspur",
        POSTCODE,
        PHONE,
        "900123",
        REASON,
        "urgent",
        "stairs",
    ] {
        assert!(
            !lower.contains(&secret.to_lowercase()),
            "the email holds {secret:?}:\n{seen}"
        );
    }
}

async fn a_notification_goes_through_starttls_and_names_no_one(backend: Backend) {
    let w = world(backend).await;
    let files = RelayFiles::new();
    let _relay = files.start();
    let now = w.clock.now_ms();
    w.enqueue(false, now).await;
    let round = send_due(w.mail.as_ref(), &files.mailer(), now)
        .await
        .unwrap();
    assert_eq!((round.sent, round.failed), (1, 0));
    let received = files.received();
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert_eq!(message["tls"], true, "sent only after STARTTLS");
    assert_eq!(message["rcpt_tos"], json!([AGENCY_ADDRESS]));
    assert_eq!(message["mail_from"], "doorstep@council.example");
    let text = message["text"].as_str().unwrap();
    let link = format!("{PUBLIC_URL}/portal/referrals/{}", w.referral_id);
    assert!(text.contains(&link), "{text}");
    assert!(text.contains(AGENCY_NAME), "{text}");
    assert_eq!(message["attachments"], json!([]));
    names_no_one(message);
    let row = w.row().await;
    assert!(row.sent_at.is_some());
    assert!(!row.form_attached);
    assert_eq!(row.attempts, 1);
    assert_eq!(row.last_error, None);
    assert_eq!(w.notify_audit().await, vec!["sent".to_owned()]);
    // Sent is sent: later rounds never send it again.
    let again = send_due(w.mail.as_ref(), &files.mailer(), now + 86_400_000)
        .await
        .unwrap();
    assert_eq!((again.sent, again.failed), (0, 0));
    assert_eq!(files.received().len(), 1);
}

async fn the_form_goes_only_to_a_secure_mailbox(backend: Backend) {
    let w = world(backend).await;
    let files = RelayFiles::new();
    let _relay = files.start();
    let now = w.clock.now_ms();
    w.enqueue(true, now).await;
    let round = send_due(w.mail.as_ref(), &files.mailer(), now)
        .await
        .unwrap();
    assert_eq!((round.sent, round.failed), (1, 0), "{:?}", w.row().await);
    let received = files.received();
    assert_eq!(received.len(), 1);
    let message = &received[0];
    let attachments = message["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0]["filename"], "referral.pdf");
    assert_eq!(attachments[0]["content_type"], "application/pdf");
    assert_eq!(attachments[0]["pdf"], true);
    assert!(attachments[0]["bytes"].as_u64().unwrap() > 1000);
    // The form holds the resident's details; the email's own text still does not.
    names_no_one(message);
    let row = w.row().await;
    assert!(row.sent_at.is_some());
    assert!(row.form_attached, "that the form went is recorded");
    assert_eq!(
        w.notify_audit().await,
        vec!["sent: form attached".to_owned()]
    );
}

async fn a_relay_down_or_refusing_is_retried_until_it_takes_the_email_once(backend: Backend) {
    let w = world(backend).await;
    let files = RelayFiles::new();
    let mailer = files.mailer();
    let start = w.clock.now_ms();
    w.enqueue(false, start).await;

    // Down: nothing listens on the relay's port.
    let round = send_due(w.mail.as_ref(), &mailer, start).await.unwrap();
    assert_eq!((round.sent, round.failed), (0, 1));
    let row = w.row().await;
    assert_eq!(row.sent_at, None);
    assert_eq!(row.attempts, 1);
    assert!(!row.last_error.clone().unwrap_or_default().is_empty());
    assert_eq!(
        row.next_attempt_at,
        start + 60_000,
        "a minute after the first failure"
    );
    // Not due yet: the next round leaves it alone.
    let early = send_due(w.mail.as_ref(), &mailer, start + 30_000)
        .await
        .unwrap();
    assert_eq!((early.sent, early.failed), (0, 0));

    // Refusing for good (550), then for now (421): each a failure, each wait doubling.
    let relay = files.start();
    files.refuse(Some("550 5.7.1 Relaying denied"));
    let at = start + 60_000;
    let round = send_due(w.mail.as_ref(), &mailer, at).await.unwrap();
    assert_eq!((round.sent, round.failed), (0, 1));
    let row = w.row().await;
    assert_eq!(row.attempts, 2);
    assert!(row.last_error.clone().unwrap().contains("550"), "{row:?}");
    assert_eq!(row.next_attempt_at, at + 120_000);
    files.refuse(Some("421 4.3.2 Service not available, try later"));
    let at = at + 120_000;
    let round = send_due(w.mail.as_ref(), &mailer, at).await.unwrap();
    assert_eq!((round.sent, round.failed), (0, 1));
    let row = w.row().await;
    assert_eq!(row.attempts, 3);
    assert!(row.last_error.clone().unwrap().contains("421"), "{row:?}");
    assert!(!row.last_error.clone().unwrap().contains(AGENCY_ADDRESS));
    assert_eq!(row.next_attempt_at, at + 240_000);
    assert!(files.received().is_empty());

    // Back: sent, once.
    files.refuse(None);
    let at = at + 240_000;
    let round = send_due(w.mail.as_ref(), &mailer, at).await.unwrap();
    assert_eq!((round.sent, round.failed), (1, 0));
    let round = send_due(w.mail.as_ref(), &mailer, at + 3_600_000)
        .await
        .unwrap();
    assert_eq!((round.sent, round.failed), (0, 0));
    assert_eq!(files.received().len(), 1);
    names_no_one(&files.received()[0]);
    let row = w.row().await;
    assert_eq!(row.attempts, 4);
    assert_eq!(row.sent_at, Some(at));
    assert_eq!(row.last_error, None);
    let audit = w.notify_audit().await;
    assert_eq!(audit.len(), 4, "{audit:?}");
    assert!(
        audit[..3].iter().all(|o| o.starts_with("failed: ")),
        "{audit:?}"
    );
    assert_eq!(audit[3], "sent");
    drop(relay);
}

async fn a_supervisor_sees_failing_emails_in_the_console(backend: Backend) {
    let w = world(backend).await;
    let files = RelayFiles::new();
    let now = w.clock.now_ms();
    w.enqueue(true, now).await;
    let round = send_due(w.mail.as_ref(), &files.mailer(), now)
        .await
        .unwrap();
    assert_eq!(round.failed, 1);
    let error = w.row().await.last_error.unwrap();

    let mut supervisor = signed_in(&w, "Sue Super", Role::Supervisor).await;
    let home = supervisor.get("/console/home").await;
    home.expect(200)
        .says("1 email to an agency is failing")
        .says("/console/referral-emails");
    let page = supervisor.get("/console/referral-emails").await;
    page.expect(200)
        .says("Emails to agencies")
        .says("1 email has failed")
        .says(&w.referral_id)
        .says("Will be attached (secure mailbox)")
        // The test's hub has no [mail]: the page says nothing is being sent.
        .says("Mail is not set up");
    let html = page.html();
    let escaped = error
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert!(
        html.contains(&escaped) || html.contains(&error),
        "the last error is shown"
    );
    for secret in [NAME, STREET, POSTCODE, REASON] {
        assert!(!html.contains(secret), "the page holds {secret:?}");
    }
    let viewed = w
        .store
        .audit(1000)
        .await
        .unwrap()
        .into_iter()
        .any(|e| e.action == "console.referral-emails" && e.outcome == "ok");
    assert!(viewed, "the page view is audited");

    // An officer has no such page.
    let mut officer = signed_in(&w, "Otto Officer", Role::Officer).await;
    officer.get("/console/referral-emails").await.expect(404);
}

/// A browser signed in to the console as a new person (no second factor: not admin/dpo).
async fn signed_in(w: &World, name: &str, role: Role) -> Browser {
    const PASSWORD: &str = "a long and memorable pass phrase";
    let email = format!("{}@council.example", name.to_lowercase().replace(' ', "."));
    let person = NewPerson {
        team: w.north.clone(),
        name: name.to_owned(),
        role,
        email: Some(email.clone()),
    };
    let added = admin::add_user(&w.store, None, &person, 3600, w.clock.now_ms())
        .await
        .unwrap();
    let link = admin::setup_path(&added.setup_token.unwrap());
    let mut browser = Browser::new(&w.hub);
    let form = browser.get(&link).await;
    form.expect(200);
    let csrf = form.hidden("csrf");
    browser
        .post(
            &link,
            &[
                ("csrf", csrf.as_str()),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await
        .redirects_to("/console/sign-in");
    let sign_in = browser.get("/console/sign-in").await;
    sign_in.expect(200);
    let csrf = sign_in.hidden("csrf");
    browser
        .post(
            "/console/sign-in",
            &[("csrf", &csrf), ("email", &email), ("password", PASSWORD)],
        )
        .await
        .redirects_to("/console/home");
    browser
}

async fn a_claimed_email_is_tried_by_one_hub_until_its_claim_runs_out(backend: Backend) {
    let w = world(backend).await;
    let now = w.clock.now_ms();
    w.enqueue(false, now).await;
    // Two hubs' rounds at once: the email goes to one of them only.
    let (a, b) = tokio::join!(w.mail.claim_due(now, 10), w.mail.claim_due(now, 10));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 1, "claimed once: {a:?} {b:?}");
    let claim = doorstep_hub::mail::store::CLAIM_MS;
    assert!(
        w.mail
            .claim_due(now + claim - 1, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A hub that died mid-send leaves it to be claimed again: never lost.
    let again = w.mail.claim_due(now + claim, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].referral_id, w.referral_id);
    assert_eq!(again[0].sent_at, None);
}

async fn a_relay_without_starttls_gets_nothing(backend: Backend) {
    let w = world(backend).await;
    let files = RelayFiles::new();
    let _relay = files.start_plain();
    let now = w.clock.now_ms();
    w.enqueue(false, now).await;
    let round = send_due(w.mail.as_ref(), &files.mailer(), now)
        .await
        .unwrap();
    assert_eq!((round.sent, round.failed), (0, 1));
    assert!(files.received().is_empty(), "nothing is sent in clear");
    let row = w.row().await;
    assert_eq!(row.sent_at, None);
    assert!(row.last_error.unwrap().contains("STARTTLS"));
}

async fn the_form_never_goes_to_an_address_the_directory_does_not_call_secure(backend: Backend) {
    let w = world(backend).await;
    let files = RelayFiles::new();
    let _relay = files.start();
    let now = w.clock.now_ms();
    // The row asks for the form, but this address is not the directory's secure one (say
    // it changed since delivery): the notice goes alone.
    w.enqueue_to(AGENCY, "someone-else@fire.example.org", true, now)
        .await;
    let round = send_due(w.mail.as_ref(), &files.mailer(), now)
        .await
        .unwrap();
    assert_eq!((round.sent, round.failed), (1, 0));
    let received = files.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["attachments"], json!([]));
    names_no_one(&received[0]);
    let row = w.row().await;
    assert!(row.sent_at.is_some());
    assert!(!row.form_attached);
    let audit = w.notify_audit().await;
    assert_eq!(audit.len(), 1);
    assert!(audit[0].starts_with("sent: form withheld"), "{audit:?}");
}

async fn the_sender_task_sends_on_its_own(backend: Backend) {
    let w = world(backend).await;
    let files = RelayFiles::new();
    let _relay = files.start();
    w.enqueue(false, w.clock.now_ms()).await;
    // As `serve` starts it.
    let task = tokio::spawn(doorstep_hub::mail::run(
        w.mail.clone(),
        files.mailer(),
        w.clock.clone(),
    ));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while w.row().await.sent_at.is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the task sent nothing"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    task.abort();
    assert_eq!(files.received().len(), 1);
}

/// End to end with the delivery (issue 13's other part): a laptop pushes a queued referral
/// to the fire service, whose directory entry has a secure notify address; the hub delivers
/// it and queues the email in the push, and the sender sends it with the form.
async fn a_queued_referral_pushed_by_a_laptop_reaches_the_agencys_mailbox(backend: Backend) {
    use doorstep_core::fire::{
        AgencyDirectory, Consent, ConsentGiver, ConsentMethod, ConsentPurpose, Referral,
        ReferralDraft, ReferralStep, Urgency,
    };
    use doorstep_core::{HouseholdId, PersonId, built_in};

    let db = TestDb::new(backend).await;
    let store = doorstep_hub::open(&db.url).await.unwrap();
    let teams = org(&store).await;
    let clock = Clock::system();
    let hub = Hub::start(store.clone(), HubConfig::default(), clock.clone()).await;
    let portal = store.portal().unwrap();
    doorstep_hub::portal::admin::add_agency(&portal, AGENCY, None, clock.now_ms())
        .await
        .unwrap();
    let code = user_with_code(&store, &teams.north, "Olive Officer", Role::Officer).await;
    let mut laptop = enrol(&hub, &code).await;
    let directory = AgencyDirectory::from_toml(built_in::AGENCIES.1).unwrap();
    let (household, person, now) = (HouseholdId::new(), PersonId::new(), chrono::Utc::now());
    let mut referral = Referral::draft(
        &directory,
        ReferralDraft {
            person_id: person,
            household_id: household,
            agency_id: AGENCY.into(),
            reasons: vec![REASON.into()],
            urgency: Urgency::Soon,
            charlie_check_id: None,
            consent: Some(Consent {
                given_by: ConsentGiver::Person,
                given_by_name: NAME.into(),
                method: ConsentMethod::Verbal,
                signature_ref: None,
                purposes: ConsentPurpose::ALL.to_vec(),
                capacity_concerns: None,
                recorded_by: laptop.officer_id,
                at: now,
            }),
            lawful_basis: None,
        },
        laptop.officer_id,
        Role::Officer,
        now,
    )
    .unwrap();
    referral
        .apply(
            &directory,
            ReferralStep::Send,
            laptop.officer_id,
            Role::Officer,
            now,
        )
        .unwrap();
    let home = HouseholdDetails {
        uprn: None,
        address_line_1: STREET.into(),
        address_line_2: None,
        address_line_3: None,
        town: "Northby".into(),
        postcode: Postcode::parse(POSTCODE).unwrap(),
        coordinates: None,
        restricted: false,
    };
    let resident = PersonDetails {
        household_id: household,
        full_name: NAME.into(),
        phone: Some(PHONE.into()),
        email: None,
        date_of_birth: None,
        age_band: None,
        preferred_language: None,
        contact_preferences: ContactPreferences::default(),
    };
    let changes = vec![
        laptop.create(
            EntityKind::Household,
            &household.to_string(),
            serde_json::to_value(&home).unwrap(),
        ),
        laptop.create(
            EntityKind::Person,
            &person.to_string(),
            serde_json::to_value(&resident).unwrap(),
        ),
        laptop.create(
            EntityKind::Referral,
            &referral.id.to_string(),
            serde_json::to_value(&referral).unwrap(),
        ),
    ];
    let pushed = laptop.push(&hub, &changes).await;
    assert_eq!(pushed.status, 200, "push: {}", pushed.body);

    let mail = store.mail().unwrap();
    let id = referral.id.to_string();
    let queued = mail.outbox(10).await.unwrap();
    assert_eq!(queued.len(), 1, "the delivery queued one email: {queued:?}");
    assert_eq!(queued[0].referral_id, id);
    assert_eq!(queued[0].address, AGENCY_ADDRESS);
    assert!(
        queued[0].attach_form,
        "the directory says the address is secure"
    );

    let files = RelayFiles::new();
    let _relay = files.start();
    let round = send_due(mail.as_ref(), &files.mailer(), clock.now_ms())
        .await
        .unwrap();
    assert_eq!(
        (round.sent, round.failed),
        (1, 0),
        "{:?}",
        mail.outbox(10).await
    );
    let received = files.received();
    assert_eq!(received.len(), 1);
    assert!(
        received[0]["text"]
            .as_str()
            .unwrap()
            .contains(&format!("{PUBLIC_URL}/portal/referrals/{id}"))
    );
    assert_eq!(received[0]["attachments"][0]["filename"], "referral.pdf");
    assert_eq!(received[0]["attachments"][0]["pdf"], true);
    names_no_one(&received[0]);
    assert!(mail.outbox(10).await.unwrap()[0].form_attached);
}

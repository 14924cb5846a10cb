//! What the command-level tests share: an officer's set-up app on a temporary folder, and
//! calls through `dispatch` with the names and arguments the window sends.

#![allow(dead_code)] // each test file uses its own share of these

use std::collections::BTreeMap;
use std::sync::Arc;

use doorstep_api::events::{EventSink, NoEvents};
use doorstep_api::{Api, dispatch::dispatch};
use doorstep_core::fire::{Referral, ReferralId};
use doorstep_core::{DeviceId, Hlc};
use doorstep_store::KdfParams;
use doorstep_store::{RecordChange, SyncedRecord};
use serde_json::{Value, json};

/// The officer every test app is set up for.
pub const OFFICER: &str = "Alex Doorley";
/// Their passphrase.
pub const PASSPHRASE: &str = "kettle harbour violet sprocket";

/// An app on a temporary folder, set up for the officer; the folder goes when it drops.
pub struct TestApp {
    pub api: Arc<Api>,
    /// The answer `set_up` gave: the first status.
    pub status: Value,
    pub folder: tempfile::TempDir,
}

impl TestApp {
    /// Set up, with no events kept.
    pub async fn officer() -> Self {
        Self::officer_with(Box::new(NoEvents)).await
    }

    /// Set up, sending the events to `events`.
    pub async fn officer_with(events: Box<dyn EventSink>) -> Self {
        let folder = tempfile::tempdir().expect("temp dir");
        let api = Arc::new(
            Api::open(
                &folder.path().join("data"),
                KdfParams::INSECURE_FOR_TESTS,
                events,
            )
            .expect("the api opens"),
        );
        let status = ok(
            &api,
            "set_up",
            json!({ "officerName": OFFICER, "role": "officer", "passphrase": PASSPHRASE }),
        )
        .await;
        Self {
            api,
            status,
            folder,
        }
    }
}

/// Calls `command` and returns its answer, failing the test if it was refused.
pub async fn ok(api: &Arc<Api>, command: &str, args: Value) -> Value {
    dispatch(api, command, args)
        .await
        .unwrap_or_else(|e| panic!("{command} should succeed: {e:?}"))
}

/// The text at `pointer` in `v`.
pub fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no text at {pointer} in {v}"))
        .to_owned()
}

/// A survey answer choosing `value`.
pub fn choice(value: &str) -> Value {
    json!({ "type": "choice", "value": value })
}

/// A yes/no survey answer.
pub fn yes_no(value: &str) -> Value {
    json!({ "type": "yes_no", "value": value })
}

/// What the hub does, pulled by the laptop: the laptop's changes are pushed (marked sent),
/// then `hub` changes the referral as the hub would (delivery, the agency's steps) and the
/// whole record comes back at the hub's clock reading, as a page of the pull applies it.
pub fn pull_from_hub(api: &Api, id: &str, hub: impl FnOnce(&mut Referral)) {
    let id: ReferralId = id.parse().expect("a referral id");
    api.session
        .with_store(|s| {
            let pushed: Vec<_> = s
                .outbox_batch(10_000)?
                .iter()
                .map(|c| c.change_id)
                .collect();
            s.mark_pushed(&pushed, doorstep_core::clock::now())?;
            let mut referral = s.referral(id)?;
            hub(&mut referral);
            let reading = Hlc {
                // The app's clock, which a test may have pinned: the hub is in step with it.
                wall_ms: u64::try_from(doorstep_core::clock::now().timestamp_millis())
                    .expect("after 1970"),
                counter: 1,
                device: DeviceId::new(),
            };
            let Value::Object(fields) = serde_json::to_value(&referral).expect("json") else {
                panic!("a referral is a JSON object");
            };
            let record = SyncedRecord {
                versions: fields.keys().map(|k| (k.clone(), reading)).collect(),
                fields: fields.into_iter().collect::<BTreeMap<_, _>>(),
            };
            s.apply_from_hub(&[("referral".into(), id.to_string())], |_, _, _| {
                RecordChange::Write(record.clone())
            })
        })
        .expect("the hub's change applies");
}

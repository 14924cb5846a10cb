//! What the command-level tests share: an officer's set-up app on a temporary folder, and
//! calls through `dispatch` with the names and arguments the window sends.

#![allow(dead_code)] // each test file uses its own share of these

use std::sync::Arc;

use doorstep_api::events::{EventSink, NoEvents};
use doorstep_api::{Api, dispatch::dispatch};
use doorstep_store::KdfParams;
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

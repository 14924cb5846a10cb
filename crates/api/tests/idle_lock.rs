//! The idle lock time is Rust's rule: 1 minute up to the longest the status reports. The
//! Settings screen test used to check the range against the fake; with recorded answers it
//! shows Rust's refusal of one number, so the edges are checked here, through the commands
//! the window calls.

#![allow(clippy::expect_used, clippy::panic)] // a failed expectation is a failed test

mod support;

use doorstep_api::{ErrorCode, dispatch::dispatch};
use serde_json::{Value, json};
use support::{TestApp, ok};

fn minutes(status: &Value, key: &str) -> u64 {
    status
        .get(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no {key} in {status}"))
}

#[tokio::test]
async fn the_idle_lock_takes_1_minute_up_to_the_longest_and_nothing_outside() {
    let app = TestApp::officer().await;
    let (api, _folder, status) = (app.api, app.folder, app.status);
    let longest = minutes(&status, "idle_lock_minutes_max");
    let before = minutes(&status, "idle_lock_minutes");

    for refused in [0, longest + 1] {
        let err = dispatch(&api, "set_idle_lock_minutes", json!({ "minutes": refused }))
            .await
            .expect_err("outside the range");
        assert_eq!(err.code, ErrorCode::Validation);
        assert_eq!(err.field.as_deref(), Some("idle_lock_minutes"));
        assert_eq!(
            err.message,
            format!("Choose between 1 and {longest} minutes")
        );
        let status = ok(&api, "app_status", json!({})).await;
        assert_eq!(
            minutes(&status, "idle_lock_minutes"),
            before,
            "a refused time changes nothing"
        );
    }
    for accepted in [1, longest] {
        let status = ok(
            &api,
            "set_idle_lock_minutes",
            json!({ "minutes": accepted }),
        )
        .await;
        assert_eq!(minutes(&status, "idle_lock_minutes"), accepted);
    }
}

//! The hub's request decoder: any body gives a typed request or a 4xx, never a panic. A push
//! that decodes keeps the protocol's rules, survives a serialise-and-decode round trip, and
//! goes through the merge the hub runs on it (the pure part of push validation: the rest of
//! `PushPlan` needs the hub's database). A batch of household openings that decodes keeps
//! its limit and every opening's rules.
#![no_main]

use std::collections::BTreeMap;

use doorstep_sync::decode::{Request, decode_request};
use doorstep_sync::merge::{Record, hub_values, merge_into};
use doorstep_sync::protocol::{
    EnrolRequest, EntityKind, MAX_BATCH, MAX_OPENINGS, OpeningsRequest, PullRequest, PushRequest,
    RefreshRequest,
};
use libfuzzer_sys::fuzz_target;

/// Decodes `body` as `T`; a request that decodes must decode again, unchanged, from its
/// own serialised form (what the app sends is what the hub reads).
fn decode_and_round_trip<T: Request + serde::Serialize + PartialEq + std::fmt::Debug>(
    body: &[u8],
) -> Option<T> {
    let request = decode_request::<T>(body).ok()?;
    let again = serde_json::to_vec(&request).expect("a decoded request serialises");
    let decoded = decode_request::<T>(&again);
    assert_eq!(
        decoded.as_ref().ok(),
        Some(&request),
        "round trip: {decoded:?}"
    );
    Some(request)
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the request kind, so one corpus covers every decoder.
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    match kind % 5 {
        0 => {
            let Some(push) = decode_and_round_trip::<PushRequest>(body) else {
                return;
            };
            assert!(push.changes.len() <= MAX_BATCH, "the batch limit held");
            let mut records: BTreeMap<(EntityKind, String), Record> = BTreeMap::new();
            for change in &push.changes {
                assert!(
                    change.check().is_ok(),
                    "every change of a decoded push is well formed"
                );
                let record = records
                    .entry((change.entity, change.entity_id.clone()))
                    .or_default();
                let _ = merge_into(record, change);
                let _ = hub_values(record, change);
            }
        }
        1 => {
            let _ = decode_and_round_trip::<PullRequest>(body);
        }
        2 => {
            // Secret has no PartialEq-friendly Debug; decoding is what matters here.
            let _ = decode_request::<EnrolRequest>(body);
        }
        3 => {
            let Some(openings) = decode_and_round_trip::<OpeningsRequest>(body) else {
                return;
            };
            assert!(
                openings.openings.len() <= MAX_OPENINGS,
                "the batch limit held"
            );
            for opening in &openings.openings {
                assert!(
                    opening.check().is_ok(),
                    "every opening decoded is well formed"
                );
            }
        }
        _ => {
            let _ = decode_request::<RefreshRequest>(body);
        }
    }
});

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use rstest::rstest;

use super::transport::retry_after;
use super::*;
use crate::protocol::ErrorCode;

#[test]
fn ceilings_double_then_stop_at_the_cap() {
    let b = Backoff {
        initial: Duration::from_millis(100),
        factor: 2,
        max_delay: Duration::from_millis(1_000),
        max_attempts: 10,
    };
    let ceilings: Vec<u128> = (0..7).map(|r| b.ceiling(r).as_millis()).collect();
    assert_eq!(ceilings, [100, 200, 400, 800, 1_000, 1_000, 1_000]);
    assert_eq!(b.ceiling(u32::MAX), Duration::from_millis(1_000));
}

#[rstest]
#[case(0, 0)]
#[case(3, 1)]
#[case(7, u64::MAX)]
#[case(40, 12_345)]
fn each_delay_is_between_half_the_ceiling_and_the_ceiling(#[case] retry: u32, #[case] random: u64) {
    let b = Backoff::default();
    let ceiling = b.ceiling(retry);
    let d = b.delay(retry, random);
    assert!(d >= ceiling / 2, "{d:?} under half of {ceiling:?}");
    assert!(d <= ceiling, "{d:?} over {ceiling:?}");
    assert!(d <= b.max_delay);
}

#[test]
fn one_wait_between_each_pair_of_attempts_and_the_same_seed_gives_the_same_waits() {
    let b = Backoff::default();
    let first: Vec<Duration> = b.delays(42).collect();
    assert_eq!(first.len(), 5);
    assert_eq!(first, b.delays(42).collect::<Vec<_>>());
    assert_ne!(first, b.delays(43).collect::<Vec<_>>(), "jitter must vary");
    for (retry, d) in (0u32..).zip(&first) {
        assert!(*d >= b.ceiling(retry) / 2 && *d <= b.ceiling(retry));
    }
    assert_eq!(Backoff::immediate(1).delays(7).count(), 0);
    assert!(Backoff::immediate(4).delays(7).all(|d| d.is_zero()));
}

#[test]
fn jitter_spreads_a_crowd() {
    let b = Backoff::default();
    let waits: std::collections::BTreeSet<Duration> = (0..100)
        .map(|seed| b.delays(seed).nth(3).unwrap_or_default())
        .collect();
    assert!(waits.len() > 50, "only {} distinct waits", waits.len());
}

#[rstest]
#[case::revoked(
    410,
    r#"{"code":"device_revoked","message":"x"}"#,
    Action::WipeLocalData
)]
#[case::expired(401, r#"{"code":"token_expired","message":"x"}"#, Action::RefreshToken)]
#[case::unauthorised(401, r#"{"code":"unauthorised","message":"x"}"#, Action::Enrol)]
#[case::protocol(400, r#"{"code":"wrong_protocol","message":"x"}"#, Action::UpdateApp)]
#[case::scope(403, r#"{"code":"out_of_scope","message":"x"}"#, Action::Report)]
#[case::not_json(404, "<html>not found</html>", Action::Report)]
fn a_refusal_says_what_to_do(#[case] status: u16, #[case] body: &str, #[case] action: Action) {
    assert_eq!(
        ClientError::from_response(status, body.as_bytes()).action(),
        action
    );
}

#[test]
fn revoked_tells_the_user_to_wipe() {
    let e = ClientError::from_response(410, br#"{"code":"device_revoked","message":"gone"}"#);
    assert_eq!(e, ClientError::Revoked);
    assert_eq!(
        e.to_string(),
        "This laptop was removed from the hub: its local data must be wiped"
    );
    assert_eq!(e.code(), Some(ErrorCode::DeviceRevoked));
}

#[rstest]
#[case("https://hub.example.gov.uk", "https://hub.example.gov.uk/v1/push")]
#[case(
    "https://hub.example.gov.uk/council",
    "https://hub.example.gov.uk/council/v1/push"
)]
#[case(
    "https://hub.example.gov.uk/council/?x=1",
    "https://hub.example.gov.uk/council/v1/push"
)]
#[case("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/push")]
#[case("http://localhost:8080", "http://localhost:8080/v1/push")]
fn paths_join_under_the_base(#[case] base: &str, #[case] push: &str) {
    let client = HubClient::new(base).expect("a good address");
    assert_eq!(
        client.base_url().join("v1/push").expect("join").as_str(),
        push
    );
}

#[rstest]
#[case("http://hub.example.gov.uk")]
#[case("ftp://hub.example.gov.uk")]
#[case("hub.example.gov.uk")]
#[case("")]
fn only_https_except_to_this_machine(#[case] base: &str) {
    assert!(matches!(
        HubClient::new(base),
        Err(ClientError::BadUrl { .. })
    ));
}

#[test]
fn retry_after_in_seconds() {
    let mut h = HeaderMap::new();
    assert_eq!(retry_after(&h), None);
    h.insert(RETRY_AFTER, reqwest::header::HeaderValue::from_static("7"));
    assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
    h.insert(
        RETRY_AFTER,
        reqwest::header::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
    );
    assert_eq!(retry_after(&h), None);
}

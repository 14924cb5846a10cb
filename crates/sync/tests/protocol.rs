//! The wire format: shapes, names, limits, and the 4xx each kind of bad request gets.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{TimeZone, Utc};
use doorstep_core::{DeviceId, Hlc};
use doorstep_sync::protocol::{
    Change, EnrolRequest, EntityKind, ErrorBody, ErrorCode, LogEntry, MAX_BATCH, MAX_BODY_BYTES,
    MAX_OPENINGS, Opening, OpeningsRequest, OpeningsResponse, Operation, PROTOCOL_VERSION,
    PullRequest, PullResponse, PushRequest, PushResponse, RefreshRequest, Removal, Secret,
    decode_request, is_sha256_hex,
};
use rstest::rstest;
use serde_json::{Value, json};
use uuid::Uuid;

fn device() -> DeviceId {
    "0190a4b2-1111-7000-8000-000000000002"
        .parse()
        .expect("device id")
}

fn sample_change() -> Change {
    let d = device();
    let mut fields = serde_json::Map::new();
    fields.insert("full_name".into(), json!("Ann Sampleton"));
    fields.insert("phone".into(), Value::Null);
    Change {
        change_id: "0190a4b2-2222-7000-8000-000000000003"
            .parse()
            .expect("change id"),
        entity: EntityKind::Person,
        entity_id: "0190a4b2-3333-7000-8000-000000000004".into(),
        operation: Operation::Update,
        fields,
        base_versions: BTreeMap::from([
            (
                "full_name".into(),
                Some(Hlc {
                    wall_ms: 1_700_000_000_000,
                    counter: 0,
                    device: d,
                }),
            ),
            ("phone".into(), None),
        ]),
        hlc: Hlc {
            wall_ms: 1_700_000_000_500,
            counter: 2,
            device: d,
        },
        officer_id: "0190a4b2-4444-7000-8000-000000000005"
            .parse()
            .expect("officer id"),
        device_id: d,
        made_at: Utc
            .with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
            .single()
            .expect("time"),
    }
}

fn push_body(changes: Vec<Change>) -> Vec<u8> {
    serde_json::to_vec(&PushRequest {
        protocol: PROTOCOL_VERSION,
        device_id: device(),
        changes,
    })
    .expect("serialise")
}

#[test]
fn a_change_on_the_wire() {
    let wire = serde_json::to_value(sample_change()).expect("serialise");
    assert_eq!(
        wire,
        json!({
            "change_id": "0190a4b2-2222-7000-8000-000000000003",
            "entity": "person",
            "entity_id": "0190a4b2-3333-7000-8000-000000000004",
            "operation": "update",
            "fields": {"full_name": "Ann Sampleton", "phone": null},
            "base_versions": {
                "full_name": "001700000000000-00000000-0190a4b2-1111-7000-8000-000000000002",
                "phone": null
            },
            "hlc": "001700000000500-00000002-0190a4b2-1111-7000-8000-000000000002",
            "officer_id": "0190a4b2-4444-7000-8000-000000000005",
            "device_id": "0190a4b2-1111-7000-8000-000000000002",
            "made_at": "2026-03-01T10:00:00Z"
        })
    );
    let back: Change = serde_json::from_value(wire).expect("deserialise");
    assert_eq!(back, sample_change());
}

#[test]
fn the_outbox_payload_the_store_writes_fits_a_change() {
    // crates/store/src/tracking.rs writes {fields, base_versions}; the app copies them across.
    let payload = json!({
        "fields": {"answers.door_viewer": "yes", "section_notes.doors": ""},
        "base_versions": {"answers.door_viewer": null,
            "section_notes.doors": "001700000000000-00000000-0190a4b2-1111-7000-8000-000000000002"}
    });
    let fields: serde_json::Map<String, Value> =
        serde_json::from_value(payload["fields"].clone()).expect("fields");
    let base: BTreeMap<String, Option<Hlc>> =
        serde_json::from_value(payload["base_versions"].clone()).expect("base versions");
    assert_eq!(fields.len(), 2);
    assert_eq!(base["answers.door_viewer"], None);
    assert!(base["section_notes.doors"].is_some());
}

/// The entity strings the store passes to `track(…)`, read from its source.
fn store_entities() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/src");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("store sources") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        for (i, _) in text.match_indices(".track(") {
            let rest = text[i + ".track(".len()..].trim_start();
            if let Some(quoted) = rest.strip_prefix('"')
                && let Some(end) = quoted.find('"')
            {
                found.push(quoted[..end].to_owned());
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn entity_kinds_are_exactly_what_the_store_tracks() {
    let mut ours: Vec<String> = EntityKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    ours.sort();
    assert_eq!(ours, store_entities());
    for k in EntityKind::ALL {
        let wire = serde_json::to_value(k).expect("serialise");
        assert_eq!(wire, json!(k.as_str()));
        assert_eq!(k.as_str().parse::<EntityKind>(), Ok(*k));
    }
    assert!("gazetteer_row".parse::<EntityKind>().is_err());
}

#[test]
fn error_codes_are_snake_case_4xx_and_revoked_says_wipe() {
    for code in ErrorCode::ALL {
        assert_eq!(
            serde_json::to_value(code).expect("serialise"),
            json!(code.as_str())
        );
        assert!((400..500).contains(&code.status()), "{code} must be a 4xx");
        assert!(!code.default_message().is_empty());
    }
    assert_eq!(ErrorCode::DeviceRevoked.status(), 410);
    assert!(ErrorCode::DeviceRevoked.default_message().contains("wiped"));
    assert_eq!(
        serde_json::to_value(ErrorBody::of(ErrorCode::TooLarge)).expect("serialise"),
        json!({"code": "too_large", "message": "The request is too large: send fewer changes at a time"})
    );
}

#[rstest]
#[case::malformed(ErrorCode::Malformed, 400)]
#[case::wrong_protocol(ErrorCode::WrongProtocol, 400)]
#[case::too_large(ErrorCode::TooLarge, 413)]
#[case::unknown_entity(ErrorCode::UnknownEntity, 422)]
#[case::out_of_scope(ErrorCode::OutOfScope, 403)]
#[case::unauthorised(ErrorCode::Unauthorised, 401)]
#[case::token_expired(ErrorCode::TokenExpired, 401)]
#[case::device_revoked(ErrorCode::DeviceRevoked, 410)]
#[case::rate_limited(ErrorCode::RateLimited, 429)]
#[case::not_found(ErrorCode::NotFound, 404)]
#[case::conflict(ErrorCode::Conflict, 409)]
#[case::invalid(ErrorCode::Invalid, 422)]
fn statuses(#[case] code: ErrorCode, #[case] status: u16) {
    assert_eq!(code.status(), status);
}

#[test]
fn a_good_push_decodes() {
    let request: PushRequest =
        decode_request(&push_body(vec![sample_change()])).expect("a good push");
    assert_eq!(request.changes, vec![sample_change()]);
}

fn push_json_with(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&push_body(vec![sample_change()])).expect("json");
    edit(&mut v);
    serde_json::to_vec(&v).expect("serialise")
}

fn change_with(edit: impl FnOnce(&mut Change)) -> Vec<u8> {
    let mut c = sample_change();
    edit(&mut c);
    push_body(vec![c])
}

#[rstest]
#[case::not_json(b"{not json".to_vec(), ErrorCode::Malformed)]
#[case::empty(Vec::new(), ErrorCode::Malformed)]
#[case::no_protocol(push_json_with(|v| { v.as_object_mut().map(|o| o.remove("protocol")); }), ErrorCode::Malformed)]
#[case::wrong_shape(push_json_with(|v| v["changes"] = json!("many")), ErrorCode::Malformed)]
#[case::bad_hlc(push_json_with(|v| v["changes"][0]["hlc"] = json!("yesterday")), ErrorCode::Malformed)]
#[case::future_protocol(push_json_with(|v| v["protocol"] = json!(2)), ErrorCode::WrongProtocol)]
#[case::future_protocol_other_shape(br#"{"protocol":2,"batches":[]}"#.to_vec(), ErrorCode::WrongProtocol)]
#[case::unknown_entity(push_json_with(|v| v["changes"][0]["entity"] = json!("spaceship")), ErrorCode::UnknownEntity)]
#[case::reserved_field(change_with(|c| { c.fields.insert("_deleted".into(), json!(true)); }), ErrorCode::Invalid)]
#[case::base_not_older(change_with(|c| { c.base_versions.insert("phone".into(), Some(c.hlc)); }), ErrorCode::Invalid)]
#[case::base_for_a_field_not_sent(change_with(|c| { c.base_versions.insert("email".into(), None); }), ErrorCode::Invalid)]
#[case::no_fields(change_with(|c| { c.fields.clear(); c.base_versions.clear(); }), ErrorCode::Invalid)]
#[case::delete_with_fields(change_with(|c| c.operation = Operation::Delete), ErrorCode::Invalid)]
#[case::clock_of_another_device(change_with(|c| c.hlc.device = DeviceId::new()), ErrorCode::Invalid)]
#[case::change_from_another_device(change_with(|c| { c.device_id = DeviceId::new(); c.hlc.device = c.device_id; }), ErrorCode::Invalid)]
#[case::empty_entity_id(change_with(|c| c.entity_id.clear()), ErrorCode::Invalid)]
#[case::too_many(push_body(vec![sample_change(); MAX_BATCH + 1]), ErrorCode::TooLarge)]
#[case::too_big(vec![b' '; MAX_BODY_BYTES + 1], ErrorCode::TooLarge)]
fn bad_pushes_get_their_own_code(#[case] body: Vec<u8>, #[case] code: ErrorCode) {
    let error = decode_request::<PushRequest>(&body).expect_err("refused");
    assert_eq!(error.code, code, "{}", error.message);
    assert!(!error.message.is_empty());
}

#[test]
fn a_full_batch_is_accepted() {
    let changes: Vec<Change> = (0..MAX_BATCH)
        .map(|_| {
            let mut c = sample_change();
            c.change_id = Uuid::now_v7();
            c
        })
        .collect();
    let body = push_body(changes);
    assert!(body.len() < MAX_BODY_BYTES);
    assert!(decode_request::<PushRequest>(&body).is_ok());
}

#[test]
fn other_requests_decode_and_check() {
    let pull = br#"{"protocol":1,"after":0,"limit":100}"#;
    assert_eq!(
        decode_request::<PullRequest>(pull).expect("pull"),
        PullRequest {
            protocol: 1,
            after: 0,
            limit: 100
        }
    );
    let zero = br#"{"protocol":1,"after":0,"limit":0}"#;
    assert_eq!(
        decode_request::<PullRequest>(zero).map_err(|e| e.code),
        Err(ErrorCode::Invalid)
    );
    let enrol = br#"{"protocol":1,"code":"ABCD-EFGH","device_name":"Laptop 7"}"#;
    let request = decode_request::<EnrolRequest>(enrol).expect("enrol");
    assert_eq!(request.code.expose(), "ABCD-EFGH");
    let blank = br#"{"protocol":1,"code":"  ","device_name":"Laptop 7"}"#;
    assert_eq!(
        decode_request::<EnrolRequest>(blank).map_err(|e| e.code),
        Err(ErrorCode::Invalid)
    );
    let old =
        br#"{"protocol":0,"device_id":"0190a4b2-1111-7000-8000-000000000002","refresh_token":"r"}"#;
    assert_eq!(
        decode_request::<RefreshRequest>(old).map_err(|e| e.code),
        Err(ErrorCode::WrongProtocol)
    );
}

#[test]
fn secrets_never_print() {
    let enrol = EnrolRequest {
        protocol: 1,
        code: Secret::new("TOP-SECRET"),
        device_name: "Laptop 7".into(),
    };
    let shown = format!("{enrol:?}");
    assert!(!shown.contains("TOP-SECRET"), "{shown}");
    assert_eq!(
        serde_json::to_value(&enrol).expect("serialise")["code"],
        json!("TOP-SECRET")
    );
}

#[test]
fn log_entries_carry_a_change_or_a_removal() {
    let removal = LogEntry::of_removal(
        8,
        Removal {
            entity: EntityKind::Household,
            entity_id: "h1".into(),
            erased: false,
        },
    );
    let erased = Removal {
        entity: EntityKind::Person,
        entity_id: "p1".into(),
        erased: true,
    };
    assert_eq!(
        serde_json::to_value(&erased).expect("serialise"),
        json!({"entity": "person", "entity_id": "p1", "erased": true})
    );
    // A hub from before erasure sends no flag: the record only moved.
    let moved: Removal =
        serde_json::from_value(json!({"entity": "person", "entity_id": "p1"})).expect("parse");
    assert!(!moved.erased);
    assert_eq!(
        serde_json::to_value(&removal).expect("serialise"),
        json!({"seq": 8, "remove": {"entity": "household", "entity_id": "h1"}})
    );
    let page = PullResponse {
        entries: vec![LogEntry::of_change(7, sample_change()), removal],
        next: 8,
        more: false,
        full_resync_needed: false,
    };
    let text = serde_json::to_string(&page).expect("serialise");
    assert_eq!(
        serde_json::from_str::<PullResponse>(&text).expect("deserialise"),
        page
    );
    let response = PushResponse {
        applied: vec![Uuid::now_v7()],
        cursor: 9,
        ..PushResponse::default()
    };
    let text = serde_json::to_string(&response).expect("serialise");
    assert_eq!(
        serde_json::from_str::<PushResponse>(&text).expect("deserialise"),
        response
    );
}

#[test]
fn narrowing_a_change_keeps_its_identity() {
    let c = sample_change();
    let narrowed = c.only_fields(&["phone"]).expect("phone stays");
    assert_eq!(narrowed.change_id, c.change_id);
    assert_eq!(narrowed.fields.keys().collect::<Vec<_>>(), ["phone"]);
    assert_eq!(narrowed.base_versions.keys().collect::<Vec<_>>(), ["phone"]);
    assert_eq!(c.only_fields::<&str>(&[]), None);
}

#[rstest]
#[case(
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    true
)]
#[case(
    "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
    false
)]
#[case("e3b0c442", false)]
#[case("../../etc/passwd", false)]
fn attachment_names(#[case] name: &str, #[case] ok: bool) {
    assert_eq!(is_sha256_hex(name), ok);
}

#[test]
fn household_openings_have_their_shape_and_limits() {
    let one = json!({
        "id": "0190a4b2-5555-7000-8000-000000000006",
        "household_id": "0190a4b2-3333-7000-8000-000000000004",
        "opened_by": "Pat Sampleton",
        "opened_at": "2026-03-01T10:02:00.123Z",
    });
    let body = json!({"protocol": 1, "openings": [one]});
    let request =
        decode_request::<OpeningsRequest>(&serde_json::to_vec(&body).unwrap()).expect("decodes");
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        body,
        "the wire shape, field for field"
    );
    let batch = |n: usize| {
        let openings: Vec<Value> = (0..n)
            .map(|_| {
                let mut o = one.clone();
                o["id"] = json!(Uuid::now_v7());
                o
            })
            .collect();
        serde_json::to_vec(&json!({"protocol": 1, "openings": openings})).unwrap()
    };
    assert!(decode_request::<OpeningsRequest>(&batch(MAX_OPENINGS)).is_ok());
    assert_eq!(
        decode_request::<OpeningsRequest>(&batch(MAX_OPENINGS + 1)).map_err(|e| e.code),
        Err(ErrorCode::TooLarge)
    );
    let mut bad_id = body.clone();
    bad_id["openings"][0]["id"] = json!("not-a-uuid");
    assert_eq!(
        decode_request::<OpeningsRequest>(&serde_json::to_vec(&bad_id).unwrap())
            .map_err(|e| e.code),
        Err(ErrorCode::Malformed)
    );
    let refused = |field: &str, value: Value| {
        let mut bad = body.clone();
        bad["openings"][0][field] = value;
        decode_request::<OpeningsRequest>(&serde_json::to_vec(&bad).unwrap()).map_err(|e| e.code)
    };
    for (field, value) in [
        ("household_id", json!("")),
        ("household_id", json!("h".repeat(129))),
        ("opened_by", json!("")),
        ("opened_by", json!(" \t ")),
        ("opened_by", json!("P".repeat(201))),
        ("opened_by", json!("Pat\u{1b}[31mSampleton")),
    ] {
        assert_eq!(
            refused(field, value.clone()),
            Err(ErrorCode::Invalid),
            "{field} {value}"
        );
    }
    let message = decode_request::<OpeningsRequest>(
        &serde_json::to_vec(&{
            let mut bad = body.clone();
            bad["openings"][0]["opened_by"] = json!("Pat\nSampleton");
            bad
        })
        .unwrap(),
    )
    .unwrap_err()
    .message;
    assert!(
        !message.contains("Pat") && !message.contains("0190a4b2-3333"),
        "a refusal names the opening, not the person or the household: {message}"
    );

    // At most five minutes ahead of the hub's clock, as for clock readings.
    let opening: Opening = serde_json::from_value(one).unwrap();
    let at = opening.opened_at;
    assert!(opening.check_not_ahead(at).is_ok());
    assert!(
        opening
            .check_not_ahead(at - chrono::TimeDelta::minutes(5))
            .is_ok()
    );
    assert!(
        opening
            .check_not_ahead(
                at - chrono::TimeDelta::minutes(5) - chrono::TimeDelta::milliseconds(1)
            )
            .is_err()
    );

    // An answer from a hub that counts only what it took still reads.
    let answer: OpeningsResponse = serde_json::from_value(json!({"accepted": 3})).unwrap();
    assert_eq!(
        answer,
        OpeningsResponse {
            accepted: 3,
            already_recorded: 0
        }
    );
}

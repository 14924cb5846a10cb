//! The registry, the hub link's secrecy, attachment names and the outbox check.

use std::collections::HashSet;

use chrono::Utc;
use doorstep_core::{DeviceId, Role};

use super::registry::{KINDS, kind};
use super::transfer::{bare_sha, reference};
use super::*;
use crate::error::StoreError;
use crate::store::Store;

#[test]
fn the_registry_names_each_kind_and_table_once() {
    let entities: HashSet<&str> = KINDS.iter().map(|k| k.entity).collect();
    let tables: HashSet<&str> = KINDS.iter().map(|k| k.table).collect();
    assert_eq!((entities.len(), tables.len()), (KINDS.len(), KINDS.len()));
    for k in &KINDS {
        assert_eq!(kind(k.entity).map(|found| found.table).ok(), Some(k.table));
    }
    assert!(matches!(
        kind("gazetteer"),
        Err(StoreError::UnknownEntity(_))
    ));
}

#[test]
fn a_shas_prefix_and_case_do_not_matter() {
    let hex = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
    assert_eq!(bare_sha(hex), hex.to_ascii_lowercase());
    assert_eq!(bare_sha(&format!("sha256:{hex}")), hex.to_ascii_lowercase());
    assert_eq!(
        reference(hex),
        format!("sha256:{}", hex.to_ascii_lowercase())
    );
}

#[test]
fn the_hub_links_debug_hides_the_token() {
    let link = HubLink {
        hub_url: "https://hub.example".into(),
        hub_device_id: DeviceId::new(),
        organisation: "Sampleton Borough Council".into(),
        user_name: "Pat Sampleton".into(),
        user_role: Role::Officer,
        refresh_token: "very-secret-token".into(),
        enrolled_at: Utc::now(),
    };
    let shown = format!("{link:?}");
    assert!(!shown.contains("very-secret-token"), "{shown}");
    assert!(shown.contains("Pat Sampleton"));
}

#[test]
fn the_outbox_check_finds_a_record_without_its_row_and_a_row_without_its_record() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = crate::DataFolder::open(dir.path()).expect("folder");
    let mut store = Store::set_up(
        &folder,
        "Rowan Testwell",
        Role::Officer,
        "kettle harbour violet sprocket",
        crate::KdfParams::INSECURE_FOR_TESTS,
    )
    .expect("set up");
    let draft = doorstep_core::HouseholdDraft {
        address_line_1: "1 Sampleton Row".into(),
        town: "Eastwick Vale".into(),
        postcode: "ZY5 2AB".into(),
        ..Default::default()
    };
    let h = store
        .create_household(&draft, doorstep_core::ChangeSource::Ui)
        .expect("household");
    assert_eq!(
        store.debug_outbox_disagreements().expect("check"),
        Vec::<String>::new(),
        "a save writes its record and its row together"
    );
    store
        .conn
        .execute(
            "UPDATE outbox SET entity_id = 'nobody' WHERE entity_id = ?1",
            [h.id.to_string()],
        )
        .expect("tamper");
    let found = store.debug_outbox_disagreements().expect("check");
    assert_eq!(found.len(), 2, "both halves are reported: {found:?}");
    assert!(found[0].contains("no record"), "{found:?}");
    assert!(found[1].contains("without its outbox row"), "{found:?}");
    assert!(
        store.integrity_problems().expect("check").is_empty(),
        "the file itself is sound"
    );
}

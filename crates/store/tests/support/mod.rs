//! What the store's integration tests share: a store on real SQLCipher files in a temporary
//! folder, the council's reference files, a street of gazetteer addresses, and small values.
//!
//! Each test binary includes this with `mod support;` and uses only part of it, so unused
//! items are allowed here rather than warned about in every binary.
#![allow(dead_code)]

use std::path::Path;

use chrono::NaiveDate;
use doorstep_core::security::{AnswerValue, Catalogue, Policy, Template};
use doorstep_core::work_order::Contractors;
use doorstep_core::{Role, ValidationErrors};
use doorstep_store::{DataFolder, KdfParams, Store, StoreError};
use tempfile::TempDir;

/// The passphrase of the person who sets up each test store.
pub const PASSPHRASE: &str = "kettle harbour violet sprocket";
/// The home security survey's template.
pub const TEMPLATE: &str = include_str!("../../../../assets/templates/home-security-survey.toml");
/// The council's plan policy.
pub const POLICY: &str = include_str!("../../../../assets/policy.toml");
/// The catalogue of security measures.
pub const CATALOGUE: &str = include_str!("../../../../assets/catalogue/measures.toml");
/// The fitting firms.
pub const CONTRACTORS: &str = include_str!("../../../../assets/contractors.toml");
/// The CHARLIE fire-risk template.
pub const CHARLIE: &str = include_str!("../../../../assets/templates/charlie.toml");
/// The partner agencies referrals go to.
pub const AGENCIES: &str = include_str!("../../../../assets/agencies.toml");
/// A whole 1 × 1 PNG: photos are checked from signature to IEND.
pub const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 13, b'I', b'D', b'A', b'T',
    0x78, 0xDA, 0x63, 0x64, 0x60, 0xF8, 0x5F, 0x0F, 0, 0x02, 0x87, 0x01, 0x80, 0xEB, 0x47, 0xBA,
    0x92, 0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82,
];

/// The day the tests take as today.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid date")
}

/// A store set up in `data` by `name` in `role`, with [`PASSPHRASE`] and key derivation
/// fast enough for tests.
pub fn set_up(data: &Path, name: &str, role: Role) -> (DataFolder, Store) {
    let folder = DataFolder::open(data).expect("open folder");
    let store = Store::set_up(
        &folder,
        name,
        role,
        PASSPHRASE,
        KdfParams::INSECURE_FOR_TESTS,
    )
    .expect("set up");
    (folder, store)
}

/// A store set up by `name` in `role` in a fresh temporary folder, which lasts as long as
/// the returned `TempDir`.
pub fn new_store_as(name: &str, role: Role) -> (TempDir, DataFolder, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (folder, store) = set_up(&dir.path().join("data"), name, role);
    (dir, folder, store)
}

/// A store set up by the officer Rowan Testwell in a fresh temporary folder.
pub fn new_store() -> (TempDir, DataFolder, Store) {
    new_store_as("Rowan Testwell", Role::Officer)
}

/// The gazetteer CSV's header line.
pub const GAZETTEER_HEADER: &str =
    "uprn,address_line_1,address_line_2,address_line_3,town,postcode,easting,northing\n";

/// Imports `doors` addresses numbered from 1 along `street` in Eastwick Vale, 15 m apart
/// going east, with UPRNs 990000000001 on; `place` gives door `n` its postcode and northing
/// (so the two sides of a street can face each other).
pub fn import_street(
    store: &mut Store,
    street: &str,
    doors: u32,
    place: impl Fn(u32) -> (&'static str, u32),
) {
    let mut csv = String::from(GAZETTEER_HEADER);
    for n in 1..=doors {
        let (postcode, northing) = place(n);
        csv.push_str(&format!(
            "{},{n} {street},,,Eastwick Vale,{postcode},{},{northing}\n",
            990_000_000_000u64 + u64::from(n),
            450_000 + n * 15
        ));
    }
    store
        .import_gazetteer(csv.as_bytes(), csv.len() as u64, |_| {})
        .expect("import");
}

/// Imports `doors` addresses along Lantern Walk (ZY4 7HT), odd numbers facing even ones
/// 20 m across the street.
pub fn lantern_walk(store: &mut Store, doors: u32) {
    import_street(store, "Lantern Walk", doors, |n| {
        ("ZY4 7HT", if n % 2 == 0 { 361_020 } else { 361_000 })
    });
}

/// A multiple-choice answer.
pub fn choice(s: &str) -> AnswerValue {
    AnswerValue::Choice(s.into())
}

/// A core rule's refusal, carried through the store as a store error.
pub fn refused(e: impl std::fmt::Display) -> StoreError {
    let mut errors = ValidationErrors::default();
    errors.add("rule", e.to_string());
    StoreError::Invalid(errors)
}

/// The council's reference files, parsed.
pub struct Files {
    /// The survey template.
    pub template: Template,
    /// The plan policy.
    pub policy: Policy,
    /// The measures.
    pub catalogue: Catalogue,
    /// The fitting firms.
    pub contractors: Contractors,
}

/// Parses the council's reference files.
pub fn files() -> Files {
    Files {
        template: Template::from_toml(TEMPLATE).expect("template"),
        policy: Policy::from_toml(POLICY).expect("policy"),
        catalogue: Catalogue::from_toml(CATALOGUE).expect("catalogue"),
        contractors: Contractors::from_toml(CONTRACTORS).expect("contractors"),
    }
}

//! The corpus of bad files (`tests/corpus/`, issue 18): every gazetteer CSV, day-of-action
//! door list, image, database and key file in it goes through the store's real import,
//! attachment or unlock path and must be refused with a reason that names what is wrong,
//! without a panic, and with nothing changed: not a row, not a byte of the data folder.
//! A file `name.expect` beside a corpus file holds words its refusal must contain.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use doorstep_core::ChangeSource;
use doorstep_core::attachment::DEFAULT_MAX_PHOTO_BYTES;
use doorstep_core::views::DayOfActionDraft;
use doorstep_store::{DataFolder, Store, StoreError};
use support::{PASSPHRASE, new_store};
use tempfile::TempDir;

/// Two synthetic addresses, so a door list has something it could match.
const GAZETTEER: &str =
    "uprn,address_line_1,address_line_2,address_line_3,town,postcode,easting,northing
990000000101,1 Sample Street,,,Eastwick Vale,ZY1 1AA,430000,390000
990000000102,2 Sample Street,,,Eastwick Vale,ZY1 1AA,430010,390000
";

/// The corpus files of one kind (not their `.expect` notes), in name order.
fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus")
        .join(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|x| x != "expect"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 4,
        "the {kind} corpus has at least four files, found {}",
        files.len()
    );
    files
}

/// Checks one file's refusal: a message, naming what its `.expect` says, and no panic.
fn judge(
    file: &Path,
    failures: &mut Vec<String>,
    refuse: impl FnOnce(&[u8]) -> Result<String, String>,
) {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let bytes = fs::read(file).unwrap();
    let message = match catch_unwind(AssertUnwindSafe(|| refuse(&bytes))) {
        Err(_) => return failures.push(format!("{name}: panicked")),
        Ok(Err(accepted)) => return failures.push(format!("{name}: accepted ({accepted})")),
        Ok(Ok(message)) => message,
    };
    if message.trim().is_empty() {
        return failures.push(format!("{name}: refused without a reason"));
    }
    let mut expect = file.as_os_str().to_owned();
    expect.push(".expect");
    if let Ok(words) = fs::read_to_string(PathBuf::from(expect)) {
        let words = words.trim();
        if !message.to_lowercase().contains(&words.to_lowercase()) {
            failures.push(format!(
                "{name}: the refusal should say {words:?}, it said {message:?}"
            ));
        }
    }
}

#[track_caller]
fn no_failures(kind: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{kind} corpus files not refused as they should be:\n{}",
        failures.join("\n")
    );
}

/// A store holding the two seed addresses.
fn seeded_store() -> (TempDir, DataFolder, Store) {
    let (dir, folder, mut store) = new_store();
    let report = store
        .import_gazetteer(GAZETTEER.as_bytes(), GAZETTEER.len() as u64, |_| {})
        .unwrap();
    assert_eq!(report.imported, 2, "the seed gazetteer loads: {report:?}");
    (dir, folder, store)
}

type Fingerprint = (
    BTreeMap<String, (u64, String)>,
    Vec<(String, String, String, String)>,
);

/// Everything the store holds: each table's rows and the outbox.
fn fingerprint(store: &Store) -> Fingerprint {
    (
        store.debug_table_digests().unwrap(),
        store.debug_outbox().unwrap(),
    )
}

#[test]
fn every_bad_gazetteer_is_refused_and_nothing_is_imported() {
    let (_dir, _folder, mut store) = seeded_store();
    let before = fingerprint(&store);
    let mut failures = Vec::new();
    for file in corpus("gazetteer") {
        judge(&file, &mut failures, |bytes| {
            match store.import_gazetteer(bytes, bytes.len() as u64, |_| {}) {
                Err(e @ StoreError::ImportHeader(_)) => Ok(e.to_string()),
                Err(other) => Err(format!("a generic error: {other:?}")),
                // A file of bad rows only is refused row by row, each with its reason.
                Ok(report) if report.imported == 0 && report.rejected_total > 0 => Ok(report
                    .rejected
                    .iter()
                    .map(|r| format!("line {}: {}", r.line, r.reason))
                    .collect::<Vec<_>>()
                    .join("; ")),
                Ok(report) => Err(format!("{report:?}")),
            }
        });
        assert_eq!(
            fingerprint(&store),
            before,
            "{}: the store changed",
            file.display()
        );
    }
    no_failures("gazetteer", &failures);
}

#[test]
fn every_bad_door_list_is_refused_and_no_door_is_added() {
    let (_dir, _folder, mut store) = seeded_store();
    let day = store
        .create_day_of_action(
            &DayOfActionDraft {
                name: "Ember Row day of action".into(),
                date: "2026-11-27".into(),
                area: "ZY1 1".into(),
                crew: vec!["Blue Watch".into()],
            },
            ChangeSource::Ui,
        )
        .unwrap();
    let before = fingerprint(&store);
    let mut failures = Vec::new();
    for file in corpus("day-doors") {
        judge(&file, &mut failures, |bytes| {
            match store.import_day_doors(&day.id, bytes, ChangeSource::Ui) {
                Err(e @ StoreError::ImportHeader(_)) => Ok(e.to_string()),
                Err(other) => Err(format!("a generic error: {other:?}")),
                Ok(added) if added.added == 0 && !added.rejected.is_empty() => Ok(added
                    .rejected
                    .iter()
                    .map(|r| format!("line {}: {}", r.line, r.reason))
                    .collect::<Vec<_>>()
                    .join("; ")),
                Ok(added) => Err(format!("{added:?}")),
            }
        });
        assert_eq!(
            fingerprint(&store),
            before,
            "{}: the store changed",
            file.display()
        );
    }
    no_failures("day-doors", &failures);
}

/// The control: the same path takes a good list, here as Excel saves "CSV UTF-8" (with a
/// byte order mark before the uprn header), so the refusals above are the files' doing.
#[test]
fn a_good_door_list_with_a_byte_order_mark_is_taken() {
    let (_dir, _folder, mut store) = seeded_store();
    let day = store
        .create_day_of_action(
            &DayOfActionDraft {
                name: "Ember Row day of action".into(),
                date: "2026-11-27".into(),
                area: "ZY1 1".into(),
                crew: vec!["Blue Watch".into()],
            },
            ChangeSource::Ui,
        )
        .unwrap();
    let list = "\u{feff}uprn,note\r\n990000000101,corner house\r\n990000000102,\r\n";
    let added = store
        .import_day_doors(&day.id, list.as_bytes(), ChangeSource::Ui)
        .expect("a good list is read");
    assert_eq!(
        (added.added, added.rejected.len()),
        (2, 0),
        "both doors are added: {added:?}"
    );
}

#[test]
fn every_bad_image_is_refused_as_a_photo_and_nothing_is_stored() {
    let (_dir, _folder, mut store) = seeded_store();
    let before = fingerprint(&store);
    let mut failures = Vec::new();
    for file in corpus("images") {
        judge(&file, &mut failures, |bytes| {
            match store.add_image(bytes, DEFAULT_MAX_PHOTO_BYTES, "photo", ChangeSource::Ui) {
                Err(StoreError::Invalid(errors)) => Ok(errors
                    .errors()
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")),
                Err(other) => Err(format!("a generic error: {other:?}")),
                Ok(reference) => Err(format!("stored as {reference}")),
            }
        });
        assert_eq!(
            fingerprint(&store),
            before,
            "{}: the store changed",
            file.display()
        );
    }
    no_failures("images", &failures);
}

/// Every file in the data folder, with its bytes.
fn folder_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// A closed store's folder with one of its two files replaced by each corpus file in turn;
/// unlocking must refuse it, leave every file as it was, and the real pair must still open.
fn unlock_with_each(kind: &str, replace: &str) {
    let (dir, folder, store) = seeded_store();
    store.close().unwrap();
    let data = dir.path().join("data");
    let target = data.join(replace);
    let original = fs::read(&target).unwrap();
    let mut failures = Vec::new();
    for file in corpus(kind) {
        fs::write(&target, fs::read(&file).unwrap()).unwrap();
        let before = folder_files(&data);
        judge(&file, &mut failures, |_| {
            match Store::unlock(&folder, PASSPHRASE) {
                Err(
                    e @ (StoreError::NotDoorstepData { .. }
                    | StoreError::Corrupt { .. }
                    | StoreError::SchemaTooNew { .. }),
                ) => Ok(e.to_string()),
                Err(other) => Err(format!("a generic or wrong error: {other:?}")),
                Ok(_) => Err("it unlocked".to_owned()),
            }
        });
        assert_eq!(
            folder_files(&data),
            before,
            "{}: the data folder changed",
            file.display()
        );
    }
    fs::write(&target, original).unwrap();
    Store::unlock(&folder, PASSPHRASE).expect("the real files still open");
    no_failures(kind, &failures);
}

#[test]
fn every_bad_database_is_refused_on_unlock_and_left_as_it_was() {
    unlock_with_each("database", "doorstep.db");
}

#[test]
fn every_bad_key_file_is_refused_on_unlock_and_left_as_it_was() {
    unlock_with_each("keyfile", "doorstep.key");
}

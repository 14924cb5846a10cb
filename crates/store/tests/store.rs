//! Integration tests of the store on real SQLCipher files in temporary folders.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod support;

use std::fs;
use std::path::Path;

use doorstep_core::views::SearchHitKind;
use doorstep_core::{
    AgeBand, ChangeSource, ContactPreferences, HouseholdDraft, PersonDraft, Role, Uprn, VisitDraft,
    VisitKind, VisitOutcome,
};
use doorstep_store::{DataFolder, KdfParams, Store, StoreError};
use support::{PASSPHRASE, new_store, today};

fn draft(line1: &str, postcode: &str) -> HouseholdDraft {
    HouseholdDraft {
        address_line_1: line1.into(),
        town: "Eastwick Vale".into(),
        postcode: postcode.into(),
        ..Default::default()
    }
}

fn person(household: doorstep_core::HouseholdId, name: &str) -> PersonDraft {
    PersonDraft {
        household_id: household,
        full_name: name.into(),
        phone: "07700 900456".into(),
        email: String::new(),
        date_of_birth: String::new(),
        age_band: Some(AgeBand::From65To74),
        preferred_language: String::new(),
        contact_preferences: ContactPreferences {
            phone: true,
            ..Default::default()
        },
    }
}

fn outbox(store_dir: &Path) -> Vec<(String, String, String, String)> {
    // Read the outbox through a fresh unlock, as another process would.
    let folder = DataFolder::open(store_dir).expect("folder");
    let store = Store::unlock(&folder, PASSPHRASE).expect("unlock");
    store.debug_outbox().expect("outbox")
}

fn file_bytes(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_default()
}

#[test]
fn a_household_survives_lock_and_unlock_and_is_in_the_outbox_once() {
    let (dir, folder, mut store) = new_store();
    let h = store
        .create_household(&draft("12 Lantern Walk", "zy4 7ht"), ChangeSource::Ui)
        .expect("create");
    assert_eq!(
        h.postcode.as_str(),
        "ZY4 7HT",
        "postcodes are stored in normal form"
    );
    drop(store);
    drop(folder);
    let rows = outbox(&dir.path().join("data"));
    assert_eq!(rows.len(), 1, "one change, one outbox row");
    assert_eq!(rows[0].0, "household");
    assert_eq!(rows[0].2, "create");
    assert_eq!(
        rows[0].3, "ui",
        "the outbox row says where the change came from"
    );

    let folder = DataFolder::open(dir.path().join("data")).expect("reopen");
    let store = Store::unlock(&folder, PASSPHRASE).expect("unlock");
    assert_eq!(store.household(h.id).expect("read back"), h);
}

#[test]
fn a_wrong_passphrase_is_refused_and_touches_nothing() {
    let (dir, folder, mut store) = new_store();
    store
        .create_household(&draft("1 Heron Close", "ZY1 2AB"), ChangeSource::Ui)
        .expect("create");
    drop(store);
    let data = dir.path().join("data");
    let before: Vec<Vec<u8>> = ["doorstep.db", "doorstep.key"]
        .iter()
        .map(|f| file_bytes(&data.join(f)))
        .collect();
    for _ in 0..5 {
        assert!(matches!(
            Store::unlock(&folder, "not the passphrase"),
            Err(StoreError::WrongPassphrase)
        ));
    }
    let after: Vec<Vec<u8>> = ["doorstep.db", "doorstep.key"]
        .iter()
        .map(|f| file_bytes(&data.join(f)))
        .collect();
    assert_eq!(
        before, after,
        "a wrong passphrase must not change either file"
    );
    assert!(
        Store::unlock(&folder, PASSPHRASE).is_ok(),
        "no lock-out after wrong attempts"
    );
}

#[test]
fn changing_the_passphrase_rewraps_the_key_without_rewriting_the_data() {
    let (dir, folder, mut store) = new_store();
    store
        .create_household(&draft("3 Heron Close", "ZY1 2AB"), ChangeSource::Ui)
        .expect("create");
    drop(store);
    let db = dir.path().join("data/doorstep.db");
    let before = file_bytes(&db);
    let new = "marble otter lantern quietly";
    assert!(matches!(
        Store::change_passphrase(
            &folder,
            "wrong one entirely",
            new,
            KdfParams::INSECURE_FOR_TESTS
        ),
        Err(StoreError::WrongPassphrase)
    ));
    assert!(matches!(
        Store::change_passphrase(&folder, PASSPHRASE, "short", KdfParams::INSECURE_FOR_TESTS),
        Err(StoreError::Invalid(_))
    ));
    Store::change_passphrase(&folder, PASSPHRASE, new, KdfParams::INSECURE_FOR_TESTS)
        .expect("change");
    assert_eq!(
        before,
        file_bytes(&db),
        "the database file is not rewritten"
    );
    assert!(matches!(
        Store::unlock(&folder, PASSPHRASE),
        Err(StoreError::WrongPassphrase)
    ));
    let store = Store::unlock(&folder, new).expect("new passphrase unlocks");
    assert_eq!(store.household_count().expect("count"), 1);
}

#[test]
fn set_up_never_overwrites_existing_data() {
    let (dir, folder, store) = new_store();
    drop(store);
    let db = dir.path().join("data/doorstep.db");
    let before = file_bytes(&db);
    assert!(matches!(
        Store::set_up(
            &folder,
            "Someone Else",
            Role::Officer,
            "another strong pass phrase",
            KdfParams::INSECURE_FOR_TESTS
        ),
        Err(StoreError::AlreadySetUp(_))
    ));
    assert_eq!(before, file_bytes(&db));
}

#[test]
fn set_up_refuses_a_weak_passphrase_and_an_empty_name_field_by_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = DataFolder::open(dir.path()).expect("folder");
    match Store::set_up(
        &folder,
        " ",
        Role::Officer,
        "password1",
        KdfParams::INSECURE_FOR_TESTS,
    ) {
        Err(StoreError::Invalid(errors)) => {
            let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["officer_name", "passphrase"]);
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    assert!(
        !dir.path().join("doorstep.db").exists(),
        "nothing is created on a refused set-up"
    );
}

#[test]
fn a_corrupt_data_file_is_named_and_left_alone() {
    let (dir, folder, store) = new_store();
    drop(store);
    let db = dir.path().join("data/doorstep.db");
    let _ = fs::remove_file(dir.path().join("data/doorstep.db-wal"));
    let _ = fs::remove_file(dir.path().join("data/doorstep.db-shm"));
    let garbage = vec![0x5au8; 8192];
    fs::write(&db, &garbage).expect("write garbage");
    match Store::unlock(&folder, PASSPHRASE) {
        Err(e @ StoreError::Corrupt { .. }) => {
            assert!(
                e.to_string().contains("doorstep.db"),
                "the message names the file: {e}"
            );
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(
        file_bytes(&db),
        garbage,
        "the damaged file is never overwritten"
    );
}

#[test]
fn a_plain_sqlite_file_is_not_taken_for_ours() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = DataFolder::open(dir.path()).expect("folder");
    {
        let (_d, other_folder, other) = new_store();
        drop(other);
        fs::copy(other_folder.key_path(), folder.key_path()).expect("copy a key file");
    }
    #[allow(clippy::disallowed_methods)] // deliberately a stranger's unencrypted file
    let plain = rusqlite::Connection::open(folder.database_path()).expect("plain db");
    plain
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .expect("write");
    drop(plain);
    match Store::unlock(&folder, PASSPHRASE) {
        Err(e @ StoreError::Corrupt { .. }) | Err(e @ StoreError::NotDoorstepData { .. }) => {
            assert!(e.to_string().contains("doorstep.db"), "{e}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let (_dir, folder, store) = new_store();
    store.debug_set_user_version(99).expect("bump schema");
    drop(store);
    match Store::unlock(&folder, PASSPHRASE) {
        Err(StoreError::SchemaTooNew { found: 99, known }) => assert!(known < 99),
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn a_database_without_its_key_file_is_refused_and_kept() {
    let (_dir, folder, store) = new_store();
    drop(store);
    fs::remove_file(folder.key_path()).expect("remove key");
    assert!(matches!(
        Store::unlock(&folder, PASSPHRASE),
        Err(StoreError::NotDoorstepData { .. })
    ));
    assert!(matches!(
        Store::set_up(
            &folder,
            "Rowan Testwell",
            Role::Officer,
            PASSPHRASE,
            KdfParams::INSECURE_FOR_TESTS
        ),
        Err(StoreError::AlreadySetUp(_))
    ));
    assert!(folder.database_path().exists());
}

#[test]
fn updating_a_household_sends_only_the_changed_fields() {
    let (dir, folder, mut store) = new_store();
    let h = store
        .create_household(&draft("5 Heron Close", "ZY1 2AB"), ChangeSource::Ui)
        .expect("create");
    let mut edit = h.to_draft();
    edit.town = "Westwick Vale".into();
    let updated = store
        .update_household(h.id, &edit, ChangeSource::Ui)
        .expect("update");
    assert_eq!(updated.town, "Westwick Vale");
    // An update that changes nothing writes nothing.
    store
        .update_household(h.id, &edit, ChangeSource::Ui)
        .expect("no-op update");
    drop(store);
    drop(folder);
    let rows = outbox(&dir.path().join("data"));
    assert_eq!(
        rows.len(),
        2,
        "create + one real update; the no-op adds nothing"
    );
    let payload: serde_json::Value = serde_json::from_str(&rows[1].1).expect("json payload");
    let fields: Vec<&String> = payload["fields"]
        .as_object()
        .expect("fields")
        .keys()
        .collect();
    assert_eq!(fields, ["town"]);
    assert!(
        payload["base_versions"]["town"].is_string(),
        "the update names the version it was based on"
    );
}

#[test]
fn a_uprn_cannot_belong_to_two_households() {
    let (_dir, _folder, mut store) = new_store();
    let with_uprn = HouseholdDraft {
        uprn: "990000000123".into(),
        ..draft("7 Heron Close", "ZY1 2AB")
    };
    store
        .create_household(&with_uprn, ChangeSource::Ui)
        .expect("first");
    match store.create_household(&with_uprn, ChangeSource::Ui) {
        Err(StoreError::Invalid(e)) => assert_eq!(e.errors()[0].field, "uprn"),
        other => panic!("expected a UPRN error, got {other:?}"),
    }
    assert_eq!(store.household_count().expect("count"), 1);
}

#[test]
fn search_finds_by_postcode_prefix_street_fragment_and_resident() {
    let (_dir, _folder, mut store) = new_store();
    let h = store
        .create_household(&draft("12 Lantern Walk", "ZY4 7HT"), ChangeSource::Ui)
        .expect("create");
    store
        .create_household(&draft("9 Otterbrook Road", "ZY2 1AB"), ChangeSource::Ui)
        .expect("create");
    store
        .add_person(&person(h.id, "Zoë Sampleton"), today(), ChangeSource::Ui)
        .expect("person");
    for query in [
        "ZY4 7",
        "zy47h",
        "lantern",
        "Lant",
        "zoe samp",
        "Zoë",
        "12 lantern",
    ] {
        let hits = store.search(query).expect("search");
        assert_eq!(
            hits.len(),
            1,
            "{query:?} should find exactly the Lantern Walk household: {hits:?}"
        );
        assert_eq!(hits[0].household_id, Some(h.id));
        assert_eq!(hits[0].residents, ["Zoë Sampleton"]);
    }
    assert!(
        store
            .search("\" OR *")
            .expect("hostile query is harmless")
            .is_empty()
    );
    assert!(store.search("").expect("empty").is_empty());
}

const GAZETTEER: &str =
    "uprn,address_line_1,address_line_2,address_line_3,town,postcode,latitude,longitude
990000000001,1 Juniper Way,,,Eastwick Vale,ZY3 4AB,53.13,-1.21
990000000002,2 Juniper Way,,,Eastwick Vale,not a postcode,53.13,-1.21
990000000003,3 Juniper Way,,,Eastwick Vale,ZY3 4AB,53.13,-1.21
notanumber,4 Juniper Way,,,Eastwick Vale,ZY3 4AB,53.13,-1.21
990000000005,,,,Eastwick Vale,ZY3 4AB,53.13,-1.21
990000000006,6 Juniper Way,,,Eastwick Vale,ZY3 4AB,91,-1.21
";

#[test]
fn gazetteer_import_keeps_good_rows_and_reports_bad_ones_by_line() {
    let (_dir, _folder, mut store) = new_store();
    let mut seen = Vec::new();
    let report = store
        .import_gazetteer(GAZETTEER.as_bytes(), GAZETTEER.len() as u64, |p| {
            seen.push(p)
        })
        .expect("import");
    assert_eq!(report.rows_read, 6);
    assert_eq!(report.imported, 2);
    assert_eq!(report.rejected_total, 4);
    let lines: Vec<u32> = report.rejected.iter().map(|r| r.line).collect();
    assert_eq!(
        lines,
        [3, 5, 6, 7],
        "line numbers count the header as line 1"
    );
    assert!(
        report.rejected[0].reason.contains("postcode"),
        "{:?}",
        report.rejected[0]
    );
    assert!(
        seen.last().is_some_and(|p| p.bytes_read == p.total_bytes),
        "progress ends at 100%"
    );
    assert_eq!(store.gazetteer_count().expect("count"), 2);

    let hits = store.search("juniper").expect("search");
    assert_eq!(hits.len(), 2);
    assert!(hits.iter().all(|h| h.kind == SearchHitKind::Gazetteer));
    let uprn = Uprn::parse("990000000001").expect("uprn");
    let h = store
        .create_household_from_gazetteer(&uprn, ChangeSource::Ui)
        .expect("from gazetteer");
    assert_eq!(h.address_line_1, "1 Juniper Way");
    let again = store
        .create_household_from_gazetteer(&uprn, ChangeSource::Ui)
        .expect("idempotent");
    assert_eq!(
        again.id, h.id,
        "the same address never becomes two households"
    );
    let hits = store.search("juniper").expect("search");
    assert_eq!(
        hits.iter()
            .filter(|h| h.kind == SearchHitKind::Household)
            .count(),
        1
    );
    assert_eq!(
        hits.iter()
            .filter(|h| h.kind == SearchHitKind::Gazetteer)
            .count(),
        1,
        "no duplicate gazetteer hit"
    );
}

#[test]
fn a_gazetteer_with_the_wrong_columns_is_refused_before_anything_is_written() {
    let (_dir, _folder, mut store) = new_store();
    let csv = "id,street,postcode\n1,High Street,ZY1 2AB\n";
    match store.import_gazetteer(csv.as_bytes(), csv.len() as u64, |_| {}) {
        Err(StoreError::ImportHeader(message)) => {
            assert!(
                message.contains("uprn,address_line_1"),
                "the message shows the expected header: {message}"
            )
        }
        other => panic!("expected a header error, got {other:?}"),
    }
    assert_eq!(store.gazetteer_count().expect("count"), 0);
}

#[test]
fn visits_are_listed_by_day_and_by_household() {
    let (_dir, _folder, mut store) = new_store();
    let h = store
        .create_household(&draft("2 Tansy Lane", "ZY5 1AB"), ChangeSource::Ui)
        .expect("create");
    let visit = |date: &str, outcome| VisitDraft {
        household_id: h.id,
        kind: VisitKind::BurglaryVictim,
        visit_date: date.into(),
        outcome,
        notes: String::new(),
    };
    store
        .create_visit(
            &visit("2026-11-27", Some(VisitOutcome::Completed)),
            today(),
            ChangeSource::Ui,
        )
        .expect("v1");
    store
        .create_visit(
            &visit("2026-11-20", Some(VisitOutcome::NoAnswer)),
            today(),
            ChangeSource::Ui,
        )
        .expect("v2");
    store
        .create_visit(&visit("2026-12-04", None), today(), ChangeSource::Ui)
        .expect("planned");
    assert!(matches!(
        store.create_visit(
            &visit("2026-12-04", Some(VisitOutcome::Completed)),
            today(),
            ChangeSource::Ui
        ),
        Err(StoreError::Invalid(_))
    ));
    let day = store.visits_for_day(today()).expect("day");
    assert_eq!(day.len(), 1);
    assert_eq!(day[0].address, "2 Tansy Lane, Eastwick Vale");
    assert_eq!(day[0].visit.officer_name, "Rowan Testwell");
    let all = store.visits_for_household(h.id).expect("household visits");
    let dates: Vec<String> = all.iter().map(|v| v.visit_date.to_string()).collect();
    assert_eq!(
        dates,
        ["2026-12-04", "2026-11-27", "2026-11-20"],
        "newest first"
    );
}

#[test]
fn a_backup_opens_with_the_same_passphrase() {
    let (dir, _folder, mut store) = new_store();
    store
        .create_household(&draft("8 Sorrel Crescent", "ZY6 2AB"), ChangeSource::Ui)
        .expect("create");
    let backup = dir.path().join("backup.doorstep");
    let report = store.backup_to(&backup).expect("backup");
    assert!(report.bytes > 0);
    let restored = dir.path().join("restored");
    fs::create_dir_all(&restored).expect("dir");
    fs::copy(&backup, restored.join("doorstep.db")).expect("copy db");
    fs::copy(&report.key_path, restored.join("doorstep.key")).expect("copy key");
    let folder = DataFolder::open(&restored).expect("folder");
    let copy = Store::unlock(&folder, PASSPHRASE).expect("backup unlocks");
    assert_eq!(copy.search("sorrel").expect("search").len(), 1);
    let unwritable = dir.path().join("no/such/folder/backup.doorstep");
    assert!(matches!(
        store.backup_to(&unwritable),
        Err(StoreError::Io { .. })
    ));
}

/// The companions SQLite keeps beside an open database.
fn companions(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    ["doorstep.db-wal", "doorstep.db-shm"]
        .iter()
        .map(|name| dir.join(name))
        .filter(|p| p.exists())
        .collect()
}

#[test]
fn closing_the_store_leaves_only_the_database_and_keeps_every_save() {
    let (dir, folder, mut store) = new_store();
    let data = dir.path().join("data");
    for n in 1..=40 {
        store
            .create_household(
                &draft(&format!("{n} Sorrel Crescent"), "ZY6 2AB"),
                ChangeSource::Ui,
            )
            .expect("create");
    }
    assert!(
        !companions(&data).is_empty(),
        "an open store writes through its write-ahead log"
    );
    store.close().expect("close");
    assert_eq!(
        companions(&data),
        Vec::<std::path::PathBuf>::new(),
        "nothing left beside the database"
    );
    let reopened = Store::unlock(&folder, PASSPHRASE).expect("unlock");
    assert_eq!(
        reopened.household_count().expect("count"),
        40,
        "every save is in the database"
    );
    reopened.close().expect("close again");
    assert!(companions(&data).is_empty());
}

/// The README's restore steps: quit, delete any `-wal`/`-shm` left beside the old database
/// (they belong to it, not to the copy), then put the copy and its key in place.
#[test]
fn a_restore_over_leftover_companion_files_brings_back_the_backup_exactly() {
    let (dir, folder, mut store) = new_store();
    let data = dir.path().join("data");
    store
        .create_household(&draft("8 Sorrel Crescent", "ZY6 2AB"), ChangeSource::Ui)
        .expect("create");
    let backup = dir.path().join("backup.doorstep");
    let report = store.backup_to(&backup).expect("backup");
    store
        .create_household(&draft("9 Sorrel Crescent", "ZY6 2AB"), ChangeSource::Ui)
        .expect("a change after the backup");
    // A Doorstep that was killed leaves its log behind: keep a copy of it as the leftover.
    let leftovers: Vec<(std::path::PathBuf, Vec<u8>)> = companions(&data)
        .into_iter()
        .map(|p| {
            let bytes = fs::read(&p).expect("read companion");
            (p, bytes)
        })
        .collect();
    assert!(
        !leftovers.is_empty(),
        "the open store has a log to leave behind"
    );
    store.close().expect("quit");
    drop(folder);
    for (path, bytes) in &leftovers {
        fs::write(path, bytes).expect("leave the companion behind");
    }

    for path in companions(&data) {
        fs::remove_file(path).expect("delete leftover");
    }
    fs::copy(&backup, data.join("doorstep.db")).expect("copy db");
    fs::copy(&report.key_path, data.join("doorstep.key")).expect("copy key");

    let folder = DataFolder::open(&data).expect("folder");
    let restored = Store::unlock(&folder, PASSPHRASE).expect("the restored copy unlocks");
    assert_eq!(
        restored.search("sorrel").expect("search").len(),
        1,
        "exactly what was backed up"
    );
    assert_eq!(restored.household_count().expect("count"), 1);
}

#[test]
fn demo_data_loads_once_and_is_searchable() {
    let (_dir, _folder, mut store) = new_store();
    let report = store.load_demo(today()).expect("demo");
    assert!(report.gazetteer_entries >= 5_000);
    assert_eq!(
        u64::from(report.households),
        store.household_count().expect("count")
    );
    assert!(
        !store.visits_for_day(today()).expect("today").is_empty(),
        "Today has demo visits"
    );
    assert!(!store.search("lantern").expect("search").is_empty());
    assert!(
        matches!(store.load_demo(today()), Err(StoreError::Invalid(_))),
        "never loaded twice"
    );
}

#[test]
fn no_personal_data_is_readable_in_any_file_on_disk() {
    let (dir, folder, mut store) = new_store();
    let h = store
        .create_household(&draft("14 Quillby Road", "ZY7 3QT"), ChangeSource::Ui)
        .expect("create");
    store
        .add_person(
            &person(h.id, "Perpetua Plaintextova"),
            today(),
            ChangeSource::Ui,
        )
        .expect("person");
    // Look while the store is open (WAL and shared memory present) and after it closes.
    let check = |when: &str| {
        for entry in fs::read_dir(folder.path()).expect("list") {
            let path = entry.expect("entry").path();
            let bytes = file_bytes(&path);
            for needle in ["ZY7 3QT", "ZY73QT", "Plaintextova", "Quillby"] {
                let found = bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
                assert!(!found, "{needle:?} readable in {} {when}", path.display());
            }
        }
    };
    check("while open");
    drop(store);
    check("after closing");
    drop(dir);
}

#[test]
fn a_cocoon_lists_the_doors_either_side_then_the_neighbourhood() {
    let (_dir, _folder, mut store) = new_store();
    // Numbers 1-30 along one street: evens on the north side, 15 m apart along it.
    let mut csv = String::from(
        "uprn,address_line_1,address_line_2,address_line_3,town,postcode,easting,northing\n",
    );
    for n in 1..=30u32 {
        let northing = if n % 2 == 0 { 361_020 } else { 361_000 };
        csv.push_str(&format!(
            "{},{n} Lantern Walk,,,Eastwick Vale,ZY4 7HT,{},{northing}\n",
            990_000_000_000u64 + u64::from(n),
            450_000 + n * 15
        ));
    }
    csv.push_str("990000000100,1 Juniper Close,,,Eastwick Vale,ZY4 7HU,450200,361150\n");
    csv.push_str("990000000101,2 Faraway Lane,,,Eastwick Vale,ZY4 7HX,452000,363000\n");
    store
        .import_gazetteer(csv.as_bytes(), csv.len() as u64, |_| {})
        .expect("import");
    let victim = store
        .create_household_from_gazetteer(
            &Uprn::parse("990000000014").expect("uprn"),
            ChangeSource::Ui,
        )
        .expect("victim");
    let targets = store
        .cocoon_targets(victim.id, &doorstep_core::cocoon::CocoonPolicy::default())
        .expect("cocoon");
    let lines: Vec<&str> = targets.iter().map(|t| t.address_line_1.as_str()).collect();
    assert_eq!(
        &lines[..4],
        [
            "12 Lantern Walk",
            "16 Lantern Walk",
            "10 Lantern Walk",
            "18 Lantern Walk"
        ],
        "{lines:?}"
    );
    assert!(lines.contains(&"1 Juniper Close"), "within 200 m");
    assert!(!lines.contains(&"2 Faraway Lane"), "kilometres away");
    assert!(!lines.contains(&"14 Lantern Walk"), "not the victim");

    let nowhere = store
        .create_household(&draft("9 Unmapped Row", "ZY4 7HZ"), ChangeSource::Ui)
        .expect("household");
    match store.cocoon_targets(nowhere.id, &doorstep_core::cocoon::CocoonPolicy::default()) {
        Err(StoreError::Invalid(e)) => assert_eq!(e.errors()[0].field, "coordinates"),
        other => panic!("a household with no location cannot have a cocoon: {other:?}"),
    }
}

const SURVEY_TEMPLATE: &str = include_str!("../../../assets/templates/home-security-survey.toml");

#[test]
fn survey_answers_are_saved_one_by_one_and_survive_a_restart() {
    use doorstep_core::security::{AnswerValue, Template, YesNo};
    let (dir, folder, mut store) = new_store();
    let template = Template::from_toml(SURVEY_TEMPLATE).expect("the shipped template loads");
    let h = store
        .create_household(&draft("6 Kestrel Way", "ZY3 1AB"), ChangeSource::Ui)
        .expect("household");
    let survey = store
        .start_survey(h.id, None, &template, ChangeSource::Ui)
        .expect("start");
    assert_eq!(
        survey.answers.template_version, template.version,
        "answers name their template version"
    );
    store
        .save_answer(
            survey.id,
            &template,
            "repeat_victim",
            Some(AnswerValue::YesNo(YesNo::Yes)),
            ChangeSource::Ui,
        )
        .expect("answer");
    store
        .save_answer(
            survey.id,
            &template,
            "feel_safe",
            Some(AnswerValue::Number(2.0)),
            ChangeSource::Ui,
        )
        .expect("answer");
    // A wrong answer is refused on its field and changes nothing.
    match store.save_answer(
        survey.id,
        &template,
        "repeat_victim",
        Some(AnswerValue::Choice("maybe".into())),
        ChangeSource::Ui,
    ) {
        Err(StoreError::Invalid(e)) => assert_eq!(e.errors()[0].field, "repeat_victim"),
        other => panic!("expected a field error, got {other:?}"),
    }
    store
        .save_answer(survey.id, &template, "feel_safe", None, ChangeSource::Ui)
        .expect("clear");
    drop(store);
    drop(folder);

    let rows = outbox(&dir.path().join("data"));
    let survey_rows: Vec<serde_json::Value> = rows
        .iter()
        .filter(|r| r.0 == "survey")
        .map(|r| serde_json::from_str(&r.1).expect("payload"))
        .collect();
    assert_eq!(
        survey_rows.len(),
        4,
        "start + three saved changes; the refused one wrote nothing"
    );
    let changed: Vec<Vec<&String>> = survey_rows[1..]
        .iter()
        .map(|p| p["fields"].as_object().expect("fields").keys().collect())
        .collect();
    assert_eq!(
        changed,
        [
            vec!["answers.repeat_victim"],
            vec!["answers.feel_safe"],
            vec!["answers.feel_safe"]
        ]
    );
    assert!(
        survey_rows[3]["fields"]["answers.feel_safe"].is_null(),
        "a cleared answer is sent as null"
    );

    let folder = DataFolder::open(dir.path().join("data")).expect("reopen");
    let store = Store::unlock(&folder, PASSPHRASE).expect("unlock");
    let back = store.survey(survey.id).expect("survey");
    assert_eq!(
        back.answers.get("repeat_victim"),
        Some(&AnswerValue::YesNo(YesNo::Yes))
    );
    assert_eq!(back.answers.get("feel_safe"), None);
    assert_eq!(store.surveys_for_household(h.id).expect("list").len(), 1);
}

#[test]
fn a_survey_is_answered_only_on_the_form_version_it_was_started_on() {
    use doorstep_core::security::{AnswerValue, Template, YesNo};
    let (_dir, _folder, mut store) = new_store();
    let template = Template::from_toml(SURVEY_TEMPLATE).expect("template");
    let h = store
        .create_household(&draft("8 Kestrel Way", "ZY3 1AB"), ChangeSource::Ui)
        .expect("household");
    let survey = store
        .start_survey(h.id, None, &template, ChangeSource::Ui)
        .expect("start");
    let mut newer = template.clone();
    newer.version += 1;
    match store.save_answer(
        survey.id,
        &newer,
        "repeat_victim",
        Some(AnswerValue::YesNo(YesNo::No)),
        ChangeSource::Ui,
    ) {
        Err(StoreError::Invalid(e)) => assert_eq!(e.errors()[0].field, "template"),
        other => panic!("expected a template version error, got {other:?}"),
    }
}

#[test]
fn my_team_facts_give_the_demo_data_figures() {
    use doorstep_core::VisitOutcome;
    use doorstep_reports::engine::{Categories, Scope, compute};
    use doorstep_reports::fact::What;
    use doorstep_reports::figure::{Figure, Threshold};
    use doorstep_reports::measure;
    use doorstep_reports::period::Period;

    let (_dir, _folder, mut store) = new_store();
    store.load_demo(today()).expect("demo");
    let facts = store.report_facts("team").expect("facts");

    let homes = facts
        .iter()
        .filter(|f| matches!(f.what, What::Home { .. }))
        .count();
    assert_eq!(
        homes as u64,
        store.household_count().expect("count"),
        "one fact per household held, read in one query"
    );

    // The same figure counted the long way: every day of the quarter, through the
    // repository the day's list uses.
    let period = Period::quarter_of(today());
    let mut no_answer = 0u64;
    let mut day = period.first_day();
    while day <= period.last_day() {
        no_answer += store
            .visits_for_day(day)
            .expect("day")
            .iter()
            .filter(|v| v.visit.outcome == Some(VisitOutcome::NoAnswer))
            .count() as u64;
        day = day.succ_opt().expect("next day");
    }
    assert!(no_answer > 0, "the demo data has visits nobody answered");
    let report = compute(
        &facts,
        &[],
        &Scope {
            period,
            team: None,
            area: None,
            scheme: None,
            threshold: Threshold::default(),
        },
        &Categories::default(),
    );
    assert_eq!(
        report.figures.get(&measure::VISITS_NO_ACCESS),
        Some(Figure::count(no_answer)),
        "the report counts exactly the visits the laptop holds"
    );
}

//! Several people on one laptop, each with their own passphrase and role, on real
//! SQLCipher files in temporary folders.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod support;

use std::fs;

use doorstep_core::{ChangeSource, HouseholdDraft, Officer, Role};
use doorstep_store::{DataFolder, KdfParams, Store, StoreError};
use support::new_store;

const OFFICER_PASSPHRASE: &str = support::PASSPHRASE;
const SUPERVISOR_PASSPHRASE: &str = "lantern orbit velvet quarry";
const WARDEN_PASSPHRASE: &str = "meadow copper lighthouse anvil";
const KDF: KdfParams = KdfParams::INSECURE_FOR_TESTS;

fn add_supervisor(store: &mut Store, folder: &DataFolder) -> Officer {
    store
        .add_user(
            folder,
            "Morgan Checkley",
            Role::Supervisor,
            SUPERVISOR_PASSPHRASE,
            KDF,
        )
        .expect("add supervisor")
}

/// The fields a refusal names, in order.
fn fields(result: Result<Officer, StoreError>) -> Vec<String> {
    match result {
        Err(StoreError::Invalid(errors)) => {
            errors.errors().iter().map(|e| e.field.clone()).collect()
        }
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn names(store: &Store) -> Vec<(String, Role)> {
    store
        .users()
        .expect("users")
        .into_iter()
        .map(|p| (p.name, p.role))
        .collect()
}

#[test]
fn each_person_unlocks_as_themselves_with_their_own_passphrase() {
    let (_dir, folder, mut store) = new_store();
    let first = store.officer().clone();
    assert_eq!(first.role, Role::Officer);
    let supervisor = add_supervisor(&mut store, &folder);
    assert_eq!(supervisor.role, Role::Supervisor);
    assert_eq!(
        names(&store),
        [
            ("Morgan Checkley".to_owned(), Role::Supervisor),
            ("Rowan Testwell".to_owned(), Role::Officer)
        ]
    );
    drop(store);

    let store = Store::unlock(&folder, SUPERVISOR_PASSPHRASE).expect("supervisor unlocks");
    assert_eq!(store.officer(), &supervisor);
    assert_eq!(store.officer().role, Role::Supervisor);
    assert_eq!(store.actor().officer, supervisor.id, "changes are theirs");
    drop(store);

    let store = Store::unlock(&folder, OFFICER_PASSPHRASE).expect("officer unlocks");
    assert_eq!(store.officer(), &first);
    drop(store);

    assert!(matches!(
        Store::unlock(&folder, "not anybody's passphrase"),
        Err(StoreError::WrongPassphrase)
    ));
}

#[test]
fn changes_are_recorded_against_whoever_unlocked() {
    let (_dir, folder, mut store) = new_store();
    let first = store.officer().id;
    let supervisor = add_supervisor(&mut store, &folder);
    drop(store);
    let mut store = Store::unlock(&folder, SUPERVISOR_PASSPHRASE).expect("unlock");
    store
        .create_household(
            &HouseholdDraft {
                address_line_1: "3 Wren Row".into(),
                town: "Eastwick Vale".into(),
                postcode: "ZY1 4AB".into(),
                ..Default::default()
            },
            ChangeSource::Ui,
        )
        .expect("create");
    let outbox = store.debug_outbox().expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(store.actor().officer, supervisor.id);
    assert_ne!(store.actor().officer, first, "not the laptop's first user");
}

#[test]
fn a_weak_or_shared_passphrase_is_refused_and_nothing_changes() {
    let (_dir, folder, mut store) = new_store();
    let key_before = fs::read(folder.key_path()).expect("key file");

    let weak = store.add_user(
        &folder,
        "Morgan Checkley",
        Role::Supervisor,
        "password1",
        KDF,
    );
    assert_eq!(fields(weak), ["passphrase"]);

    let shared = store.add_user(
        &folder,
        "Morgan Checkley",
        Role::Supervisor,
        OFFICER_PASSPHRASE,
        KDF,
    );
    match shared {
        Err(StoreError::Invalid(errors)) => {
            let [only] = errors.errors() else {
                panic!("one error expected: {errors:?}");
            };
            assert_eq!(only.field, "passphrase");
            assert!(
                only.message.contains("different passphrase"),
                "{}",
                only.message
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }

    assert_eq!(
        fs::read(folder.key_path()).expect("key file"),
        key_before,
        "the key file is untouched"
    );
    assert_eq!(names(&store).len(), 1, "nobody was added");
    drop(store);
    assert!(matches!(
        Store::unlock(&folder, "password1"),
        Err(StoreError::WrongPassphrase)
    ));
    assert_eq!(
        Store::unlock(&folder, OFFICER_PASSPHRASE)
            .expect("unlock")
            .officer()
            .name,
        "Rowan Testwell"
    );
}

#[test]
fn names_and_roles_are_checked_field_by_field() {
    let (_dir, folder, mut store) = new_store();
    assert_eq!(
        fields(store.add_user(&folder, "  ", Role::Supervisor, SUPERVISOR_PASSPHRASE, KDF)),
        ["name"]
    );
    assert_eq!(
        fields(store.add_user(
            &folder,
            &"M".repeat(81),
            Role::Supervisor,
            SUPERVISOR_PASSPHRASE,
            KDF
        )),
        ["name"]
    );
    assert_eq!(
        fields(store.add_user(
            &folder,
            "rowan testwell",
            Role::Warden,
            SUPERVISOR_PASSPHRASE,
            KDF
        )),
        ["name"],
        "the same name in another case is the same person"
    );
    assert_eq!(
        fields(store.add_user(
            &folder,
            "Casey Fixwell",
            Role::Contractor,
            SUPERVISOR_PASSPHRASE,
            KDF
        )),
        ["role"],
        "contractors come from the hub"
    );
    assert_eq!(
        fields(store.add_user(&folder, "", Role::Analyst, "short", KDF)),
        ["name", "role", "passphrase"],
        "every problem at once"
    );
    assert_eq!(names(&store).len(), 1);
}

#[test]
fn only_a_supervisor_may_add_people_once_there_is_one() {
    let (_dir, folder, mut store) = new_store();
    assert!(store.may_add_users().expect("may"), "the first user, alone");
    add_supervisor(&mut store, &folder);
    assert!(
        !store.may_add_users().expect("may"),
        "the first user hands over to the supervisor"
    );
    assert_eq!(
        fields(store.add_user(&folder, "Jo Warden", Role::Warden, WARDEN_PASSPHRASE, KDF)),
        ["role"]
    );
    drop(store);

    let mut store = Store::unlock(&folder, SUPERVISOR_PASSPHRASE).expect("unlock");
    assert!(store.may_add_users().expect("may"));
    let warden = store
        .add_user(&folder, "Jo Warden", Role::Warden, WARDEN_PASSPHRASE, KDF)
        .expect("supervisor adds a warden");
    drop(store);

    let mut store = Store::unlock(&folder, WARDEN_PASSPHRASE).expect("warden unlocks");
    assert_eq!(store.officer(), &warden);
    assert!(!store.may_add_users().expect("may"));
    assert_eq!(
        fields(store.add_user(
            &folder,
            "Another Person",
            Role::Supervisor,
            "quiet anchor plum biscuit",
            KDF
        )),
        ["role"]
    );
    assert_eq!(store.users().expect("users").len(), 3);
}

#[test]
fn a_version_1_key_file_still_unlocks_and_takes_new_people() {
    let (_dir, folder, store) = new_store();
    let first = store.officer().clone();
    store
        .debug_write_version_1_key_file(OFFICER_PASSPHRASE, KDF)
        .expect("downgrade");
    drop(store);
    assert!(
        fs::read_to_string(folder.key_path())
            .expect("key")
            .contains("\"version\": 1")
    );

    let mut store = Store::unlock(&folder, OFFICER_PASSPHRASE).expect("v1 unlocks");
    assert_eq!(
        store.officer(),
        &first,
        "the unnamed slot is the first user's"
    );
    let supervisor = add_supervisor(&mut store, &folder);
    drop(store);
    assert!(
        fs::read_to_string(folder.key_path())
            .expect("key")
            .contains("\"version\": 2"),
        "any change writes version 2"
    );
    assert_eq!(
        Store::unlock(&folder, OFFICER_PASSPHRASE)
            .expect("first still unlocks")
            .officer(),
        &first
    );
    assert_eq!(
        Store::unlock(&folder, SUPERVISOR_PASSPHRASE)
            .expect("supervisor unlocks")
            .officer(),
        &supervisor
    );

    // Changing the first user's passphrase turns the unnamed slot into one naming them.
    let store = Store::unlock(&folder, OFFICER_PASSPHRASE).expect("unlock");
    store
        .change_own_passphrase(OFFICER_PASSPHRASE, "bramble tunnel oyster kite", KDF)
        .expect("change");
    drop(store);
    let text = fs::read_to_string(folder.key_path()).expect("key");
    assert!(text.contains(&first.id.to_string()), "{text}");
    assert_eq!(
        Store::unlock(&folder, "bramble tunnel oyster kite")
            .expect("new passphrase")
            .officer(),
        &first
    );
    assert!(matches!(
        Store::unlock(&folder, OFFICER_PASSPHRASE),
        Err(StoreError::WrongPassphrase)
    ));
}

#[test]
fn changing_the_supervisors_passphrase_leaves_the_officers_working() {
    let (_dir, folder, mut store) = new_store();
    let first = store.officer().clone();
    let supervisor = add_supervisor(&mut store, &folder);
    drop(store);

    let store = Store::unlock(&folder, SUPERVISOR_PASSPHRASE).expect("unlock");
    assert!(
        matches!(
            store.change_own_passphrase(OFFICER_PASSPHRASE, "quiet anchor plum biscuit", KDF),
            Err(StoreError::WrongPassphrase)
        ),
        "a colleague's passphrase is not your current one"
    );
    match store.change_own_passphrase(SUPERVISOR_PASSPHRASE, OFFICER_PASSPHRASE, KDF) {
        Err(StoreError::Invalid(errors)) => assert_eq!(errors.errors()[0].field, "replacement"),
        other => panic!("a colleague's passphrase cannot be taken: {other:?}"),
    }
    store
        .change_own_passphrase(SUPERVISOR_PASSPHRASE, "quiet anchor plum biscuit", KDF)
        .expect("change");
    drop(store);

    assert!(matches!(
        Store::unlock(&folder, SUPERVISOR_PASSPHRASE),
        Err(StoreError::WrongPassphrase)
    ));
    assert_eq!(
        Store::unlock(&folder, "quiet anchor plum biscuit")
            .expect("new passphrase")
            .officer(),
        &supervisor
    );
    assert_eq!(
        Store::unlock(&folder, OFFICER_PASSPHRASE)
            .expect("officer's still works")
            .officer(),
        &first
    );

    // While locked, the passphrase says whose slot to change.
    Store::change_passphrase(
        &folder,
        "quiet anchor plum biscuit",
        "saffron glacier teapot wick",
        KDF,
    )
    .expect("change while locked");
    assert_eq!(
        Store::unlock(&folder, "saffron glacier teapot wick")
            .expect("unlock")
            .officer(),
        &supervisor
    );
    assert_eq!(
        Store::unlock(&folder, OFFICER_PASSPHRASE)
            .expect("officer's still works")
            .officer(),
        &first
    );
}

#[test]
fn a_slot_whose_person_was_never_saved_signs_nobody_in() {
    let (_dir, folder, mut store) = new_store();
    let supervisor = add_supervisor(&mut store, &folder);
    store
        .debug_remove_officer_row(supervisor.id)
        .expect("as a crash before the row was saved");
    assert_eq!(names(&store).len(), 1, "not listed");
    drop(store);

    assert!(matches!(
        Store::unlock(&folder, SUPERVISOR_PASSPHRASE),
        Err(StoreError::WrongPassphrase)
    ));
    let mut store = Store::unlock(&folder, OFFICER_PASSPHRASE).expect("officer unlocks");
    // Adding them again may reuse the passphrase: the leftover slot does not count, and goes.
    let again = add_supervisor(&mut store, &folder);
    drop(store);
    assert_eq!(
        Store::unlock(&folder, SUPERVISOR_PASSPHRASE)
            .expect("unlock")
            .officer(),
        &again
    );
    let text = fs::read_to_string(folder.key_path()).expect("key");
    assert!(
        !text.contains(&supervisor.id.to_string()),
        "the leftover slot is gone"
    );
}

#[test]
fn the_first_user_can_be_a_supervisor_but_not_a_contractor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = DataFolder::open(dir.path()).expect("folder");
    match Store::set_up(
        &folder,
        "Casey Fixwell",
        Role::Contractor,
        OFFICER_PASSPHRASE,
        KDF,
    ) {
        Err(StoreError::Invalid(errors)) => assert_eq!(errors.errors()[0].field, "role"),
        other => panic!("expected a role error, got {other:?}"),
    }
    assert!(!folder.database_path().exists());
    let store = Store::set_up(
        &folder,
        "Morgan Checkley",
        Role::Supervisor,
        OFFICER_PASSPHRASE,
        KDF,
    )
    .expect("set up");
    assert_eq!(store.officer().role, Role::Supervisor);
    drop(store);
    assert_eq!(
        Store::unlock(&folder, OFFICER_PASSPHRASE)
            .expect("unlock")
            .officer()
            .role,
        Role::Supervisor
    );
}

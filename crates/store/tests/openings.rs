//! Who opened which household (issue 16, item 5), on real SQLCipher files: recorded with
//! the page, once per person per ten minutes, kept until the hub acknowledges it, across
//! locking and people.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod support;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use doorstep_core::{ChangeSource, HouseholdDraft, HouseholdId, Role};
use doorstep_store::openings::{KEEP_SENT, REOPEN_WINDOW};
use doorstep_store::{KdfParams, Store, StoreError};
use support::{PASSPHRASE, new_store};

const SUPERVISOR_PASSPHRASE: &str = "lantern orbit velvet quarry";

fn household(store: &mut Store, line_1: &str) -> HouseholdId {
    let draft = HouseholdDraft {
        address_line_1: line_1.into(),
        town: "Testbury".into(),
        postcode: "ZY1 1AA".into(),
        ..HouseholdDraft::default()
    };
    store
        .create_household(&draft, ChangeSource::Ui)
        .expect("household")
        .id
}

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap() + TimeDelta::minutes(minute)
}

fn openings_held(store: &Store) -> u64 {
    store.debug_table_digests().expect("digests")["household_openings"].0
}

#[test]
fn opening_a_household_page_records_who_opened_it_and_survives_locking() {
    let (_dir, folder, mut store) = new_store();
    let id = household(&mut store, "1 Sample Street");
    let page = store.open_household_page(id, at(0)).expect("page");
    assert_eq!(page.household.id, id, "the page is the household's");

    let unsent = store.unsent_household_openings(10).expect("unsent");
    assert_eq!(unsent.len(), 1, "one opening recorded");
    assert_eq!(unsent[0].household_id, id.to_string());
    assert_eq!(
        unsent[0].opened_by, "Rowan Testwell",
        "the person signed in"
    );
    assert_eq!(unsent[0].opened_at, at(0));
    assert_eq!(unsent[0].id.get_version_num(), 7, "a UUIDv7 id");

    store.close().expect("close");
    let store = Store::unlock(&folder, PASSPHRASE).expect("unlock");
    assert_eq!(
        store.unsent_household_openings(10).expect("unsent"),
        unsent,
        "kept in the encrypted file until the hub has it"
    );
}

#[test]
fn a_household_that_does_not_exist_is_not_found_and_nothing_is_recorded() {
    let (_dir, _folder, mut store) = new_store();
    let result = store.open_household_page(HouseholdId::new(), at(0));
    assert!(
        matches!(result, Err(StoreError::NotFound { .. })),
        "{result:?}"
    );
    assert_eq!(openings_held(&store), 0, "no opening of nothing");
}

#[test]
fn a_page_drawn_again_within_ten_minutes_is_not_a_new_opening() {
    let (_dir, _folder, mut store) = new_store();
    let id = household(&mut store, "1 Sample Street");
    let other = household(&mut store, "2 Sample Street");
    let window = REOPEN_WINDOW.num_minutes();
    assert!(store.record_household_opening(id, at(0)).unwrap());
    assert!(
        !store.record_household_opening(id, at(1)).unwrap(),
        "drawn again after a save"
    );
    assert!(
        !store.record_household_opening(id, at(window - 1)).unwrap(),
        "still within the window of the first"
    );
    assert!(
        store.record_household_opening(other, at(1)).unwrap(),
        "another household is another opening"
    );
    assert!(
        store.record_household_opening(id, at(window)).unwrap(),
        "ten minutes after the last recorded one"
    );
    assert!(
        !store.record_household_opening(id, at(window - 3)).unwrap(),
        "a clock set back a little finds the recent one"
    );
    assert!(
        store
            .record_household_opening(id, at(-60 * 24 * 365))
            .unwrap(),
        "a clock set a year back is not silenced by later rows"
    );
    let times: Vec<_> = store
        .unsent_household_openings(10)
        .unwrap()
        .into_iter()
        .map(|o| o.opened_at)
        .collect();
    assert_eq!(
        times,
        [at(-60 * 24 * 365), at(0), at(1), at(window)],
        "oldest first"
    );
}

#[test]
fn each_person_on_the_laptop_is_recorded_as_themselves() {
    let (_dir, folder, mut store) = new_store();
    let id = household(&mut store, "1 Sample Street");
    store
        .add_user(
            &folder,
            "Morgan Checkley",
            Role::Supervisor,
            SUPERVISOR_PASSPHRASE,
            KdfParams::INSECURE_FOR_TESTS,
        )
        .expect("add supervisor");
    store.open_household_page(id, at(0)).expect("officer opens");
    store.close().expect("close");

    let mut store = Store::unlock(&folder, SUPERVISOR_PASSPHRASE).expect("supervisor unlocks");
    store
        .open_household_page(id, at(1))
        .expect("supervisor opens");
    let by: Vec<String> = store
        .unsent_household_openings(10)
        .unwrap()
        .into_iter()
        .map(|o| o.opened_by)
        .collect();
    assert_eq!(
        by,
        ["Rowan Testwell", "Morgan Checkley"],
        "the window is per person: the supervisor's opening is their own"
    );
}

#[test]
fn openings_go_in_batches_oldest_first_and_are_marked_sent_once() {
    let (_dir, folder, mut store) = new_store();
    let ids: Vec<HouseholdId> = (1..=5)
        .map(|n| household(&mut store, &format!("{n} Sample Street")))
        .collect();
    for (minute, id) in (0..).zip(&ids) {
        store.record_household_opening(*id, at(minute)).unwrap();
    }
    let first = store.unsent_household_openings(2).unwrap();
    assert_eq!(first.len(), 2, "at most the batch asked for");
    assert_eq!(first[0].household_id, ids[0].to_string(), "oldest first");
    let sent: Vec<_> = first.iter().map(|o| o.id).collect();
    assert_eq!(
        store.mark_household_openings_sent(&sent, at(10)).unwrap(),
        2
    );
    assert_eq!(
        store.mark_household_openings_sent(&sent, at(11)).unwrap(),
        0,
        "an acknowledgement repeated marks nothing again"
    );
    let rest = store.unsent_household_openings(10).unwrap();
    assert_eq!(rest.len(), 3, "the rest wait for the next batch");
    assert_eq!(rest[0].household_id, ids[2].to_string());
    assert_eq!(store.unsent_household_opening_count().unwrap(), 3);

    // Marking is kept across locking.
    store.close().expect("close");
    let store = Store::unlock(&folder, PASSPHRASE).expect("unlock");
    assert_eq!(store.unsent_household_openings(10).unwrap(), rest);
}

#[test]
fn acknowledged_openings_go_after_thirty_days_and_unsent_ones_stay() {
    let (_dir, _folder, mut store) = new_store();
    let sent = household(&mut store, "1 Sample Street");
    let unsent = household(&mut store, "2 Sample Street");
    store.record_household_opening(sent, at(0)).unwrap();
    store.record_household_opening(unsent, at(0)).unwrap();
    let first = store.unsent_household_openings(1).unwrap();
    assert_eq!(first[0].household_id, sent.to_string());
    let ids = [first[0].id];
    store.mark_household_openings_sent(&ids, at(1)).unwrap();
    assert_eq!(
        openings_held(&store),
        2,
        "a sent opening is kept for a while"
    );

    let later = at(0) + KEEP_SENT + TimeDelta::minutes(1);
    store.mark_household_openings_sent(&[], later).unwrap();
    assert_eq!(openings_held(&store), 1, "the acknowledged one went");
    let left = store.unsent_household_openings(10).unwrap();
    assert_eq!(left.len(), 1, "an unsent opening is never dropped");
    assert_eq!(left[0].household_id, unsent.to_string());
}

#[test]
fn the_list_of_openings_cannot_be_edited_or_emptied_behind_the_hubs_back() {
    let (_dir, _folder, mut store) = new_store();
    let id = household(&mut store, "1 Sample Street");
    store.record_household_opening(id, at(0)).unwrap();
    let before = store.debug_table_digests().unwrap();
    for sql in [
        "UPDATE household_openings SET officer_id = 'someone else'",
        "UPDATE household_openings SET opened_at = 0",
        "DELETE FROM household_openings",
    ] {
        assert!(
            store.debug_execute(sql).is_err(),
            "refused by the schema: {sql}"
        );
    }
    assert_eq!(
        store.debug_table_digests().unwrap(),
        before,
        "nothing changed"
    );
}

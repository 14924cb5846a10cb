//! Issue 16, item 2: the retention schedule with a test clock. Records past their date
//! leave the hub and, through the change log, every laptop; the figures stay as
//! anonymised rows; a household under a legal hold keeps everything; a laptop's later
//! change to a disposed record is thrown away; old audit lines go, the run's own stay.

use doorstep_core::privacy::data_map::RetentionClass;
use doorstep_core::privacy::retention::Action;
use doorstep_hub::privacy::Hold;
use doorstep_hub::privacy::retention::{run, schedule};

use super::*;

on_both_backends!(records_past_their_date_leave_the_hub_and_the_laptops_and_figures_stay);

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

async fn records_past_their_date_leave_the_hub_and_the_laptops_and_figures_stay(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let hub = boot(&store).await;
    let mut laptop = enrol(&hub, &code).await;

    // Three households: one helped in 2020 (everything past its date by 2034), one still
    // being helped in 2033, and one helped in 2020 but under a legal hold.
    let mut changes = Vec::new();
    for (h, street, visited) in [
        ("h-old", "1 Retention Row", "2020-03-02"),
        ("h-new", "2 Retention Row", "2033-06-01"),
        ("h-held", "3 Retention Row", "2020-03-02"),
    ] {
        changes.push(laptop.create(
            EntityKind::Household,
            h,
            json!({"address_line_1": street, "postcode": "ZZ9 9ZZ"}),
        ));
        changes.push(laptop.create(
            EntityKind::Visit,
            &format!("v-{h}"),
            json!({"household_id": h, "visit_date": visited, "kind": "survey", "notes": "Back door weak"}),
        ));
        changes.push(laptop.create(
            EntityKind::Survey,
            &format!("s-{h}"),
            json!({"household_id": h, "visit_id": format!("v-{h}"), "template_id": "home-security-survey"}),
        ));
        changes.push(laptop.create(
            EntityKind::Plan,
            &format!("p-{h}"),
            json!({"survey_id": format!("s-{h}"), "status": "fitted", "tier": "gold",
                   "agreement": {"signed_by": "Resident of ".to_owned() + street}}),
        ));
    }
    assert_eq!(laptop.push(&hub, &changes).await.status, 200);
    let (_, cursor) = laptop.pull_all(&hub, 0).await;
    let privacy = store.privacy().unwrap();
    privacy
        .place_hold(
            Hold {
                household_id: "h-held".into(),
                reason: "A claim about the fitting".into(),
                placed_by: "dpo".into(),
                placed_at: Clock::system().now_ms(),
            },
            AuditEntry {
                at: Clock::system().now_ms(),
                user_id: Some("dpo".into()),
                device_id: None,
                action: "privacy.hold".into(),
                entity: Some("household".into()),
                entity_id: Some("h-held".into()),
                outcome: "placed".into(),
            },
        )
        .await
        .unwrap();

    let retention = store.retention().unwrap();
    let map = doorstep_hub::data_map::data_map().unwrap();
    // Before the dates nothing goes.
    let early = run(
        retention.as_ref(),
        schedule().unwrap(),
        map,
        day("2027-01-01"),
        "test",
        || Clock::system().now_ms(),
    )
    .await
    .unwrap();
    assert_eq!(early.total(), 0, "{early:?}");

    let done = run(
        retention.as_ref(),
        schedule().unwrap(),
        map,
        day("2034-01-01"),
        "test",
        || Clock::system().now_ms(),
    )
    .await
    .unwrap();
    assert_eq!(
        done.disposed
            .get(&(RetentionClass::Household, Action::Delete)),
        Some(&1),
        "{done:?}"
    );
    assert_eq!(
        done.disposed
            .get(&(RetentionClass::PlanAndSignature, Action::Anonymise)),
        Some(&1)
    );
    assert_eq!(
        done.disposed
            .get(&(RetentionClass::Visit, Action::Anonymise)),
        Some(&1)
    );
    assert_eq!(
        done.total(),
        4,
        "only the old household's four records: {done:?}"
    );
    assert_eq!(done.held_back, 4, "the held household keeps its four");
    assert!(done.audit_lines > 0, "audit lines older than six years go");

    // The hub: the old household's records are gone, the others stay.
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.records, 8, "{stats:?}");
    // The figures stay, without the person.
    let figures = retention.figures().await.unwrap();
    assert!(figures.contains(&("plan".to_owned(), 1)), "{figures:?}");
    assert!(figures.contains(&("visit".to_owned(), 1)), "{figures:?}");

    // The laptop pulls an erased removal of each, and nothing of the others.
    let (entries, _) = laptop.pull_all(&hub, cursor).await;
    let mut removed: Vec<String> = entries
        .iter()
        .filter_map(|e| e.remove.as_ref())
        .inspect(|r| assert!(r.erased, "a disposal takes photos and outbox with it"))
        .map(|r| r.entity_id.clone())
        .collect();
    removed.sort();
    assert_eq!(removed, ["h-old", "p-h-old", "s-h-old", "v-h-old"]);

    // A laptop that still had the visit and edits it: the change is thrown away.
    let late = laptop.change(
        EntityKind::Visit,
        "v-h-old",
        Operation::Update,
        json!({"notes": "Came back"}),
        &[],
    );
    assert_eq!(laptop.push(&hub, &[late]).await.status, 200);
    assert_eq!(store.stats().await.unwrap().records, 8, "not brought back");

    // The disposal report and the audit: counts by class, no ids, no content.
    let runs = retention.runs(10).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].as_of, day("2034-01-01"));
    assert_eq!(runs[0].outcome.as_deref(), Some("done"));
    assert_eq!(runs[0].held_back, 4);
    assert!(
        runs[0]
            .disposed
            .contains(&(RetentionClass::Household, Action::Delete, 1))
    );
    let lines = audited(&store, "privacy.retention", "household: 1 deleted").await;
    assert_eq!(lines.len(), 1, "one line per class, with its count");
    assert_eq!(
        audited(&store, "privacy.retention", "visit: 1 anonymised")
            .await
            .len(),
        1
    );
    for line in store.audit(10_000).await.unwrap() {
        assert!(!line.outcome.contains("Retention Row"), "{line:?}");
    }
    // A run the day after finds nothing new.
    let again = run(
        retention.as_ref(),
        schedule().unwrap(),
        map,
        day("2034-01-02"),
        "test",
        || Clock::system().now_ms(),
    )
    .await
    .unwrap();
    assert_eq!(again.total(), 0);
}

//! Days of action on the demo area: setting one up, adding doors, and a branch for each
//! thing a crew does at the door list (ui/src/test/days.test.ts).
//!
//! Each branch sets up its own day, so each has its own ids: the door list remembers where
//! the crew was on each day for the life of the window, and one test's place must not
//! carry into the next.

use serde_json::{Value, json};

use super::recorder::{Recorder, Recording, anchor};
use super::{OFFICER, OFFICER_PASSPHRASE, boot, id, set_up};

/// The first twelve doors of Lantern Walk, one postcode unit in the demo gazetteer.
const TWELVE_DOORS: &str = "ZY1 0AA";
/// The first demo UPRN: 1 Lantern Walk. The gazetteer numbers its addresses in order.
const FIRST_UPRN: i64 = 990_000_000_000;

fn today() -> String {
    anchor().date_naive().to_string()
}

fn knock(outcomes: &[&str], alarms_fitted: u32, higher_risk_people: u32) -> Value {
    json!({
        "outcomes": outcomes,
        "alarms_fitted": alarms_fitted,
        "referrals_made": 0,
        "higher_risk_people": higher_risk_people,
    })
}

/// A CSV of UPRNs with the header the import wants, as a council would send it.
fn uprn_csv(uprns: impl IntoIterator<Item = String>) -> String {
    let mut csv = String::from("uprn,note\n");
    for uprn in uprns {
        csv.push_str(&uprn);
        csv.push_str(",\n");
    }
    csv
}

/// The ids of a day page's doors, in list order.
fn door_ids(page: &Value) -> Vec<String> {
    page.pointer("/doors")
        .and_then(Value::as_array)
        .expect("a day page lists its doors")
        .iter()
        .map(|d| id(d, "/id"))
        .collect()
}

/// A day's door list in a branch, set up out of sight: the day, and its doors from
/// `TWELVE_DOORS` (or from a CSV of `uprns`). The page is the first thing the branch records.
struct Day {
    id: String,
    doors: Vec<String>,
}

impl Day {
    async fn set_up(b: &mut Recorder, name: &str, uprns: Option<Vec<String>>) -> Self {
        let day = b
            .quietly(
                "create_day_of_action",
                json!({ "draft": { "name": name, "date": today(), "area": "Lantern Walk, ZY1", "crew": [OFFICER] } }),
            )
            .await;
        let id = id(&day, "/id");
        match uprns {
            None => {
                b.quietly(
                    "add_day_doors",
                    json!({ "dayId": id, "streetOrPostcode": TWELVE_DOORS }),
                )
                .await;
            }
            Some(uprns) => {
                let path = b.document("doors.csv");
                std::fs::write(&path, uprn_csv(uprns)).expect("write the doors CSV");
                b.quietly("import_day_doors", json!({ "dayId": id, "path": path }))
                    .await;
            }
        }
        let page = b.quietly("get_day_of_action", json!({ "id": id })).await;
        Self {
            doors: door_ids(&page),
            id,
        }
    }

    fn door(&self, n: usize) -> &str {
        self.doors
            .get(n - 1)
            .unwrap_or_else(|| panic!("the day has no door {n}"))
    }

    /// Records a knock at door `n` (from 1), as a key or button sends it, and the page
    /// the screen reads after it.
    async fn knock(&self, b: &mut Recorder, n: usize, knock: Value) {
        b.ok(
            "record_knock",
            json!({ "dayId": self.id, "doorId": self.door(n), "knock": knock }),
        )
        .await;
        self.page(b).await;
    }

    /// A knock made before the screen opens.
    async fn seed(&self, b: &mut Recorder, n: usize, knock: Value) {
        b.quietly(
            "record_knock",
            json!({ "dayId": self.id, "doorId": self.door(n), "knock": knock }),
        )
        .await;
    }

    async fn page(&self, b: &mut Recorder) -> Value {
        b.ok("get_day_of_action", json!({ "id": self.id })).await
    }
}

/// What the CHARLIE screen reads for a household.
async fn charlie_screen(b: &mut Recorder, household: &str) {
    b.ok("charlie_template", json!({})).await;
    b.ok("get_household", json!({ "id": household })).await;
    b.ok(
        "charlie_checks_for_household",
        json!({ "householdId": household }),
    )
    .await;
    b.ok("agencies", json!({})).await;
}

/// The household at door 5 of `TWELVE_DOORS`, with one resident. A crew walks one side of
/// the street and then the other, so the list goes 2, 4, 6, 8, 10, 12, 1, 3 … Lantern Walk,
/// and door 5 is 10 Lantern Walk.
async fn household_at_door_five(rec: &mut Recorder) -> (String, String) {
    let household = rec
        .quietly(
            "create_household_from_gazetteer",
            json!({ "uprn": (FIRST_UPRN + 9).to_string() }),
        )
        .await;
    let household = id(&household, "/id");
    let page = rec
        .quietly("get_household", json!({ "id": household }))
        .await;
    let persons = page
        .pointer("/persons")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let person = match persons.as_slice() {
        [only] => id(only, "/id"),
        [] => {
            let p = rec
                .quietly(
                    "add_person",
                    json!({ "draft": super::person_draft(&household, "Edith Sampleton", "1941-02-03") }),
                )
                .await;
            id(&p, "/id")
        }
        more => panic!(
            "5 Lantern Walk has {} residents; the CHARLIE screen needs one",
            more.len()
        ),
    };
    (household, person)
}

pub async fn days() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;
    rec.quietly("load_demo_data", json!({})).await;
    let (household, person) = household_at_door_five(&mut rec).await;
    boot(&mut rec).await;

    // Setting a day up: refused blank, then made.
    rec.mark("no days");
    rec.ok("days_of_action", json!({})).await;
    rec.refused(
        "create_day_of_action",
        json!({ "draft": { "name": "", "date": today(), "area": "", "crew": [] } }),
    )
    .await;
    let kiln = rec
        .ok(
            "create_day_of_action",
            json!({ "draft": {
                "name": "Kiln estate blitz", "date": today(), "area": "Kiln estate, ZY1 6",
                "crew": ["Jo Sampleton", "Ash Testwell"],
            } }),
        )
        .await;
    let kiln = id(&kiln, "/id");
    rec.mark("kiln");
    rec.ok("get_day_of_action", json!({ "id": kiln })).await;
    rec.refused("get_day_of_action", json!({ "id": "day-9999" }))
        .await;

    // Doors by street: a query too short, a street, and the same street again.
    let add = |query: &str| json!({ "dayId": kiln, "streetOrPostcode": query });
    rec.refused("add_day_doors", add("ab")).await;
    rec.ok("add_day_doors", add("lantern walk")).await;
    rec.ok("get_day_of_action", json!({ "id": kiln })).await;
    rec.ok("add_day_doors", add("Lantern Walk")).await;
    rec.mark("street added");
    rec.ok("get_day_of_action", json!({ "id": kiln })).await;

    // Doors from a council's CSV: five of Bramble Road's with a broken row, then a file
    // without the uprn column.
    let bramble = (0..5).map(|n| (FIRST_UPRN + 90 + n).to_string());
    let mut rows: Vec<String> = bramble.collect();
    rows.insert(1, "12x".to_owned());
    let bad = rec.document("bad.csv");
    std::fs::write(&bad, uprn_csv(rows)).expect("write bad.csv");
    let no_header = rec.document("noheader.csv");
    std::fs::write(&no_header, "reference,street\n990000000100,Bramble Road\n")
        .expect("write noheader.csv");
    rec.ok("import_day_doors", json!({ "dayId": kiln, "path": bad }))
        .await;
    rec.ok("get_day_of_action", json!({ "id": kiln })).await;
    rec.refused(
        "import_day_doors",
        json!({ "dayId": kiln, "path": no_header }),
    )
    .await;

    // Three days, newest first: one later with no area or doors, and one before with two
    // of its twelve doors knocked.
    let oak = rec
        .quietly(
            "create_day_of_action",
            json!({ "draft": { "name": "Oak Tree Lane", "date": "2026-02-14", "area": "Lantern estate, ZY1 0", "crew": [OFFICER] } }),
        )
        .await;
    let oak = id(&oak, "/id");
    rec.quietly(
        "add_day_doors",
        json!({ "dayId": oak, "streetOrPostcode": TWELVE_DOORS }),
    )
    .await;
    let oak_page = rec.quietly("get_day_of_action", json!({ "id": oak })).await;
    // The screens show a door without a household (1) and one with (5).
    let households: Vec<Value> = oak_page
        .pointer("/doors")
        .and_then(Value::as_array)
        .expect("doors")
        .iter()
        .map(|d| d.get("household_id").cloned().unwrap_or(Value::Null))
        .collect();
    assert_eq!(
        households[..5],
        [
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            json!(household)
        ],
        "doors 1 to 4 of {TWELVE_DOORS} have no household in the demo area, door 5 has ours"
    );
    let oak_doors = door_ids(&oak_page);
    for (door, outcome) in [(0, "no_answer"), (0, "advice_given"), (1, "declined")] {
        rec.quietly(
            "record_knock",
            json!({ "dayId": oak, "doorId": oak_doors[door], "knock": knock(&[outcome], 0, 0) }),
        )
        .await;
    }
    rec.quietly(
        "create_day_of_action",
        json!({ "draft": { "name": "Lantern estate", "date": "2026-03-12", "area": "", "crew": [OFFICER] } }),
    )
    .await;
    rec.mark("three days");
    rec.ok("days_of_action", json!({})).await;

    let mut branches = Vec::new();

    // One key per outcome: n n a, then f t, then back to the first door for l.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let day = Day::set_up(&mut b, "Lantern Walk day of action", None).await;
    day.page(&mut b).await;
    for (n, outcome, alarms) in [
        (1, "no_answer", 0),
        (2, "no_answer", 0),
        (3, "advice_given", 0),
        (4, "alarm_fitted", 1),
        (5, "alarm_tested_ok", 0),
        (1, "leaflet_left", 0),
    ] {
        day.knock(&mut b, n, knock(&[outcome], alarms, 0)).await;
    }
    branches.push(b.into_branch("keys"));

    // A knock that fails (scripted in the test: a full disk), then the same knock again.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let day = Day::set_up(&mut b, "Lantern Walk day of action", None).await;
    day.page(&mut b).await;
    day.knock(&mut b, 1, knock(&["no_answer"], 0, 0)).await;
    branches.push(b.into_branch("failed knock"));

    // The buttons for the current door: refused at door 4, empty at door 5.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let day = Day::set_up(&mut b, "Lantern Walk day of action", None).await;
    day.page(&mut b).await;
    day.knock(&mut b, 4, knock(&["declined"], 0, 0)).await;
    day.knock(&mut b, 5, knock(&["void"], 0, 0)).await;
    branches.push(b.into_branch("buttons"));

    // CHARLIE done at door 1 (no household), then door 5's CHARLIE and referral screens.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let day = Day::set_up(&mut b, "Lantern Walk day of action", None).await;
    day.page(&mut b).await;
    day.knock(&mut b, 1, knock(&["charlie_done"], 0, 0)).await;
    charlie_screen(&mut b, &household).await;
    b.ok("get_household", json!({ "id": household })).await;
    branches.push(b.into_branch("charlie"));

    // A CHARLIE check saved from door 5, every factor at the top of the scale: it counts on
    // the day with a higher-risk person.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let day = Day::set_up(&mut b, "Lantern Walk day of action", None).await;
    day.page(&mut b).await;
    charlie_screen(&mut b, &household).await;
    let template = b.quietly("charlie_template", json!({})).await;
    let top = template
        .pointer("/scale")
        .and_then(Value::as_array)
        .and_then(|s| s.iter().filter_map(|v| v.get("value")?.as_u64()).max())
        .expect("the CHARLIE scale has values");
    let factors: Vec<Value> = template
        .pointer("/factors")
        .and_then(Value::as_array)
        .expect("the template lists its factors")
        .iter()
        .map(|f| json!({ "factor": id(f, "/id"), "score": top, "note": "" }))
        .collect();
    let saved = b
        .ok(
            "save_charlie_check",
            json!({ "draft": {
                "id": null, "person_id": person, "household_id": household, "visit_id": null,
                "factors": factors, "clutter_image_rating": null, "alarms": [],
                "escape_route": "clear", "flags": [],
            } }),
        )
        .await;
    assert_eq!(
        saved.pointer("/assessment/meets_referral_threshold"),
        Some(&json!(true)),
        "the top of every scale is past the referral threshold"
    );
    b.ok(
        "record_knock",
        json!({ "dayId": day.id, "doorId": day.door(5), "knock": knock(&["charlie_done"], 0, 1) }),
    )
    .await;
    b.ok(
        "charlie_checks_for_household",
        json!({ "householdId": household }),
    )
    .await;
    branches.push(b.into_branch("charlie-saved"));

    // Doors to revisit: knocked earlier in the day, then answered one by one.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let day = Day::set_up(&mut b, "Lantern Walk day of action", None).await;
    for (n, outcomes) in [
        (1, &["no_answer", "leaflet_left"][..]),
        (2, &["advice_given"][..]),
        (3, &["no_answer"][..]),
        (4, &["void"][..]),
        (6, &["no_answer"][..]),
        (6, &["alarm_tested_ok"][..]),
    ] {
        day.seed(&mut b, n, knock(outcomes, 0, 0)).await;
    }
    day.page(&mut b).await;
    day.knock(&mut b, 1, knock(&["advice_given"], 0, 0)).await;
    day.knock(&mut b, 3, knock(&["alarm_tested_ok"], 0, 0))
        .await;
    branches.push(b.into_branch("revisit"));

    // Outcomes on the list and an alarm fitted at the current door, for axe.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let day = Day::set_up(&mut b, "Lantern Walk day of action", None).await;
    day.seed(&mut b, 1, knock(&["no_answer", "leaflet_left"], 0, 0))
        .await;
    day.page(&mut b).await;
    day.knock(&mut b, 2, knock(&["alarm_fitted"], 1, 0)).await;
    branches.push(b.into_branch("axe"));

    // The end of the day: the summary as CSV (and a folder that is not there), and the
    // day's documents. No referral is made at its doors: a referral form holds the
    // referral's real id, so its size changes from run to run (crates/api/tests/days.rs
    // checks the forms are saved with the summary).
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let day = Day::set_up(&mut b, "Lantern Walk day of action", None).await;
    day.seed(&mut b, 1, knock(&["advice_given", "alarm_fitted"], 2, 0))
        .await;
    day.seed(&mut b, 2, knock(&["no_answer"], 0, 0)).await;
    day.page(&mut b).await;
    let csv = b.document(&format!("day-of-action-{}.csv", today()));
    b.ok(
        "save_day_summary_csv",
        json!({ "dayId": day.id, "path": csv }),
    )
    .await;
    let nowhere = b.document("no such folder/summary.csv");
    b.refused(
        "save_day_summary_csv",
        json!({ "dayId": day.id, "path": nowhere }),
    )
    .await;
    let folder = b.document("day-of-action");
    std::fs::create_dir_all(&folder).expect("the documents' folder");
    b.ok(
        "save_day_documents",
        json!({ "dayId": day.id, "folder": folder }),
    )
    .await;
    branches.push(b.into_branch("end of day"));

    // 2,000 doors from a CSV, and a knock at the last.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    let uprns = (0..2000).map(|n| (FIRST_UPRN + n).to_string()).collect();
    let day = Day::set_up(&mut b, "Whole estate day of action", Some(uprns)).await;
    assert_eq!(day.doors.len(), 2000, "every UPRN is in the demo gazetteer");
    day.page(&mut b).await;
    day.knock(&mut b, 2000, knock(&["no_answer"], 0, 0)).await;
    branches.push(b.into_branch("2000 doors"));

    rec.finish(
        "days",
        "Days of action on the demo area: one refused and set up, doors refused, added by \
         street (twice) and from a CSV (and a CSV without its column), and three days listed. \
         Branches, each on its own day of twelve doors: keys, failed knock, buttons, charlie, charlie-saved, \
         revisit, axe, end of day (summary CSV, day's documents); 2000 doors.",
        branches,
    )
}

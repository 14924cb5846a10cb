//! What the screens show about sync with the council hub: whether this laptop is
//! enrolled, what it is doing, what is waiting, and the conflicts a supervisor decides.
//! Plain data; the app fills it in from the store and the running sync.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::words::sentence_case;

/// What the laptop's sync is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncActivity {
    /// Not connected to a hub: enrol in Settings.
    NotEnrolled,
    /// Enrolled and up to date as of the last sync.
    Idle,
    /// A sync is running (see the progress).
    Syncing,
    /// The hub could not be reached: sync tries again by itself.
    Offline,
    /// The last sync failed for another reason (see the error).
    Failed,
    /// An administrator removed this laptop from the hub: its data was erased.
    Revoked,
}

/// Which part of a sync is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncStage {
    /// Sending this laptop's changes.
    Sending,
    /// Sending or fetching photos.
    Files,
    /// Receiving other laptops' changes.
    Receiving,
}

/// How far a running sync has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SyncProgress {
    /// The part running now.
    pub stage: SyncStage,
    /// Items done in this part.
    pub done: u32,
    /// Items in this part, when known.
    pub total: Option<u32>,
}

/// The hub this laptop is enrolled with, as the screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct HubLinkView {
    /// The hub's address.
    pub hub_url: String,
    /// The council or force that runs it.
    pub organisation: String,
    /// The hub account the laptop was enrolled for.
    pub user_name: String,
    /// That account's role.
    pub user_role: Role,
    /// When.
    pub enrolled_at: DateTime<Utc>,
}

/// Everything the sync indicator and the Sync screen show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SyncStatus {
    /// What sync is doing.
    pub activity: SyncActivity,
    /// The hub, once enrolled.
    pub hub: Option<HubLinkView>,
    /// When a sync last finished without error.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Local changes the hub does not have yet.
    pub waiting: u32,
    /// What went wrong last time, as a sentence that says what to do.
    pub last_error: Option<String>,
    /// How far the running sync has got.
    pub progress: Option<SyncProgress>,
    /// When offline or failed: when sync will try again by itself.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Conflicts waiting for a supervisor.
    pub open_conflicts: u32,
    /// Changes the signed-in person may see that the hub could no longer take.
    pub set_aside: u32,
    /// When a sync last changed records on this laptop (a colleague's edit, a contractor's
    /// progress): a screen showing records loads them again when this moves.
    pub records_changed_at: Option<DateTime<Utc>>,
}

/// What a set-aside change did to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RecordAction {
    /// Created it.
    Added,
    /// Changed some of its fields.
    Changed,
    /// Deleted it.
    Deleted,
}

/// One field a change set, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FieldValueView {
    /// The field (e.g. "Address line 2").
    pub field: String,
    /// Its new value, as text.
    pub value: String,
}

/// A change made on this laptop that the hub could no longer take, because its record
/// moved to another team first; kept so that the person who made it can pass it on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SetAsideView {
    /// The change's id.
    pub id: String,
    /// The record, in words (e.g. "Household for 4 Example Row, TE1 1ST").
    pub record: String,
    /// What the change did.
    pub action: RecordAction,
    /// The fields it set and their values, in words.
    pub fields: Vec<FieldValueView>,
    /// Who made it.
    pub made_by: String,
    /// When.
    pub made_at: DateTime<Utc>,
    /// When the hub said the record had moved.
    pub set_aside_at: DateTime<Utc>,
}

/// Whether someone in `role` sees every set-aside change on the laptop, not only their own:
/// a supervisor, who passes them on to the other team.
pub fn sees_all_set_aside(role: Role) -> bool {
    role == Role::Supervisor
}

/// A supervisor's choice on a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ConflictChoice {
    /// Keep the value the hub kept.
    Keep,
    /// Use the value that was not applied instead.
    TakeOther,
}

/// A decision already made on a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ConflictDecision {
    /// What was chosen.
    pub chosen: ConflictChoice,
    /// By whom.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// One conflict as the Conflicts screen shows it: both values, who set each and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ConflictView {
    /// Its id.
    pub id: String,
    /// The record, in words (e.g. "Plan for 12 Acacia Avenue, NG18 1AA").
    pub record: String,
    /// The field, in words (e.g. "Plan status").
    pub field: String,
    /// The value the hub kept, as text.
    pub kept_value: String,
    /// Who set it.
    pub kept_by: String,
    /// When.
    pub kept_at: DateTime<Utc>,
    /// The value that was not applied, as text.
    pub other_value: String,
    /// Who set it.
    pub other_by: String,
    /// When.
    pub other_at: DateTime<Utc>,
    /// When the hub noticed.
    pub raised_at: DateTime<Utc>,
    /// The decision, once made.
    pub decision: Option<ConflictDecision>,
}

/// Whether someone in `role` may decide conflicts: a supervisor, because a guarded
/// field is a decision with a name on it (an approval, a consent, a safeguarding fact).
pub fn may_decide_conflicts(role: Role) -> bool {
    role == Role::Supervisor
}

/// A field's name in words for the Conflicts screen: the guarded fields by name, any
/// other field with its underscores as spaces.
pub fn field_label(entity: &str, field: &str) -> String {
    let known = match (entity, field) {
        ("plan", "status") => Some("Plan status"),
        ("plan", "approval") => Some("Supervisor's approval"),
        ("plan", "agreement") => Some("Resident's agreement"),
        ("plan", "landlord_consent") => Some("Landlord's consent"),
        ("plan", "da_service_decision") => Some("Domestic abuse service's decision"),
        ("referral", "status") => Some("Referral outcome"),
        ("referral", "consent") => Some("Consent for the referral"),
        ("referral", "lawful_basis") => Some("Lawful basis for sharing"),
        ("survey", "answers.da_concern") => Some("Domestic abuse concern"),
        ("survey", "answers.disability_or_mobility") => Some("Disability or mobility"),
        ("charlie_check", _) => Some("CHARLIE answers"),
        ("person", f) if f.starts_with("health") => Some("Health details"),
        _ => None,
    };
    if let Some(label) = known {
        return label.to_owned();
    }
    match sentence_case(&field.replace('.', " ")) {
        label if label.is_empty() => "A field".to_owned(),
        label => label,
    }
}

/// A record kind in words, for "Plan for …" labels.
pub fn entity_label(entity: &str) -> &'static str {
    match entity {
        "household" => "Household",
        "person" => "Resident",
        "visit" => "Visit",
        "survey" => "Survey",
        "survey_photo" => "Survey photo",
        "plan" => "Plan",
        "cocoon" => "Cocoon",
        "cocoon_target" => "Cocoon door",
        "charlie_check" => "CHARLIE check",
        "referral" => "Referral",
        "day_of_action" => "Day of action",
        "day_door" => "Door on a day of action",
        "door_knock" => "Door knock",
        "work_order" => "Work order",
        _ => "Record",
    }
}

/// "Plan for 12 Acacia Avenue, NG18 1AA" when the household's address is known, else the
/// kind and the start of the id ("Plan 0192f3a1").
pub fn record_text(entity: &str, place: Option<&str>, id: &str) -> String {
    let kind = entity_label(entity);
    match place {
        Some(place) if !place.is_empty() => format!("{kind} for {place}"),
        _ => {
            let short: String = id.chars().take(8).collect();
            format!("{kind} {short}")
        }
    }
}

/// A stored JSON value as a person reads it: text without quotes, true/false as
/// yes/no, nothing as "(empty)", and anything structured as compact JSON.
pub fn value_text(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "(empty)".to_owned(),
        Value::Bool(true) => "Yes".to_owned(),
        Value::Bool(false) => "No".to_owned(),
        Value::String(s) if s.is_empty() => "(empty)".to_owned(),
        Value::String(s) => sentence_case(s),
        // A survey answer, `{"type": "yes_no", "value": "yes"}`: its value.
        Value::Object(map) if map.len() == 2 && map.get("type").is_some_and(Value::is_string) => {
            map.get("value")
                .map_or_else(|| "(empty)".to_owned(), value_text)
        }
        // A set of ticks, such as contact preferences: the ones ticked.
        Value::Object(map) if map.values().all(Value::is_boolean) => {
            let ticked: Vec<String> = map
                .iter()
                .filter(|(_, v)| v.as_bool() == Some(true))
                .map(|(k, _)| sentence_case(k))
                .collect();
            if ticked.is_empty() {
                "None".to_owned()
            } else {
                ticked.join(", ")
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn guarded_fields_have_names_people_use() {
        assert_eq!(field_label("plan", "status"), "Plan status");
        assert_eq!(
            field_label("referral", "consent"),
            "Consent for the referral"
        );
        assert_eq!(field_label("person", "health_notes"), "Health details");
        assert_eq!(field_label("visit", "notes_text"), "Notes text");
        assert_eq!(
            field_label("survey", "answers.door_viewer"),
            "Answers door viewer"
        );
        assert_eq!(field_label("charlie_check", "hoarding"), "CHARLIE answers");
        assert_eq!(field_label("survey", ""), "A field");
    }

    #[test]
    fn only_supervisors_decide_conflicts() {
        for role in Role::ALL {
            assert_eq!(
                may_decide_conflicts(*role),
                *role == Role::Supervisor,
                "{role:?}"
            );
        }
    }

    #[test]
    fn values_read_as_words() {
        for (value, text) in [
            (json!(null), "(empty)"),
            (json!(true), "Yes"),
            (json!(false), "No"),
            (json!("approved"), "Approved"),
            (json!("visit_booked"), "Visit booked"),
            (json!(""), "(empty)"),
            (json!(3), "3"),
            (json!({"a": 1}), "{\"a\":1}"),
            (
                json!({"email": false, "phone": true, "text_message": true}),
                "Phone, Text message",
            ),
            (json!({"email": false, "phone": false}), "None"),
            (json!({"type": "yes_no", "value": "yes"}), "Yes"),
            (json!({"type": "number", "value": 4}), "4"),
        ] {
            assert_eq!(value_text(&value), text, "{value}");
        }
    }

    #[test]
    fn statuses_travel_as_snake_case() {
        assert_eq!(
            serde_json::to_value(SyncActivity::NotEnrolled).ok(),
            Some(json!("not_enrolled"))
        );
        assert_eq!(
            serde_json::to_value(ConflictChoice::TakeOther).ok(),
            Some(json!("take_other"))
        );
        assert_eq!(
            serde_json::to_value(SyncStage::Receiving).ok(),
            Some(json!("receiving"))
        );
    }
}

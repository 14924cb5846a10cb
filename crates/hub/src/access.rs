//! Who may see and change which records: the role × record table, in one place.
//!
//! A pull sends a user only the kinds of record their role may see, and of those only the
//! fields it may see; a push of a kind of record the role may not see is refused as a
//! whole (`403 out_of_scope`). Every row of [`VISIBILITY`] names the roles and says why.
//!
//! A field hidden from a role is *record-only* for it: a warden who hears of a domestic
//! abuse concern may record it, but never reads back what others recorded. Refusing the
//! write instead would leave the laptop's outbox stuck behind a change it cannot take
//! back; and a guarded field written blind still cannot overwrite anyone's decision (the
//! merge raises a conflict), while an ordinary one merges by clock as any concurrent edit.

use doorstep_core::Role;
use doorstep_sync::protocol::{Change, Conflict, EntityKind, HubValue, Operation};

use crate::model::Refusal;

/// The fields a row is about.
#[derive(Debug, Clone, Copy)]
enum Fields {
    /// The kind of record as a whole: who receives it at all.
    All,
    /// These fields only: who may read them, among those who receive the record.
    Only(&'static [&'static str]),
}

/// One row: the roles that may see `fields` of `entity` (and so change them), and why.
#[derive(Debug, Clone, Copy)]
struct Rule {
    entity: EntityKind,
    fields: Fields,
    roles: &'static [Role],
    why: &'static str,
}

/// People who visit homes: every role that works cases on a laptop.
const VISITORS: &[Role] = &[
    Role::Officer,
    Role::Supervisor,
    Role::Warden,
    Role::FireCrew,
];

/// Burglary casework: the officer, the supervisor, and the warden who cocoons and follows up.
const SECURITY: &[Role] = &[Role::Officer, Role::Supervisor, Role::Warden];

/// The people who own a case and its sensitive decisions.
const CASEWORKERS: &[Role] = &[Role::Officer, Role::Supervisor];

/// The survey's answers about the burglary itself (section A of the template).
const CRIME_DETAILS: &[&str] = &[
    "answers.crime_ref",
    "answers.burglary_date",
    "answers.burglary_time_window",
    "answers.point_of_entry",
    "answers.method_of_entry",
    "answers.items_taken",
    "answers.car_keys_taken",
    "section_notes.incident",
];

/// The table. Contractors, analysts and admins appear in no row: contractors see their
/// work orders in the portal, analysts see figures, and admins run the hub without
/// reading casework; none of them receives records by sync. The data map
/// (`assets/data-map.toml`) lists the same roles field by field, and `data_map`'s tests
/// keep the two equal: change both together.
const VISIBILITY: &[Rule] = &[
    Rule {
        entity: EntityKind::Household,
        fields: Fields::All,
        roles: VISITORS,
        why: "the address: everyone who knocks on the door needs it",
    },
    Rule {
        entity: EntityKind::Person,
        fields: Fields::All,
        roles: VISITORS,
        why: "who lives there and how to reach them; fire crews need to know who is at \
              risk in a fire",
    },
    Rule {
        entity: EntityKind::Visit,
        fields: Fields::All,
        roles: VISITORS,
        why: "who called when and what happened; fire crews record Safe and Well visits",
    },
    Rule {
        entity: EntityKind::Survey,
        fields: Fields::All,
        roles: SECURITY,
        why: "the home security survey is burglary casework (the home's weak points, the \
              burglary, the residents' circumstances): fire crews do not survey homes and \
              need none of it",
    },
    Rule {
        entity: EntityKind::Survey,
        fields: Fields::Only(CRIME_DETAILS),
        roles: CASEWORKERS,
        why: "crime details (crime reference, how and when they got in, what was taken) \
              are for the police and the officer's plan, not for a neighbourhood warden",
    },
    Rule {
        entity: EntityKind::Survey,
        fields: Fields::Only(&["answers.da_concern"]),
        roles: CASEWORKERS,
        why: "a domestic abuse concern is highest-harm: only those who plan the response \
              see the flag, and the details stay with the DA service",
    },
    Rule {
        entity: EntityKind::SurveyPhoto,
        fields: Fields::All,
        roles: SECURITY,
        why: "photos of the home's doors, windows and locks: the survey's evidence",
    },
    Rule {
        entity: EntityKind::Plan,
        fields: Fields::All,
        roles: SECURITY,
        why: "the improvement plan; wardens make the follow-up visit after fitting",
    },
    Rule {
        entity: EntityKind::Plan,
        fields: Fields::Only(&["da_service_decision"]),
        roles: CASEWORKERS,
        why: "the domestic abuse service's decision names a DA case",
    },
    Rule {
        entity: EntityKind::Cocoon,
        fields: Fields::All,
        roles: SECURITY,
        why: "a cocoon names a burgled home and its neighbours: burglary casework that \
              officers and wardens deliver door to door",
    },
    Rule {
        entity: EntityKind::CocoonTarget,
        fields: Fields::All,
        roles: SECURITY,
        why: "the cocoon's doors and what happened at each",
    },
    Rule {
        entity: EntityKind::CharlieCheck,
        fields: Fields::All,
        roles: VISITORS,
        why: "the CHARLIE fire-risk screen runs on every visit and fire crews act on it; \
              the health it records is what they need to make a home safe",
    },
    Rule {
        entity: EntityKind::Referral,
        fields: Fields::All,
        roles: VISITORS,
        why: "referrals to partner agencies, made and followed by every visiting role \
              (core's REFERRAL_ROLES)",
    },
    Rule {
        entity: EntityKind::DayOfAction,
        fields: Fields::All,
        roles: VISITORS,
        why: "days of action bring fire crews, wardens and police to one street",
    },
    Rule {
        entity: EntityKind::DayDoor,
        fields: Fields::All,
        roles: VISITORS,
        why: "the doors on a day's list",
    },
    Rule {
        entity: EntityKind::DoorKnock,
        fields: Fields::All,
        roles: VISITORS,
        why: "what happened at each door on the day",
    },
    Rule {
        entity: EntityKind::Conflict,
        fields: Fields::All,
        roles: &[Role::Supervisor],
        why: "both values of a guarded field (consent, health, safeguarding, a signed \
              decision): only a supervisor decides, and only a supervisor sees both",
    },
    Rule {
        entity: EntityKind::WorkOrder,
        fields: Fields::All,
        roles: CASEWORKERS,
        why: "orders to contractors from approved plans: the supervisor approved them, the \
              officer follows the fitting; contractors see theirs in the portal",
    },
];

fn rule_matches(rule: &Rule, entity: EntityKind, field: &str) -> bool {
    rule.entity == entity
        && match rule.fields {
            Fields::All => false,
            Fields::Only(names) => names.contains(&field),
        }
}

/// Whether users of `role` receive (and may change) records of `entity` at all.
pub fn may_see(role: Role, entity: EntityKind) -> bool {
    VISIBILITY
        .iter()
        .any(|r| r.entity == entity && matches!(r.fields, Fields::All) && r.roles.contains(&role))
}

/// Whether users of `role` may read `field` of `entity` records.
pub fn may_see_field(role: Role, entity: EntityKind, field: &str) -> bool {
    may_see(role, entity)
        && VISIBILITY
            .iter()
            .filter(|r| rule_matches(r, entity, field))
            .all(|r| r.roles.contains(&role))
}

/// The kinds of record `role` receives, in protocol order.
pub fn entities_for(role: Role) -> Vec<EntityKind> {
    EntityKind::ALL
        .iter()
        .copied()
        .filter(|e| may_see(role, *e))
        .collect()
}

/// Whether `role` syncs records at all (contractors, analysts and admins do not).
pub fn syncs(role: Role) -> bool {
    EntityKind::ALL.iter().any(|e| may_see(role, *e))
}

/// `change` as `role` may see it: hidden fields removed, or None when the role may not
/// see the record or nothing of the change is left. A delete is always shown to those
/// who see the record (it carries no field).
pub fn redact(role: Role, mut change: Change) -> Option<Change> {
    if !may_see(role, change.entity) {
        return None;
    }
    if change.operation == Operation::Delete {
        return Some(change);
    }
    let entity = change.entity;
    change
        .fields
        .retain(|name, _| may_see_field(role, entity, name));
    change
        .base_versions
        .retain(|name, _| may_see_field(role, entity, name));
    (!change.fields.is_empty()).then_some(change)
}

/// Refuses a change to a kind of record `role` may not see (the whole push is refused).
pub fn check_write(role: Role, change: &Change) -> Result<(), Refusal> {
    if may_see(role, change.entity) {
        Ok(())
    } else {
        Err(Refusal::EntityForbidden {
            role,
            entity: change.entity,
        })
    }
}

/// The push answer's conflicts and hub values narrowed to what `role` may read.
pub fn redact_answer(role: Role, conflicts: &mut Vec<Conflict>, values: &mut Vec<HubValue>) {
    conflicts.retain(|c| may_see_field(role, c.entity, &c.field));
    values.retain(|v| may_see_field(role, v.entity, &v.field));
}

/// Every row as (entity, fields, roles, why), for documentation and tests. `fields` is
/// `*` for the whole record or the field names joined by `, `.
pub fn rules() -> Vec<(EntityKind, String, Vec<Role>, &'static str)> {
    VISIBILITY
        .iter()
        .map(|r| {
            let fields = match r.fields {
                Fields::All => "*".to_owned(),
                Fields::Only(names) => names.join(", "),
            };
            (r.entity, fields, r.roles.to_vec(), r.why)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorstep_sync::merge::is_guarded;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case(Role::Officer, EntityKind::Survey, true)]
    #[case(Role::Warden, EntityKind::Survey, true)]
    #[case(Role::FireCrew, EntityKind::Survey, false)]
    #[case(Role::FireCrew, EntityKind::Plan, false)]
    #[case(Role::FireCrew, EntityKind::Cocoon, false)]
    #[case(Role::FireCrew, EntityKind::CharlieCheck, true)]
    #[case(Role::FireCrew, EntityKind::DoorKnock, true)]
    #[case(Role::Warden, EntityKind::Conflict, false)]
    #[case(Role::Officer, EntityKind::Conflict, false)]
    #[case(Role::Supervisor, EntityKind::Conflict, true)]
    #[case(Role::Warden, EntityKind::WorkOrder, false)]
    #[case(Role::Officer, EntityKind::WorkOrder, true)]
    #[case(Role::Contractor, EntityKind::WorkOrder, false)]
    #[case(Role::Analyst, EntityKind::Household, false)]
    #[case(Role::Admin, EntityKind::Household, false)]
    fn who_receives_what(#[case] role: Role, #[case] entity: EntityKind, #[case] sees: bool) {
        assert_eq!(may_see(role, entity), sees, "{role:?} {entity}");
    }

    #[test]
    fn supervisors_see_everything_of_their_team() {
        for entity in EntityKind::ALL {
            assert!(may_see(Role::Supervisor, *entity), "{entity}");
        }
        for (entity, fields, roles, _) in rules() {
            assert!(roles.contains(&Role::Supervisor), "{entity} {fields}");
        }
    }

    #[test]
    fn roles_without_casework_sync_nothing() {
        for role in [Role::Contractor, Role::Analyst, Role::Admin] {
            assert!(!syncs(role));
            assert!(entities_for(role).is_empty());
        }
        for role in [
            Role::Officer,
            Role::FireCrew,
            Role::Warden,
            Role::Supervisor,
        ] {
            assert!(syncs(role));
        }
    }

    #[test]
    fn field_rows_only_narrow_a_record_row() {
        // A field row naming a role that does not receive the record would be dead text.
        for (entity, fields, roles, _) in rules() {
            for role in roles {
                assert!(may_see(role, entity), "{role:?} in {entity}/{fields}");
            }
        }
        for rule in VISIBILITY {
            assert!(!rule.why.is_empty());
        }
    }

    #[test]
    fn referral_roles_agree_with_core() {
        for role in Role::ALL {
            assert_eq!(
                may_see(*role, EntityKind::Referral),
                doorstep_core::fire::referral::REFERRAL_ROLES.contains(role),
                "{role:?}"
            );
        }
    }

    #[test]
    fn every_role_that_takes_a_plan_step_on_a_laptop_sees_plans() {
        for step in doorstep_core::security::lifecycle::StepKind::ALL {
            for role in step.roles() {
                if *role != Role::Contractor {
                    assert!(may_see(*role, EntityKind::Plan), "{role:?} {step:?}");
                }
            }
        }
    }

    fn survey_change(fields: serde_json::Value) -> Change {
        let device = doorstep_core::DeviceId::new();
        let hlc = doorstep_core::Hlc {
            wall_ms: 1,
            counter: 0,
            device,
        };
        let fields = fields.as_object().cloned().unwrap_or_default();
        Change {
            change_id: uuid::Uuid::now_v7(),
            entity: EntityKind::Survey,
            entity_id: "s1".into(),
            operation: Operation::Update,
            base_versions: fields.keys().map(|k| (k.clone(), None)).collect(),
            fields,
            hlc,
            officer_id: doorstep_core::OfficerId::new(),
            device_id: device,
            made_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn wardens_get_the_survey_without_the_burglary_or_the_da_flag() {
        let change = survey_change(json!({
            "answers.front_light": "none",
            "answers.crime_ref": "NT/123/26",
            "answers.method_of_entry": "cylinder_snapped",
            "answers.da_concern": true,
            "section_notes.incident": "came in through the back",
        }));
        let warden = redact(Role::Warden, change.clone()).unwrap();
        assert_eq!(
            warden.fields.keys().collect::<Vec<_>>(),
            ["answers.front_light"]
        );
        assert_eq!(
            warden.base_versions.keys().collect::<Vec<_>>(),
            ["answers.front_light"]
        );
        assert_eq!(redact(Role::Officer, change.clone()).unwrap(), change);
        assert!(redact(Role::FireCrew, change).is_none());
        // Nothing left to show: no entry at all.
        let only_crime = survey_change(json!({ "answers.crime_ref": "NT/1" }));
        assert!(redact(Role::Warden, only_crime).is_none());
    }

    #[test]
    fn the_decisions_hidden_from_wardens_are_guarded_so_a_blind_write_cannot_win() {
        for (entity, field) in [
            (EntityKind::Survey, "answers.da_concern"),
            (EntityKind::Plan, "da_service_decision"),
        ] {
            assert!(!may_see_field(Role::Warden, entity, field));
            assert!(is_guarded(entity, field), "{entity}.{field}");
        }
    }

    #[test]
    fn a_role_may_push_only_what_it_receives() {
        let change = survey_change(json!({ "answers.front_light": "none" }));
        assert!(check_write(Role::Warden, &change).is_ok());
        assert_eq!(
            check_write(Role::FireCrew, &change),
            Err(Refusal::EntityForbidden {
                role: Role::FireCrew,
                entity: EntityKind::Survey
            })
        );
    }

    #[test]
    fn the_documented_table_is_the_code() {
        let doc = include_str!("../../../docs/hub.md");
        let section = doc
            .split("## Who sees what")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .unwrap();
        let documented: Vec<(String, String, String)> = section
            .lines()
            .filter(|l| {
                l.starts_with("| ") && !l.starts_with("| record") && !l.starts_with("| ---")
            })
            .map(|l| {
                let cells: Vec<&str> = l.split(" | ").map(|c| c.trim_matches(['|', ' '])).collect();
                (
                    cells[0].to_owned(),
                    cells[1].to_owned(),
                    cells[2].to_owned(),
                )
            })
            .collect();
        let code: Vec<(String, String, String)> = rules()
            .into_iter()
            .map(|(entity, fields, roles, _)| {
                let fields = if fields == "*" {
                    "all".to_owned()
                } else {
                    fields
                };
                let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                (entity.as_str().to_owned(), fields, roles.join(", "))
            })
            .collect();
        assert_eq!(documented, code);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const NAMES: &[&str] = &[
            "household_id",
            "status",
            "answers.front_light",
            "answers.crime_ref",
            "answers.items_taken",
            "answers.da_concern",
            "section_notes.incident",
            "da_service_decision",
            "factors",
        ];

        proptest! {
            /// Whatever the role, the kind of record and the fields, a pulled change carries
            /// every field the role may read and none it may not.
            #[test]
            fn redaction_keeps_exactly_the_readable_fields(
                role in proptest::sample::select(Role::ALL.to_vec()),
                entity in proptest::sample::select(EntityKind::ALL.to_vec()),
                names in proptest::sample::subsequence(NAMES.to_vec(), 1..NAMES.len()),
            ) {
                let mut change = survey_change(serde_json::Value::Object(
                    names.iter().map(|n| ((*n).to_owned(), serde_json::json!(1))).collect(),
                ));
                change.entity = entity;
                let readable: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|n| may_see_field(role, entity, n))
                    .collect();
                match redact(role, change) {
                    None => prop_assert!(readable.is_empty()),
                    Some(seen) => {
                        let got: Vec<&str> = seen.fields.keys().map(String::as_str).collect();
                        let mut want = readable.clone();
                        want.sort_unstable();
                        prop_assert_eq!(got, want);
                        prop_assert!(seen.base_versions.keys().all(|k| seen.fields.contains_key(k)));
                    }
                }
            }
        }
    }
}

//! A supervisor decides an agreed plan in the console: approves it with the core's approval
//! ([`doorstep_core::work_order::approve`], the one the laptop runs), or returns it to the
//! officer with the core's return step, over the hub's copy of the plan, its survey,
//! household and residents, judged by the scheme's built-in data files. The result is
//! changes the hub makes itself — the plan's fields that changed, and on approval one new
//! work order per firm — each at a reading of the hub's clock later than anything the hub
//! holds, merged and logged like a push so the officer's laptop pulls them. A laptop that
//! edited the plan meanwhile meets them in the merge as any concurrent edit: a guarded
//! field raises a conflict, as it does between two laptops.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use doorstep_core::household::{Household, HouseholdDetails};
use doorstep_core::person::{Person, PersonDetails};
use doorstep_core::security::{
    AnswerValue, Answers, Catalogue, Plan, PlanActor, PlanStatus, PlanStep, Policy, Template,
    TemplateLibrary,
};
use doorstep_core::work_order::{
    ApprovalError, ApprovalInputs, Contractors, FirmChoices, WorkOrder, approve,
};
use doorstep_core::{DeviceId, Hlc, HlcClock, OfficerId, Role, built_in};
use doorstep_sync::merge::{Record, merge_into};
use doorstep_sync::protocol::{Change, EntityKind, Operation};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::Fields;
use crate::store::StoredRecord;

/// The scheme's data files the hub judges approvals by.
#[derive(Debug)]
pub struct Reference {
    templates: TemplateLibrary,
    policy: Policy,
    catalogue: Catalogue,
    contractors: Contractors,
}

fn load() -> Result<Reference, String> {
    let template = Template::from_toml(built_in::SURVEY_TEMPLATE.1).map_err(|e| e.to_string())?;
    let mut templates = TemplateLibrary::default();
    templates.add(template).map_err(|e| e.to_string())?;
    Ok(Reference {
        templates,
        policy: Policy::from_toml(built_in::POLICY.1).map_err(|e| e.to_string())?,
        catalogue: Catalogue::from_toml(built_in::CATALOGUE.1).map_err(|e| e.to_string())?,
        contractors: Contractors::from_toml(built_in::CONTRACTORS.1).map_err(|e| e.to_string())?,
    })
}

static REFERENCE: LazyLock<Result<Reference, String>> = LazyLock::new(load);

impl Reference {
    /// The scheme policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The measure catalogue (the reports count items fitted by its categories).
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }
}

/// The scheme's data files, loaded once (tests prove they load).
pub fn reference() -> Result<&'static Reference, DecisionRefusal> {
    REFERENCE
        .as_ref()
        .map_err(|_| DecisionRefusal::Unreadable("the scheme's data files"))
}

/// The hub's copy of a plan and what approving it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRecords {
    /// The plan's id.
    pub plan_id: String,
    /// The plan as stored (its team is the team the orders go to).
    pub plan: StoredRecord,
    /// The change-log position of its last change: the form carries it.
    pub updated_seq: i64,
    /// Its survey's fields, when held.
    pub survey: Option<Fields>,
    /// Its household's id and fields, when held.
    pub household: Option<(String, Fields)>,
    /// The household's residents: id and fields.
    pub residents: Vec<(String, Fields)>,
}

/// What the supervisor decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Approve the plan and raise its work orders.
    Approve {
        /// Why the plan may exceed the cap, if typed.
        over_cap_reason: Option<String>,
    },
    /// Return it to the officer to change (and the resident to agree again).
    Return {
        /// What to change.
        reason: String,
    },
}

/// Why a plan was not approved or returned; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionRefusal {
    /// No such plan in the reader's scope.
    #[error("There is no such plan")]
    NotFound,
    /// The plan changed since the page was shown.
    #[error(
        "This plan has changed since you opened the page, perhaps on a laptop or because the form was sent twice: check it and try again"
    )]
    Stale,
    /// A record approval reads is missing or cannot be read.
    #[error("The hub cannot read {0} of this plan: approve it on a laptop instead")]
    Unreadable(&'static str),
    /// The core's rules refused.
    #[error(transparent)]
    Refused(#[from] ApprovalError),
    /// The plan's household is restricted at the resident's request (core's sentence).
    #[error(transparent)]
    Restricted(#[from] doorstep_core::privacy::restriction::Restricted),
    /// A field holds a version the hub's clock cannot pass.
    #[error(
        "This plan holds a change dated in the future, so the hub cannot change it: approve it on a laptop"
    )]
    NotApplied,
}

/// Who approves, and the hub identity the changes are made under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approver {
    /// The supervisor (their hub user id is their officer id on laptops too).
    pub user: OfficerId,
    /// Their role.
    pub role: Role,
    /// The hub's own device id: the changes' device and clock readings carry it.
    pub hub_device: DeviceId,
}

/// A decision ready to write: each record after it with the change as logged, in order
/// (the plan first), and the plan and any orders for the page and the audit line.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedDecision {
    /// Records and changes to write.
    pub writes: Vec<(StoredRecord, Change)>,
    /// The plan after.
    pub plan: Plan,
    /// The orders raised.
    pub orders: Vec<WorkOrder>,
}

/// A record's own fields as a core type (sync's reserved fields left out).
pub(crate) fn read<T: DeserializeOwned>(fields: &Fields, extra: &[(&str, Value)]) -> Option<T> {
    let mut map: Map<String, Value> = fields
        .iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in extra {
        map.insert((*k).to_owned(), v.clone());
    }
    serde_json::from_value(Value::Object(map)).ok()
}

/// The hub's copy of a plan as the core's plan.
pub fn read_plan(fields: &Fields) -> Option<Plan> {
    read(fields, &[])
}

/// A survey's answers from its synced fields (`answers.<item>`).
fn answers(fields: &Fields) -> Option<Answers> {
    let template_id = fields.get("template_id")?.as_str()?.to_owned();
    let template_version = u32::try_from(fields.get("template_version")?.as_u64()?).ok()?;
    let mut values: BTreeMap<String, AnswerValue> = BTreeMap::new();
    for (name, value) in fields {
        if let Some(item) = name.strip_prefix("answers.")
            && !value.is_null()
        {
            values.insert(item.to_owned(), serde_json::from_value(value.clone()).ok()?);
        }
    }
    Some(Answers {
        template_id,
        template_version,
        values: values.into_iter().collect(),
    })
}

pub(crate) fn household(id: &str, fields: &Fields, now: DateTime<Utc>) -> Option<Household> {
    let details: HouseholdDetails = read(fields, &[])?;
    Some(Household {
        id: id.parse().ok()?,
        uprn: details.uprn,
        address_line_1: details.address_line_1,
        address_line_2: details.address_line_2,
        address_line_3: details.address_line_3,
        town: details.town,
        postcode: details.postcode,
        coordinates: details.coordinates,
        created_at: now,
        updated_at: now,
    })
}

pub(crate) fn resident(id: &str, fields: &Fields, now: DateTime<Utc>) -> Option<Person> {
    let d: PersonDetails = read(fields, &[])?;
    Some(Person {
        id: id.parse().ok()?,
        household_id: d.household_id,
        full_name: d.full_name,
        phone: d.phone,
        email: d.email,
        date_of_birth: d.date_of_birth,
        age_band: d.age_band,
        preferred_language: d.preferred_language,
        contact_preferences: d.contact_preferences,
        created_at: now,
        updated_at: now,
    })
}

/// Whether the plan is one a supervisor could approve or return now (the console offers
/// the forms).
pub fn awaits_approval(plan: &Plan) -> bool {
    plan.status == PlanStatus::Agreed
}

/// Plans `decision` on the plan in `records` by `by` at `now`, with `hub_last` the hub
/// clock's last reading.
pub fn plan_decision(
    records: &PlanRecords,
    by: Approver,
    decision: Decision,
    hub_last: Option<Hlc>,
    now: DateTime<Utc>,
) -> Result<PlannedDecision, DecisionRefusal> {
    let stored = &records.plan;
    if stored.record.is_deleted() {
        return Err(DecisionRefusal::NotFound);
    }
    let reference = reference()?;
    let before = read_plan(&stored.record.fields).ok_or(DecisionRefusal::Unreadable("the plan"))?;
    let answers = records
        .survey
        .as_ref()
        .and_then(answers)
        .ok_or(DecisionRefusal::Unreadable("the survey"))?;
    let ctx = doorstep_core::security::PlanContext {
        template: reference
            .templates
            .for_answers(&answers)
            .map_err(|_| DecisionRefusal::Unreadable("the survey's template"))?,
        answers: &answers,
        policy: &reference.policy,
        catalogue: &reference.catalogue,
    };
    let actor = PlanActor {
        officer_id: by.user,
        role: by.role,
    };
    let (after, orders) = match decision {
        Decision::Approve { over_cap_reason } => {
            let home = records
                .household
                .as_ref()
                .and_then(|(id, f)| household(id, f, now))
                .ok_or(DecisionRefusal::Unreadable("the household"))?;
            let residents: Vec<Person> = records
                .residents
                .iter()
                .filter_map(|(id, f)| resident(id, f, now))
                .collect();
            approve(
                &before,
                ApprovalInputs {
                    ctx,
                    household: &home,
                    residents: &residents,
                    over_cap_reason,
                    by: actor,
                    at: now,
                    contractors: &reference.contractors,
                    choices: FirmChoices::default(),
                    contact: None,
                    access_notes: Vec::new(),
                },
            )?
        }
        Decision::Return { reason } => {
            let mut after = before.clone();
            after
                .apply(&ctx, PlanStep::Return { reason }, actor, now)
                .map_err(|e| DecisionRefusal::Refused(ApprovalError::Step(e)))?;
            (after, Vec::new())
        }
    };
    let mut clock = HlcClock::new(by.hub_device, stored.record.version().max(hub_last));
    let mut change =
        |entity: EntityKind, id: &str, operation, fields: Map<String, Value>, base| Change {
            change_id: uuid::Uuid::now_v7(),
            entity,
            entity_id: id.to_owned(),
            operation,
            fields,
            base_versions: base,
            hlc: clock.tick(now),
            officer_id: by.user,
            device_id: by.hub_device,
            made_at: now,
        };
    let Ok(Value::Object(new)) = serde_json::to_value(&after) else {
        return Err(DecisionRefusal::Unreadable("the plan"));
    };
    let changed: Map<String, Value> = new
        .into_iter()
        .filter(|(k, v)| stored.record.fields.get(k) != Some(v))
        .collect();
    let base = changed
        .keys()
        .map(|k| (k.clone(), stored.record.versions.get(k).copied()))
        .collect();
    let plan_change = change(
        EntityKind::Plan,
        &records.plan_id,
        Operation::Update,
        changed,
        base,
    );
    let mut writes = vec![applied(stored.clone(), &plan_change)?];
    for order in &orders {
        let Ok(Value::Object(fields)) = serde_json::to_value(order) else {
            return Err(DecisionRefusal::Unreadable("a work order"));
        };
        let create = change(
            EntityKind::WorkOrder,
            &order.id.to_string(),
            Operation::Create,
            fields,
            BTreeMap::new(),
        );
        let fresh = StoredRecord {
            team_id: stored.team_id.clone(),
            record: Record::new(BTreeMap::new(), BTreeMap::new()),
            tombstoned_at: None,
        };
        writes.push(applied(fresh, &create)?);
    }
    Ok(PlannedDecision {
        writes,
        plan: after,
        orders,
    })
}

/// The record after `change`, and the change as logged; refused unless every field took.
fn applied(
    mut stored: StoredRecord,
    change: &Change,
) -> Result<(StoredRecord, Change), DecisionRefusal> {
    let outcome = merge_into(&mut stored.record, change);
    if !outcome.fields.values().all(|field| field.applied()) {
        return Err(DecisionRefusal::NotApplied);
    }
    let logged = outcome
        .logged_change(change)
        .ok_or(DecisionRefusal::NotApplied)?;
    Ok((stored, logged))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_data_files_load() {
        assert!(reference().is_ok());
    }
}

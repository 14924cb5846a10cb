//! Casework on the hub: finding a household, reading its timeline, and the lists a scheme
//! coordinator works from (plans waiting for approval, work orders overdue at a firm,
//! follow-ups due…). The console's pages read these through [`CaseworkStore`]; the rules
//! of what is due or overdue are the core's, applied here to the hub's copy of the records.
//!
//! Every record the hub writes is also written to a case index ([`index`]): its household,
//! status, dates and search words, so a search or a list is an indexed query rather than a
//! walk over every record's JSON (ADR 019).

pub mod decide;
pub mod index;
pub mod lists;
pub mod sql;
pub mod timeline;

use std::fmt;
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use doorstep_core::Role;
use doorstep_core::search::SearchTerms;
use doorstep_core::security::follow_up::FollowUpPolicy;
use doorstep_sync::protocol::EntityKind;

use crate::model::StoreError;
pub use index::Fields;
pub use lists::{CaseList, ListQuery};

/// What one signed-in person may read of the casework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The teams whose records they read; `None` for every team.
    pub teams: Option<Vec<String>>,
    /// The kinds of record they read.
    pub kinds: Vec<EntityKind>,
}

impl Scope {
    /// What `role` reads in the console, as a member of `team`: the kinds their role
    /// receives on a laptop ([`crate::access`]), of their own team; a data protection
    /// officer reads every kind of every team (each household page they open is audited);
    /// analysts and administrators read no casework. `None` when the role reads none.
    pub fn of(role: Role, team: &str) -> Option<Self> {
        match role {
            Role::Dpo => Some(Self {
                teams: None,
                kinds: index::INDEXED.to_vec(),
            }),
            Role::Officer | Role::Supervisor | Role::Warden | Role::FireCrew => {
                let kinds: Vec<EntityKind> = index::INDEXED
                    .iter()
                    .copied()
                    .filter(|k| crate::access::may_see(role, *k))
                    .collect();
                Some(Self {
                    teams: Some(vec![team.to_owned()]),
                    kinds,
                })
            }
            Role::Analyst | Role::Admin | Role::Contractor | Role::Agency => None,
        }
    }

    /// Whether this scope reads records of `kind`.
    pub fn reads(&self, kind: EntityKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// Whether this scope reads the records of team `team`.
    pub fn holds(&self, team: &str) -> bool {
        self.teams
            .as_ref()
            .is_none_or(|teams| teams.iter().any(|t| t == team))
    }
}

/// A household a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdHit {
    /// The household's id.
    pub id: String,
    /// The team that holds it.
    pub team_id: String,
    /// The household's fields (its address).
    pub fields: Fields,
}

/// A resident found by a subject access search, with their household.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonHit {
    /// The resident's record id.
    pub id: String,
    /// Their fields.
    pub fields: Fields,
    /// Their team.
    pub team_id: String,
    /// Their household's id.
    pub household_id: String,
    /// Their household's fields.
    pub household: Fields,
}

/// One record of a household, as the hub holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    /// Its kind.
    pub entity: EntityKind,
    /// Its id.
    pub id: String,
    /// The team that holds it.
    pub team_id: String,
    /// Its fields.
    pub fields: Fields,
}

/// One row of a coordinator's list: the record and its household's address.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    /// The record.
    pub record: CaseRecord,
    /// Its household's id.
    pub household_id: String,
    /// Its household's fields (the address), when the household is held.
    pub household: Option<Fields>,
    /// When it reached its state (`YYYY-MM-DD`).
    pub since: Option<String>,
    /// When it is or was due.
    pub due: Option<String>,
    /// Cocoon doors still without an outcome (cocoon lists only).
    pub doors_left: i64,
}

/// A page of a list and how many rows the whole list has.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    /// The rows of this page.
    pub rows: Vec<ListRow>,
    /// Rows in the whole list.
    pub total: i64,
}

/// The casework reads, one implementation per backend. Every method takes the reader's
/// [`Scope`] and never returns a record outside it.
#[async_trait]
pub trait CaseworkStore: fmt::Debug + Send + Sync {
    /// Households matching `terms` (every word the start of a word of the address, the
    /// UPRN or a resident's name, or the start of a postcode), by postcode and address,
    /// at most `limit`.
    async fn search(
        &self,
        scope: &Scope,
        terms: &SearchTerms,
        limit: u32,
    ) -> Result<Vec<HouseholdHit>, StoreError>;

    /// Residents matching a subject access search, each separately (two people of one
    /// name are two rows), at most `limit`.
    async fn people(
        &self,
        scope: &Scope,
        query: &doorstep_core::privacy::lookup::PersonQuery,
        limit: u32,
    ) -> Result<Vec<PersonHit>, StoreError>;

    /// The household and its records in scope (deleted ones left out); `None` when the
    /// household does not exist or is outside the scope.
    async fn household(
        &self,
        scope: &Scope,
        household_id: &str,
    ) -> Result<Option<Vec<CaseRecord>>, StoreError>;

    /// A plan in scope and what approving it reads; `None` when there is no such plan
    /// for this reader.
    async fn plan(
        &self,
        scope: &Scope,
        plan_id: &str,
    ) -> Result<Option<decide::PlanRecords>, StoreError>;

    /// Approves or returns a plan in one transaction: read again, judged by the core's
    /// rules, and the plan's change (and on approval its new work orders) written as the
    /// hub's own changes.
    async fn decide_plan(
        &self,
        scope: &Scope,
        request: PlanDecisionRequest,
    ) -> Result<Result<decide::PlannedDecision, decide::DecisionRefusal>, StoreError>;

    /// One page of a list.
    async fn list(
        &self,
        scope: &Scope,
        query: &ListQuery,
        limit: u32,
        offset: u32,
    ) -> Result<ListPage, StoreError>;
}

/// A supervisor's decision on a plan, as the console sends it.
#[derive(Debug, Clone)]
pub struct PlanDecisionRequest {
    /// The plan.
    pub plan_id: String,
    /// The plan's change-log position when the page was shown.
    pub seen_seq: i64,
    /// Who decides.
    pub approver: decide::Approver,
    /// Approve, or return to the officer.
    pub decision: decide::Decision,
    /// Now (Unix ms).
    pub now: i64,
}

/// A casework store shared by the console's handlers.
pub type SharedCaseworkStore = Arc<dyn CaseworkStore>;

/// The follow-up policy the index dates follow-ups by: the scheme policy built into
/// Doorstep (the laptops' default).
pub fn follow_up_policy() -> &'static FollowUpPolicy {
    static DEFAULT: LazyLock<FollowUpPolicy> = LazyLock::new(FollowUpPolicy::default);
    decide::reference().map_or(&DEFAULT, |r| &r.policy().follow_up)
}

/// The case index statements for records as the hub just wrote them (kind, id, team,
/// fields, deleted), in any order: a record written before the parent it finds its
/// household through gets it when the parent is written.
pub fn index_statements<'a>(
    style: sql::Dialect,
    records: impl IntoIterator<Item = (EntityKind, &'a str, &'a str, &'a Fields, bool)>,
) -> Vec<sql::Sql> {
    let mut out = Vec::new();
    for (entity, id, team, fields, deleted) in records {
        let entry = if deleted {
            None
        } else {
            index::entry(entity, id, fields, follow_up_policy())
        };
        out.extend(sql::index_record(style, entity, id, team, entry.as_ref()));
        out.extend(crate::reports::sql::fact_statements(
            style, entity, id, team, fields, deleted,
        ));
    }
    out
}

/// [`index_statements`] for records as a backend's `write_records` holds them.
pub fn written_statements<'a>(
    style: sql::Dialect,
    rows: impl IntoIterator<Item = (&'a crate::push::RecordKey, &'a crate::store::StoredRecord)>,
) -> Vec<sql::Sql> {
    index_statements(
        style,
        rows.into_iter().map(|((entity, id), r)| {
            (
                *entity,
                id.as_str(),
                r.team_id.as_str(),
                &r.record.fields,
                r.tombstone(),
            )
        }),
    )
}

//! Improvement plans: stored whole as the core `Plan`, synced field by field (tier, items,
//! status, agreement, approval …), and changed only through core's rules.

use doorstep_core::security::{Plan, PlanId, PlanStatus, SurveyId, follow_up};
use doorstep_core::views::PlanSummary;
use doorstep_core::{ChangeSource, HouseholdId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use crate::error::{Result, StoreError};
use crate::rows::json;
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced};
use crate::tracking::stored_versions;

fn from_row(row: &Row<'_>) -> rusqlite::Result<Plan> {
    json(row, 0, "damaged plan")
}

/// The synced fields: the plan's top-level fields.
fn fields(plan: &Plan) -> Result<Value> {
    Ok(serde_json::to_value(plan)?)
}

/// Writes a plan row (insert, or update keeping `seq` and `created_at`) with its versions.
fn save_row(conn: &Connection, plan: &Plan, household: HouseholdId, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO plans (id, survey_id, household_id, status, body, created_at, updated_at,
             updated_by, device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             device_id = excluded.device_id, hlc = excluded.hlc,
             field_versions = excluded.field_versions",
    )?
    .execute(params![
        plan.id.to_string(),
        plan.survey_id.to_string(),
        household.to_string(),
        plan.status.as_str(),
        serde_json::to_string(plan)?,
        plan.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

/// A plan's synced fields are its top-level fields.
impl Synced for Plan {
    const ENTITY: &'static str = "plan";
    const TABLE: &'static str = "plans";
    const NAMES_ITS_ID: bool = true;

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        synced::body_fields(conn, Self::TABLE, id)
    }

    /// Its household is its survey's, so the survey must already be held.
    fn save(&self, conn: &Connection, id: &str, s: &Stamp<'_>) -> Result<()> {
        let household: Option<String> = conn
            .prepare_cached("SELECT household_id FROM surveys WHERE id = ?1")?
            .query_row([self.survey_id.to_string()], |r| r.get(0))
            .optional()?;
        let household: HouseholdId =
            household
                .and_then(|h| h.parse().ok())
                .ok_or_else(|| StoreError::MissingReference {
                    entity: Self::ENTITY.into(),
                    id: id.into(),
                    field: "survey_id".into(),
                })?;
        save_row(conn, self, household, s)
    }
}

impl Store {
    /// Saves a newly drafted plan for a survey.
    pub fn save_new_plan(&mut self, plan: &Plan, source: ChangeSource) -> Result<Plan> {
        let survey = self.survey(plan.survey_id)?;
        self.write(source, |w| {
            let t = w
                .track("plan", &plan.id.to_string(), None, &fields(plan)?)?
                .ok_or(StoreError::NotFound { entity: "plan" })?;
            save_row(w.tx, plan, survey.household_id, &Stamp::local(w, &t))?;
            Ok(plan.clone())
        })
    }

    /// Changes a plan with `change` (one of core's rules); nothing is saved if it fails.
    /// An approval made here raises no work orders: approve through [`Store::approve_plan`].
    pub fn change_plan<E>(
        &mut self,
        id: PlanId,
        source: ChangeSource,
        change: impl FnOnce(&mut Plan) -> std::result::Result<(), E>,
    ) -> std::result::Result<Plan, E>
    where
        E: From<StoreError>,
    {
        let before = self.plan(id)?;
        let household = self.survey(before.survey_id)?.household_id;
        let mut after = before.clone();
        change(&mut after)?;
        if after == before {
            return Ok(before);
        }
        let versions = stored_versions(self.conn(), "plans", &id.to_string())?;
        Ok(self.write(source, |w| {
            let previous = fields(&before)?;
            if let Some(t) = w.track(
                "plan",
                &id.to_string(),
                Some((&previous, &versions)),
                &fields(&after)?,
            )? {
                save_row(w.tx, &after, household, &Stamp::local(w, &t))?;
            }
            Ok(after)
        })?)
    }

    /// One plan.
    pub fn plan(&self, id: PlanId) -> Result<Plan> {
        self.conn()
            .prepare_cached("SELECT body FROM plans WHERE id = ?1")?
            .query_row([id.to_string()], from_row)
            .optional()?
            .ok_or(StoreError::NotFound { entity: "plan" })
    }

    /// The plans made for a survey, newest first.
    pub fn plans_for_survey(&self, survey: SurveyId) -> Result<Vec<Plan>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT body FROM plans WHERE survey_id = ?1 ORDER BY seq DESC")?;
        let rows = stmt.query_map([survey.to_string()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A household's plans, newest first, with follow-up dates.
    pub fn plans_for_household(
        &self,
        household: HouseholdId,
        follow_up: &follow_up::FollowUpPolicy,
    ) -> Result<Vec<PlanSummary>> {
        self.plan_summaries("p.household_id = ?1", &household.to_string(), follow_up)
    }

    /// Every plan in `status`, oldest first: the supervisor's approvals queue, fitted plans
    /// awaiting follow-up.
    pub fn plans_with_status(
        &self,
        status: PlanStatus,
        follow_up: &follow_up::FollowUpPolicy,
    ) -> Result<Vec<PlanSummary>> {
        let mut list = self.plan_summaries("p.status = ?1", status.as_str(), follow_up)?;
        list.reverse();
        Ok(list)
    }

    fn plan_summaries(
        &self,
        filter: &str,
        value: &str,
        follow_up: &follow_up::FollowUpPolicy,
    ) -> Result<Vec<PlanSummary>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT p.body, h.id, h.address_line_1, h.town, h.postcode
             FROM plans p JOIN households h ON h.id = p.household_id
             WHERE {filter} ORDER BY p.seq DESC"
        ))?;
        let rows = stmt.query_map([value], |row| {
            let plan: Plan = from_row(row)?;
            let fitted = plan
                .history
                .iter()
                .rev()
                .find(|e| e.to == PlanStatus::Fitted)
                .map(|e| e.at);
            let follow_up_due = (plan.status == PlanStatus::Fitted)
                .then_some(fitted)
                .flatten()
                .map(|at| follow_up::due_on(at, follow_up));
            Ok(PlanSummary {
                household_id: crate::rows::parsed(row, 1, "bad household id")?,
                address: format!("{}, {}", row.get::<_, String>(2)?, row.get::<_, String>(3)?),
                postcode: row.get(4)?,
                totals: plan.totals(),
                plan,
                follow_up_due,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Records `before` becoming `after` inside a write already under way, so a change that brings
/// other records with it (approval raises work orders) is saved in one transaction.
pub(crate) fn track_change(
    w: &mut crate::tracking::Writer<'_>,
    before: &Plan,
    after: &Plan,
    household: HouseholdId,
    versions: &str,
) -> Result<()> {
    let previous = fields(before)?;
    if let Some(t) = w.track(
        "plan",
        &after.id.to_string(),
        Some((&previous, versions)),
        &fields(after)?,
    )? {
        save_row(w.tx, after, household, &Stamp::local(w, &t))?;
    }
    Ok(())
}

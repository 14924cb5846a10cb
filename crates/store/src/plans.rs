//! Improvement plans: stored whole as the core `Plan`, synced field by field (tier, items,
//! status, agreement, approval …), and changed only through core's rules.

use doorstep_core::security::{Plan, PlanId, PlanStatus, SurveyId, follow_up};
use doorstep_core::views::PlanSummary;
use doorstep_core::{ChangeSource, HouseholdId};
use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use crate::error::{Result, StoreError};
use crate::rows::json;
use crate::store::Store;
use crate::tracking::{Tracked, Writer, stored_versions};

fn from_row(row: &Row<'_>) -> rusqlite::Result<Plan> {
    json(row, 0, "damaged plan")
}

/// The synced fields: the plan's top-level fields.
fn fields(plan: &Plan) -> Result<Value> {
    Ok(serde_json::to_value(plan)?)
}

fn save_row(w: &Writer<'_>, plan: &Plan, household: HouseholdId, t: &Tracked) -> Result<()> {
    w.tx.prepare_cached(
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
        t.at,
        w.actor.officer.to_string(),
        w.actor.device.to_string(),
        t.hlc.to_string(),
        t.field_versions,
    ])?;
    Ok(())
}

impl Store {
    /// Saves a newly drafted plan for a survey.
    pub fn save_new_plan(&mut self, plan: &Plan, source: ChangeSource) -> Result<Plan> {
        let survey = self.survey(plan.survey_id)?;
        self.write(source, |w| {
            let t = w
                .track("plan", &plan.id.to_string(), None, &fields(plan)?)?
                .ok_or(StoreError::NotFound { entity: "plan" })?;
            save_row(w, plan, survey.household_id, &t)?;
            Ok(plan.clone())
        })
    }

    /// Changes a plan with `change` (one of core's rules); nothing is saved if it fails.
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
                save_row(w, &after, household, &t)?;
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
                plan,
                follow_up_due,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

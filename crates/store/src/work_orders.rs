//! Contractors' work orders on the laptop: raised in the same transaction as the plan's
//! approval (so they reach the outbox with it), read back for the plan screen as the firms'
//! progress syncs in, and turned into the plan's fitting once every item is fitted.
//!
//! Each order is stored whole as the core [`WorkOrder`]; its top-level fields are its synced
//! fields (the map given to `track("work_order", ...)`), like a plan's.

use chrono::{DateTime, NaiveDate, Utc};
use doorstep_core::ChangeSource;
use doorstep_core::security::{
    Plan, PlanActor, PlanContext, PlanId, PlanStatus, PlanStep, TransitionError, follow_up,
};
use doorstep_core::views::{PlanWorkOrders, WorkOrderSummary};
use doorstep_core::work_order::{
    self, ApprovalError, ApprovalInputs, Contractors, FirmChoices, SiteContact, WorkOrder,
    WorkOrderError, WorkOrderId,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use crate::error::{Result, StoreError};
use crate::rows::json;
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced};
use crate::tracking::{Writer, stored_versions};
use crate::{households, plans};

/// An order's synced fields: its top-level fields, exactly what the hub and the contractor
/// portal hold.
pub(crate) fn fields(order: &WorkOrder) -> Result<Value> {
    Ok(serde_json::to_value(order)?)
}

/// Writes an order's row (insert, or update keeping `seq` and `created_at`) with its versions.
fn save_row(conn: &Connection, o: &WorkOrder, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO work_orders (id, number, plan_id, household_id, firm_id, status, due_date,
             body, created_at, updated_at, updated_by, device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (id) DO UPDATE SET number = excluded.number, plan_id = excluded.plan_id,
             household_id = excluded.household_id, firm_id = excluded.firm_id,
             status = excluded.status, due_date = excluded.due_date, body = excluded.body,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             device_id = excluded.device_id, hlc = excluded.hlc,
             field_versions = excluded.field_versions",
    )?
    .execute(params![
        o.id.to_string(),
        o.number,
        o.plan_id.to_string(),
        o.household_id.to_string(),
        o.firm.id,
        o.status.as_str(),
        o.due_date,
        serde_json::to_string(o)?,
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

/// Records a new order inside a write already under way (the plan's approval).
fn insert(w: &mut Writer<'_>, order: &WorkOrder) -> Result<()> {
    let t = w
        .track("work_order", &order.id.to_string(), None, &fields(order)?)?
        .ok_or(StoreError::NotFound {
            entity: "work order",
        })?;
    save_row(w.tx, order, &Stamp::local(w, &t))
}

/// An order's synced fields are its top-level fields (the shape [`fields`] gives); a missing
/// one is reported by name.
impl Synced for WorkOrder {
    const ENTITY: &'static str = "work_order";
    const TABLE: &'static str = "work_orders";
    const NAMES_ITS_ID: bool = true;

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        synced::body_fields(conn, Self::TABLE, id)
    }

    fn save(&self, conn: &Connection, _id: &str, s: &Stamp<'_>) -> Result<()> {
        save_row(conn, self, s)
    }
}

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<WorkOrder> {
    json(row, 0, "damaged work order")
}

/// What the supervisor decides when approving a plan, for the approval and its work orders.
#[derive(Debug, Clone)]
pub struct PlanApproval<'a> {
    /// The plan rules' context (survey answers, policy, catalogue).
    pub ctx: PlanContext<'a>,
    /// Why the plan may exceed the cap, when it does.
    pub over_cap_reason: Option<String>,
    /// The supervisor.
    pub by: PlanActor,
    /// When.
    pub at: DateTime<Utc>,
    /// The fitting firms.
    pub contractors: &'a Contractors,
    /// Firms the supervisor chose for particular measures.
    pub choices: FirmChoices,
    /// Who arranges access; None for the resident who agreed the plan (or the household's
    /// first resident). Required when a domestic abuse concern is flagged.
    pub contact: Option<SiteContact>,
    /// Access notes for the fitters.
    pub access_notes: Vec<String>,
}

/// An approved plan and the work orders raised with it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovedPlan {
    /// The plan: ordered when work orders were raised, approved when every measure is
    /// handed over by the officer.
    pub plan: Plan,
    /// Its work orders, one per firm.
    pub work_orders: Vec<WorkOrder>,
}

/// What settling a plan from its work orders did.
#[derive(Debug, Clone, PartialEq)]
pub enum Settlement {
    /// Every item was fitted: the plan is now fitted, and its follow-up falls due on this day.
    Fitted {
        /// The plan as saved.
        plan: Box<Plan>,
        /// When the follow-up visit falls due.
        follow_up_due: NaiveDate,
    },
    /// Items are still to be fitted, or were reported not fitted.
    NotYet {
        /// Items fitted.
        fitted: u32,
        /// Items on the orders.
        items: u32,
    },
    /// The plan has no work orders: its fitting is recorded by hand.
    NoWorkOrders,
    /// The plan is not waiting for fitting (already fitted, refused …): nothing was changed.
    NotWaiting(PlanStatus),
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Store {
    /// A supervisor approves a plan (core's rules) and, in the same transaction, its work
    /// orders are raised, one per firm, each a tracked create so it reaches the hub with the
    /// approval. When there are orders, the plan is also marked ordered with their numbers.
    /// Nothing is saved if the approval or any order is refused.
    pub fn approve_plan<E>(
        &mut self,
        id: PlanId,
        approval: PlanApproval<'_>,
        source: ChangeSource,
    ) -> std::result::Result<ApprovedPlan, E>
    where
        E: From<StoreError> + From<TransitionError> + From<WorkOrderError>,
    {
        let before = self.plan(id)?;
        let household = households::get(self.conn(), self.survey(before.survey_id)?.household_id)?;
        let residents = self.persons_for_household(household.id)?;
        let (after, orders) = work_order::approve(
            &before,
            ApprovalInputs {
                ctx: approval.ctx,
                household: &household,
                residents: &residents,
                over_cap_reason: approval.over_cap_reason,
                by: approval.by,
                at: approval.at,
                contractors: approval.contractors,
                choices: approval.choices,
                contact: approval.contact,
                access_notes: approval.access_notes,
            },
        )
        .map_err(|e| match e {
            ApprovalError::Step(e) => E::from(e),
            ApprovalError::Orders(e) => E::from(e),
        })?;
        let versions = stored_versions(self.conn(), "plans", &id.to_string())?;
        Ok(self.write(source, |w| {
            plans::track_change(w, &before, &after, household.id, &versions)?;
            for order in &orders {
                insert(w, order)?;
            }
            Ok(ApprovedPlan {
                plan: after,
                work_orders: orders,
            })
        })?)
    }

    /// A plan's work orders, in the order they were raised.
    pub fn work_orders_for_plan(&self, plan: PlanId) -> Result<Vec<WorkOrder>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT body FROM work_orders WHERE plan_id = ?1 ORDER BY seq")?;
        let rows = stmt.query_map([plan.to_string()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One work order.
    pub fn work_order(&self, id: WorkOrderId) -> Result<WorkOrder> {
        self.conn()
            .prepare_cached("SELECT body FROM work_orders WHERE id = ?1")?
            .query_row([id.to_string()], from_row)
            .optional()?
            .ok_or(StoreError::NotFound {
                entity: "work order",
            })
    }

    /// What the plan screen shows of the fitting: each order with each item's fitted status
    /// and date, and the measures the officer hands over.
    pub fn plan_work_orders(&self, plan_id: PlanId) -> Result<PlanWorkOrders> {
        let plan = self.plan(plan_id)?;
        let orders = self.work_orders_for_plan(plan_id)?;
        let mut handed_over: Vec<String> = Vec::new();
        for item in work_order::handed_over_by_officer(&plan, &orders) {
            if !handed_over.contains(&item.name) {
                handed_over.push(item.name.clone());
            }
        }
        Ok(PlanWorkOrders {
            plan_id,
            all_fitted: work_order::plan_fully_fitted(&orders),
            orders: orders.iter().map(WorkOrderSummary::from).collect(),
            handed_over_by_officer: handed_over,
        })
    }

    /// After the firms' progress has synced in: when every item on every order of the plan is
    /// fitted, takes the plan's "fit" step (through core's lifecycle, as the signed-in person,
    /// dated when the last item was fitted) in one tracked write, so its follow-up falls due
    /// from that day. Otherwise changes nothing and says why.
    pub fn settle_plan_from_work_orders<E>(
        &mut self,
        plan_id: PlanId,
        ctx: PlanContext<'_>,
        source: ChangeSource,
    ) -> std::result::Result<Settlement, E>
    where
        E: From<StoreError> + From<TransitionError>,
    {
        let orders = self.work_orders_for_plan(plan_id)?;
        if orders.is_empty() {
            return Ok(Settlement::NoWorkOrders);
        }
        if !work_order::plan_fully_fitted(&orders) {
            return Ok(Settlement::NotYet {
                fitted: count(orders.iter().map(WorkOrder::fitted_count).sum()),
                items: count(orders.iter().map(|o| o.items.len()).sum()),
            });
        }
        let before = self.plan(plan_id)?;
        if !matches!(before.status, PlanStatus::Approved | PlanStatus::Ordered) {
            return Ok(Settlement::NotWaiting(before.status));
        }
        let household = self.survey(before.survey_id)?.household_id;
        let officer = self.officer();
        let by = PlanActor {
            officer_id: officer.id,
            role: officer.role,
        };
        let at = work_order::last_fitted_at(&orders).unwrap_or_else(doorstep_core::clock::now);
        let mut after = before.clone();
        if after.status == PlanStatus::Approved {
            // Orders that arrived before the plan's own "ordered" step: record it first.
            after.apply(
                &ctx,
                PlanStep::Order {
                    order_ref: work_order::order_reference(&orders),
                },
                by,
                at,
            )?;
        }
        after.apply(&ctx, PlanStep::Fit, by, at)?;
        let versions = stored_versions(self.conn(), "plans", &plan_id.to_string())?;
        self.write(source, |w| {
            plans::track_change(w, &before, &after, household, &versions)
        })?;
        Ok(Settlement::Fitted {
            follow_up_due: follow_up::due_on(at, &ctx.policy.follow_up),
            plan: Box::new(after),
        })
    }
}

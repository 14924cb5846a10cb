//! Casework in the console: finding a household, reading its timeline, and the lists a
//! coordinator works from. Each page reads within the signed-in person's [`Scope`]: their
//! own team's records of the kinds their role receives on a laptop (every team's for the
//! data protection officer). A household outside it answers 404 like one that does not
//! exist, and every household page opened is written to the audit log.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use doorstep_core::search::parse_search;
use doorstep_sync::protocol::EntityKind;
use serde::Deserialize;
use serde_json::Value;

use super::{FormFields, Signed, gate, signed_form, text};
use crate::casework::decide::{
    Approver, Decision, DecisionRefusal, PlanRecords, awaits_approval, read_plan,
};
use crate::casework::timeline::{self, address_heading};
use crate::casework::{CaseList, ListRow, PlanDecisionRequest, Scope, SharedCaseworkStore};
use crate::console::ConsoleState;
use crate::console::casework_pages::{
    HouseholdLine, HouseholdPage, HouseholdsPage, ListLine, ListLink, ListPageView, ListsPage,
    PlanLine, PlanPage,
};
use crate::console::pages::Errors;
use crate::web::respond::{Stop, page, stop};
use crate::web::session::Allow;

/// Households a search shows at most.
const SEARCH_LIMIT: u32 = 50;
/// Rows on one page of a list.
const PAGE_SIZE: u32 = 50;
/// The longest search the console reads.
const QUERY_MAX: usize = 200;

/// A signed-in person who reads casework, with what they may read.
struct Reader {
    signed: Signed,
    scope: Scope,
    casework: SharedCaseworkStore,
}

/// The request's session if its role reads casework; anyone else gets the not-found page.
async fn reader(
    state: &ConsoleState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<Reader, Stop> {
    let signed = gate(state, peer, headers, Allow::Full).await?;
    let user = &signed.session.user;
    match (Scope::of(user.role, &user.team_id), state.casework()) {
        (Some(scope), Some(casework)) => Ok(Reader {
            signed,
            scope,
            casework,
        }),
        _ => Err(stop(state.not_found_page(Some(&signed.session)))),
    }
}

/// Team ids to names, for the pages that show which team holds a household.
async fn team_names(state: &ConsoleState, r: &Reader) -> Result<HashMap<String, String>, Stop> {
    match state.store().teams().await {
        Ok(teams) => Ok(teams.into_iter().map(|t| (t.id, t.name)).collect()),
        Err(error) => Err(stop(state.unavailable(&error, Some(&r.signed.session)))),
    }
}

fn field<'a>(fields: &'a crate::casework::Fields, name: &str) -> &'a str {
    fields.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// The search form's field.
#[derive(Debug, Default, Deserialize)]
pub(in crate::console) struct SearchQuery {
    q: Option<String>,
}

/// `GET /console/households`: the search form, and what it found.
pub(in crate::console) async fn households(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let r = match reader(&state, peer, &headers).await {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let session = &r.signed.session;
    let typed = query
        .ok()
        .and_then(|Query(q)| q.q)
        .map(|q| q.trim().to_owned());
    let names = r.scope.reads(EntityKind::Person);
    let mut view = HouseholdsPage {
        frame: state.frame("Find a household", Errors::default(), Some(session)),
        query: typed.clone().unwrap_or_default(),
        searched: typed.is_some(),
        found: Vec::new(),
        more: false,
        names,
    };
    let Some(typed) = typed else {
        return page(StatusCode::OK, &view);
    };
    let terms = if typed.chars().count() > QUERY_MAX {
        Err(format!("Type at most {QUERY_MAX} characters"))
    } else {
        parse_search(&typed).ok_or_else(|| {
            "Enter an address, postcode or UPRN, or a resident's name, to search for".to_owned()
        })
    };
    let terms = match terms {
        Ok(terms) => terms,
        Err(message) => {
            view.frame.errors = Errors::one("q", message);
            view.query.truncate(QUERY_MAX);
            return page(StatusCode::BAD_REQUEST, &view);
        }
    };
    let mut found = match r.casework.search(&r.scope, &terms, SEARCH_LIMIT + 1).await {
        Ok(found) => found,
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let teams = match team_names(&state, &r).await {
        Ok(teams) => teams,
        Err(response) => return *response,
    };
    view.more = found.len() > SEARCH_LIMIT as usize;
    found.truncate(SEARCH_LIMIT as usize);
    let mut lines: Vec<HouseholdLine> = found
        .into_iter()
        .map(|h| HouseholdLine {
            address: [field(&h.fields, "address_line_1"), field(&h.fields, "town")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            postcode: field(&h.fields, "postcode").to_owned(),
            team: teams.get(&h.team_id).cloned().unwrap_or_default(),
            id: h.id,
        })
        .collect();
    lines.sort_by_cached_key(|l| doorstep_core::search::address_sort_key(&l.postcode, &l.address));
    view.found = lines;
    let outcome = format!("{} found", view.found.len());
    state
        .audit(state.entry(Some(&session.user.id), "household-search", None, outcome))
        .await;
    page(StatusCode::OK, &view)
}

/// `GET /console/households/{id}`: who and where, and the household's timeline.
pub(in crate::console) async fn household(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let r = match reader(&state, peer, &headers).await {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let session = &r.signed.session;
    let user = Some(session.user.id.as_str());
    let records = match r.casework.household(&r.scope, &id).await {
        Ok(Some(records)) => records,
        Ok(None) => {
            state
                .audit(state.entry(
                    user,
                    "household-view",
                    Some(("household", &id)),
                    "refused: not found or not this person's to read",
                ))
                .await;
            return state.not_found_page(Some(session));
        }
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let teams = match team_names(&state, &r).await {
        Ok(teams) => teams,
        Err(response) => return *response,
    };
    state
        .audit(state.entry(user, "household-view", Some(("household", &id)), "ok"))
        .await;
    let household = timeline::summary(&records);
    let privacy = crate::console::access::may_handle_privacy_requests(session.user.role);
    let home = records.iter().find(|c| c.entity == EntityKind::Household);
    let team = home
        .and_then(|h| teams.get(&h.team_id).cloned())
        .unwrap_or_default();
    let restricted = home.is_some_and(|h| {
        doorstep_core::privacy::restriction::is_restricted(
            h.fields
                .get(doorstep_core::privacy::restriction::RESTRICTED_FIELD),
        )
    });
    page(
        StatusCode::OK,
        &HouseholdPage {
            frame: state.frame(&household.heading, Errors::default(), Some(session)),
            id: id.clone(),
            team,
            timeline: timeline::timeline(&records),
            household,
            privacy_residents: if privacy {
                records
                    .iter()
                    .filter(|r| r.entity == EntityKind::Person)
                    .map(|r| {
                        let name = r
                            .fields
                            .get("full_name")
                            .and_then(|v| v.as_str())
                            .unwrap_or("");
                        (r.id.clone(), name.to_owned())
                    })
                    .collect()
            } else {
                Vec::new()
            },
            privacy,
            restriction: restricted
                .then_some(doorstep_core::privacy::restriction::RESTRICTED_SENTENCE),
        },
    )
}

/// The lists this scope may read.
fn lists_for(scope: &Scope) -> impl Iterator<Item = CaseList> + '_ {
    CaseList::ALL
        .into_iter()
        .filter(|l| scope.reads(l.entity()))
}

/// `GET /console/lists`: every list this person may read, with how long it is today.
pub(in crate::console) async fn lists(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let r = match reader(&state, peer, &headers).await {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let now = state.now_utc();
    let mut links = Vec::new();
    for list in lists_for(&r.scope) {
        let count = match r.casework.list(&r.scope, &list.query(now), 0, 0).await {
            Ok(found) => found.total,
            Err(error) => return state.unavailable(&error, Some(&r.signed.session)),
        };
        links.push(ListLink {
            href: format!("/console/lists/{}", list.slug()),
            title: list.title().to_owned(),
            description: list.description().to_owned(),
            count,
        });
    }
    page(
        StatusCode::OK,
        &ListsPage {
            frame: state.frame("Lists", Errors::default(), Some(&r.signed.session)),
            lists: links,
        },
    )
}

/// Which page of a list.
#[derive(Debug, Default, Deserialize)]
pub(in crate::console) struct PageQuery {
    page: Option<String>,
}

/// What a list's row is about, in words.
fn what(list: CaseList, row: &ListRow) -> String {
    let f = &row.record.fields;
    match row.record.entity {
        EntityKind::Plan => {
            let tier = field(f, "tier");
            let status = doorstep_core::words::sentence_case(field(f, "status"));
            if tier.is_empty() {
                format!("Plan, {}", status.to_lowercase())
            } else {
                format!("Plan ({tier}), {}", status.to_lowercase())
            }
        }
        EntityKind::WorkOrder => {
            let firm = f
                .get("firm")
                .and_then(|firm| firm.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("a firm");
            format!("Work order {} with {firm}", field(f, "number"))
        }
        EntityKind::Referral => format!("Referral to {}", field(f, "agency_id")),
        EntityKind::Cocoon => format!(
            "{} door{} not tried yet",
            row.doors_left,
            if row.doors_left == 1 { "" } else { "s" }
        ),
        _ => list.title().to_owned(),
    }
}

/// The headings of a list's date columns.
fn headings(list: CaseList) -> (&'static str, Option<&'static str>) {
    match list {
        CaseList::AwaitingApproval => ("Agreed on", None),
        CaseList::ApprovedNotFitted => ("In this state since", None),
        CaseList::FollowUpsDue => ("Fitted on", Some("Follow-up due")),
        CaseList::OrdersOverdue => ("Issued on", Some("Was due")),
        CaseList::CocoonsBehind => ("Opened on", Some("Doors due by")),
        CaseList::ReferralsOverdue => ("Sent on", Some("Response was due")),
    }
}

/// `GET /console/lists/{slug}?page=N`: one list, a page at a time.
pub(in crate::console) async fn list(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let r = match reader(&state, peer, &headers).await {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let session = &r.signed.session;
    let Some(list) = CaseList::from_slug(&slug).filter(|l| r.scope.reads(l.entity())) else {
        return state.not_found_page(Some(session));
    };
    // A page number that is not one shows the first page.
    let page_no: u32 = query
        .ok()
        .and_then(|Query(q)| q.page)
        .and_then(|p| p.trim().parse().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1);
    let found = match r
        .casework
        .list(
            &r.scope,
            &list.query(state.now_utc()),
            PAGE_SIZE,
            (page_no - 1) * PAGE_SIZE,
        )
        .await
    {
        Ok(found) => found,
        Err(error) => return state.unavailable(&error, Some(session)),
    };
    let pages = u32::try_from(found.total)
        .unwrap_or(u32::MAX)
        .div_ceil(PAGE_SIZE)
        .max(1);
    let href = |p: u32| format!("/console/lists/{}?page={p}", list.slug());
    let (since_heading, due_heading) = headings(list);
    let lines = found
        .rows
        .iter()
        .map(|row| ListLine {
            href: format!("/console/households/{}", row.household_id),
            address: row
                .household
                .as_ref()
                .map(address_heading)
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| "Address not held".to_owned()),
            what: what(list, row),
            since: row.since.clone().unwrap_or_default(),
            due: row
                .due
                .as_deref()
                .map(|d| d.get(..10).unwrap_or(d).to_owned())
                .unwrap_or_default(),
        })
        .collect();
    let caption = if pages > 1 {
        format!("{} (page {page_no} of {pages})", list.title())
    } else {
        list.title().to_owned()
    };
    page(
        StatusCode::OK,
        &ListPageView {
            frame: state.frame(list.title(), Errors::default(), Some(session)),
            description: list.description().to_owned(),
            caption,
            since_heading: since_heading.to_owned(),
            due_heading: due_heading.map(str::to_owned),
            lines,
            previous: (page_no > 1).then(|| href(page_no - 1)),
            next: (page_no < pages).then(|| href(page_no + 1)),
        },
    )
}

/// What the plan page shows besides the plan: an error, the reasons as typed, a success.
#[derive(Debug, Default)]
struct PlanView {
    errors: Errors,
    typed_reason: String,
    typed_why: String,
    done: Option<String>,
}

/// The plan's page from its records, with the approve form for a supervisor while the plan
/// waits for approval.
fn plan_page(
    state: &ConsoleState,
    r: &Reader,
    records: &PlanRecords,
    view: PlanView,
    status: StatusCode,
) -> Response {
    use doorstep_core::security::format_pence;
    let session = &r.signed.session;
    let Some(plan) = read_plan(&records.plan.record.fields) else {
        return state.message(
            StatusCode::OK,
            "This plan cannot be read here",
            &["Open it on a laptop of the team that holds it."],
            ("/console/households", "Find a household"),
            Some(session),
        );
    };
    let (household_id, address) = records
        .household
        .as_ref()
        .map(|(id, f)| (id.clone(), address_heading(f)))
        .unwrap_or_default();
    let totals = plan.totals();
    let summary = format!(
        "Plan ({}): {}",
        plan.tier.as_str(),
        doorstep_core::words::sentence_case(plan.status.as_str()).to_lowercase()
    );
    let history = records
        .plan
        .record
        .fields
        .get("history")
        .and_then(Value::as_array)
        .map(|events| events.iter().filter_map(timeline::step_line).collect())
        .unwrap_or_default();
    let may_approve =
        session.user.role == doorstep_core::Role::Supervisor && awaits_approval(&plan);
    page(
        status,
        &PlanPage {
            frame: state.frame(&summary, view.errors, Some(session)),
            id: records.plan_id.clone(),
            household_href: format!("/console/households/{household_id}"),
            address,
            summary,
            lines: plan
                .items
                .iter()
                .map(|i| PlanLine {
                    name: i.name.clone(),
                    quantity: i.quantity,
                    cost: format_pence(i.estimated_pence()),
                })
                .collect(),
            total: format_pence(totals.estimated_pence),
            cap: format_pence(totals.cap_pence),
            over_cap: plan.is_over_cap(),
            over_cap_reason: plan.over_cap_reason.clone(),
            agreed: plan
                .agreement
                .as_ref()
                .map(|a| format!("By {} on {}", a.resident_name, a.at.format("%-d %B %Y"))),
            history,
            approve: may_approve.then(|| (session.csrf.clone(), records.updated_seq)),
            typed_reason: view.typed_reason,
            typed_why: view.typed_why,
            done: view.done,
        },
    )
}

/// After a decision: what happened.
#[derive(Debug, Default, Deserialize)]
pub(in crate::console) struct DoneQuery {
    approved: Option<String>,
    returned: Option<String>,
}

/// `GET /console/plans/{id}`: a plan, and for a supervisor the approve form.
pub(in crate::console) async fn plan(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<DoneQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let r = match reader(&state, peer, &headers).await {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let records = match r.casework.plan(&r.scope, &id).await {
        Ok(Some(records)) if !records.plan.record.is_deleted() => records,
        Ok(_) => return state.not_found_page(Some(&r.signed.session)),
        Err(error) => return state.unavailable(&error, Some(&r.signed.session)),
    };
    let done = query.ok().and_then(|Query(q)| match (q.approved, q.returned) {
        (Some(_), _) => Some(
            "Plan approved. The officer's laptop receives the approval and the work orders when it next syncs.",
        ),
        (None, Some(_)) => Some(
            "Plan returned to the officer. It is a draft again on their laptop after its next sync; the resident agrees the changed plan again.",
        ),
        (None, None) => None,
    });
    let done = done.map(str::to_owned);
    plan_page(
        &state,
        &r,
        &records,
        PlanView {
            done,
            ..PlanView::default()
        },
        StatusCode::OK,
    )
}

/// The field of the form a refusal is about, for its error message's link.
fn refusal_field(refusal: &DecisionRefusal, returning: bool) -> &'static str {
    use doorstep_core::security::TransitionError;
    use doorstep_core::work_order::ApprovalError;
    match refusal {
        DecisionRefusal::Refused(ApprovalError::Step(TransitionError::RulesBroken(v)))
            if v.first().is_some_and(|v| v.field() == "over_cap_reason") =>
        {
            "reason"
        }
        DecisionRefusal::Refused(ApprovalError::Step(TransitionError::Blank(_))) if returning => {
            "why"
        }
        _ => "",
    }
}

/// `POST /console/plans/{id}/approve`: a supervisor approves the plan; its work orders are
/// raised, and both reach the officer's laptop by sync.
pub(in crate::console) async fn approve(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<axum::Form<FormFields>, axum::extract::rejection::FormRejection>,
) -> Response {
    decide(state, peer, id, headers, form, false).await
}

/// `POST /console/plans/{id}/return`: a supervisor returns the plan to the officer with
/// what to change; it is a draft again on the officer's laptop after sync.
pub(in crate::console) async fn return_plan(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<axum::Form<FormFields>, axum::extract::rejection::FormRejection>,
) -> Response {
    decide(state, peer, id, headers, form, true).await
}

/// A supervisor's decision on a plan: approve, or return when `returning`.
async fn decide(
    state: ConsoleState,
    peer: SocketAddr,
    id: String,
    headers: HeaderMap,
    form: Result<axum::Form<FormFields>, axum::extract::rejection::FormRejection>,
    returning: bool,
) -> Response {
    let action = if returning {
        "plan-return"
    } else {
        "plan-approve"
    };
    let back = format!("/console/plans/{id}");
    let (signed, form) =
        match signed_form(&state, peer, &headers, form, Allow::Full, action, &back).await {
            Ok(read) => read,
            Err(response) => return *response,
        };
    let user = &signed.session.user;
    let (Some(scope), Some(casework)) = (Scope::of(user.role, &user.team_id), state.casework())
    else {
        return state.not_found_page(Some(&signed.session));
    };
    let r = Reader {
        signed,
        scope,
        casework,
    };
    let session = &r.signed.session;
    let Ok(approver) = session.user.id.parse() else {
        return state.not_found_page(Some(session));
    };
    let reason = text(form.reason.as_ref());
    let why = text(form.why.as_ref());
    let decision = if returning {
        Decision::Return {
            reason: why.clone(),
        }
    } else {
        Decision::Approve {
            over_cap_reason: (!reason.is_empty()).then(|| reason.clone()),
        }
    };
    let request = PlanDecisionRequest {
        plan_id: id.clone(),
        seen_seq: text(form.seen.as_ref()).parse().unwrap_or(-1),
        approver: Approver {
            user: approver,
            role: session.user.role,
            hub_device: state.hub().hub_identity().device_id,
        },
        decision,
        now: state.now(),
    };
    let actor = Some(session.user.id.as_str());
    match r.casework.decide_plan(&r.scope, request).await {
        Err(error) => state.unavailable(&error, Some(session)),
        Ok(Ok(planned)) => {
            let orders: Vec<&str> = planned.orders.iter().map(|o| o.number.as_str()).collect();
            let (outcome, done) = if returning {
                ("applied: returned to the officer".to_owned(), "returned")
            } else {
                let count = orders.len();
                let outcome = format!("applied: {count} work orders ({})", orders.join(", "));
                (outcome, "approved")
            };
            state
                .audit(state.entry(actor, action, Some(("plan", &id)), outcome))
                .await;
            crate::web::respond::redirect(&format!("{back}?{done}=1"))
        }
        Ok(Err(DecisionRefusal::NotFound)) => {
            let outcome = "refused: not found";
            state
                .audit(state.entry(actor, action, Some(("plan", &id)), outcome))
                .await;
            state.not_found_page(Some(session))
        }
        Ok(Err(refusal)) => {
            state
                .audit(state.entry(
                    actor,
                    action,
                    Some(("plan", &id)),
                    format!("refused: {refusal}"),
                ))
                .await;
            let records = match r.casework.plan(&r.scope, &id).await {
                Ok(Some(records)) => records,
                Ok(None) => return state.not_found_page(Some(session)),
                Err(error) => return state.unavailable(&error, Some(session)),
            };
            let view = PlanView {
                errors: Errors::one(refusal_field(&refusal, returning), refusal.to_string()),
                typed_reason: reason,
                typed_why: why,
                done: None,
            };
            let status = if matches!(
                refusal,
                DecisionRefusal::Stale | DecisionRefusal::Restricted(_)
            ) {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            plan_page(&state, &r, &records, view, status)
        }
    }
}

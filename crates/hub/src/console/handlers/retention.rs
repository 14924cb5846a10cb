//! `GET /console/privacy/retention`: the retention schedule in use and the disposal
//! report — what each daily run deleted or anonymised, by class, what a legal hold kept,
//! how many audit lines went — and how many anonymised rows keep the figures. For the data
//! protection officer, who answers for the schedule, and the administrator, who loads it on
//! the hub. It names no record: a run is counted, never listed.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use doorstep_core::privacy::data_map::RECORD_KINDS;
use doorstep_core::privacy::retention::Schedule;

use super::gate;
use crate::console::ConsoleState;
use crate::console::access::may_read_data_map;
use crate::console::pages::{Errors, when};
use crate::console::privacy_pages::{FigureLine, RetentionPage, RunLine, ScheduleLine};
use crate::privacy::retention::{BY_ADMIN, BY_SCHEDULE, RunRow};
use crate::web::respond::page;
use crate::web::session::Allow;

/// How many runs the report lists.
pub const RUNS_SHOWN: usize = 60;

/// The schedule as the page lists it.
pub fn schedule_lines(schedule: &Schedule) -> Vec<ScheduleLine> {
    schedule
        .rules()
        .iter()
        .map(|r| ScheduleLine {
            class: r.class.label(),
            starts: r.trigger.label(),
            kept_for: r.period(),
            then: r.action.label(),
            note: r.note.clone().unwrap_or_default(),
        })
        .collect()
}

/// A run as the report lists it.
pub fn run_line(run: &RunRow) -> RunLine {
    RunLine {
        as_of: doorstep_core::uk_time::day(run.as_of),
        by: if run.by == BY_SCHEDULE {
            "The daily job".to_owned()
        } else if run.by == BY_ADMIN {
            "The administrator's command".to_owned()
        } else {
            run.by.clone()
        },
        finished: run.finished_at.map(when).unwrap_or_default(),
        outcome: match (run.finished_at, run.outcome.as_deref()) {
            (None, _) => "Running, or stopped without finishing".to_owned(),
            (Some(_), Some("done")) => "Done".to_owned(),
            (Some(_), Some(why)) => why.to_owned(),
            (Some(_), None) => String::new(),
        },
        disposed: run
            .disposed
            .iter()
            .map(|(class, action, n)| format!("{}: {n} {}", class.label(), action.done()))
            .collect(),
        held_back: run.held_back,
        audit_lines: run.audit_lines,
    }
}

/// `GET /console/privacy/retention`.
pub(in crate::console) async fn retention(
    State(state): State<ConsoleState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let (true, Some(store), Some(schedule)) = (
        may_read_data_map(session.user.role),
        state.hub().retention(),
        crate::privacy::retention::schedule(),
    ) else {
        return state.not_found_page(Some(session));
    };
    let (runs, figures) = match (store.runs(RUNS_SHOWN).await, store.figures().await) {
        (Ok(runs), Ok(figures)) => (runs, figures),
        (Err(error), _) | (_, Err(error)) => {
            tracing::error!(%error, "console: the disposal report could not be read");
            return state.message(
                StatusCode::SERVICE_UNAVAILABLE,
                "The disposal report could not be read",
                &["Try again. If it fails again, ask the administrator to check the hub's log."],
                ("/console/home", "Go to the console's home page"),
                Some(session),
            );
        }
    };
    state
        .audit(state.entry(Some(&session.user.id), "retention-view", None, "ok"))
        .await;
    page(
        StatusCode::OK,
        &RetentionPage {
            frame: state.frame("Retention and disposal", Errors::default(), Some(session)),
            councils_own: crate::privacy::retention::councils_own(),
            schedule: schedule_lines(schedule),
            runs: runs.iter().map(run_line).collect(),
            figures: figures
                .into_iter()
                .map(|(entity, records)| FigureLine {
                    kind: RECORD_KINDS
                        .iter()
                        .find(|(e, _)| *e == entity)
                        .map_or(entity.clone(), |(_, label)| (*label).to_owned()),
                    records,
                })
                .collect(),
        },
    )
}

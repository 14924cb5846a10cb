//! Refusals in the audit log, and a brake on anyone who collects them. A handler that
//! refuses attaches a [`Refused`] to its answer; [`count`], around every route, writes it.
//! A refusal that proved no identity (a bad token, a sign-in form without its CSRF token,
//! an enrolment over the address's rate) costs its address a token of a bucket of its
//! own: once that is empty the address gets `429` for anything it sends without
//! credentials, and its further refusals are answered `429`. Such refusals, and every
//! `rate_limited`, are tallied: the first of a kind in a minute is written at once, the
//! rest are counted and written as one line (`…, 41 more`) when the minute is over, so no
//! one can grow the append-only audit log at will.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use doorstep_sync::protocol::{ErrorBody, ErrorCode};

use crate::model::AuditEntry;
use crate::server::AppState;

/// How long refusals of one kind are counted before their tally is written.
pub const TALLY_WINDOW_MS: i64 = 60_000;

/// A refusal for the audit log, attached by the handler to its answer.
#[derive(Debug, Clone)]
pub struct Refused(pub AuditEntry);

/// Whether a refusal is tallied rather than written line by line: it proved no identity,
/// or it is a rate limit (which repeats by nature).
pub fn is_tallied(entry: &AuditEntry) -> bool {
    proved_no_identity(entry) || entry.outcome.contains("rate_limited")
}

fn proved_no_identity(entry: &AuditEntry) -> bool {
    entry.user_id.is_none() && entry.device_id.is_none()
}

/// How many refusals an audit line stands for: 1, or 1 plus the count of a tally line.
pub fn occurrences(entry: &AuditEntry) -> u64 {
    entry
        .outcome
        .strip_suffix(" more")
        .and_then(|rest| rest.rsplit_once(", "))
        .and_then(|(_, count)| count.parse().ok())
        .unwrap_or(1)
}

type Kind = (String, String, Option<String>, Option<String>);

#[derive(Debug)]
struct Window {
    started_at: i64,
    more: u64,
    first: AuditEntry,
}

impl Window {
    fn tally_line(&self, at: i64) -> Option<AuditEntry> {
        (self.more > 0).then(|| AuditEntry {
            at,
            outcome: format!("{}, {} more", self.first.outcome, self.more),
            ..self.first.clone()
        })
    }
}

/// Refusals counted per kind (action, outcome, user, device) and per minute.
#[derive(Debug, Default)]
pub struct Tally {
    windows: Mutex<HashMap<Kind, Window>>,
}

impl Tally {
    /// The lines to write now for one more refusal like `entry` at `now`: the first of its
    /// kind in a window (after the tally of the window before, if it counted any); none
    /// for the rest, which are counted.
    pub fn note(&self, entry: AuditEntry, now: i64) -> Vec<AuditEntry> {
        let kind = (
            entry.action.clone(),
            entry.outcome.clone(),
            entry.user_id.clone(),
            entry.device_id.clone(),
        );
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(window) = windows.get_mut(&kind)
            && now.saturating_sub(window.started_at) < TALLY_WINDOW_MS
        {
            window.more += 1;
            return Vec::new();
        }
        let mut lines: Vec<AuditEntry> = windows
            .remove(&kind)
            .and_then(|old| old.tally_line(now))
            .into_iter()
            .collect();
        lines.push(entry.clone());
        windows.insert(
            kind,
            Window {
                started_at: now,
                more: 0,
                first: entry,
            },
        );
        lines
    }

    /// The tally lines of windows over by `now` (of every window when `all`), which are
    /// then forgotten.
    pub fn due(&self, now: i64, all: bool) -> Vec<AuditEntry> {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let over: Vec<Kind> = windows
            .iter()
            .filter(|(_, w)| all || now.saturating_sub(w.started_at) >= TALLY_WINDOW_MS)
            .map(|(kind, _)| kind.clone())
            .collect();
        over.iter()
            .filter_map(|kind| windows.remove(kind)?.tally_line(now))
            .collect()
    }
}

/// The audit action for a refusal made before any handler ran, by the route it was for.
pub fn action_of(path: &str) -> &'static str {
    match path {
        "/v1/enrol" => "enrol",
        "/v1/token/refresh" => "refresh",
        "/v1/push" => "push",
        "/v1/pull" => "pull",
        "/v1/audit/openings" => "openings",
        p if p.starts_with("/v1/attachments/") => "upload",
        p if p.starts_with("/portal") => "portal.request",
        _ => "request",
    }
}

/// Whether a request carries anything that may prove who sent it (a token, a session).
fn carries_credentials(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION) || headers.contains_key(header::COOKIE)
}

fn too_many(wait: u64) -> Response {
    let body = ErrorBody::new(
        ErrorCode::RateLimited,
        format!("Too many refused requests from this address: try again in {wait} s"),
    );
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
}

/// Around every route: slows down an address whose requests keep being refused without
/// proving who sent them, and writes every refusal a handler attached ([`Refused`]).
pub async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let now = state.now();
    let bucket = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| format!("refusals:{}", peer.ip()));
    let action = action_of(request.uri().path());
    if let Some(bucket) = &bucket
        && !carries_credentials(request.headers())
        && let Err(wait) = state.refusal_limiter().peek(bucket, now)
    {
        let entry = AuditEntry::request(now, None, action, ErrorCode::RateLimited.as_str());
        state.audit_refusal(entry).await;
        return too_many(wait);
    }
    let mut response = next.run(request).await;
    let Some(Refused(mut entry)) = response.extensions_mut().remove::<Refused>() else {
        return response;
    };
    entry.at = now;
    if proved_no_identity(&entry)
        && let Some(bucket) = &bucket
        && let Err(wait) = state.refusal_limiter().check(bucket, now)
    {
        entry.outcome = ErrorCode::RateLimited.as_str().to_owned();
        response = too_many(wait);
    }
    state.audit_refusal(entry).await;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(action: &str, outcome: &str) -> AuditEntry {
        AuditEntry::request(0, None, action, outcome)
    }

    #[test]
    fn repeated_refusals_become_one_counted_line_per_window() {
        let tally = Tally::default();
        let mut written = Vec::new();
        for i in 0..1_000 {
            written.extend(tally.note(refused("pull", "unauthorised"), i));
        }
        written.extend(tally.note(refused("enrol", "rate_limited"), 10));
        assert_eq!(written.len(), 2, "the first of each kind, at once");
        assert!(
            tally.due(59_999, false).is_empty(),
            "the window is not over"
        );
        let due = tally.due(60_000, false);
        assert_eq!(due.len(), 1, "only the kind that repeated has a tally");
        assert_eq!(due[0].outcome, "unauthorised, 999 more");
        assert_eq!(occurrences(&due[0]), 999);
        assert_eq!(occurrences(&written[0]), 1);
        // A refusal after the window starts a new one, after the old one's tally.
        let tally = Tally::default();
        tally.note(refused("pull", "unauthorised"), 0);
        tally.note(refused("pull", "unauthorised"), 1);
        let lines = tally.note(refused("pull", "unauthorised"), 60_000);
        let outcomes: Vec<&str> = lines.iter().map(|l| l.outcome.as_str()).collect();
        assert_eq!(outcomes, ["unauthorised, 1 more", "unauthorised"]);
        assert!(tally.due(60_001, true).is_empty(), "nothing counted since");
    }

    #[test]
    fn only_anonymous_refusals_and_rate_limits_are_tallied() {
        assert!(is_tallied(&refused("pull", "unauthorised")));
        let mut identified = refused("push", "invalid");
        identified.device_id = Some("d".into());
        assert!(!is_tallied(&identified));
        identified.outcome = "rate_limited".into();
        assert!(is_tallied(&identified));
        assert_eq!(action_of("/v1/attachments/ab"), "upload");
        assert_eq!(action_of("/portal/sign-in"), "portal.request");
    }
}

//! The bridge's HTTP surface: commands, events, dialog stand-ins, health and the UI.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State as Extract};
use axum::http::{StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use doorstep_api::dispatch::{COMMANDS, dispatch};
use doorstep_api::{Api, AppError, ErrorCode};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use crate::dialogs::{self, Files};
use crate::events::BroadcastEvents;
use crate::guard::{self, Allowed};
use crate::static_files::Ui;

/// Large enough for a signature drawn on a big canvas (a base64 PNG in the arguments).
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct State {
    /// The commands' world.
    pub api: Arc<Api>,
    /// Where the sink sends the events the streams relay.
    pub events: BroadcastEvents,
    /// Where the dialogs' files go.
    pub files: Files,
    /// The built UI.
    pub ui: Ui,
}

/// Every route, behind the host and origin check.
pub fn router(state: State, allowed: Allowed) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/invoke/{command}", post(invoke))
        .route("/api/events", get(events))
        .route("/api/dialog/save", post(dialog_save))
        .route("/api/dialog/open", post(dialog_open))
        .route("/api/{*rest}", any(no_such_route))
        .fallback(ui)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            allowed,
            guard::only_own_origin,
        ))
        .with_state(state)
}

/// The HTTP status for an error the command answered with: always a 4xx, since the bridge
/// itself worked; the body says exactly what the window would have been told.
fn status(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::NotAllowed => StatusCode::FORBIDDEN,
        ErrorCode::Validation
        | ErrorCode::WeakPassphrase
        | ErrorCode::PlanRule
        | ErrorCode::ImportHeader => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::AlreadySetUp
        | ErrorCode::WrongStep
        | ErrorCode::Locked
        | ErrorCode::DataFolderInUse => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// An `AppError` as the response body, with its status.
fn failure(error: AppError) -> Response {
    (status(error.code), axum::Json(error)).into_response()
}

/// A JSON body, or `{}` when there is none (commands without arguments).
fn body_json<T: DeserializeOwned>(what: &str, body: &Bytes) -> Result<T, AppError> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(text).map_err(|e| {
        AppError::new(
            ErrorCode::Validation,
            format!("The body of {what} is not the JSON it takes: {e}"),
        )
    })
}

async fn health() -> Response {
    axum::Json(json!({ "service": "doorstep-dev-bridge", "commands": COMMANDS.len() }))
        .into_response()
}

/// `POST /api/invoke/{command}`: the command's JSON answer, or its `AppError`.
async fn invoke(
    Extract(state): Extract<State>,
    Path(command): Path<String>,
    body: Bytes,
) -> Response {
    let args: Value = match body_json(&command, &body) {
        Ok(args) => args,
        Err(e) => return failure(e),
    };
    // The command's name only: arguments can hold residents' details.
    let answer = dispatch(&state.api, &command, args).await;
    tracing::debug!(command, ok = answer.is_ok(), "invoke");
    match answer {
        Ok(value) => axum::Json(value).into_response(),
        Err(e) => failure(e),
    }
}

/// `GET /api/events`: every event from now on, named as the window's, with its payload as
/// the data. Opens with a `ready` comment so a client knows it is subscribed.
async fn events(
    Extract(state): Extract<State>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.events.subscribe();
    let ready = futures_util::stream::once(async { Ok(Event::default().comment("ready")) });
    let relayed = futures_util::stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(e) => return Some((Ok(Event::default().event(e.name).data(e.data)), receiver)),
                // Progress is superseded by the next event; the stream carries on.
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "an event stream fell behind and missed events");
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(ready.chain(relayed)).keep_alive(KeepAlive::default())
}

/// The save dialog's options, as `@tauri-apps/plugin-dialog` sends them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SaveOptions {
    default_path: Option<String>,
}

/// `POST /api/dialog/save`: where the file goes, inside `<data-dir>/bridge-files/`.
async fn dialog_save(Extract(state): Extract<State>, body: Bytes) -> Response {
    let answer = body_json::<SaveOptions>("the save dialog", &body)
        .and_then(|o| state.files.save_path(o.default_path.as_deref()));
    match answer {
        Ok(path) => axum::Json(path.to_string_lossy()).into_response(),
        Err(e) => failure(e),
    }
}

/// The open dialog's stand-in: the path the developer typed (none: cancelled).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenRequest {
    path: Option<String>,
    #[serde(default)]
    directory: bool,
}

/// `POST /api/dialog/open`: the path, if something of the kind asked for is there.
async fn dialog_open(body: Bytes) -> Response {
    let request = match body_json::<OpenRequest>("the open dialog", &body) {
        Ok(r) => r,
        Err(e) => return failure(e),
    };
    let Some(path) = request.path.filter(|p| !p.trim().is_empty()) else {
        return axum::Json(Value::Null).into_response();
    };
    match dialogs::open_path(path.trim(), request.directory) {
        Ok(found) => axum::Json(found.to_string_lossy()).into_response(),
        Err(e) => failure(e),
    }
}

async fn no_such_route(uri: Uri) -> Response {
    failure(AppError::new(
        ErrorCode::NotFound,
        format!("The development bridge has nothing at {}.", uri.path()),
    ))
}

async fn ui(Extract(state): Extract<State>, uri: Uri) -> Response {
    state.ui.serve(&uri).await
}

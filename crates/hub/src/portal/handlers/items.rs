//! Recording an order's items: the item's page, fitted (with the product standard and an
//! optional photo, sent as multipart) or not fitted (with a reason), and the early refusal
//! of a body declared over the limit.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use doorstep_core::attachment::{DEFAULT_MAX_PHOTO_BYTES, check_image};
use doorstep_core::work_order::{ContractorStep, WorkOrderError};
use sha2::{Digest, Sha256};

use super::gate::{check_csrf, gate, order_write};
use super::orders::load_order;
use super::steps::{StepForm, take};
use super::{FormFields, seen_seq};
use crate::portal::pages::{Errors, ItemPage, can_record, item_status_words, location_words};
use crate::portal::store::{Photo, Session};
use crate::portal::{MAX_REQUEST_BYTES, PortalState};
use crate::secret::hex;
use crate::web::respond::{anonymous_refusal, page};
use crate::web::session::Allow;

/// The photo limit in words.
fn max_photo_words() -> String {
    format!("{} MB", DEFAULT_MAX_PHOTO_BYTES / (1024 * 1024))
}

/// What the item form had typed, to show it again with its problems.
#[derive(Debug, Clone, Default)]
struct ItemTyped {
    standard: String,
    reason: String,
}

/// The item's form, as typed, or why the item cannot be recorded now.
#[allow(clippy::too_many_arguments, reason = "one form's worth of state")]
async fn item_form(
    state: &PortalState,
    session: &Session,
    order_id: &str,
    measure_id: &str,
    typed: &ItemTyped,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let (order, seq) = match load_order(state, session, order_id, "read").await {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let Some(item) = order.items.iter().find(|i| i.measure_id == measure_id) else {
        return state.not_found_page(Some(session));
    };
    if !can_record(&order, item) {
        let why = if item.status == doorstep_core::work_order::ItemStatus::Fitted {
            format!("{} is already recorded as fitted.", item.name)
        } else {
            format!(
                "This work order is {}: accept it before recording work.",
                order.status.label()
            )
        };
        return state.message(
            StatusCode::CONFLICT,
            "This item cannot be recorded now",
            &[&why],
            (
                &format!("/portal/orders/{order_id}"),
                "Back to the work order",
            ),
            Some(session),
        );
    }
    page(
        status,
        &ItemPage {
            frame: state.frame(&item.name, errors, Some(session)),
            order_id: order.id.to_string(),
            number: order.number.clone(),
            measure_id: item.measure_id.clone(),
            item_name: item.name.clone(),
            specification: item.specification.clone(),
            location: location_words(item),
            quantity: item.quantity,
            status: item_status_words(item),
            csrf: session.csrf.clone(),
            seq,
            standard: typed.standard.clone(),
            reason: typed.reason.clone(),
            max_photo: max_photo_words(),
        },
    )
}

/// `GET /portal/orders/{id}/items/{measure}`.
pub(in crate::portal) async fn item_page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((order_id, measure_id)): Path<(String, String)>,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    item_form(
        &state,
        &signed.session,
        &order_id,
        &measure_id,
        &ItemTyped::default(),
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// Answers at once, with the page a too large photo gets, a request that declares a body
/// over [`MAX_REQUEST_BYTES`]: reading it would only wait for bytes refused anyway.
pub(in crate::portal) async fn refuse_declared_over(
    State(state): State<PortalState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !crate::intake::declared_over(request.headers(), MAX_REQUEST_BYTES) {
        return next.run(request).await;
    }
    let message = format!(
        "The photo must be smaller than {}: take it again at a lower resolution. Nothing was changed.",
        max_photo_words()
    );
    anonymous_refusal(
        state.message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "This is too large to send",
            &[&message],
            ("/portal/orders", "Go to your work orders"),
            None,
        ),
        state.entry(None, "request", None, "refused: too_large"),
    )
}

/// The fitted form's parts.
#[derive(Debug, Default)]
struct FittedForm {
    csrf: Option<String>,
    seq: Option<String>,
    standard: String,
    photo: Option<Vec<u8>>,
    /// The upload was over the hub's limit: the body was not read to its end.
    too_large: bool,
    /// A text part held a character no store can keep (`doorstep_core::text`).
    unstorable: bool,
}

/// Reads the fitted form's parts, noting a body cut off at the limit.
async fn read_fitted(mut multipart: Multipart) -> FittedForm {
    let mut form = FittedForm::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => {
                form.too_large = error.status() == StatusCode::PAYLOAD_TOO_LARGE;
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(error) => {
                form.too_large = error.status() == StatusCode::PAYLOAD_TOO_LARGE;
                break;
            }
        };
        let value = || String::from_utf8_lossy(&bytes).trim().to_owned();
        if name != "photo" && doorstep_core::text::check_storable(&value()).is_err() {
            form.unstorable = true;
        }
        match name.as_str() {
            "csrf" => form.csrf = Some(value()),
            "seq" => form.seq = Some(value()),
            "standard" => form.standard = value(),
            // No file chosen sends an empty part.
            "photo" if !bytes.is_empty() => form.photo = Some(bytes.to_vec()),
            _ => {}
        }
    }
    form
}

/// `POST …/items/{measure}/fitted`: the product standard and an optional photo.
pub(in crate::portal) async fn fitted(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((order_id, measure_id)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let signed = match gate(&state, peer, &headers, Allow::Full).await {
        Ok(signed) => signed,
        Err(response) => return *response,
    };
    let session = &signed.session;
    let form = match multipart {
        Ok(multipart) => read_fitted(multipart).await,
        Err(_) => FittedForm::default(),
    };
    let typed = ItemTyped {
        standard: form.standard.clone(),
        reason: String::new(),
    };
    if form.too_large {
        // The body was cut off, so its CSRF token may be unread: nothing is done either way.
        state
            .audit(state.entry(
                Some(&session.user.id),
                "write",
                Some(&order_id),
                "refused: too_large",
            ))
            .await;
        let message = format!(
            "The photo must be smaller than {}: take it again at a lower resolution",
            max_photo_words()
        );
        return item_form(
            &state,
            session,
            &order_id,
            &measure_id,
            &typed,
            Errors::one("photo", message),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
    }
    if form.unstorable {
        return item_form(
            &state,
            session,
            &order_id,
            &measure_id,
            &typed,
            Errors::one(
                "standard",
                doorstep_core::words::capitalised(&doorstep_core::text::UnstorableText.to_string()),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let back = format!("/portal/orders/{order_id}/items/{measure_id}");
    if let Err(response) = check_csrf(
        &state,
        &signed,
        &headers,
        form.csrf.as_deref(),
        "write",
        Some(&order_id),
        &back,
    )
    .await
    {
        return *response;
    }
    let mut errors = Errors::default();
    if form.standard.is_empty() {
        errors.add(
            "standard",
            "Enter the standard marked on the product, for example PAS 24",
        );
    }
    let photo = match &form.photo {
        None => None,
        Some(bytes) => match check_image(bytes, DEFAULT_MAX_PHOTO_BYTES, "photo") {
            Ok(checked) => Some(Photo {
                sha256: hex(&Sha256::digest(bytes)),
                media_type: checked.media_type,
                bytes: bytes.clone(),
            }),
            Err(problems) => {
                let message = problems
                    .errors()
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_else(|| "Choose a photo".into());
                errors.add("photo", message);
                None
            }
        },
    };
    if errors.any() {
        let status = if errors
            .get("photo")
            .is_some_and(|m| m.contains("largest allowed"))
        {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::BAD_REQUEST
        };
        state
            .audit(state.entry(
                Some(&session.user.id),
                "write",
                Some(&order_id),
                "refused: invalid",
            ))
            .await;
        return item_form(
            &state,
            session,
            &order_id,
            &measure_id,
            &typed,
            errors,
            status,
        )
        .await;
    }
    let step = ContractorStep::MarkFitted {
        measure_id: measure_id.clone(),
        product_standard: form.standard.clone(),
        photo_sha256: photo.as_ref().map(|p| format!("sha256:{}", p.sha256)),
    };
    let step_form = StepForm {
        signed: &signed,
        order_id: &order_id,
        seq: seen_seq(form.seq.as_deref()),
        photo,
        done: "fitted",
    };
    match take(&state, step_form, step).await {
        Ok(response) => response,
        Err(error) => {
            let field = match error {
                WorkOrderError::BadPhoto => "photo",
                _ => "standard",
            };
            let message = match error {
                WorkOrderError::Blank(_) => {
                    "Enter the standard marked on the product, for example PAS 24".to_owned()
                }
                other => other.to_string(),
            };
            item_form(
                &state,
                session,
                &order_id,
                &measure_id,
                &typed,
                Errors::one(field, message),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

/// `POST …/items/{measure}/not-fitted`: why not.
pub(in crate::portal) async fn not_fitted(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((order_id, measure_id)): Path<(String, String)>,
    form: Result<Form<FormFields>, FormRejection>,
) -> Response {
    let back = format!("/portal/orders/{order_id}/items/{measure_id}");
    let (signed, form) = match order_write(&state, peer, &headers, form, &order_id, &back).await {
        Ok(ready) => ready,
        Err(response) => return *response,
    };
    let reason = form.reason.clone().unwrap_or_default();
    let step = ContractorStep::MarkNotFitted {
        measure_id: measure_id.clone(),
        reason: reason.clone(),
    };
    let step_form = StepForm {
        signed: &signed,
        order_id: &order_id,
        seq: seen_seq(form.seq.as_deref()),
        photo: None,
        done: "not_fitted",
    };
    match take(&state, step_form, step).await {
        Ok(response) => response,
        Err(error) => {
            let message = match error {
                WorkOrderError::Blank(_) => "Enter why the item could not be fitted".to_owned(),
                other => other.to_string(),
            };
            let typed = ItemTyped {
                standard: String::new(),
                reason,
            };
            item_form(
                &state,
                &signed.session,
                &order_id,
                &measure_id,
                &typed,
                Errors::one("reason", message),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

//! [`decode_request`]: a request body turned into a typed request, or the exact 4xx it
//! deserves, checked in the order a person would want to hear about it.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::protocol::{
    EnrolRequest, EntityKind, ErrorBody, ErrorCode, MAX_BATCH, MAX_BODY_BYTES, MAX_OPENINGS,
    OpeningsRequest, PROTOCOL_VERSION, PullRequest, PushRequest, RefreshRequest,
};

/// A request body the hub decodes with [`decode_request`].
pub trait Request: DeserializeOwned {
    /// The protocol version the body claims.
    fn protocol(&self) -> u32;

    /// Rules beyond the shape (sizes, ids); the hub still checks auth and scope itself.
    fn check(&self) -> Result<(), ErrorBody> {
        Ok(())
    }

    /// In a body that failed to decode, the first kind of record this protocol does not know.
    fn unknown_entity(_raw: &Value) -> Option<String> {
        None
    }
}

impl Request for PushRequest {
    fn protocol(&self) -> u32 {
        self.protocol
    }

    fn check(&self) -> Result<(), ErrorBody> {
        if self.changes.len() > MAX_BATCH {
            return Err(ErrorBody::new(
                ErrorCode::TooLarge,
                format!(
                    "A push carries at most {MAX_BATCH} changes; this one had {}",
                    self.changes.len()
                ),
            ));
        }
        for change in &self.changes {
            if change.device_id != self.device_id {
                return Err(ErrorBody::new(
                    ErrorCode::Invalid,
                    format!(
                        "change {}: made on another device than the one pushing",
                        change.change_id
                    ),
                ));
            }
            change
                .check()
                .map_err(|m| ErrorBody::new(ErrorCode::Invalid, m))?;
        }
        Ok(())
    }

    fn unknown_entity(raw: &Value) -> Option<String> {
        raw.get("changes")?
            .as_array()?
            .iter()
            .filter_map(|c| c.get("entity")?.as_str())
            .find(|e| EntityKind::parse(e).is_none())
            .map(str::to_owned)
    }
}

impl Request for PullRequest {
    fn protocol(&self) -> u32 {
        self.protocol
    }

    fn check(&self) -> Result<(), ErrorBody> {
        if self.limit == 0 {
            return Err(ErrorBody::new(
                ErrorCode::Invalid,
                "A pull must ask for at least one entry",
            ));
        }
        Ok(())
    }
}

impl Request for OpeningsRequest {
    fn protocol(&self) -> u32 {
        self.protocol
    }

    fn check(&self) -> Result<(), ErrorBody> {
        if self.openings.len() > MAX_OPENINGS {
            return Err(ErrorBody::new(
                ErrorCode::TooLarge,
                format!(
                    "A batch carries at most {MAX_OPENINGS} openings; this one had {}",
                    self.openings.len()
                ),
            ));
        }
        for opening in &self.openings {
            opening
                .check()
                .map_err(|m| ErrorBody::new(ErrorCode::Invalid, m))?;
        }
        Ok(())
    }
}

impl Request for EnrolRequest {
    fn protocol(&self) -> u32 {
        self.protocol
    }

    fn check(&self) -> Result<(), ErrorBody> {
        if self.code.expose().trim().is_empty() {
            return Err(ErrorBody::new(
                ErrorCode::Invalid,
                "Enter the enrolment code",
            ));
        }
        let name = self.device_name.trim().chars().count();
        if name == 0 || name > 100 {
            return Err(ErrorBody::new(
                ErrorCode::Invalid,
                "The laptop's name must be 1 to 100 characters",
            ));
        }
        Ok(())
    }
}

impl Request for RefreshRequest {
    fn protocol(&self) -> u32 {
        self.protocol
    }

    fn check(&self) -> Result<(), ErrorBody> {
        if self.refresh_token.expose().is_empty() {
            return Err(ErrorBody::of(ErrorCode::Unauthorised));
        }
        Ok(())
    }
}

/// Decodes a request body, or says which 4xx it deserves: `too_large` over
/// [`MAX_BODY_BYTES`], `malformed` for bad JSON or shape, `wrong_protocol`,
/// `unknown_entity`, then the request's own [`Request::check`].
pub fn decode_request<T: Request>(body: &[u8]) -> Result<T, ErrorBody> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ErrorBody::new(
            ErrorCode::TooLarge,
            format!(
                "The request is {} bytes; the hub reads at most {MAX_BODY_BYTES}",
                body.len()
            ),
        ));
    }
    let raw: Value = serde_json::from_slice(body).map_err(|e| {
        ErrorBody::new(
            ErrorCode::Malformed,
            format!("The request is not valid JSON: {e}"),
        )
    })?;
    let request: T = match T::deserialize(&raw) {
        Ok(request) => request,
        Err(typed) => return Err(classify::<T>(&raw, &typed)),
    };
    if request.protocol() != PROTOCOL_VERSION {
        return Err(wrong_protocol(request.protocol()));
    }
    check_storable_json(&raw)?;
    request.check()?;
    Ok(request)
}

/// Every string of a JSON document, names of members included, must be text every store
/// can hold (`doorstep_core::text`): a record id, a field name and a value alike.
pub fn check_storable_json(value: &Value) -> Result<(), ErrorBody> {
    let storable = match value {
        Value::String(text) => doorstep_core::text::check_storable(text),
        Value::Array(items) => return items.iter().try_for_each(check_storable_json),
        Value::Object(members) => {
            return members.iter().try_for_each(|(name, member)| {
                doorstep_core::text::check_storable(name).map_err(unstorable)?;
                check_storable_json(member)
            });
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    };
    storable.map_err(unstorable)
}

fn unstorable(error: doorstep_core::text::UnstorableText) -> ErrorBody {
    ErrorBody::new(
        ErrorCode::Invalid,
        doorstep_core::words::capitalised(&error.to_string()),
    )
}

fn wrong_protocol(got: u32) -> ErrorBody {
    ErrorBody::new(
        ErrorCode::WrongProtocol,
        format!(
            "This laptop speaks sync protocol {got} and the hub speaks {PROTOCOL_VERSION}: update the app"
        ),
    )
}

/// Why a body did not decode, in the order a person would want to know.
fn classify<T: Request>(raw: &Value, typed: &serde_json::Error) -> ErrorBody {
    match raw.get("protocol").and_then(Value::as_u64) {
        None => {
            return ErrorBody::new(
                ErrorCode::Malformed,
                "The request does not say which sync protocol it speaks",
            );
        }
        Some(v) if v != u64::from(PROTOCOL_VERSION) => {
            return wrong_protocol(u32::try_from(v).unwrap_or(u32::MAX));
        }
        Some(_) => {}
    }
    if let Some(entity) = T::unknown_entity(raw) {
        return ErrorBody::new(
            ErrorCode::UnknownEntity,
            format!("The hub does not sync records of kind {entity:?}"),
        );
    }
    ErrorBody::new(
        ErrorCode::Malformed,
        format!("The request is not in the expected shape: {typed}"),
    )
}

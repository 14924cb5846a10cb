//! The app's HTTP client for the hub: enrol, refresh, push, pull, attachments and the
//! household openings for the audit log, over HTTPS (rustls), retrying what is safe to
//! retry with exponential backoff and jitter, and turning every refusal into a
//! [`ClientError`] that says what the app must do.
//!
//! One idea per module: this one is the calls the app makes, `backoff` is how long to wait
//! between tries, `error` is what a failure means for the app, and `transport` sends a
//! request and decides whether to try again.

use std::time::Duration;

use doorstep_core::DeviceId;
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::protocol::{
    AttachmentReceipt, Change, EnrolRequest, EnrolResponse, MAX_ATTACHMENT_BYTES, MAX_BATCH,
    MAX_BODY_BYTES, MAX_OPENINGS, Opening, OpeningsResponse, PROTOCOL_VERSION, PullRequest,
    PullResponse, PushResponse, RefreshRequest, RefreshResponse, Secret, is_sha256_hex,
};

mod backoff;
mod error;
mod transport;

#[cfg(test)]
mod tests;

pub use backoff::{Backoff, random_seed};
pub use error::{Action, ClientError};

use transport::{Body, Retry, json};

/// Borrowed form of [`crate::protocol::PushRequest`], so pushing does not copy the batch.
#[derive(Serialize)]
struct PushBody<'a> {
    protocol: u32,
    device_id: DeviceId,
    changes: &'a [Change],
}

/// Borrowed form of [`crate::protocol::OpeningsRequest`].
#[derive(Serialize)]
struct OpeningsBody<'a> {
    protocol: u32,
    openings: &'a [Opening],
}

/// Talks to one hub. Cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct HubClient {
    http: reqwest::Client,
    base: Url,
    backoff: Backoff,
    access_token: Option<Secret>,
}

impl HubClient {
    /// A client for the hub at `base_url` (`https://…`; plain `http://` only to this
    /// machine, for tests and a hub on the same laptop). Paths are joined under it, so
    /// `https://hub.example/council` serves `https://hub.example/council/v1/push`.
    pub fn new(base_url: &str) -> Result<Self, ClientError> {
        let mut base = Url::parse(base_url.trim()).map_err(|e| ClientError::BadUrl {
            reason: format!("{base_url:?} is not a web address: {e}"),
        })?;
        match base.scheme() {
            "https" => {}
            "http" if is_loopback(&base) => {}
            "http" => {
                return Err(ClientError::BadUrl {
                    reason: "The hub address must start with https:// (records are personal data)"
                        .to_owned(),
                });
            }
            other => {
                return Err(ClientError::BadUrl {
                    reason: format!("The hub address must start with https://, not {other}://"),
                });
            }
        }
        if base.cannot_be_a_base() || base.host().is_none() {
            return Err(ClientError::BadUrl {
                reason: format!("{base_url:?} has no host"),
            });
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        base.set_query(None);
        base.set_fragment(None);
        // reqwest is built without a crypto provider of its own: give it ring. An error only
        // means one is installed already, which reqwest then uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("doorstep/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            // A hub that goes silent mid-answer (a partition on a kept-alive connection) is
            // given up on after 30 s without a byte, not after the whole request's 120 s.
            .read_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(120))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Setup {
                reason: e.to_string(),
            })?;
        Ok(Self {
            http,
            base,
            backoff: Backoff::default(),
            access_token: None,
        })
    }

    /// The same client with another retry policy.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The same client using `token` for push, pull and attachments.
    pub fn with_access_token(mut self, token: Secret) -> Self {
        self.access_token = Some(token);
        self
    }

    /// Uses `token` from now on (after enrolment or a refresh).
    pub fn set_access_token(&mut self, token: Secret) {
        self.access_token = Some(token);
    }

    /// The hub's base address, ending in `/`.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `POST /v1/enrol`: joins the hub with a one-time code. Keeps the access token it gets.
    pub async fn enrol(
        &mut self,
        code: &Secret,
        device_name: &str,
    ) -> Result<EnrolResponse, ClientError> {
        let request = EnrolRequest {
            protocol: PROTOCOL_VERSION,
            code: code.clone(),
            device_name: device_name.to_owned(),
        };
        self.exchange("v1/enrol", &request, |r: &EnrolResponse| &r.access_token)
            .await
    }

    /// `POST /v1/token/refresh`: swaps the refresh token for new tokens. Keeps the new
    /// access token; the caller must store the new refresh token, the old one is spent.
    pub async fn refresh(
        &mut self,
        device_id: DeviceId,
        refresh_token: &Secret,
    ) -> Result<RefreshResponse, ClientError> {
        let request = RefreshRequest {
            protocol: PROTOCOL_VERSION,
            device_id,
            refresh_token: refresh_token.clone(),
        };
        self.exchange("v1/token/refresh", &request, |r: &RefreshResponse| {
            &r.access_token
        })
        .await
    }

    /// Swaps a one-time code or refresh token for tokens at `path`, keeping the new access
    /// token. The secret is spent once the hub acts on it, so only a request the hub surely
    /// did not act on is sent again.
    async fn exchange<T: DeserializeOwned>(
        &mut self,
        path: &str,
        request: &impl Serialize,
        access_token: fn(&T) -> &Secret,
    ) -> Result<T, ClientError> {
        let response: T = self
            .send(
                Method::POST,
                path,
                Some(json(request)?),
                false,
                Retry::OnlyIfUnprocessed,
            )
            .await?;
        self.access_token = Some(access_token(&response).clone());
        Ok(response)
    }

    /// `POST /v1/push`: one batch of the outbox, oldest first. Safe to repeat: the hub
    /// applies each change id once.
    pub async fn push(
        &self,
        device_id: DeviceId,
        changes: &[Change],
    ) -> Result<PushResponse, ClientError> {
        let body = json(&PushBody {
            protocol: PROTOCOL_VERSION,
            device_id,
            changes,
        })?;
        if changes.len() > MAX_BATCH || body.bytes.len() > MAX_BODY_BYTES {
            return Err(ClientError::BatchTooLarge {
                changes: changes.len(),
                bytes: body.bytes.len(),
            });
        }
        self.send(Method::POST, "v1/push", Some(body), true, Retry::Idempotent)
            .await
    }

    /// `POST /v1/pull`: up to `limit` log entries after `after`.
    pub async fn pull(&self, after: u64, limit: u32) -> Result<PullResponse, ClientError> {
        let request = PullRequest {
            protocol: PROTOCOL_VERSION,
            after,
            limit,
        };
        self.send(
            Method::POST,
            "v1/pull",
            Some(json(&request)?),
            true,
            Retry::Idempotent,
        )
        .await
    }

    /// `POST /v1/audit/openings`: who opened which household on this laptop, at most
    /// [`MAX_OPENINGS`] at a time. Safe to repeat: the hub records each opening id once.
    pub async fn send_openings(
        &self,
        openings: &[Opening],
    ) -> Result<OpeningsResponse, ClientError> {
        let body = json(&OpeningsBody {
            protocol: PROTOCOL_VERSION,
            openings,
        })?;
        if openings.len() > MAX_OPENINGS || body.bytes.len() > MAX_BODY_BYTES {
            return Err(ClientError::BatchTooLarge {
                changes: openings.len(),
                bytes: body.bytes.len(),
            });
        }
        self.send(
            Method::POST,
            "v1/audit/openings",
            Some(body),
            true,
            Retry::Idempotent,
        )
        .await
    }

    /// `PUT /v1/attachments/{sha256}`: uploads bytes under their hash; a repeat is a no-op.
    pub async fn put_attachment(
        &self,
        sha256: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentReceipt, ClientError> {
        check_sha256(sha256)?;
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(ClientError::BadAttachment {
                reason: format!(
                    "The attachment is {} bytes; the hub takes at most {MAX_ATTACHMENT_BYTES}",
                    bytes.len()
                ),
            });
        }
        let body = Body {
            bytes,
            content_type: "application/octet-stream",
        };
        self.send(
            Method::PUT,
            &format!("v1/attachments/{sha256}"),
            Some(body),
            true,
            Retry::Idempotent,
        )
        .await
    }

    /// `GET /v1/attachments/{sha256}`: downloads an attachment's bytes.
    pub async fn get_attachment(&self, sha256: &str) -> Result<Vec<u8>, ClientError> {
        check_sha256(sha256)?;
        let bytes = self
            .send_raw(
                Method::GET,
                &format!("v1/attachments/{sha256}"),
                None,
                true,
                Retry::Idempotent,
            )
            .await?;
        Ok(bytes)
    }
}

fn check_sha256(sha256: &str) -> Result<(), ClientError> {
    if is_sha256_hex(sha256) {
        Ok(())
    } else {
        Err(ClientError::BadAttachment {
            reason: format!("{sha256:?} is not a SHA-256 in lowercase hex"),
        })
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

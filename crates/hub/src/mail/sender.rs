//! The mail sender: a task `serve` starts when `[mail]` is set, that every few seconds
//! claims the outbox's due emails, sends each through the relay (STARTTLS unless the relay
//! is on this machine and told otherwise), and records the outcome with an audit entry
//! (`referral.notify`, the referral's id, `sent` or `failed: <why>`) in one transaction. A
//! failure is tried again later ([`super::retry`]); nothing is ever dropped.

use std::time::Duration;

use doorstep_pdf::Branding;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::form::{directory, referral_pdf};
use super::message::{Notice, build};
use super::retry::delay_ms;
use super::settings::{MailSettings, MailSettingsError, MailTls};
use super::store::{Attempt, MailStore, Notification, SharedMailStore};
use crate::clock::Clock;
use crate::model::{AuditEntry, StoreError};

/// How often the sender looks for due emails.
pub const POLL_EVERY: Duration = Duration::from_secs(5);

/// The most emails one round claims (the rest wait for the next round).
pub const BATCH: i64 = 20;

/// How long one conversation with the relay may take before it counts as failed.
pub const RELAY_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest failure reason kept for the console and the audit log.
const MAX_REASON: usize = 300;

/// The audit log's action for an attempt.
pub const AUDIT_ACTION: &str = "referral.notify";

/// Why the sender cannot start.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    /// The settings are unusable.
    #[error(transparent)]
    Settings(#[from] MailSettingsError),
    /// The TLS set-up (the CA certificate, say) failed.
    #[error("mail: cannot set up TLS for the relay: {0}")]
    Tls(String),
    /// The hub has no public address for the link.
    #[error("mail: public_url must be set, for the link in each email")]
    NoPublicUrl,
}

/// What the sender needs to send: the relay's transport and the email's fixed parts.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: String,
    public_url: String,
    branding: Branding,
}

impl std::fmt::Debug for Mailer {
    /// No credentials in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `settings` with the council's branding (the portal's: the built-in one
    /// or `DOORSTEP_HUB_BRANDING`'s), as `serve` starts it.
    pub fn for_hub(settings: &MailSettings, public_url: Option<&str>) -> Result<Self, MailerError> {
        Self::new(settings, public_url, crate::portal::branding())
    }

    /// A mailer for `settings`, linking to `public_url`, signed with `branding`'s council.
    pub fn new(
        settings: &MailSettings,
        public_url: Option<&str>,
        branding: Branding,
    ) -> Result<Self, MailerError> {
        settings.check()?;
        let public_url = public_url
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty())
            .ok_or(MailerError::NoPublicUrl)?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.relay)
            .port(settings.port)
            .timeout(Some(RELAY_TIMEOUT));
        builder = match settings.tls {
            MailTls::None => builder.tls(Tls::None),
            MailTls::Starttls => {
                let mut parameters = TlsParameters::builder(settings.relay.clone());
                if let Some(pem) = settings.ca_pem()? {
                    let ca = Certificate::from_pem(pem.as_bytes())
                        .map_err(|e| MailerError::Tls(e.to_string()))?;
                    parameters = parameters.add_root_certificate(ca);
                }
                let parameters = parameters
                    .build_rustls()
                    .map_err(|e| MailerError::Tls(e.to_string()))?;
                builder.tls(Tls::Required(parameters))
            }
        };
        if let Some(username) = &settings.username {
            let password = settings
                .resolved_password()?
                .map(|p| p.reveal().to_owned())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(username.clone(), password));
        }
        Ok(Self {
            transport: builder.build(),
            from: settings.from.clone(),
            public_url,
            branding,
        })
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Emails the relay accepted.
    pub sent: usize,
    /// Emails that failed and wait for their next attempt.
    pub failed: usize,
}

/// The reason kept for an attempt: the error's text without the agency's address (a relay
/// may echo it back), shortened.
fn reason(error: &str, address: &str) -> String {
    let mut text = if address.is_empty() {
        error.to_owned()
    } else {
        error.replace(address, "the agency's address")
    };
    text = text.replace(['\r', '\n'], " ");
    if text.chars().count() > MAX_REASON {
        text = text.chars().take(MAX_REASON).collect::<String>() + "…";
    }
    text
}

fn audit(referral_id: &str, at: i64, outcome: String) -> AuditEntry {
    AuditEntry {
        at,
        user_id: None,
        device_id: None,
        action: AUDIT_ACTION.to_owned(),
        entity: Some("referral".to_owned()),
        entity_id: Some(referral_id.to_owned()),
        outcome,
    }
}

/// Whether the form went with an email the relay accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Attached.
    Attached,
    /// Not asked for.
    NotAsked,
    /// Asked for, but the directory no longer calls this address the agency's secure one.
    Withheld,
}

/// Tries one email: Ok(what became of the form) when the relay accepted it, Err(why) when
/// not.
async fn send_one(
    store: &dyn MailStore,
    mailer: &Mailer,
    n: &Notification,
) -> Result<Form, String> {
    let entry = directory().ok().and_then(|d| d.agency(&n.agency_id));
    let agency = entry.map_or_else(|| n.agency_id.clone(), |a| a.name.clone());
    // The form goes only where the directory says, as the email is sent, that the agency's
    // notify address is a secure one: an address changed or downgraded since delivery
    // gets the notice alone.
    let secure_now = entry.is_some_and(|a| {
        a.secure_email
            && a.notify
                .as_deref()
                .is_some_and(|notify| notify.trim().eq_ignore_ascii_case(n.address.trim()))
    });
    let form = if n.attach_form && secure_now {
        let records = store
            .form_records(&n.referral_id)
            .await
            .map_err(|e| format!("the referral's records could not be read: {e}"))?
            .ok_or("the hub holds no such referral")?;
        Some(referral_pdf(&n.referral_id, &records, &mailer.branding).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let outcome = match (form.is_some(), n.attach_form) {
        (true, _) => Form::Attached,
        (false, true) => Form::Withheld,
        (false, false) => Form::NotAsked,
    };
    let message = build(Notice {
        from: &mailer.from,
        to: &n.address,
        agency: &agency,
        council: &mailer.branding.council_name,
        public_url: &mailer.public_url,
        referral_id: &n.referral_id,
        form,
    })
    .map_err(|e| e.to_string())?;
    mailer
        .transport
        .send(message)
        .await
        .map_err(|e| format!("the mail relay did not take it: {e}"))?;
    Ok(outcome)
}

/// One round at `now`: claims the due emails, tries each, records each outcome.
pub async fn send_due(
    store: &dyn MailStore,
    mailer: &Mailer,
    now: i64,
) -> Result<Round, StoreError> {
    let mut round = Round::default();
    for n in store.claim_due(now, BATCH).await? {
        match send_one(store, mailer, &n).await {
            Ok(form) => {
                let form_attached = form == Form::Attached;
                let outcome = match form {
                    Form::Attached => "sent: form attached",
                    Form::NotAsked => "sent",
                    Form::Withheld => {
                        "sent: form withheld, the directory no longer calls this address secure"
                    }
                };
                store
                    .record_attempt(
                        &n.referral_id,
                        &Attempt::Sent {
                            at: now,
                            form_attached,
                        },
                        &audit(&n.referral_id, now, outcome.to_owned()),
                    )
                    .await?;
                round.sent += 1;
            }
            Err(error) => {
                let why = reason(&error, &n.address);
                let attempts = n.attempts + 1;
                store
                    .record_attempt(
                        &n.referral_id,
                        &Attempt::Failed {
                            at: now,
                            error: why.clone(),
                            next_attempt_at: now.saturating_add(delay_ms(attempts)),
                        },
                        &audit(&n.referral_id, now, format!("failed: {why}")),
                    )
                    .await?;
                round.failed += 1;
            }
        }
    }
    Ok(round)
}

/// Sends due emails every [`POLL_EVERY`] until the task is dropped.
pub async fn run(store: SharedMailStore, mailer: Mailer, clock: Clock) {
    let mut every = tokio::time::interval(POLL_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match send_due(store.as_ref(), &mailer, clock.now_ms()).await {
            Ok(Round { sent: 0, failed: 0 }) => {}
            Ok(round) => tracing::info!(
                sent = round.sent,
                failed = round.failed,
                "agency notification emails"
            ),
            Err(error) => {
                tracing::error!(%error, "mail sender: the outbox could not be read; trying again");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_never_holds_the_address_and_stays_short() {
        let why = reason(
            "permanent error (550): 5.1.1 <referrals@agency.example> unknown\r\nuser",
            "referrals@agency.example",
        );
        assert!(!why.contains("referrals@agency.example"));
        assert!(!why.contains('\n'));
        assert!(reason(&"x".repeat(1000), "a@b").chars().count() <= MAX_REASON + 1);
    }
}

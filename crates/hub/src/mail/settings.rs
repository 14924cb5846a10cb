//! The optional `[mail]` table of the hub's settings: the council's mail relay the hub sends
//! agencies' notification emails through. Without it the hub sends none: the emails wait in
//! the outbox and the console says mail is not set up.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The submission port of a relay that offers STARTTLS.
pub const DEFAULT_PORT: u16 = 587;

/// How the hub talks to the relay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    /// Upgrade with STARTTLS before anything is sent, and refuse a relay that cannot: the
    /// only choice for a relay off this machine.
    #[default]
    Starttls,
    /// Plain SMTP: only for a relay on a loopback address (a local relay, or a test's).
    None,
}

/// The relay's password: read from the file or the environment, never printed.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The password itself, for the SMTP login only.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    /// Never the password: settings are logged and printed in errors.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// The `[mail]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// The relay's host name or address (the name its certificate holds).
    pub relay: String,
    /// Its port.
    #[serde(default = "default_port")]
    pub port: u16,
    /// The SMTP login, if the relay wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// The SMTP password; better kept out of the file (`password_file`, or the
    /// `DOORSTEP_HUB_MAIL_PASSWORD` environment variable).
    #[serde(default)]
    pub password: Option<Password>,
    /// A file holding the SMTP password (trailing newline ignored).
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// The sender address, e.g. `"Doorstep <doorstep@council.example>"`.
    pub from: String,
    /// `"starttls"` (the default) or `"none"` (a loopback relay only).
    #[serde(default)]
    pub tls: MailTls,
    /// A PEM file of an extra certificate authority to trust for the relay (a council's
    /// own CA, or a test relay's self-signed certificate), besides the system's.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

fn default_port() -> u16 {
    DEFAULT_PORT
}

/// Mail settings the hub cannot run with.
#[derive(Debug, thiserror::Error)]
pub enum MailSettingsError {
    /// Something in `[mail]` is missing or not allowed.
    #[error("mail: {0}")]
    Invalid(String),
    /// The password file or CA file could not be read.
    #[error("mail: cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

impl MailSettings {
    /// Refuses settings that would send mail in clear off this machine, or cannot work.
    pub fn check(&self) -> Result<(), MailSettingsError> {
        if self.relay.trim().is_empty() {
            return Err(MailSettingsError::Invalid("relay is empty".into()));
        }
        if self.port == 0 {
            return Err(MailSettingsError::Invalid("port must not be 0".into()));
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(MailSettingsError::Invalid(
                "from is not an email address (e.g. \"Doorstep <doorstep@council.example>\")"
                    .into(),
            ));
        }
        if self.tls == MailTls::None && !is_loopback(&self.relay) {
            return Err(MailSettingsError::Invalid(
                "tls = \"none\" is only allowed for a relay on a loopback address; \
                 a relay elsewhere must offer STARTTLS"
                    .into(),
            ));
        }
        if self.password.is_some() && self.password_file.is_some() {
            return Err(MailSettingsError::Invalid(
                "set password or password_file, not both".into(),
            ));
        }
        Ok(())
    }

    /// The password: from `password`, else read from `password_file`.
    pub fn resolved_password(&self) -> Result<Option<Password>, MailSettingsError> {
        if let Some(password) = &self.password {
            return Ok(Some(password.clone()));
        }
        match &self.password_file {
            None => Ok(None),
            Some(path) => {
                let text = read(path)?;
                Ok(Some(Password(
                    text.trim_end_matches(['\r', '\n']).to_owned(),
                )))
            }
        }
    }

    /// The extra CA certificate's PEM text, if one is named.
    pub fn ca_pem(&self) -> Result<Option<String>, MailSettingsError> {
        self.ca_file.as_deref().map(read).transpose()
    }
}

fn read(path: &Path) -> Result<String, MailSettingsError> {
    std::fs::read_to_string(path).map_err(|source| MailSettingsError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// Whether `host` names this machine only: `localhost` or a loopback address.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(relay: &str, tls: MailTls) -> MailSettings {
        MailSettings {
            relay: relay.into(),
            port: DEFAULT_PORT,
            username: None,
            password: None,
            password_file: None,
            from: "Doorstep <doorstep@council.example>".into(),
            tls,
            ca_file: None,
        }
    }

    #[test]
    fn plain_smtp_is_only_for_a_loopback_relay() {
        assert!(settings("127.0.0.1", MailTls::None).check().is_ok());
        assert!(settings("localhost", MailTls::None).check().is_ok());
        assert!(settings("::1", MailTls::None).check().is_ok());
        assert!(
            settings("relay.council.example", MailTls::None)
                .check()
                .is_err()
        );
        assert!(settings("10.0.0.5", MailTls::None).check().is_err());
        assert!(
            settings("relay.council.example", MailTls::Starttls)
                .check()
                .is_ok()
        );
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let mut s = settings("relay.council.example", MailTls::Starttls);
        s.password = Some(Password::new("hunter2-secret"));
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn a_bad_sender_is_refused() {
        let mut s = settings("relay.council.example", MailTls::Starttls);
        s.from = "not an address".into();
        assert!(s.check().is_err());
    }
}

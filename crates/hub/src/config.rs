//! The hub's settings: defaults, overridden by a TOML file, overridden by the environment
//! and the command line (see `main.rs`).

use std::path::Path;

use serde::Deserialize;

use crate::listener::ConnectionLimits;
use crate::rate::RateLimit;

/// Where the hub listens by default: loopback only; for laptops, put a TLS proxy in front
/// or give the hub a certificate (`[tls]`).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7070";

/// The database by default: an SQLite file in the working directory.
pub const DEFAULT_DATABASE: &str = "sqlite:doorstep-hub.db";

/// How long tombstones are kept by default: a quarter, longer than any laptop sits in a
/// drawer between uses.
pub const DEFAULT_TOMBSTONE_DAYS: u32 = 90;

/// Everything `serve` needs besides the store.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HubConfig {
    /// Address to listen on.
    pub listen: String,
    /// `sqlite:path` or `postgres://…`.
    pub database: String,
    /// How long an access token works, in seconds.
    pub access_token_secs: i64,
    /// How long a refresh token works, in seconds.
    pub refresh_token_secs: i64,
    /// How long an enrolment code works, in seconds.
    pub enrolment_code_secs: i64,
    /// Requests per device (and, for enrolment, per address).
    pub rate_limit: RateLimit,
    /// How long deleted records are kept as tombstones, in days; a laptop away longer
    /// starts again from 0 (see `crate::purge`).
    pub tombstone_days: u32,
    /// Refusals of requests that proved no identity, per address: past it, the address
    /// gets `429` (see `crate::refusals`).
    pub refusal_rate_limit: RateLimit,
    /// Time limits on slow clients and open connections per address.
    pub connections: ConnectionLimits,
    /// The address people and laptops reach the hub at (e.g. `https://hub.council.example`
    /// behind a TLS proxy), without a trailing `/`: set-up links and the enrolment QR code
    /// name it. `DOORSTEP_HUB_PUBLIC_URL` overrides it; unset, the console uses the address
    /// the browser asked for.
    pub public_url: Option<String>,
    /// The council's mail relay for agencies' notification emails (`[mail]`); none: no
    /// emails are sent and they wait in the outbox (see `crate::mail`).
    pub mail: Option<crate::mail::MailSettings>,
    /// The hub's own certificate and key (`[tls]`), for a council with no TLS proxy in
    /// front; none: plain HTTP (see `crate::tls`).
    pub tls: Option<crate::tls::TlsSettings>,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.to_owned(),
            database: DEFAULT_DATABASE.to_owned(),
            access_token_secs: 15 * 60,
            refresh_token_secs: 30 * 24 * 60 * 60,
            enrolment_code_secs: 72 * 60 * 60,
            rate_limit: RateLimit::default(),
            tombstone_days: DEFAULT_TOMBSTONE_DAYS,
            refusal_rate_limit: RateLimit {
                burst: 60,
                per_second: 1.0,
            },
            connections: ConnectionLimits::default(),
            public_url: None,
            mail: None,
            tls: None,
        }
    }
}

/// A configuration file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not readable.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML for these settings.
    #[error("{path} is not a valid hub configuration: {source}")]
    Parse {
        /// The file.
        path: String,
        /// Why.
        source: toml::de::Error,
    },
}

impl HubConfig {
    /// Reads a TOML file; settings it leaves out keep their defaults.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text).map_err(|source| ConfigError::Parse {
            path: path.display().to_string(),
            source,
        })
    }

    /// Parses TOML text.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// Refuses settings the hub cannot run with.
    pub fn check(&self) -> Result<(), String> {
        if self.tombstone_days == 0 {
            return Err(
                "tombstone_days must be at least 1: laptops need time to pull a delete".into(),
            );
        }
        let c = &self.connections;
        if c.header_timeout_ms == 0 || c.body_idle_timeout_ms == 0 || c.per_address == 0 {
            return Err(
                "connections: header_timeout_ms, body_idle_timeout_ms and per_address must be at least 1".into(),
            );
        }
        if let Some(tls) = &self.tls {
            tls.files().map_err(|e| e.to_string())?;
        }
        if let Some(mail) = &self.mail {
            mail.check().map_err(|e| e.to_string())?;
            if self.public_url.is_none() {
                return Err(
                    "mail: public_url (or DOORSTEP_HUB_PUBLIC_URL) must be set, for the link in each email"
                        .into(),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_table_is_read_and_checked() {
        let config = HubConfig::from_toml(
            "public_url = \"https://hub.council.example\"\n\
             [mail]\nrelay = \"relay.council.example\"\n\
             from = \"Doorstep <doorstep@council.example>\"\n\
             username = \"doorstep\"\npassword_file = \"/run/secrets/relay\"\n",
        )
        .unwrap();
        let mail = config.mail.as_ref().unwrap();
        assert_eq!(mail.port, crate::mail::settings::DEFAULT_PORT);
        assert_eq!(mail.tls, crate::mail::settings::MailTls::Starttls);
        assert!(config.check().is_ok());
        let no_url = HubConfig {
            public_url: None,
            ..config.clone()
        };
        assert!(no_url.check().is_err());
        let plain = HubConfig::from_toml(
            "public_url = \"https://hub.council.example\"\n\
             [mail]\nrelay = \"relay.council.example\"\ntls = \"none\"\n\
             from = \"doorstep@council.example\"\n",
        )
        .unwrap();
        assert!(plain.check().is_err());
        assert!(
            HubConfig::from_toml("[mail]\nrelay = \"r\"\nfrom = \"a@b.c\"\nhost = \"x\"\n")
                .is_err()
        );
        assert!(HubConfig::default().mail.is_none());
    }

    #[test]
    fn a_tls_table_is_read_and_half_a_pair_refused() {
        let config = HubConfig::from_toml(
            "[tls]\ncertificate = \"/etc/doorstep/fullchain.pem\"\nkey = \"/etc/doorstep/key.pem\"\n",
        )
        .unwrap();
        let files = config.tls.as_ref().unwrap().files().unwrap();
        assert_eq!(files.key, std::path::Path::new("/etc/doorstep/key.pem"));
        assert!(config.check().is_ok());
        let half = HubConfig::from_toml("[tls]\ncertificate = \"/etc/doorstep/fullchain.pem\"\n")
            .unwrap()
            .check()
            .unwrap_err();
        assert!(half.contains("but not its key"), "{half}");
        assert!(HubConfig::from_toml("[tls]\ncert = \"a.pem\"\n").is_err());
        assert!(HubConfig::default().tls.is_none());
    }

    #[test]
    fn a_file_overrides_only_what_it_names() {
        let config = HubConfig::from_toml(
            "database = \"postgres://postgres@127.0.0.1/hub\"\n\
             access_token_secs = 60\n\
             [rate_limit]\nburst = 5\nper_second = 1.0\n",
        )
        .unwrap();
        assert_eq!(config.database, "postgres://postgres@127.0.0.1/hub");
        assert_eq!(config.access_token_secs, 60);
        assert_eq!(config.rate_limit.burst, 5);
        assert_eq!(config.listen, DEFAULT_LISTEN);
        assert_eq!(config.tombstone_days, DEFAULT_TOMBSTONE_DAYS);
        assert!(HubConfig::from_toml("colour = \"blue\"").is_err());
        let short = HubConfig::from_toml("tombstone_days = 30").unwrap();
        assert_eq!(short.tombstone_days, 30);
        assert!(short.check().is_ok());
        assert!(
            HubConfig::from_toml("tombstone_days = 0")
                .unwrap()
                .check()
                .is_err()
        );
    }
}

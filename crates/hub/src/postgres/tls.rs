//! TLS to PostgreSQL: libpq's `sslmode`, `sslrootcert`, `sslcert` and `sslkey`, read from the
//! database URL (so the same URL works for `pg_dump`), turned into a rustls connector.
//!
//! Only modes that check the server's certificate are accepted: `require`, `prefer` and
//! `allow` encrypt without knowing who is at the other end, which does not keep health and
//! domestic abuse details from a machine in the middle. With no `sslmode`, a database on this
//! machine (loopback or a Unix socket) is reached without TLS, as before, and any other one
//! with `verify-full`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::redact_url;

/// The URL parameters read here; each is taken out before tokio-postgres sees the URL.
const HANDLED: [&str; 4] = ["sslmode", "sslrootcert", "sslcert", "sslkey"];

/// libpq's other TLS parameters: tokio-postgres does not know them, and quietly dropping one
/// (a CRL, say) would leave the operator believing it is in force.
const NOT_SUPPORTED: [&str; 10] = [
    "sslpassword",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "sslcompression",
    "sslcertmode",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "sslkeylogfile",
    "requiressl",
];

/// A database URL's TLS settings the hub cannot honour, or files it cannot use.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    /// A mode that encrypts without checking who answers.
    #[error(
        "sslmode={mode} {why}, so a machine between the hub and PostgreSQL could read and change \
         every record: use sslmode=verify-full (or verify-ca) with sslrootcert=<the CA \
         certificate's PEM file>, or sslmode=disable for a database on this machine"
    )]
    Unverified {
        /// The mode given.
        mode: String,
        /// What that mode leaves unchecked.
        why: &'static str,
    },
    /// A mode libpq does not have either.
    #[error("sslmode={0} is not a mode: use verify-full, verify-ca or disable")]
    UnknownMode(String),
    /// verify-ca against the OS trust store vouches for any web site's certificate.
    #[error(
        "sslmode=verify-ca without sslrootcert would accept a certificate any public CA issued \
         to anyone: name the database's own CA with sslrootcert=<PEM file>, or use \
         sslmode=verify-full"
    )]
    VerifyCaWithoutRoot,
    /// One half of a client certificate.
    #[error("{given} is set but {missing} is not: a client certificate needs both (or neither)")]
    HalfClientCert {
        /// The setting given.
        given: &'static str,
        /// The setting missing.
        missing: &'static str,
    },
    /// A setting given twice, which libpq and the hub could read differently.
    #[error("{0} is given more than once")]
    Repeated(&'static str),
    /// A libpq TLS parameter the hub does not implement.
    #[error(
        "{0} is not supported by the hub: it reads sslmode, sslrootcert, sslcert and sslkey \
         (and sslnegotiation)"
    )]
    NotSupported(String),
    /// A percent-escape that is not UTF-8.
    #[error("{0} is not valid UTF-8 once its %-escapes are decoded")]
    NotUtf8(&'static str),
    /// A file named by a setting that cannot be read.
    #[error("{setting}={} cannot be read: {source}", path.display())]
    Unreadable {
        /// The setting naming the file.
        setting: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file with no PEM certificate in it, or a damaged one.
    #[error("{setting}={} holds no usable PEM certificate{}", path.display(), detail_suffix(.detail))]
    NoCertificate {
        /// The setting naming the file.
        setting: &'static str,
        /// The file.
        path: PathBuf,
        /// What the parser said, if anything.
        detail: String,
    },
    /// A key file with no PEM private key in it, or a damaged one.
    #[error(
        "sslkey={} holds no usable PEM private key (PKCS#8, PKCS#1 or SEC1, unencrypted){}",
        path.display(),
        detail_suffix(.detail)
    )]
    NoKey {
        /// The file.
        path: PathBuf,
        /// What the parser said, if anything.
        detail: String,
    },
    /// The OS trust store is empty or unreadable.
    #[error(
        "the system's trust store has no certificates ({0}): name the database's CA with \
         sslrootcert=<PEM file>"
    )]
    NoSystemRoots(String),
    /// rustls refused the assembled configuration (e.g. a key that does not fit sslcert).
    #[error("{what}: {source}")]
    Rustls {
        /// What was being set up.
        what: &'static str,
        /// rustls's reason.
        source: rustls::Error,
    },
    /// The rest of the URL, as tokio-postgres reads it.
    #[error("{}", with_causes(.0))]
    Url(tokio_postgres::Error),
}

/// The driver's text is only its error's kind ("invalid connection string"); the option at
/// fault is in the cause. Its causes name options, never their values.
fn with_causes(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    }
}

/// How much of the server's certificate is checked; `Disable` means no TLS at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No TLS.
    Disable,
    /// TLS; the certificate chain is checked, the host name is not.
    VerifyCa,
    /// TLS; the chain and the host name are checked.
    VerifyFull,
}

/// Whose word the server's certificate is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// The operating system's trust store (no `sslrootcert`, or `sslrootcert=system`).
    System,
    /// Only the CA certificates in this PEM file.
    File(PathBuf),
}

/// A client certificate and its key, for servers that ask for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// `sslcert`: the certificate chain, PEM.
    pub cert: PathBuf,
    /// `sslkey`: its private key, PEM.
    pub key: PathBuf,
}

/// The TLS settings of one database URL, decided but not yet loaded from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The mode in force (given, or the default for the host).
    pub mode: Mode,
    /// The trust anchors.
    pub roots: Roots,
    /// The client certificate, if any.
    pub client: Option<ClientCert>,
    /// Every host is on this machine (loopback or a Unix socket).
    pub local: bool,
    /// Some host is reached over TCP (TLS does not run over Unix sockets).
    pub tcp: bool,
}

impl TlsSettings {
    /// Whether connections negotiate TLS.
    pub fn uses_tls(&self) -> bool {
        self.mode != Mode::Disable && self.tcp
    }

    fn roots_named(&self) -> String {
        match &self.roots {
            Roots::File(path) => format!("sslrootcert {}", path.display()),
            Roots::System => "the system's trust store (no sslrootcert)".to_owned(),
        }
    }
}

/// A URL read: what tokio-postgres is given, and the TLS settings taken out of it.
#[derive(Debug)]
pub struct ReadUrl {
    /// The URL without the parameters handled here.
    pub url: String,
    /// The driver's configuration, its `ssl_mode` set to match `settings`.
    pub config: tokio_postgres::Config,
    /// The TLS settings.
    pub settings: TlsSettings,
}

/// The TLS parameters as written, before the host is known.
#[derive(Debug, Default)]
struct Requested {
    mode: Option<String>,
    root_cert: Option<String>,
    cert: Option<String>,
    key: Option<String>,
}

/// Reads a `postgres://` URL's TLS settings and the rest of it. Touches no file.
pub fn read(url: &str) -> Result<ReadUrl, TlsConfigError> {
    let (stripped, requested) = strip(url)?;
    let mut config = tokio_postgres::Config::from_str(&stripped).map_err(TlsConfigError::Url)?;
    let settings = decide(requested, &config)?;
    config.ssl_mode(if settings.uses_tls() {
        SslMode::Require
    } else {
        SslMode::Disable
    });
    Ok(ReadUrl {
        url: stripped,
        config,
        settings,
    })
}

/// Takes the handled parameters out of the query; the rest is left as written.
fn strip(url: &str) -> Result<(String, Requested), TlsConfigError> {
    // The driver ends the user info at the first '@', so a '?' before it is the password's.
    let authority = url.find("://").map_or(0, |i| i + 3);
    let after_user = url[authority..]
        .find('@')
        .map_or(authority, |at| authority + at + 1);
    let Some(mark) = url[after_user..].find('?').map(|i| after_user + i) else {
        return Ok((url.to_owned(), Requested::default()));
    };
    let (base, query) = (&url[..mark], &url[mark + 1..]);
    let mut requested = Requested::default();
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(raw_key, "a URL parameter's name")?;
        let Some(name) = HANDLED.into_iter().find(|h| *h == key) else {
            if NOT_SUPPORTED.contains(&key.as_str()) {
                return Err(TlsConfigError::NotSupported(key));
            }
            kept.push(pair);
            continue;
        };
        let value = decode(raw_value, name)?;
        let slot = match name {
            "sslmode" => &mut requested.mode,
            "sslrootcert" => &mut requested.root_cert,
            "sslcert" => &mut requested.cert,
            _ => &mut requested.key,
        };
        if slot.is_some() {
            return Err(TlsConfigError::Repeated(name));
        }
        // libpq reads an empty value as not set.
        *slot = Some(value).filter(|v| !v.is_empty());
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, requested))
}

fn decode(raw: &str, what: &'static str) -> Result<String, TlsConfigError> {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| TlsConfigError::NotUtf8(what))
}

fn decide(
    requested: Requested,
    config: &tokio_postgres::Config,
) -> Result<TlsSettings, TlsConfigError> {
    let (local, tcp) = where_hosts_are(config);
    let roots = match requested.root_cert {
        None => Roots::System,
        Some(ref s) if s == "system" => Roots::System,
        Some(path) => Roots::File(PathBuf::from(path)),
    };
    let client = match (requested.cert, requested.key) {
        (Some(cert), Some(key)) => Some(ClientCert {
            cert: PathBuf::from(cert),
            key: PathBuf::from(key),
        }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(TlsConfigError::HalfClientCert {
                given: "sslcert",
                missing: "sslkey",
            });
        }
        (None, Some(_)) => {
            return Err(TlsConfigError::HalfClientCert {
                given: "sslkey",
                missing: "sslcert",
            });
        }
    };
    let names_a_file = matches!(roots, Roots::File(_)) || client.is_some();
    let mode = match requested.mode.as_deref() {
        Some("disable") => Mode::Disable,
        Some("verify-ca") => Mode::VerifyCa,
        Some("verify-full") => Mode::VerifyFull,
        Some(mode @ ("require" | "prefer" | "allow")) => {
            return Err(TlsConfigError::Unverified {
                mode: mode.to_owned(),
                why: if mode == "require" {
                    "does not check the server's certificate"
                } else {
                    "may fall back to no encryption and does not check the server's certificate"
                },
            });
        }
        Some(other) => return Err(TlsConfigError::UnknownMode(other.to_owned())),
        // Naming a CA or a client certificate asks for TLS, even to this machine.
        None if local && !names_a_file => Mode::Disable,
        None => Mode::VerifyFull,
    };
    if mode == Mode::VerifyCa && roots == Roots::System {
        return Err(TlsConfigError::VerifyCaWithoutRoot);
    }
    Ok(TlsSettings {
        mode,
        roots,
        client,
        local,
        tcp,
    })
}

/// Whether every host is on this machine, and whether any is reached over TCP. The address
/// dialled is what counts: `hostaddr` when given (an SSH tunnel's end, say), else `host`.
fn where_hosts_are(config: &tokio_postgres::Config) -> (bool, bool) {
    let hosts = config.get_hosts();
    let addrs = config.get_hostaddrs();
    let mut local = true;
    let mut tcp = false;
    for i in 0..hosts.len().max(addrs.len()) {
        let (is_local, is_tcp) = match (addrs.get(i), hosts.get(i)) {
            (Some(ip), _) => (ip.to_canonical().is_loopback(), true),
            (None, Some(Host::Tcp(name))) => (is_loopback_name(name), true),
            (None, Some(Host::Unix(_))) => (true, false),
            (None, None) => (true, false),
        };
        local &= is_local;
        tcp |= is_tcp;
    }
    (local, tcp)
}

fn is_loopback_name(name: &str) -> bool {
    let name = name.trim_start_matches('[').trim_end_matches(']');
    let name = name.strip_suffix('.').unwrap_or(name);
    name.eq_ignore_ascii_case("localhost")
        || IpAddr::from_str(name).is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// The connector for `settings`, its files read now so a bad one is reported before any
/// connection is tried. `None` when the connection is not to use TLS.
pub fn connector(settings: &TlsSettings) -> Result<Option<MakeRustlsConnect>, TlsConfigError> {
    if !settings.uses_tls() {
        return Ok(None);
    }
    // Our own provider rather than the process default, so nothing depends on which crate
    // installed one first.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = match &settings.roots {
        Roots::File(path) => file_roots(path)?,
        Roots::System => system_roots()?,
    };
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| TlsConfigError::Rustls {
            what: "the certificate verifier",
            source: rustls::Error::General(e.to_string()),
        })?;
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|source| TlsConfigError::Rustls {
            what: "the TLS versions",
            source,
        })?;
    let builder = match settings.mode {
        Mode::VerifyCa => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyName(webpki))),
        Mode::VerifyFull | Mode::Disable => builder.with_webpki_verifier(webpki),
    };
    let mut config = match &settings.client {
        None => builder.with_no_client_auth(),
        Some(client) => builder
            .with_client_auth_cert(
                certificates(&client.cert, "sslcert")?,
                private_key(&client.key)?,
            )
            .map_err(|source| TlsConfigError::Rustls {
                what: "sslcert and sslkey do not make a client certificate",
                source,
            })?,
    };
    // What libpq 17 sends; servers before 17 ignore it, and 17 needs it for direct TLS.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(Some(MakeRustlsConnect::new(config)))
}

fn read_file(path: &Path, setting: &'static str) -> Result<Vec<u8>, TlsConfigError> {
    std::fs::read(path).map_err(|source| TlsConfigError::Unreadable {
        setting,
        path: path.to_owned(),
        source,
    })
}

fn certificates(
    path: &Path,
    setting: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let bytes = read_file(path, setting)?;
    let no_certificate = |detail: String| TlsConfigError::NoCertificate {
        setting,
        path: path.to_owned(),
        detail,
    };
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| no_certificate(e.to_string()))?;
    if certs.is_empty() {
        return Err(no_certificate(String::new()));
    }
    Ok(certs)
}

fn file_roots(path: &Path) -> Result<RootCertStore, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(path, "sslrootcert")? {
        roots.add(cert).map_err(|e| TlsConfigError::NoCertificate {
            setting: "sslrootcert",
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
    }
    Ok(roots)
}

fn system_roots() -> Result<RootCertStore, TlsConfigError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        let why = found
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        return Err(TlsConfigError::NoSystemRoots(if why.is_empty() {
            "none found".to_owned()
        } else {
            why
        }));
    }
    Ok(roots)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsConfigError> {
    let bytes = read_file(path, "sslkey")?;
    warn_if_others_can_read(path);
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsConfigError::NoKey {
        path: path.to_owned(),
        detail: match e {
            rustls::pki_types::pem::Error::NoItemsFound => String::new(),
            other => other.to_string(),
        },
    })
}

/// libpq refuses a key others may read; the hub only warns, as the file is already read.
fn warn_if_others_can_read(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            "sslkey {} can be read by other users of this machine: chmod 600 it",
            path.display()
        );
    }
}

/// `verify-ca`: the WebPki verifier's every check except the host name. It checks the name
/// last, after the chain, the dates and the key usage, so a name mismatch reaching here
/// means everything else passed.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// A first connection's failure in words an operator can act on (whose certificate, which
/// name) rather than the driver's "error performing TLS handshake"; `None` when it is not
/// about TLS.
pub fn explain(settings: &TlsSettings, url: &str, error: &tokio_postgres::Error) -> Option<String> {
    let at = redact_url(url);
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if let Some(tls) = rustls_error(e) {
            return Some(handshake_sentence(settings, &at, tls));
        }
        // The driver's own words, from connect_tls; it has no error kind to match instead.
        if settings.uses_tls() && e.to_string() == "server does not support TLS" {
            return Some(format!(
                "PostgreSQL at {at} does not offer TLS (ssl is off in its postgresql.conf): turn \
                 it on there, or use sslmode=disable for a database on this machine"
            ));
        }
        cause = e.source();
    }
    None
}

/// tokio-rustls hands rustls's error up inside an `io::Error`, whose `source()` skips it.
fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    e.downcast_ref::<rustls::Error>().or_else(|| {
        e.downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    })
}

fn handshake_sentence(settings: &TlsSettings, at: &str, e: &rustls::Error) -> String {
    let roots = settings.roots_named();
    match e {
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => format!(
            "PostgreSQL at {at} presented a certificate for another name than the URL's host: \
             {e}. Connect by a name the certificate carries, or use sslmode=verify-ca to check \
             only that {roots} vouches for it"
        ),
        rustls::Error::InvalidCertificate(
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. },
        ) => format!(
            "PostgreSQL at {at} presented a certificate outside its dates: {e}. Renew it, or \
             check this machine's clock"
        ),
        rustls::Error::InvalidCertificate(_) => format!(
            "PostgreSQL at {at} presented a certificate that {roots} does not vouch for: {e}"
        ),
        rustls::Error::AlertReceived(_) => format!(
            "PostgreSQL at {at} broke off the TLS handshake: {e}. If it asks for a client \
             certificate, give one with sslcert and sslkey"
        ),
        other => format!("the TLS handshake with PostgreSQL at {at} failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn settings(url: &str) -> TlsSettings {
        read(url).unwrap().settings
    }

    fn file(path: &str) -> Roots {
        Roots::File(PathBuf::from(path))
    }

    #[rstest]
    // No sslmode: this machine as before, anywhere else verify-full.
    #[case::loopback_ip(
        "postgres://u@127.0.0.1:5432/db",
        Mode::Disable,
        Roots::System,
        true,
        true
    )]
    #[case::loopback_range("postgres://u@127.8.9.10/db", Mode::Disable, Roots::System, true, true)]
    #[case::localhost(
        "postgres://u@LocalHost:5433/db",
        Mode::Disable,
        Roots::System,
        true,
        true
    )]
    #[case::ipv6_loopback("postgres://u@[::1]:5432/db", Mode::Disable, Roots::System, true, true)]
    #[case::unix_socket(
        "postgres://u@%2Fvar%2Frun%2Fpostgresql/db",
        Mode::Disable,
        Roots::System,
        true,
        false
    )]
    #[case::remote(
        "postgres://u@db.example/db",
        Mode::VerifyFull,
        Roots::System,
        false,
        true
    )]
    #[case::remote_ip(
        "postgres://u@10.0.0.5/db",
        Mode::VerifyFull,
        Roots::System,
        false,
        true
    )]
    #[case::one_remote_of_two(
        "postgres://u@127.0.0.1,db.example/db",
        Mode::VerifyFull,
        Roots::System,
        false,
        true
    )]
    #[case::tunnel(
        "postgres://u@db.example/db?hostaddr=127.0.0.1",
        Mode::Disable,
        Roots::System,
        true,
        true
    )]
    #[case::ca_named_asks_for_tls(
        "postgres://u@127.0.0.1/db?sslrootcert=ca.pem",
        Mode::VerifyFull,
        file("ca.pem"),
        true,
        true
    )]
    // Given modes.
    #[case::verify_full(
        "postgres://u@db.example/db?sslmode=verify-full&sslrootcert=/etc/ca.pem",
        Mode::VerifyFull,
        file("/etc/ca.pem"),
        false,
        true
    )]
    #[case::verify_full_system(
        "postgres://u@db.example/db?sslmode=verify-full&sslrootcert=system",
        Mode::VerifyFull,
        Roots::System,
        false,
        true
    )]
    #[case::verify_full_local(
        "postgres://u@localhost/db?sslmode=verify-full",
        Mode::VerifyFull,
        Roots::System,
        true,
        true
    )]
    #[case::verify_ca(
        "postgres://u@db.example/db?sslmode=verify-ca&sslrootcert=/etc/ca.pem",
        Mode::VerifyCa,
        file("/etc/ca.pem"),
        false,
        true
    )]
    #[case::disable_remote(
        "postgres://u@db.example/db?sslmode=disable",
        Mode::Disable,
        Roots::System,
        false,
        true
    )]
    #[case::disable_local(
        "postgres://u@127.0.0.1/db?sslmode=disable",
        Mode::Disable,
        Roots::System,
        true,
        true
    )]
    #[case::empty_is_unset(
        "postgres://u@127.0.0.1/db?sslmode=&sslrootcert=",
        Mode::Disable,
        Roots::System,
        true,
        true
    )]
    #[case::decoded(
        "postgres://u@db.example/db?sslrootcert=%2Fetc%2Fmy%20ca.pem",
        Mode::VerifyFull,
        file("/etc/my ca.pem"),
        false,
        true
    )]
    fn modes(
        #[case] url: &str,
        #[case] mode: Mode,
        #[case] roots: Roots,
        #[case] local: bool,
        #[case] tcp: bool,
    ) {
        let s = settings(url);
        assert_eq!(
            (s.mode, s.roots, s.local, s.tcp),
            (mode, roots, local, tcp),
            "{url}"
        );
        assert_eq!(s.client, None);
    }

    #[test]
    fn the_driver_is_told_to_use_tls_only_when_the_settings_say_so() {
        let remote = read("postgres://u@db.example/db").unwrap();
        assert_eq!(remote.config.get_ssl_mode(), SslMode::Require);
        let local = read("postgres://u@127.0.0.1/db").unwrap();
        assert_eq!(local.config.get_ssl_mode(), SslMode::Disable);
        // libpq does not use TLS over a Unix socket whatever sslmode says.
        let socket = read("postgres://u@%2Ftmp/db?sslmode=verify-full").unwrap();
        assert_eq!(socket.settings.mode, Mode::VerifyFull);
        assert!(!socket.settings.uses_tls());
        assert_eq!(socket.config.get_ssl_mode(), SslMode::Disable);
    }

    #[test]
    fn a_client_certificate_takes_both_files() {
        let s = settings("postgres://u@db.example/db?sslcert=/c.pem&sslkey=/k.pem");
        assert_eq!(
            s.client,
            Some(ClientCert {
                cert: "/c.pem".into(),
                key: "/k.pem".into()
            })
        );
    }

    #[rstest]
    #[case::no_query(
        "postgres://u:pw@db.example:5432/db",
        "postgres://u:pw@db.example:5432/db"
    )]
    #[case::only_ours(
        "postgres://u@db.example/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem",
        "postgres://u@db.example/db"
    )]
    #[case::others_kept_as_written(
        "postgres://u@db.example/db?sslmode=verify-full&application_name=doorstep%20hub&sslcert=c&sslkey=k&connect_timeout=5",
        "postgres://u@db.example/db?application_name=doorstep%20hub&connect_timeout=5"
    )]
    #[case::question_mark_in_the_password(
        "postgres://u:p?ss@db.example/db?sslmode=verify-full",
        "postgres://u:p?ss@db.example/db"
    )]
    #[case::negotiation_left_to_the_driver(
        "postgres://u@db.example/db?sslnegotiation=postgres&sslmode=verify-full",
        "postgres://u@db.example/db?sslnegotiation=postgres"
    )]
    fn handled_parameters_are_stripped(#[case] url: &str, #[case] stripped: &str) {
        assert_eq!(read(url).unwrap().url, stripped);
    }

    #[rstest]
    #[case::require(
        "sslmode=require",
        "sslmode=require does not check the server's certificate, so a machine between the hub \
         and PostgreSQL could read and change every record: use sslmode=verify-full (or \
         verify-ca) with sslrootcert=<the CA certificate's PEM file>, or sslmode=disable for a \
         database on this machine"
    )]
    #[case::prefer("sslmode=prefer", "sslmode=prefer may fall back to no encryption")]
    #[case::allow("sslmode=allow", "sslmode=allow may fall back to no encryption")]
    #[case::unknown(
        "sslmode=verify",
        "sslmode=verify is not a mode: use verify-full, verify-ca or disable"
    )]
    #[case::verify_ca_needs_a_root("sslmode=verify-ca", "sslmode=verify-ca without sslrootcert")]
    #[case::verify_ca_system_root(
        "sslmode=verify-ca&sslrootcert=system",
        "sslmode=verify-ca without sslrootcert"
    )]
    #[case::cert_alone("sslcert=/c.pem", "sslcert is set but sslkey is not")]
    #[case::key_alone("sslkey=/k.pem", "sslkey is set but sslcert is not")]
    #[case::repeated(
        "sslmode=verify-full&sslmode=disable",
        "sslmode is given more than once"
    )]
    #[case::crl("sslcrl=/crl.pem", "sslcrl is not supported by the hub")]
    #[case::key_password("sslpassword=x", "sslpassword is not supported by the hub")]
    #[case::not_utf8("sslrootcert=%FF", "sslrootcert is not valid UTF-8")]
    #[case::driver_option("nonsense=1", "invalid connection string: unknown option `nonsense`")]
    fn refusals(#[case] query: &str, #[case] says: &str) {
        let url = format!("postgres://hub:s3cret@db.example/hub?{query}");
        let error = read(&url).unwrap_err().to_string();
        assert!(error.contains(says), "{query}: {error}");
        assert!(!error.contains("s3cret"), "{error}");
    }

    #[tokio::test]
    async fn a_refusal_names_the_url_without_its_password_and_connects_nowhere() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        for query in [
            "sslmode=require",
            "sslmode=verify-full&sslrootcert=/nowhere/ca.pem",
            "sslmode=require&password=s3cret",
        ] {
            let url = format!("postgres://hub:s3cret@127.0.0.1:{port}/hub?{query}");
            let Err(e) = crate::postgres::PgStore::connect(&url).await else {
                panic!("{query} connected");
            };
            let e = e.to_string();
            assert!(e.contains("hub:***@127.0.0.1"), "{e}");
            assert!(!e.contains("s3cret"), "{e}");
            if query.contains("nowhere") {
                assert!(
                    e.contains("sslrootcert=/nowhere/ca.pem cannot be read"),
                    "{e}"
                );
            }
        }
        assert!(listener.accept().is_err(), "a connection was attempted");
    }

    /// A CA, and a server certificate and key it signs, PEM.
    fn pki(ca_name: &str) -> (String, String, String) {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name.push(DnType::CommonName, ca_name);
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        (ca_cert.pem(), cert.pem(), key.serialize_pem())
    }

    #[test]
    fn files_are_read_before_connecting_and_a_bad_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let (ca, cert, key) = pki("Test CA");
        let put = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path.display().to_string()
        };
        let (ca, cert, key) = (
            put("ca.pem", &ca),
            put("cert.pem", &cert),
            put("key.pem", &key),
        );
        let garbage = put("garbage.pem", "not a certificate\n");
        let cut = put("cut.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n");
        let missing = dir.path().join("missing.pem").display().to_string();
        let connector = |query: String| {
            connector(&settings(&format!("postgres://u@db.example/db?{query}")))
                .map(|c| c.is_some())
        };

        assert!(connector(format!("sslrootcert={ca}")).unwrap());
        assert!(connector(format!("sslmode=verify-ca&sslrootcert={ca}")).unwrap());
        assert!(connector(format!("sslrootcert={ca}&sslcert={cert}&sslkey={key}")).unwrap());
        assert!(!connector("sslmode=disable&sslrootcert=/nowhere".to_owned()).unwrap());

        for (query, says) in [
            (
                format!("sslrootcert={missing}"),
                format!("sslrootcert={missing} cannot be read"),
            ),
            (
                format!("sslrootcert={garbage}"),
                format!("sslrootcert={garbage} holds no usable PEM certificate"),
            ),
            (
                format!("sslrootcert={cut}"),
                format!("sslrootcert={cut} holds no usable PEM certificate"),
            ),
            (
                format!("sslrootcert={key}"),
                format!("sslrootcert={key} holds no usable PEM certificate"),
            ),
            (
                format!("sslrootcert={ca}&sslcert={garbage}&sslkey={key}"),
                format!("sslcert={garbage} holds no usable PEM certificate"),
            ),
            (
                format!("sslrootcert={ca}&sslcert={cert}&sslkey={garbage}"),
                format!("sslkey={garbage} holds no usable PEM private key"),
            ),
            (
                format!("sslrootcert={ca}&sslcert={cert}&sslkey={missing}"),
                format!("sslkey={missing} cannot be read"),
            ),
        ] {
            let error = connector(query.clone()).unwrap_err().to_string();
            assert!(error.contains(&says), "{query}: {error}");
        }
    }

    #[test]
    fn verify_ca_forgives_only_the_name() {
        use rustls::pki_types::ServerName;
        let (ca, cert, _) = pki("Test CA");
        let (other_ca, _, _) = pki("Another CA");
        let verifier = |ca: &str| {
            let mut roots = RootCertStore::empty();
            roots
                .add(CertificateDer::from_pem_slice(ca.as_bytes()).unwrap())
                .unwrap();
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            AnyName(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .unwrap(),
            )
        };
        let cert = CertificateDer::from_pem_slice(cert.as_bytes()).unwrap();
        let check = |v: &AnyName, name: &str| {
            v.verify_server_cert(
                &cert,
                &[],
                &ServerName::try_from(name.to_owned()).unwrap(),
                &[],
                UnixTime::now(),
            )
        };
        assert!(check(&verifier(&ca), "localhost").is_ok());
        assert!(check(&verifier(&ca), "127.0.0.1").is_ok());
        assert!(check(&verifier(&ca), "elsewhere.example").is_ok());
        assert!(matches!(
            check(&verifier(&other_ca), "localhost"),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer
            ))
        ));
    }
}

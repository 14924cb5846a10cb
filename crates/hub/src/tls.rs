//! The hub's own TLS certificate, for a council with no TLS proxy in front of the hub: the
//! certificate and key files named by `[tls]`, loaded at start (a bad pair stops the hub)
//! and read again when they change on disk or on SIGHUP, so that a renewed certificate is
//! served without a restart while a bad renewal leaves the previous one serving.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{InconsistentKeys, ServerConfig};
use serde::Deserialize;

/// How often the hub looks at the certificate and key files for a change: a renewal (by
/// certbot, say) is served within this long.
pub const RELOAD_EVERY: Duration = Duration::from_secs(30);

/// The only protocol the hub speaks over TLS (it serves HTTP/1 only).
const ALPN_HTTP_1_1: &[u8] = b"http/1.1";

/// `[tls]` in the hub's settings: both files, or no `[tls]` at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// The certificate chain in PEM, the hub's own certificate first (certbot's
    /// `fullchain.pem`).
    pub certificate: Option<PathBuf>,
    /// The certificate's private key in PEM (certbot's `privkey.pem`).
    pub key: Option<PathBuf>,
}

/// The two files of the hub's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFiles {
    /// The certificate chain, PEM.
    pub certificate: PathBuf,
    /// Its private key, PEM.
    pub key: PathBuf,
}

impl TlsSettings {
    /// Both files, or which one is missing.
    pub fn files(&self) -> Result<CertificateFiles, TlsError> {
        match (&self.certificate, &self.key) {
            (Some(certificate), Some(key)) => Ok(CertificateFiles {
                certificate: certificate.clone(),
                key: key.clone(),
            }),
            (Some(_), None) => Err(TlsError::Incomplete {
                named: "a certificate",
                missing: "its key",
            }),
            (None, Some(_)) => Err(TlsError::Incomplete {
                named: "a key",
                missing: "its certificate",
            }),
            (None, None) => Err(TlsError::Incomplete {
                named: "neither file",
                missing: "a certificate and its key",
            }),
        }
    }
}

/// A certificate or key the hub cannot serve with. The messages name the file and never
/// show what is in it.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Half a pair in the settings.
    #[error(
        "[tls] names {named} but not {missing}: set both `certificate` and `key` (or \
         DOORSTEP_HUB_TLS_CERT and DOORSTEP_HUB_TLS_KEY), or leave TLS out and put the hub \
         behind a TLS proxy"
    )]
    Incomplete {
        /// What the settings name.
        named: &'static str,
        /// What they leave out.
        missing: &'static str,
    },
    /// A file that cannot be read.
    #[error(
        "cannot read the TLS {what} file {path}: {source}; check the path and that the \
         hub's user may read it"
    )]
    Read {
        /// `certificate` or `key`.
        what: &'static str,
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// No PEM certificate in the certificate file.
    #[error(
        "the TLS certificate file {path} holds no certificate (a PEM block starting \
         -----BEGIN CERTIFICATE-----): name the certificate chain, e.g. certbot's fullchain.pem"
    )]
    NoCertificate {
        /// The file.
        path: String,
    },
    /// Broken PEM in the certificate file.
    #[error(
        "the TLS certificate file {path} is not valid PEM ({reason}): install the \
         certificate chain again as issued"
    )]
    CertificatePem {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The hub's certificate does not parse.
    #[error(
        "the first certificate in {path} is not a certificate the hub can use ({reason}): \
         install the certificate chain again as issued, the hub's own certificate first"
    )]
    BadCertificate {
        /// The file.
        path: String,
        /// What rustls made of it.
        reason: String,
    },
    /// No private key in the key file (what is wrong with it is not said: it may be the key).
    #[error(
        "the TLS key file {path} holds no private key (a PEM block starting \
         -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY): name the \
         certificate's key, e.g. certbot's privkey.pem"
    )]
    NoKey {
        /// The file.
        path: String,
    },
    /// A key of a kind the hub cannot sign with.
    #[error(
        "the key in {path} cannot be used: the hub signs with RSA (2048 bits or more), \
         ECDSA P-256 or P-384, or Ed25519 keys"
    )]
    UnusableKey {
        /// The file.
        path: String,
    },
    /// A key that is not the certificate's.
    #[error(
        "the key in {key} does not belong to the certificate in {certificate}: install the \
         key the certificate was issued for (when both were renewed, check that neither \
         file is from an older renewal)"
    )]
    Mismatch {
        /// The key file.
        key: String,
        /// The certificate file.
        certificate: String,
    },
    /// rustls refused the server settings (a hub built without TLS 1.2 or 1.3).
    #[error("cannot set up TLS: {0}")]
    Setup(rustls::Error),
}

/// The hub's certificate: the one served, re-read from its files when they change. Serves
/// as rustls's certificate resolver, so each handshake takes the newest good one.
#[derive(Debug)]
pub struct HubCertificate {
    files: CertificateFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
    /// The files as they were when last read, well or not: a bad renewal is reported once,
    /// not at every look, and is read again as soon as either file changes.
    seen: Mutex<Stamp>,
}

/// What a look at the files did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Neither file changed.
    Unchanged,
    /// A new pair is served.
    Loaded,
    /// The files changed but do not load; the previous certificate is still served.
    Failed,
}

impl HubCertificate {
    /// Reads the pair; an error says which file is wrong and how.
    pub fn load(files: CertificateFiles) -> Result<Arc<Self>, TlsError> {
        // ring, as everywhere in Doorstep, named here rather than taken from the process
        // default so the hub never depends on who installed what first.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        // Taken before reading, so that a change while reading is read again next time.
        let stamp = Stamp::of(&files);
        let key = read_pair(&files, &provider)?;
        warn_if_key_shared(&files.key);
        Ok(Arc::new(Self {
            files,
            provider,
            current: RwLock::new(Arc::new(key)),
            seen: Mutex::new(stamp),
        }))
    }

    /// The files it is read from.
    pub fn files(&self) -> &CertificateFiles {
        &self.files
    }

    /// The certificate and key served now.
    pub fn current(&self) -> Arc<CertifiedKey> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Reads the files again if either changed since last read (or whatever the case, with
    /// `force`): a pair that loads is served from the next handshake on; one that does not
    /// is logged and the previous certificate kept. Blocking file I/O.
    pub fn refresh(&self, force: bool) -> Refresh {
        let stamp = Stamp::of(&self.files);
        {
            let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            if !force && *seen == stamp {
                return Refresh::Unchanged;
            }
            *seen = stamp;
        }
        match read_pair(&self.files, &self.provider) {
            Ok(key) => {
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(key);
                warn_if_key_shared(&self.files.key);
                tracing::info!(
                    certificate = %self.files.certificate.display(),
                    "TLS certificate loaded again; new connections get it"
                );
                Refresh::Loaded
            }
            Err(error) => {
                tracing::error!(
                    %error,
                    "the TLS certificate files changed but cannot be used: still serving the \
                     previous certificate"
                );
                Refresh::Failed
            }
        }
    }

    /// rustls's server settings over this certificate: TLS 1.2 and 1.3, ALPN `http/1.1`.
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<ServerConfig>, TlsError> {
        let mut config = ServerConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(TlsError::Setup)?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![ALPN_HTTP_1_1.to_vec()];
        Ok(Arc::new(config))
    }
}

impl ResolvesServerCert for HubCertificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// The task that keeps a [`HubCertificate`] fresh; it stops when this is dropped.
#[derive(Debug)]
pub struct Reloading {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Reloading {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Looks at the certificate's files every `every` (see [`RELOAD_EVERY`]) and reads them
/// again when they changed, and at once on SIGHUP (unix); until the answer is dropped.
/// Call inside the tokio runtime.
pub fn watch(certificate: Arc<HubCertificate>, every: Duration) -> Reloading {
    // Registered before the task starts, so a SIGHUP sent once this returns is never the
    // default one (which ends the process).
    let mut hangups = Hangups::new();
    let task = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is at once, and the files were just read.
        ticks.tick().await;
        loop {
            let force = tokio::select! {
                _ = ticks.tick() => false,
                () = hangups.next() => {
                    tracing::info!("SIGHUP: reading the TLS certificate files again");
                    true
                }
            };
            let certificate = Arc::clone(&certificate);
            if let Err(error) =
                tokio::task::spawn_blocking(move || certificate.refresh(force)).await
            {
                tracing::error!(%error, "reading the TLS certificate files again failed");
            }
        }
    });
    Reloading { task }
}

/// SIGHUPs, where there are any.
struct Hangups {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Hangups {
    fn new() -> Self {
        #[cfg(unix)]
        {
            let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                .map_err(|error| {
                    tracing::warn!(
                        %error,
                        "cannot listen for SIGHUP: the TLS certificate is still read again when its files change"
                    );
                })
                .ok();
            Self { signal }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// The next SIGHUP; never, without them.
    async fn next(&mut self) {
        #[cfg(unix)]
        if let Some(signal) = self.signal.as_mut() {
            if signal.recv().await.is_some() {
                return;
            }
            self.signal = None;
        }
        std::future::pending::<()>().await;
    }
}

/// Reads and checks a certificate chain and its key.
fn read_pair(
    files: &CertificateFiles,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, TlsError> {
    let certificate_path = files.certificate.display().to_string();
    let key_path = files.key.display().to_string();
    let chain_pem = read(&files.certificate, "certificate")?;
    let chain = CertificateDer::pem_slice_iter(&chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::CertificatePem {
            path: certificate_path.clone(),
            reason: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: certificate_path,
        });
    }
    let key_pem = read(&files.key, "key")?;
    // The PEM error is not shown: it can quote a line of the key file.
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| match e {
        pem::Error::Io(source) => TlsError::Read {
            what: "key",
            path: key_path.clone(),
            source,
        },
        _ => TlsError::NoKey {
            path: key_path.clone(),
        },
    })?;
    let signing_key =
        provider
            .key_provider
            .load_private_key(key)
            .map_err(|_| TlsError::UnusableKey {
                path: key_path.clone(),
            })?;
    let certified = CertifiedKey::new(chain, signing_key);
    match certified.keys_match() {
        // ring's keys all give their public key, so `Unknown` does not arise; were it to,
        // the handshake itself would fail, which the log would show.
        Ok(()) | Err(rustls::Error::InconsistentKeys(InconsistentKeys::Unknown)) => Ok(certified),
        Err(rustls::Error::InconsistentKeys(InconsistentKeys::KeyMismatch)) => {
            Err(TlsError::Mismatch {
                key: key_path,
                certificate: certificate_path,
            })
        }
        Err(other) => Err(TlsError::BadCertificate {
            path: certificate_path,
            reason: other.to_string(),
        }),
    }
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.display().to_string(),
        source,
    })
}

/// A key others on the machine can read is warned about, not refused: some set-ups share
/// it with a group on purpose (Debian's ssl-cert), and refusing would take the hub down at
/// the next renewal.
fn warn_if_key_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(path) {
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    key = %path.display(),
                    mode = %format!("{mode:o}"),
                    "the TLS key file can be read by other users of this machine: \
                     `chmod 600` it (owned by the hub's user, or root with the hub reading it as a credential)"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// What a file looked like when last read: a renewal changes at least one of these (a new
/// file behind certbot's symbolic link, or new contents).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
    #[cfg(unix)]
    inode: u64,
}

/// Both files' stamps; `None` for a file that cannot be looked at (being replaced, say).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    certificate: Option<FileStamp>,
    key: Option<FileStamp>,
}

impl Stamp {
    fn of(files: &CertificateFiles) -> Self {
        Self {
            certificate: FileStamp::of(&files.certificate),
            key: FileStamp::of(&files.key),
        }
    }
}

impl FileStamp {
    fn of(path: &Path) -> Option<Self> {
        // `metadata` follows symbolic links: certbot's live/ names link to archive/ files.
        let metadata = std::fs::metadata(path).ok()?;
        Some(Self {
            modified: metadata.modified().ok(),
            len: metadata.len(),
            #[cfg(unix)]
            inode: std::os::unix::fs::MetadataExt::ino(&metadata),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_a_pair_is_refused_with_what_is_missing() {
        let only_certificate = TlsSettings {
            certificate: Some("/etc/doorstep/fullchain.pem".into()),
            key: None,
        };
        let message = only_certificate.files().unwrap_err().to_string();
        assert!(
            message.contains("names a certificate but not its key"),
            "{message}"
        );
        let only_key = TlsSettings {
            certificate: None,
            key: Some("/etc/doorstep/key.pem".into()),
        };
        let message = only_key.files().unwrap_err().to_string();
        assert!(
            message.contains("names a key but not its certificate"),
            "{message}"
        );
        assert!(TlsSettings::default().files().is_err());
    }

    #[test]
    fn a_missing_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let files = CertificateFiles {
            certificate: dir.path().join("fullchain.pem"),
            key: dir.path().join("key.pem"),
        };
        let message = HubCertificate::load(files).unwrap_err().to_string();
        assert!(message.contains("fullchain.pem"), "{message}");
        assert!(
            message.starts_with("cannot read the TLS certificate file"),
            "{message}"
        );
    }

    #[test]
    fn a_stamp_changes_with_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pem");
        std::fs::write(&path, "one").unwrap();
        let before = FileStamp::of(&path);
        assert!(before.is_some());
        assert_eq!(before, FileStamp::of(&path));
        // Replaced the way certbot and editors do: a new file renamed over the old.
        let next = dir.path().join("b.pem");
        std::fs::write(&next, "two!").unwrap();
        std::fs::rename(&next, &path).unwrap();
        assert_ne!(before, FileStamp::of(&path));
        std::fs::remove_file(&path).unwrap();
        assert_eq!(FileStamp::of(&path), None);
    }
}

//! TLS at the hub itself: a client trusting the council's CA gets answers over TLS 1.3 and
//! 1.2, plain HTTP gets none, a certificate replaced on disk is served without a restart
//! (on the next look at the files, or at once on SIGHUP), a bad replacement leaves the old
//! one serving, and a bad pair at start stops the hub with a sentence naming the file.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use doorstep_hub::listener::ConnectionLimits;
use doorstep_hub::tls::{CertificateFiles, HubCertificate, Refresh, Reloading, TlsSettings};
use doorstep_hub::{AppState, HubConfig};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SerialNumber};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How often the test hubs look at their certificate files.
const QUICK: Duration = Duration::from_millis(100);

/// A test CA, the certificates it issues, and the folder the hub reads them from.
struct Pki {
    dir: tempfile::TempDir,
    ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// One certificate the CA issued, with its key, in PEM.
struct Issued {
    cert_pem: String,
    key_pem: String,
    der: CertificateDer<'static>,
}

impl Pki {
    fn new() -> Self {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Northshire test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        Self {
            dir: tempfile::tempdir().unwrap(),
            ca_pem: ca_cert.pem(),
            issuer: Issuer::new(ca_params, ca_key),
        }
    }

    /// A certificate for localhost and 127.0.0.1 named `name`, with its own serial.
    fn issue(&self, name: &str, serial: u64) -> Issued {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.serial_number = Some(SerialNumber::from(serial));
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Issued {
            cert_pem: format!("{}{}", cert.pem(), self.ca_pem),
            key_pem: key.serialize_pem(),
            der: cert.der().clone(),
        }
    }

    fn files(&self) -> CertificateFiles {
        CertificateFiles {
            certificate: self.dir.path().join("fullchain.pem"),
            key: self.dir.path().join("privkey.pem"),
        }
    }

    /// Puts a pair where the hub reads it, certificate first then key, as a renewal that
    /// is not atomic would (the hub may see the new certificate with the old key between).
    fn install(&self, issued: &Issued) {
        let files = self.files();
        write_replacing(&files.certificate, issued.cert_pem.as_bytes());
        write_replacing(&files.key, issued.key_pem.as_bytes());
    }

    fn client(&self) -> Arc<rustls::ClientConfig> {
        client_config(
            &self.ca_pem,
            &[&rustls::version::TLS13, &rustls::version::TLS12],
        )
    }
}

/// Writes a file under another name and renames it over the old, as certbot and editors do.
fn write_replacing(path: &Path, contents: &[u8]) {
    let next = path.with_extension("next");
    std::fs::write(&next, contents).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&next, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::rename(&next, path).unwrap();
}

fn client_config(
    ca_pem: &str,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    // A resumed session is not sent the certificate again (the client remembers the first
    // one): each connection here makes a full handshake, to see what the hub serves now.
    config.resumption = rustls::client::Resumption::disabled();
    Arc::new(config)
}

/// What a request over TLS found: the certificate the hub presented, the protocol
/// version and ALPN agreed, and the HTTP answer.
#[derive(Debug)]
struct Answer {
    certificate: CertificateDer<'static>,
    version: Option<rustls::ProtocolVersion>,
    alpn: Option<Vec<u8>>,
    http: String,
}

/// `GET path` on a new TLS connection to `addr`, checking the certificate against the CA.
async fn get_over_tls(
    addr: SocketAddr,
    client: Arc<rustls::ClientConfig>,
    path: &str,
) -> std::io::Result<Answer> {
    let tcp = TcpStream::connect(addr).await?;
    let connector = tokio_rustls::TlsConnector::from(client);
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = tokio::time::timeout(Duration::from_secs(10), connector.connect(name, tcp))
        .await
        .map_err(|_| std::io::Error::other("handshake timed out"))??;
    let (_, session) = tls.get_ref();
    let certificate = session
        .peer_certificates()
        .and_then(|chain| chain.first())
        .cloned()
        .ok_or_else(|| std::io::Error::other("no certificate"))?;
    let version = session.protocol_version();
    let alpn = session.alpn_protocol().map(<[u8]>::to_vec);
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut http = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut http))
        .await
        .map_err(|_| std::io::Error::other("answer timed out"))??;
    Ok(Answer {
        certificate,
        version,
        alpn,
        http: String::from_utf8_lossy(&http).into_owned(),
    })
}

/// Waits until a new connection is served `expected`, or fails after 10 s.
async fn wait_for_certificate(
    addr: SocketAddr,
    client: &Arc<rustls::ClientConfig>,
    expected: &CertificateDer<'_>,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = get_over_tls(addr, Arc::clone(client), "/v1/health")
            .await
            .unwrap();
        if answer.certificate == *expected {
            assert!(answer.http.starts_with("HTTP/1.1 200"), "{}", answer.http);
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the replaced certificate was not served within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A hub serving over TLS on a loopback port, its certificate read again every `every`.
struct TlsHub {
    addr: SocketAddr,
    certificate: Arc<HubCertificate>,
    _reloading: Reloading,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    _db: tempfile::TempDir,
}

impl TlsHub {
    async fn start(files: CertificateFiles, every: Duration, config: HubConfig) -> Self {
        let db = tempfile::tempdir().unwrap();
        let store = doorstep_hub::open(&format!("sqlite:{}", db.path().join("hub.db").display()))
            .await
            .unwrap();
        let certificate = HubCertificate::load(files).unwrap();
        let reloading = doorstep_hub::tls::watch(Arc::clone(&certificate), every);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(doorstep_hub::serve_with(
            listener,
            AppState::new(store, config),
            Some(Arc::clone(&certificate)),
            async {
                let _ = stopped.await;
            },
        ));
        Self {
            addr,
            certificate,
            _reloading: reloading,
            stop: Some(stop),
            task,
            _db: db,
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trusting_the_ca_is_answered_over_tls() {
    let pki = Pki::new();
    let first = pki.issue("hub.northshire.example", 1);
    pki.install(&first);
    let hub = TlsHub::start(pki.files(), QUICK, HubConfig::default()).await;

    let answer = get_over_tls(hub.addr, pki.client(), "/v1/health")
        .await
        .unwrap();
    assert!(answer.http.starts_with("HTTP/1.1 200"), "{}", answer.http);
    assert!(answer.http.contains("\"status\":\"ok\""), "{}", answer.http);
    assert_eq!(answer.certificate, first.der);
    assert_eq!(answer.version, Some(rustls::ProtocolVersion::TLSv1_3));
    assert_eq!(answer.alpn.as_deref(), Some(&b"http/1.1"[..]));

    let tls12 = client_config(&pki.ca_pem, &[&rustls::version::TLS12]);
    let answer = get_over_tls(hub.addr, tls12, "/v1/health").await.unwrap();
    assert!(answer.http.starts_with("HTTP/1.1 200"), "{}", answer.http);
    assert_eq!(answer.version, Some(rustls::ProtocolVersion::TLSv1_2));

    // A client that does not trust the council's CA does not get through.
    let stranger = Pki::new();
    assert!(
        get_over_tls(hub.addr, stranger.client(), "/v1/health")
            .await
            .is_err()
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_the_tls_port_gets_no_http_answer() {
    let pki = Pki::new();
    pki.install(&pki.issue("hub.northshire.example", 1));
    let hub = TlsHub::start(pki.files(), QUICK, HubConfig::default()).await;

    let mut tcp = TcpStream::connect(hub.addr).await.unwrap();
    tcp.write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    // The hub closes the connection (perhaps after a TLS alert): EOF or a reset, soon.
    let read = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut reply))
        .await
        .expect("the hub closes a plain HTTP connection");
    assert!(
        !reply.starts_with(b"HTTP/"),
        "plain HTTP got an HTTP answer ({read:?}): {}",
        String::from_utf8_lossy(&reply)
    );
    // And TLS clients are still served.
    let answer = get_over_tls(hub.addr, pki.client(), "/v1/health")
        .await
        .unwrap();
    assert!(answer.http.starts_with("HTTP/1.1 200"), "{}", answer.http);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_client_is_closed_at_the_time_limit_and_blocks_no_one() {
    let pki = Pki::new();
    pki.install(&pki.issue("hub.northshire.example", 1));
    let config = HubConfig {
        connections: ConnectionLimits {
            header_timeout_ms: 500,
            ..ConnectionLimits::default()
        },
        ..HubConfig::default()
    };
    let hub = TlsHub::start(pki.files(), QUICK, config).await;

    // Connects and never starts the handshake.
    let mut silent = TcpStream::connect(hub.addr).await.unwrap();
    // Meanwhile another client is served at once.
    let answer = get_over_tls(hub.addr, pki.client(), "/v1/health")
        .await
        .unwrap();
    assert!(answer.http.starts_with("HTTP/1.1 200"), "{}", answer.http);
    let mut nothing = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), silent.read_to_end(&mut nothing))
        .await
        .expect("the silent connection is closed after the handshake's time limit");
    assert!(
        closed.is_err() || nothing.is_empty(),
        "the silent connection got {nothing:?}"
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_certificate_is_served_without_a_restart() {
    let pki = Pki::new();
    let first = pki.issue("hub.northshire.example", 1);
    pki.install(&first);
    let hub = TlsHub::start(pki.files(), QUICK, HubConfig::default()).await;
    let client = pki.client();
    assert_eq!(
        get_over_tls(hub.addr, Arc::clone(&client), "/v1/health")
            .await
            .unwrap()
            .certificate,
        first.der
    );

    let renewed = pki.issue("hub2.northshire.example", 2);
    assert_ne!(renewed.der, first.der);
    pki.install(&renewed);
    wait_for_certificate(hub.addr, &client, &renewed.der).await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_renewal_keeps_the_old_certificate_serving() {
    let pki = Pki::new();
    let first = pki.issue("hub.northshire.example", 1);
    pki.install(&first);
    let hub = TlsHub::start(pki.files(), QUICK, HubConfig::default()).await;
    let client = pki.client();
    let files = pki.files();

    // Garbage in both files.
    write_replacing(&files.certificate, b"not a certificate at all");
    write_replacing(&files.key, b"nor a key");
    assert_eq!(hub.certificate.refresh(true), Refresh::Failed);
    // A certificate with another certificate's key.
    let other = pki.issue("other.northshire.example", 3);
    let stray = pki.issue("stray.northshire.example", 4);
    write_replacing(&files.certificate, other.cert_pem.as_bytes());
    write_replacing(&files.key, stray.key_pem.as_bytes());
    assert_eq!(hub.certificate.refresh(true), Refresh::Failed);
    // Several of the hub's own looks go by, and it still serves the first certificate.
    tokio::time::sleep(QUICK * 5).await;
    let answer = get_over_tls(hub.addr, Arc::clone(&client), "/v1/health")
        .await
        .unwrap();
    assert_eq!(answer.certificate, first.der);
    assert!(answer.http.starts_with("HTTP/1.1 200"), "{}", answer.http);
    // Unchanged files are not read again (a bad renewal is reported once).
    assert_eq!(hub.certificate.refresh(false), Refresh::Unchanged);

    // The renewal put right is served.
    let fixed = pki.issue("hub.northshire.example", 5);
    pki.install(&fixed);
    wait_for_certificate(hub.addr, &client, &fixed.der).await;
    hub.stop().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reads_the_files_at_once() {
    let pki = Pki::new();
    let first = pki.issue("hub.northshire.example", 1);
    pki.install(&first);
    // Looks at the files only hourly: only SIGHUP can bring the new certificate in time.
    let hub = TlsHub::start(pki.files(), Duration::from_secs(3600), HubConfig::default()).await;
    let renewed = pki.issue("hub.northshire.example", 2);
    pki.install(&renewed);
    let client = pki.client();
    assert_eq!(
        get_over_tls(hub.addr, Arc::clone(&client), "/v1/health")
            .await
            .unwrap()
            .certificate,
        first.der
    );
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    wait_for_certificate(hub.addr, &client, &renewed.der).await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reads_tls_from_the_settings() {
    let pki = Pki::new();
    let issued = pki.issue("hub.northshire.example", 1);
    pki.install(&issued);
    let files = pki.files();
    let config = HubConfig {
        tls: Some(TlsSettings {
            certificate: Some(files.certificate.clone()),
            key: Some(files.key.clone()),
        }),
        ..HubConfig::default()
    };
    let db = tempfile::tempdir().unwrap();
    let store = doorstep_hub::open(&format!("sqlite:{}", db.path().join("hub.db").display()))
        .await
        .unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(doorstep_hub::serve(
        listener,
        AppState::new(store.clone(), config.clone()),
        async {
            let _ = stopped.await;
        },
    ));
    let answer = get_over_tls(addr, pki.client(), "/v1/health")
        .await
        .unwrap();
    assert_eq!(answer.certificate, issued.der);
    assert!(answer.http.starts_with("HTTP/1.1 200"), "{}", answer.http);
    let _ = stop.send(());
    served.await.unwrap().unwrap();

    // With a key that is not the certificate's, `serve` stops before serving anything.
    write_replacing(&files.key, pki.issue("stray", 2).key_pem.as_bytes());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let refused = doorstep_hub::serve(listener, AppState::new(store, config), async {})
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("does not belong to the certificate"),
        "{refused}"
    );
}

#[test]
fn a_bad_pair_at_start_is_refused_naming_the_file() {
    let pki = Pki::new();
    let files = pki.files();
    let good = pki.issue("hub.northshire.example", 1);
    let refusal =
        |files: &CertificateFiles| HubCertificate::load(files.clone()).unwrap_err().to_string();

    // No files yet.
    let message = refusal(&files);
    assert!(
        message.contains("cannot read the TLS certificate file")
            && message.contains(&files.certificate.display().to_string()),
        "{message}"
    );

    // A key that does not belong to the certificate.
    write_replacing(&files.certificate, good.cert_pem.as_bytes());
    write_replacing(&files.key, pki.issue("stray", 2).key_pem.as_bytes());
    assert_eq!(
        refusal(&files),
        format!(
            "the key in {} does not belong to the certificate in {}: install the key the \
             certificate was issued for (when both were renewed, check that neither file is \
             from an older renewal)",
            files.key.display(),
            files.certificate.display()
        )
    );

    // Garbage where the key should be; the message does not repeat it.
    write_replacing(
        &files.key,
        b"-----BEGIN PRIVATE KEY-----\nc2VjcmV0IGtleSBtYXRlcmlhbA==\n",
    );
    let message = refusal(&files);
    assert!(message.contains("holds no private key"), "{message}");
    assert!(
        message.contains(&files.key.display().to_string()),
        "{message}"
    );
    assert!(!message.contains("c2VjcmV0"), "{message}");

    // The key given as the certificate.
    write_replacing(&files.certificate, good.key_pem.as_bytes());
    write_replacing(&files.key, good.key_pem.as_bytes());
    let message = refusal(&files);
    assert!(message.contains("holds no certificate"), "{message}");

    // A certificate block that is not a certificate.
    write_replacing(
        &files.certificate,
        b"-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n",
    );
    let message = refusal(&files);
    assert!(
        message.starts_with(&format!(
            "the first certificate in {} is not a certificate the hub can use",
            files.certificate.display()
        )),
        "{message}"
    );

    // Half a pair in the settings.
    let half = HubConfig::from_toml(&format!(
        "[tls]\nkey = {:?}\n",
        files.key.display().to_string()
    ))
    .unwrap();
    let message = half.check().unwrap_err();
    assert!(
        message.contains("names a key but not its certificate"),
        "{message}"
    );
}

/// The binary itself: half a pair in the environment and a bad pair are refused with a
/// sentence before anything is opened; a good pair is served, announced as https://.
#[test]
fn the_binary_refuses_a_bad_pair_and_announces_https() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    const HUB: &str = env!("CARGO_BIN_EXE_doorstep-hub");
    let pki = Pki::new();
    let files = pki.files();
    let good = pki.issue("hub.northshire.example", 1);
    pki.install(&good);
    let db = tempfile::tempdir().unwrap();
    let hub = |cert: Option<&Path>, key: Option<&Path>| {
        let mut command = Command::new(HUB);
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env(
                "DATABASE_URL",
                format!("sqlite:{}", db.path().join("hub.db").display()),
            )
            .env("RUST_LOG", "info")
            .env_remove("DOORSTEP_HUB_CONFIG")
            .env_remove("DOORSTEP_HUB_PUBLIC_URL")
            .env_remove("DOORSTEP_HUB_TLS_CERT")
            .env_remove("DOORSTEP_HUB_TLS_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(cert) = cert {
            command.env("DOORSTEP_HUB_TLS_CERT", cert);
        }
        if let Some(key) = key {
            command.env("DOORSTEP_HUB_TLS_KEY", key);
        }
        command
    };

    let out = hub(Some(&files.certificate), None).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DOORSTEP_HUB_TLS_CERT is set but DOORSTEP_HUB_TLS_KEY is not"),
        "{stderr}"
    );

    let stray = pki.dir.path().join("stray.pem");
    write_replacing(&stray, pki.issue("stray", 2).key_pem.as_bytes());
    let out = hub(Some(&files.certificate), Some(&stray))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "the key in {} does not belong to the certificate in {}",
            stray.display(),
            files.certificate.display()
        )),
        "{stderr}"
    );
    assert!(
        !db.path().join("hub.db").exists(),
        "nothing is opened before the certificate is checked"
    );

    // A good pair: the hub says where it listens, over https, and answers there.
    let mut child = hub(Some(&files.certificate), Some(&files.key))
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufReader::new(stderr).lines();
    let listening = loop {
        let line = lines
            .next()
            .expect("the hub logs where it listens")
            .unwrap();
        if line.contains("doorstep-hub listening") {
            break line;
        }
    };
    let url = listening
        .split_whitespace()
        .find_map(|word| word.strip_prefix("address="))
        .unwrap_or_else(|| panic!("no address in {listening:?}"))
        .to_owned();
    let addr: SocketAddr = url
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("not https: {listening:?}"))
        .parse()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = runtime.block_on(get_over_tls(addr, pki.client(), "/v1/health"));
    let _ = child.kill();
    let _ = child.wait();
    let answer = answer.unwrap();
    assert_eq!(answer.certificate, good.der);
    assert!(answer.http.starts_with("HTTP/1.1 200"), "{}", answer.http);
}

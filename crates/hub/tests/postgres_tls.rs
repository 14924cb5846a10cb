//! The PostgreSQL backend over TLS, against a throw-away server of the test's own: `ssl=on`
//! with a certificate for `localhost` only (no IP address) signed by a test CA, and a
//! pg_hba.conf that refuses every plaintext TCP connection (`tests/support/pg.rs`,
//! `ssl_cluster`). It needs PostgreSQL's `initdb`; without one the tests fail and say so.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

#[path = "support/pg.rs"]
#[allow(
    dead_code,
    reason = "these tests start their own server, not the shared one"
)]
mod pg;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio_postgres::NoTls;

/// The server and the files a URL names.
struct Server {
    cluster: pg::Cluster,
    /// The CA that signed the server's certificate.
    ca: PathBuf,
    /// A CA that has nothing to do with the server.
    other_ca: PathBuf,
}

/// A CA certificate (PEM) and the issuer to sign with.
fn ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), Issuer::new(params, key))
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let (ca_pem, issuer) = ca("Doorstep test CA");
        let (other_pem, _) = ca("Someone else's CA");
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        let cluster = pg::ssl_cluster(&cert.pem(), &key.serialize_pem()).unwrap_or_else(|e| {
            panic!(
                "these tests start a PostgreSQL server with TLS of their own and could not: {e}. \
                 Install PostgreSQL (`scripts/setup` does: package `postgresql`)."
            )
        });
        // The cluster's folder is deleted with the cluster when the process ends.
        let ca = cluster.socket_dir.join("ca.pem");
        let other_ca = cluster.socket_dir.join("other-ca.pem");
        std::fs::write(&ca, ca_pem).unwrap();
        std::fs::write(&other_ca, other_pem).unwrap();
        Server {
            cluster,
            ca,
            other_ca,
        }
    })
}

/// A plain connection over the server's Unix socket, which pg_hba.conf trusts.
async fn admin(database: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::Config::new()
        .host_path(&server().cluster.socket_dir)
        .port(server().cluster.port)
        .user("postgres")
        .dbname(database)
        .connect(NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// A fresh database for one test.
async fn database() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!("hub_tls_{}", NEXT.fetch_add(1, Ordering::Relaxed));
    admin("postgres")
        .await
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    name
}

/// A URL to the test server with a password (trust authentication ignores it), so every
/// message can be checked for not showing it.
fn url(host: &str, database: &str, query: &str) -> String {
    format!(
        "postgres://postgres:s3cret@{host}:{}/{database}?{query}",
        server().cluster.port
    )
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The store's refusal, checked for the password.
async fn refusal(url: &str) -> String {
    let Err(e) = doorstep_hub::open(url).await else {
        panic!("{url} connected");
    };
    let e = e.to_string();
    assert!(!e.contains("s3cret"), "the password shows: {e}");
    e
}

/// The store's connections to `database` as the server sees them: how many, and whether
/// every one of them is over TLS.
async fn connections_over_tls(database: &str) -> (i64, bool) {
    let row = admin("postgres")
        .await
        .query_one(
            "SELECT count(*), coalesce(bool_and(s.ssl), false)
             FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE a.datname = $1 AND a.client_addr IS NOT NULL",
            &[&database],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_connects_over_tls_and_the_store_works() {
    let db = database().await;
    let ca = server().ca.display().to_string();
    let store = doorstep_hub::open(&url(
        "localhost",
        &db,
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await
    .unwrap();
    let org = store.create_org("Testshire council", now()).await.unwrap();
    store
        .add_team(&org, "Burglary reduction", now())
        .await
        .unwrap();
    assert!(store.backend().contains("postgres:***@localhost"));

    let (connections, all_tls) = connections_over_tls(&db).await;
    assert!(connections >= 1, "no connection from the store");
    assert!(all_tls, "a connection from the store is not over TLS");
    let orgs: i64 = admin(&db)
        .await
        .query_one("SELECT count(*) FROM organisations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(orgs, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naming_a_ca_without_sslmode_means_verify_full_even_on_this_machine() {
    let db = database().await;
    let ca = server().ca.display().to_string();
    let store = doorstep_hub::open(&url("localhost", &db, &format!("sslrootcert={ca}")))
        .await
        .unwrap();
    store.create_org("Testshire council", now()).await.unwrap();
    assert!(connections_over_tls(&db).await.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_from_another_ca_is_refused_with_a_sentence() {
    let other = server().other_ca.display().to_string();
    let e = refusal(&url(
        "localhost",
        "postgres",
        &format!("sslmode=verify-full&sslrootcert={other}"),
    ))
    .await;
    assert!(
        e.contains(&format!(
            "presented a certificate that sslrootcert {other} does not vouch for"
        )),
        "{e}"
    );
    assert!(
        e.contains("PostgreSQL at postgres://postgres:***@localhost"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_refuses_a_name_the_certificate_lacks_and_verify_ca_accepts_it() {
    let ca = server().ca.display().to_string();
    // The certificate is for localhost, not for the address 127.0.0.1.
    let e = refusal(&url(
        "127.0.0.1",
        "postgres",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await;
    assert!(
        e.contains("presented a certificate for another name than the URL's host"),
        "{e}"
    );
    assert!(e.contains("sslmode=verify-ca"), "{e}");

    let db = database().await;
    let store = doorstep_hub::open(&url(
        "127.0.0.1",
        &db,
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
    ))
    .await
    .unwrap();
    store.create_org("Testshire council", now()).await.unwrap();
    assert!(connections_over_tls(&db).await.1);

    // verify-ca still checks whose certificate it is.
    let other = server().other_ca.display().to_string();
    let e = refusal(&url(
        "127.0.0.1",
        "postgres",
        &format!("sslmode=verify-ca&sslrootcert={other}"),
    ))
    .await;
    assert!(e.contains("does not vouch for"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_is_refused_before_connecting() {
    let ca = server().ca.display().to_string();
    for mode in ["require", "prefer", "allow"] {
        let e = refusal(&url(
            "localhost",
            "postgres",
            &format!("sslmode={mode}&sslrootcert={ca}"),
        ))
        .await;
        assert!(
            e.contains(&format!("sslmode={mode}"))
                && e.contains("use sslmode=verify-full (or verify-ca) with sslrootcert="),
            "{e}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refuses_plaintext() {
    // The test is only worth something if plaintext really is refused: straight from the
    // driver, then through the store (loopback with no sslmode, and sslmode=disable).
    let plain = tokio_postgres::connect(
        &format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=disable",
            server().cluster.port
        ),
        NoTls,
    )
    .await;
    let Err(e) = plain else {
        panic!("a plaintext connection was let in");
    };
    let db = e.as_db_error().map(|d| d.message().to_owned());
    assert!(
        db.as_deref().is_some_and(|m| m.contains("no encryption")),
        "{e:?}"
    );
    for query in ["", "sslmode=disable"] {
        let e = refusal(&url("127.0.0.1", "postgres", query)).await;
        assert!(e.contains("no encryption"), "{query}: {e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_logs_in_where_the_server_asks_for_one() {
    use std::os::unix::fs::PermissionsExt;
    let (ca_pem, issuer) = ca("Doorstep test CA");
    let (client_ca_pem, client_issuer) = ca("Doorstep clients CA");
    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    // pg_hba.conf's `cert` logs in the user the certificate's common name names.
    let client_key = KeyPair::generate().unwrap();
    let mut client = CertificateParams::new(Vec::<String>::new()).unwrap();
    client
        .distinguished_name
        .push(DnType::CommonName, "postgres");
    let client_cert = client.signed_by(&client_key, &client_issuer).unwrap();
    let cluster = pg::ssl_cluster_with_client_certs(
        &server_cert.pem(),
        &server_key.serialize_pem(),
        &client_ca_pem,
    )
    .unwrap_or_else(|e| panic!("could not start a PostgreSQL server with TLS: {e}"));

    let dir = tempfile::tempdir().unwrap();
    let put = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path.display().to_string()
    };
    let ca = put("ca.pem", &ca_pem);
    let cert = put("client.pem", &client_cert.pem());
    let key = put("client.key", &client_key.serialize_pem());
    let base = format!(
        "postgres://postgres:s3cret@localhost:{}/postgres?sslmode=verify-full&sslrootcert={ca}",
        cluster.port
    );

    let e = refusal(&base).await;
    assert!(e.contains("client certificate"), "{e}");

    let store = doorstep_hub::open(&format!("{base}&sslcert={cert}&sslkey={key}"))
        .await
        .unwrap();
    store.create_org("Testshire council", now()).await.unwrap();
}

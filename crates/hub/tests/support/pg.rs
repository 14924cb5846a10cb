//! Where the PostgreSQL tests and benchmarks get an admin connection: one answer per process.
//!
//! 1. `DOORSTEP_HUB_TEST_POSTGRES` when it is set (an admin URL; used as given, even when
//!    it does not answer, so a mistyped URL fails loudly instead of being papered over);
//! 2. else `postgres://postgres@127.0.0.1:5432/postgres` when it lets user postgres in
//!    without a password (checked with `psql`);
//! 3. else a throw-away cluster of this process's own: `initdb` in a temporary folder
//!    (trust authentication), started on a free loopback port, stopped and deleted when
//!    the process ends, however it ends.
//!
//! [`ssl_cluster`] starts a throw-away cluster that takes TCP connections over TLS only, for
//! the TLS tests (`tests/postgres_tls.rs`).
//!
//! Used by `tests/support/mod.rs` and, through `#[path]`, by the benches, so there is one
//! way to find PostgreSQL. It needs std, `tempfile` and the hub's own way to find PostgreSQL's
//! programs.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The environment variable naming an admin URL to use instead of finding one.
pub const ENV: &str = "DOORSTEP_HUB_TEST_POSTGRES";

/// Where our machines (and Debian's `postgresql` package) run PostgreSQL.
pub const DEFAULT_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The admin URL for this process: see the module's documentation. Err says why there is
/// none (no PostgreSQL reachable and none could be started).
pub fn admin_url() -> Result<&'static str, &'static str> {
    static URL: OnceLock<Result<String, String>> = OnceLock::new();
    URL.get_or_init(find)
        .as_ref()
        .map(String::as_str)
        .map_err(String::as_str)
}

fn find() -> Result<String, String> {
    if let Ok(url) = std::env::var(ENV) {
        return Ok(url);
    }
    let default: SocketAddr = ([127, 0, 0, 1], 5432).into();
    let listening = TcpStream::connect_timeout(&default, Duration::from_secs(1)).is_ok();
    // Debian's own cluster asks for a password over TCP until someone sets trust: then it
    // is there but not ours to use, and a throw-away cluster is the way.
    if listening && admits_postgres_without_password() {
        return Ok(DEFAULT_ADMIN.to_owned());
    }
    let seen = if listening {
        "PostgreSQL at 127.0.0.1:5432 refuses user postgres without a password"
    } else {
        "no PostgreSQL at 127.0.0.1:5432"
    };
    throw_away_cluster().map_err(|e| {
        format!(
            "{seen}, and no throw-away cluster could be started: {e}. Install PostgreSQL \
             (`scripts/setup` does: package `postgresql`), or point {ENV} at an admin URL \
             where user postgres may create databases."
        )
    })
}

/// Whether `psql` can run a query on the default server as user postgres with no password.
/// Without `psql` there is no telling: assume it can, as before.
fn admits_postgres_without_password() -> bool {
    let psql = postgres_bin()
        .map(|bin| bin.join("psql"))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("psql"));
    match Command::new(psql)
        .args([
            "--no-password",
            "--quiet",
            "--tuples-only",
            "--command=SELECT 1",
        ])
        .arg(DEFAULT_ADMIN)
        .env("PGCONNECT_TIMEOUT", "5")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(status) => status.success(),
        Err(_) => true,
    }
}

/// Keeps each cleaner's stdin open for the life of the process (statics are never dropped).
/// When the process exits, or is killed, the kernel closes it and the cleaner stops its
/// cluster and deletes its folder.
static CLEANERS: Mutex<Vec<(Child, ChildStdin)>> = Mutex::new(Vec::new());

fn throw_away_cluster() -> Result<String, String> {
    let cluster = start_cluster("", |_, _| Ok(()))?;
    Ok(format!(
        "postgres://postgres@127.0.0.1:{}/postgres",
        cluster.port
    ))
}

/// A throw-away cluster of this process's own, stopped and deleted when the process ends.
#[derive(Debug)]
#[allow(
    dead_code,
    reason = "the benches include this file and read only the port"
)]
pub struct Cluster {
    /// Its TCP port on 127.0.0.1.
    pub port: u16,
    /// The folder of its Unix socket (trust authentication, no TLS).
    pub socket_dir: PathBuf,
}

/// A throw-away cluster that speaks TLS with this certificate (chain) and key, both PEM, and
/// takes TCP connections only over TLS: pg_hba.conf has `hostssl … trust` and `hostnossl …
/// reject`, so a plaintext connection is provably refused. Its Unix socket stays plain and
/// trusted, for looking at the server from outside (`pg_stat_ssl`).
#[allow(
    dead_code,
    reason = "the benches include this file and start no TLS cluster"
)]
pub fn ssl_cluster(cert_pem: &str, key_pem: &str) -> Result<Cluster, String> {
    tls_cluster(cert_pem, key_pem, None)
}

/// As [`ssl_cluster`], but a TCP connection must also present a client certificate that
/// `client_ca_pem` signed, for the user its common name names (pg_hba.conf `cert`).
#[allow(
    dead_code,
    reason = "the benches include this file and start no TLS cluster"
)]
pub fn ssl_cluster_with_client_certs(
    cert_pem: &str,
    key_pem: &str,
    client_ca_pem: &str,
) -> Result<Cluster, String> {
    tls_cluster(cert_pem, key_pem, Some(client_ca_pem))
}

#[allow(
    dead_code,
    reason = "the benches include this file and start no TLS cluster"
)]
fn tls_cluster(
    cert_pem: &str,
    key_pem: &str,
    client_ca_pem: Option<&str>,
) -> Result<Cluster, String> {
    let mut options = "-c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key".to_owned();
    if client_ca_pem.is_some() {
        options.push_str(" -c ssl_ca_file=client-ca.crt");
    }
    let method = if client_ca_pem.is_some() {
        "cert"
    } else {
        "trust"
    };
    start_cluster(&options, |data, run_as| {
        let write = |name: &str, text: &str| -> Result<(), String> {
            use std::os::unix::fs::PermissionsExt;
            let path = data.join(name);
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            // The server refuses a key anyone but its owner may read.
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| format!("chmod {}: {e}", path.display()))?;
            if let Some(user) = run_as {
                run(Command::new("chown").arg(user).arg(&path), "chown")?;
            }
            Ok(())
        };
        write("server.crt", cert_pem)?;
        write("server.key", key_pem)?;
        if let Some(ca) = client_ca_pem {
            write("client-ca.crt", ca)?;
        }
        write(
            "pg_hba.conf",
            &format!(
                "local all all trust\n\
                 hostssl all all 127.0.0.1/32 {method}\n\
                 hostnossl all all 0.0.0.0/0 reject\n"
            ),
        )
    })
}

/// `initdb` in a temporary folder (trust authentication), `prepare(data folder, user the
/// server runs as)` to change its files, then started on a free loopback port with `options`.
fn start_cluster(
    options: &str,
    prepare: impl FnOnce(&Path, Option<&str>) -> Result<(), String>,
) -> Result<Cluster, String> {
    let bin = postgres_bin()
        .ok_or("initdb and pg_ctl not found (looked in /usr/lib/postgresql/*/bin and on PATH)")?;
    let initdb = bin.join("initdb");
    let pg_ctl = bin.join("pg_ctl");
    // initdb refuses to run as root: run the server as a system user that may own files.
    let run_as = if is_root() {
        Some(unprivileged_user()?)
    } else {
        None
    };

    let dir = tempfile::Builder::new()
        .prefix("doorstep-pg-")
        .tempdir()
        .map_err(|e| format!("temporary folder: {e}"))?
        .keep();
    // From here on the cleaner owns the folder: started first, so a failure below still
    // leaves nothing behind once the process ends.
    start_cleaner(&pg_ctl, &dir, run_as)?;
    if let Some(user) = run_as {
        run(Command::new("chown").arg(user).arg(&dir), "chown")?;
    }
    let data = dir.join("data");
    run(
        as_user(run_as, &initdb)
            .args(["--auth=trust", "--username=postgres", "--encoding=UTF8"])
            .args(["--locale=C", "--no-sync", "--pgdata"])
            .arg(&data),
        "initdb",
    )?;
    prepare(&data, run_as)?;
    let port = free_port()?;
    let options = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off {options}",
        dir.display()
    );
    let started = as_user(run_as, &pg_ctl)
        .args(["start", "--wait", "--timeout=60", "--silent", "--pgdata"])
        .arg(&data)
        .arg("--log")
        .arg(dir.join("server.log"))
        .args(["-o", &options])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("pg_ctl: {e}"))?;
    if !started.success() {
        let mut log = String::new();
        let _ = std::fs::File::open(dir.join("server.log"))
            .and_then(|mut f| f.read_to_string(&mut log));
        return Err(format!(
            "pg_ctl start failed ({started}); server log:\n{log}"
        ));
    }
    Ok(Cluster {
        port,
        socket_dir: dir,
    })
}

/// A shell that waits for end-of-file on its stdin (which only this process holds), then
/// stops the cluster and deletes the folder. It ignores the terminal's signals and has its
/// own process group, so Ctrl-C on the tests still lets it clean up.
fn start_cleaner(pg_ctl: &Path, dir: &Path, run_as: Option<&str>) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let stop = match run_as {
        Some(user) => format!("runuser -u {user} -- \"$1\" stop -m fast -w -D \"$2/data\""),
        None => "\"$1\" stop -m fast -w -D \"$2/data\"".to_owned(),
    };
    let script = format!(
        "trap '' INT TERM HUP; cat >/dev/null; \
         if [ -f \"$2/data/postmaster.pid\" ]; then {stop} >/dev/null 2>&1; fi; rm -rf \"$2\""
    );
    let mut child = Command::new("sh")
        .args(["-c", &script, "doorstep-pg-cleaner"])
        .arg(pg_ctl)
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cleaner: {e}"))?;
    let stdin = child.stdin.take().ok_or("cleaner: no stdin")?;
    CLEANERS
        .lock()
        .map_err(|_| "cleaners: poisoned".to_owned())?
        .push((child, stdin));
    Ok(())
}

/// The newest PostgreSQL's binaries: the folder holding `initdb`, as the hub finds its
/// PostgreSQL programs (Debian's versioned folders first, then PATH), with `pg_ctl` beside it.
fn postgres_bin() -> Option<PathBuf> {
    let bin = doorstep_hub::backup::postgres::program("initdb")?
        .parent()?
        .to_path_buf();
    bin.join("pg_ctl").is_file().then_some(bin)
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// `postgres` (made by Debian's package) or, failing that, `nobody`.
fn unprivileged_user() -> Result<&'static str, String> {
    ["postgres", "nobody"]
        .into_iter()
        .find(|user| {
            Command::new("id")
                .arg(user)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .ok_or_else(|| "running as root, and no user postgres or nobody to run initdb as".into())
}

fn as_user(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(user) => {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--"]).arg(program);
            command
        }
        None => Command::new(program),
    }
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// A port nothing listens on now (the kernel's pick; PostgreSQL binds it a moment later).
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("free port: {e}"))
}

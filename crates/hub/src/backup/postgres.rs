//! PostgreSQL's backup: `pg_dump --format=custom` (one consistent snapshot, as PostgreSQL
//! documents) streamed straight into the encrypted backup, and `pg_restore` in a single
//! transaction, fed from the backup once it has been read through and checked. Neither
//! ever writes the data to disk in plain.
//!
//! The tools get the same URL the hub uses (libpq reads `sslmode`, `sslrootcert`, `sslcert`
//! and `sslkey` as the hub does), with the password moved out of the command line, where
//! other users of the machine could read it, into `PGPASSWORD`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{Backend, BackupError, BackupWriter, Header, Restored};

/// Writes a backup of the PostgreSQL database at `url` to `to`; returns its size in bytes.
pub async fn backup(
    url: &str,
    to: &Path,
    recipients: &[age::x25519::Recipient],
) -> Result<u64, BackupError> {
    let target = crate::postgres::PgStore::peek(url).await?;
    let hub = target.hub.ok_or_else(|| {
        BackupError::Tool(format!(
            "{} is not a Doorstep hub database (it has no hub identity)",
            crate::store::redact_url(url)
        ))
    })?;
    let header = Header {
        format: super::FORMAT.to_owned(),
        version: super::VERSION,
        hub,
        backend: Backend::Postgres,
        created_at: super::now_ms(),
        snapshot_key: None,
    };
    let (url, to, recipients) = (url.to_owned(), to.to_owned(), recipients.to_vec());
    tokio::task::spawn_blocking(move || dump(&url, &to, &recipients, &header))
        .await
        .map_err(|e| BackupError::Tool(e.to_string()))?
}

fn dump(
    url: &str,
    to: &Path,
    recipients: &[age::x25519::Recipient],
    header: &Header,
) -> Result<u64, BackupError> {
    let mut writer = BackupWriter::create(to, recipients, header)?;
    let mut child = tool("pg_dump", url)?
        .args(["--format=custom", "--no-owner", "--no-privileges"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| BackupError::Tool(format!("cannot run pg_dump: {e}")))?;
    let errors = collect_stderr(&mut child);
    let copied = match child.stdout.take() {
        Some(mut out) => writer.copy_from(&mut out).map(drop),
        None => Err(BackupError::Tool("pg_dump gave no output".to_owned())),
    };
    let status = child
        .wait()
        .map_err(|e| BackupError::Tool(format!("pg_dump: {e}")))?;
    let stderr = errors.join().unwrap_or_default();
    if !status.success() {
        return Err(BackupError::Tool(format!(
            "pg_dump failed ({status}): {}; no backup was written",
            stderr.trim()
        )));
    }
    copied?;
    writer.finish()
}

/// Restores the backup at `from` into the PostgreSQL database at `url`, in one transaction.
pub async fn restore(
    url: &str,
    from: &Path,
    identity: &age::x25519::Identity,
) -> Result<Restored, BackupError> {
    let (path, key) = (from.to_owned(), identity.clone());
    let header = tokio::task::spawn_blocking(move || super::verify(&path, &key))
        .await
        .map_err(|e| BackupError::Tool(e.to_string()))??;
    super::expect_backend(from, &header, Backend::Postgres)?;
    crate::postgres::PgStore::peek(url).await?.check(&header)?;
    let (url, from, identity) = (url.to_owned(), from.to_owned(), identity.clone());
    let loading = url.clone();
    tokio::task::spawn_blocking(move || load(&loading, &from, &identity))
        .await
        .map_err(|e| BackupError::Tool(e.to_string()))??;
    crate::postgres::PgStore::after_restore(&url).await?;
    Ok(Restored { header })
}

fn load(url: &str, from: &Path, identity: &age::x25519::Identity) -> Result<(), BackupError> {
    let (_, mut payload) = super::open(from, identity)?;
    // --clean --if-exists drops what the archive recreates; --single-transaction makes a
    // failure anywhere leave the database as it was.
    let mut child = tool("pg_restore", url)?
        .args([
            "--single-transaction",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| BackupError::Tool(format!("cannot run pg_restore: {e}")))?;
    let errors = collect_stderr(&mut child);
    let fed = match child.stdin.take() {
        Some(mut input) => {
            let fed = super::copy_payload(from, &mut payload, &mut input);
            // Closing stdin tells pg_restore the archive is complete.
            drop(input);
            fed.map(drop)
        }
        None => Err(BackupError::Tool("pg_restore took no input".to_owned())),
    };
    if fed.is_err() {
        // A damaged stream: stop pg_restore before it could commit anything.
        let _ = child.kill();
    }
    let status = child
        .wait()
        .map_err(|e| BackupError::Tool(format!("pg_restore: {e}")))?;
    let stderr = errors.join().unwrap_or_default();
    fed?;
    if !status.success() {
        return Err(BackupError::Tool(format!(
            "pg_restore failed ({status}): {}; it ran in one transaction, so the database was not changed",
            stderr.trim()
        )));
    }
    Ok(())
}

/// `pg_dump` or `pg_restore` for `url` ([`program`]), with the password in the environment.
fn tool(name: &str, url: &str) -> Result<Command, BackupError> {
    let program = program(name).ok_or_else(|| {
        BackupError::Tool(format!(
            "{name} was not found: install PostgreSQL's client programs (Debian: package postgresql-client) at the server's version or newer"
        ))
    })?;
    let (url, password) = split_password(url);
    let mut command = Command::new(program);
    command.arg("--dbname").arg(url);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    Ok(command)
}

/// A PostgreSQL program: the newest in Debian's /usr/lib/postgresql/*/bin first (the
/// versioned folders hold every tool, the server's included), else on PATH. The tests'
/// throw-away clusters find `initdb` and `pg_ctl` the same way.
pub fn program(name: &str) -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let program = e.path().join("bin").join(name);
            program.is_file().then_some((version, program))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, program)| program).or_else(|| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// The URL without its password, and the password.
fn split_password(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return (url.to_owned(), None);
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?'])
        .map_or(url.len(), |i| scheme_end + i);
    let Some(at) = url[scheme_end..authority_end]
        .rfind('@')
        .map(|i| scheme_end + i)
    else {
        return (url.to_owned(), None);
    };
    match url[scheme_end..at].find(':').map(|i| scheme_end + i) {
        Some(colon) => {
            let password = percent_encoding::percent_decode_str(&url[colon + 1..at])
                .decode_utf8_lossy()
                .into_owned();
            (format!("{}{}", &url[..colon], &url[at..]), Some(password))
        }
        None => (url.to_owned(), None),
    }
}

/// Reads a child's stderr on a thread of its own, so a chatty tool never blocks on a full
/// pipe while its stdout is being read.
fn collect_stderr(child: &mut std::process::Child) -> std::thread::JoinHandle<String> {
    let stderr = child.stderr.take();
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_string(&mut text);
        }
        // Enough to say what went wrong; a long tail could quote rows.
        text.chars().take(2000).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::split_password;

    #[rstest::rstest]
    #[case(
        "postgres://hub:s3cret@db.example:5432/hub?sslmode=verify-full",
        "postgres://hub@db.example:5432/hub?sslmode=verify-full",
        Some("s3cret")
    )]
    #[case("postgres://hub:p%40ss@db/hub", "postgres://hub@db/hub", Some("p@ss"))]
    #[case("postgres://hub@db/hub", "postgres://hub@db/hub", None)]
    #[case("postgres://db/hub?x=a@b", "postgres://db/hub?x=a@b", None)]
    fn the_password_leaves_the_command_line(
        #[case] url: &str,
        #[case] without: &str,
        #[case] password: Option<&str>,
    ) {
        assert_eq!(
            split_password(url),
            (without.to_owned(), password.map(str::to_owned))
        );
    }
}

//! `doorstep-hub`: the council's sync server, and the admin commands that set it up.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use doorstep_hub::backup;
use doorstep_hub::config::{DEFAULT_DATABASE, DEFAULT_LISTEN};
use doorstep_hub::model::{AuditEntry, parse_role};
use doorstep_hub::sqlite::cipher;
use doorstep_hub::{AppState, Clock, HubConfig, admin, console, hub_key};

#[derive(Debug, Parser)]
#[command(
    name = "doorstep-hub",
    version,
    about = "Doorstep's council hub: sync server and admin commands"
)]
struct Cli {
    /// The database: `sqlite:path` or `postgres://user@host:port/database`
    /// [default: sqlite:doorstep-hub.db]
    #[arg(long, global = true, env = "DATABASE_URL")]
    database: Option<String>,

    /// A TOML file of settings (listen, database, token lifetimes, rate_limit,
    /// tombstone_days); the command line and the environment override it.
    #[arg(long, global = true, env = "DOORSTEP_HUB_CONFIG")]
    config: Option<PathBuf>,

    /// A file holding the key the SQLite database is encrypted under (64 hex characters, from
    /// `admin new-key`); or give it as the systemd credential `doorstep-hub-key`, or in
    /// DOORSTEP_HUB_KEY. Never in the config file.
    #[arg(long, global = true, env = "DOORSTEP_HUB_KEY_FILE")]
    key_file: Option<PathBuf>,

    /// Days deleted records are kept before `purge` forgets them [default: 90].
    #[arg(long, global = true, env = "DOORSTEP_HUB_TOMBSTONE_DAYS")]
    tombstone_days: Option<u32>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the hub until Ctrl-C (or SIGTERM).
    Serve {
        /// Address and port to listen on [default: 127.0.0.1:7070].
        #[arg(long, env = "DOORSTEP_HUB_LISTEN")]
        listen: Option<String>,
    },
    /// Sets up organisations, teams, users and devices, and reads the audit log.
    #[command(subcommand)]
    Admin(Admin),
}

#[derive(Debug, Subcommand)]
enum Admin {
    /// Creates the organisation (the council) the hub serves.
    CreateOrg {
        /// Its name, e.g. "Northshire County Council".
        name: String,
    },
    /// Adds a team to an organisation.
    AddTeam {
        /// The organisation's name or id.
        org: String,
        /// The team's name.
        name: String,
    },
    /// Adds a user to a team.
    AddUser(AddUser),
    /// Issues a one-time enrolment code for a user's laptop (printed once, stored hashed).
    EnrolmentCode {
        /// The user's name or id.
        #[arg(long)]
        user: String,
    },
    /// Prints a new one-time council console set-up link for a user with a console
    /// account (their password and security code stop working until they use it).
    SetUpLink {
        /// The user's id.
        #[arg(long)]
        user: String,
    },
    /// Gives a user who has no council console account one (a user added without
    /// --email, or only for a laptop) and prints its one-time set-up link, as
    /// `add-user --email` does.
    AddConsoleAccount {
        /// The user's id.
        #[arg(long)]
        user: String,
        /// The email they will sign in to the console with.
        #[arg(long)]
        email: String,
    },
    /// Revokes a device: its next contact is refused and told to wipe its data.
    RevokeDevice {
        /// The device's id (see `admin devices`).
        device: String,
    },
    /// Lists the enrolled devices.
    Devices,
    /// Moves a household, and every record that refers to it, to another team: the old
    /// team's laptops drop them, the new team's receive them.
    TransferHousehold {
        /// The household's id.
        #[arg(long)]
        household: String,
        /// The new team's name or id.
        #[arg(long)]
        team: String,
    },
    /// Moves a user to another team; their laptops start again from the beginning.
    MoveUser {
        /// The user's name or id.
        #[arg(long)]
        user: String,
        /// The new team's name or id.
        #[arg(long)]
        team: String,
    },
    /// Gives a user another role; their laptops start again from the beginning.
    SetRole {
        /// The user's name or id.
        #[arg(long)]
        user: String,
        /// officer, fire_crew, warden, supervisor, contractor, analyst, admin or dpo.
        #[arg(long, value_parser = parse_role)]
        role: doorstep_core::Role,
    },
    /// Forgets tombstones older than tombstone_days and compacts the change log (`serve`
    /// also does this once a day).
    Purge,
    /// Applies the retention schedule now (the hub also does so daily): deletes or
    /// anonymises every record past its date, here and, at their next sync, on laptops.
    Retention {
        /// The day to apply it as of (YYYY-MM-DD); today (UK) when left out.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// The contractor portal: add-firm, add-firm-user, disable-firm-user, set-totp.
    #[command(flatten)]
    Portal(doorstep_hub::portal::admin::Command),
    /// Writes a new random database key to a new file only its owner may read (for
    /// `--key-file`, `encrypt-database` and `rekey`).
    NewKey {
        /// The file to write; never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
    /// Encrypts a plain SQLite hub database under the hub's key (--key-file, the
    /// credential or DOORSTEP_HUB_KEY), safely: a crash midway loses nothing, and a rerun
    /// finishes the job. Stop the hub first.
    EncryptDatabase,
    /// Re-encrypts the SQLite hub database from the hub's current key to a new one; then
    /// give the hub the new key. Stop the hub first.
    Rekey {
        /// The file holding the new key (from `admin new-key`).
        #[arg(long)]
        new_key_file: PathBuf,
    },
    /// Writes a new age identity for backups to a new file only its owner may read, and
    /// prints its recipient (age1…) for `backup --recipient` or
    /// DOORSTEP_HUB_BACKUP_RECIPIENTS. Keep the identity off the hub.
    BackupIdentity {
        /// The file to write; never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
    /// Writes an encrypted, consistent backup of the database (either backend) while the
    /// hub runs: readable only with the identity of one of the recipients.
    Backup {
        /// The backup file to write.
        #[arg(long)]
        to: PathBuf,
        /// An age recipient (age1…) to encrypt to; more than one may be given
        /// [default: DOORSTEP_HUB_BACKUP_RECIPIENTS].
        #[arg(long)]
        recipient: Vec<String>,
    },
    /// Restores a backup made by `admin backup` into this hub's database, replacing it
    /// (refused if the database is another hub's). Stop the hub first.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// The age identity file that opens it.
        #[arg(long)]
        identity: PathBuf,
    },
    /// Imports police crime data for the reports: the police's street-level CSV
    /// (data.police.uk) or a force's burglary extract matched to UPRNs, told apart by the
    /// header. Prints what was added and each rejected row by line; a file with the wrong
    /// columns is refused and nothing is written. Importing the same file again adds nothing.
    ImportCrime {
        /// The CSV file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Shows the latest audit log entries, oldest first.
    Audit {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Debug, Args)]
struct AddUser {
    /// The team's name or id.
    #[arg(long)]
    team: String,
    /// The user's name as shown on visits.
    #[arg(long)]
    name: String,
    /// officer, fire_crew, warden, supervisor, contractor, analyst, admin or dpo.
    #[arg(long, value_parser = parse_role)]
    role: doorstep_core::Role,
    /// Their email, to sign in to the council console: prints a one-time set-up link
    /// where they choose a password (and, for admin and dpo, set up a security code).
    #[arg(long)]
    email: Option<String>,
}

/// Where set-up links point: the public URL (`public_url`, or `DOORSTEP_HUB_PUBLIC_URL`:
/// the address people reach the hub at, e.g. behind a TLS proxy), or else the address the
/// hub listens on, `https://` when it has its own certificate.
fn public_base(config: &HubConfig) -> String {
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{}", config.listen))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("doorstep-hub: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("doorstep-hub: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Defaults, then the file, then the environment and the command line.
fn settings(cli: &Cli, listen: Option<&String>) -> Result<HubConfig, String> {
    let mut config = match &cli.config {
        Some(path) => HubConfig::from_file(path).map_err(|e| e.to_string())?,
        None => HubConfig::default(),
    };
    if let Some(database) = &cli.database {
        config.database.clone_from(database);
    }
    if let Some(listen) = listen {
        config.listen.clone_from(listen);
    }
    if let Some(days) = cli.tombstone_days {
        config.tombstone_days = days;
    }
    if let Ok(url) = std::env::var("DOORSTEP_HUB_PUBLIC_URL")
        && !url.trim().is_empty()
    {
        config.public_url = Some(url);
    }
    // The relay's password is better kept out of the file: from the environment, or a file
    // the environment names (a container secret, say). Only with a [mail] table.
    if let Some(mail) = config.mail.as_mut() {
        if let Ok(password) = std::env::var("DOORSTEP_HUB_MAIL_PASSWORD")
            && !password.is_empty()
        {
            mail.password = Some(doorstep_hub::mail::settings::Password::new(password));
            mail.password_file = None;
        } else if let Some(path) = std::env::var_os("DOORSTEP_HUB_MAIL_PASSWORD_FILE")
            && !path.is_empty()
        {
            mail.password_file = Some(PathBuf::from(path));
            mail.password = None;
        }
    }
    // The hub's own certificate, from the environment (a container's mounted secret, say):
    // both files or neither, as in [tls].
    let env_path = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    match (
        env_path("DOORSTEP_HUB_TLS_CERT"),
        env_path("DOORSTEP_HUB_TLS_KEY"),
    ) {
        (Some(certificate), Some(key)) => {
            config.tls = Some(doorstep_hub::tls::TlsSettings {
                certificate: Some(PathBuf::from(certificate)),
                key: Some(PathBuf::from(key)),
            });
        }
        (Some(_), None) => {
            return Err(
                "DOORSTEP_HUB_TLS_CERT is set but DOORSTEP_HUB_TLS_KEY is not: set both (the \
                 certificate file and its key file) or neither"
                    .into(),
            );
        }
        (None, Some(_)) => {
            return Err(
                "DOORSTEP_HUB_TLS_KEY is set but DOORSTEP_HUB_TLS_CERT is not: set both (the \
                 certificate file and its key file) or neither"
                    .into(),
            );
        }
        (None, None) => {}
    }
    config.public_url = config
        .public_url
        .take()
        .map(|url| url.trim().trim_end_matches('/').to_owned())
        .filter(|url| !url.is_empty());
    config.check()?;
    Ok(config)
}

async fn run(cli: Cli) -> Result<(), String> {
    // The council's agency directory, the file its laptops get as reference/agencies.toml;
    // without it, the one built into Doorstep. A malformed entry stops the hub here.
    if let Some(path) = std::env::var_os("DOORSTEP_HUB_AGENCIES") {
        doorstep_hub::referrals::load_directory(std::path::Path::new(&path))
            .map_err(|e| e.to_string())?;
    }
    // The council's data map (its record of processing); without it, the one built into
    // Doorstep. A faulty file stops the hub here, naming the file, the line and the reason,
    // so the console never shows a record of processing the council did not mean.
    if let Some(path) = std::env::var_os("DOORSTEP_HUB_DATA_MAP") {
        doorstep_hub::data_map::load(std::path::Path::new(&path)).map_err(|e| e.to_string())?;
    }
    // The council's retention schedule; without it, the one built into Doorstep. A faulty
    // file stops the hub here, so nothing is disposed of by a schedule nobody meant.
    if let Some(path) = std::env::var_os("DOORSTEP_HUB_RETENTION") {
        doorstep_hub::privacy::retention::load_schedule(std::path::Path::new(&path))
            .map_err(|e| e.to_string())?;
    }
    // The council's schemes, its own funders' returns and the suppression threshold; a
    // faulty schemes file stops the hub here, a faulty return is refused and logged.
    let env_path = |name: &str| std::env::var_os(name).map(std::path::PathBuf::from);
    doorstep_hub::reports::settings::load(
        env_path("DOORSTEP_HUB_SCHEMES").as_deref(),
        env_path("DOORSTEP_HUB_RETURNS").as_deref(),
        std::env::var("DOORSTEP_HUB_SUPPRESSION_THRESHOLD")
            .ok()
            .as_deref(),
    )
    .map_err(|e| e.to_string())?;
    let key = hub_key::load(cli.key_file.as_deref())
        .map_err(|e| e.to_string())?
        .map(std::sync::Arc::new);
    match &cli.command {
        Command::Serve { listen } => {
            let config = settings(&cli, listen.as_ref())?;
            serve(config, key).await
        }
        Command::Admin(admin) => {
            let config = settings(&cli, None)?;
            if let Some(done) = run_file_admin(admin, &config, key.as_deref()).await? {
                return Ok(done);
            }
            let store = doorstep_hub::open_with(&config.database, key)
                .await
                .map_err(|e| e.to_string())?;
            run_admin(admin, &store, &config).await
        }
    }
}

/// The admin commands that work on the database's file or on key files, not through the
/// store: `Some(())` when `admin` was one of them.
#[allow(
    clippy::print_stdout,
    reason = "admin commands answer on stdout, so scripts can capture what they did"
)]
async fn run_file_admin(
    admin: &Admin,
    config: &HubConfig,
    key: Option<&hub_key::HubKey>,
) -> Result<Option<()>, String> {
    let sqlite_path = || {
        doorstep_hub::store::sqlite_path(&config.database).ok_or_else(|| {
            "this command is for the embedded SQLite database; PostgreSQL's files are \
             protected by the server's disk encryption (see docs/hub.md)"
                .to_owned()
        })
    };
    let needs_key = || {
        key.ok_or_else(|| {
            format!(
                "no key given: make one with `doorstep-hub admin new-key --out FILE`, then pass \
                 it with --key-file (or {})",
                hub_key::KEY_FILE_ENV
            )
        })
    };
    match admin {
        Admin::NewKey { out } => {
            let key = hub_key::HubKey::generate().map_err(|e| e.to_string())?;
            key.write_new(out).map_err(|e| e.to_string())?;
            println!(
                "wrote a new key to {}: keep a copy somewhere safe and apart from the database and its backups; without it the database cannot be read",
                out.display()
            );
        }
        Admin::EncryptDatabase => {
            let path = sqlite_path()?;
            let key = needs_key()?;
            match cipher::encrypt_database(&path, key.database_key()).map_err(|e| e.to_string())? {
                cipher::Rewritten::Done { rows } => println!(
                    "encrypted {} ({rows} rows) under {}; start the hub with the same key",
                    path.display(),
                    key.source()
                ),
                cipher::Rewritten::AlreadyDone => {
                    println!("{} is already encrypted under this key", path.display());
                }
            }
        }
        Admin::Rekey { new_key_file } => {
            let path = sqlite_path()?;
            let old = needs_key()?;
            let new = hub_key::HubKey::from_file(
                new_key_file,
                hub_key::KeySource::File(new_key_file.clone()),
            )
            .map_err(|e| e.to_string())?;
            match cipher::rekey(&path, old.database_key(), new.database_key())
                .map_err(|e| e.to_string())?
            {
                cipher::Rewritten::Done { rows } => println!(
                    "re-encrypted {} ({rows} rows) under {}: give the hub that key from now on, and destroy the old one once backups made under it have expired",
                    path.display(),
                    new_key_file.display()
                ),
                cipher::Rewritten::AlreadyDone => println!(
                    "{} is already encrypted under {}: give the hub that key",
                    path.display(),
                    new_key_file.display()
                ),
            }
        }
        Admin::BackupIdentity { out } => {
            let recipient = backup::new_identity(out).map_err(|e| e.to_string())?;
            eprintln!(
                "wrote a backup identity to {}: move it off the hub to where the council keeps its keys; it alone can restore the backups",
                out.display()
            );
            println!("{recipient}");
        }
        Admin::Backup { to, recipient } => {
            let recipients = backup::recipients(recipient).map_err(|e| e.to_string())?;
            let bytes = match doorstep_hub::store::sqlite_path(&config.database) {
                Some(db) => backup::sqlite::backup(&db, key, to, &recipients),
                None => backup::postgres::backup(&config.database, to, &recipients).await,
            }
            .map_err(|e| e.to_string())?;
            println!(
                "wrote {} ({bytes} bytes), encrypted to {} recipient(s)",
                to.display(),
                recipients.len()
            );
        }
        Admin::Restore { from, identity } => {
            let identity = backup::identity(identity).map_err(|e| e.to_string())?;
            let restored = match doorstep_hub::store::sqlite_path(&config.database) {
                Some(db) => backup::sqlite::restore(&db, key, from, &identity),
                None => backup::postgres::restore(&config.database, from, &identity).await,
            }
            .map_err(|e| e.to_string())?;
            let made = chrono::DateTime::from_timestamp_millis(restored.header.created_at)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default();
            println!(
                "restored the backup of hub {} made at {made}: what laptops synced after that time is not in it; every laptop starts again from the beginning at its next sync",
                restored.header.hub
            );
        }
        _ => return Ok(None),
    }
    Ok(Some(()))
}

async fn serve(
    config: HubConfig,
    key: Option<std::sync::Arc<hub_key::HubKey>>,
) -> Result<(), String> {
    // Read before anything else, so that a bad certificate or key stops the hub at once,
    // naming the file and what is wrong with it.
    let certificate = match &config.tls {
        Some(settings) => Some(
            settings
                .files()
                .and_then(doorstep_hub::tls::HubCertificate::load)
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let store = doorstep_hub::open_with(&config.database, key)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let address = listener
        .local_addr()
        .map_or_else(|_| config.listen.clone(), |a| a.to_string());
    let scheme = if certificate.is_some() {
        "https"
    } else {
        "http"
    };
    tracing::info!(address = %format!("{scheme}://{address}"), database = %store.backend(), "doorstep-hub listening");
    if let Some(certificate) = &certificate {
        tracing::info!(
            certificate = %certificate.files().certificate.display(),
            reload_every_secs = doorstep_hub::tls::RELOAD_EVERY.as_secs(),
            "serving TLS with the hub's own certificate; renewed files are read again within the interval, or at once on SIGHUP"
        );
    }
    if config.listen == DEFAULT_LISTEN && config.database == DEFAULT_DATABASE {
        tracing::info!(
            "defaults in use: loopback only, SQLite file doorstep-hub.db in this folder"
        );
    }
    let purging = tokio::spawn(admin::purge_daily(
        store.clone(),
        config.tombstone_days,
        Clock::system(),
    ));
    let retaining = tokio::spawn(doorstep_hub::privacy::retention::run_daily(
        store.clone(),
        Clock::system(),
    ));
    let delivering = tokio::spawn(doorstep_hub::referrals::deliver_waiting_every(
        store.clone(),
        Clock::system(),
    ));
    let mailing = start_mail(&store, &config)?;
    let reloading = certificate
        .clone()
        .map(|certificate| doorstep_hub::tls::watch(certificate, doorstep_hub::tls::RELOAD_EVERY));
    let state = AppState::new(store, config);
    let served = doorstep_hub::serve_with(listener, state, certificate, shutdown_signal()).await;
    drop(reloading);
    purging.abort();
    retaining.abort();
    delivering.abort();
    if let Some(mailing) = mailing {
        mailing.abort();
    }
    served.map_err(|e| format!("the server stopped: {e}"))?;
    tracing::info!("doorstep-hub stopped");
    Ok(())
}

/// Starts the agency email sender when `[mail]` is set; without it the emails wait in the
/// outbox, and the console says mail is not set up.
fn start_mail(
    store: &doorstep_hub::SharedStore,
    config: &HubConfig,
) -> Result<Option<tokio::task::JoinHandle<()>>, String> {
    let (Some(settings), Some(outbox)) = (&config.mail, store.mail()) else {
        tracing::info!("no [mail] settings: emails to agencies wait in the outbox, unsent");
        return Ok(None);
    };
    let mailer = doorstep_hub::mail::Mailer::for_hub(settings, config.public_url.as_deref())
        .map_err(|e| e.to_string())?;
    tracing::info!(relay = %settings.relay, port = settings.port, "sending emails to agencies");
    Ok(Some(tokio::spawn(doorstep_hub::mail::run(
        outbox,
        mailer,
        Clock::system(),
    ))))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[allow(
    clippy::print_stdout,
    reason = "admin commands answer on stdout, so scripts can capture an id or a code"
)]
async fn run_admin(
    admin: &Admin,
    store: &doorstep_hub::SharedStore,
    config: &HubConfig,
) -> Result<(), String> {
    let now = Clock::system().now_ms();
    let audit = |action: &str, entity: Option<(&str, &str)>| AuditEntry {
        at: now,
        user_id: None,
        device_id: None,
        action: format!("admin.{action}"),
        entity: entity.map(|(e, _)| e.to_owned()),
        entity_id: entity.map(|(_, id)| id.to_owned()),
        outcome: "ok".into(),
    };
    let fail = |e: doorstep_hub::model::StoreError| e.to_string();
    match admin {
        Admin::CreateOrg { name } => {
            let id = store.create_org(name, now).await.map_err(fail)?;
            store
                .append_audit(&[audit("create-org", Some(("organisation", &id)))])
                .await
                .map_err(fail)?;
            println!("{id}");
        }
        Admin::AddTeam { org, name } => {
            let id = admin::add_team(store, None, org, name, now)
                .await
                .map_err(fail)?;
            println!("{id}");
        }
        Admin::AddUser(user) => {
            let person = admin::NewPerson {
                team: user.team.clone(),
                name: user.name.clone(),
                role: user.role,
                email: user.email.clone(),
            };
            let added = admin::add_user(store, None, &person, config.enrolment_code_secs, now)
                .await
                .map_err(fail)?;
            println!("{}", added.id);
            match added.setup_token {
                Some(token) => {
                    eprintln!(
                        "One-time console set-up link, valid for {} hours (shown only now):",
                        config.enrolment_code_secs / 3600
                    );
                    println!("{}{}", public_base(config), admin::setup_path(&token));
                }
                None if console::access::needs_totp(user.role) => eprintln!(
                    "No console access without --email: a {} signs in to the console with it",
                    user.role.label()
                ),
                None => {}
            }
        }
        Admin::EnrolmentCode { user } => {
            let (user_id, code) =
                admin::enrolment_code(store, None, user, config.enrolment_code_secs, now)
                    .await
                    .map_err(fail)?;
            eprintln!(
                "One-time enrolment code for user {user_id}, valid for {} hours (shown only now):",
                config.enrolment_code_secs / 3600
            );
            println!("{code}");
        }
        Admin::SetUpLink { user } => {
            let token =
                admin::renew_set_up_link(store, None, user, config.enrolment_code_secs, now)
                    .await
                    .map_err(fail)?;
            eprintln!(
                "One-time console set-up link, valid for {} hours (shown only now):",
                config.enrolment_code_secs / 3600
            );
            println!("{}{}", public_base(config), admin::setup_path(&token));
        }
        Admin::AddConsoleAccount { user, email } => {
            let token = admin::add_console_account(
                store,
                None,
                user,
                email,
                config.enrolment_code_secs,
                now,
            )
            .await
            .map_err(fail)?;
            eprintln!(
                "One-time console set-up link, valid for {} hours (shown only now):",
                config.enrolment_code_secs / 3600
            );
            println!("{}{}", public_base(config), admin::setup_path(&token));
        }
        Admin::RevokeDevice { device } => {
            admin::revoke_device(store, None, device, now)
                .await
                .map_err(fail)?;
            println!("revoked {device}: its next contact will be told to wipe its local data");
        }
        Admin::Devices => {
            for d in store.devices().await.map_err(fail)? {
                let state = if d.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!("{}\t{}\t{}\t{state}", d.id, d.user_id, d.name);
            }
        }
        Admin::TransferHousehold { household, team } => {
            let moved = doorstep_hub::admin::transfer_household(store, None, household, team, now)
                .await
                .map_err(fail)?;
            println!(
                "moved {} records from team {} to team {}:",
                moved.moved.len(),
                moved.from_team,
                moved.to_team
            );
            for (entity, id) in &moved.moved {
                println!("{entity}\t{id}");
            }
        }
        Admin::MoveUser { user, team } => {
            let id = admin::move_user(store, None, user, team, now)
                .await
                .map_err(fail)?;
            println!("{id}: their laptops will start again from the beginning at the next sync");
        }
        Admin::SetRole { user, role } => {
            let id = admin::set_role(store, None, user, *role, now)
                .await
                .map_err(fail)?;
            println!("{id}: their laptops will start again from the beginning at the next sync");
        }
        Admin::Retention { as_of } => {
            let retention = store
                .retention()
                .ok_or_else(|| "this hub's database keeps no retention schedule".to_owned())?;
            let (schedule, map) = doorstep_hub::privacy::retention::schedule()
                .zip(doorstep_hub::data_map::data_map())
                .ok_or_else(|| {
                    "the built-in retention schedule or data map does not load".to_owned()
                })?;
            let today = as_of.unwrap_or_else(|| doorstep_core::uk_time::today(chrono::Utc::now()));
            let done = doorstep_hub::privacy::retention::run(
                retention.as_ref(),
                schedule,
                map,
                today,
                doorstep_hub::privacy::retention::BY_ADMIN,
                || chrono::Utc::now().timestamp_millis(),
            )
            .await
            .map_err(fail)?;
            println!(
                "retention as of {today}: read {} records, disposed of {} ({} kept under a legal hold, {} changed during the run), forgot {} audit lines",
                done.scanned,
                done.total(),
                done.held_back,
                done.changed,
                done.audit_lines
            );
            for ((class, action), n) in &done.disposed {
                println!("  {}: {n} ({})", class.label(), action.label());
            }
        }
        Admin::NewKey { .. }
        | Admin::EncryptDatabase
        | Admin::Rekey { .. }
        | Admin::BackupIdentity { .. }
        | Admin::Backup { .. }
        | Admin::Restore { .. } => {
            // Answered by run_file_admin before any store is opened.
        }
        Admin::Purge => {
            let purged = admin::purge(store, config.tombstone_days, now, "admin.purge")
                .await
                .map_err(fail)?;
            println!(
                "forgot {} tombstones, compacted {} log entries; horizon {}",
                purged.records, purged.entries, purged.horizon
            );
        }
        Admin::Portal(command) => {
            let output = doorstep_hub::portal::admin::run(command, store, now)
                .await
                .map_err(|e| e.to_string())?;
            for line in output.stderr {
                eprintln!("{line}");
            }
            for line in output.stdout {
                println!("{line}");
            }
        }
        Admin::ImportCrime { file } => {
            let imported = doorstep_hub::crime::import_file(store, None, file, now)
                .await
                .map_err(|e| e.to_string())?;
            for line in doorstep_hub::crime::report_lines(&imported, 50) {
                println!("{line}");
            }
        }
        Admin::Audit { limit } => {
            for e in store.audit(*limit).await.map_err(fail)? {
                let at = chrono::DateTime::from_timestamp_millis(e.at)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                    .unwrap_or_default();
                let record = match (&e.entity, &e.entity_id) {
                    (Some(entity), Some(id)) => format!("{entity}/{id}"),
                    (Some(entity), None) => entity.clone(),
                    _ => "-".into(),
                };
                println!(
                    "{at}\t{}\t{}\t{}\t{record}\t{}",
                    e.user_id.as_deref().unwrap_or("-"),
                    e.device_id.as_deref().unwrap_or("-"),
                    e.action,
                    e.outcome
                );
            }
        }
    }
    Ok(())
}

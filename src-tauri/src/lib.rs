//! The Doorstep desktop shell: wires the session and commands into a Tauri window.

pub mod commands;
pub mod error;
pub mod events;
mod probe;
pub mod recent_files;
pub mod reference;
pub mod session;
pub mod sync;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use doorstep_store::KdfParams;
use tauri::Manager;
use tauri_specta::{Builder, Event, collect_commands, collect_events};

use crate::events::LockedEvent;
use crate::reference::Reference;
use crate::session::Session;

/// The command and event set, shared by the app and the bindings test.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        // Our wire types are symmetric, so one name per type is clearer than per-phase pairs.
        .disable_serde_phases()
        .commands(collect_commands![
            commands::app_status,
            commands::assess_passphrase,
            commands::set_up,
            commands::unlock,
            commands::lock,
            commands::change_passphrase,
            commands::touch,
            commands::set_idle_lock_minutes,
            commands::load_demo_data,
            commands::search,
            commands::create_household,
            commands::create_household_from_gazetteer,
            commands::update_household,
            commands::get_household,
            commands::add_person,
            commands::update_person,
            commands::create_visit,
            commands::visits_for_day,
            commands::visits_for_household,
            commands::import_gazetteer,
            commands::backup,
            commands::users::add_user,
            commands::users::list_users,
            commands::security::reference_problems,
            commands::security::reload_reference_data,
            commands::security::start_survey,
            commands::security::get_survey,
            commands::security::surveys_for_household,
            commands::security::save_answer,
            commands::security::save_section_note,
            commands::security::add_survey_photo,
            commands::security::attachment_data_url,
            commands::security::draft_plan,
            commands::security::get_plan,
            commands::security::edit_plan,
            commands::security::agree_plan,
            commands::security::plan_step,
            commands::security::plans_with_status,
            commands::security::plans_for_household,
            commands::security::record_follow_up,
            commands::security::open_cocoon,
            commands::security::get_cocoon,
            commands::security::record_cocoon_outcome,
            commands::security::cocoons,
            commands::documents::save_resident_plan,
            commands::documents::open_document,
            commands::documents::save_referral_pdf,
            commands::documents::save_day_documents,
            commands::fire::charlie_template,
            commands::fire::agencies,
            commands::fire::save_charlie_check,
            commands::fire::charlie_checks_for_household,
            commands::fire::draft_referral,
            commands::fire::get_referral,
            commands::fire::record_referral_authority,
            commands::fire::referral_step,
            commands::fire::referrals_for_household,
            commands::fire::overdue_referral_list,
            commands::fire::create_day_of_action,
            commands::fire::days_of_action,
            commands::fire::get_day_of_action,
            commands::fire::add_day_doors,
            commands::fire::import_day_doors,
            commands::fire::record_knock,
            commands::fire::save_day_summary_csv,
            commands::sync::hub_enrol,
            commands::sync::sync_status,
            commands::sync::sync_now,
            commands::sync::conflicts,
            commands::sync::resolve_conflict,
            commands::sync::set_aside_changes,
            commands::sync::discard_set_aside_change,
        ])
        .events(collect_events![
            events::ImportProgressEvent,
            events::LockedEvent,
            events::DocumentProgressEvent,
            events::SyncStatusEvent
        ])
}

/// The data folder: `--data-dir PATH`, else `DOORSTEP_DATA_DIR`, else the platform's app data folder.
fn data_dir(app: &tauri::App) -> Result<PathBuf, tauri::Error> {
    let mut args = std::env::args().skip_while(|a| a != "--data-dir").skip(1);
    if let Some(dir) = args.next() {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("DOORSTEP_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    app.path().app_data_dir()
}

/// How often the idle lock looks at the clock.
const IDLE_CHECK: Duration = Duration::from_secs(10);

/// Starts the app.
// tauri::generate_context! expands to code that calls process::exit; ours never does.
#[allow(clippy::disallowed_methods)]
pub fn run() -> Result<(), tauri::Error> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DOORSTEP_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let builder = specta_builder();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            recent_files::keep_out_of_recent_files();
            builder.mount_events(app);
            let dir = data_dir(app)?;
            let reference = Reference::load(&dir.join("reference"))
                .map_err(|p| std::io::Error::other(format!("{}: {}", p.file, p.reason)))?;
            app.manage(reference);
            let assets = commands::documents::DocumentAssets::built_in()
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            let session = Session::open(&dir, KdfParams::RECOMMENDED)
                .with_council_name(assets.council_name());
            app.manage(assets);
            app.manage(commands::documents::SavedDocuments::default());
            app.manage(session);
            app.manage(crate::sync::SyncService::default());
            tauri::async_runtime::spawn(crate::sync::SyncService::run(app.handle().clone()));
            let handle = app.handle().clone();
            std::thread::Builder::new()
                .name("idle-lock".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(IDLE_CHECK);
                        let session = handle.state::<Session>();
                        if let Some(minutes) = session.lock_if_idle(Instant::now())
                            && let Err(e) = (LockedEvent { minutes }).emit(&handle)
                        {
                            tracing::warn!(error = %e, "could not tell the window it is locked");
                        }
                    }
                })?;
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(|handle, event| match event {
        // Closing Doorstep's window quits Doorstep, whatever else is still running.
        tauri::RunEvent::WindowEvent {
            event: tauri::WindowEvent::CloseRequested { .. },
            ..
        } => quit(handle),
        // The last thing before the process ends: nothing of the store stays open.
        tauri::RunEvent::Exit => handle.state::<Session>().close(),
        _ => {}
    });
    Ok(())
}

/// How long quitting may take before the process ends regardless.
const QUIT_DEADLINE: Duration = Duration::from_secs(3);

/// Closes the store, then ends the app; if the event loop has not let the process go by
/// [`QUIT_DEADLINE`] (a background task, a stuck dialog), ends it anyway: by then every
/// acknowledged save is in the closed database, so nothing is lost.
// Ending the process is the point here.
#[allow(clippy::disallowed_methods)]
fn quit(handle: &tauri::AppHandle) {
    handle.state::<Session>().close();
    let started = std::thread::Builder::new()
        .name("quit-deadline".into())
        .spawn(|| {
            std::thread::sleep(QUIT_DEADLINE);
            tracing::warn!("Doorstep did not end in time after its window closed; ending it now");
            std::process::exit(0);
        });
    if let Err(e) = started {
        tracing::warn!(error = %e, "could not start the quit deadline");
    }
    handle.exit(0);
}

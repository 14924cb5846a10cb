//! The Doorstep desktop shell: the window, its dialogs and lifecycle, and Tauri adapters over
//! `doorstep-api`, where every command's body lives.

pub mod commands;
pub mod events;
mod probe;
pub mod recent_files;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use doorstep_api::Api;
use doorstep_store::KdfParams;
use tauri::Manager;
use tauri_specta::{Builder, collect_commands, collect_events};

use crate::events::WindowEvents;

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
            commands::add_user,
            commands::list_users,
            commands::reference_problems,
            commands::reload_reference_data,
            commands::start_survey,
            commands::get_survey,
            commands::surveys_for_household,
            commands::save_answer,
            commands::save_section_note,
            commands::add_survey_photo,
            commands::attachment_data_url,
            commands::draft_plan,
            commands::get_plan,
            commands::edit_plan,
            commands::agree_plan,
            commands::plan_step,
            commands::plans_with_status,
            commands::plans_for_household,
            commands::record_follow_up,
            commands::open_cocoon,
            commands::get_cocoon,
            commands::record_cocoon_outcome,
            commands::cocoons,
            commands::save_resident_plan,
            commands::open_document,
            commands::save_referral_pdf,
            commands::save_day_documents,
            commands::charlie_template,
            commands::agencies,
            commands::save_charlie_check,
            commands::charlie_checks_for_household,
            commands::draft_referral,
            commands::get_referral,
            commands::record_referral_authority,
            commands::referral_step,
            commands::referrals_for_household,
            commands::overdue_referral_list,
            commands::queued_referral_list,
            commands::create_day_of_action,
            commands::days_of_action,
            commands::get_day_of_action,
            commands::add_day_doors,
            commands::import_day_doors,
            commands::record_knock,
            commands::save_day_summary_csv,
            commands::team_report,
            commands::save_team_chart_csv,
            commands::hub_enrol,
            commands::sync_status,
            commands::sync_now,
            commands::conflicts,
            commands::resolve_conflict,
            commands::set_aside_changes,
            commands::discard_set_aside_change,
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
            let events = Box::new(WindowEvents(app.handle().clone()));
            let api = Arc::new(
                Api::open(&dir, KdfParams::RECOMMENDED, events)
                    .map_err(|e| std::io::Error::other(e.to_string()))?,
            );
            app.manage(Arc::clone(&api));
            tauri::async_runtime::spawn(doorstep_api::sync::SyncService::run(Arc::clone(&api)));
            Api::watch_idle(api)?;
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
        tauri::RunEvent::Exit => handle.state::<Arc<Api>>().session.close(),
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
    handle.state::<Arc<Api>>().session.close();
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

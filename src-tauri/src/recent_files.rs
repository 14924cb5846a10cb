//! Keeps the documents Doorstep saves out of the desktop's "recent files" list.
//!
//! GTK's file chooser records every file it saves in `~/.local/share/recently-used.xbel`,
//! in plain text, and keeps the entry after the file is moved or deleted. A resident's
//! plan saved from Doorstep must leave no such trace, so the app turns the list off for
//! itself before any dialog opens.

/// Stops GTK recording files this process opens or saves; call once GTK is initialised.
#[cfg(target_os = "linux")]
pub fn keep_out_of_recent_files() {
    use gtk::prelude::GtkSettingsExt;
    match gtk::Settings::default() {
        Some(settings) => settings.set_gtk_recent_files_enabled(false),
        None => tracing::warn!("GTK has no settings: saved documents may appear in recent files"),
    }
}

/// Windows and macOS dialogs add nothing to a recent list that Doorstep can turn off here.
#[cfg(not(target_os = "linux"))]
pub fn keep_out_of_recent_files() {}

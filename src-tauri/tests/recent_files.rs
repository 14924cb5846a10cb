//! Documents Doorstep saves never reach the desktop's recent-files list (issue 17): GTK's file
//! chooser would record them in plain text, with the name the officer chose.

#![cfg(target_os = "linux")]
#![allow(clippy::expect_used)]

use gtk::prelude::*;

#[test]
fn gtk_records_no_recent_file_once_doorstep_starts() {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!("SKIPPED: no display for GTK (scripts/test runs this under xvfb-run)");
        return;
    }
    gtk::init().expect("GTK starts on the test's display");
    // A list of our own, so the test never touches the real one in the user's home.
    let folder = tempfile::tempdir().expect("temp dir");
    let list = folder.path().join("recently-used.xbel");
    let recent: gtk::RecentManager = gtk::glib::Object::builder()
        .property("filename", list.to_str().expect("a UTF-8 temp path"))
        .build();

    // add_full records at once (add_item first asks GIO about the file, asynchronously), as
    // the file chooser does when it saves.
    let saved = |uri: &str| {
        recent.add_full(
            uri,
            &gtk::RecentData {
                display_name: None,
                description: None,
                mime_type: "application/pdf".into(),
                app_name: "doorstep".into(),
                app_exec: "doorstep %u".into(),
                groups: Vec::new(),
                is_private: false,
            },
        )
    };
    let before = "file:///tmp/home-safety-plan-0A1B2C3D.pdf";
    saved(before);
    assert!(
        recent.has_item(before),
        "GTK records a saved file by default"
    );

    doorstep_app::recent_files::keep_out_of_recent_files();
    let after = "file:///tmp/home-safety-plan-4E5F6A7B.pdf";
    saved(after);
    assert!(
        !recent.has_item(after),
        "once Doorstep has started, a saved document is not recorded"
    );
}

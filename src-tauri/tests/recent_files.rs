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

    let before = "file:///tmp/home-safety-plan-0A1B2C3D.pdf";
    recent.add_item(before);
    assert!(
        recent.has_item(before),
        "GTK records a saved file by default"
    );

    doorstep_app::recent_files::keep_out_of_recent_files();
    let after = "file:///tmp/home-safety-plan-4E5F6A7B.pdf";
    recent.add_item(after);
    assert!(
        !recent.has_item(after),
        "once Doorstep has started, a saved document is not recorded"
    );
}

//! The UI's TypeScript types are generated from the Rust ones and committed; this test
//! regenerates them and fails when the committed file has drifted.
//!
//! To update the committed file: `UPDATE_BINDINGS=1 cargo test -p doorstep-app --test bindings`.

#![allow(clippy::expect_used)]

use std::path::Path;

use specta_typescript::Typescript;

#[test]
fn typescript_bindings_match_the_rust_types() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/backend/bindings.ts");
    let dir = tempfile::tempdir().expect("temp dir");
    let fresh_path = dir.path().join("bindings.ts");
    doorstep_app::specta_builder()
        .export(Typescript::default().header("// Generated from the Rust types by tauri-specta: do not edit.\n// Regenerate: UPDATE_BINDINGS=1 cargo test -p doorstep-app --test bindings\n"), &fresh_path)
        .expect("export bindings");
    let fresh = std::fs::read_to_string(&fresh_path).expect("read fresh bindings");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed, &fresh).expect("write committed bindings");
        return;
    }
    let current = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        current == fresh,
        "ui/src/lib/backend/bindings.ts is out of date with the Rust types: run UPDATE_BINDINGS=1 cargo test -p doorstep-app --test bindings"
    );
}

/// The window's commands and the ones `doorstep-api` dispatches by name (for the development
/// bridge and the UI's fixtures) are two lists; this keeps them the same list.
#[test]
fn the_bridge_serves_exactly_the_windows_commands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bindings.ts");
    doorstep_app::specta_builder()
        .export(Typescript::default(), &path)
        .expect("export bindings");
    let bindings = std::fs::read_to_string(&path).expect("read bindings");
    let mut window: Vec<&str> = bindings
        .split("__TAURI_INVOKE")
        .skip(1)
        .filter(|rest| rest.starts_with('(') || rest.starts_with('<'))
        .filter_map(|rest| rest.split('"').nth(1))
        .collect();
    window.sort_unstable();
    window.dedup();
    let mut bridge = doorstep_api::dispatch::COMMANDS.to_vec();
    bridge.sort_unstable();
    assert_eq!(window, bridge);
}

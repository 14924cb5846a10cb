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

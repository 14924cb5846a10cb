//! What the document tests share: the demo council's branding, and running poppler's tools
//! on a rendered PDF.

#![allow(clippy::expect_used, dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use doorstep_pdf::Branding;

/// The workspace root, where the demo assets live.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The demo council's branding file as text.
pub fn council_toml() -> String {
    std::fs::read_to_string(repo_root().join("assets/branding/council.toml")).expect("read")
}

/// The demo council's branding, logo included.
pub fn branding() -> Branding {
    let branding =
        Branding::load(&repo_root().join("assets/branding/council.toml")).expect("branding loads");
    assert!(branding.has_logo(), "the demo logo should load");
    branding
}

/// Runs `tool` on the PDF (`pdftotext` writes to stdout); its success and everything it said.
pub fn run_tool(tool: &str, args: &[&str], bytes: &[u8]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, bytes).expect("write pdf");
    let mut command = Command::new(tool);
    command.args(args).arg(&file);
    if tool == "pdftotext" {
        command.arg("-");
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} (install poppler-utils and qpdf): {e}"));
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// The document's text with all runs of whitespace collapsed to one space.
pub fn pdf_text(bytes: &[u8]) -> String {
    let (ok, out) = run_tool("pdftotext", &["-enc", "UTF-8"], bytes);
    assert!(ok, "pdftotext failed: {out}");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

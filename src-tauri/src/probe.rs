//! Start-up probe for the start-up benchmark (scripts/bench-startup): with
//! `DOORSTEP_STARTUP_PROBE=1`, prints `READY` once the UI has asked for its first
//! screen. Silent otherwise.

#![allow(clippy::print_stdout)]

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static REPORTED: AtomicBool = AtomicBool::new(false);

/// Reports readiness once, when the probe is on.
pub fn ready() {
    if std::env::var_os("DOORSTEP_STARTUP_PROBE").is_some()
        && !REPORTED.swap(true, Ordering::Relaxed)
    {
        println!("READY");
        let _ = std::io::stdout().flush();
    }
}

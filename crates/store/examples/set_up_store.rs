//! Creates a Doorstep store in a folder, for benchmarks and manual testing:
//! `cargo run -p doorstep-store --example set_up_store -- FOLDER PASSPHRASE`.

#![allow(clippy::print_stdout)]

use doorstep_core::Role;
use doorstep_store::{DataFolder, KdfParams, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(folder), Some(passphrase)) = (args.next(), args.next()) else {
        return Err("usage: set_up_store FOLDER PASSPHRASE".into());
    };
    let folder = DataFolder::open(folder)?;
    Store::set_up(
        &folder,
        "Benchmark Officer",
        Role::Officer,
        &passphrase,
        KdfParams::RECOMMENDED,
    )?;
    println!("set up {}", folder.path().display());
    Ok(())
}

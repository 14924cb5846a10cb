//! A day of action's door CSV, parsed by core's `parse_door_csv` (the store then looks each
//! UPRN up): any file gives rows and reasons, never a panic, and every row is accounted for.
#![no_main]

use doorstep_core::Uprn;
use doorstep_core::fire::parse_door_csv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(read) = parse_door_csv(data) else {
        return;
    };
    for row in &read.rows {
        assert!(row.line >= 2, "the header is line 1");
        assert_eq!(
            Uprn::parse(&row.text).ok().as_ref(),
            Some(&row.uprn),
            "the text is the UPRN"
        );
    }
    let mut lines: Vec<u32> = read
        .rows
        .iter()
        .map(|r| r.line)
        .chain(read.rejected.iter().map(|r| r.line))
        .collect();
    let n = lines.len();
    lines.sort_unstable();
    lines.dedup();
    assert_eq!(lines.len(), n, "each line is kept or refused once");
});

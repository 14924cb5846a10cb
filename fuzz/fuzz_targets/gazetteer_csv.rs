//! The gazetteer import's parsing, as `doorstep_store::Store::import_gazetteer` does it
//! (csv byte records, lossy header, core's column finder and row checker) without the
//! database: any file gives entries or reasons, never a panic.
#![no_main]

use doorstep_core::gazetteer::GazetteerColumns;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(data);
    let Ok(header) = csv.byte_headers() else {
        return;
    };
    let header: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    let Ok(columns) = GazetteerColumns::from_header(&header) else {
        return;
    };
    let mut record = csv::ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            // Reading from a slice never fails with I/O; a format error moves on, as the import does.
            Err(_) => continue,
        }
        let Ok(cells) = record
            .iter()
            .map(std::str::from_utf8)
            .collect::<Result<Vec<&str>, _>>()
        else {
            continue;
        };
        if let Ok(entry) = columns.parse_row(&cells) {
            assert!(
                !entry.address_line_1.is_empty(),
                "an accepted row has a first line"
            );
            assert!(!entry.town.is_empty(), "an accepted row has a town");
        }
    }
});

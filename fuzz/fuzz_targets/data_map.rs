//! The data map parser (a council's record of processing): any text gives a data map or a
//! refusal naming lines inside the file, never a panic; a map that loads classifies any
//! field of any kind without panicking, and each entry classifies its own field.
#![no_main]

use doorstep_core::privacy::data_map::{DataMap, RECORD_KINDS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let map = match DataMap::from_toml(text) {
        Ok(map) => map,
        Err(e) => {
            assert!(!e.problems.is_empty(), "a refusal says why");
            let lines = text.split('\n').count();
            for p in &e.problems {
                assert!((1..=lines).contains(&p.line), "line {} of {lines}", p.line);
                assert!(!p.reason.is_empty());
            }
            return;
        }
    };
    assert_eq!(map.records().len(), RECORD_KINDS.len(), "every kind is there");
    for record in map.records() {
        for e in &record.entries {
            let field = e.field.strip_suffix('*').map_or(e.field.clone(), |p| format!("{p}x"));
            assert!(
                map.classify(record.entity, &field).is_some(),
                "{}.{} classifies {field}",
                record.entity,
                e.field
            );
        }
        let _ = map.classify(record.entity, "");
        let _ = map.unclassified(record.entity, ["answers.", "a.b.c", "*"]);
    }
});

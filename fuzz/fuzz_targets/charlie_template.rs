//! The CHARLIE fire-risk template parser: any text gives a template or a `LoadError`, never
//! a panic; a template that loads answers every look-up and survives being written back
//! out as TOML and loaded again.
#![no_main]

use doorstep_core::fire::CharlieTemplate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = CharlieTemplate::from_toml(text) else {
        return;
    };
    let _ = template.lowest_score();
    for score in [0, 1, 2, 5, 9, 10, u8::MAX] {
        let _ = template.scale_point(score);
        let _ = template.cir_score(score);
        for factor in &template.factors {
            let _ = factor.descriptor(score);
        }
    }
    for total in [0, 1, 10, 100, u32::MAX] {
        let _ = template.risk.level(total).label();
    }
    for topic in &template.advice {
        assert!(
            template.advice_topic(&topic.id).is_some(),
            "every topic is found by its id"
        );
    }
    if let Ok(written) = toml::to_string(&template) {
        let again = CharlieTemplate::from_toml(&written);
        assert_eq!(
            again.as_ref().ok(),
            Some(&template),
            "round trip of\n{written}\n{again:?}"
        );
    }
});

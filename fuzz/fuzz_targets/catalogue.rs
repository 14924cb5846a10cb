//! The measures catalogue parser: any text gives a catalogue or a `LoadError`, never a
//! panic; a catalogue that loads is checked against the real template and survives being
//! written back out as TOML and loaded again.
#![no_main]

use std::sync::LazyLock;

use doorstep_core::security::{Catalogue, Template};
use libfuzzer_sys::fuzz_target;

static TEMPLATE: LazyLock<Option<Template>> = LazyLock::new(|| {
    Template::from_toml(include_str!(
        "../../assets/templates/home-security-survey.toml"
    ))
    .ok()
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(catalogue) = Catalogue::from_toml(text) else {
        return;
    };
    if let Some(template) = TEMPLATE.as_ref() {
        let _ = catalogue.check_against(template);
    }
    for m in &catalogue.measures {
        assert!(
            catalogue.get(&m.id).is_some(),
            "every measure is found by its id"
        );
    }
    if let Ok(written) = toml::to_string(&catalogue) {
        let again = Catalogue::from_toml(&written);
        assert_eq!(
            again.as_ref().ok(),
            Some(&catalogue),
            "round trip of\n{written}\n{again:?}"
        );
    }
});

//! The survey template parser: any text gives a template or a `LoadError`, never a panic;
//! a template that loads survives the JSON round trip to the UI.
#![no_main]

use doorstep_core::security::Template;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = Template::from_toml(text) else {
        return;
    };
    // Walk what the app walks after loading: the index and every item's option list.
    for (path, located) in template.index() {
        let _ = located.item.option_ids();
        let _ = template.instance_label(path);
        let _ = template.instance_label(&format!("{path}[0]"));
    }
    // The file form (RawTemplate) is not the serialised form, so the round trip is the
    // one the app makes: the loaded template goes to the UI as JSON and must come back equal.
    let json = serde_json::to_string(&template).expect("a loaded template serialises");
    let again: Result<Template, _> = serde_json::from_str(&json);
    assert_eq!(
        again.as_ref().ok(),
        Some(&template),
        "JSON round trip of\n{json}\n{again:?}"
    );
});

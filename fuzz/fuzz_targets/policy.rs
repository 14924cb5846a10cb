//! The scoring policy parser: any text gives a policy or a `LoadError`, never a panic; a
//! policy that loads is checked against the real survey template and its level and tier
//! look-ups answer for any score.
#![no_main]

use std::sync::LazyLock;

use doorstep_core::security::{Policy, Template};
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
    let Ok(policy) = Policy::from_toml(text) else {
        return;
    };
    if let Some(template) = TEMPLATE.as_ref() {
        let _ = policy.check_against(template);
    }
    for score in [0, 1, 7, 100, u32::MAX / 2, u32::MAX] {
        let risk = policy.risk_level(score);
        let vulnerability = policy.vulnerability_level(score);
        let tier = policy.tier_matrix.tier(risk, vulnerability);
        let _ = policy.budget_caps_pence.for_tier(tier);
        let _ = (tier.max(tier), tier.label());
    }
});

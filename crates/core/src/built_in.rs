//! The scheme's data files shipped with Doorstep, each as (path in the repository, text):
//! the laptop loads them when a council has none of its own, and the hub judges the
//! console's plan approvals by them.

/// The home security survey template.
pub const SURVEY_TEMPLATE: (&str, &str) = (
    "assets/templates/home-security-survey.toml",
    include_str!("../../../assets/templates/home-security-survey.toml"),
);
/// The scheme policy.
pub const POLICY: (&str, &str) = (
    "assets/policy.toml",
    include_str!("../../../assets/policy.toml"),
);
/// The measure catalogue.
pub const CATALOGUE: (&str, &str) = (
    "assets/catalogue/measures.toml",
    include_str!("../../../assets/catalogue/measures.toml"),
);
/// The CHARLIE fire-risk check.
pub const CHARLIE: (&str, &str) = (
    "assets/templates/charlie.toml",
    include_str!("../../../assets/templates/charlie.toml"),
);
/// The partner agencies referrals go to.
pub const AGENCIES: (&str, &str) = (
    "assets/agencies.toml",
    include_str!("../../../assets/agencies.toml"),
);
/// The fitting firms.
pub const CONTRACTORS: (&str, &str) = (
    "assets/contractors.toml",
    include_str!("../../../assets/contractors.toml"),
);
/// The data map: every synced field classified, the council's record of processing.
pub const DATA_MAP: (&str, &str) = (
    "assets/data-map.toml",
    include_str!("../../../assets/data-map.toml"),
);
/// The retention schedule: how long each class of record is kept, and what then.
pub const RETENTION: (&str, &str) = (
    "assets/retention.toml",
    include_str!("../../../assets/retention.toml"),
);

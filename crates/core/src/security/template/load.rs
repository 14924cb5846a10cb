//! What every data file (template, policy, catalogue, CHARLIE template, directory, contractors)
//! shares: the size cap, TOML errors that name the line, and the shape of an id.
/// Why a data file (template, policy, catalogue) was refused; the previous good one stays in use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The text is not valid TOML or has the wrong shape.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The TOML is well formed but breaks a rule; every problem is listed.
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
}

/// The largest data file (template, policy, catalogue, CHARLIE check, directory) accepted.
/// The shipped ones are under 40 KiB; the cap stops a runaway or hostile file (one field of
/// megabytes) from being parsed and held in memory at every start.
pub const MAX_DATA_FILE_BYTES: usize = 1024 * 1024;

/// Parses TOML text into `T`, reporting the line and column of a problem.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, LoadError> {
    if text.len() > MAX_DATA_FILE_BYTES {
        return Err(LoadError::Invalid(vec![format!(
            "the file is too large ({} KiB; a data file may be at most {} KiB)",
            text.len().div_ceil(1024),
            MAX_DATA_FILE_BYTES / 1024
        )]));
    }
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start).min(text.len());
        let before = text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        LoadError::Syntax {
            line,
            column,
            message: e.message().trim().to_owned(),
        }
    })
}

/// Ids are snake_case so paths like `doors[1].cylinder` stay unambiguous.
pub(crate) fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Adds a problem for a template id that is not lower-case letters, digits, - or _, or a
/// version below 1: stored records name their template by both, so both must be usable.
pub(crate) fn check_template_identity(id: &str, version: u32, problems: &mut Vec<String>) {
    if !is_id(&id.replace('-', "_")) {
        problems.push(format!(
            "template id \"{id}\" must be lower-case letters, digits, - or _"
        ));
    }
    if version == 0 {
        problems.push("version must be 1 or more".into());
    }
}

//! What the council sets for its reports: its schemes (`DOORSTEP_HUB_SCHEMES`, else the
//! demo round built into Doorstep), its own funders' returns (`DOORSTEP_HUB_RETURNS`, a
//! folder of `.toml` mappings beside the built-in ones) and the suppression threshold
//! (`DOORSTEP_HUB_SUPPRESSION_THRESHOLD`, 5 unless set). Read once at start.
//!
//! A faulty schemes file stops the hub (a report for a round nobody meant is worse than
//! none). A faulty return mapping does not: it is refused with its file, line and reason,
//! logged and shown to analysts and administrators on the reports page, and the built-in
//! return of the same id (the previous good one) stays in use.

use std::path::Path;
use std::sync::OnceLock;

use doorstep_reports::figure::Threshold;
use doorstep_reports::returns::{BUILT_IN_RETURNS, ReturnError, ReturnMapping, load_returns};
use doorstep_reports::scheme::{BUILT_IN_SCHEMES, Scheme, parse_schemes};

/// The council's report settings.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    /// The schemes and funding rounds.
    pub schemes: Vec<Scheme>,
    /// The returns a report can be written as.
    pub returns: Vec<ReturnMapping>,
    /// The council's return files that were refused, with why.
    pub refused_returns: Vec<ReturnError>,
    /// The smallest count an aggregate shows.
    pub threshold: Threshold,
}

/// Why the report settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A file could not be read.
    #[error("{path}: could not be read ({reason})")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The schemes file is faulty.
    #[error("{path}: {reason}")]
    Schemes {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The threshold is not a whole number from 1 to 100.
    #[error(
        "DOORSTEP_HUB_SUPPRESSION_THRESHOLD must be a whole number from 1 to 100 (the smallest count a report shows)"
    )]
    Threshold,
}

static SETTINGS: OnceLock<ReportSettings> = OnceLock::new();

/// The settings built into Doorstep: the demo round, the built-in returns, a threshold of 5.
fn built_in() -> ReportSettings {
    let (returns, refused_returns) = load_returns(BUILT_IN_RETURNS, &[]);
    ReportSettings {
        schemes: parse_schemes(BUILT_IN_SCHEMES.1).unwrap_or_default(),
        returns,
        refused_returns,
        threshold: Threshold::default(),
    }
}

/// The settings in use: those loaded at start, else the built-in ones.
pub fn settings() -> &'static ReportSettings {
    SETTINGS.get_or_init(built_in)
}

/// The council's return files in `folder` (`*.toml`), as (file name, text).
fn council_returns(folder: &Path) -> Result<Vec<(String, String)>, SettingsError> {
    let read_error = |reason: String| SettingsError::Read {
        path: folder.display().to_string(),
        reason,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(|e| read_error(e.to_string()))? {
        let path = entry.map_err(|e| read_error(e.to_string()))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).map_err(|e| SettingsError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        files.push((name, text));
    }
    files.sort();
    Ok(files)
}

/// Loads the council's settings once, at start: each argument is the environment's value.
pub fn load(
    schemes: Option<&Path>,
    returns: Option<&Path>,
    threshold: Option<&str>,
) -> Result<&'static ReportSettings, SettingsError> {
    let loaded = read(schemes, returns, threshold)?;
    Ok(SETTINGS.get_or_init(|| loaded))
}

/// The settings the files and the threshold give, over the built-in ones.
pub fn read(
    schemes: Option<&Path>,
    returns: Option<&Path>,
    threshold: Option<&str>,
) -> Result<ReportSettings, SettingsError> {
    let mut loaded = built_in();
    if let Some(path) = schemes {
        let text = std::fs::read_to_string(path).map_err(|e| SettingsError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        loaded.schemes = parse_schemes(&text).map_err(|e| SettingsError::Schemes {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    }
    if let Some(folder) = returns {
        let (mappings, refused) = load_returns(BUILT_IN_RETURNS, &council_returns(folder)?);
        for error in &refused {
            tracing::error!(%error, "reports: a return mapping was refused; the built-in one stays");
        }
        loaded.returns = mappings;
        loaded.refused_returns = refused;
    }
    if let Some(text) = threshold {
        let n: u32 = text.trim().parse().map_err(|_| SettingsError::Threshold)?;
        if !(1..=100).contains(&n) {
            return Err(SettingsError::Threshold);
        }
        loaded.threshold = Threshold::new(n);
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed expectation is a failed test

    use super::*;

    #[test]
    fn a_faulty_return_is_refused_with_its_line_and_the_built_in_one_stays() {
        let dir = tempfile::tempdir().unwrap();
        let built_in = BUILT_IN_RETURNS[0].1;
        let bad = built_in.replacen("measure = \"surveys\"", "measure = \"plans.platinum\"", 1);
        assert_ne!(bad, built_in, "the built-in return names surveys");
        std::fs::write(dir.path().join("safer-streets.toml"), &bad).unwrap();
        let read = read(None, Some(dir.path()), None).unwrap();
        assert_eq!(read.refused_returns.len(), 1);
        let why = read.refused_returns[0].to_string();
        assert!(
            why.contains("safer-streets.toml") && why.contains("plans.platinum"),
            "{why}"
        );
        assert!(why.contains("line"), "{why}");
        let kept = ReturnMapping::parse("built-in", built_in).unwrap();
        assert!(
            read.returns.iter().any(|r| r.id == kept.id),
            "the built-in return stays"
        );
    }

    #[test]
    fn a_threshold_or_schemes_file_that_cannot_be_used_stops_the_hub() {
        assert!(matches!(
            read(None, None, Some("0")),
            Err(SettingsError::Threshold)
        ));
        assert!(matches!(
            read(None, None, Some("five")),
            Err(SettingsError::Threshold)
        ));
        assert_eq!(read(None, None, Some("10")).unwrap().threshold.get(), 10);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schemes.toml");
        std::fs::write(&path, "[[scheme]]\nid = \"x\"\n").unwrap();
        let error = read(Some(&path), None, None).unwrap_err().to_string();
        assert!(error.contains("schemes.toml"), "{error}");
    }
}

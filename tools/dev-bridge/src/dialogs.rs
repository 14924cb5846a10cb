//! Stand-ins for the desktop's file dialogs. A browser cannot hand Rust a path, so a save
//! goes to a folder inside the data folder, and an open takes a path the developer types.

use std::path::{Path, PathBuf};

use doorstep_api::{AppError, ErrorCode};

/// The folder, inside the data folder, that saves go to.
pub const SAVE_FOLDER: &str = "bridge-files";

/// What a save falls back to when the suggested name has no usable last part.
const UNTITLED: &str = "untitled";

/// Where the dialogs' files live.
#[derive(Debug, Clone)]
pub struct Files {
    save_dir: PathBuf,
}

impl Files {
    /// Saves under `<data_dir>/bridge-files/`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            save_dir: data_dir.join(SAVE_FOLDER),
        }
    }

    /// The "Save as" answer: the suggested name's last part (never a path of its own, so
    /// `../x` or `/etc/x` cannot leave the folder) inside the save folder.
    pub fn save_path(&self, suggested: Option<&str>) -> Result<PathBuf, AppError> {
        std::fs::create_dir_all(&self.save_dir).map_err(|e| {
            AppError::new(
                ErrorCode::Io,
                format!("The bridge could not create its save folder: {e}"),
            )
        })?;
        Ok(self.save_dir.join(file_name(suggested)))
    }
}

/// The last part of a suggested name, either separator counted; `untitled` when there is
/// none, or it is `.`, `..` or holds a NUL.
fn file_name(suggested: Option<&str>) -> &str {
    suggested
        .and_then(|s| s.rsplit(['/', '\\']).next())
        .map(str::trim)
        .filter(|n| !n.is_empty() && *n != "." && *n != ".." && !n.contains('\0'))
        .unwrap_or(UNTITLED)
}

/// The "Open" answer: the path the developer gave, made absolute, if it exists and is a
/// folder exactly when a folder was asked for.
pub fn open_path(path: &str, directory: bool) -> Result<PathBuf, AppError> {
    let not_found = || {
        AppError::new(
            ErrorCode::NotFound,
            if directory {
                "There is no folder at that path on this computer."
            } else {
                "There is no file at that path on this computer."
            },
        )
    };
    let found = std::fs::canonicalize(path).map_err(|_| not_found())?;
    if found.is_dir() == directory {
        Ok(found)
    } else {
        Err(not_found())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_keeps_only_the_last_part_of_the_name() {
        assert_eq!(file_name(Some("plan.pdf")), "plan.pdf");
        assert_eq!(file_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(file_name(Some("/tmp/a/summary.csv")), "summary.csv");
        assert_eq!(file_name(Some("C:\\Users\\x\\backup.db")), "backup.db");
        for odd in [
            None,
            Some(""),
            Some(".."),
            Some("a/.."),
            Some("dir/"),
            Some("a\0b"),
        ] {
            assert_eq!(file_name(odd), UNTITLED, "{odd:?}");
        }
    }

    #[test]
    fn a_save_lands_in_the_save_folder() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::new(dir.path());
        let path = files.save_path(Some("../../escape.pdf")).unwrap();
        assert_eq!(path, dir.path().join(SAVE_FOLDER).join("escape.pdf"));
        assert!(dir.path().join(SAVE_FOLDER).is_dir());
    }

    #[test]
    fn an_open_needs_something_of_the_right_kind_there() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("doors.csv");
        std::fs::write(&file, "uprn\n").unwrap();
        let name = file.to_str().unwrap();
        assert_eq!(
            open_path(name, false).unwrap(),
            std::fs::canonicalize(&file).unwrap()
        );
        assert_eq!(open_path(name, true).unwrap_err().code, ErrorCode::NotFound);
        assert!(open_path(dir.path().to_str().unwrap(), true).is_ok());
        let missing = dir.path().join("missing.csv");
        assert_eq!(
            open_path(missing.to_str().unwrap(), false)
                .unwrap_err()
                .code,
            ErrorCode::NotFound
        );
    }
}

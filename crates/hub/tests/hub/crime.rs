//! Issue 14: police crime data. A file with the wrong columns writes nothing; importing the
//! same file again adds nothing (its rows are updated instead); rejected rows are reported
//! by line; reports read a period's burglaries back. Synthetic data only: made-up LSOAs
//! (E010999xx), references and UPRNs, never real addresses.

use std::path::Path;

use doorstep_hub::crime::{self, ImportError};
use doorstep_reports::crime::{CrimeError, CrimeSource, FORCE_EXTRACT_HEADER, STREET_LEVEL_HEADER};

use super::*;

on_both_backends!(
    a_file_with_wrong_columns_writes_nothing,
    importing_a_file_again_updates_and_adds_nothing,
    the_admin_command_prints_rejected_rows_and_fails_on_a_refused_file,
);

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A force extract: four good rows (one burglary twice at the same home, for repeat
/// victimisation) and two bad ones, on lines 4 and 7.
fn extract() -> String {
    format!(
        "{FORCE_EXTRACT_HEADER}\n\
         TS/26/0001,2026-03-02,100099000001,ZY5 2AB,E01099901\n\
         TS/26/0002,2026-03-20,100099000002,,E01099902\n\
         TS/26/0003,03/04/2026,100099000003,,\n\
         TS/26/0004,2026-04-11,100099000001,ZY5 2AB,E01099901\n\
         TS/26/0005,2026-05-01,100099000004,,\n\
         TS/26/0006,2026-05-02,not-a-uprn,,\n"
    )
}

async fn a_file_with_wrong_columns_writes_nothing(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let wrong = write(
        dir.path(),
        "wrong.csv",
        "Crime ID,Month,Location\nabc,2026-03,On or near Test Lane\n",
    );
    let now = Clock::system().now_ms();
    let err = crime::import_file(&store, None, &wrong, now)
        .await
        .unwrap_err();
    match &err {
        ImportError::Refused { reason, .. } => assert_eq!(
            reason,
            &CrimeError::MissingColumns {
                format: CrimeSource::StreetLevel,
                missing: vec!["LSOA code".into(), "Crime type".into()],
            },
            "the sentence names the missing columns"
        ),
        other => panic!("expected a refusal, got {other}"),
    }
    assert!(err.to_string().contains("LSOA code, Crime type"), "{err}");
    assert!(
        store.crime_imports(10).await.unwrap().is_empty(),
        "no import recorded"
    );
    assert!(
        store
            .burglaries_between(day("2000-01-01"), day("2099-12-31"))
            .await
            .unwrap()
            .is_empty(),
        "no burglary written"
    );
    assert_eq!(
        audited(&store, crime::AUDIT_ACTION, "refused").await.len(),
        1,
        "the refused attempt is on the record"
    );
}

async fn importing_a_file_again_updates_and_adds_nothing(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "extract-2026.csv", &extract());
    let first = crime::import_file(&store, None, &path, 1_000)
        .await
        .unwrap();
    assert_eq!(first.summary.source, CrimeSource::ForceExtract);
    assert_eq!(
        first.summary.file_label, "extract-2026.csv",
        "the name, no folder"
    );
    assert_eq!(
        (
            first.summary.rows_added,
            first.summary.rows_updated,
            first.summary.rejected
        ),
        (4, 0, 2)
    );
    assert_eq!(first.summary.imported_by, crime::BY_ADMIN);
    let lines: Vec<u64> = first.import.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, [4, 7], "rejected rows by their line in the file");
    assert!(
        first.import.rejected[0]
            .reason
            .contains("date \"03/04/2026\""),
        "{:?}",
        first.import.rejected
    );
    assert!(
        first.import.rejected[1]
            .reason
            .contains("uprn \"not-a-uprn\""),
        "{:?}",
        first.import.rejected
    );

    let again = crime::import_file(&store, None, &path, 2_000)
        .await
        .unwrap();
    assert_eq!(
        (again.summary.rows_added, again.summary.rows_updated),
        (0, 4),
        "the same file again adds nothing: its rows are updated by key"
    );
    let all = store
        .burglaries_between(day("2000-01-01"), day("2099-12-31"))
        .await
        .unwrap();
    assert_eq!(all.len(), 4, "no burglary doubled");

    // A street-level month beside it: one burglary kept, other types skipped.
    let street = format!(
        "\u{feff}{STREET_LEVEL_HEADER}\n\
         {id1},2026-04,Testshire Police,Testshire Police,-1.1,53.1,On or near Test Lane,E01099903,Testtown 003A,Burglary,Under investigation,\n\
         ,2026-04,Testshire Police,Testshire Police,-1.1,53.1,On or near Test Lane,E01099903,Testtown 003A,Anti-social behaviour,,\n\
         {id2},2026-04,Testshire Police,Testshire Police,-1.1,53.1,On or near Test Lane,E01099903,Testtown 003A,Vehicle crime,Under investigation,\n",
        id1 = "a".repeat(64),
        id2 = "b".repeat(64),
    );
    let street_path = write(dir.path(), "2026-04-testshire-street.csv", &street);
    let month = crime::import_file(&store, Some("analyst-1"), &street_path, 3_000)
        .await
        .unwrap();
    assert_eq!(
        (
            month.summary.source,
            month.summary.rows_added,
            month.summary.skipped
        ),
        (CrimeSource::StreetLevel, 1, 2)
    );
    assert_eq!(month.summary.imported_by, "analyst-1");

    let april = store
        .burglaries_between(day("2026-04-01"), day("2026-04-30"))
        .await
        .unwrap();
    assert_eq!(
        april,
        vec![
            doorstep_reports::engine::Burglary {
                date: day("2026-04-01"),
                uprn: None,
                postcode: None,
                lsoa: Some("E01099903".into()),
            },
            doorstep_reports::engine::Burglary {
                date: day("2026-04-11"),
                uprn: Some("100099000001".into()),
                postcode: Some("ZY5 2AB".into()),
                lsoa: Some("E01099901".into()),
            },
        ],
        "both ends included, oldest first; a street-level row on the first of its month"
    );
    let march = store
        .burglaries_between(day("2026-03-02"), day("2026-03-02"))
        .await
        .unwrap();
    assert_eq!(march.len(), 1, "a single day is a period too");

    let imports = store.crime_imports(10).await.unwrap();
    let seen: Vec<(u64, u64, i64)> = imports
        .iter()
        .map(|i| (i.rows_added, i.rows_updated, i.at))
        .collect();
    assert_eq!(
        seen,
        [(1, 0, 3_000), (0, 4, 2_000), (4, 0, 1_000)],
        "newest first"
    );
    assert_eq!(imports[0], month.summary, "the summary as stored");
    assert_eq!(
        store.crime_imports(1).await.unwrap().len(),
        1,
        "the limit holds"
    );
    let ok = audited(&store, crime::AUDIT_ACTION, "ok").await;
    assert_eq!(ok.len(), 3, "each import audited");
    assert_eq!(ok[2].entity_id.as_deref(), Some(month.summary.id.as_str()));
    assert_eq!(ok[2].user_id.as_deref(), Some("analyst-1"));
}

async fn the_admin_command_prints_rejected_rows_and_fails_on_a_refused_file(backend: Backend) {
    let (db, store) = setup(backend).await;
    drop(store);
    let dir = tempfile::tempdir().unwrap();
    let run = |file: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_doorstep-hub"))
            .arg("--database")
            .arg(&db.url)
            .args(["admin", "import-crime", "--file"])
            .arg(file)
            .env("RUST_LOG", "error")
            .env_remove("DATABASE_URL")
            .env_remove("DOORSTEP_HUB_KEY")
            .env_remove("DOORSTEP_HUB_KEY_FILE")
            .env_remove("DOORSTEP_HUB_CONFIG")
            .env_remove("CREDENTIALS_DIRECTORY")
            .output()
            .unwrap()
    };
    let good = write(dir.path(), "extract.csv", &extract());
    let out = run(&good);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].contains("4 burglaries added, 0 updated, 2 rows rejected"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("line 4: date \"03/04/2026\""),
        "{stdout}"
    );
    assert!(
        lines[2].starts_with("line 7: uprn \"not-a-uprn\""),
        "{stdout}"
    );
    assert_eq!(lines.len(), 3, "{stdout}");

    let wrong = write(dir.path(), "wrong.csv", "name,address\nA,B\n");
    let out = run(&wrong);
    assert!(!out.status.success(), "a refused file fails the command");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    let store = doorstep_hub::open(&db.url).await.unwrap();
    assert_eq!(
        store.crime_imports(10).await.unwrap().len(),
        1,
        "only the good file was imported"
    );
}

//! The subject access answer as files: the reviewed [`Bundle`] as a readable PDF (fields in
//! the data map's words), and one ZIP holding `answer.pdf`, `answer.json`, `answer.csv` and
//! the photos and signatures the kept records name, as `attachments/<sha256>.<ext>`.
//! Pure: the bundle and the attachments' bytes come in, the files go out.

use std::io::Write;

use doorstep_core::attachment::extension_of;
use doorstep_pdf::{AccessField, AccessRecord, AccessSection, SubjectAccessDocument};
use serde_json::Value;

use super::bundle::{Bundle, to_csv};

/// Why the answer's files could not be made (none of these is the DPO's doing).
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// The PDF could not be made.
    #[error("the answer's PDF could not be made: {0}")]
    Pdf(#[from] doorstep_pdf::PdfError),
    /// The JSON could not be written.
    #[error("the answer's JSON could not be written: {0}")]
    Json(#[from] serde_json::Error),
    /// The CSV could not be written.
    #[error("the answer's CSV could not be written: {0}")]
    Csv(#[from] csv::Error),
    /// The ZIP could not be written.
    #[error("the answer's ZIP could not be written: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Writing into the ZIP failed.
    #[error("the answer's ZIP could not be written: {0}")]
    Io(#[from] std::io::Error),
}

/// An attachment's name in the answer: its hash and the extension its content says.
pub fn attachment_name(sha256: &str, bytes: &[u8]) -> String {
    format!("attachments/{sha256}.{}", extension_of(bytes))
}

/// A field's value as a line of text: nested values as `name: value` pairs.
fn as_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "Yes".to_owned(),
        Value::Bool(false) => "No".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items
            .iter()
            .map(as_text)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{}: {}", k.replace('_', " "), as_text(v)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// What the data map says a field of `entity` is, else its name in words.
fn label(entity: &str, field: &str) -> String {
    crate::data_map::data_map()
        .and_then(|map| map.record(entity))
        .and_then(|kind| kind.entries.iter().find(|e| e.covers(field)))
        .map(|e| e.what.clone())
        .unwrap_or_else(|| {
            let words = field.replace('_', " ");
            let mut chars = words.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
}

/// The PDF's view of the bundle: records grouped by kind in the bundle's order, each field
/// labelled by the data map; `attachments` the files that come with it.
pub fn document(
    bundle: &Bundle,
    produced: &str,
    attachments: Vec<String>,
) -> SubjectAccessDocument {
    let mut sections: Vec<AccessSection> = Vec::new();
    for r in &bundle.records {
        let record = AccessRecord {
            id: r.id.clone(),
            fields: r
                .fields
                .iter()
                // Reserved fields (`_deleted`) are the hub's bookkeeping, not data about anyone.
                .filter(|(name, _)| !name.starts_with('_'))
                .map(|(name, value)| AccessField {
                    label: label(r.entity, name),
                    value: as_text(value),
                })
                .collect(),
        };
        match sections.last_mut() {
            Some(s) if s.kind == r.kind => s.records.push(record),
            _ => sections.push(AccessSection {
                kind: r.kind.to_owned(),
                records: vec![record],
            }),
        }
    }
    SubjectAccessDocument {
        reference: bundle.reference.clone(),
        produced: produced.to_owned(),
        sections,
        left_out: bundle.left_out.clone(),
        recipients: bundle.recipients.clone(),
        attachments,
        notice: bundle.notice.iter().map(|n| (*n).to_owned()).collect(),
    }
}

/// The ZIP: `answer.pdf`, `answer.json`, `answer.csv`, then each attachment (SHA-256 and
/// bytes) under [`attachment_name`].
pub fn zip(
    bundle: &Bundle,
    pdf: &[u8],
    attachments: &[(String, Vec<u8>)],
) -> Result<Vec<u8>, AnswerError> {
    let json = serde_json::to_string_pretty(bundle)?;
    let csv = to_csv(bundle)?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    // Photos are compressed already: storing them saves the time of deflating them again.
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in [
        ("answer.pdf", pdf),
        ("answer.json", json.as_bytes()),
        ("answer.csv", csv.as_bytes()),
    ] {
        out.start_file(name, deflated)?;
        out.write_all(bytes)?;
    }
    for (sha256, bytes) in attachments {
        out.start_file(attachment_name(sha256, bytes), stored)?;
        out.write_all(bytes)?;
    }
    Ok(out.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::bundle::{BundleRecord, NOTICE};
    use serde_json::json;

    fn bundle() -> Bundle {
        let fields = |v: Value| v.as_object().cloned().unwrap_or_default();
        Bundle {
            reference: "SAR-9".into(),
            produced_at: "2026-12-07T10:00:00Z".into(),
            records: vec![
                BundleRecord {
                    kind: "Resident",
                    entity: "person",
                    id: "p1".into(),
                    fields: fields(json!({"full_name": "Rowan Testwell", "_deleted": false})),
                },
                BundleRecord {
                    kind: "Visit",
                    entity: "visit",
                    id: "v1".into(),
                    fields: fields(json!({"notes": "Back door", "done": true, "x_y": [1, 2]})),
                },
            ],
            left_out: vec![],
            recipients: vec![],
            notice: NOTICE.to_vec(),
        }
    }

    #[test]
    fn fields_are_in_the_data_maps_words_and_values_in_plain_text() {
        let doc = document(&bundle(), "7 December 2026", vec![]);
        assert_eq!(doc.sections.len(), 2);
        let resident = &doc.sections[0].records[0].fields;
        assert_eq!(
            resident.len(),
            1,
            "reserved fields are not shown: {resident:?}"
        );
        assert_ne!(resident[0].label, "full_name", "labelled from the data map");
        let visit = &doc.sections[1].records[0].fields;
        assert!(visit.iter().any(|f| f.value == "Yes"));
        assert!(visit.iter().any(|f| f.label == "X y" && f.value == "1; 2"));
    }

    #[test]
    fn the_zip_holds_the_three_files_and_each_photo_by_its_hash() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        let sha = "d".repeat(64);
        let bytes = zip(&bundle(), b"%PDF-1.7", &[(sha.clone(), png.to_vec())]).unwrap_or_default();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes));
        let names: Vec<String> = archive
            .as_mut()
            .map(|a| {
                a.file_names()
                    .filter_map(Result::ok)
                    .map(|n| n.into_owned())
                    .collect()
            })
            .unwrap_or_default();
        for want in [
            "answer.pdf".to_owned(),
            "answer.json".to_owned(),
            "answer.csv".to_owned(),
            format!("attachments/{sha}.png"),
        ] {
            assert!(names.contains(&want), "{want} in {names:?}");
        }
    }
}

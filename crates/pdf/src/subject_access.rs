//! The answer to a subject access request as a readable document: every record the council
//! holds about the person, by kind and in words, what was left out, who received the data,
//! and the notice the law requires (UK GDPR Art. 15). The hub fills the view model from the
//! same bundle it gives as JSON, after the DPO's review, so the two never differ.
//!
//! The title and file metadata name the request's reference only, never the person: the
//! document may sit in a downloads folder or a print queue.

use serde::{Deserialize, Serialize};

use crate::layout::{Align, Column, Layout, Span, b, r};
use crate::{Branding, PdfError};

/// One field of a record, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessField {
    /// What it is ("Their phone number"), or the field's own name when the data map does
    /// not say.
    pub label: String,
    /// Its value as text.
    pub value: String,
}

/// One record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRecord {
    /// Its reference (the record's id), to match the JSON and CSV.
    pub id: String,
    /// Its fields.
    pub fields: Vec<AccessField>,
}

/// The records of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessSection {
    /// The kind in words ("Visit", "Home security survey").
    pub kind: String,
    /// Its records.
    pub records: Vec<AccessRecord>,
}

/// Everything printed in the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectAccessDocument {
    /// The council's reference for the request.
    pub reference: String,
    /// When the answer was produced, in words.
    pub produced: String,
    /// The records, kind by kind.
    pub sections: Vec<AccessSection>,
    /// What was left out, in words, never the details.
    pub left_out: Vec<String>,
    /// Who received the data.
    pub recipients: Vec<String>,
    /// The photos and signatures that come with the answer, by file name.
    pub attachments: Vec<String>,
    /// The notice the law requires.
    pub notice: Vec<String>,
}

/// Renders the answer to a subject access request as PDF bytes.
pub fn render_subject_access(
    doc: &SubjectAccessDocument,
    branding: &Branding,
) -> Result<Vec<u8>, PdfError> {
    let title = format!("Your data: subject access request {}", doc.reference);
    let mut page = Layout::new(
        &title,
        "The council's answer to a subject access request",
        branding,
        Some("OFFICIAL-SENSITIVE"),
    )?;
    page.key_values(&[
        ("Our reference", vec![b(&doc.reference)]),
        ("Produced", vec![r(&doc.produced)]),
    ]);
    page.paragraph(&[r(
        "You asked for a copy of the information the council holds about you. This document \
         gives every record we hold, kind by kind, with each detail in words. The same \
         records come as data files (answer.json and answer.csv) for a computer to read.",
    )]);

    page.heading("What we hold");
    if doc.sections.is_empty() {
        page.paragraph(&[r("We hold no records about you.")]);
    } else {
        let summary: Vec<Vec<Span>> = doc
            .sections
            .iter()
            .map(|s| {
                vec![
                    b(&s.kind),
                    r(format!(
                        ": {} record{}",
                        s.records.len(),
                        if s.records.len() == 1 { "" } else { "s" }
                    )),
                ]
            })
            .collect();
        page.bullets(&summary);
    }
    let columns = [
        Column {
            header: "Detail",
            share: 0.45,
            align: Align::Left,
        },
        Column {
            header: "What we hold",
            share: 0.55,
            align: Align::Left,
        },
    ];
    for section in &doc.sections {
        for (n, record) in section.records.iter().enumerate() {
            page.heading(&format!(
                "{} {} of {}",
                section.kind,
                n + 1,
                section.records.len()
            ));
            page.note(&[r(format!("Reference {}", record.id))]);
            if record.fields.is_empty() {
                page.paragraph(&[r("No details recorded.")]);
                continue;
            }
            let rows: Vec<Vec<Vec<Span>>> = record
                .fields
                .iter()
                .map(|f| vec![vec![r(&f.label)], vec![r(&f.value)]])
                .collect();
            page.table(&columns, &rows);
        }
    }

    page.heading("Photos and signatures");
    if doc.attachments.is_empty() {
        page.paragraph(&[r("None come with this answer.")]);
    } else {
        page.paragraph(&[r(
            "These files come with this answer, each named by a fingerprint of its content \
             (the same name the records above give it):",
        )]);
        let items: Vec<Vec<Span>> = doc.attachments.iter().map(|a| vec![r(a)]).collect();
        page.bullets(&items);
    }

    page.heading("What we left out");
    if doc.left_out.is_empty() {
        page.paragraph(&[r("Nothing.")]);
    } else {
        page.paragraph(&[r(
            "The law protects other people's information too. We left out:",
        )]);
        let items: Vec<Vec<Span>> = doc.left_out.iter().map(|l| vec![r(l)]).collect();
        page.bullets(&items);
    }

    page.heading("Who received your data");
    if doc.recipients.is_empty() {
        page.paragraph(&[r("No one outside the council.")]);
    } else {
        let items: Vec<Vec<Span>> = doc.recipients.iter().map(|l| vec![r(l)]).collect();
        page.bullets(&items);
    }

    page.heading("Why we hold it, and your rights");
    let items: Vec<Vec<Span>> = doc.notice.iter().map(|l| vec![r(l)]).collect();
    page.bullets(&items);
    page.finish()
}

//! The contractor's work order.
//!
//! A contractor is a processor and gets only what it needs to fit the measures
//! (docs/domain.md#contractors). [`WorkOrderDocument`] has no field that could hold crime details,
//! vulnerability, health, CHARLIE answers, referral data, eligibility reasons, ethnicity or
//! the survey narrative, so a work order cannot print them. [`from_case`] is the one place
//! where a full case is narrowed to a work order.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::layout::{Align, Column, Layout, Span, b, r};
use crate::{Branding, PdfError, long_date};

/// How soon the work is needed, with no reason given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkPriority {
    /// Fit by the due date.
    Routine,
    /// Fit as soon as possible, and by the due date.
    Priority,
}

impl WorkPriority {
    /// The word printed on the order.
    pub fn label(self) -> &'static str {
        match self {
            Self::Routine => "Routine",
            Self::Priority => "High: please fit as soon as you can",
        }
    }
}

/// One catalogue item to fit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkItem {
    /// Catalogue name.
    pub name: String,
    /// What to fit and the standard to meet (from the catalogue).
    pub specification: String,
    /// Where in the home, e.g. "Back door".
    #[serde(default)]
    pub location: Option<String>,
    /// How many.
    pub quantity: u32,
}

/// Everything printed on a contractor's work order, and nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkOrderDocument {
    /// Work order number (the job reference).
    pub order_number: String,
    /// The fitting firm.
    pub firm: String,
    /// Date the order was issued.
    pub issued: NaiveDate,
    /// Date the work must be finished by.
    pub due: NaiveDate,
    /// Neutral priority.
    pub priority: WorkPriority,
    /// Agreed appointment window, e.g. "Tuesday mornings".
    #[serde(default)]
    pub appointment_window: Option<String>,
    /// Address lines of the home, without the postcode.
    pub address_lines: Vec<String>,
    /// Postcode.
    pub postcode: String,
    /// Who to contact to arrange access.
    pub contact_name: String,
    /// Their phone number.
    pub contact_phone: String,
    /// Access notes (key safe, parking, dogs), one point each.
    #[serde(default)]
    pub access_notes: Vec<String>,
    /// Items to fit.
    pub items: Vec<WorkItem>,
}

/// Someone's name and phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonContact {
    /// Name.
    pub name: String,
    /// Phone number.
    pub phone: String,
}

/// A measure on a case, with everything the app knows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseMeasure {
    /// Catalogue name.
    pub name: String,
    /// Catalogue specification for the fitter.
    pub specification: String,
    /// Where in the home.
    #[serde(default)]
    pub location: Option<String>,
    /// How many.
    pub quantity: u32,
    /// Why it helps, written for the resident (not for the contractor).
    #[serde(default)]
    pub resident_explanation: Option<String>,
    /// Price in pence (not for the contractor: it has its own schedule of rates).
    #[serde(default)]
    pub unit_cost_pence: u32,
}

/// Everything the app knows about a case when a work order is raised, sensitive parts
/// included. Only [`from_case`] reads it, and it copies only what a contractor may see.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseForWorkOrder {
    /// Work order number.
    pub order_number: String,
    /// Internal case reference (not sent: it links to the case file).
    pub case_reference: String,
    /// The fitting firm.
    pub firm: String,
    /// Issue date.
    pub issued: NaiveDate,
    /// Due date.
    pub due: NaiveDate,
    /// Whether the job is a priority.
    pub urgent: bool,
    /// Why the job is a priority (never sent).
    #[serde(default)]
    pub priority_reason: Option<String>,
    /// Agreed appointment window.
    #[serde(default)]
    pub appointment_window: Option<String>,
    /// Resident's name.
    pub resident_name: String,
    /// Resident's phone.
    pub resident_phone: String,
    /// Resident's date of birth (never sent).
    #[serde(default)]
    pub date_of_birth: Option<String>,
    /// Resident's ethnicity (never sent).
    #[serde(default)]
    pub ethnicity: Option<String>,
    /// Address lines.
    pub address_lines: Vec<String>,
    /// Postcode.
    pub postcode: String,
    /// Someone who arranges access instead of the resident (a carer, relative or support
    /// worker). Required when `domestic_abuse` is set: the contractor then never contacts
    /// the resident directly.
    #[serde(default)]
    pub access_contact: Option<PersonContact>,
    /// Access notes for the fitter.
    #[serde(default)]
    pub access_notes: Vec<String>,
    /// Measures to fit.
    pub measures: Vec<CaseMeasure>,
    /// Crime reference numbers (never sent).
    #[serde(default)]
    pub crime_references: Vec<String>,
    /// What happened (never sent).
    #[serde(default)]
    pub crime_details: Option<String>,
    /// Vulnerabilities noted (never sent).
    #[serde(default)]
    pub vulnerabilities: Vec<String>,
    /// Health notes (never sent).
    #[serde(default)]
    pub health_notes: Vec<String>,
    /// CHARLIE answers, one per factor (never sent).
    #[serde(default)]
    pub charlie_answers: Vec<String>,
    /// Referrals made (never sent).
    #[serde(default)]
    pub referrals: Vec<String>,
    /// Whether domestic abuse is part of the case (never sent, nor any hint of it).
    #[serde(default)]
    pub domestic_abuse: bool,
    /// Domestic abuse notes (never sent).
    #[serde(default)]
    pub domestic_abuse_notes: Option<String>,
    /// Why the household is eligible: benefits, age, disability (never sent).
    #[serde(default)]
    pub eligibility_reasons: Vec<String>,
    /// The officer's survey narrative (never sent).
    #[serde(default)]
    pub survey_narrative: Option<String>,
    /// Other officer notes (never sent).
    #[serde(default)]
    pub officer_notes: Option<String>,
}

/// Narrows a full case to a work order: the job reference, address, access notes, a contact
/// name and phone, the appointment window, catalogue items and a neutral priority.
///
/// When the case involves domestic abuse the contact is the access contact (the support
/// worker), never the resident, and nothing on the order says why; without an access
/// contact such a case is refused with [`PdfError::NoSafeContact`].
pub fn from_case(case: &CaseForWorkOrder) -> Result<WorkOrderDocument, PdfError> {
    let contact = match (&case.access_contact, case.domestic_abuse) {
        (Some(contact), _) => contact.clone(),
        (None, true) => {
            return Err(PdfError::NoSafeContact {
                order_number: case.order_number.clone(),
            });
        }
        (None, false) => PersonContact {
            name: case.resident_name.clone(),
            phone: case.resident_phone.clone(),
        },
    };
    Ok(WorkOrderDocument {
        order_number: case.order_number.clone(),
        firm: case.firm.clone(),
        issued: case.issued,
        due: case.due,
        priority: if case.urgent {
            WorkPriority::Priority
        } else {
            WorkPriority::Routine
        },
        appointment_window: case.appointment_window.clone(),
        address_lines: case.address_lines.clone(),
        postcode: case.postcode.clone(),
        contact_name: contact.name,
        contact_phone: contact.phone,
        access_notes: case.access_notes.clone(),
        items: case
            .measures
            .iter()
            .map(|m| WorkItem {
                name: m.name.clone(),
                specification: m.specification.clone(),
                location: m.location.clone(),
                quantity: m.quantity,
            })
            .collect(),
    })
}

/// Renders the contractor's work order as PDF bytes.
pub fn render_work_order(
    order: &WorkOrderDocument,
    branding: &Branding,
) -> Result<Vec<u8>, PdfError> {
    let title = format!("Work order {}", order.order_number);
    let mut page = Layout::new(&title, "Contractor work order", branding, None)?;

    let mut rows = vec![
        ("Order number", vec![b(&order.order_number)]),
        ("Firm", vec![r(&order.firm)]),
        ("Issued", vec![r(long_date(order.issued))]),
        ("Finish by", vec![b(long_date(order.due))]),
        ("Priority", vec![r(order.priority.label())]),
    ];
    if let Some(window) = order
        .appointment_window
        .as_deref()
        .filter(|w| !w.trim().is_empty())
    {
        rows.push(("Appointments", vec![r(window)]));
    }
    page.key_values(&rows);

    page.heading("Where and who");
    let mut address = order.address_lines.join("\n");
    if !order.postcode.trim().is_empty() {
        address.push('\n');
        address.push_str(&order.postcode);
    }
    page.key_values(&[
        ("Address", vec![r(address)]),
        ("Contact", vec![r(&order.contact_name)]),
        ("Phone", vec![b(&order.contact_phone)]),
    ]);
    page.paragraph(&[r(
        "Phone the contact to agree a time before you go. Show your ID card at the door.",
    )]);

    page.heading("Access notes");
    if order.access_notes.is_empty() {
        page.paragraph(&[r("None.")]);
    } else {
        let items: Vec<Vec<Span>> = order.access_notes.iter().map(|n| vec![r(n)]).collect();
        page.bullets(&items);
    }

    page.heading("Work to do");
    let columns = [
        Column {
            header: "Item",
            share: 0.27,
            align: Align::Left,
        },
        Column {
            header: "Specification",
            share: 0.43,
            align: Align::Left,
        },
        Column {
            header: "Where",
            share: 0.19,
            align: Align::Left,
        },
        Column {
            header: "Qty",
            share: 0.11,
            align: Align::Right,
        },
    ];
    let rows: Vec<Vec<Vec<Span>>> = order
        .items
        .iter()
        .map(|item| {
            vec![
                vec![b(&item.name)],
                vec![r(&item.specification)],
                vec![r(item
                    .location
                    .clone()
                    .unwrap_or_else(|| "Whole home".to_owned()))],
                vec![r(item.quantity.to_string())],
            ]
        })
        .collect();
    page.table(&columns, &rows);

    page.heading("Completion");
    page.checkbox("All items fitted, tested and working");
    page.checkbox("Keys, instructions and guarantees handed to the contact");
    page.checkbox("Work area left clean and safe");
    page.write_in("Items not fitted, and why:");
    page.write_in("Fitted by (name):");
    page.write_in("Date finished:");
    page.write_in("Signature:");
    page.space(6.0);
    page.note(&[
        b("Do not leave this order or any copy of it at the property. "),
        r(format!(
            "Return it to {} with your invoice, quoting the order number.",
            branding.council_name
        )),
    ]);
    page.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case() -> CaseForWorkOrder {
        CaseForWorkOrder {
            order_number: "WO-1".into(),
            resident_name: "Resident".into(),
            resident_phone: "0115 496 0999".into(),
            ..Default::default()
        }
    }

    #[test]
    fn resident_is_the_contact_by_default() {
        let order = from_case(&case()).expect("maps");
        assert_eq!(order.contact_name, "Resident");
        assert_eq!(order.priority, WorkPriority::Routine);
    }

    #[test]
    fn domestic_abuse_case_needs_an_access_contact() {
        let mut case = case();
        case.domestic_abuse = true;
        assert!(matches!(
            from_case(&case),
            Err(PdfError::NoSafeContact { .. })
        ));
        case.access_contact = Some(PersonContact {
            name: "Sam Worker".into(),
            phone: "0115 496 0777".into(),
        });
        let order = from_case(&case).expect("maps");
        assert_eq!(order.contact_name, "Sam Worker");
        assert_eq!(order.contact_phone, "0115 496 0777");
    }
}

//! Contractor work orders: what a fitting firm receives when a supervisor approves a plan, and
//! the steps a contractor may take on it.
//!
//! A contractor is a data processor (docs/domain.md#contractors). A [`WorkOrder`] has no field that
//! could carry crime details, vulnerability, health, CHARLIE answers, referrals, eligibility
//! reasons or the survey narrative, and [`orders_for_plan`] copies only the address, one
//! contact, access notes and catalogue items. The rules are pure, so the hub's contractor
//! portal applies exactly the ones the laptop does.
//!
//! Decisions, each a scheme choice that could change:
//! * One order per firm. A measure goes to the firm the supervisor chose for it, otherwise to
//!   the first firm in `contractors.toml` that fits its trade and covers the home's postcode.
//! * `supply_only` measures (advice, timer plugs, marking kits) are handed over by the officer
//!   and go on no order, unless the supervisor chooses a firm for one.
//! * The same measure on two plan lines becomes one order line with the quantities added, so an
//!   order names each measure once and a contractor's update says which by measure id.
//! * Only every item on every order being fitted moves the plan to fitted: an item not fitted
//!   (with its reason) is left for the office to resolve, since the resident is still waiting.
//! * When a domestic abuse concern is flagged, the contact must be someone who arranges access
//!   for the resident (such as their support worker), and nothing on the order says why.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::household::Household;
use crate::ids::{HouseholdId, typed_id};
use crate::security::Template;
use crate::security::catalogue::{Catalogue, Trade};
use crate::security::ids::PlanId;
use crate::security::lifecycle::PlanStatus;
use crate::security::places::item_places;
use crate::security::plan::{Plan, PlanItem};

use crate::validation;

typed_id!(
    /// Identifies a contractor's work order.
    WorkOrderId
);

impl WorkOrderId {
    /// The id of `plan`'s order for firm `firm_id`: the same on every laptop, so a plan
    /// approved on two laptops at once (a conflict the hub raises) never gives a firm two orders.
    pub fn for_plan_and_firm(plan: PlanId, firm_id: &str) -> Self {
        let mut bytes = *plan.0.as_bytes();
        // FNV-1a: the same on every build and platform, unlike std's hasher.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in firm_id.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // The plan id's first half (its time) stays, so orders sort with their plans.
        for (slot, b) in bytes.iter_mut().skip(8).zip(hash.to_be_bytes()) {
            *slot ^= b;
        }
        Self(uuid::Builder::from_custom_bytes(bytes).into_uuid())
    }
}

/// Longest a job may be given, in days, so a typo (280 for 28) is caught.
pub const MAX_DUE_DAYS: u32 = 365;
/// Longest access note, reason or contact name, in characters.
pub const MAX_TEXT: usize = 500;
/// Most access notes on one order.
pub const MAX_ACCESS_NOTES: usize = 10;

mod approval;
mod contractors;
mod resident;
mod steps;

pub use approval::{ApprovalError, ApprovalInputs, approve, order_reference, resident_contact};
pub use contractors::{Contractors, Firm, FirmChoices, FirmRef, SiteContact};
pub use resident::{ResidentNextSteps, resident_next_steps};
pub use steps::ContractorStep;

stored_enum!(
    /// Where a work order is, as the contractor moves it on.
    WorkOrderStatus {
        /// Raised at approval; the firm has not answered yet.
        New => "new",
        /// The firm will do the work.
        Accepted => "accepted",
        /// The firm will not do the work (with a reason); the office reassigns it.
        Declined => "declined",
        /// An appointment is booked.
        Scheduled => "scheduled",
        /// Every item is fitted.
        Fitted => "fitted",
    }
);

impl WorkOrderStatus {
    /// The status in words.
    pub fn label(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Scheduled => "booked",
            Self::Fitted => "fitted",
        }
    }

    /// Whether the firm still owes the work: not fitted, and not declined (a declined
    /// order is the office's to reassign, not the firm's to do).
    pub fn is_open(self) -> bool {
        matches!(self, Self::New | Self::Accepted | Self::Scheduled)
    }
}

impl WorkOrder {
    /// Whether the order is past its due date on `today` with the work still owed.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && today > self.due_date
    }
}

stored_enum!(
    /// Where one item on an order is.
    ItemStatus {
        /// Not done yet.
        Pending => "pending",
        /// Fitted.
        Fitted => "fitted",
        /// Could not be fitted (with a reason).
        NotFitted => "not_fitted",
    }
);

/// One measure to fit, and what the fitter reported about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct WorkOrderItem {
    /// Catalogue measure id.
    pub measure_id: String,
    /// Name, as on the plan.
    pub name: String,
    /// What to fit and the standard to meet, from the catalogue.
    pub specification: String,
    /// Which doors or windows, e.g. "Door 1, Window 3"; None for the whole home. Orders
    /// made before this was kept have none.
    #[serde(default)]
    pub location: Option<String>,
    /// How many.
    pub quantity: u32,
    /// Fitted or not.
    pub status: ItemStatus,
    /// When it was fitted.
    pub fitted_at: Option<DateTime<Utc>>,
    /// The standard the fitted product meets, as the fitter read it, e.g. "PAS 24", "TS007 3*".
    pub product_standard: Option<String>,
    /// Why it was not fitted.
    pub not_fitted_reason: Option<String>,
    /// A photo of the fitted item, `sha256:` and its digest.
    pub photo_sha256: Option<String>,
}

/// A contractor's work order: only what the fitter needs (docs/domain.md#contractors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct WorkOrder {
    /// Its id.
    pub id: WorkOrderId,
    /// The order number the firm quotes, e.g. "WO-1A2B3C4D-QLK".
    pub number: String,
    /// The plan it fits.
    pub plan_id: PlanId,
    /// The home.
    pub household_id: HouseholdId,
    /// The firm.
    pub firm: FirmRef,
    /// Address lines, town last, without the postcode.
    pub address_lines: Vec<String>,
    /// Postcode.
    pub postcode: String,
    /// Who to phone to arrange access.
    pub contact_name: String,
    /// Their phone.
    pub contact_phone: Option<String>,
    /// Access notes (key safe, parking, dogs), one point each.
    pub access_notes: Vec<String>,
    /// What to fit.
    pub items: Vec<WorkOrderItem>,
    /// The day the order was raised.
    pub issued_on: NaiveDate,
    /// The day the work must be finished by.
    pub due_date: NaiveDate,
    /// Where the order is.
    pub status: WorkOrderStatus,
    /// Why the firm declined it.
    pub decline_reason: Option<String>,
    /// The booked appointment.
    pub appointment_date: Option<NaiveDate>,
}

/// Why a work order could not be raised or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkOrderError {
    /// Orders come only from approved plans.
    #[error("Work orders are raised when a plan is approved; this plan is {status}")]
    PlanNotApproved {
        /// The plan's status.
        status: &'static str,
    },
    /// No firm fits the measure's trade where the home is, and the supervisor chose none.
    #[error(
        "No firm in the contractors list does {trade} work at this address, for {measure}: choose a firm for it"
    )]
    NoFirmForMeasure {
        /// The measure's name.
        measure: String,
        /// Its trade.
        trade: &'static str,
    },
    /// A chosen firm is not in the contractors list.
    #[error("There is no firm \"{firm}\" in the contractors list: choose one from the list")]
    UnknownFirm {
        /// The firm id given.
        firm: String,
    },
    /// A chosen firm does not do the measure's trade, or does not work where the home is.
    #[error(
        "{firm} cannot take {measure}: they do not do {trade} work at this address. Choose one of the firms offered for it"
    )]
    FirmNotEligible {
        /// The firm's name.
        firm: String,
        /// The measure's name.
        measure: String,
        /// The measure's trade.
        trade: &'static str,
    },
    /// A firm was chosen for a measure the plan does not have.
    #[error("A firm was chosen for \"{measure}\", which is not in this plan")]
    ChoiceForMissingMeasure {
        /// The measure id given.
        measure: String,
    },
    /// A plan's measure is no longer in the catalogue, so there is no specification to send.
    #[error(
        "{measure} is no longer in the measure catalogue, so the fitter has no specification: ask the scheme administrator"
    )]
    MeasureNotInCatalogue {
        /// The measure's name.
        measure: String,
    },
    /// A domestic abuse concern is flagged and the contact is the resident.
    #[error(
        "Give a contact who arranges access for the resident, such as their support worker: for this plan the fitter must not contact the resident directly"
    )]
    NeedsSafeContact,
    /// A field of the order is missing or wrong.
    #[error("{message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What to do.
        message: String,
    },
    /// The step is not possible from the order's status.
    #[error("This work order is {status}: it cannot be {step}")]
    NotFromStatus {
        /// The step, in words.
        step: &'static str,
        /// The order's status, in words.
        status: &'static str,
    },
    /// A required text was blank.
    #[error("Enter {0}")]
    Blank(&'static str),
    /// An appointment in the past.
    #[error("Choose an appointment date from today on, not {date}")]
    DateInPast {
        /// The date given.
        date: NaiveDate,
    },
    /// The order has no such item.
    #[error("This work order has no item \"{measure}\"")]
    NoSuchItem {
        /// The measure id given.
        measure: String,
    },
    /// The item was already reported fitted.
    #[error("{measure} is already recorded as fitted")]
    ItemAlreadyFitted {
        /// The item's name.
        measure: String,
    },
    /// Declining after fitting part of the work.
    #[error(
        "Some items are already fitted: record the rest as not fitted, with the reason, instead of declining"
    )]
    PartlyFitted,
    /// A photo reference that is not a SHA-256 digest.
    #[error("The photo reference must be sha256: and 64 hexadecimal digits")]
    BadPhoto,
}

/// Everything an approved plan's work orders are made from.
#[derive(Debug, Clone, Copy)]
pub struct OrderInputs<'a> {
    /// The approved plan.
    pub plan: &'a Plan,
    /// Its home.
    pub household: &'a Household,
    /// The measure catalogue (for specifications).
    pub catalogue: &'a Catalogue,
    /// The survey template the plan was made on (to name doors and windows).
    pub template: &'a Template,
    /// The fitting firms.
    pub contractors: &'a Contractors,
    /// The supervisor's choices of firm.
    pub choices: &'a FirmChoices,
    /// Who arranges access.
    pub contact: &'a SiteContact,
    /// Access notes for the fitters.
    pub access_notes: &'a [String],
    /// The day of approval.
    pub approved_on: NaiveDate,
}

/// "Door 1, Back of the home": every place the plan's lines of `measure_id` are for, each
/// once, in the survey's words (`security::places`); None for the whole home.
fn places_of(
    plan: &Plan,
    template: &Template,
    catalogue: &Catalogue,
    measure_id: &str,
) -> Option<String> {
    let mut places: Vec<String> = Vec::new();
    let lines = plan.items.iter().filter(|i| i.measure_id == measure_id);
    for place in lines.flat_map(|i| item_places(template, catalogue, i)) {
        if !places.contains(&place) {
            places.push(place);
        }
    }
    (!places.is_empty()).then(|| places.join(", "))
}

/// The short, human reference of a plan in order numbers: the last 8 hex digits of its id
/// (the random part of a UUIDv7), upper case.
pub fn plan_short_ref(plan: PlanId) -> String {
    let hex = plan.0.simple().to_string().to_ascii_uppercase();
    hex.get(hex.len().saturating_sub(8)..)
        .unwrap_or_default()
        .to_owned()
}

/// The order number for a plan's order to a firm, e.g. "WO-1A2B3C4D-QLK".
pub fn order_number(plan: PlanId, firm: &Firm) -> String {
    format!("WO-{}-{}", plan_short_ref(plan), firm.code)
}

fn text(value: &str, field: &'static str, what: &'static str) -> Result<String, WorkOrderError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(WorkOrderError::Blank(what));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(WorkOrderError::Invalid {
            field,
            message: format!("Use {MAX_TEXT} characters or fewer for {what}"),
        });
    }
    Ok(value.to_owned())
}

fn checked_contact(plan: &Plan, contact: &SiteContact) -> Result<SiteContact, WorkOrderError> {
    let da_flagged =
        plan.recommendation.refer_to_da_service.is_some() || plan.da_service_decision.is_some();
    if da_flagged && contact.is_resident {
        return Err(WorkOrderError::NeedsSafeContact);
    }
    let name = text(&contact.name, "contact_name", "the contact's name")?;
    let phone = match contact.phone.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(validation::phone(p).map_err(|m| WorkOrderError::Invalid {
            field: "contact_phone",
            message: m.to_owned(),
        })?),
    };
    Ok(SiteContact {
        name,
        phone,
        is_resident: contact.is_resident,
    })
}

fn checked_notes(notes: &[String]) -> Result<Vec<String>, WorkOrderError> {
    let notes: Vec<String> = notes
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    if notes.len() > MAX_ACCESS_NOTES {
        return Err(WorkOrderError::Invalid {
            field: "access_notes",
            message: format!("Keep to {MAX_ACCESS_NOTES} access notes or fewer"),
        });
    }
    if notes.iter().any(|n| n.chars().count() > MAX_TEXT) {
        return Err(WorkOrderError::Invalid {
            field: "access_notes",
            message: format!("Use {MAX_TEXT} characters or fewer for each access note"),
        });
    }
    Ok(notes)
}

/// The work orders for an approved plan: one per firm, in the order the plan first needs each
/// firm. Supply-only measures with no chosen firm go on none (the officer hands them over).
pub fn orders_for_plan(input: &OrderInputs<'_>) -> Result<Vec<WorkOrder>, WorkOrderError> {
    let plan = input.plan;
    if plan.status != PlanStatus::Approved {
        return Err(WorkOrderError::PlanNotApproved {
            status: plan.status.as_str(),
        });
    }
    for (measure, firm) in &input.choices.by_measure {
        if !plan.items.iter().any(|i| &i.measure_id == measure) {
            return Err(WorkOrderError::ChoiceForMissingMeasure {
                measure: measure.clone(),
            });
        }
        let Some(chosen) = input.contractors.get(firm) else {
            return Err(WorkOrderError::UnknownFirm { firm: firm.clone() });
        };
        for item in plan.items.iter().filter(|i| &i.measure_id == measure) {
            let eligible = input
                .contractors
                .eligible_firms(item.trade, &input.household.postcode)
                .any(|f| f.id == chosen.id);
            if !eligible {
                return Err(WorkOrderError::FirmNotEligible {
                    firm: chosen.name.clone(),
                    measure: item.name.clone(),
                    trade: item.trade.as_str(),
                });
            }
        }
    }
    let contact = checked_contact(plan, input.contact)?;
    let access_notes = checked_notes(input.access_notes)?;
    let postcode = &input.household.postcode;

    // Firms in the order the plan first needs them, each with its lines.
    let mut by_firm: Vec<(&Firm, Vec<WorkOrderItem>)> = Vec::new();
    for item in &plan.items {
        let firm = match input.choices.by_measure.get(&item.measure_id) {
            Some(id) => input.contractors.get(id),
            None if item.trade == Trade::SupplyOnly => continue,
            None => input.contractors.firm_for(item.trade, postcode),
        };
        let Some(firm) = firm else {
            return Err(WorkOrderError::NoFirmForMeasure {
                measure: item.name.clone(),
                trade: item.trade.as_str(),
            });
        };
        let Some(measure) = input.catalogue.get(&item.measure_id) else {
            return Err(WorkOrderError::MeasureNotInCatalogue {
                measure: item.name.clone(),
            });
        };
        let lines = match by_firm.iter_mut().find(|(f, _)| f.id == firm.id) {
            Some((_, lines)) => lines,
            None => {
                by_firm.push((firm, Vec::new()));
                let last = by_firm.len() - 1;
                &mut by_firm[last].1
            }
        };
        match lines.iter_mut().find(|l| l.measure_id == item.measure_id) {
            // Two plan lines of one measure are one order item, fitted in both places.
            Some(line) => line.quantity = line.quantity.saturating_add(item.quantity),
            None => lines.push(WorkOrderItem {
                measure_id: item.measure_id.clone(),
                name: item.name.clone(),
                specification: measure.specification.clone(),
                location: places_of(plan, input.template, input.catalogue, &item.measure_id),
                quantity: item.quantity,
                status: ItemStatus::Pending,
                fitted_at: None,
                product_standard: None,
                not_fitted_reason: None,
                photo_sha256: None,
            }),
        }
    }

    let h = input.household;
    let mut address_lines = vec![h.address_line_1.clone()];
    address_lines.extend(h.address_line_2.clone());
    address_lines.extend(h.address_line_3.clone());
    address_lines.push(h.town.clone());
    let due_date = input
        .approved_on
        .checked_add_days(Days::new(u64::from(input.contractors.due_days)))
        .unwrap_or(input.approved_on);
    Ok(by_firm
        .into_iter()
        .map(|(firm, items)| WorkOrder {
            id: WorkOrderId::for_plan_and_firm(plan.id, &firm.id),
            number: order_number(plan.id, firm),
            plan_id: plan.id,
            household_id: h.id,
            firm: firm.reference(),
            address_lines: address_lines.clone(),
            postcode: h.postcode.as_str().to_owned(),
            contact_name: contact.name.clone(),
            contact_phone: contact.phone.clone(),
            access_notes: access_notes.clone(),
            items,
            issued_on: input.approved_on,
            due_date,
            status: WorkOrderStatus::New,
            decline_reason: None,
            appointment_date: None,
        })
        .collect())
}

/// The plan's lines that are on no work order: the officer hands these over.
pub fn handed_over_by_officer<'p>(plan: &'p Plan, orders: &[WorkOrder]) -> Vec<&'p PlanItem> {
    plan.items
        .iter()
        .filter(|i| {
            !orders
                .iter()
                .flat_map(|o| &o.items)
                .any(|o| o.measure_id == i.measure_id)
        })
        .collect()
}

/// Whether the plan's fitting is finished: there are orders and every item on every one is
/// fitted. An item not fitted, or a declined order, keeps the plan where it is.
pub fn plan_fully_fitted(orders: &[WorkOrder]) -> bool {
    !orders.is_empty()
        && orders
            .iter()
            .flat_map(|o| &o.items)
            .all(|i| i.status == ItemStatus::Fitted)
}

/// When the last item was fitted: the plan's fitting date, from which the follow-up falls due.
pub fn last_fitted_at(orders: &[WorkOrder]) -> Option<DateTime<Utc>> {
    orders
        .iter()
        .flat_map(|o| &o.items)
        .filter_map(|i| i.fitted_at)
        .max()
}

#[cfg(test)]
mod tests;

//! Contractor work orders: what a fitting firm receives when a supervisor approves a plan, and
//! the steps a contractor may take on it.
//!
//! A contractor is a data processor (domain reference §6.6). A [`WorkOrder`] has no field that
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

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::household::Household;
use crate::ids::{HouseholdId, typed_id};
use crate::postcode::Postcode;
use crate::security::Template;
use crate::security::catalogue::{Catalogue, Trade};
use crate::security::ids::PlanId;
use crate::security::lifecycle::PlanStatus;
use crate::security::plan::{Plan, PlanItem};
use crate::security::template::{LoadError, is_id, parse_toml};
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

/// A fitting firm, as listed in `assets/contractors.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Firm {
    /// Stable id, shared with the hub (a contractor's account belongs to a firm by this id).
    pub id: String,
    /// Short code printed in order numbers, e.g. "QLK".
    pub code: String,
    /// Name.
    pub name: String,
    /// The trades it fits.
    pub trades: Vec<Trade>,
    /// Postcode areas ("ZY") or outward codes ("ZY3") it covers.
    pub areas: Vec<String>,
}

impl Firm {
    /// Whether the firm fits this trade.
    pub fn fits(&self, trade: Trade) -> bool {
        self.trades.contains(&trade)
    }

    /// Whether the firm works at this postcode.
    pub fn covers(&self, postcode: &Postcode) -> bool {
        let outward = postcode.outward();
        let area: String = outward
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        self.areas.iter().any(|a| {
            if a.chars().all(|c| c.is_ascii_alphabetic()) {
                *a == area
            } else {
                a == outward
            }
        })
    }

    /// What an order says about the firm.
    pub fn reference(&self) -> FirmRef {
        FirmRef {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }
}

/// The council's fitting firms and how long they have for a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Contractors {
    /// Version of the list.
    pub version: String,
    /// Days after approval by which the work must be finished.
    pub due_days: u32,
    /// The firms, in order of preference.
    pub firms: Vec<Firm>,
}

fn is_code(s: &str) -> bool {
    (2..=6).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn is_area(s: &str) -> bool {
    let letters = s.chars().take_while(char::is_ascii_alphabetic).count();
    (1..=2).contains(&letters)
        && s.len() <= 4
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && s.chars().skip(letters).all(|c| c.is_ascii_digit())
}

impl Contractors {
    /// Parses and checks the contractors file's text.
    pub fn from_toml(text: &str) -> Result<Self, LoadError> {
        let list: Self = parse_toml(text)?;
        let mut problems = Vec::new();
        if list.version.trim().is_empty() {
            problems.push("version must not be blank".to_owned());
        }
        if list.due_days == 0 || list.due_days > MAX_DUE_DAYS {
            problems.push(format!(
                "due_days must be between 1 and {MAX_DUE_DAYS}, not {}",
                list.due_days
            ));
        }
        if list.firms.is_empty() {
            problems.push("list at least one firm".to_owned());
        }
        let mut ids = std::collections::BTreeSet::new();
        let mut codes = std::collections::BTreeSet::new();
        for f in &list.firms {
            let context = format!("firm \"{}\"", f.id);
            if !is_id(&f.id) || !ids.insert(f.id.as_str()) {
                problems.push(format!("{context}: id must be a unique lower-case id"));
            }
            if !is_code(&f.code) || !codes.insert(f.code.as_str()) {
                problems.push(format!(
                    "{context}: code must be a unique 2 to 6 capital letters or digits"
                ));
            }
            if f.name.trim().is_empty() {
                problems.push(format!("{context}: needs a name"));
            }
            if f.trades.is_empty() {
                problems.push(format!("{context}: list the trades it fits"));
            }
            if f.trades.contains(&Trade::SupplyOnly) {
                problems.push(format!(
                    "{context}: supply_only is not a trade: the officer hands those measures over"
                ));
            }
            if f.areas.is_empty() {
                problems.push(format!("{context}: list the postcode areas it covers"));
            }
            for a in f.areas.iter().filter(|a| !is_area(a)) {
                problems.push(format!(
                    "{context}: area \"{a}\" must be a postcode area like \"ZY\" or an outward code like \"ZY3\""
                ));
            }
        }
        if problems.is_empty() {
            Ok(list)
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    /// Checks every trade the catalogue needs fitted has at least one firm.
    pub fn check_against(&self, catalogue: &Catalogue) -> Result<(), LoadError> {
        let mut problems: Vec<String> = Vec::new();
        for m in &catalogue.measures {
            if m.trade == Trade::SupplyOnly || self.firms.iter().any(|f| f.fits(m.trade)) {
                continue;
            }
            let problem = format!(
                "no firm fits {} work, needed for measure \"{}\"",
                m.trade.as_str(),
                m.id
            );
            if !problems.contains(&problem) {
                problems.push(problem);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    /// The firm with this id.
    pub fn get(&self, id: &str) -> Option<&Firm> {
        self.firms.iter().find(|f| f.id == id)
    }

    /// The preferred firm for this trade at this postcode.
    pub fn firm_for(&self, trade: Trade, postcode: &Postcode) -> Option<&Firm> {
        self.firms
            .iter()
            .find(|f| f.fits(trade) && f.covers(postcode))
    }
}

/// The supervisor's choice of firm for particular measures, overriding the choice by trade.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FirmChoices {
    /// Firm id by catalogue measure id.
    pub by_measure: BTreeMap<String, String>,
}

impl FirmChoices {
    /// Sends `measure_id` to firm `firm_id`.
    pub fn choose(mut self, measure_id: &str, firm_id: &str) -> Self {
        self.by_measure
            .insert(measure_id.to_owned(), firm_id.to_owned());
        self
    }
}

/// Who the fitter phones to arrange access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SiteContact {
    /// Name.
    pub name: String,
    /// Phone, when known.
    pub phone: Option<String>,
    /// The resident themselves (as opposed to a relative, carer or support worker).
    pub is_resident: bool,
}

impl SiteContact {
    /// The resident as the contact.
    pub fn resident(person: &crate::person::Person) -> Self {
        Self {
            name: person.full_name.clone(),
            phone: person.phone.clone(),
            is_resident: true,
        }
    }
}

/// The firm an order is for, as the order names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FirmRef {
    /// The firm's id, shared with the hub.
    pub id: String,
    /// Its name.
    pub name: String,
}

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

/// A contractor's work order: only what the fitter needs (domain reference §6.6).
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

/// "Door 1, Window 3": every door or window the plan's lines of `measure_id` are for, each
/// once, in the survey's words; None for the whole home.
fn places_of(plan: &Plan, template: &Template, measure_id: &str) -> Option<String> {
    let mut places: Vec<String> = Vec::new();
    let instances = plan
        .items
        .iter()
        .filter(|i| i.measure_id == measure_id)
        .flat_map(|i| &i.applies_to);
    for place in instances.filter_map(|p| template.instance_label(p)) {
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
        if input.contractors.get(firm).is_none() {
            return Err(WorkOrderError::UnknownFirm { firm: firm.clone() });
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
                location: places_of(plan, input.template, &item.measure_id),
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

/// A step a contractor takes on a work order (in the hub's portal, or reported by phone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ContractorStep {
    /// The firm will do the work.
    Accept,
    /// The firm will not do the work.
    Decline {
        /// Why.
        reason: String,
    },
    /// An appointment is booked (again, to move it).
    Schedule {
        /// The day.
        date: NaiveDate,
    },
    /// One item is fitted.
    MarkFitted {
        /// Which item.
        measure_id: String,
        /// The standard the product meets, as marked on it.
        product_standard: String,
        /// A photo of it, when taken.
        photo_sha256: Option<String>,
    },
    /// One item could not be fitted.
    MarkNotFitted {
        /// Which item.
        measure_id: String,
        /// Why.
        reason: String,
    },
}

impl ContractorStep {
    /// The step in words, for messages ("it cannot be accepted").
    pub fn label(&self) -> &'static str {
        match self {
            Self::Accept => "accepted",
            Self::Decline { .. } => "declined",
            Self::Schedule { .. } => "booked",
            Self::MarkFitted { .. } => "marked fitted",
            Self::MarkNotFitted { .. } => "marked not fitted",
        }
    }

    /// The statuses an order may be in for this step.
    pub fn allowed_from(&self, status: WorkOrderStatus) -> bool {
        use WorkOrderStatus as S;
        match self {
            Self::Accept => status == S::New,
            Self::Decline { .. } => matches!(status, S::New | S::Accepted | S::Scheduled),
            Self::Schedule { .. } | Self::MarkFitted { .. } | Self::MarkNotFitted { .. } => {
                matches!(status, S::Accepted | S::Scheduled)
            }
        }
    }
}

fn photo_ref(value: &str) -> Result<String, WorkOrderError> {
    let hex = value.trim();
    let hex = hex.strip_prefix("sha256:").unwrap_or(hex);
    if hex.len() == 64
        && hex
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    {
        Ok(format!("sha256:{hex}"))
    } else {
        Err(WorkOrderError::BadPhoto)
    }
}

impl WorkOrder {
    /// Takes a contractor's step at `now`, or refuses it and leaves the order unchanged.
    pub fn apply(
        &mut self,
        step: ContractorStep,
        now: DateTime<Utc>,
    ) -> Result<(), WorkOrderError> {
        if !step.allowed_from(self.status) {
            return Err(WorkOrderError::NotFromStatus {
                step: step.label(),
                status: self.status.label(),
            });
        }
        match step {
            ContractorStep::Accept => self.status = WorkOrderStatus::Accepted,
            ContractorStep::Decline { reason } => {
                let reason = text(&reason, "decline_reason", "why the work is declined")?;
                if self.items.iter().any(|i| i.status == ItemStatus::Fitted) {
                    return Err(WorkOrderError::PartlyFitted);
                }
                self.decline_reason = Some(reason);
                self.status = WorkOrderStatus::Declined;
            }
            ContractorStep::Schedule { date } => {
                if date < now.date_naive() {
                    return Err(WorkOrderError::DateInPast { date });
                }
                self.appointment_date = Some(date);
                self.status = WorkOrderStatus::Scheduled;
            }
            ContractorStep::MarkFitted {
                measure_id,
                product_standard,
                photo_sha256,
            } => {
                let standard = text(
                    &product_standard,
                    "product_standard",
                    "the standard marked on the product",
                )?;
                let photo = photo_sha256
                    .as_deref()
                    .filter(|p| !p.trim().is_empty())
                    .map(photo_ref)
                    .transpose()?;
                let item = self.item_mut(&measure_id)?;
                if item.status == ItemStatus::Fitted {
                    return Err(WorkOrderError::ItemAlreadyFitted {
                        measure: item.name.clone(),
                    });
                }
                item.status = ItemStatus::Fitted;
                item.fitted_at = Some(now);
                item.product_standard = Some(standard);
                item.not_fitted_reason = None;
                item.photo_sha256 = photo;
                if self.items.iter().all(|i| i.status == ItemStatus::Fitted) {
                    self.status = WorkOrderStatus::Fitted;
                }
            }
            ContractorStep::MarkNotFitted { measure_id, reason } => {
                let reason = text(&reason, "not_fitted_reason", "why it was not fitted")?;
                let item = self.item_mut(&measure_id)?;
                if item.status == ItemStatus::Fitted {
                    return Err(WorkOrderError::ItemAlreadyFitted {
                        measure: item.name.clone(),
                    });
                }
                item.status = ItemStatus::NotFitted;
                item.not_fitted_reason = Some(reason);
            }
        }
        Ok(())
    }

    fn item_mut(&mut self, measure_id: &str) -> Result<&mut WorkOrderItem, WorkOrderError> {
        self.items
            .iter_mut()
            .find(|i| i.measure_id == measure_id)
            .ok_or_else(|| WorkOrderError::NoSuchItem {
                measure: measure_id.to_owned(),
            })
    }

    /// How many items are fitted.
    pub fn fitted_count(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.status == ItemStatus::Fitted)
            .count()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)]
    use super::*;
    use crate::household::Household;
    use crate::identity::Role;
    use crate::ids::OfficerId;
    use crate::security::ids::{PlanItemId, SurveyId};
    use crate::security::lifecycle::PlanActor;
    use crate::security::plan::{ItemOrigin, TierRecommendation};
    use crate::security::policy::{Level, Tier};
    use chrono::TimeZone;
    use proptest::prelude::*;
    use rstest::rstest;

    const CATALOGUE: &str = include_str!("../../../assets/catalogue/measures.toml");
    const TEMPLATE: &str = include_str!("../../../assets/templates/home-security-survey.toml");
    const CONTRACTORS: &str = include_str!("../../../assets/contractors.toml");
    /// What the survey said about the resident: none of it may reach an order.
    const SECRETS: &[&str] = &[
        "SECRET-RISK-REASON",
        "SECRET-DA-ROUTE",
        "SECRET-TIER-REASON",
        "SECRET-UNCOVERED",
        "SECRET-RESIDENT-SIGNATURE",
    ];

    fn catalogue() -> Catalogue {
        Catalogue::from_toml(CATALOGUE).expect("the real catalogue loads")
    }

    fn template() -> Template {
        Template::from_toml(TEMPLATE).expect("the real template loads")
    }

    fn contractors() -> Contractors {
        Contractors::from_toml(CONTRACTORS).expect("the real contractors list loads")
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 10, 0, 0)
            .single()
            .expect("valid")
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("valid")
    }

    fn household(postcode: &str) -> Household {
        Household {
            id: HouseholdId::new(),
            uprn: None,
            address_line_1: "3 Quillon Row".into(),
            address_line_2: Some("Upper Flat".into()),
            address_line_3: None,
            town: "Eastwick Vale".into(),
            postcode: Postcode::parse(postcode).expect("postcode"),
            coordinates: None,
            created_at: at(1),
            updated_at: at(1),
        }
    }

    /// An approved plan with these (measure, quantity) lines, carrying sensitive text in
    /// every field an order must not copy.
    fn plan_with(lines: &[(&str, u32)]) -> Plan {
        let catalogue = catalogue();
        let actor = PlanActor {
            officer_id: OfficerId::new(),
            role: Role::Officer,
        };
        Plan {
            id: PlanId::new(),
            survey_id: SurveyId::new(),
            template_id: "home_security".into(),
            template_version: 1,
            policy_version: "2026.1".into(),
            catalogue_version: catalogue.version.clone(),
            recommendation: TierRecommendation {
                tier: Tier::Gold,
                matrix_tier: Tier::Silver,
                risk_level: Level::High,
                vulnerability_level: Level::High,
                reasons: vec![SECRETS[0].into()],
                refer_to_da_service: None,
            },
            tier: Tier::Gold,
            tier_reason: Some(SECRETS[2].into()),
            da_service_decision: None,
            cap_pence: 1_000_000,
            over_cap_reason: None,
            items: lines
                .iter()
                .map(|(id, quantity)| {
                    let m = catalogue.get(id).expect("measure in catalogue");
                    PlanItem {
                        id: PlanItemId::new(),
                        measure_id: m.id.clone(),
                        name: m.name.clone(),
                        tier: m.tier,
                        trade: m.trade,
                        quantity: *quantity,
                        unit_cost_pence: m.unit_cost_pence,
                        actual_cost_pence: None,
                        addresses: Vec::new(),
                        applies_to: vec!["doors[1]".into()],
                        origin: ItemOrigin::Proposed,
                    }
                })
                .collect(),
            uncovered: vec![crate::security::plan::Uncovered {
                weakness: crate::security::weakness::WeaknessRef {
                    id: "no_alarm".into(),
                    instance: None,
                },
                reason: SECRETS[3].into(),
            }],
            landlord_consent: None,
            cctv_acknowledgement: None,
            status: PlanStatus::Approved,
            agreement: Some(crate::security::lifecycle::Agreement {
                resident_name: "Avery Quillon".into(),
                signature_ref: SECRETS[4].into(),
                disclaimer_version: "2026-01".into(),
                by: actor,
                at: at(2),
            }),
            approval: None,
            created_by: actor,
            created_at: at(1),
            history: Vec::new(),
            follow_up: None,
        }
    }

    fn resident() -> SiteContact {
        SiteContact {
            name: "Avery Quillon".into(),
            phone: Some("0115 496 0555".into()),
            is_resident: true,
        }
    }

    fn orders(
        plan: &Plan,
        postcode: &str,
        choices: &FirmChoices,
    ) -> Result<Vec<WorkOrder>, WorkOrderError> {
        let h = household(postcode);
        let (c, k) = (catalogue(), contractors());
        orders_for_plan(&OrderInputs {
            plan,
            household: &h,
            catalogue: &c,
            template: &template(),
            contractors: &k,
            choices,
            contact: &resident(),
            access_notes: &["Key safe by the back door".into(), "  ".into()],
            approved_on: day(3),
        })
    }

    #[test]
    fn each_item_says_which_doors_or_windows_it_is_for() {
        let mut plan = plan_with(&[("anti_snap_cylinder", 1), ("anti_snap_cylinder", 1)]);
        plan.items[1].applies_to = vec!["doors[0]".into(), "doors[1]".into()];
        let mut alarm = plan_with(&[("window_alarm", 2)]).items.remove(0);
        alarm.applies_to = Vec::new();
        plan.items.push(alarm);
        let orders = orders(&plan, "ZY4 7HT", &FirmChoices::default()).expect("orders");
        let item = |measure: &str| {
            orders
                .iter()
                .flat_map(|o| &o.items)
                .find(|i| i.measure_id == measure)
                .expect("on an order")
                .clone()
        };
        let cylinders = item("anti_snap_cylinder");
        assert_eq!(cylinders.quantity, 2);
        assert_eq!(
            cylinders.location.as_deref(),
            Some("Door 2, Door 1"),
            "each place once"
        );
        assert_eq!(item("window_alarm").location, None, "the whole home");
        // An order stored before locations were kept still reads.
        let mut old = serde_json::to_value(&cylinders).expect("json");
        old.as_object_mut().expect("object").remove("location");
        let read: WorkOrderItem = serde_json::from_value(old).expect("reads");
        assert_eq!(read.location, None);
    }

    /// The firm code each measure's line went to, or None for no order.
    fn firm_of(orders: &[WorkOrder], measure: &str) -> Option<String> {
        orders
            .iter()
            .find(|o| o.items.iter().any(|i| i.measure_id == measure))
            .map(|o| o.number.rsplit('-').next().unwrap_or_default().to_owned())
    }

    #[test]
    fn the_real_contractors_list_loads_and_covers_every_trade_the_catalogue_needs() {
        let k = contractors();
        assert!(
            k.check_against(&catalogue()).is_ok(),
            "every trade has a firm"
        );
        assert_eq!(k.due_days, 28);
    }

    #[rstest]
    #[case::anti_snap_goes_to_the_locksmith("anti_snap_cylinder", "ZY4 7HT", Some("QLK"))]
    #[case::handyperson_local_firm_first("window_alarm", "ZY4 7HT", Some("DHF"))]
    #[case::handyperson_elsewhere_the_wider_firm("window_alarm", "ZY9 1AA", Some("QLK"))]
    #[case::supply_only_is_handed_over("security_advice", "ZY4 7HT", None)]
    #[case::supply_only_timer_plugs("timer_plugs", "ZY4 7HT", None)]
    fn a_measure_goes_to_the_first_firm_for_its_trade_and_area(
        #[case] measure: &str,
        #[case] postcode: &str,
        #[case] firm: Option<&str>,
    ) {
        let plan = plan_with(&[(measure, 1)]);
        let orders = orders(&plan, postcode, &FirmChoices::default()).expect("orders");
        assert_eq!(
            firm_of(&orders, measure).as_deref(),
            firm,
            "{measure} at {postcode}"
        );
    }

    #[test]
    fn one_order_per_firm_with_repeated_measures_added_up_and_nothing_sensitive() {
        let plan = plan_with(&[
            ("anti_snap_cylinder", 1),
            ("window_alarm", 2),
            ("anti_snap_cylinder", 2),
            ("security_advice", 1),
            ("letterbox_guard", 1),
        ]);
        let orders = orders(&plan, "ZY9 1AA", &FirmChoices::default()).expect("orders");
        assert_eq!(
            orders.len(),
            1,
            "locks and small jobs all go to Quillon in ZY9"
        );
        let o = &orders[0];
        let lines: Vec<(&str, u32)> = o
            .items
            .iter()
            .map(|i| (i.measure_id.as_str(), i.quantity))
            .collect();
        assert_eq!(
            lines,
            [
                ("anti_snap_cylinder", 3),
                ("window_alarm", 2),
                ("letterbox_guard", 1)
            ],
            "one line per measure, in plan order, quantities added"
        );
        assert_eq!(o.number, format!("WO-{}-QLK", plan_short_ref(plan.id)));
        assert_eq!(o.due_date, day(3) + Days::new(28));
        assert_eq!(
            o.address_lines,
            ["3 Quillon Row", "Upper Flat", "Eastwick Vale"]
        );
        assert_eq!(
            o.access_notes,
            ["Key safe by the back door"],
            "blank notes dropped"
        );
        assert_eq!(
            o.contact_phone.as_deref(),
            Some("01154960555"),
            "normalised"
        );
        let json = serde_json::to_string(o).expect("json");
        for secret in SECRETS {
            assert!(!json.contains(secret), "{secret} reached the order");
        }
        assert_eq!(
            handed_over_by_officer(&plan, &orders)
                .iter()
                .map(|i| i.measure_id.as_str())
                .collect::<Vec<_>>(),
            ["security_advice"]
        );
    }

    #[test]
    fn the_supervisor_may_choose_a_firm_even_for_supply_only_measures() {
        let plan = plan_with(&[("anti_snap_cylinder", 1), ("timer_plugs", 1)]);
        let choices = FirmChoices::default()
            .choose("anti_snap_cylinder", "demo_handyfolk")
            .choose("timer_plugs", "vale_electrical");
        let orders = orders(&plan, "ZY4 7HT", &choices).expect("orders");
        assert_eq!(
            firm_of(&orders, "anti_snap_cylinder").as_deref(),
            Some("DHF")
        );
        assert_eq!(firm_of(&orders, "timer_plugs").as_deref(), Some("VEL"));
        assert_eq!(orders.len(), 2);
    }

    #[test]
    fn orders_are_the_same_every_time_for_the_same_plan() {
        let plan = plan_with(&[("anti_snap_cylinder", 1), ("window_alarm", 1)]);
        let choices = FirmChoices::default();
        let a = orders(&plan, "ZY4 7HT", &choices).expect("orders");
        let mut b = orders(&plan, "ZY4 7HT", &choices).expect("orders");
        // The household differs between calls only by id.
        for o in &mut b {
            o.household_id = a[0].household_id;
        }
        assert_eq!(a, b, "ids, numbers and lines are deterministic");
        assert_ne!(a[0].id, a[1].id, "one id per firm");
        assert_eq!(
            a[0].id,
            WorkOrderId::for_plan_and_firm(plan.id, "quillon_locks")
        );
    }

    fn with_da_flag(mut plan: Plan) -> Plan {
        plan.recommendation.refer_to_da_service = Some(SECRETS[1].into());
        plan
    }

    #[rstest]
    #[case::not_approved(
        { let mut p = plan_with(&[("anti_snap_cylinder", 1)]); p.status = PlanStatus::Agreed; p },
        FirmChoices::default(),
        WorkOrderError::PlanNotApproved { status: "agreed" }
    )]
    #[case::unknown_firm(
        plan_with(&[("anti_snap_cylinder", 1)]),
        FirmChoices::default().choose("anti_snap_cylinder", "nobody_ltd"),
        WorkOrderError::UnknownFirm { firm: "nobody_ltd".into() }
    )]
    #[case::choice_for_a_measure_not_in_the_plan(
        plan_with(&[("anti_snap_cylinder", 1)]),
        FirmChoices::default().choose("door_viewer", "quillon_locks"),
        WorkOrderError::ChoiceForMissingMeasure { measure: "door_viewer".into() }
    )]
    #[case::domestic_abuse_needs_a_safe_contact(
        with_da_flag(plan_with(&[("anti_snap_cylinder", 1)])),
        FirmChoices::default(),
        WorkOrderError::NeedsSafeContact
    )]
    fn orders_are_refused_with_a_reason(
        #[case] plan: Plan,
        #[case] choices: FirmChoices,
        #[case] expected: WorkOrderError,
    ) {
        assert_eq!(orders(&plan, "ZY4 7HT", &choices), Err(expected));
    }

    #[test]
    fn a_measure_no_firm_fits_is_named() {
        let plan = plan_with(&[("anti_snap_cylinder", 1), ("laminated_glazing", 1)]);
        let mut k = contractors();
        k.firms.retain(|f| !f.fits(Trade::Glazier));
        let (c, h) = (catalogue(), household("ZY4 7HT"));
        let err = orders_for_plan(&OrderInputs {
            plan: &plan,
            household: &h,
            catalogue: &c,
            template: &template(),
            contractors: &k,
            choices: &FirmChoices::default(),
            contact: &resident(),
            access_notes: &[],
            approved_on: day(3),
        })
        .expect_err("no glazier");
        let name = c.get("laminated_glazing").expect("measure").name.clone();
        assert_eq!(
            err,
            WorkOrderError::NoFirmForMeasure {
                measure: name.clone(),
                trade: "glazier"
            }
        );
        assert!(err.to_string().contains(&name), "{err}");
        // Outside every firm's area is the same refusal.
        let far = household("AB1 2DE");
        let err = orders_for_plan(&OrderInputs {
            plan: &plan,
            household: &far,
            catalogue: &c,
            template: &template(),
            contractors: &contractors(),
            choices: &FirmChoices::default(),
            contact: &resident(),
            access_notes: &[],
            approved_on: day(3),
        })
        .expect_err("no firm covers AB1");
        assert!(
            matches!(err, WorkOrderError::NoFirmForMeasure { .. }),
            "{err}"
        );
    }

    #[test]
    fn with_domestic_abuse_flagged_the_support_worker_is_the_contact() {
        let plan = with_da_flag(plan_with(&[("anti_snap_cylinder", 1)]));
        let (c, k, h) = (catalogue(), contractors(), household("ZY4 7HT"));
        let worker = SiteContact {
            name: "Pat Supportworker".into(),
            phone: Some("0115 496 0999".into()),
            is_resident: false,
        };
        let orders = orders_for_plan(&OrderInputs {
            plan: &plan,
            household: &h,
            catalogue: &c,
            template: &template(),
            contractors: &k,
            choices: &FirmChoices::default(),
            contact: &worker,
            access_notes: &[],
            approved_on: day(3),
        })
        .expect("orders");
        assert_eq!(orders[0].contact_name, "Pat Supportworker");
        let json = serde_json::to_string(&orders).expect("json").to_lowercase();
        for hint in ["domestic", "abuse", "secret", "support worker"] {
            assert!(!json.contains(hint), "{hint} hinted at on the order");
        }
    }

    #[rstest]
    #[case::blank_name(SiteContact { name: " ".into(), phone: None, is_resident: true }, "Enter the contact's name")]
    #[case::bad_phone(SiteContact { name: "A".into(), phone: Some("call me".into()), is_resident: true }, "digits only")]
    fn the_contact_is_checked(#[case] contact: SiteContact, #[case] words: &str) {
        let plan = plan_with(&[("anti_snap_cylinder", 1)]);
        let (c, k, h) = (catalogue(), contractors(), household("ZY4 7HT"));
        let err = orders_for_plan(&OrderInputs {
            plan: &plan,
            household: &h,
            catalogue: &c,
            template: &template(),
            contractors: &k,
            choices: &FirmChoices::default(),
            contact: &contact,
            access_notes: &[],
            approved_on: day(3),
        })
        .expect_err("refused");
        assert!(err.to_string().contains(words), "{err}");
    }

    #[rstest]
    #[case::syntax("version = \"1\"\ndue_days = 28\n[[firms]\n", "line 3")]
    #[case::unknown_field(
        "version = \"1\"\ndue_days = 28\n\n[[firms]]\nid = \"a_ltd\"\ncode = \"AL\"\nname = \"A\"\ntrades = [\"locksmith\"]\nareas = [\"ZY\"]\npriority = 1\n",
        "line 10"
    )]
    #[case::unknown_trade(
        "version = \"1\"\ndue_days = 28\n[[firms]]\nid = \"a_ltd\"\ncode = \"AL\"\nname = \"A\"\ntrades = [\"plumber\"]\nareas = [\"ZY\"]\n",
        "line 7"
    )]
    #[case::duplicate_id(
        "version = \"1\"\ndue_days = 28\n[[firms]]\nid = \"a_ltd\"\ncode = \"AL\"\nname = \"A\"\ntrades = [\"locksmith\"]\nareas = [\"ZY\"]\n[[firms]]\nid = \"a_ltd\"\ncode = \"BL\"\nname = \"B\"\ntrades = [\"glazier\"]\nareas = [\"ZY\"]\n",
        "unique lower-case id"
    )]
    #[case::bad_code(
        "version = \"1\"\ndue_days = 28\n[[firms]]\nid = \"a_ltd\"\ncode = \"al\"\nname = \"A\"\ntrades = [\"locksmith\"]\nareas = [\"ZY\"]\n",
        "code must be"
    )]
    #[case::supply_only_is_no_trade(
        "version = \"1\"\ndue_days = 28\n[[firms]]\nid = \"a_ltd\"\ncode = \"AL\"\nname = \"A\"\ntrades = [\"supply_only\"]\nareas = [\"ZY\"]\n",
        "supply_only is not a trade"
    )]
    #[case::bad_area(
        "version = \"1\"\ndue_days = 28\n[[firms]]\nid = \"a_ltd\"\ncode = \"AL\"\nname = \"A\"\ntrades = [\"locksmith\"]\nareas = [\"zy 4\"]\n",
        "area \"zy 4\""
    )]
    #[case::due_days(
        "version = \"1\"\ndue_days = 0\n[[firms]]\nid = \"a_ltd\"\ncode = \"AL\"\nname = \"A\"\ntrades = [\"locksmith\"]\nareas = [\"ZY\"]\n",
        "due_days must be between 1"
    )]
    fn a_bad_contractors_file_says_what_and_where(#[case] text: &str, #[case] words: &str) {
        let err = Contractors::from_toml(text).expect_err("refused");
        assert!(err.to_string().contains(words), "{err}");
    }

    #[test]
    fn a_trade_with_no_firm_is_reported_against_the_catalogue() {
        let mut k = contractors();
        k.firms.retain(|f| !f.fits(Trade::Fencer));
        let err = k.check_against(&catalogue()).expect_err("no fencer");
        assert!(
            err.to_string().contains("no firm fits fencer work"),
            "{err}"
        );
    }

    fn order() -> WorkOrder {
        let plan = plan_with(&[("anti_snap_cylinder", 1), ("letterbox_guard", 1)]);
        orders(&plan, "ZY9 1AA", &FirmChoices::default())
            .expect("orders")
            .remove(0)
    }

    fn order_in(status: WorkOrderStatus) -> WorkOrder {
        let mut o = order();
        o.status = status;
        o
    }

    fn fitted(measure: &str) -> ContractorStep {
        ContractorStep::MarkFitted {
            measure_id: measure.into(),
            product_standard: "TS007 3*".into(),
            photo_sha256: None,
        }
    }

    fn every_step() -> Vec<ContractorStep> {
        vec![
            ContractorStep::Accept,
            ContractorStep::Decline {
                reason: "No locksmith free this month".into(),
            },
            ContractorStep::Schedule { date: day(20) },
            fitted("anti_snap_cylinder"),
            ContractorStep::MarkNotFitted {
                measure_id: "letterbox_guard".into(),
                reason: "Door too thin for the guard".into(),
            },
        ]
    }

    #[test]
    fn every_contractor_step_is_allowed_or_refused_as_the_table_says() {
        use WorkOrderStatus as S;
        // Written out apart from `allowed_from`, so a change to either is caught.
        let expected = |status: S, step: &ContractorStep| -> Option<S> {
            match (status, step) {
                (S::New, ContractorStep::Accept) => Some(S::Accepted),
                (S::New | S::Accepted | S::Scheduled, ContractorStep::Decline { .. }) => {
                    Some(S::Declined)
                }
                (S::Accepted | S::Scheduled, ContractorStep::Schedule { .. }) => Some(S::Scheduled),
                (
                    S::Accepted | S::Scheduled,
                    ContractorStep::MarkFitted { .. } | ContractorStep::MarkNotFitted { .. },
                ) => Some(status),
                _ => None,
            }
        };
        for status in WorkOrderStatus::ALL {
            for step in every_step() {
                let mut o = order_in(*status);
                let before = o.clone();
                let result = o.apply(step.clone(), at(10));
                match expected(*status, &step) {
                    Some(to) => {
                        assert!(result.is_ok(), "{step:?} from {status:?}: {result:?}");
                        assert_eq!(o.status, to, "{step:?} from {status:?}");
                    }
                    None => {
                        assert!(
                            matches!(result, Err(WorkOrderError::NotFromStatus { .. })),
                            "{step:?} from {status:?} must be refused: {result:?}"
                        );
                        assert_eq!(o, before, "a refused step changes nothing");
                    }
                }
            }
        }
    }

    #[rstest]
    #[case::decline_without_reason(WorkOrderStatus::New, ContractorStep::Decline { reason: " ".into() }, "Enter why the work is declined")]
    #[case::appointment_in_the_past(WorkOrderStatus::Accepted, ContractorStep::Schedule { date: day(9) }, "from today on")]
    #[case::fitted_without_standard(WorkOrderStatus::Accepted, ContractorStep::MarkFitted { measure_id: "anti_snap_cylinder".into(), product_standard: "".into(), photo_sha256: None }, "Enter the standard")]
    #[case::fitted_with_a_bad_photo(WorkOrderStatus::Accepted, ContractorStep::MarkFitted { measure_id: "anti_snap_cylinder".into(), product_standard: "TS007 3*".into(), photo_sha256: Some("sha256:nope".into()) }, "photo reference")]
    #[case::no_such_item(
        WorkOrderStatus::Scheduled,
        fitted("door_viewer"),
        "no item \"door_viewer\""
    )]
    #[case::not_fitted_without_reason(WorkOrderStatus::Scheduled, ContractorStep::MarkNotFitted { measure_id: "letterbox_guard".into(), reason: "".into() }, "Enter why it was not fitted")]
    fn a_contractor_step_with_a_mistake_is_refused(
        #[case] status: WorkOrderStatus,
        #[case] step: ContractorStep,
        #[case] words: &str,
    ) {
        let mut o = order_in(status);
        let before = o.clone();
        let err = o.apply(step, at(10)).expect_err("refused");
        assert!(err.to_string().contains(words), "{err}");
        assert_eq!(o, before, "nothing changed");
    }

    #[test]
    fn today_is_not_in_the_past_and_a_booking_can_move() {
        let mut o = order_in(WorkOrderStatus::Accepted);
        o.apply(ContractorStep::Schedule { date: day(10) }, at(10))
            .expect("today is fine");
        o.apply(ContractorStep::Schedule { date: day(12) }, at(10))
            .expect("moved");
        assert_eq!(o.appointment_date, Some(day(12)));
    }

    #[test]
    fn fitting_every_item_finishes_the_order_and_the_plan() {
        let mut o = order_in(WorkOrderStatus::Scheduled);
        o.apply(
            ContractorStep::MarkNotFitted {
                measure_id: "letterbox_guard".into(),
                reason: "Resident out".into(),
            },
            at(11),
        )
        .expect("not fitted");
        o.apply(fitted("anti_snap_cylinder"), at(11))
            .expect("fitted");
        assert_eq!(
            o.status,
            WorkOrderStatus::Scheduled,
            "one item still not fitted"
        );
        assert!(
            !plan_fully_fitted(std::slice::from_ref(&o)),
            "not fitted is not done"
        );
        assert_eq!(
            o.apply(fitted("anti_snap_cylinder"), at(12)),
            Err(WorkOrderError::ItemAlreadyFitted {
                measure: o.items[0].name.clone()
            })
        );
        o.apply(
            ContractorStep::MarkFitted {
                measure_id: "letterbox_guard".into(),
                product_standard: "TS 008".into(),
                photo_sha256: Some(format!("sha256:{}", "ab".repeat(32))),
            },
            at(14),
        )
        .expect("second visit");
        assert_eq!(o.status, WorkOrderStatus::Fitted);
        assert_eq!(
            o.items[1].not_fitted_reason, None,
            "the old reason is cleared"
        );
        assert!(plan_fully_fitted(std::slice::from_ref(&o)));
        assert_eq!(last_fitted_at(std::slice::from_ref(&o)), Some(at(14)));
        assert_eq!(
            o.apply(
                ContractorStep::Decline {
                    reason: "Too late".into()
                },
                at(15)
            ),
            Err(WorkOrderError::NotFromStatus {
                step: "declined",
                status: "fitted"
            })
        );
    }

    #[test]
    fn a_partly_fitted_order_cannot_be_declined() {
        let mut o = order_in(WorkOrderStatus::Scheduled);
        o.apply(fitted("anti_snap_cylinder"), at(11))
            .expect("fitted");
        assert_eq!(
            o.apply(
                ContractorStep::Decline {
                    reason: "Van broke down".into()
                },
                at(11)
            ),
            Err(WorkOrderError::PartlyFitted)
        );
    }

    #[rstest]
    #[case::no_orders(vec![], false)]
    #[case::all_fitted(vec![vec![ItemStatus::Fitted, ItemStatus::Fitted], vec![ItemStatus::Fitted]], true)]
    #[case::one_pending(vec![vec![ItemStatus::Fitted], vec![ItemStatus::Pending]], false)]
    #[case::one_not_fitted(vec![vec![ItemStatus::Fitted, ItemStatus::NotFitted]], false)]
    fn only_every_item_fitted_finishes_the_plan(
        #[case] statuses: Vec<Vec<ItemStatus>>,
        #[case] done: bool,
    ) {
        let template = order();
        let orders: Vec<WorkOrder> = statuses
            .iter()
            .map(|items| {
                let mut o = template.clone();
                o.items = items
                    .iter()
                    .map(|s| WorkOrderItem {
                        status: *s,
                        ..template.items[0].clone()
                    })
                    .collect();
                o
            })
            .collect();
        assert_eq!(plan_fully_fitted(&orders), done);
    }

    /// Every key a serialised order may have: anything else is data a contractor must not get.
    const ORDER_KEYS: &[&str] = &[
        "id",
        "number",
        "plan_id",
        "household_id",
        "firm",
        "address_lines",
        "postcode",
        "contact_name",
        "contact_phone",
        "access_notes",
        "items",
        "issued_on",
        "due_date",
        "status",
        "decline_reason",
        "appointment_date",
    ];
    const FIRM_KEYS: &[&str] = &["id", "name"];
    const ITEM_KEYS: &[&str] = &[
        "measure_id",
        "name",
        "specification",
        "location",
        "quantity",
        "status",
        "fitted_at",
        "product_standard",
        "not_fitted_reason",
        "photo_sha256",
    ];

    fn keys(value: &serde_json::Value) -> Vec<String> {
        value
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    proptest! {
        #[test]
        fn every_fitted_measure_is_on_exactly_one_order_and_orders_carry_only_allowed_fields(
            picks in proptest::collection::vec((0usize..29, 1u32..5), 1..12),
            overrides in proptest::collection::vec((0usize..12, 0usize..5), 0..4),
            district in 1u32..10,
        ) {
            let c = catalogue();
            let k = contractors();
            let lines: Vec<(&str, u32)> = picks
                .iter()
                .map(|(i, q)| (c.measures[i % c.measures.len()].id.as_str(), *q))
                .collect();
            let plan = plan_with(&lines);
            let mut choices = FirmChoices::default();
            for (line, firm) in &overrides {
                let measure = &plan.items[line % plan.items.len()].measure_id;
                choices = choices.choose(measure, &k.firms[firm % k.firms.len()].id);
            }
            let orders = orders(&plan, &format!("ZY{district} 1AA"), &choices)
                .expect("every trade has a firm across ZY");
            for item in &plan.items {
                let holders: Vec<&WorkOrder> = orders
                    .iter()
                    .filter(|o| o.items.iter().any(|i| i.measure_id == item.measure_id))
                    .collect();
                let handed_over = item.trade == Trade::SupplyOnly
                    && !choices.by_measure.contains_key(&item.measure_id);
                prop_assert_eq!(holders.len(), usize::from(!handed_over), "{}", item.measure_id);
                if let Some(o) = holders.first() {
                    let line = o.items.iter().find(|i| i.measure_id == item.measure_id).expect("line");
                    let total: u32 = plan.items.iter()
                        .filter(|i| i.measure_id == item.measure_id)
                        .map(|i| i.quantity)
                        .sum();
                    prop_assert_eq!(line.quantity, total, "quantities add up");
                    if let Some(firm) = choices.by_measure.get(&item.measure_id) {
                        prop_assert_eq!(&o.firm.id, firm, "the supervisor's choice wins");
                    } else {
                        let firm = k.get(&o.firm.id).expect("known firm");
                        prop_assert!(firm.fits(item.trade), "firm fits the trade");
                    }
                }
            }
            let numbers: std::collections::BTreeSet<&str> =
                orders.iter().map(|o| o.number.as_str()).collect();
            prop_assert_eq!(numbers.len(), orders.len(), "one order per firm");
            for o in &orders {
                let value = serde_json::to_value(o).expect("json");
                for key in keys(&value) {
                    prop_assert!(ORDER_KEYS.contains(&key.as_str()), "order key {}", key);
                }
                for key in keys(&value["firm"]) {
                    prop_assert!(FIRM_KEYS.contains(&key.as_str()), "firm key {}", key);
                }
                for item in value["items"].as_array().expect("items") {
                    for key in keys(item) {
                        prop_assert!(ITEM_KEYS.contains(&key.as_str()), "item key {}", key);
                    }
                }
                let text = value.to_string();
                for secret in SECRETS {
                    prop_assert!(!text.contains(secret), "{} reached the order", secret);
                }
            }
        }
    }
}

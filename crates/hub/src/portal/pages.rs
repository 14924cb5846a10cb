//! The portal's pages: askama templates (in `crates/hub/templates/portal/`, checked at
//! compile time and HTML-escaped by default) and the view models they show.

use askama::Template;
use chrono::NaiveDate;
use doorstep_core::work_order::{ItemStatus, WorkOrder, WorkOrderItem, WorkOrderStatus};

/// One problem with a form: the id of the field it is about (empty for the form as a
/// whole) and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's element id, the error summary's link target.
    pub field: String,
    /// The message, written as what to do.
    pub message: String,
}

/// A form's problems, in the order of its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Errors {
    /// The problems.
    pub list: Vec<FieldError>,
}

impl Errors {
    /// One problem.
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    /// Adds a problem.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.list.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Whether there is any.
    pub fn any(&self) -> bool {
        !self.list.is_empty()
    }

    /// The message for a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// Who is signed in, for the header and footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Their name.
    pub name: String,
    /// Their firm's name.
    pub firm: String,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: String,
    /// They work at a partner agency (their menu is the referrals inbox).
    pub agency: bool,
}

/// What every page shows around its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The page's title (the `<title>` gets "Error: " in front when there are errors).
    pub title: String,
    /// The council's name.
    pub council: String,
    /// Whether the header shows the council's logo (`/portal/assets/logo.png`).
    pub logo: bool,
    /// The form's problems.
    pub errors: Errors,
    /// The signed-in user, if any.
    pub signed_in: Option<SignedIn>,
}

impl Frame {
    /// The service's name: the agencies' inbox for an agency's people, else the portal.
    pub fn service(&self) -> &'static str {
        if self.signed_in.as_ref().is_some_and(|s| s.agency) {
            "Referrals inbox"
        } else {
            "Contractor portal"
        }
    }

    /// Where the service's name and menu lead.
    pub fn home(&self) -> &'static str {
        if self.signed_in.as_ref().is_some_and(|s| s.agency) {
            "/portal/referrals"
        } else {
            "/portal/orders"
        }
    }
}

/// The sign-in page.
#[derive(Debug, Template)]
#[template(path = "portal/sign_in.html")]
pub struct SignInPage {
    /// The frame.
    pub frame: Frame,
    /// The sign-in form's CSRF token.
    pub csrf: String,
    /// The email as typed.
    pub email: String,
    /// A note above the form (signed out, session ended).
    pub note: Option<String>,
}

/// The TOTP code page.
#[derive(Debug, Template)]
#[template(path = "portal/code.html")]
pub struct CodePage {
    /// The frame.
    pub frame: Frame,
    /// The half-signed-in session's CSRF token.
    pub csrf: String,
}

/// The page that replaces an initial password.
#[derive(Debug, Template)]
#[template(path = "portal/password.html")]
pub struct PasswordPage {
    /// The frame.
    pub frame: Frame,
    /// The session's CSRF token.
    pub csrf: String,
}

/// A page that only says something (not found, refused, try later).
#[derive(Debug, Template)]
#[template(path = "portal/message.html")]
pub struct MessagePage {
    /// The frame; its title is the heading.
    pub frame: Frame,
    /// What happened and what to do.
    pub paragraphs: Vec<String>,
    /// Where to go next.
    pub link_href: String,
    /// The link's words.
    pub link_text: String,
}

/// One status link above the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusTab {
    /// Its words.
    pub label: String,
    /// Where it goes.
    pub href: String,
    /// Orders in it.
    pub count: i64,
    /// The list shown now.
    pub current: bool,
}

/// One order in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    /// Its id.
    pub id: String,
    /// Its number.
    pub number: String,
    /// First address line and postcode.
    pub address: String,
    /// Due date in words.
    pub due: String,
    /// Appointment in words, or "Not booked".
    pub appointment: String,
    /// Status in words.
    pub status: String,
    /// The status tag's colour class.
    pub tag_class: &'static str,
}

/// The list of a firm's orders.
#[derive(Debug, Template)]
#[template(path = "portal/orders.html")]
pub struct OrdersPage {
    /// The frame.
    pub frame: Frame,
    /// The status links.
    pub tabs: Vec<StatusTab>,
    /// This page of orders.
    pub lines: Vec<OrderLine>,
    /// The table's caption.
    pub caption: String,
    /// What to say when there are none.
    pub empty: String,
    /// The previous page's address.
    pub previous: Option<String>,
    /// The next page's address.
    pub next: Option<String>,
}

/// One item of an order, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLine {
    /// Name.
    pub name: String,
    /// Specification.
    pub specification: String,
    /// Which doors or windows ("Door 1, Window 3"); "Whole home" when none are named.
    pub location: String,
    /// How many.
    pub quantity: u32,
    /// Status in words.
    pub status: String,
    /// The status tag's colour class.
    pub tag_class: &'static str,
    /// The standard fitted, or why not.
    pub detail: Option<String>,
    /// Where to record it, while that is possible.
    pub record_href: Option<String>,
}

/// An order as the detail page shows it: only what a contractor may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDetail {
    /// Its id.
    pub id: String,
    /// Its number.
    pub number: String,
    /// The firm's name.
    pub firm_name: String,
    /// Address lines, postcode last.
    pub address: Vec<String>,
    /// Who to phone.
    pub contact_name: String,
    /// Their phone, or "Not given".
    pub contact_phone: String,
    /// Access notes.
    pub access_notes: Vec<String>,
    /// Items.
    pub items: Vec<ItemLine>,
    /// Due date in words.
    pub due: String,
    /// Appointment in words, or "Not booked".
    pub appointment: String,
    /// Whether one is booked.
    pub has_appointment: bool,
    /// Status in words.
    pub status: String,
    /// The status tag's colour class.
    pub tag_class: &'static str,
    /// Why the firm declined it.
    pub decline_reason: Option<String>,
}

/// The order detail page.
#[derive(Debug, Template)]
#[template(path = "portal/order.html")]
pub struct OrderPage {
    /// The frame.
    pub frame: Frame,
    /// The order.
    pub order: OrderDetail,
    /// What was just done, for the success banner.
    pub done: Option<String>,
    /// The session's CSRF token.
    pub csrf: String,
    /// The order's change-log position, which action forms carry.
    pub seq: i64,
    /// Whether it can be accepted now.
    pub can_accept: bool,
    /// Whether an appointment can be booked now.
    pub can_schedule: bool,
    /// Whether it can be declined now.
    pub can_decline: bool,
}

/// The decline form.
#[derive(Debug, Template)]
#[template(path = "portal/decline.html")]
pub struct DeclinePage {
    /// The frame.
    pub frame: Frame,
    /// The order's id.
    pub order_id: String,
    /// Its number.
    pub number: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// The order's change-log position.
    pub seq: i64,
    /// The reason as typed.
    pub reason: String,
}

/// The appointment form.
#[derive(Debug, Template)]
#[template(path = "portal/appointment.html")]
pub struct AppointmentPage {
    /// The frame.
    pub frame: Frame,
    /// The order's id.
    pub order_id: String,
    /// Its number.
    pub number: String,
    /// Its due date in words.
    pub due: String,
    /// An example date in the hint.
    pub example: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// The order's change-log position.
    pub seq: i64,
    /// Day as typed.
    pub day: String,
    /// Month as typed.
    pub month: String,
    /// Year as typed.
    pub year: String,
}

/// The page recording one item as fitted or not.
#[derive(Debug, Template)]
#[template(path = "portal/item.html")]
pub struct ItemPage {
    /// The frame.
    pub frame: Frame,
    /// The order's id.
    pub order_id: String,
    /// Its number.
    pub number: String,
    /// The item's measure id.
    pub measure_id: String,
    /// The item's name.
    pub item_name: String,
    /// Its specification.
    pub specification: String,
    /// Which doors or windows, in words.
    pub location: String,
    /// How many.
    pub quantity: u32,
    /// Where it is, in words.
    pub status: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// The order's change-log position.
    pub seq: i64,
    /// The standard as typed.
    pub standard: String,
    /// The reason as typed.
    pub reason: String,
    /// The largest photo, in words.
    pub max_photo: String,
}

/// A date as the pages write it, e.g. "29 November 2026".
pub fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// A status in words, capitalised for a tag.
pub fn status_words(status: WorkOrderStatus) -> String {
    doorstep_core::words::capitalised(status.label())
}

/// The tag colour of a status.
pub fn status_tag(status: WorkOrderStatus) -> &'static str {
    match status {
        WorkOrderStatus::New => "govuk-tag--blue",
        WorkOrderStatus::Accepted => "govuk-tag--turquoise",
        WorkOrderStatus::Scheduled => "govuk-tag--purple",
        WorkOrderStatus::Fitted => "govuk-tag--green",
        WorkOrderStatus::Declined => "govuk-tag--grey",
    }
}

fn item_words(status: ItemStatus) -> (&'static str, &'static str) {
    match status {
        ItemStatus::Pending => ("To do", "govuk-tag--grey"),
        ItemStatus::Fitted => ("Fitted", "govuk-tag--green"),
        ItemStatus::NotFitted => ("Not fitted", "govuk-tag--orange"),
    }
}

/// Whether a contractor may record an item of an order in this status now.
pub fn can_record(order: &WorkOrder, item: &WorkOrderItem) -> bool {
    matches!(
        order.status,
        WorkOrderStatus::Accepted | WorkOrderStatus::Scheduled
    ) && item.status != ItemStatus::Fitted
}

/// An item in words.
pub fn item_status_words(item: &WorkOrderItem) -> String {
    item_words(item.status).0.to_owned()
}

/// The list line of an order.
pub fn order_line(order: &WorkOrder) -> OrderLine {
    let first = order.address_lines.first().cloned().unwrap_or_default();
    OrderLine {
        id: order.id.to_string(),
        number: order.number.clone(),
        address: if order.postcode.is_empty() {
            first
        } else {
            format!("{first}, {}", order.postcode)
        },
        due: long_date(order.due_date),
        appointment: order
            .appointment_date
            .map_or_else(|| "Not booked".to_owned(), long_date),
        status: status_words(order.status),
        tag_class: status_tag(order.status),
    }
}

/// The detail of an order: only the fields a contractor may see.
pub fn order_detail(order: &WorkOrder) -> OrderDetail {
    let id = order.id.to_string();
    let mut address = order.address_lines.clone();
    if !order.postcode.is_empty() {
        address.push(order.postcode.clone());
    }
    OrderDetail {
        number: order.number.clone(),
        firm_name: order.firm.name.clone(),
        address,
        contact_name: order.contact_name.clone(),
        contact_phone: order
            .contact_phone
            .clone()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| "Not given".to_owned()),
        access_notes: order.access_notes.clone(),
        items: order
            .items
            .iter()
            .map(|item| {
                let (status, tag_class) = item_words(item.status);
                let detail = match item.status {
                    ItemStatus::Fitted => item.product_standard.as_ref().map(|s| {
                        let photo = if item.photo_sha256.is_some() {
                            ", photo sent"
                        } else {
                            ""
                        };
                        format!("Standard: {s}{photo}")
                    }),
                    ItemStatus::NotFitted => item.not_fitted_reason.clone(),
                    ItemStatus::Pending => None,
                };
                ItemLine {
                    name: item.name.clone(),
                    specification: item.specification.clone(),
                    location: location_words(item),
                    quantity: item.quantity,
                    status: status.to_owned(),
                    tag_class,
                    detail,
                    record_href: can_record(order, item)
                        .then(|| format!("/portal/orders/{id}/items/{}", item.measure_id)),
                }
            })
            .collect(),
        due: long_date(order.due_date),
        appointment: order
            .appointment_date
            .map_or_else(|| "Not booked".to_owned(), long_date),
        has_appointment: order.appointment_date.is_some(),
        status: status_words(order.status),
        tag_class: status_tag(order.status),
        decline_reason: order.decline_reason.clone(),
        id,
    }
}

/// Where an item goes, as the fitter reads it: the doors or windows, or the whole home.
pub fn location_words(item: &WorkOrderItem) -> String {
    item.location
        .clone()
        .unwrap_or_else(|| "Whole home".to_owned())
}

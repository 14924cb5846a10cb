//! The resident's plan: what we found, what we will do, what happens next, who to call.

use std::borrow::Cow;

use chrono::NaiveDate;
use doorstep_core::fire::ResidentFireAdvice;
use serde::{Deserialize, Serialize};

use crate::contacts::Contacts;
use crate::layout::{Align, Column, Layout, Span, b, r};
use crate::{Branding, PdfError, long_date};

/// The plan level agreed for the home.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Bronze plan.
    Bronze,
    /// Silver plan.
    Silver,
    /// Gold plan.
    Gold,
}

impl Tier {
    /// The name printed on documents.
    pub fn label(self) -> &'static str {
        match self {
            Self::Bronze => "Bronze",
            Self::Silver => "Silver",
            Self::Gold => "Gold",
        }
    }
}

/// A measure in the plan, as the resident reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanMeasure {
    /// Catalogue name, e.g. "Door chain or door viewer".
    pub name: String,
    /// Why it helps, in plain words; when missing the plan shows just the name.
    #[serde(default)]
    pub explanation: Option<String>,
    /// Where in the home, e.g. "Back door".
    #[serde(default)]
    pub location: Option<String>,
    /// How many (printed when more than one).
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

fn to_arrange_a_time() -> String {
    "to arrange a time that suits you".to_owned()
}

impl PlanMeasure {
    /// Why the measure helps, falling back to its name when the catalogue has no explanation.
    pub fn why_it_helps(&self) -> Cow<'_, str> {
        match self.explanation.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Cow::Borrowed(text),
            _ => Cow::Borrowed(self.name.as_str()),
        }
    }

    /// Whether the measure has its own explanation.
    pub fn has_explanation(&self) -> bool {
        self.explanation
            .as_deref()
            .is_some_and(|t| !t.trim().is_empty())
    }
}

/// One thing found, as core worded it (`doorstep_core::security::resident_findings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFinding {
    /// Where, e.g. "Door 1 and Door 2"; None for the whole home.
    #[serde(default)]
    pub place: Option<String>,
    /// What is weak and why it matters.
    pub text: String,
}

impl PlanFinding {
    /// A finding about the whole home.
    pub fn whole_home(text: impl Into<String>) -> Self {
        Self {
            place: None,
            text: text.into(),
        }
    }
}

/// Who will be in touch next, and by when (`doorstep_core::work_order::resident_next_steps`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextSteps {
    /// Who will contact the resident, e.g. "Demo Locks Ltd".
    pub who: String,
    /// Why, ending the sentence, e.g. "to arrange a time that suits you".
    #[serde(default = "to_arrange_a_time")]
    pub why: String,
    /// The date they will have been in touch by.
    pub contact_by: NaiveDate,
    /// Number to call if nobody has been in touch by then.
    #[serde(default)]
    pub phone: Option<String>,
    /// Anything else the resident should know, one point each.
    #[serde(default)]
    pub details: Vec<String>,
}

/// Fire-safety advice, as core chose and worded it (`doorstep_core::fire::resident_fire_advice`).
/// It holds advice only, never the answers behind it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FireSafetyAdvice {
    /// Advice points in plain words, one per topic.
    pub advice: Vec<String>,
    /// The closing words about a home fire safety visit.
    pub fire_service_visit: String,
}

impl From<&ResidentFireAdvice> for FireSafetyAdvice {
    /// Core's section as printed, point for point: the document adds and drops nothing.
    fn from(section: &ResidentFireAdvice) -> Self {
        Self {
            advice: section.points.clone(),
            fire_service_visit: section.fire_service_visit.clone(),
        }
    }
}

/// Everything printed on a resident's plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentPlanDocument {
    /// The resident's name as they write it.
    pub resident_name: String,
    /// Address lines, without the postcode.
    pub address_lines: Vec<String>,
    /// Postcode.
    pub postcode: String,
    /// Date of the visit.
    pub date: NaiveDate,
    /// The officer who visited, e.g. "Sam Officer".
    #[serde(default)]
    pub officer: Option<String>,
    /// Plan level.
    pub tier: Tier,
    /// Weaknesses found, in the resident's words, each saying where.
    pub findings: Vec<PlanFinding>,
    /// Measures in the plan.
    pub measures: Vec<PlanMeasure>,
    /// What happens next.
    pub next_steps: NextSteps,
    /// Things the resident can do today.
    pub today: Vec<String>,
    /// Fire-safety advice, when the CHARLIE check flagged anything.
    #[serde(default)]
    pub fire_safety: Option<FireSafetyAdvice>,
    /// Who to call.
    pub contacts: Contacts,
}

/// Renders the resident's plan as PDF bytes.
pub fn render_resident_plan(
    plan: &ResidentPlanDocument,
    branding: &Branding,
) -> Result<Vec<u8>, PdfError> {
    let title = "Your home safety plan";
    let mut page = Layout::new(title, "Home safety plan", branding, None)?;

    let mut address = plan.address_lines.join("\n");
    if !plan.postcode.trim().is_empty() {
        address.push('\n');
        address.push_str(&plan.postcode);
    }
    let mut rows = vec![
        ("Name", vec![r(&plan.resident_name)]),
        ("Address", vec![r(address)]),
        ("Date of visit", vec![r(long_date(plan.date))]),
    ];
    if let Some(officer) = &plan.officer {
        rows.push(("Who visited", vec![r(officer)]));
    }
    rows.push(("Your plan", vec![b(plan.tier.label())]));
    page.key_values(&rows);
    page.paragraph(&[r(format!(
        "Thank you for letting us visit your home on {}. This plan says what we found, what we will do \
         and what you can do today. Please keep it somewhere safe.",
        long_date(plan.date)
    ))]);

    page.heading("What we found");
    if plan.findings.is_empty() {
        page.paragraph(&[r("We did not find anything that needs to be fixed.")]);
    } else {
        page.paragraph(&[r("When we looked around your home, we found these things that could make it easier for a burglar to get in:")]);
        let items: Vec<Vec<Span>> = plan.findings.iter().map(finding_item).collect();
        page.bullets(&items);
    }

    page.heading("What we will do");
    if plan.measures.is_empty() {
        page.paragraph(&[r("Your plan does not need any work in your home. The advice below will help you stay safe.")]);
    } else {
        page.paragraph(&[
            r("Your plan is "),
            b(plan.tier.label()),
            r(". This is what we will do for you, and why it helps:"),
        ]);
        let items: Vec<Vec<Span>> = plan.measures.iter().map(measure_item).collect();
        page.bullets(&items);
    }

    page.heading("What happens next");
    let next = &plan.next_steps;
    page.paragraph(&[
        r(format!(
            "{} will contact you by ",
            next.who.trim_end_matches('.')
        )),
        b(long_date(next.contact_by)),
        r(format!(" {}.", next.why.trim().trim_end_matches('.'))),
    ]);
    if let Some(phone) = next.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        page.paragraph(&[
            r("If nobody has contacted you by then, please call us on "),
            b(phone),
            r("."),
        ]);
    }
    if !next.details.is_empty() {
        let items: Vec<Vec<Span>> = next.details.iter().map(|d| vec![r(d)]).collect();
        page.bullets(&items);
    }
    page.paragraph(&[r(
        "Anyone who comes to fit something will show you an ID card. If you are not sure, do not let them in \
         and call us first.",
    )]);

    page.heading("Things you can do today");
    if plan.today.is_empty() {
        page.paragraph(&[r(
            "Lock your doors and windows every time you go out, and keep your keys out of sight.",
        )]);
    } else {
        let items: Vec<Vec<Span>> = plan.today.iter().map(|t| vec![r(t)]).collect();
        page.bullets(&items);
    }

    if let Some(fire) = &plan.fire_safety {
        page.heading("Staying safe from fire");
        page.paragraph(&[r("We also talked about fire safety. Please remember:")]);
        let items: Vec<Vec<Span>> = fire.advice.iter().map(|a| vec![r(a)]).collect();
        page.bullets(&items);
        if !fire.fire_service_visit.trim().is_empty() {
            page.paragraph(&[r(&fire.fire_service_visit)]);
        }
    }

    // Keep the heading, the 999 call-out and the first rows of the table together.
    page.keep(230.0);
    page.heading("Who to call");
    page.callout(&[b("If you are in danger now, call 999.")]);
    if !plan.contacts.contacts.is_empty() {
        let columns = [
            Column {
                header: "Who",
                share: 0.32,
                align: Align::Left,
            },
            Column {
                header: "When to call",
                share: 0.44,
                align: Align::Left,
            },
            Column {
                header: "Number",
                share: 0.24,
                align: Align::Right,
            },
        ];
        let rows: Vec<Vec<Vec<Span>>> = plan
            .contacts
            .contacts
            .iter()
            .map(|c| vec![vec![b(&c.name)], vec![r(&c.when)], vec![b(&c.number)]])
            .collect();
        page.table(&columns, &rows);
    }
    page.note(&[r(
        "This plan has your name and address on it. Keep it somewhere safe, and tear it up or shred it when \
         you no longer need it.",
    )]);
    page.finish()
}

/// The list item for one finding: where in bold, then what.
fn finding_item(finding: &PlanFinding) -> Vec<Span> {
    match finding.place.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(place) => vec![b(format!("{place}: ")), r(&finding.text)],
        None => vec![r(&finding.text)],
    }
}

/// The list item for one measure: its name in bold, then why it helps.
fn measure_item(measure: &PlanMeasure) -> Vec<Span> {
    let mut name = measure.name.clone();
    if measure.quantity > 1 {
        name.push_str(&format!(" (× {})", measure.quantity));
    }
    let mut spans = vec![b(name)];
    if let Some(location) = measure.location.as_deref().filter(|l| !l.trim().is_empty()) {
        spans.push(r(format!(" – {location}")));
    }
    if measure.has_explanation() {
        spans.push(r(format!("\n{}", measure.why_it_helps())));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanation_falls_back_to_the_name() {
        let mut measure = PlanMeasure {
            name: "Door viewer".into(),
            explanation: None,
            location: None,
            quantity: 1,
        };
        assert_eq!(measure.why_it_helps(), "Door viewer");
        measure.explanation = Some("   ".into());
        assert_eq!(measure.why_it_helps(), "Door viewer");
        assert!(!measure.has_explanation());
        measure.explanation = Some("You can see who is there.".into());
        assert_eq!(measure.why_it_helps(), "You can see who is there.");
    }
}

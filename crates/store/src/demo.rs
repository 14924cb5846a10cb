//! Loading the synthetic demo area into a store.

use chrono::NaiveDate;
use doorstep_core::demo::{self, DEMO_TOWN};
use doorstep_core::person::PersonDetails;
use doorstep_core::views::DemoReport;
use doorstep_core::visit::VisitDetails;
use doorstep_core::{ChangeSource, HouseholdDraft, ValidationErrors};

use crate::error::Result;
use crate::store::Store;
use crate::{gazetteer, households, persons, visits};

/// Streets in the demo area.
pub const DEMO_STREETS: usize = 60;
/// Doors per demo street.
pub const DEMO_HOUSES_PER_STREET: usize = 90;
/// Households with residents and visits.
pub const DEMO_HOUSEHOLDS: usize = 400;

impl Store {
    /// Loads the synthetic demo area (gazetteer, households, residents, visits around `today`).
    /// Refused when it is already loaded.
    pub fn load_demo(&mut self, today: NaiveDate) -> Result<DemoReport> {
        let loaded: i64 = self.conn().query_row(
            "SELECT count(*) FROM households WHERE town = ?1",
            [DEMO_TOWN],
            |r| r.get(0),
        )?;
        if loaded > 0 {
            let mut errors = ValidationErrors::default();
            errors.add("demo", "The demo area is already loaded");
            return Err(errors.into());
        }
        let area = demo::generate(
            0x0D00_2573,
            today,
            DEMO_STREETS,
            DEMO_HOUSES_PER_STREET,
            DEMO_HOUSEHOLDS,
        );
        self.write(ChangeSource::Import, |w| {
            gazetteer::upsert(w.tx, &area.gazetteer)?;
            let mut report = DemoReport {
                gazetteer_entries: u32::try_from(area.gazetteer.len()).unwrap_or(u32::MAX),
                households: 0,
                persons: 0,
                visits: 0,
            };
            for h in &area.households {
                let entry = &area.gazetteer[h.address];
                let draft = HouseholdDraft {
                    uprn: entry.uprn.as_str().to_owned(),
                    address_line_1: entry.address_line_1.clone(),
                    address_line_2: String::new(),
                    address_line_3: String::new(),
                    town: entry.town.clone(),
                    postcode: entry.postcode.to_string(),
                    coordinates: entry.coordinates,
                };
                let household = households::insert(w, &draft.validate()?)?;
                report.households += 1;
                for p in &h.persons {
                    persons::insert(
                        w,
                        &PersonDetails {
                            household_id: household.id,
                            full_name: p.full_name.clone(),
                            phone: p.phone.as_ref().map(|n| n.replace(' ', "")),
                            email: None,
                            date_of_birth: None,
                            age_band: Some(p.age_band),
                            preferred_language: Some(p.preferred_language.clone()),
                            contact_preferences: p.contact_preferences,
                        },
                    )?;
                    report.persons += 1;
                }
                for v in &h.visits {
                    visits::insert(
                        w,
                        &VisitDetails {
                            household_id: household.id,
                            kind: v.kind,
                            visit_date: v.visit_date,
                            outcome: v.outcome,
                            notes: v.notes.clone(),
                        },
                    )?;
                    report.visits += 1;
                }
            }
            // Index the whole area now, in this transaction, rather than on the first search.
            households::flush_search_index(w.tx)?;
            Ok(report)
        })
    }
}

//! Helpers for benchmarks only (feature `benchmarks`): seeding a large store quickly and
//! opening an unencrypted one to measure what encryption costs. Never used by the app.

use std::path::Path;

use chrono::{Days, NaiveDate};
use doorstep_core::person::PersonDetails;
use doorstep_core::visit::VisitDetails;
use doorstep_core::{
    AgeBand, ChangeSource, ContactPreferences, Device, DeviceId, HlcClock, HouseholdDraft, Officer,
    OfficerId, VisitKind, VisitOutcome,
};
use rusqlite::{Connection, params};

use crate::connection::{self, Cipher};
use crate::error::Result;
use crate::keyfile;
use crate::migrations;
use crate::store::Store;
use crate::{households, persons, visits};

impl Store {
    /// A store whose database is NOT encrypted, to compare against. Benchmarks only.
    pub fn open_unencrypted_for_benchmarks(path: &Path) -> Result<Self> {
        let mut conn = connection::open(path, Cipher::Plain, true)?;
        migrations::migrate(&mut conn)?;
        let officer = Officer {
            id: OfficerId::new(),
            name: "Bench Officer".to_owned(),
            role: doorstep_core::Role::Officer,
        };
        let device = Device {
            id: DeviceId::new(),
            name: "bench".to_owned(),
        };
        conn.execute(
            "INSERT INTO officers (id, name) VALUES (?1, ?2)",
            params![officer.id.to_string(), officer.name],
        )?;
        let clock = HlcClock::new(device.id, None);
        Ok(Self::from_parts(
            conn,
            keyfile::new_database_key(),
            path.to_owned(),
            path.with_extension("key"),
            officer,
            device,
            clock,
        ))
    }

    /// The store's own connection (same file, key and pragmas), for baseline timings.
    pub fn connection_for_benchmarks(&self) -> &Connection {
        &self.conn
    }

    /// Seeds `households` households with `persons` residents and `visits` visits spread
    /// over them, through the same insert code the app uses, in one transaction.
    pub fn seed_for_benchmarks(
        &mut self,
        households: usize,
        persons: usize,
        visits: usize,
        today: NaiveDate,
    ) -> Result<()> {
        let streets = [
            "Lantern Walk",
            "Bramble Road",
            "Juniper Close",
            "Marigold Lane",
            "Kestrel Way",
        ];
        self.write(ChangeSource::Import, |w| {
            let mut ids = Vec::with_capacity(households);
            for i in 0..households {
                let draft = HouseholdDraft {
                    uprn: (980_000_000_000u64 + i as u64).to_string(),
                    address_line_1: format!(
                        "{} {} {}",
                        i % 500 + 1,
                        streets[i % streets.len()],
                        i / 2500
                    ),
                    town: "Eastwick Vale".to_owned(),
                    postcode: format!(
                        "ZY{} {}{}{}",
                        1 + i % 9,
                        i % 10,
                        ['A', 'B', 'D', 'E', 'F', 'G'][i / 10 % 6],
                        ['H', 'J', 'L', 'N', 'P', 'Q'][i / 60 % 6]
                    ),
                    ..Default::default()
                };
                ids.push(households::insert(w, &draft.validate()?)?.id);
            }
            for p in 0..persons {
                let household_id = ids[p % ids.len()];
                persons::insert(
                    w,
                    &PersonDetails {
                        household_id,
                        full_name: format!("Resident {p} Sampleton"),
                        phone: None,
                        email: None,
                        date_of_birth: None,
                        age_band: Some(AgeBand::ALL[p % AgeBand::ALL.len()]),
                        preferred_language: None,
                        contact_preferences: ContactPreferences::default(),
                    },
                )?;
            }
            for v in 0..visits {
                visits::insert(
                    w,
                    &VisitDetails {
                        household_id: ids[v % ids.len()],
                        kind: VisitKind::ALL[v % VisitKind::ALL.len()],
                        visit_date: today
                            .checked_sub_days(Days::new((v % 365) as u64))
                            .unwrap_or(today),
                        outcome: Some(VisitOutcome::Completed),
                        notes: String::new(),
                    },
                )?;
            }
            households::flush_search_index(w.tx)?;
            Ok(())
        })
    }
}

//! A synthetic demo area, so a new user sees a working app at once.
//!
//! Every street, town, postcode and name is invented: the postcode area "ZY" does not
//! exist, UPRNs start with 99, and surnames are words like "Sampleton". Output is
//! deterministic for a given seed and day.

use chrono::{Days, NaiveDate};

use crate::gazetteer::GazetteerEntry;
use crate::household::{Coordinates, Uprn};
use crate::person::{AgeBand, ContactPreferences};
use crate::postcode::Postcode;
use crate::visit::{VisitKind, VisitOutcome};

/// The invented town every demo address is in.
pub const DEMO_TOWN: &str = "Eastwick Vale";

const STREET_STEMS: &[&str] = &[
    "Lantern",
    "Bramble",
    "Juniper",
    "Marigold",
    "Kestrel",
    "Otterbrook",
    "Willowmere",
    "Foxglove",
    "Heron",
    "Quillby",
    "Tansy",
    "Larkspur",
    "Copperbeech",
    "Thistledown",
    "Moorhen",
    "Wrenfield",
    "Amberley",
    "Sorrel",
    "Hazelnut",
    "Peregrine",
];
const STREET_KINDS: &[&str] = &["Walk", "Road", "Close", "Lane", "Crescent", "Way"];
const GIVEN_NAMES: &[&str] = &[
    "Ada", "Bertie", "Clem", "Dot", "Edie", "Fenn", "Gus", "Hattie", "Ivo", "Juno", "Kit",
    "Lottie", "Monty", "Nell", "Otis", "Pip", "Zoë", "Łukasz", "Ayşe", "Ștefan", "Doğan", "Jürgen",
    "Renée", "Siân",
];
const SURNAMES: &[&str] = &[
    "Sampleton",
    "Exampleby",
    "Testwell",
    "Demoford",
    "Fictionby",
    "Placeholm",
    "Mockley",
    "Synthwood",
    "Dummington",
    "Pretendle",
];
const LANGUAGES: &[&str] = &[
    "English", "English", "English", "Polish", "Romanian", "Turkish", "Welsh",
];
const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// A demo resident.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPerson {
    /// Invented name.
    pub full_name: String,
    /// Age band.
    pub age_band: AgeBand,
    /// A number from Ofcom's drama range (07700 900000–900999), never a real line.
    pub phone: Option<String>,
    /// Preferred language.
    pub preferred_language: String,
    /// Contact preferences.
    pub contact_preferences: ContactPreferences,
}

/// A demo visit.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoVisit {
    /// Why.
    pub kind: VisitKind,
    /// When.
    pub visit_date: NaiveDate,
    /// What happened; none while planned.
    pub outcome: Option<VisitOutcome>,
    /// Notes.
    pub notes: String,
}

/// A demo household: an index into the gazetteer, its residents and visits.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoHousehold {
    /// Which gazetteer entry it lives at.
    pub address: usize,
    /// Residents.
    pub persons: Vec<DemoPerson>,
    /// Visits.
    pub visits: Vec<DemoVisit>,
}

/// The whole demo area.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoArea {
    /// Every address in the area.
    pub gazetteer: Vec<GazetteerEntry>,
    /// Households with residents and visits.
    pub households: Vec<DemoHousehold>,
}

/// splitmix64: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Builds the demo area: `streets` × `houses_per_street` addresses and `households` households.
pub fn generate(
    seed: u64,
    today: NaiveDate,
    streets: usize,
    houses_per_street: usize,
    households: usize,
) -> DemoArea {
    let mut rng = Rng(seed);
    let mut gazetteer = Vec::with_capacity(streets * houses_per_street);
    for s in 0..streets {
        let stem = STREET_STEMS[s % STREET_STEMS.len()];
        let kind = STREET_KINDS[(s / STREET_STEMS.len() + s) % STREET_KINDS.len()];
        let street = format!("{stem} {kind}");
        let district = 1 + s % 9;
        for h in 0..houses_per_street {
            // One postcode unit per 12 doors, as Royal Mail roughly does.
            let unit = (s * houses_per_street + h) / 12;
            let sector = unit % 10;
            let a = INWARD_LETTERS[(unit / 10) % INWARD_LETTERS.len()] as char;
            let b = INWARD_LETTERS[(unit / 10 / INWARD_LETTERS.len() + s) % INWARD_LETTERS.len()]
                as char;
            let index = gazetteer.len();
            let Ok(postcode) = Postcode::parse(&format!("ZY{district} {sector}{a}{b}")) else {
                continue;
            };
            let flat = h % 17 == 16;
            let number = h + 1;
            gazetteer.push(GazetteerEntry {
                uprn: Uprn::from_value(990_000_000_000 + i64::try_from(index).unwrap_or(0)),
                address_line_1: if flat {
                    format!("Flat {}, {number} {street}", 1 + h % 3)
                } else {
                    format!("{number} {street}")
                },
                address_line_2: None,
                address_line_3: None,
                town: DEMO_TOWN.to_owned(),
                postcode,
                coordinates: Some(Coordinates::LatLong {
                    latitude: 53.130 + (s as f64) * 0.0009,
                    longitude: -1.215 + (h as f64) * 0.00012,
                }),
            });
        }
    }

    let mut used = vec![false; gazetteer.len()];
    let mut demo_households = Vec::with_capacity(households);
    let mut next_phone = 0usize;
    while demo_households.len() < households.min(gazetteer.len()) {
        let address = rng.below(gazetteer.len());
        if used[address] {
            continue;
        }
        used[address] = true;
        let surname = *rng.pick(SURNAMES);
        let size = 1 + rng.below(3);
        let persons = (0..size)
            .map(|_| {
                let phone = rng.chance(70).then(|| {
                    next_phone += 1;
                    format!("07700 900{:03}", next_phone % 1000)
                });
                DemoPerson {
                    full_name: format!("{} {surname}", rng.pick(GIVEN_NAMES)),
                    age_band: *rng.pick(AgeBand::ALL),
                    contact_preferences: ContactPreferences {
                        phone: phone.is_some(),
                        letter: true,
                        ..Default::default()
                    },
                    phone,
                    preferred_language: (*rng.pick(LANGUAGES)).to_owned(),
                }
            })
            .collect();
        let mut visits = Vec::new();
        for _ in 0..rng.below(3) {
            let days_ago = 1 + rng.below(120);
            visits.push(DemoVisit {
                kind: *rng.pick(VisitKind::ALL),
                visit_date: today
                    .checked_sub_days(Days::new(days_ago as u64))
                    .unwrap_or(today),
                outcome: Some(*rng.pick(VisitOutcome::ALL)),
                notes: "Demo visit: advice given on locking doors and windows.".to_owned(),
            });
        }
        // A handful of visits today (some done, some still planned) and in the coming days.
        let n = demo_households.len();
        if n < 10 {
            visits.push(DemoVisit {
                kind: if n < 3 {
                    VisitKind::BurglaryVictim
                } else {
                    VisitKind::CocoonNeighbour
                },
                visit_date: today,
                outcome: (n % 3 == 0).then_some(VisitOutcome::Completed),
                notes: String::new(),
            });
        } else if n < 16 {
            visits.push(DemoVisit {
                kind: VisitKind::FollowUp,
                visit_date: today
                    .checked_add_days(Days::new(1 + (n % 5) as u64))
                    .unwrap_or(today),
                outcome: None,
                notes: "Demo: check the new locks are in use.".to_owned(),
            });
        }
        demo_households.push(DemoHousehold {
            address,
            persons,
            visits,
        });
    }
    DemoArea {
        gazetteer,
        households: demo_households,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid date")
    }

    #[test]
    fn the_default_area_is_big_enough_and_valid() {
        let area = generate(7, today(), 60, 90, 400);
        assert!(
            area.gazetteer.len() >= 5_000,
            "at least 5,000 addresses, got {}",
            area.gazetteer.len()
        );
        assert_eq!(area.households.len(), 400);
        for entry in &area.gazetteer {
            assert!(
                entry.postcode.as_str().starts_with("ZY"),
                "demo postcodes use the invented ZY area"
            );
            assert!(entry.uprn.as_str().starts_with("99"));
            assert!(entry.coordinates.is_some_and(|c| c.check().is_ok()));
        }
        let today_visits = area
            .households
            .iter()
            .flat_map(|h| &h.visits)
            .filter(|v| v.visit_date == today())
            .count();
        assert!(today_visits >= 5, "Today must have something to show");
    }

    #[test]
    fn uprns_are_unique_and_generation_is_deterministic() {
        let a = generate(7, today(), 10, 20, 30);
        let mut uprns: Vec<_> = a.gazetteer.iter().map(|e| e.uprn.clone()).collect();
        uprns.sort();
        uprns.dedup();
        assert_eq!(uprns.len(), a.gazetteer.len());
        assert_eq!(a, generate(7, today(), 10, 20, 30), "same seed, same area");
    }

    #[test]
    fn demo_phones_are_from_the_drama_range() {
        let area = generate(7, today(), 10, 20, 50);
        for p in area.households.iter().flat_map(|h| &h.persons) {
            if let Some(phone) = &p.phone {
                assert!(phone.starts_with("07700 900"), "{phone}");
            }
        }
    }
}

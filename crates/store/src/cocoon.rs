//! Finding a cocoon's targets in the gazetteer: a box query around the burgled home and
//! its street, then the rules in `doorstep_core::cocoon` order them.

use doorstep_core::cocoon::{self, Candidate, CocoonPolicy, CocoonTarget, street_position};
use doorstep_core::geo::{GridPoint, to_grid};
use doorstep_core::{HouseholdId, Uprn, ValidationErrors};
use rusqlite::{OptionalExtension, params};

use crate::error::Result;
use crate::households;
use crate::store::Store;

/// How far along its street a neighbour may be, in metres: "doors either side" never
/// reaches a namesake street in another town.
const STREET_REACH_M: f64 = 1_500.0;

impl Store {
    /// The addresses to visit around a burgled household, in priority order.
    pub fn cocoon_targets(
        &self,
        household: HouseholdId,
        policy: &CocoonPolicy,
    ) -> Result<Vec<CocoonTarget>> {
        let h = households::get(self.conn(), household)?;
        let from_gazetteer = match &h.uprn {
            Some(uprn) => self
                .conn()
                .prepare_cached("SELECT easting, northing FROM gazetteer WHERE uprn = ?1 AND easting IS NOT NULL")?
                .query_row([uprn.value()], |r| Ok(GridPoint { easting: r.get(0)?, northing: r.get(1)? }))
                .optional()?,
            None => None,
        };
        let Some(position) = h.coordinates.map(to_grid).or(from_gazetteer) else {
            let mut errors = ValidationErrors::default();
            errors.add(
                "coordinates",
                "This household has no location, so its neighbours cannot be found: add its UPRN from the gazetteer or its coordinates",
            );
            return Err(errors.into());
        };
        let street = street_position(&h.address_line_1).map(|(_, s)| s);
        let r = policy.radius_m;
        let mut stmt = self.conn().prepare_cached(
            "SELECT uprn, address_line_1, easting, northing FROM gazetteer
             WHERE easting BETWEEN ?1 - ?3 AND ?1 + ?3 AND northing BETWEEN ?2 - ?3 AND ?2 + ?3
             UNION
             SELECT uprn, address_line_1, easting, northing FROM gazetteer
             WHERE street = ?4 AND easting BETWEEN ?1 - ?5 AND ?1 + ?5
               AND northing BETWEEN ?2 - ?5 AND ?2 + ?5",
        )?;
        let rows = stmt.query_map(
            params![
                position.easting,
                position.northing,
                r,
                street,
                STREET_REACH_M
            ],
            |row| {
                Ok(Candidate {
                    uprn: Uprn::from_value(row.get(0)?),
                    address_line_1: row.get(1)?,
                    position: GridPoint {
                        easting: row.get(2)?,
                        northing: row.get(3)?,
                    },
                })
            },
        )?;
        let candidates = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        let victim = Candidate {
            uprn: h.uprn.clone().unwrap_or_else(|| Uprn::from_value(-1)),
            address_line_1: h.address_line_1.clone(),
            position,
        };
        Ok(cocoon::targets(&victim, &candidates, policy))
    }
}

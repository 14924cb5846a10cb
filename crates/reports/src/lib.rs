//! The partnership's reports: the measures of `docs/reports.md` computed from the records
//! for a period, a team, an area and a scheme, then suppressed, mapped onto a funder's
//! return, drawn as charts and printed. Pure: callers read the records and the crime data
//! and hand them in, so the hub, the laptop and the tests compute the same figures.

pub mod chart;
pub mod crime;
pub mod engine;
pub mod fact;
pub mod figure;
pub mod measure;
pub mod period;
pub mod returns;
pub mod sample;
pub mod scheme;
pub mod tables;

//! Times as people in the UK read and type them. Records keep UTC; an agency books a
//! visit for "10:30" on the clock on its wall, and an officer reads it back the same way,
//! in summer time too.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;

/// A date in UK time, e.g. "7 December 2026".
pub fn date(at: DateTime<Utc>) -> String {
    at.with_timezone(&London).format("%-d %B %Y").to_string()
}

/// The day it is in the UK at `at` (a request received late on 31 March is dated then).
pub fn today(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&London).date_naive()
}

/// A day as people read it, e.g. "7 December 2026".
pub fn day(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// A date and time in UK time, e.g. "7 December 2026 at 14:30".
pub fn date_and_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&London)
        .format("%-d %B %Y at %H:%M")
        .to_string()
}

/// The UTC instant of a date and time typed in UK time; `None` for a time the clocks skip
/// when they go forward. When they go back, the earlier of the two readings.
pub fn from_uk(date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    London
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("a real time")
    }

    #[rstest]
    #[case(utc(2026, 12, 7, 14, 30), "7 December 2026 at 14:30")]
    #[case(utc(2026, 7, 7, 9, 30), "7 July 2026 at 10:30")]
    #[case(utc(2026, 7, 7, 23, 30), "8 July 2026 at 00:30")]
    fn times_read_as_the_uk_clock_shows_them(#[case] at: DateTime<Utc>, #[case] shown: &str) {
        assert_eq!(date_and_time(at), shown);
    }

    #[test]
    fn typed_times_are_uk_time_and_a_skipped_hour_is_refused() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("a date");
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("a time");
        assert_eq!(from_uk(day(7, 7), at(10, 30)), Some(utc(2026, 7, 7, 9, 30)));
        assert_eq!(
            from_uk(day(12, 7), at(10, 30)),
            Some(utc(2026, 12, 7, 10, 30))
        );
        // 29 March 2026: 01:00 becomes 02:00, so 01:30 never happens.
        assert_eq!(from_uk(day(3, 29), at(1, 30)), None);
        // 25 October 2026: 01:30 happens twice; the first is in summer time.
        assert_eq!(
            from_uk(day(10, 25), at(1, 30)),
            Some(utc(2026, 10, 25, 0, 30))
        );
    }
}

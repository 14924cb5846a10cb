//! A hybrid logical clock: timestamps that follow wall time but never go backwards
//! and never tie, so every device orders the same two changes the same way.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::DeviceId;

/// One reading of a hybrid logical clock: wall milliseconds, a counter, and the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch.
    pub wall_ms: u64,
    /// Breaks ties within one millisecond.
    pub counter: u32,
    /// Breaks ties between devices.
    pub device: DeviceId,
}

/// A remote clock reading too far ahead of ours to trust.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a clock reading is {ahead_ms} ms ahead of this device; check the laptop's date and time")]
pub struct ClockDrift {
    /// How far ahead the remote reading was.
    pub ahead_ms: u64,
}

/// The most a remote clock may run ahead of ours before we refuse it.
pub const MAX_DRIFT_MS: u64 = 5 * 60 * 1000;

impl Hlc {
    /// The smallest reading for a device.
    pub fn zero(device: DeviceId) -> Self {
        Self {
            wall_ms: 0,
            counter: 0,
            device,
        }
    }

    /// Refuses a reading from another clock more than [`MAX_DRIFT_MS`] ahead of `now`: taken
    /// in, it would drag every later reading along, and a field stamped with it could never
    /// be changed again by anyone whose clock is right.
    pub fn check_not_ahead(self, now: DateTime<Utc>) -> Result<(), ClockDrift> {
        let wall = millis(now);
        if self.wall_ms > wall.saturating_add(MAX_DRIFT_MS) {
            return Err(ClockDrift {
                ahead_ms: self.wall_ms - wall,
            });
        }
        Ok(())
    }
}

impl fmt::Display for Hlc {
    /// Fixed-width text, so text order equals clock order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:015}-{:08x}-{}",
            self.wall_ms, self.counter, self.device
        )
    }
}

/// Text that is not a clock reading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a clock reading: {0}")]
pub struct ParseHlcError(String);

impl FromStr for Hlc {
    type Err = ParseHlcError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseHlcError(s.to_owned());
        let mut parts = s.splitn(3, '-');
        let wall = parts.next().ok_or_else(err)?;
        let counter = parts.next().ok_or_else(err)?;
        let device = parts.next().ok_or_else(err)?;
        if wall.len() != 15 || counter.len() != 8 {
            return Err(err());
        }
        Ok(Self {
            wall_ms: wall.parse().map_err(|_| err())?,
            counter: u32::from_str_radix(counter, 16).map_err(|_| err())?,
            device: device.parse().map_err(|_| err())?,
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The clock of one device. Give it the wall time; it never reads the system clock itself.
#[derive(Debug, Clone)]
pub struct HlcClock {
    last: Hlc,
}

fn millis(now: DateTime<Utc>) -> u64 {
    u64::try_from(now.timestamp_millis()).unwrap_or(0)
}

impl HlcClock {
    /// A clock for `device` that resumes after `last` (the latest reading it issued).
    pub fn new(device: DeviceId, last: Option<Hlc>) -> Self {
        Self {
            last: last
                .map(|l| Hlc { device, ..l })
                .unwrap_or_else(|| Hlc::zero(device)),
        }
    }

    /// The latest reading issued.
    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A new reading for a local change, later than every reading seen so far.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Hlc {
        let wall = millis(now);
        self.last = if wall > self.last.wall_ms {
            Hlc {
                wall_ms: wall,
                counter: 0,
                device: self.last.device,
            }
        } else {
            Hlc {
                counter: self.last.counter.saturating_add(1),
                ..self.last
            }
        };
        self.last
    }

    /// Takes in a reading from another device, so our next reading is later than it.
    pub fn observe(&mut self, remote: Hlc, now: DateTime<Utc>) -> Result<Hlc, ClockDrift> {
        remote.check_not_ahead(now)?;
        let wall = millis(now);
        let max_wall = wall.max(self.last.wall_ms).max(remote.wall_ms);
        let counter = if max_wall == self.last.wall_ms && max_wall == remote.wall_ms {
            self.last.counter.max(remote.counter).saturating_add(1)
        } else if max_wall == self.last.wall_ms {
            self.last.counter.saturating_add(1)
        } else if max_wall == remote.wall_ms {
            remote.counter.saturating_add(1)
        } else {
            0
        };
        self.last = Hlc {
            wall_ms: max_wall,
            counter,
            device: self.last.device,
        };
        Ok(self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(ms)
            .single()
            .expect("valid instant")
    }

    #[test]
    fn text_form_round_trips_and_sorts_like_the_clock() {
        let device = DeviceId::new();
        let a = Hlc {
            wall_ms: 1_700_000_000_000,
            counter: 2,
            device,
        };
        let b = Hlc {
            wall_ms: 1_700_000_000_000,
            counter: 10,
            device,
        };
        assert_eq!(a.to_string().parse::<Hlc>(), Ok(a));
        assert!(
            a.to_string() < b.to_string(),
            "text order must equal clock order"
        );
        assert!("junk".parse::<Hlc>().is_err());
    }

    #[test]
    fn a_clock_that_goes_backwards_still_moves_forward() {
        let mut clock = HlcClock::new(DeviceId::new(), None);
        let first = clock.tick(at(2_000));
        let second = clock.tick(at(1_000));
        assert!(
            second > first,
            "the wall clock stepped back but the HLC must not"
        );
        assert_eq!(second.wall_ms, 2_000);
    }

    #[test]
    fn a_reading_far_in_the_future_is_refused() {
        let mut clock = HlcClock::new(DeviceId::new(), None);
        let remote = Hlc {
            wall_ms: 10_000_000,
            counter: 0,
            device: DeviceId::new(),
        };
        assert!(clock.observe(remote, at(1_000)).is_err());
        assert_eq!(
            clock.last(),
            HlcClock::new(clock.last().device, None).last()
        );
    }

    #[test]
    fn a_reading_is_ahead_only_beyond_the_drift_bound() {
        let device = DeviceId::new();
        let reading = |wall_ms| Hlc {
            wall_ms,
            counter: u32::MAX,
            device,
        };
        let now = 1_700_000_000_000;
        let max_drift = MAX_DRIFT_MS;
        assert_eq!(
            reading(now + max_drift).check_not_ahead(at(now as i64)),
            Ok(())
        );
        assert_eq!(reading(0).check_not_ahead(at(now as i64)), Ok(()));
        assert_eq!(
            reading(now + max_drift + 1).check_not_ahead(at(now as i64)),
            Err(ClockDrift {
                ahead_ms: max_drift + 1
            })
        );
        assert!(
            reading(999_999_999_999_999)
                .check_not_ahead(at(now as i64))
                .is_err(),
            "the largest reading the text form can hold is refused"
        );
    }

    proptest! {
        #[test]
        fn readings_strictly_increase(steps in prop::collection::vec((0i64..5_000, any::<bool>(), 0u32..5), 1..60)) {
            let mut clock = HlcClock::new(DeviceId::new(), None);
            let other = DeviceId::new();
            let mut previous = clock.last();
            for (wall, remote, counter) in steps {
                let next = if remote {
                    let r = Hlc { wall_ms: u64::try_from(wall).unwrap_or(0), counter, device: other };
                    let n = clock.observe(r, at(wall)).expect("no drift in range");
                    let after_remote = (n.wall_ms, n.counter) > (r.wall_ms, r.counter);
                    prop_assert!(after_remote, "our next reading must follow the remote one");
                    n
                } else {
                    clock.tick(at(wall))
                };
                prop_assert!(next > previous);
                previous = next;
            }
        }
    }
}

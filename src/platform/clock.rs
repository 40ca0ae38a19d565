//! The injectable clock. Production reads the system time; tests set and advance it so that
//! deadlines can be reached without waiting.

use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

#[derive(Clone, Debug)]
pub struct Clock {
    fixed: Option<Arc<Mutex<OffsetDateTime>>>,
    /// Added to the system time (demo rehearsals only; zero otherwise).
    offset: Duration,
}

impl Clock {
    /// The real clock.
    pub fn system() -> Self {
        Clock {
            fixed: None,
            offset: Duration::ZERO,
        }
    }

    /// The real clock running `hours` ahead (the demo's `clock_offset_hours`).
    pub fn system_ahead(hours: i64) -> Self {
        Clock {
            fixed: None,
            offset: Duration::hours(hours),
        }
    }

    /// A clock that stands still at `at` until it is set or advanced.
    pub fn fixed(at: OffsetDateTime) -> Self {
        Clock {
            fixed: Some(Arc::new(Mutex::new(at))),
            offset: Duration::ZERO,
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        match &self.fixed {
            None => OffsetDateTime::now_utc() + self.offset,
            Some(m) => match m.lock() {
                Ok(t) => *t,
                Err(poisoned) => *poisoned.into_inner(),
            },
        }
    }

    /// Milliseconds since the Unix epoch, the unit instants are stored in.
    pub fn now_ms(&self) -> i64 {
        to_ms(self.now())
    }

    /// Moves a fixed clock to `at`. The system clock cannot be moved; this is a no-op there.
    pub fn set(&self, at: OffsetDateTime) {
        if let Some(m) = &self.fixed {
            match m.lock() {
                Ok(mut t) => *t = at,
                Err(poisoned) => *poisoned.into_inner() = at,
            }
        }
    }

    pub fn advance(&self, by: Duration) {
        let now = self.now();
        self.set(now + by);
    }
}

pub fn to_ms(t: OffsetDateTime) -> i64 {
    let ms = t.unix_timestamp_nanos() / 1_000_000;
    i64::try_from(ms).unwrap_or(i64::MAX)
}

pub fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let c = Clock::fixed(datetime!(2026-02-13 09:00 UTC));
        assert_eq!(c.now(), datetime!(2026-02-13 09:00 UTC));
        c.advance(Duration::days(3));
        assert_eq!(c.now(), datetime!(2026-02-16 09:00 UTC));
        assert_eq!(from_ms(c.now_ms()), c.now());
    }
}

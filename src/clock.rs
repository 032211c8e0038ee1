//! Time, in one place: timestamps are stored as RFC 3339 text in UTC so that
//! they sort the same way on SQLite and PostgreSQL.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Now, as stored in the database ("2026-11-22T09:03:17Z").
pub fn now_rfc3339() -> String {
    to_rfc3339(OffsetDateTime::now_utc())
}

/// A UTC instant in the stored format (whole seconds).
pub fn to_rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0).unwrap_or(t).to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default()
}

/// Where the service reads the time. Handlers and the worker ask the clock
/// of the application state instead of the system, so that tests move time
/// forward (three working days, a holiday, a year) instead of rewriting
/// rows.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> OffsetDateTime;
}

/// The system's clock: what the service runs on.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that tests set and move (it does not move by itself... unless
/// asked to follow the system's time from an offset).
#[derive(Debug)]
pub struct ManualClock {
    offset: std::sync::Mutex<time::Duration>,
}

impl ManualClock {
    /// A clock that reads the system time moved by nothing yet: time flows
    /// as usual until a test moves it.
    pub fn new() -> ManualClock {
        ManualClock { offset: std::sync::Mutex::new(time::Duration::ZERO) }
    }

    /// Moves time forward (or back) by `by`.
    pub fn advance(&self, by: time::Duration) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }

    /// Moves time to `at` (it keeps flowing from there).
    pub fn set(&self, at: OffsetDateTime) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) = at - OffsetDateTime::now_utc();
    }
}

impl Default for ManualClock {
    fn default() -> ManualClock {
        ManualClock::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An instant read back from the database (RFC 3339); `None` when it does
/// not parse.
pub fn parse(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

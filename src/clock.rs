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

//! Due dates stored before the register existed (or by a version that did not record them):
//! found and registered with the basis `legacy`, so the next recomputation checks each one.

use super::{record, store, DueClock};
use crate::db::Conn;
use crate::domain::calendar::{parse_iso_date, shanghai_date, Due, Period};
use time::Date;

/// The day an end-of-day instant closes (`end_of_day(d)` is midnight starting the next day).
fn day_ended_by(ms: i64) -> Option<Date> {
    shanghai_date(crate::platform::clock::from_ms(ms)).previous_day()
}

fn day_of(ms: i64) -> Date {
    shanghai_date(crate::platform::clock::from_ms(ms))
}

/// A due date stored without its register row: clock, entity, start day, period, due day.
pub type Unregistered = (DueClock, i64, Date, Period, Date);

/// Registers the open due dates stored before the register existed (or by a version that did
/// not record them), with the basis `legacy` so the next recomputation checks each against the
/// calendar in force. Returns how many were registered.
pub async fn backfill(c: &mut Conn, now: i64) -> Result<usize, sqlx::Error> {
    let rows = unregistered(c, now).await?;
    for (clock, id, start, period, due) in &rows {
        let basis = if period.kind() == "working" {
            "legacy"
        } else {
            ""
        };
        let known = Due {
            on: *due,
            basis: basis.to_string(),
            provisional: false,
        };
        record(c, *clock, *id, *start, *period, &known, now).await?;
    }
    Ok(rows.len())
}

/// The open due dates still ahead that have no register row. Reads only.
pub async fn unregistered(c: &mut Conn, now: i64) -> Result<Vec<Unregistered>, sqlx::Error> {
    let mut rows: Vec<Unregistered> = Vec::new();
    for e in store::unregistered_applications(c, day_of(now)).await? {
        let date = |col: &Option<String>| col.as_deref().and_then(parse_iso_date);
        if crate::domain::application::Status::parse(&e.status)
            == Some(crate::domain::application::Status::Submitted)
        {
            if let (Some(start), Some(due)) = (date(&e.received_on), date(&e.accept_by)) {
                rows.push((DueClock::AcceptBy, e.id, start, Period::WorkingDays(5), due));
            }
        } else if let (Some(start), Some(due)) = (date(&e.accepted_on), date(&e.decision_due)) {
            let days = u32::try_from(e.decision_days.unwrap_or(60)).unwrap_or(60);
            let kind = e.decision_day_kind.as_deref().unwrap_or("calendar");
            let period = Period::from_parts(kind, days, kind == "calendar_roll");
            rows.push((DueClock::Decision, e.id, start, period, due));
        }
    }
    for clock in [
        DueClock::AwardConfirm,
        DueClock::AwardNotice,
        DueClock::Answer,
        DueClock::ComplaintDecision,
        DueClock::ContractFiling,
    ] {
        // Only dates still ahead matter (the end of today is at most a day away).
        for e in store::unregistered_instants(c, clock, now).await? {
            let n = match clock {
                DueClock::AwardConfirm => 5,
                DueClock::AwardNotice => 1,
                DueClock::Answer if e.kind == "inquiry" => 3,
                DueClock::Answer => 7,
                DueClock::ComplaintDecision => 30,
                _ => 7,
            };
            let Some(due) = day_ended_by(e.due_at) else {
                continue;
            };
            rows.push((clock, e.id, day_of(e.start_at), Period::WorkingDays(n), due));
        }
    }
    Ok(rows)
}

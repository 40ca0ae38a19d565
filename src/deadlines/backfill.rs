//! Due dates stored before the register existed (or by a version that did not record them):
//! found and registered with the basis `legacy`, so the next recomputation checks each one.

use super::{record, DueClock};
use crate::db::Conn;
use crate::domain::calendar::{iso_date, parse_iso_date, shanghai_date, Due, Period};
use sqlx::Row;
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
    let missing = |clock: DueClock| {
        format!(
            "NOT EXISTS (SELECT 1 FROM deadlines d WHERE d.clock = '{}' AND d.entity_id = e.id)",
            clock.code()
        )
    };
    let mut rows: Vec<Unregistered> = Vec::new();
    let apps = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT e.id, e.status, e.received_on, e.accept_by, e.accepted_on, e.decision_due, e.decision_days, \
         e.decision_day_kind FROM applications e WHERE ((e.status = 'submitted' AND e.accept_by >= $1 AND {}) \
         OR (e.status = 'accepted' AND e.decision_due >= $1 AND {}))",
        missing(DueClock::AcceptBy),
        missing(DueClock::Decision)
    )))
    .bind(iso_date(day_of(now)))
    .fetch_all(&mut *c)
    .await?;
    for r in apps {
        let id: i64 = r.try_get("id")?;
        let status: String = r.try_get("status")?;
        let date = |col: &str| -> Result<Option<Date>, sqlx::Error> {
            Ok(r.try_get::<Option<String>, _>(col)?
                .as_deref()
                .and_then(parse_iso_date))
        };
        if crate::domain::application::Status::parse(&status)
            == Some(crate::domain::application::Status::Submitted)
        {
            if let (Some(start), Some(due)) = (date("received_on")?, date("accept_by")?) {
                rows.push((DueClock::AcceptBy, id, start, Period::WorkingDays(5), due));
            }
        } else if let (Some(start), Some(due)) = (date("accepted_on")?, date("decision_due")?) {
            let days: Option<i64> = r.try_get("decision_days")?;
            let kind: Option<String> = r.try_get("decision_day_kind")?;
            let days = u32::try_from(days.unwrap_or(60)).unwrap_or(60);
            let kind = kind.as_deref().unwrap_or("calendar");
            let period = Period::from_parts(kind, days, kind == "calendar_roll");
            rows.push((DueClock::Decision, id, start, period, due));
        }
    }
    // (clock, query of id, start instant, due instant, and for answers the kind)
    let instants: [(DueClock, String); 5] = [
        (
            DueClock::AwardConfirm,
            format!("SELECT e.id, e.report_at AS start_at, e.confirm_due_at AS due_at, '' AS kind FROM awards e WHERE e.confirmed_at IS NULL AND e.confirm_due_at >= $1 AND {}", missing(DueClock::AwardConfirm)),
        ),
        (
            DueClock::AwardNotice,
            format!("SELECT e.id, e.notice_at AS start_at, e.notice_end_at AS due_at, '' AS kind FROM awards e WHERE e.notice_end_at >= $1 AND e.notice_at IS NOT NULL AND {}", missing(DueClock::AwardNotice)),
        ),
        (
            DueClock::Answer,
            format!("SELECT e.id, e.filed_at AS start_at, e.due_at, e.kind FROM challenges e WHERE e.answered_at IS NULL AND e.due_at >= $1 AND {}", missing(DueClock::Answer)),
        ),
        (
            DueClock::ComplaintDecision,
            format!("SELECT e.id, e.filed_at AS start_at, e.due_at, '' AS kind FROM complaints e WHERE e.decided_at IS NULL AND e.due_at >= $1 AND {}", missing(DueClock::ComplaintDecision)),
        ),
        (
            DueClock::ContractFiling,
            format!("SELECT e.id, e.signed_at AS start_at, e.filing_due_at AS due_at, '' AS kind FROM contracts e WHERE e.filed_at IS NULL AND e.filing_due_at >= $1 AND {}", missing(DueClock::ContractFiling)),
        ),
    ];
    for (clock, sql) in instants {
        // Only dates still ahead matter (the end of today is at most a day away).
        for r in sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .fetch_all(&mut *c)
            .await?
        {
            let kind: String = r.try_get("kind")?;
            let n = match clock {
                DueClock::AwardConfirm => 5,
                DueClock::AwardNotice => 1,
                DueClock::Answer if kind == "inquiry" => 3,
                DueClock::Answer => 7,
                DueClock::ComplaintDecision => 30,
                _ => 7,
            };
            let Some(due) = day_ended_by(r.try_get("due_at")?) else {
                continue;
            };
            rows.push((
                clock,
                r.try_get("id")?,
                day_of(r.try_get("start_at")?),
                Period::WorkingDays(n),
                due,
            ));
        }
    }
    Ok(rows)
}

//! The register of stored due dates a calendar can move (`deadlines`): each clock records the
//! day it counts from, its period and the calendar versions it was computed from. When a year's
//! official table is loaded or replaced, every due date still ahead whose versions differ is
//! recomputed here in the loading transaction: moved later when the new table says so, kept
//! when the new date would be earlier than what the parties were told (a period someone relies
//! on is never shortened), written back to the entity, audited with the old and new date, put
//! in the entity's history and mailed to those it affects. Dates already passed are not touched.

use crate::db::Conn;
use crate::domain::calendar::{end_of_day, iso_date, parse_iso_date, Calendar, Due, Period};
use crate::domain::lang::Lang;
use crate::platform::audit::{Actor, Auditor};
use crate::platform::clock::{to_ms, Clock};
use crate::platform::error::AppResult;
use crate::platform::ids::{ApplicationId, UserId};
use crate::platform::mail::{Mailer, Recipient};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use time::Date;

mod backfill;
pub mod digest;
mod queue;
mod tasks;
pub use backfill::{backfill, unregistered, Unregistered};
pub use tasks::{sort, tasks, Counts, Scope, Task};

/// The stored due dates that follow the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueClock {
    /// 5 working days to accept or send the correction notice (行政许可法 32).
    AcceptBy,
    /// The registration decision (working days, or calendar days that may roll).
    Decision,
    /// 5 working days for the purchaser to confirm the first-ranked (87号令 68).
    AwardConfirm,
    /// The award notice's 1 working day.
    AwardNotice,
    /// The answer to an inquiry (3) or a challenge (7 working days).
    Answer,
    /// The finance department's 30 working days on a complaint.
    ComplaintDecision,
    /// Filing the contract within 7 working days of signing.
    ContractFiling,
}

/// How the entity's column holds the date.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stored {
    /// `YYYY-MM-DD`.
    Date,
    /// The end of the day as epoch milliseconds.
    EndOfDay,
}

const ALL: [DueClock; 7] = [
    DueClock::AcceptBy,
    DueClock::Decision,
    DueClock::AwardConfirm,
    DueClock::AwardNotice,
    DueClock::Answer,
    DueClock::ComplaintDecision,
    DueClock::ContractFiling,
];

impl DueClock {
    pub fn code(self) -> &'static str {
        match self {
            DueClock::AcceptBy => "accept_by",
            DueClock::Decision => "decision",
            DueClock::AwardConfirm => "award_confirm",
            DueClock::AwardNotice => "award_notice",
            DueClock::Answer => "answer",
            DueClock::ComplaintDecision => "complaint_decision",
            DueClock::ContractFiling => "contract_filing",
        }
    }

    pub fn parse(s: &str) -> Option<DueClock> {
        ALL.into_iter().find(|c| c.code() == s)
    }

    /// The entity's table and column, and how it stores the date.
    fn target(self) -> (&'static str, &'static str, Stored) {
        match self {
            DueClock::AcceptBy => ("applications", "accept_by", Stored::Date),
            DueClock::Decision => ("applications", "decision_due", Stored::Date),
            DueClock::AwardConfirm => ("awards", "confirm_due_at", Stored::EndOfDay),
            DueClock::AwardNotice => ("awards", "notice_end_at", Stored::EndOfDay),
            DueClock::Answer => ("challenges", "due_at", Stored::EndOfDay),
            DueClock::ComplaintDecision => ("complaints", "due_at", Stored::EndOfDay),
            DueClock::ContractFiling => ("contracts", "filing_due_at", Stored::EndOfDay),
        }
    }

    /// The condition on the entity row `e` under which the clock still runs: a clock whose
    /// matter is done keeps its date (nobody waits on it any more).
    fn running(self) -> &'static str {
        match self {
            DueClock::AcceptBy => "e.status = 'submitted'",
            DueClock::Decision => "e.status = 'accepted'",
            DueClock::AwardConfirm => "e.confirmed_at IS NULL",
            DueClock::AwardNotice => "e.notice_end_at IS NOT NULL",
            DueClock::Answer => "e.answered_at IS NULL",
            DueClock::ComplaintDecision => "e.decided_at IS NULL",
            DueClock::ContractFiling => "e.filed_at IS NULL",
        }
    }

    /// The audit trail's entity name.
    fn entity(self) -> &'static str {
        match self {
            DueClock::AcceptBy | DueClock::Decision => "application",
            DueClock::AwardConfirm | DueClock::AwardNotice => "award",
            DueClock::Answer => "challenge",
            DueClock::ComplaintDecision => "complaint",
            DueClock::ContractFiling => "contract",
        }
    }
}

/// Records (or re-records) how a stored due date was computed. Call it in the transaction that
/// writes the date to the entity.
pub async fn record(
    c: &mut Conn,
    clock: DueClock,
    entity_id: i64,
    start: Date,
    period: Period,
    due: &Due,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO deadlines (clock, entity_id, start_on, span_kind, span_days, roll, due_on, basis, provisional, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
         ON CONFLICT (clock, entity_id) DO UPDATE SET start_on = excluded.start_on, span_kind = excluded.span_kind, \
         span_days = excluded.span_days, roll = excluded.roll, due_on = excluded.due_on, basis = excluded.basis, \
         provisional = excluded.provisional, updated_at = excluded.updated_at",
    )
    .bind(clock.code())
    .bind(entity_id)
    .bind(iso_date(start))
    .bind(period.kind())
    .bind(i64::from(period.days()))
    .bind(i64::from(period.roll()))
    .bind(iso_date(due.on))
    .bind(&due.basis)
    .bind(i64::from(due.provisional))
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// A stored due date as a new calendar gives it.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub clock: DueClock,
    pub entity_id: i64,
    pub old: String,
    /// The date kept: the recomputed one, or the old one when that would be earlier.
    pub new: String,
    /// What the new calendar alone gives.
    pub computed: String,
    pub basis: String,
    pub provisional: bool,
    /// Whether the clock still runs (its date is written back and its parties told).
    pub running: bool,
}

impl Change {
    pub fn moved(&self) -> bool {
        self.new != self.old
    }
}

/// What `cal` would change: every due date on or after `today` whose calendar versions differ
/// from the ones `cal` gives. Reads only.
pub async fn changes(c: &mut Conn, cal: &Calendar, today: Date) -> AppResult<Vec<Change>> {
    let mut out = Vec::new();
    for clock in ALL {
        let (table, _, _) = clock.target();
        let sql = format!(
            "SELECT d.entity_id, d.start_on, d.span_kind, d.span_days, d.roll, d.due_on, d.basis, \
             CASE WHEN {} THEN 1 ELSE 0 END AS running FROM deadlines d JOIN {table} e ON e.id = d.entity_id \
             WHERE d.clock = $1 AND d.due_on >= $2 AND d.basis <> '' ORDER BY d.due_on, d.entity_id",
            clock.running()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(clock.code())
            .bind(iso_date(today))
            .fetch_all(&mut *c)
            .await?;
        for r in rows {
            let start: String = r.try_get("start_on")?;
            let old: String = r.try_get("due_on")?;
            let (Some(start), Some(old_day)) = (parse_iso_date(&start), parse_iso_date(&old))
            else {
                continue;
            };
            let days: i64 = r.try_get("span_days")?;
            let roll: i64 = r.try_get("roll")?;
            let kind: String = r.try_get("span_kind")?;
            let period = Period::from_parts(&kind, u32::try_from(days).unwrap_or(0), roll != 0);
            let due = cal.due(start, period);
            let basis: String = r.try_get("basis")?;
            if due.basis == basis {
                continue;
            }
            let running: i64 = r.try_get("running")?;
            out.push(Change {
                clock,
                entity_id: r.try_get("entity_id")?,
                new: iso_date(due.on.max(old_day)),
                computed: iso_date(due.on),
                old,
                basis: due.basis,
                provisional: due.provisional,
                running: running != 0,
            });
        }
    }
    Ok(out)
}

/// Who applies the changes, and on whose behalf.
pub struct Teller<'a> {
    pub clock: &'a Clock,
    pub auditor: &'a Auditor,
    pub mailer: &'a Mailer,
    pub actor: Actor,
    /// The table that caused the change, named in the history and the mails.
    pub reference: &'a str,
    pub year: i32,
}

/// Applies `changes` on `c` (the loading transaction): the register and, for running clocks
/// that moved, the entity's column, an audit entry with the old and new date, the entity's
/// history and a mail to each party.
pub async fn apply(c: &mut Conn, changes: &[Change], t: &Teller<'_>) -> AppResult<usize> {
    let now = t.clock.now_ms();
    let mut moved = 0;
    for ch in changes {
        sqlx::query(
            "UPDATE deadlines SET due_on = $3, basis = $4, provisional = $5, updated_at = $6 \
             WHERE clock = $1 AND entity_id = $2",
        )
        .bind(ch.clock.code())
        .bind(ch.entity_id)
        .bind(&ch.new)
        .bind(&ch.basis)
        .bind(i64::from(ch.provisional))
        .bind(now)
        .execute(&mut *c)
        .await?;
        if !ch.running || !ch.moved() {
            continue;
        }
        let Some(new_day) = parse_iso_date(&ch.new) else {
            continue;
        };
        let (table, column, stored) = ch.clock.target();
        let sql = format!("UPDATE {table} SET {column} = $2 WHERE id = $1");
        let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ch.entity_id);
        match stored {
            Stored::Date => q.bind(ch.new.clone()),
            Stored::EndOfDay => q.bind(to_ms(end_of_day(new_day))),
        }
        .execute(&mut *c)
        .await?;
        t.auditor
            .record(
                c,
                now,
                t.actor,
                "deadline.recomputed",
                (ch.clock.entity(), ch.entity_id.to_string()),
                json!({ "clock": ch.clock.code(), "old": ch.old, "new": ch.new,
                        "basis": ch.basis, "calendar_year": t.year, "reference": t.reference }),
            )
            .await?;
        let note = format!("{} → {}（{}）", ch.old, ch.new, t.reference);
        let parties = parties(c, ch.clock, ch.entity_id).await?;
        if let Some(app) = parties.application {
            crate::db::applications::add_event(
                c,
                ApplicationId(app),
                now,
                None,
                "deadline_moved",
                Some(&note),
            )
            .await?;
        }
        if let Some((project, round)) = parties.project {
            crate::db::projects::add_event(
                c,
                project,
                round,
                "deadline_moved",
                &json!({ "clock": ch.clock.code(), "old": ch.old, "new": ch.new, "reference": t.reference }),
                None,
                now,
            )
            .await?;
        }
        for (user, link) in parties.users {
            let Some(u) = crate::db::users::by_id(c, UserId(user)).await? else {
                continue;
            };
            let data = json!({
                "clock": ch.clock.code(), "title": parties.title, "old": ch.old, "new": ch.new,
                "provisional": ch.provisional, "reference": t.reference, "year": t.year,
                "link": link,
            });
            t.mailer
                .queue(
                    c,
                    Recipient {
                        addr: &u.email,
                        user: Some(u.id),
                        lang: Lang::parse(&u.preferred_lang).unwrap_or_default(),
                    },
                    "deadline_moved",
                    &data,
                    now,
                )
                .await?;
        }
        moved += 1;
    }
    Ok(moved)
}

/// Those a due date concerns: the entity's history, and the people told of it, each with the
/// page where they see it.
struct Parties {
    application: Option<i64>,
    project: Option<(i64, i64)>,
    users: Vec<(i64, String)>,
    title: String,
}

async fn parties(c: &mut Conn, clock: DueClock, id: i64) -> Result<Parties, sqlx::Error> {
    if matches!(clock, DueClock::AcceptBy | DueClock::Decision) {
        let r = sqlx::query("SELECT applicant_user_id, name FROM applications WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *c)
            .await?;
        return Ok(Parties {
            application: Some(id),
            project: None,
            users: vec![(
                r.try_get("applicant_user_id")?,
                format!("applications/{id}"),
            )],
            title: r.try_get("name")?,
        });
    }
    let (table, _, _) = clock.target();
    let who = match clock {
        DueClock::Answer | DueClock::ComplaintDecision => {
            "e.user_id AS party, e.org_id AS party_org"
        }
        _ => "CAST(NULL AS BIGINT) AS party, CAST(NULL AS BIGINT) AS party_org",
    };
    let round = match clock {
        DueClock::AwardConfirm | DueClock::AwardNotice | DueClock::Answer => "e.round",
        DueClock::ComplaintDecision => {
            "(SELECT x.round FROM challenges x WHERE x.id = e.challenge_id)"
        }
        _ => "(SELECT x.round FROM awards x WHERE x.id = e.award_id)",
    };
    let sql = format!(
        "SELECT p.id, p.number, p.title, p.created_by, {round} AS round, {who} FROM {table} e \
         JOIN projects p ON p.id = e.project_id WHERE e.id = $1"
    );
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *c)
        .await?;
    let project: i64 = r.try_get("id")?;
    let round: i64 = r.try_get("round")?;
    let number: String = r.try_get("number")?;
    // The purchaser works the clock on the award page; a bidder reads it on its own pages.
    let mut users: Vec<(i64, String)> = vec![(
        r.try_get("created_by")?,
        format!("purchase/projects/{project}/award"),
    )];
    if let (Some(party), Some(org)) = (
        r.try_get::<Option<i64>, _>("party")?,
        r.try_get::<Option<i64>, _>("party_org")?,
    ) {
        users.push((party, format!("projects/{number}/challenges/{org}")));
    }
    if clock == DueClock::AwardNotice {
        // The bidders of the round: the challenge window on the result opens when it ends.
        let admins: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT m.user_id FROM bids b JOIN memberships m ON m.org_id = b.org_id \
             WHERE b.project_id = $1 AND b.round = $2 AND m.kind = 'admin' AND m.left_on IS NULL \
             AND m.user_id IS NOT NULL ORDER BY m.user_id",
        )
        .bind(project)
        .bind(round)
        .fetch_all(&mut *c)
        .await?;
        users.extend(
            admins
                .into_iter()
                .map(|u| (u, format!("projects/{number}/award"))),
        );
    }
    // One mail a person (a purchaser who also bids keeps the purchaser's link).
    let mut seen = std::collections::BTreeSet::new();
    users.retain(|(u, _)| seen.insert(*u));
    Ok(Parties {
        application: None,
        project: Some((project, round)),
        users,
        title: r.try_get("title")?,
    })
}

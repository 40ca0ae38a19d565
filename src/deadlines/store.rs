//! All SQL of the deadlines area: the register of stored due dates (`deadlines`), the entity
//! columns a recomputation writes back, who a due date concerns, the daily digest's claims,
//! and (in `queue`) the reads the work queues are derived from. The register's services
//! (`deadlines.rs`, `tasks`, `backfill`, `digest`) decide; they run no query themselves.

pub mod queue;

use super::DueClock;
use crate::db::Conn;
use crate::domain::calendar::{end_of_day, iso_date, Due, Period};
use crate::platform::clock::to_ms;
use sqlx::Row;
use time::Date;

/// How the entity's column holds the date.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stored {
    /// `YYYY-MM-DD`.
    Date,
    /// The end of the day as epoch milliseconds.
    EndOfDay,
}

/// The entity's table and column, and how it stores the date.
fn target(clock: DueClock) -> (&'static str, &'static str, Stored) {
    match clock {
        DueClock::AcceptBy => ("applications", "accept_by", Stored::Date),
        DueClock::Decision => ("applications", "decision_due", Stored::Date),
        DueClock::AwardConfirm => ("awards", "confirm_due_at", Stored::EndOfDay),
        DueClock::AwardNotice => ("awards", "notice_end_at", Stored::EndOfDay),
        DueClock::Answer => ("challenges", "due_at", Stored::EndOfDay),
        DueClock::ComplaintDecision => ("complaints", "due_at", Stored::EndOfDay),
        DueClock::ContractFiling => ("contracts", "filing_due_at", Stored::EndOfDay),
    }
}

/// The condition on the entity row `e` under which the clock still runs: a clock whose matter
/// is done keeps its date (nobody waits on it any more).
fn running(clock: DueClock) -> &'static str {
    match clock {
        DueClock::AcceptBy => "e.status = 'submitted'",
        DueClock::Decision => "e.status = 'accepted'",
        DueClock::AwardConfirm => "e.confirmed_at IS NULL",
        DueClock::AwardNotice => "e.notice_end_at IS NOT NULL",
        DueClock::Answer => "e.answered_at IS NULL",
        DueClock::ComplaintDecision => "e.decided_at IS NULL",
        DueClock::ContractFiling => "e.filed_at IS NULL",
    }
}

pub(super) use crate::db::id_list;

/// The SQL condition for projects (aliased `alias`) whose procedure is run by `departments`
/// (not entrusted to an agency) or entrusted to `agencies`.
pub(super) fn runs(departments: &[i64], agencies: &[i64], alias: &str) -> String {
    format!(
        "(({alias}.department_id IN ({}) AND {alias}.agency_id IS NULL) OR {alias}.agency_id IN ({}))",
        id_list(departments),
        id_list(agencies)
    )
}

/// `runs` for the projects in `status` (a literal of the code's own), with the status inside
/// each branch so each is read from its unit's index by status (migration 0058) rather than
/// from every project of the unit.
pub(super) fn runs_in(departments: &[i64], agencies: &[i64], alias: &str, status: &str) -> String {
    format!(
        "(({alias}.department_id IN ({}) AND {alias}.status = '{status}' AND {alias}.agency_id IS NULL) \
         OR ({alias}.agency_id IN ({}) AND {alias}.status = '{status}'))",
        id_list(departments),
        id_list(agencies)
    )
}

/// Records (or re-records) how a stored due date was computed.
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

/// A register row of a clock, with whether its matter still waits.
pub struct Registered {
    pub entity_id: i64,
    pub start_on: String,
    pub span_kind: String,
    pub span_days: i64,
    pub roll: bool,
    pub due_on: String,
    pub basis: String,
    pub running: bool,
}

/// The register rows of `clock` due on or after `today` that were computed from a calendar.
pub async fn ahead(
    c: &mut Conn,
    clock: DueClock,
    today: Date,
) -> Result<Vec<Registered>, sqlx::Error> {
    let (table, _, _) = target(clock);
    let sql = format!(
        "SELECT d.entity_id, d.start_on, d.span_kind, d.span_days, d.roll, d.due_on, d.basis, \
         CASE WHEN {} THEN 1 ELSE 0 END AS running FROM deadlines d JOIN {table} e ON e.id = d.entity_id \
         WHERE d.clock = $1 AND d.due_on >= $2 AND d.basis <> '' ORDER BY d.due_on, d.entity_id",
        running(clock)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(clock.code())
        .bind(iso_date(today))
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Registered {
                entity_id: r.try_get("entity_id")?,
                start_on: r.try_get("start_on")?,
                span_kind: r.try_get("span_kind")?,
                span_days: r.try_get("span_days")?,
                roll: r.try_get::<i64, _>("roll")? != 0,
                due_on: r.try_get("due_on")?,
                basis: r.try_get("basis")?,
                running: r.try_get::<i64, _>("running")? != 0,
            })
        })
        .collect()
}

/// Rewrites a register row's due date and the calendar versions it came from.
pub async fn set_due(
    c: &mut Conn,
    clock: DueClock,
    entity_id: i64,
    due_on: &str,
    basis: &str,
    provisional: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE deadlines SET due_on = $3, basis = $4, provisional = $5, updated_at = $6 \
         WHERE clock = $1 AND entity_id = $2",
    )
    .bind(clock.code())
    .bind(entity_id)
    .bind(due_on)
    .bind(basis)
    .bind(i64::from(provisional))
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Writes a moved due date back to the entity's own column (a day, or the end of that day).
pub async fn write_back(
    c: &mut Conn,
    clock: DueClock,
    entity_id: i64,
    day: Date,
) -> Result<(), sqlx::Error> {
    let (table, column, stored) = target(clock);
    let sql = format!("UPDATE {table} SET {column} = $2 WHERE id = $1");
    let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(entity_id);
    match stored {
        Stored::Date => q.bind(iso_date(day)),
        Stored::EndOfDay => q.bind(to_ms(end_of_day(day))),
    }
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// A registration application's applicant and name.
pub async fn applicant_of(c: &mut Conn, application: i64) -> Result<(i64, String), sqlx::Error> {
    let r = sqlx::query("SELECT applicant_user_id, name FROM applications WHERE id = $1")
        .bind(application)
        .fetch_one(&mut *c)
        .await?;
    Ok((r.try_get("applicant_user_id")?, r.try_get("name")?))
}

/// The project a procurement clock runs in, and for an answer or a complaint the party who
/// filed it.
pub struct ProjectOf {
    pub project: i64,
    pub round: i64,
    pub number: String,
    pub title: String,
    pub created_by: i64,
    /// The filer and their organization (answers and complaints).
    pub party: Option<(i64, i64)>,
}

pub async fn project_of(
    c: &mut Conn,
    clock: DueClock,
    entity_id: i64,
) -> Result<ProjectOf, sqlx::Error> {
    let (table, _, _) = target(clock);
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
        .bind(entity_id)
        .fetch_one(&mut *c)
        .await?;
    let party = match (
        r.try_get::<Option<i64>, _>("party")?,
        r.try_get::<Option<i64>, _>("party_org")?,
    ) {
        (Some(user), Some(org)) => Some((user, org)),
        _ => None,
    };
    Ok(ProjectOf {
        project: r.try_get("id")?,
        round: r.try_get("round")?,
        number: r.try_get("number")?,
        title: r.try_get("title")?,
        created_by: r.try_get("created_by")?,
        party,
    })
}

/// The current admins of the organizations that bid in a project's round.
pub async fn bidder_admins(
    c: &mut Conn,
    project: i64,
    round: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT m.user_id FROM bids b JOIN memberships m ON m.org_id = b.org_id \
         WHERE b.project_id = $1 AND b.round = $2 AND m.kind = 'admin' AND m.left_on IS NULL \
         AND m.user_id IS NOT NULL ORDER BY m.user_id",
    )
    .bind(project)
    .bind(round)
    .fetch_all(&mut *c)
    .await
}

/// Whose running clocks to read.
pub enum Whose<'a> {
    /// Applications to the registering authorities.
    Authorities(&'a [i64]),
    /// Projects of the purchasing departments.
    Departments(&'a [i64]),
    /// Projects whose procedure the departments (not entrusted) or the agencies run.
    Runs(&'a [i64], &'a [i64]),
    /// Every project (the supervisor's complaints).
    AllProjects,
}

/// A running clock on a dashboard.
pub struct RunningClock {
    pub entity_id: i64,
    pub due_on: String,
    pub span_kind: String,
    /// The application's name, or the project's number and title.
    pub subject: String,
    /// The project (0 for an application).
    pub project: i64,
}

/// The running clocks of `clock` for `whose`, soonest first.
pub async fn running_for(
    c: &mut Conn,
    clock: DueClock,
    whose: Whose<'_>,
) -> Result<Vec<RunningClock>, sqlx::Error> {
    let (table, _, _) = target(clock);
    let project_join = "JOIN projects p ON p.id = e.project_id";
    let (join, filter) = match whose {
        Whose::Authorities(ids) => ("", format!("e.authority_id IN ({})", id_list(ids))),
        Whose::Departments(ids) => (
            project_join,
            format!("p.department_id IN ({})", id_list(ids)),
        ),
        Whose::Runs(departments, agencies) => (project_join, runs(departments, agencies, "p")),
        Whose::AllProjects => (project_join, "1 = 1".to_string()),
    };
    let (subject, project) = if join.is_empty() {
        ("e.name", "0")
    } else {
        ("p.number || ' · ' || p.title", "p.id")
    };
    let sql = format!(
        "SELECT d.entity_id, d.due_on, d.span_kind, {subject} AS subject, {project} AS project \
         FROM deadlines d JOIN {table} e ON e.id = d.entity_id {join} \
         WHERE d.clock = $1 AND {} AND {filter} ORDER BY d.due_on, d.entity_id LIMIT {}",
        running(clock),
        queue::CAP + 1
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(clock.code())
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(RunningClock {
                entity_id: r.try_get("entity_id")?,
                due_on: r.try_get("due_on")?,
                span_kind: r.try_get("span_kind")?,
                subject: r.try_get("subject")?,
                project: r.try_get("project")?,
            })
        })
        .collect()
}

fn missing(clock: DueClock) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM deadlines d WHERE d.clock = '{}' AND d.entity_id = e.id)",
        clock.code()
    )
}

/// An application whose acceptance or decision date is still ahead and not registered.
pub struct UnregisteredApplication {
    pub id: i64,
    pub status: String,
    pub received_on: Option<String>,
    pub accept_by: Option<String>,
    pub accepted_on: Option<String>,
    pub decision_due: Option<String>,
    pub decision_days: Option<i64>,
    pub decision_day_kind: Option<String>,
}

/// The submitted applications whose acceptance day, and the accepted ones whose decision day,
/// is on or after `today` and has no register row.
pub async fn unregistered_applications(
    c: &mut Conn,
    today: Date,
) -> Result<Vec<UnregisteredApplication>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT e.id, e.status, e.received_on, e.accept_by, e.accepted_on, e.decision_due, e.decision_days, \
         e.decision_day_kind FROM applications e WHERE ((e.status = 'submitted' AND e.accept_by >= $1 AND {}) \
         OR (e.status = 'accepted' AND e.decision_due >= $1 AND {}))",
        missing(DueClock::AcceptBy),
        missing(DueClock::Decision)
    )))
    .bind(iso_date(today))
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(UnregisteredApplication {
                id: r.try_get("id")?,
                status: r.try_get("status")?,
                received_on: r.try_get("received_on")?,
                accept_by: r.try_get("accept_by")?,
                accepted_on: r.try_get("accepted_on")?,
                decision_due: r.try_get("decision_due")?,
                decision_days: r.try_get("decision_days")?,
                decision_day_kind: r.try_get("decision_day_kind")?,
            })
        })
        .collect()
}

/// A procurement clock stored as instants and not registered: its entity, when it started,
/// its end-of-day due instant, and for an answer the kind (`inquiry` or `challenge`).
pub struct UnregisteredInstant {
    pub id: i64,
    pub start_at: i64,
    pub due_at: i64,
    pub kind: String,
}

/// The open procurement clocks of `clock` due at or after `now` without a register row.
/// (Application clocks are read by `unregistered_applications`.)
pub async fn unregistered_instants(
    c: &mut Conn,
    clock: DueClock,
    now: i64,
) -> Result<Vec<UnregisteredInstant>, sqlx::Error> {
    let sql = match clock {
        DueClock::AcceptBy | DueClock::Decision => return Ok(Vec::new()),
        DueClock::AwardConfirm => format!("SELECT e.id, e.report_at AS start_at, e.confirm_due_at AS due_at, '' AS kind FROM awards e WHERE e.confirmed_at IS NULL AND e.confirm_due_at >= $1 AND {}", missing(clock)),
        DueClock::AwardNotice => format!("SELECT e.id, e.notice_at AS start_at, e.notice_end_at AS due_at, '' AS kind FROM awards e WHERE e.notice_end_at >= $1 AND e.notice_at IS NOT NULL AND {}", missing(clock)),
        DueClock::Answer => format!("SELECT e.id, e.filed_at AS start_at, e.due_at, e.kind FROM challenges e WHERE e.answered_at IS NULL AND e.due_at >= $1 AND {}", missing(clock)),
        DueClock::ComplaintDecision => format!("SELECT e.id, e.filed_at AS start_at, e.due_at, '' AS kind FROM complaints e WHERE e.decided_at IS NULL AND e.due_at >= $1 AND {}", missing(clock)),
        DueClock::ContractFiling => format!("SELECT e.id, e.signed_at AS start_at, e.filing_due_at AS due_at, '' AS kind FROM contracts e WHERE e.filed_at IS NULL AND e.filing_due_at >= $1 AND {}", missing(clock)),
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now)
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(UnregisteredInstant {
                id: r.try_get("id")?,
                start_at: r.try_get("start_at")?,
                due_at: r.try_get("due_at")?,
                kind: r.try_get("kind")?,
            })
        })
        .collect()
}

/// The people who may have work waiting (an active grant, a membership or an application),
/// can be mailed, and have not had `day`'s digest.
pub async fn digest_recipients(c: &mut Conn, day: &str) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT u.id FROM users u WHERE u.disabled_at IS NULL AND u.email_confirmed_at IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM daily_digests d WHERE d.user_id = u.id AND d.day = $1) \
         AND (EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id AND g.revoked_at IS NULL) \
              OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id) \
              OR EXISTS (SELECT 1 FROM applications a WHERE a.applicant_user_id = u.id)) ORDER BY u.id",
    )
    .bind(day)
    .fetch_all(&mut *c)
    .await
}

/// Claims `day`'s digest for a person; false when another run claimed it first.
pub async fn claim_digest(
    c: &mut Conn,
    user: i64,
    day: &str,
    tasks: usize,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(
        "INSERT INTO daily_digests (user_id, day, tasks, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(user)
    .bind(day)
    .bind(i64::try_from(tasks).unwrap_or(i64::MAX))
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(claimed == 1)
}

//! Evaluation rounds, applications, evidence, expert assignments and their scores (hundredths
//! of a point), objections during the notice, grades awarded and downgrade proposals.

use super::Conn;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Round {
    pub id: i64,
    pub authority_id: i64,
    pub authority_zh: String,
    pub authority_en: String,
    pub year: i64,
    pub title: String,
    pub apply_from: String,
    pub apply_to: String,
    pub scoring_due: String,
    pub notice_days: i64,
    pub thresholds: String,
    pub aggregate: String,
    pub upgrade_allowed: bool,
    pub bars: String,
    pub settings_version: Option<i64>,
    /// Experts disagree on an item beyond this percentage of its maximum (the setting in force
    /// when the round opened).
    pub disagreement_pct: i64,
    /// The round uses the standards loaded when it opened: ids up to this one.
    pub standards_upto: Option<i64>,
    pub status: crate::domain::eval_life::RoundStatus,
    pub committee_on: Option<String>,
    pub committee_members: Option<i64>,
    pub committee_present: Option<i64>,
    pub notice_from: Option<String>,
    pub notice_to: Option<String>,
    pub announced_on: Option<String>,
}

pub struct NewRound<'a> {
    pub authority_id: i64,
    pub year: i64,
    pub title: &'a str,
    pub apply_from: &'a str,
    pub apply_to: &'a str,
    pub scoring_due: &'a str,
    pub notice_days: i64,
    pub thresholds: &'a str,
    pub aggregate: &'a str,
    pub upgrade_allowed: bool,
    pub bars: &'a str,
    pub settings_version: i64,
    pub disagreement_pct: i64,
    pub created_by: i64,
}

const ROUND_SELECT: &str = "SELECT r.*, a.name_zh AS authority_zh, a.name_en AS authority_en \
    FROM eval_rounds r JOIN authorities a ON a.id = r.authority_id";

fn round(r: &AnyRow) -> Result<Round, sqlx::Error> {
    Ok(Round {
        id: r.try_get("id")?,
        authority_id: r.try_get("authority_id")?,
        authority_zh: r.try_get("authority_zh")?,
        authority_en: r.try_get("authority_en")?,
        year: r.try_get("year")?,
        title: r.try_get("title")?,
        apply_from: r.try_get("apply_from")?,
        apply_to: r.try_get("apply_to")?,
        scoring_due: r.try_get("scoring_due")?,
        notice_days: r.try_get("notice_days")?,
        thresholds: r.try_get("thresholds")?,
        aggregate: r.try_get("aggregate")?,
        upgrade_allowed: r.try_get::<i64, _>("upgrade_allowed")? != 0,
        bars: r.try_get("bars")?,
        settings_version: r.try_get("settings_version")?,
        disagreement_pct: r.try_get("disagreement_pct")?,
        standards_upto: r.try_get("standards_upto")?,
        status: {
            let code: String = r.try_get("status")?;
            crate::domain::eval_life::RoundStatus::parse(&code).ok_or_else(|| {
                sqlx::Error::ColumnDecode {
                    index: "status".into(),
                    source: format!("unknown status {code:?}").into(),
                }
            })?
        },
        committee_on: r.try_get("committee_on")?,
        committee_members: r.try_get("committee_members")?,
        committee_present: r.try_get("committee_present")?,
        notice_from: r.try_get("notice_from")?,
        notice_to: r.try_get("notice_to")?,
        announced_on: r.try_get("announced_on")?,
    })
}

/// Opens a round with the standards loaded by now (a standard loaded later applies to the
/// next round).
pub async fn create_round(c: &mut Conn, n: &NewRound<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO eval_rounds (authority_id, year, title, apply_from, apply_to, scoring_due, \
         notice_days, thresholds, aggregate, upgrade_allowed, bars, settings_version, status, \
         created_by, created_at, disagreement_pct, standards_upto) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', $13, $14, $15, \
         (SELECT MAX(id) FROM eval_standards)) RETURNING id",
    )
    .bind(n.authority_id)
    .bind(n.year)
    .bind(n.title)
    .bind(n.apply_from)
    .bind(n.apply_to)
    .bind(n.scoring_due)
    .bind(n.notice_days)
    .bind(n.thresholds)
    .bind(n.aggregate)
    .bind(i64::from(n.upgrade_allowed))
    .bind(n.bars)
    .bind(n.settings_version)
    .bind(n.created_by)
    .bind(now)
    .bind(n.disagreement_pct)
    .fetch_one(c)
    .await
}

pub async fn round_by_id(c: &mut Conn, id: i64) -> Result<Option<Round>, sqlx::Error> {
    let sql = format!("{ROUND_SELECT} WHERE r.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(c)
        .await?;
    row.as_ref().map(round).transpose()
}

/// Rounds of these authorities (all rounds when `None`: the public list filters by status).
pub async fn rounds(c: &mut Conn, authorities: Option<&[i64]>) -> Result<Vec<Round>, sqlx::Error> {
    let sql = format!("{ROUND_SELECT} ORDER BY r.year DESC, r.id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(c).await?;
    let all = rows.iter().map(round).collect::<Result<Vec<_>, _>>()?;
    Ok(match authorities {
        Some(a) => all
            .into_iter()
            .filter(|r| a.contains(&r.authority_id))
            .collect(),
        None => all,
    })
}

/// Moves a round by `action` from the status it was read in, with the columns that go with
/// it: the lifecycle's transition written with a compare-and-set; false if the action is
/// refused there or the round was no longer in `from` (a second officer got there first).
pub async fn advance_round(
    c: &mut Conn,
    id: i64,
    from: crate::domain::eval_life::RoundStatus,
    action: crate::domain::eval_life::RoundAction,
    dates: [(&'static str, Option<String>); 2],
) -> Result<bool, sqlx::Error> {
    let Ok(to) = crate::domain::eval_life::round_transition(from, action) else {
        return Ok(false);
    };
    let mut sql = String::from("UPDATE eval_rounds SET status = $1");
    for (i, (col, _)) in dates.iter().enumerate() {
        sql.push_str(&format!(", {col} = COALESCE(${}, {col})", i + 2));
    }
    sql.push_str(" WHERE id = $4 AND status = $5");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(to.code());
    for (_, v) in dates {
        q = q.bind(v);
    }
    let done = q.bind(id).bind(from.code()).execute(c).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_committee(
    c: &mut Conn,
    id: i64,
    on: &str,
    members: i64,
    present: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE eval_rounds SET committee_on = $1, committee_members = $2, committee_present = $3 WHERE id = $4",
    )
    .bind(on)
    .bind(members)
    .bind(present)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalApp {
    pub id: i64,
    pub round_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_type: String,
    pub standard_id: i64,
    pub applicant_user_id: i64,
    pub self_assessment: String,
    pub status: crate::domain::eval_life::AppStatus,
    pub submitted_at: i64,
    pub total_centi: Option<i64>,
    pub proposed_grade: Option<String>,
    pub veto: Option<String>,
    pub flagged: Option<String>,
    pub votes_for: Option<i64>,
    pub decided_grade: Option<String>,
    pub change_reason: Option<String>,
}

const APP_SELECT: &str = "SELECT e.*, o.name AS org_name, o.org_type AS org_type \
    FROM eval_applications e JOIN organizations o ON o.id = e.org_id";

fn eval_app(r: &AnyRow) -> Result<EvalApp, sqlx::Error> {
    Ok(EvalApp {
        id: r.try_get("id")?,
        round_id: r.try_get("round_id")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        org_type: r.try_get("org_type")?,
        standard_id: r.try_get("standard_id")?,
        applicant_user_id: r.try_get("applicant_user_id")?,
        self_assessment: r.try_get("self_assessment")?,
        status: {
            let code: String = r.try_get("status")?;
            crate::domain::eval_life::AppStatus::parse(&code).ok_or_else(|| {
                sqlx::Error::ColumnDecode {
                    index: "status".into(),
                    source: format!("unknown status {code:?}").into(),
                }
            })?
        },
        submitted_at: r.try_get("submitted_at")?,
        total_centi: r.try_get("total_centi")?,
        proposed_grade: r.try_get("proposed_grade")?,
        veto: r.try_get("veto")?,
        flagged: r.try_get("flagged")?,
        votes_for: r.try_get("votes_for")?,
        decided_grade: r.try_get("decided_grade")?,
        change_reason: r.try_get("change_reason")?,
    })
}

async fn apps_where(c: &mut Conn, cond: &str, id: i64) -> Result<Vec<EvalApp>, sqlx::Error> {
    let sql = format!("{APP_SELECT} WHERE {cond} = $1 ORDER BY e.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(c)
        .await?;
    rows.iter().map(eval_app).collect()
}

pub async fn app_by_id(c: &mut Conn, id: i64) -> Result<Option<EvalApp>, sqlx::Error> {
    Ok(apps_where(c, "e.id", id).await?.into_iter().next())
}

pub async fn apps_of_round(c: &mut Conn, round: i64) -> Result<Vec<EvalApp>, sqlx::Error> {
    apps_where(c, "e.round_id", round).await
}

pub async fn apps_of_org(c: &mut Conn, org: i64) -> Result<Vec<EvalApp>, sqlx::Error> {
    apps_where(c, "e.org_id", org).await
}

pub async fn create_app(
    c: &mut Conn,
    round: i64,
    org: i64,
    standard: i64,
    user: i64,
    text: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO eval_applications (round_id, org_id, standard_id, applicant_user_id, \
         self_assessment, status, submitted_at) VALUES ($1, $2, $3, $4, $5, 'review', $6) RETURNING id",
    )
    .bind(round)
    .bind(org)
    .bind(standard)
    .bind(user)
    .bind(text)
    .bind(now)
    .fetch_one(c)
    .await
}

/// Stores the aggregation's proposal (when at least three experts have submitted).
pub async fn set_proposal(
    c: &mut Conn,
    id: i64,
    total_centi: i64,
    grade: Option<&str>,
    veto: Option<&str>,
    flagged: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE eval_applications SET status = 'scored', total_centi = $1, proposed_grade = $2, \
         veto = $3, flagged = $4 WHERE id = $5 AND status IN ('review', 'scored')",
    )
    .bind(total_centi)
    .bind(grade)
    .bind(veto)
    .bind(flagged)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

/// A grade decision to record: the committee's, or the re-review committee's answering an
/// objection (it supersedes the latest decision; nothing is overwritten).
pub struct NewDecision<'a> {
    pub app: i64,
    /// committee | rereview
    pub body: &'a str,
    pub grade: Option<&'a str>,
    pub members: i64,
    pub present: i64,
    pub votes_for: i64,
    pub reason: Option<&'a str>,
    pub objection: Option<i64>,
    pub by: Option<i64>,
    pub on: &'a str,
    pub at: i64,
}

/// Appends the decision (superseding the application's latest one) and makes it the
/// application's current decision.
pub async fn record_decision(c: &mut Conn, d: &NewDecision<'_>) -> Result<i64, sqlx::Error> {
    let latest: Option<i64> =
        sqlx::query_scalar("SELECT MAX(id) FROM eval_decisions WHERE eval_application_id = $1")
            .bind(d.app)
            .fetch_one(&mut *c)
            .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO eval_decisions (eval_application_id, body, grade, members, present, votes_for, reason, \
         objection_id, supersedes_id, decided_by, decided_on, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(d.app)
    .bind(d.body)
    .bind(d.grade)
    .bind(d.members)
    .bind(d.present)
    .bind(d.votes_for)
    .bind(d.reason)
    .bind(d.objection)
    .bind(latest)
    .bind(d.by)
    .bind(d.on)
    .bind(d.at)
    .fetch_one(&mut *c)
    .await?;
    sqlx::query(
        "UPDATE eval_applications SET status = 'decided', decided_grade = $1, votes_for = $2, \
         change_reason = $3, decided_at = $4 WHERE id = $5 AND status IN ('scored', 'decided')",
    )
    .bind(d.grade)
    .bind(d.votes_for)
    .bind(d.reason)
    .bind(d.at)
    .bind(d.app)
    .execute(&mut *c)
    .await?;
    Ok(id)
}

/// One recorded decision, as the application's history shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub id: i64,
    pub body: String,
    pub grade: Option<String>,
    pub members: i64,
    pub present: i64,
    pub votes_for: i64,
    pub reason: Option<String>,
    pub objection_id: Option<i64>,
    pub supersedes_id: Option<i64>,
    pub decided_on: String,
    /// Whether a later decision superseded it.
    pub superseded: bool,
}

/// The application's decisions, oldest first.
pub async fn decisions(c: &mut Conn, app: i64) -> Result<Vec<Decision>, sqlx::Error> {
    type Row = (
        i64,
        String,
        Option<String>,
        i64,
        i64,
        i64,
        Option<String>,
        Option<i64>,
        Option<i64>,
        String,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, body, grade, members, present, votes_for, reason, objection_id, supersedes_id, decided_on \
         FROM eval_decisions WHERE eval_application_id = $1 ORDER BY id",
    )
    .bind(app)
    .fetch_all(&mut *c)
    .await?;
    let superseded: Vec<i64> = rows.iter().filter_map(|r| r.8).collect();
    Ok(rows
        .into_iter()
        .map(|r| Decision {
            superseded: superseded.contains(&r.0),
            id: r.0,
            body: r.1,
            grade: r.2,
            members: r.3,
            present: r.4,
            votes_for: r.5,
            reason: r.6,
            objection_id: r.7,
            supersedes_id: r.8,
            decided_on: r.9,
        })
        .collect())
}

/// Moves an application by `action` from the status it was read in (compare-and-set); false
/// if refused or moved meanwhile.
pub async fn advance_app(
    c: &mut Conn,
    id: i64,
    from: crate::domain::eval_life::AppStatus,
    action: crate::domain::eval_life::AppAction,
) -> Result<bool, sqlx::Error> {
    let Ok(to) = crate::domain::eval_life::app_transition(from, action) else {
        return Ok(false);
    };
    let done =
        sqlx::query("UPDATE eval_applications SET status = $1 WHERE id = $2 AND status = $3")
            .bind(to.code())
            .bind(id)
            .bind(from.code())
            .execute(c)
            .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub id: i64,
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub original_name: String,
}

pub async fn add_evidence(
    c: &mut Conn,
    app: i64,
    e: &Evidence,
    user: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO eval_evidence (eval_application_id, sha256, content_type, size_bytes, \
         original_name, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(app)
    .bind(&e.sha256)
    .bind(&e.content_type)
    .bind(e.size_bytes)
    .bind(&e.original_name)
    .bind(user)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn evidence(c: &mut Conn, app: i64) -> Result<Vec<Evidence>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, sha256, content_type, size_bytes, original_name FROM eval_evidence \
         WHERE eval_application_id = $1 ORDER BY id",
    )
    .bind(app)
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Evidence {
                id: r.try_get("id")?,
                sha256: r.try_get("sha256")?,
                content_type: r.try_get("content_type")?,
                size_bytes: r.try_get("size_bytes")?,
                original_name: r.try_get("original_name")?,
            })
        })
        .collect()
}

/// The organization's registration category (what picks its evaluation standard).
pub async fn org_category(c: &mut Conn, org: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT category FROM organizations WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut *c)
        .await
}

/// How many applications the organization has in the round (0 or 1).
pub async fn applied(c: &mut Conn, round: i64, org: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM eval_applications WHERE round_id = $1 AND org_id = $2")
        .bind(round)
        .bind(org)
        .fetch_one(&mut *c)
        .await
}

/// An evidence file's application, digest and content type.
pub async fn evidence_file(
    c: &mut Conn,
    id: i64,
) -> Result<Option<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT eval_application_id, sha256, content_type FROM eval_evidence WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await
}

pub use super::eval_panel::*;

//! Projects, their frozen criteria and append-only event history (the catalogue, follows and
//! intentions are re-exported from `db::intentions`). Who obtained the documents, questions and
//! amendments are in `db::project_qa`; bids and openings in `db::bids`.

use super::Conn;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

pub use super::intentions::*;

#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub department_id: i64,
    pub department_zh: String,
    pub department_en: String,
    pub title: String,
    pub category_code: String,
    pub requirements: String,
    pub budget_fen: i64,
    pub max_price_fen: Option<i64>,
    pub method: String,
    pub price_weight_pct: i64,
    pub tie_rule: String,
    pub grade_use: String,
    pub intention_id: Option<i64>,
    pub city_division: Option<String>,
    pub min_grade: Option<String>,
    pub need_inspection: bool,
    pub min_bids: i64,
    pub round: i64,
    pub status: crate::domain::project::Status,
    pub notice_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub cancel_reason: Option<String>,
    /// Consultation: the deadline of the sealed final quotes, once called.
    pub final_deadline_at: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The procurement agency the procedure is entrusted to, if any, and since when.
    pub agency_id: Option<i64>,
    pub agency_zh: Option<String>,
    pub agency_en: Option<String>,
    pub entrusted_at: Option<i64>,
    /// The purchaser marked the project technically complex (技术复杂): a tender's panel has
    /// at least 7 members (87号令 art. 47).
    pub technically_complex: bool,
    /// Why the project was published less than the set days after its intention
    /// (财库〔2020〕10号), shown on the notice.
    pub intention_late_reason: Option<String>,
    /// The settings version in force when the project was published: the project's rules are
    /// read as they were then (`procurement::rules_of`).
    pub settings_version: Option<i64>,
}

const PROJECT: &str = "SELECT p.id, p.number, p.kind, p.department_id, d.name_zh AS department_zh, \
    d.name_en AS department_en, p.title, p.category_code, p.requirements, p.budget_fen, p.max_price_fen, \
    p.method, p.price_weight_pct, p.tie_rule, p.grade_use, p.intention_id, p.city_division, p.min_grade, \
    p.need_inspection, p.min_bids, p.round, p.status, p.notice_at, p.deadline_at, p.cancel_reason, \
    p.final_deadline_at, p.created_by, p.created_at, p.updated_at, p.agency_id, ag.name_zh AS agency_zh, \
    ag.name_en AS agency_en, p.entrusted_at, p.technically_complex, p.intention_late_reason, \
    p.settings_version FROM projects p JOIN departments d ON d.id = p.department_id \
    LEFT JOIN agencies ag ON ag.id = p.agency_id";

fn project(r: &AnyRow) -> Result<Project, sqlx::Error> {
    Ok(Project {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        kind: r.try_get("kind")?,
        department_id: r.try_get("department_id")?,
        department_zh: r.try_get("department_zh")?,
        department_en: r.try_get("department_en")?,
        title: r.try_get("title")?,
        category_code: r.try_get("category_code")?,
        requirements: r.try_get("requirements")?,
        budget_fen: r.try_get("budget_fen")?,
        max_price_fen: r.try_get("max_price_fen")?,
        method: r.try_get("method")?,
        price_weight_pct: r.try_get("price_weight_pct")?,
        tie_rule: r.try_get("tie_rule")?,
        grade_use: r.try_get("grade_use")?,
        intention_id: r.try_get("intention_id")?,
        city_division: r.try_get("city_division")?,
        min_grade: r.try_get("min_grade")?,
        need_inspection: r.try_get::<i64, _>("need_inspection")? != 0,
        min_bids: r.try_get("min_bids")?,
        round: r.try_get("round")?,
        status: {
            let code: String = r.try_get("status")?;
            crate::domain::project::Status::parse(&code).ok_or_else(|| {
                sqlx::Error::ColumnDecode {
                    index: "status".into(),
                    source: format!("unknown project status {code:?}").into(),
                }
            })?
        },
        notice_at: r.try_get("notice_at")?,
        deadline_at: r.try_get("deadline_at")?,
        cancel_reason: r.try_get("cancel_reason")?,
        final_deadline_at: r.try_get("final_deadline_at")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        agency_id: r.try_get("agency_id")?,
        agency_zh: r.try_get("agency_zh")?,
        agency_en: r.try_get("agency_en")?,
        entrusted_at: r.try_get("entrusted_at")?,
        technically_complex: r.try_get::<i64, _>("technically_complex")? != 0,
        intention_late_reason: r.try_get("intention_late_reason")?,
        settings_version: r.try_get("settings_version")?,
    })
}

/// Whose projects: a purchaser's departments and an agency's entrusted projects.
#[derive(Clone, Copy)]
pub struct Worked<'a> {
    pub departments: &'a [i64],
    pub agencies: &'a [i64],
}

impl Worked<'_> {
    /// The SQL condition on the projects table aliased `alias` (ids are numbers, not input).
    pub fn filter(&self, alias: &str) -> String {
        let list = |ids: &[i64]| {
            if ids.is_empty() {
                "NULL".to_string()
            } else {
                ids.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        format!(
            "({alias}.department_id IN ({}) OR {alias}.agency_id IN ({}))",
            list(self.departments),
            list(self.agencies)
        )
    }
}

pub async fn by_id(c: &mut Conn, id: i64) -> Result<Option<Project>, sqlx::Error> {
    let sql = format!("{PROJECT} WHERE p.id = $1");
    sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?
        .as_ref()
        .map(project)
        .transpose()
}

/// The projects with these ids (in no particular order); ids not found are left out.
pub async fn by_ids(c: &mut Conn, ids: &[i64]) -> Result<Vec<Project>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!("{PROJECT} WHERE p.id IN ({})", list.join(", "));
    sqlx::query(AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(project)
        .collect()
}

pub async fn by_number(c: &mut Conn, number: &str) -> Result<Option<Project>, sqlx::Error> {
    let sql = format!("{PROJECT} WHERE p.number = $1");
    sqlx::query(AssertSqlSafe(sql))
        .bind(number)
        .fetch_optional(&mut *c)
        .await?
        .as_ref()
        .map(project)
        .transpose()
}

/// Locks the project row for the rest of the write transaction (bids and opening take it).
pub async fn lock(c: &mut Conn, id: i64, for_update: &str) -> Result<Option<Project>, sqlx::Error> {
    // The lock is taken on the bare row; the join is read after it.
    let sql = format!("SELECT id FROM projects WHERE id = $1{for_update}");
    let found: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    match found {
        Some(id) => by_id(c, id).await,
        None => Ok(None),
    }
}

/// A place in a project list: the project's notice (or creation) instant and its id.
pub type ListKey = (i64, i64);

/// A project's place in the lists.
pub fn list_key(p: &Project) -> ListKey {
    (p.notice_at.unwrap_or(p.created_at), p.id)
}

/// The query of `list` (its plan is tested: `tests/it/plans.rs`); `None` for a unit with no
/// department and no agency.
pub fn list_sql(
    statuses: &[&str],
    of: Option<Worked<'_>>,
    before: Option<ListKey>,
    limit: i64,
) -> Option<String> {
    // Numbers only: written into the text.
    let after = match before {
        // Written as a range on the index's expression, which SQLite reads from the index
        // (it does not for a row value holding an expression).
        Some((at, id)) => format!(
            " AND COALESCE(p.notice_at, p.created_at) <= {at} \
             AND (COALESCE(p.notice_at, p.created_at) < {at} OR p.id < {id})"
        ),
        None => String::new(),
    };
    let quoted: Vec<String> = statuses
        .iter()
        .filter(|s| s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'))
        .map(|s| format!("'{s}'"))
        .collect();
    let statuses = quoted.join(",");
    let order = "COALESCE(p.notice_at, p.created_at) DESC, p.id DESC";
    Some(match of {
        None => format!(
            "{PROJECT} WHERE p.status IN ({statuses}){after} ORDER BY {order} LIMIT {limit}"
        ),
        Some(w) => {
            // One arm per department and per agency, each read newest first through its
            // index (`projects_listed_department`, `projects_listed_agency`: migration 0052)
            // and stopped at `limit`, then merged: the cost is the rows shown, not the
            // department's whole history (issue 26 item 2). UNION drops a project that is
            // both the department's and its agency's.
            let listed = PROJECT.replacen(
                "SELECT ",
                "SELECT COALESCE(p.notice_at, p.created_at) AS listed_at, ",
                1,
            );
            let conds = w
                .departments
                .iter()
                .map(|d| format!("p.department_id = {d}"))
                .chain(w.agencies.iter().map(|a| format!("p.agency_id = {a}")));
            let arms: Vec<String> = conds
                .enumerate()
                .map(|(n, cond)| {
                    format!(
                        "SELECT * FROM ({listed} WHERE {cond} AND p.status IN ({statuses}){after} \
                         ORDER BY {order} LIMIT {limit}) a{n}"
                    )
                })
                .collect();
            if arms.is_empty() {
                return None;
            }
            format!(
                "SELECT * FROM ({}) u ORDER BY u.listed_at DESC, u.id DESC LIMIT {limit}",
                arms.join(" UNION ")
            )
        }
    })
}

/// Projects in the given statuses, newest notice first (then newest id), after `before` when
/// given (the last one of the previous page); when `of` is given, only those of its departments
/// or entrusted to its agencies.
pub async fn list(
    c: &mut Conn,
    statuses: &[&str],
    of: Option<Worked<'_>>,
    before: Option<ListKey>,
    limit: i64,
) -> Result<Vec<Project>, sqlx::Error> {
    let Some(sql) = list_sql(statuses, of, before, limit) else {
        return Ok(Vec::new());
    };
    sqlx::query(AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(project)
        .collect()
}

/// Published projects whose deadline has passed: the opening job's work.
pub async fn due_for_opening(c: &mut Conn, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM projects WHERE status = 'published' AND deadline_at <= $1 ORDER BY deadline_at, id",
    )
    .bind(now)
    .fetch_all(&mut *c)
    .await
}

/// Opened consultations whose final-quote deadline has passed and whose final quotes are not
/// opened yet.
pub async fn due_for_final(c: &mut Conn, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT p.id FROM projects p WHERE p.status = 'opened' AND p.final_deadline_at <= $1 AND NOT EXISTS \
         (SELECT 1 FROM openings o WHERE o.project_id = p.id AND o.round = p.round AND o.envelope = 'final') ORDER BY p.id",
    )
    .bind(now)
    .fetch_all(&mut *c)
    .await
}

pub async fn set_final_deadline(
    c: &mut Conn,
    id: i64,
    at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE projects SET final_deadline_at = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(at)
        .bind(now)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Published projects whose deadline falls in (now, until]: the reminder's work.
pub async fn deadlines_between(
    c: &mut Conn,
    now: i64,
    until: i64,
) -> Result<Vec<Project>, sqlx::Error> {
    let sql = format!(
        "{PROJECT} WHERE p.status = 'published' AND p.deadline_at > $1 AND p.deadline_at <= $2 ORDER BY p.id"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(now)
        .bind(until)
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(project)
        .collect()
}

pub struct NewProject<'a> {
    pub number: &'a str,
    pub kind: &'a str,
    pub department_id: i64,
    pub title: &'a str,
    pub category_code: &'a str,
    pub requirements: &'a str,
    pub budget_fen: i64,
    pub max_price_fen: Option<i64>,
    pub method: &'a str,
    pub price_weight_pct: i64,
    pub tie_rule: &'a str,
    pub grade_use: &'a str,
    pub intention_id: Option<i64>,
    pub city_division: Option<&'a str>,
    pub min_grade: Option<&'a str>,
    pub need_inspection: bool,
    pub min_bids: i64,
    pub notice_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub technically_complex: bool,
}

/// The purchasing department a project belongs to.
pub async fn department_of(c: &mut Conn, project: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT department_id FROM projects WHERE id = $1")
        .bind(project)
        .fetch_one(&mut *c)
        .await
}

/// Whether a project already has this number.
pub async fn number_taken(c: &mut Conn, number: &str) -> Result<bool, sqlx::Error> {
    let n: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM projects WHERE number = $1")
            .bind(number)
            .fetch_one(&mut *c)
            .await?;
    Ok(n > 0)
}

pub async fn create(
    c: &mut Conn,
    p: &NewProject<'_>,
    user: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO projects (number, kind, department_id, title, category_code, requirements, budget_fen, \
         max_price_fen, method, price_weight_pct, tie_rule, grade_use, intention_id, city_division, min_grade, \
         need_inspection, min_bids, round, status, notice_at, deadline_at, created_by, created_at, updated_at, \
         technically_complex) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1, 'draft', $18, $19, $20, $21, $21, $22) \
         RETURNING id",
    )
    .bind(p.number)
    .bind(p.kind)
    .bind(p.department_id)
    .bind(p.title)
    .bind(p.category_code)
    .bind(p.requirements)
    .bind(p.budget_fen)
    .bind(p.max_price_fen)
    .bind(p.method)
    .bind(p.price_weight_pct)
    .bind(p.tie_rule)
    .bind(p.grade_use)
    .bind(p.intention_id)
    .bind(p.city_division)
    .bind(p.min_grade)
    .bind(i64::from(p.need_inspection))
    .bind(p.min_bids)
    .bind(p.notice_at)
    .bind(p.deadline_at)
    .bind(user)
    .bind(now)
    .bind(i64::from(p.technically_complex))
    .fetch_one(&mut *c)
    .await
}

/// Rewrites a draft (the number, kind and round stay).
pub async fn update_draft(
    c: &mut Conn,
    id: i64,
    p: &NewProject<'_>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE projects SET title = $2, category_code = $3, requirements = $4, budget_fen = $5, max_price_fen = $6, \
         method = $7, price_weight_pct = $8, tie_rule = $9, grade_use = $10, intention_id = $11, city_division = $12, \
         min_grade = $13, need_inspection = $14, min_bids = $15, notice_at = $16, deadline_at = $17, updated_at = $18, \
         technically_complex = $19 WHERE id = $1 AND status = 'draft'",
    )
    .bind(id)
    .bind(p.title)
    .bind(p.category_code)
    .bind(p.requirements)
    .bind(p.budget_fen)
    .bind(p.max_price_fen)
    .bind(p.method)
    .bind(p.price_weight_pct)
    .bind(p.tie_rule)
    .bind(p.grade_use)
    .bind(p.intention_id)
    .bind(p.city_division)
    .bind(p.min_grade)
    .bind(i64::from(p.need_inspection))
    .bind(p.min_bids)
    .bind(p.notice_at)
    .bind(p.deadline_at)
    .bind(now)
    .bind(i64::from(p.technically_complex))
    .execute(&mut *c)
    .await?
    .rows_affected())
}

/// Entrusts the procedure to an agency (or takes it back with `None`); the purchaser's
/// decision while the project is a draft or published.
pub async fn entrust(
    c: &mut Conn,
    id: i64,
    agency: Option<i64>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE projects SET agency_id = $2, entrusted_at = $3, updated_at = $4 \
         WHERE id = $1 AND status IN ('draft', 'published')",
    )
    .bind(id)
    .bind(agency)
    .bind(agency.map(|_| now))
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected())
}

/// Moves the project by `action` from the status it was read in: the lifecycle's transition,
/// written with a compare-and-set on that status. A refused action, or a status another
/// request changed meanwhile, is a conflict and writes nothing.
pub async fn advance(
    c: &mut Conn,
    p: &Project,
    action: crate::domain::project::Action,
    now: i64,
) -> Result<crate::domain::project::Status, crate::platform::error::AppError> {
    let to = crate::domain::project::transition(p.status, action)
        .map_err(|r| crate::platform::error::AppError::Conflict(r.message_key()))?;
    let n = sqlx::query(
        "UPDATE projects SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2",
    )
    .bind(p.id)
    .bind(p.status.code())
    .bind(to.code())
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(crate::platform::error::AppError::Conflict(
            "err-project-state",
        ));
    }
    Ok(to)
}

pub async fn set_deadline(
    c: &mut Conn,
    id: i64,
    deadline: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE projects SET deadline_at = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(deadline)
        .bind(now)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Records when the project's notice was published.
pub async fn set_notice_at(c: &mut Conn, id: i64, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE projects SET notice_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Records what the publication decided: the settings version in force then (issue 22, item
/// 14) and the reason for publishing soon after the intention, if one was needed.
pub async fn set_published_rules(
    c: &mut Conn,
    id: i64,
    settings_version: i64,
    intention_late_reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE projects SET settings_version = $2, intention_late_reason = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(settings_version)
    .bind(intention_late_reason)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The fewest bids the published project opens with, as the settings at publication set it.
pub async fn set_min_bids(c: &mut Conn, id: i64, min_bids: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE projects SET min_bids = $2 WHERE id = $1")
        .bind(id)
        .bind(min_bids)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Cancels the project (from draft or published) with its reason.
pub async fn cancel(
    c: &mut Conn,
    p: &Project,
    reason: &str,
    now: i64,
) -> Result<(), crate::platform::error::AppError> {
    advance(c, p, crate::domain::project::Action::Cancel, now).await?;
    sqlx::query("UPDATE projects SET cancel_reason = $2 WHERE id = $1")
        .bind(p.id)
        .bind(reason)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// A failed round becomes the draft of the next round under the same number.
pub async fn next_round(
    c: &mut Conn,
    p: &Project,
    now: i64,
) -> Result<(), crate::platform::error::AppError> {
    advance(c, p, crate::domain::project::Action::Republish, now).await?;
    sqlx::query(
        "UPDATE projects SET round = round + 1, notice_at = NULL, deadline_at = NULL, final_deadline_at = NULL, \
         settings_version = NULL, intention_late_reason = NULL WHERE id = $1",
    )
    .bind(p.id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Criterion {
    pub name: String,
    pub max_centi: i64,
    pub guidance: String,
}

pub async fn criteria(c: &mut Conn, project: i64) -> Result<Vec<Criterion>, sqlx::Error> {
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT name, max_centi, guidance FROM project_criteria WHERE project_id = $1 ORDER BY pos",
    )
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, max_centi, guidance)| Criterion {
            name,
            max_centi,
            guidance,
        })
        .collect())
}

/// Replaces a draft's criteria (published criteria are frozen: callers check the status).
pub async fn set_criteria(
    c: &mut Conn,
    project: i64,
    list: &[Criterion],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM project_criteria WHERE project_id = $1")
        .bind(project)
        .execute(&mut *c)
        .await?;
    for (pos, k) in list.iter().enumerate() {
        sqlx::query(
            "INSERT INTO project_criteria (project_id, pos, name, max_centi, guidance) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(project)
        .bind(pos as i64)
        .bind(&k.name)
        .bind(k.max_centi)
        .bind(&k.guidance)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i64,
    pub round: i64,
    pub at: i64,
    pub kind: String,
    pub data: serde_json::Value,
}

/// Appends to the project's public event history: `data` holds only what may be public at
/// the time it is written.
pub async fn add_event(
    c: &mut Conn,
    project: i64,
    round: i64,
    kind: &str,
    data: &serde_json::Value,
    user: Option<i64>,
    at: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO project_events (project_id, round, at, kind, data, actor_user_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(project)
    .bind(round)
    .bind(at)
    .bind(kind)
    .bind(data.to_string())
    .bind(user)
    .fetch_one(&mut *c)
    .await
}

/// When the round's first event of `kind` was recorded, if it was.
pub async fn event_at(
    c: &mut Conn,
    project: i64,
    round: i64,
    kind: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT MIN(at) FROM project_events WHERE project_id = $1 AND round = $2 AND kind = $3",
    )
    .bind(project)
    .bind(round)
    .bind(kind)
    .fetch_one(&mut *c)
    .await
}

pub async fn events(c: &mut Conn, project: i64) -> Result<Vec<Event>, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, String, String)> = sqlx::query_as(
        "SELECT id, round, at, kind, data FROM project_events WHERE project_id = $1 ORDER BY id",
    )
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, round, at, kind, data)| Event {
            id,
            round,
            at,
            kind,
            data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
        })
        .collect())
}

/// The event histories of several projects, each in order: (project, event).
pub async fn events_of(c: &mut Conn, projects: &[i64]) -> Result<Vec<(i64, Event)>, sqlx::Error> {
    if projects.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = projects.iter().map(i64::to_string).collect();
    let sql = format!(
        "SELECT project_id, id, round, at, kind, data FROM project_events WHERE project_id IN ({}) \
         ORDER BY project_id, id",
        list.join(", ")
    );
    let rows: Vec<(i64, i64, i64, i64, String, String)> = sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(project, id, round, at, kind, data)| {
            let data = serde_json::from_str(&data).unwrap_or(serde_json::Value::Null);
            (
                project,
                Event {
                    id,
                    round,
                    at,
                    kind,
                    data,
                },
            )
        })
        .collect())
}

/// The projects an organization obtained documents for or bid on (number, title, status,
/// id), newest first.
pub async fn taken_up_by(
    c: &mut Conn,
    org: i64,
) -> Result<Vec<(String, String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT DISTINCT p.number, p.title, p.status, p.id FROM projects p WHERE p.id IN \
         (SELECT project_id FROM doc_obtained WHERE org_id = $1 UNION SELECT project_id FROM bids WHERE org_id = $1) \
         ORDER BY p.id DESC",
    )
    .bind(org)
    .fetch_all(&mut *c)
    .await
}

/// The newest 50 project events of the given kinds (`kinds`: a fixed SQL list of quoted
/// codes): event id, time, project number, title, department and requirements.
pub async fn feed_events(
    c: &mut Conn,
    kinds: &str,
) -> Result<Vec<(i64, i64, String, String, String, String)>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(feed_events_sql(kinds)))
        .fetch_all(&mut *c)
        .await
}

/// The Atom feeds' kinds, written word for word in the partial indexes of migration 0053
/// (`project_events_published`, `project_events_awarded`): SQLite uses a partial index only for
/// a query holding its condition as written, so change both together.
pub const FEED_PUBLISHED: &str = "'published'";
pub const FEED_AWARDED: &str = "'awarded', 'awarded_by_rule'";

/// The query of `feed_events` (its plan is tested: `tests/it/plans.rs`).
pub fn feed_events_sql(kinds: &str) -> String {
    format!(
        "SELECT e.id, e.at, p.number, p.title, d.name_zh, p.requirements FROM project_events e \
         JOIN projects p ON p.id = e.project_id JOIN departments d ON d.id = p.department_id \
         WHERE e.kind IN ({kinds}) ORDER BY e.at DESC, e.id DESC LIMIT 50"
    )
}

/// The public projects' numbers, oldest first (a first-round draft is not public).
pub async fn public_numbers(c: &mut Conn) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT number FROM projects WHERE NOT (status = 'draft' AND round = 1) ORDER BY id",
    )
    .fetch_all(&mut *c)
    .await
}

/// The service categories' codes, in their order.
pub async fn service_category_codes(c: &mut Conn) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT code FROM service_categories ORDER BY pos")
        .fetch_all(&mut *c)
        .await
}

//! Dated staff-role grants. A grant is revoked by stamping it, never deleted; each records the
//! settings version in force when it was decided.

use super::Conn;
use crate::domain::role::Role;
use crate::platform::ids::{RoleGrantId, UserId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub id: RoleGrantId,
    pub user_id: UserId,
    pub role: Role,
    pub authority_id: Option<i64>,
    pub department_id: Option<i64>,
    pub agency_id: Option<i64>,
    /// The name of the unit the grant is scoped to, in Chinese and English.
    pub scope_zh: Option<String>,
    pub scope_en: Option<String>,
    pub granted_at: i64,
    pub revoked_at: Option<i64>,
    pub settings_version: i64,
}

const SELECT: &str = "SELECT g.id, g.user_id, g.role, g.authority_id, g.department_id, g.agency_id, \
    COALESCE(a.name_zh, d.name_zh, ag.name_zh) AS scope_zh, COALESCE(a.name_en, d.name_en, ag.name_en) AS scope_en, \
    g.granted_at, g.revoked_at, g.settings_version FROM role_grants g \
    LEFT JOIN authorities a ON a.id = g.authority_id LEFT JOIN departments d ON d.id = g.department_id \
    LEFT JOIN agencies ag ON ag.id = g.agency_id";

fn grant(r: &AnyRow) -> Result<Option<Grant>, sqlx::Error> {
    let code: String = r.try_get("role")?;
    let Some(role) = Role::parse(&code) else {
        log::warn!("role_grants row with unknown role `{code}` ignored");
        return Ok(None);
    };
    Ok(Some(Grant {
        id: RoleGrantId(r.try_get("id")?),
        user_id: UserId(r.try_get("user_id")?),
        role,
        authority_id: r.try_get("authority_id")?,
        department_id: r.try_get("department_id")?,
        agency_id: r.try_get("agency_id")?,
        scope_zh: r.try_get("scope_zh")?,
        scope_en: r.try_get("scope_en")?,
        granted_at: r.try_get("granted_at")?,
        revoked_at: r.try_get("revoked_at")?,
        settings_version: r.try_get("settings_version")?,
    }))
}

fn collect(rows: Vec<AnyRow>) -> Result<Vec<Grant>, sqlx::Error> {
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Some(g) = grant(r)? {
            out.push(g);
        }
    }
    Ok(out)
}

pub async fn active_for_user(c: &mut Conn, user: UserId) -> Result<Vec<Grant>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE g.user_id = $1 AND g.revoked_at IS NULL ORDER BY g.id");
    collect(
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user.0)
            .fetch_all(&mut *c)
            .await?,
    )
}

/// The grants in force of several users (a page of the administrator's list), in one read.
pub async fn active_for_users(c: &mut Conn, users: &[UserId]) -> Result<Vec<Grant>, sqlx::Error> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let list = super::id_list(&users.iter().map(|u| u.0).collect::<Vec<_>>());
    let sql =
        format!("{SELECT} WHERE g.user_id IN ({list}) AND g.revoked_at IS NULL ORDER BY g.id");
    collect(
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *c)
            .await?,
    )
}

/// Every grant of a user, revoked ones included.
pub async fn history_for_user(c: &mut Conn, user: UserId) -> Result<Vec<Grant>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE g.user_id = $1 ORDER BY g.id");
    collect(
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user.0)
            .fetch_all(&mut *c)
            .await?,
    )
}

pub async fn by_id(c: &mut Conn, id: RoleGrantId) -> Result<Option<Grant>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE g.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await?;
    match row {
        Some(r) => grant(&r),
        None => Ok(None),
    }
}

pub struct NewGrant {
    pub user: UserId,
    pub role: Role,
    pub authority_id: Option<i64>,
    pub department_id: Option<i64>,
    pub agency_id: Option<i64>,
    pub granted_by: Option<UserId>,
    pub settings_version: i64,
    pub now: i64,
}

/// Whether the same role in the same scope is already held.
pub async fn holds(c: &mut Conn, g: &NewGrant) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM role_grants WHERE user_id = $1 AND role = $2 AND revoked_at IS NULL \
         AND COALESCE(authority_id, 0) = $3 AND COALESCE(department_id, 0) = $4 AND COALESCE(agency_id, 0) = $5",
    )
    .bind(g.user.0)
    .bind(g.role.code())
    .bind(g.authority_id.unwrap_or(0))
    .bind(g.department_id.unwrap_or(0))
    .bind(g.agency_id.unwrap_or(0))
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

pub async fn grant_role(c: &mut Conn, g: &NewGrant) -> Result<RoleGrantId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO role_grants (user_id, role, authority_id, department_id, agency_id, granted_at, granted_by, settings_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(g.user.0)
    .bind(g.role.code())
    .bind(g.authority_id)
    .bind(g.department_id)
    .bind(g.agency_id)
    .bind(g.now)
    .bind(g.granted_by.map(|u| u.0))
    .bind(g.settings_version)
    .fetch_one(&mut *c)
    .await?;
    Ok(RoleGrantId(id))
}

/// Revokes a grant. Returns false if it was already revoked.
pub async fn revoke(
    c: &mut Conn,
    id: RoleGrantId,
    by: UserId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE role_grants SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(by.0)
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The purchasers of a department (id, display name): who may sit as its representatives or
/// approve its payments.
pub async fn department_purchasers(
    c: &mut Conn,
    department: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT DISTINCT u.id, u.display_name FROM role_grants g JOIN users u ON u.id = g.user_id \
         WHERE g.role = 'purchaser' AND g.department_id = $1 AND g.revoked_at IS NULL ORDER BY u.id",
    )
    .bind(department)
    .fetch_all(&mut *c)
    .await
}

/// The current third-party reviewers (id, display name).
pub async fn third_party_reviewers(c: &mut Conn) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT DISTINCT u.id, u.display_name FROM role_grants g JOIN users u ON u.id = g.user_id \
         WHERE g.role = 'third_party_reviewer' AND g.revoked_at IS NULL ORDER BY u.id",
    )
    .fetch_all(&mut *c)
    .await
}

/// Whether the user is a current third-party reviewer who is not a member of `org`.
pub async fn independent_reviewer(c: &mut Conn, user: i64, org: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM role_grants g WHERE g.user_id = $1 AND g.role = 'third_party_reviewer' \
         AND g.revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = g.user_id \
         AND m.org_id = $2 AND m.left_on IS NULL)",
    )
    .bind(user)
    .bind(org)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

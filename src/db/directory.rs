//! Reference units staff belong to: registering authorities (the city bureau and district
//! bureaux), purchasing departments and procurement agencies.

use super::Conn;
use crate::domain::role::Scope;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Authority,
    Department,
    Agency,
}

impl UnitKind {
    /// The kind of unit a role's scope names.
    pub fn for_scope(scope: Scope) -> Option<UnitKind> {
        match scope {
            Scope::None => None,
            Scope::Authority => Some(UnitKind::Authority),
            Scope::Department => Some(UnitKind::Department),
            Scope::Agency => Some(UnitKind::Agency),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            UnitKind::Authority => "authority",
            UnitKind::Department => "department",
            UnitKind::Agency => "agency",
        }
    }

    /// Parses a unit reference of a form, `authority:1`, `department:2`, `agency:1`.
    pub fn parse_ref(s: &str) -> Option<(UnitKind, i64)> {
        let (kind, id) = s.trim().split_once(':')?;
        let kind = [UnitKind::Authority, UnitKind::Department, UnitKind::Agency]
            .into_iter()
            .find(|k| k.code() == kind)?;
        Some((kind, id.parse().ok().filter(|n: &i64| *n > 0)?))
    }

    fn table(self) -> &'static str {
        match self {
            UnitKind::Authority => "authorities",
            UnitKind::Department => "departments",
            UnitKind::Agency => "agencies",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

pub async fn list(c: &mut Conn, kind: UnitKind) -> Result<Vec<Unit>, sqlx::Error> {
    let sql = format!(
        "SELECT id, code, name_zh, name_en FROM {} ORDER BY id",
        kind.table()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Unit {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                name_zh: r.try_get("name_zh")?,
                name_en: r.try_get("name_en")?,
            })
        })
        .collect()
}

pub async fn id_by_code(
    c: &mut Conn,
    kind: UnitKind,
    code: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let sql = format!("SELECT id FROM {} WHERE code = $1", kind.table());
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(&mut *c)
        .await
}

pub async fn exists(c: &mut Conn, kind: UnitKind, id: i64) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM {} WHERE id = $1",
        kind.table()
    );
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}

pub async fn insert_authority(
    c: &mut Conn,
    code: &str,
    name_zh: &str,
    name_en: &str,
    division_code: &str,
    level: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO authorities (code, name_zh, name_en, division_code, level) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(code)
    .bind(name_zh)
    .bind(name_en)
    .bind(division_code)
    .bind(level)
    .fetch_one(&mut *c)
    .await
}

pub async fn insert_unit(
    c: &mut Conn,
    kind: UnitKind,
    code: &str,
    name_zh: &str,
    name_en: &str,
) -> Result<i64, sqlx::Error> {
    let sql = format!(
        "INSERT INTO {} (code, name_zh, name_en) VALUES ($1, $2, $3) RETURNING id",
        kind.table()
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .bind(name_zh)
        .bind(name_en)
        .fetch_one(&mut *c)
        .await
}

/// A department's or agency's unified social credit code and division (migration 0047): what
/// open data identifies it by. Authorities have no such columns.
pub async fn set_unit_identity(
    c: &mut Conn,
    kind: UnitKind,
    id: i64,
    uscc: Option<&str>,
    district_code: &str,
) -> Result<(), sqlx::Error> {
    let table = match kind {
        UnitKind::Department | UnitKind::Agency => kind.table(),
        UnitKind::Authority => return Ok(()),
    };
    let sql = format!("UPDATE {table} SET uscc = $1, district_code = $2 WHERE id = $3");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(uscc)
        .bind(district_code)
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// An authority's level and division code, if it exists.
pub async fn authority_level(
    c: &mut Conn,
    id: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT level, division_code FROM authorities WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await
}

/// An authority's Chinese and English names.
pub async fn authority_name(
    c: &mut Conn,
    id: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT name_zh, name_en FROM authorities WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await
}

//! The service catalogue and the categories organizations follow, and procurement intentions
//! (published at least 30 days before a project's notice).

use super::Conn;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// The service catalogue, loaded from `seeds/service_catalogue.toml`.
pub const CATALOGUE: &str = include_str!("../../seeds/service_catalogue.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Deserialize)]
struct CatalogueFile {
    category: Vec<Category>,
}

pub fn parse_catalogue(text: &str) -> Result<Vec<Category>, toml::de::Error> {
    Ok(toml::from_str::<CatalogueFile>(text)?.category)
}

/// Adds new catalogue codes and refreshes the names of known ones; returns how many were new.
pub async fn load_catalogue(c: &mut Conn, cats: &[Category]) -> Result<usize, sqlx::Error> {
    let mut added = 0;
    for (pos, cat) in cats.iter().enumerate() {
        let n = sqlx::query(
            "UPDATE service_categories SET name_zh = $2, name_en = $3, pos = $4 WHERE code = $1",
        )
        .bind(&cat.code)
        .bind(&cat.name_zh)
        .bind(&cat.name_en)
        .bind(pos as i64)
        .execute(&mut *c)
        .await?
        .rows_affected();
        if n == 0 {
            sqlx::query(
                "INSERT INTO service_categories (code, name_zh, name_en, pos) VALUES ($1, $2, $3, $4)",
            )
            .bind(&cat.code)
            .bind(&cat.name_zh)
            .bind(&cat.name_en)
            .bind(pos as i64)
            .execute(&mut *c)
            .await?;
            added += 1;
        }
    }
    Ok(added)
}

pub async fn categories(c: &mut Conn) -> Result<Vec<Category>, sqlx::Error> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT code, name_zh, name_en FROM service_categories ORDER BY pos")
            .fetch_all(&mut *c)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(code, name_zh, name_en)| Category {
            code,
            name_zh,
            name_en,
        })
        .collect())
}

pub async fn follows(c: &mut Conn, org: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT category_code FROM category_follows WHERE org_id = $1 ORDER BY category_code",
    )
    .bind(org)
    .fetch_all(&mut *c)
    .await
}

pub async fn set_follows(
    c: &mut Conn,
    org: i64,
    codes: &[String],
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM category_follows WHERE org_id = $1")
        .bind(org)
        .execute(&mut *c)
        .await?;
    for code in codes {
        sqlx::query(
            "INSERT INTO category_follows (org_id, category_code, since) VALUES ($1, $2, $3)",
        )
        .bind(org)
        .bind(code)
        .bind(now)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// The organizations following a category.
pub async fn followers(c: &mut Conn, code: &str) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT org_id FROM category_follows WHERE category_code = $1 ORDER BY org_id",
    )
    .bind(code)
    .fetch_all(&mut *c)
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct Intention {
    pub id: i64,
    pub department_id: i64,
    pub department_zh: String,
    pub department_en: String,
    pub title: String,
    pub category_code: String,
    pub budget_fen: i64,
    pub need: String,
    pub planned_month: String,
    pub published_at: i64,
    pub published_on: String,
}

const INTENTION: &str = "SELECT i.id, i.department_id, d.name_zh AS department_zh, d.name_en AS department_en, \
    i.title, i.category_code, i.budget_fen, i.need, i.planned_month, i.published_at, i.published_on \
    FROM intentions i JOIN departments d ON d.id = i.department_id";

fn intention(r: &AnyRow) -> Result<Intention, sqlx::Error> {
    Ok(Intention {
        id: r.try_get("id")?,
        department_id: r.try_get("department_id")?,
        department_zh: r.try_get("department_zh")?,
        department_en: r.try_get("department_en")?,
        title: r.try_get("title")?,
        category_code: r.try_get("category_code")?,
        budget_fen: r.try_get("budget_fen")?,
        need: r.try_get("need")?,
        planned_month: r.try_get("planned_month")?,
        published_at: r.try_get("published_at")?,
        published_on: r.try_get("published_on")?,
    })
}

pub struct NewIntention<'a> {
    pub department_id: i64,
    pub title: &'a str,
    pub category_code: &'a str,
    pub budget_fen: i64,
    pub need: &'a str,
    pub planned_month: &'a str,
    pub published_at: i64,
    pub published_on: &'a str,
    pub created_by: i64,
}

pub async fn add_intention(c: &mut Conn, i: &NewIntention<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO intentions (department_id, title, category_code, budget_fen, need, planned_month, \
         published_at, published_on, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(i.department_id)
    .bind(i.title)
    .bind(i.category_code)
    .bind(i.budget_fen)
    .bind(i.need)
    .bind(i.planned_month)
    .bind(i.published_at)
    .bind(i.published_on)
    .bind(i.created_by)
    .fetch_one(&mut *c)
    .await
}

/// Intentions, newest first; of some departments only when given.
pub async fn intentions(
    c: &mut Conn,
    departments: Option<&[i64]>,
) -> Result<Vec<Intention>, sqlx::Error> {
    let filter = match departments {
        Some([]) => return Ok(Vec::new()),
        Some(d) => format!(
            " WHERE i.department_id IN ({})",
            d.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        ),
        None => String::new(),
    };
    let sql = format!("{INTENTION}{filter} ORDER BY i.published_at DESC, i.id DESC LIMIT 500");
    sqlx::query(AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(intention)
        .collect()
}

pub async fn intention_by_id(c: &mut Conn, id: i64) -> Result<Option<Intention>, sqlx::Error> {
    let sql = format!("{INTENTION} WHERE i.id = $1");
    sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?
        .as_ref()
        .map(intention)
        .transpose()
}

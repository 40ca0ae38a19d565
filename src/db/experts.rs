//! The expert library: users holding the expert role, with the fields the procurement
//! supervisor keeps for them.

use super::Conn;

/// The two libraries (issue 22, item 20): procurement review experts, drawn for a bid panel,
/// and evaluation experts, assigned in an evaluation round.
pub const POOLS: [&str; 2] = ["procurement", "evaluation"];

/// An expert as the library keeps them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub fields: Option<String>,
    pub pools: Vec<String>,
    pub categories: Vec<String>,
}

/// Every expert with their fields, libraries and service categories, by id.
pub async fn library(c: &mut Conn) -> Result<Vec<Entry>, sqlx::Error> {
    let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT DISTINCT u.id, u.display_name, u.email, f.fields FROM role_grants g JOIN users u ON u.id = g.user_id \
         LEFT JOIN expert_fields f ON f.user_id = u.id WHERE g.role = 'expert' AND g.revoked_at IS NULL ORDER BY u.id",
    )
    .fetch_all(&mut *c)
    .await?;
    let pools: Vec<(i64, String)> =
        sqlx::query_as("SELECT user_id, pool FROM expert_pools ORDER BY user_id, pool")
            .fetch_all(&mut *c)
            .await?;
    let categories: Vec<(i64, String)> = sqlx::query_as(
        "SELECT user_id, category_code FROM expert_categories ORDER BY user_id, category_code",
    )
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email, fields)| Entry {
            id,
            name,
            email,
            fields,
            pools: pools
                .iter()
                .filter(|(u, _)| *u == id)
                .map(|(_, p)| p.clone())
                .collect(),
            categories: categories
                .iter()
                .filter(|(u, _)| *u == id)
                .map(|(_, k)| k.clone())
                .collect(),
        })
        .collect())
}

/// Replaces the expert's libraries (known codes) and service categories.
pub async fn set_pools_and_categories(
    c: &mut Conn,
    user: i64,
    pools: &[&str],
    categories: &[String],
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM expert_pools WHERE user_id = $1")
        .bind(user)
        .execute(&mut *c)
        .await?;
    for p in pools {
        sqlx::query("INSERT INTO expert_pools (user_id, pool, since) VALUES ($1, $2, $3)")
            .bind(user)
            .bind(*p)
            .bind(now)
            .execute(&mut *c)
            .await?;
    }
    sqlx::query("DELETE FROM expert_categories WHERE user_id = $1")
        .bind(user)
        .execute(&mut *c)
        .await?;
    for k in categories {
        sqlx::query("INSERT INTO expert_categories (user_id, category_code) VALUES ($1, $2)")
            .bind(user)
            .bind(k)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Whether the user holds the expert role now.
pub async fn is_expert(c: &mut Conn, user: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM role_grants WHERE user_id = $1 AND role = 'expert' AND revoked_at IS NULL",
    )
    .bind(user)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

/// Replaces the expert's fields.
pub async fn set_fields(
    c: &mut Conn,
    user: i64,
    fields: &str,
    by: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM expert_fields WHERE user_id = $1")
        .bind(user)
        .execute(&mut *c)
        .await?;
    sqlx::query("INSERT INTO expert_fields (user_id, fields, updated_by, updated_at) VALUES ($1, $2, $3, $4)")
        .bind(user)
        .bind(fields)
        .bind(by)
        .bind(now)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The experts of the procurement library whose recorded service categories include
/// `category`, with their person record (user, person), by id: whom a bid panel is drawn from
/// (issue 22, item 20; 87号令 art. 48: drawn at random from the 评审专家库; 财库〔2016〕198号
/// 《政府采购评审专家管理办法》 art. 12: from the library's experts of the project's field).
pub async fn with_persons(c: &mut Conn, category: &str) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT DISTINCT u.id, u.person_id FROM role_grants g JOIN users u ON u.id = g.user_id \
         JOIN expert_pools p ON p.user_id = u.id AND p.pool = 'procurement' \
         JOIN expert_categories k ON k.user_id = u.id AND k.category_code = $1 \
         WHERE g.role = 'expert' AND g.revoked_at IS NULL ORDER BY u.id",
    )
    .bind(category)
    .fetch_all(&mut *c)
    .await
}

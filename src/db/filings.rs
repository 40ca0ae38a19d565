//! Community social organizations filed (备案) with a street office, apart from registered
//! organizations.

use super::Conn;
use crate::platform::ids::UserId;
use sqlx::Row;

pub struct Filing {
    pub id: i64,
    pub name: String,
    pub district_code: String,
    pub street_office: String,
    pub activity: String,
    pub filed_on: String,
    pub status: String,
}

/// The newest 200 filings, those whose name contains `q` when it is not empty.
pub async fn list(c: &mut Conn, q: &str) -> Result<Vec<Filing>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, district_code, street_office, activity, filed_on, status FROM community_filings \
         WHERE ($1 = '' OR name LIKE $2) ORDER BY id DESC LIMIT 200",
    )
    .bind(q)
    .bind(format!("%{}%", q.replace(['%', '_'], "")))
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Filing {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                district_code: r.try_get("district_code")?,
                street_office: r.try_get("street_office")?,
                activity: r.try_get("activity")?,
                filed_on: r.try_get("filed_on")?,
                status: r.try_get("status")?,
            })
        })
        .collect()
}

pub struct NewFiling<'a> {
    pub name: &'a str,
    pub district_code: &'a str,
    pub street_office: &'a str,
    pub activity: &'a str,
    pub contact_name: &'a str,
    pub filed_on: &'a str,
    pub authority: Option<i64>,
    pub by: UserId,
    pub now: i64,
}

pub async fn insert(c: &mut Conn, f: &NewFiling<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO community_filings (name, district_code, street_office, activity, contact_name, filed_on, \
         status, authority_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'filed', $7, $8, $9) RETURNING id",
    )
    .bind(f.name)
    .bind(f.district_code)
    .bind(f.street_office)
    .bind(f.activity)
    .bind(f.contact_name)
    .bind(f.filed_on)
    .bind(f.authority)
    .bind(f.by.0)
    .bind(f.now)
    .fetch_one(&mut *c)
    .await
}

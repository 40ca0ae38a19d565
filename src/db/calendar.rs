//! The working-day tables as loaded (`calendar_years`): one row per version of a year, the
//! newest row of a year in force, replaced rows kept with the time they were replaced.

use crate::db::Conn;
use crate::domain::calendar::{iso_date, parse_iso_date, ranges, Calendar, YearTable};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeSet;

/// One stored version of a year, for the admin page and the command line.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub id: i64,
    pub year: i64,
    pub source: String,
    pub reference: String,
    pub holidays: Vec<String>,
    pub adjusted_working_days: Vec<String>,
    pub loaded_by: Option<String>,
    pub loaded_at: i64,
    pub replaced_at: Option<i64>,
}

fn days(text: &str) -> BTreeSet<time::Date> {
    text.split(',').filter_map(parse_iso_date).collect()
}

fn join(days: &BTreeSet<time::Date>) -> String {
    days.iter()
        .map(|d| iso_date(*d))
        .collect::<Vec<_>>()
        .join(",")
}

/// The newest version id of any year (0 when none): changes whenever a table is loaded.
pub async fn newest_id(c: &mut Conn) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM calendar_years")
        .fetch_one(&mut *c)
        .await
}

/// The calendar in force: every year's current version.
pub async fn in_force(c: &mut Conn) -> Result<(Calendar, i64), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, year, reference, holidays, adjusted_working_days FROM calendar_years \
         WHERE replaced_at IS NULL ORDER BY year",
    )
    .fetch_all(&mut *c)
    .await?;
    let mut cal = Calendar::default();
    for r in rows {
        let year: i64 = r.try_get("year")?;
        cal.add(YearTable {
            year: i32::try_from(year).unwrap_or_default(),
            official: true,
            reference: r.try_get("reference")?,
            holidays: days(&r.try_get::<String, _>("holidays")?),
            adjusted_working_days: days(&r.try_get::<String, _>("adjusted_working_days")?),
            version: r.try_get("id")?,
        });
    }
    let newest = newest_id(c).await?;
    Ok((cal, newest))
}

/// Stores `table` as the year's official version, replacing the one in force (kept). Returns
/// the new version's id and the replaced one's.
pub async fn store(
    c: &mut Conn,
    table: &YearTable,
    by: Option<i64>,
    now: i64,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    let replaced: Option<i64> =
        sqlx::query_scalar("SELECT id FROM calendar_years WHERE year = $1 AND replaced_at IS NULL")
            .bind(i64::from(table.year))
            .fetch_optional(&mut *c)
            .await?;
    if let Some(old) = replaced {
        sqlx::query(
            "UPDATE calendar_years SET replaced_at = $2 WHERE id = $1 AND replaced_at IS NULL",
        )
        .bind(old)
        .bind(now)
        .execute(&mut *c)
        .await?;
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO calendar_years (year, source, reference, holidays, adjusted_working_days, loaded_by, loaded_at) \
         VALUES ($1, 'official', $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(i64::from(table.year))
    .bind(&table.reference)
    .bind(join(&table.holidays))
    .bind(join(&table.adjusted_working_days))
    .bind(by)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    Ok((id, replaced))
}

/// Whether any version of `year` is stored.
pub async fn has_year(c: &mut Conn, year: i32) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calendar_years WHERE year = $1")
        .bind(i64::from(year))
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}

/// Every stored version, newest year first, each year's versions newest first.
pub async fn versions(c: &mut Conn) -> Result<Vec<Version>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT k.id, k.year, k.source, k.reference, k.holidays, k.adjusted_working_days, \
         u.display_name AS loaded_by, k.loaded_at, k.replaced_at FROM calendar_years k \
         LEFT JOIN users u ON u.id = k.loaded_by ORDER BY k.year DESC, k.id DESC",
    )
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Version {
                id: r.try_get("id")?,
                year: r.try_get("year")?,
                source: r.try_get("source")?,
                reference: r.try_get("reference")?,
                holidays: ranges(&days(&r.try_get::<String, _>("holidays")?)),
                adjusted_working_days: ranges(&days(
                    &r.try_get::<String, _>("adjusted_working_days")?,
                )),
                loaded_by: r.try_get("loaded_by")?,
                loaded_at: r.try_get("loaded_at")?,
                replaced_at: r.try_get("replaced_at")?,
            })
        })
        .collect()
}

//! The public statistics' figures: spending by service category and by district, projects and
//! bids per month, grades in force and registrations per year; each for all time or for one
//! year (`Span`).

use super::{Backend, Conn};

/// One year: its first and next year's first instant (epoch ms, Beijing time) and days.
#[derive(Clone, Debug)]
pub struct Span {
    pub from_ms: i64,
    pub to_ms: i64,
    /// `YYYY-01-01` of the year and of the next.
    pub from_day: String,
    pub to_day: String,
}

/// `AND col >= from AND col < to` of an epoch-ms column, or nothing for all time.
fn within_ms(col: &str, span: Option<&Span>) -> String {
    match span {
        Some(s) => format!(" AND {col} >= {} AND {col} < {}", s.from_ms, s.to_ms),
        None => String::new(),
    }
}

/// The same for a `YYYY-MM-DD` column (the days are digits and dashes, made by the caller
/// from a year number, never from input text).
fn within_day(col: &str, span: Option<&Span>) -> String {
    match span {
        Some(s) if is_day(&s.from_day) && is_day(&s.to_day) => {
            format!(" AND {col} >= '{}' AND {col} < '{}'", s.from_day, s.to_day)
        }
        _ => String::new(),
    }
}

fn is_day(d: &str) -> bool {
    d.len() == 10 && d.chars().all(|c| c.is_ascii_digit() || c == '-')
}

/// The Beijing-time month of an epoch-milliseconds column, as `YYYY-MM`.
fn month_of(backend: Backend, col: &str) -> String {
    match backend {
        Backend::Sqlite => format!("strftime('%Y-%m', ({col} / 1000) + 28800, 'unixepoch')"),
        Backend::Postgres => {
            format!("to_char(to_timestamp({col} / 1000 + 28800) AT TIME ZONE 'UTC', 'YYYY-MM')")
        }
    }
}

async fn grouped(c: &mut Conn, sql: String) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await
}

/// Paid amounts (fen) by the organization's district (code twice) or by service category
/// (Chinese and English name), largest first.
/// In a year, the payments whose value date falls in it.
pub async fn spending(
    c: &mut Conn,
    by_district: bool,
    span: Option<&Span>,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let when = within_day("e.value_date", span);
    let sql = if by_district {
        format!(
            "SELECT g.district_code, g.district_code, CAST(SUM(e.amount_fen) AS BIGINT) \
             FROM ledger_entries e JOIN contracts k ON k.id = e.contract_id \
             JOIN organizations g ON g.id = k.org_id WHERE 1 = 1{when} \
             GROUP BY g.district_code ORDER BY 3 DESC, 1"
        )
    } else {
        format!(
            "SELECT c.name_zh, c.name_en, CAST(SUM(e.amount_fen) AS BIGINT) \
             FROM ledger_entries e JOIN contracts k ON k.id = e.contract_id \
             JOIN projects p ON p.id = k.project_id \
             JOIN service_categories c ON c.code = p.category_code WHERE 1 = 1{when} \
             GROUP BY c.name_zh, c.name_en ORDER BY 3 DESC, 1"
        )
    };
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await
}

/// Opened bids (or published projects) per Beijing month, the newest `months`, newest first.
pub async fn per_month(
    c: &mut Conn,
    backend: Backend,
    bids: bool,
    months: i64,
    span: Option<&Span>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let sql = if bids {
        let m = month_of(backend, "o.opened_at");
        let when = within_ms("o.opened_at", span);
        format!(
            "SELECT {m} AS m, CAST(COUNT(*) AS BIGINT) FROM opening_bids ob \
             JOIN openings o ON o.id = ob.opening_id WHERE 1 = 1{when} \
             GROUP BY {m} ORDER BY m DESC LIMIT {months}"
        )
    } else {
        let m = month_of(backend, "notice_at");
        let when = within_ms("notice_at", span);
        format!(
            "SELECT {m} AS m, CAST(COUNT(*) AS BIGINT) FROM projects \
             WHERE notice_at IS NOT NULL{when} GROUP BY {m} ORDER BY m DESC LIMIT {months}"
        )
    };
    grouped(c, sql).await
}

/// Organizations per grade in force on `today`, highest grade first.
pub async fn grades_in_force(c: &mut Conn, today: &str) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT grade, CAST(COUNT(*) AS BIGINT) FROM org_grades \
         WHERE valid_from <= $1 AND valid_to >= $1 AND (ended_on IS NULL OR ended_on > $1) \
         GROUP BY grade ORDER BY grade DESC",
    )
    .bind(today)
    .fetch_all(&mut *c)
    .await
}

/// Registrations per year, or per month (`YYYY-MM`) of one year.
pub async fn registrations(
    c: &mut Conn,
    span: Option<&Span>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let n = if span.is_some() { 7 } else { 4 };
    let when = within_day("registered_on", span);
    grouped(
        c,
        format!(
            "SELECT SUBSTR(registered_on, 1, {n}) AS y, CAST(COUNT(*) AS BIGINT) FROM organizations \
             WHERE registered_on IS NOT NULL{when} GROUP BY SUBSTR(registered_on, 1, {n}) ORDER BY y"
        ),
    )
    .await
}

/// Every year from the earliest anything was published, paid or registered in to the latest
/// (for the year selector), newest first: the ends of the days' indexes, not every row.
pub async fn years(c: &mut Conn, backend: Backend) -> Result<Vec<String>, sqlx::Error> {
    let y = |col: &str| {
        month_of(backend, col)
            .replace("%Y-%m", "%Y")
            .replace("YYYY-MM", "YYYY")
    };
    let sql = format!(
        "SELECT MIN(y), MAX(y) FROM (\
         SELECT {lo} AS y FROM projects \
         UNION ALL SELECT {hi} FROM projects \
         UNION ALL SELECT SUBSTR(MIN(value_date), 1, 4) FROM ledger_entries \
         UNION ALL SELECT SUBSTR(MAX(value_date), 1, 4) FROM ledger_entries \
         UNION ALL SELECT SUBSTR(MIN(registered_on), 1, 4) FROM organizations \
         UNION ALL SELECT SUBSTR(MAX(registered_on), 1, 4) FROM organizations) t",
        lo = y("MIN(notice_at)"),
        hi = y("MAX(notice_at)"),
    );
    let (lo, hi): (Option<String>, Option<String>) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *c)
        .await?;
    let num = |s: Option<String>| s.and_then(|s| s.parse::<i32>().ok());
    Ok(match (num(lo), num(hi)) {
        (Some(lo), Some(hi)) => (lo..=hi).rev().map(|y| format!("{y:04}")).collect(),
        _ => Vec::new(),
    })
}

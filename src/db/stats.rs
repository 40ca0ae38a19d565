//! The public statistics' figures: spending by service category and by district, projects and
//! bids per month, grades in force and registrations per year.

use super::{Backend, Conn};

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
pub async fn spending(
    c: &mut Conn,
    by_district: bool,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    if by_district {
        sqlx::query_as(
            "SELECT g.district_code, g.district_code, CAST(SUM(e.amount_fen) AS BIGINT) \
             FROM ledger_entries e JOIN contracts k ON k.id = e.contract_id \
             JOIN organizations g ON g.id = k.org_id GROUP BY g.district_code ORDER BY 3 DESC",
        )
        .fetch_all(&mut *c)
        .await
    } else {
        sqlx::query_as(
            "SELECT c.name_zh, c.name_en, CAST(SUM(e.amount_fen) AS BIGINT) \
             FROM ledger_entries e JOIN contracts k ON k.id = e.contract_id \
             JOIN projects p ON p.id = k.project_id \
             JOIN service_categories c ON c.code = p.category_code \
             GROUP BY c.name_zh, c.name_en ORDER BY 3 DESC",
        )
        .fetch_all(&mut *c)
        .await
    }
}

/// Opened bids (or published projects) per Beijing month, the newest `months`, newest first.
pub async fn per_month(
    c: &mut Conn,
    backend: Backend,
    bids: bool,
    months: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let sql = if bids {
        let m = month_of(backend, "o.opened_at");
        format!(
            "SELECT {m} AS m, CAST(COUNT(*) AS BIGINT) FROM opening_bids ob \
             JOIN openings o ON o.id = ob.opening_id GROUP BY {m} ORDER BY m DESC LIMIT {months}"
        )
    } else {
        let m = month_of(backend, "notice_at");
        format!(
            "SELECT {m} AS m, CAST(COUNT(*) AS BIGINT) FROM projects \
             WHERE notice_at IS NOT NULL GROUP BY {m} ORDER BY m DESC LIMIT {months}"
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

/// Registrations per year.
pub async fn registrations_per_year(c: &mut Conn) -> Result<Vec<(String, i64)>, sqlx::Error> {
    grouped(
        c,
        "SELECT SUBSTR(registered_on, 1, 4) AS y, CAST(COUNT(*) AS BIGINT) FROM organizations \
         WHERE registered_on IS NOT NULL GROUP BY SUBSTR(registered_on, 1, 4) ORDER BY y"
            .to_string(),
    )
    .await
}

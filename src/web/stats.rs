//! Public statistics (issue 9): spending by service category and by district, projects and
//! bids per month, grades in force, registrations per year. Each chart is server-rendered SVG
//! with a title and a description, followed by its data table and a sentence saying what it
//! shows; nothing needs script. Served through the public page cache.

use crate::db::{Backend, Conn};
use crate::domain::money::Money;
use crate::platform::app::AppState;
use crate::platform::error::AppResult;
use crate::web::ctx::{Page, PublicPage};
use crate::web::page_cache::{self, Html};
use rocket::{get, routes, Route, State};
use rocket_dyn_templates::Metadata;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    routes![statistics]
}

/// Bar length out of this many pixels.
const BAR: i64 = 400;
/// Months shown at most.
const MONTHS: i64 = 24;

/// One bar: its label, value and how the value reads.
struct Bar {
    label: String,
    value: i64,
    shown: String,
}

/// A chart's bars with positions and widths in whole pixels (integer arithmetic).
fn chart(pg: &Page, id: &str, bars: Vec<Bar>) -> Value {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let total: i64 = bars.iter().map(|b| b.value).sum();
    let top = bars.iter().max_by_key(|b| b.value);
    let summary = match top {
        Some(t) if total > 0 => crate::platform::i18n::t_args(
            pg.lang,
            &format!("stats-{id}-summary"),
            &[
                ("n", bars.len().to_string()),
                ("top", t.label.clone()),
                ("value", t.shown.clone()),
            ],
        ),
        _ => pg.t("stats-empty"),
    };
    let items: Vec<Value> = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            json!({ "label": b.label, "shown": b.shown, "y": 10 + i * 28,
                    "width": i64::try_from(i128::from(b.value) * i128::from(BAR) / i128::from(max)).unwrap_or(BAR) })
        })
        .collect();
    json!({ "id": id, "bars": items, "height": 20 + bars.len() * 28, "summary": summary })
}

fn money(fen: i64) -> String {
    format!("¥{}", Money::from_fen(fen).grouped())
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

async fn grouped(c: &mut Conn, sql: String) -> AppResult<Vec<(String, i64)>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?)
}

async fn spending(c: &mut Conn, pg: &Page, by_district: bool) -> AppResult<Vec<Bar>> {
    let en = pg.lang.code() == "en";
    let rows: Vec<(String, String, i64)> = if by_district {
        sqlx::query_as(
            "SELECT g.district_code, g.district_code, CAST(SUM(e.amount_fen) AS BIGINT) \
             FROM ledger_entries e JOIN contracts k ON k.id = e.contract_id \
             JOIN organizations g ON g.id = k.org_id GROUP BY g.district_code ORDER BY 3 DESC",
        )
        .fetch_all(&mut *c)
        .await?
    } else {
        sqlx::query_as(
            "SELECT c.name_zh, c.name_en, CAST(SUM(e.amount_fen) AS BIGINT) \
             FROM ledger_entries e JOIN contracts k ON k.id = e.contract_id \
             JOIN projects p ON p.id = k.project_id \
             JOIN service_categories c ON c.code = p.category_code \
             GROUP BY c.name_zh, c.name_en ORDER BY 3 DESC",
        )
        .fetch_all(&mut *c)
        .await?
    };
    Ok(rows
        .into_iter()
        .filter(|r| r.2 > 0)
        .map(|(zh, e, fen)| Bar {
            label: if by_district {
                crate::opendata::district_name(&zh, en)
            } else if en {
                e
            } else {
                zh
            },
            value: fen,
            shown: money(fen),
        })
        .collect())
}

fn counts(rows: Vec<(String, i64)>) -> Vec<Bar> {
    rows.into_iter()
        .map(|(label, n)| Bar {
            label,
            value: n,
            shown: n.to_string(),
        })
        .collect()
}

async fn per_month(c: &mut Conn, backend: Backend, bids: bool) -> AppResult<Vec<Bar>> {
    let sql = if bids {
        let m = month_of(backend, "o.opened_at");
        format!(
            "SELECT {m} AS m, CAST(COUNT(*) AS BIGINT) FROM opening_bids ob \
             JOIN openings o ON o.id = ob.opening_id GROUP BY {m} ORDER BY m DESC LIMIT {MONTHS}"
        )
    } else {
        let m = month_of(backend, "notice_at");
        format!(
            "SELECT {m} AS m, CAST(COUNT(*) AS BIGINT) FROM projects \
             WHERE notice_at IS NOT NULL GROUP BY {m} ORDER BY m DESC LIMIT {MONTHS}"
        )
    };
    let mut rows = grouped(c, sql).await?;
    rows.reverse();
    Ok(counts(rows))
}

async fn context(pg: &Page, state: &AppState) -> AppResult<Value> {
    let mut c = state.db.acquire().await?;
    let backend = state.db.backend;
    let today = crate::web::opendata::scope(state).today;
    let grades: Vec<(String, i64)> = sqlx::query_as(
        "SELECT grade, CAST(COUNT(*) AS BIGINT) FROM org_grades \
         WHERE valid_from <= $1 AND valid_to >= $1 AND (ended_on IS NULL OR ended_on > $1) \
         GROUP BY grade ORDER BY grade DESC",
    )
    .bind(&today)
    .fetch_all(&mut *c)
    .await?;
    let grades: Vec<(String, i64)> = grades
        .into_iter()
        .map(|(g, n)| (pg.t(&format!("grade-{g}")), n))
        .collect();
    let years = grouped(
        &mut c,
        "SELECT SUBSTR(registered_on, 1, 4) AS y, CAST(COUNT(*) AS BIGINT) FROM organizations \
         WHERE registered_on IS NOT NULL GROUP BY SUBSTR(registered_on, 1, 4) ORDER BY y"
            .to_string(),
    )
    .await?;
    let charts = vec![
        chart(pg, "category", spending(&mut c, pg, false).await?),
        chart(pg, "district", spending(&mut c, pg, true).await?),
        chart(pg, "projects", per_month(&mut c, backend, false).await?),
        chart(pg, "bids", per_month(&mut c, backend, true).await?),
        chart(pg, "grades", counts(grades)),
        chart(pg, "registrations", counts(years)),
    ];
    Ok(json!({ "charts": charts, "today": today }))
}

#[get("/statistics")]
async fn statistics(
    pg: PublicPage,
    state: &State<AppState>,
    templates: Metadata<'_>,
) -> AppResult<Html> {
    let today = crate::web::opendata::scope(state).today;
    page_cache::serve(
        &pg,
        state,
        &templates,
        "stats/index",
        &today,
        context(&pg, state),
    )
    .await
}

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

async fn spending(c: &mut Conn, pg: &Page, by_district: bool) -> AppResult<Vec<Bar>> {
    let en = pg.lang.code() == "en";
    let rows = crate::db::stats::spending(c, by_district).await?;
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
    let mut rows = crate::db::stats::per_month(c, backend, bids, MONTHS).await?;
    rows.reverse();
    Ok(counts(rows))
}

async fn context(pg: &Page, state: &AppState) -> AppResult<Value> {
    let mut c = state.db.acquire().await?;
    let backend = state.db.backend;
    let today = crate::web::opendata::scope(state).today;
    let grades = crate::db::stats::grades_in_force(&mut c, &today).await?;
    let grades: Vec<(String, i64)> = grades
        .into_iter()
        .map(|(g, n)| (pg.t(&format!("grade-{g}")), n))
        .collect();
    let years = crate::db::stats::registrations_per_year(&mut c).await?;
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

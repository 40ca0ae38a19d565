//! Public statistics (issue 9): spending by service category and by district, projects and
//! bids per month, grades in force, registrations per year. Each chart is server-rendered SVG
//! with a title and a description, followed by its data table and a sentence saying what it
//! shows; nothing needs script. Served through the public page cache. `?year=` narrows every
//! chart to one year (issue 24, item 5), and `/statistics.csv` and `.xlsx` carry the same
//! figures for the same year.

use crate::domain::money::Money;
use crate::platform::app::AppState;
use crate::platform::error::{AppError, AppResult};
use crate::web::api_data::{problem, JsonReply, QueryNames};
use crate::web::ctx::{Page, PublicPage};
use crate::web::page_cache::{self, Html};
use rocket::http::{ContentType, Header};
use rocket::{get, routes, Either, Responder, Route, State};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    routes![statistics, statistics_csv, statistics_xlsx]
}

/// Bar length out of this many pixels.
const BAR: i64 = 400;

/// One bar: its label, value and how the value reads.
struct Bar {
    label: String,
    value: i64,
    shown: String,
}

/// A chart's bars with positions and widths in whole pixels (integer arithmetic).
fn chart(pg: &Page, id: &str, year: Option<i32>, bars: Vec<Bar>) -> Value {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let total: i64 = bars.iter().map(|b| b.value).sum();
    let top = bars.iter().max_by_key(|b| b.value);
    let summary = match top {
        Some(t) if total > 0 => crate::platform::i18n::t_args(
            pg.lang,
            &match year {
                Some(_) => format!("stats-{id}-year-summary"),
                None => format!("stats-{id}-summary"),
            },
            &[
                ("n", bars.len().to_string()),
                ("top", t.label.clone()),
                ("value", t.shown.clone()),
                ("year", year.map(|y| y.to_string()).unwrap_or_default()),
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

/// How a figure's value reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// Fen; yuan with two decimals in the downloads.
    Yuan,
    Count,
}

impl Unit {
    fn code(self) -> &'static str {
        match self {
            Unit::Yuan => "yuan",
            Unit::Count => "count",
        }
    }
}

/// One figure: its raw label (a category's Chinese name, a district code, a month, a grade
/// code, a year) as the downloads carry it, and the label the page shows.
struct Figure {
    raw: String,
    shown_label: String,
    value: i64,
}

/// One chart's figures.
struct Series {
    id: &'static str,
    unit: Unit,
    figures: Vec<Figure>,
}

/// The year asked for: none, or a year from 2000 to 2100 (the datasets' year filter).
fn year_of(year: Option<&str>) -> Result<Option<i32>, ()> {
    match year.map(str::trim) {
        None | Some("") => Ok(None),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .map(Some)
            .ok_or(()),
    }
}

/// The kept figures of `year` (`opendata::figures`).
async fn snapshot(
    state: &AppState,
    year: Option<i32>,
) -> AppResult<std::sync::Arc<crate::platform::kept::Snapshot<crate::opendata::figures::Raw>>> {
    crate::platform::kept::current(state, &state.figures, year).await
}

/// Every chart's figures from `raw`, labelled in the reader's language.
fn series(pg: &Page, raw: &crate::opendata::figures::Raw, year: Option<i32>) -> Vec<Series> {
    let en = pg.lang.code() == "en";
    let mut out = Vec::new();
    for (id, rows) in [("category", &raw.category), ("district", &raw.district)] {
        let by_district = id == "district";
        let figures = rows
            .iter()
            .filter(|r| r.2 > 0)
            .map(|(zh, e, fen)| Figure {
                shown_label: if by_district {
                    crate::opendata::district_name(zh, en)
                } else if en {
                    e.clone()
                } else {
                    zh.clone()
                },
                raw: zh.clone(),
                value: *fen,
            })
            .collect();
        out.push(Series {
            id,
            unit: Unit::Yuan,
            figures,
        });
    }
    let plain = |rows: &[(String, i64)]| -> Vec<Figure> {
        rows.iter()
            .map(|(label, n)| Figure {
                shown_label: label.clone(),
                raw: label.clone(),
                value: *n,
            })
            .collect()
    };
    for (id, rows) in [("projects", &raw.projects), ("bids", &raw.bids)] {
        out.push(Series {
            id,
            unit: Unit::Count,
            figures: plain(rows),
        });
    }
    out.push(Series {
        id: "grades",
        unit: Unit::Count,
        figures: raw
            .grades
            .iter()
            .map(|(g, n)| Figure {
                shown_label: pg.t(&format!("grade-{g}")),
                raw: g.clone(),
                value: *n,
            })
            .collect(),
    });
    out.push(Series {
        id: if year.is_some() {
            "registrations-month"
        } else {
            "registrations"
        },
        unit: Unit::Count,
        figures: plain(&raw.registrations),
    });
    out
}

fn context(
    pg: &Page,
    snap: &crate::platform::kept::Snapshot<crate::opendata::figures::Raw>,
    year: Option<i32>,
) -> Value {
    let today = &snap.today;
    let charts: Vec<Value> = series(pg, &snap.value, year)
        .into_iter()
        .map(|s| {
            let bars = s
                .figures
                .into_iter()
                .map(|f| Bar {
                    shown: match s.unit {
                        Unit::Yuan => money(f.value),
                        Unit::Count => f.value.to_string(),
                    },
                    label: f.shown_label,
                    value: f.value,
                })
                .collect();
            chart(pg, s.id, year, bars)
        })
        .collect();
    let mut years = snap.value.years.clone();
    let this = today.get(..4).unwrap_or_default().to_string();
    if !years.contains(&this) {
        years.push(this);
        years.sort_unstable_by(|a, b| b.cmp(a));
    }
    let qs = year.map(|y| format!("?year={y}")).unwrap_or_default();
    json!({ "charts": charts, "today": today, "year": year, "years": years, "qs": qs,
            "as_of": snap.as_of_ms })
}

#[get("/statistics?<year>")]
async fn statistics(
    pg: PublicPage,
    state: &State<AppState>,
    year: Option<&str>,
) -> AppResult<Html> {
    let year = year_of(year).map_err(|_| AppError::BadRequest("err-stats-year"))?;
    let snap = snapshot(state, year).await?;
    // The kept figures' own instant: a page rendered from figures since computed again is not
    // served for them.
    let key = format!("{}|{}|{}", snap.today, year.unwrap_or(0), snap.as_of_ms);
    page_cache::serve(&pg, state, "stats/index", &key, async {
        Ok(context(&pg, &snap, year))
    })
    .await
}

/// The figures of `/statistics` (for the same year) as a download: one row per bar, with the
/// chart, the label as data (a category's Chinese name, a district code, a month, a grade code,
/// a year), the value (yuan with two decimals, or a count) and its unit.
async fn figures_download(
    pg: &Page,
    state: &AppState,
    names: QueryNames,
    year: Option<&str>,
    xlsx: bool,
) -> AppResult<Either<Download, JsonReply>> {
    let mut bad: Vec<(String, &'static str)> = names
        .0
        .iter()
        .filter(|n| n.as_str() != "year")
        .map(|n| (n.chars().take(50).collect(), "unknown parameter"))
        .collect();
    if names.0.iter().filter(|n| n.as_str() == "year").count() > 1 {
        bad.push(("year".into(), "given more than once"));
    }
    let year = match year_of(year) {
        Ok(y) => y,
        Err(()) => {
            bad.push(("year".into(), "a year from 2000 to 2100"));
            None
        }
    };
    if !bad.is_empty() {
        return Ok(Either::Right(problem(bad)));
    }
    let snap = snapshot(state, year).await?;
    let all = series(pg, &snap.value, year);
    let name = match year {
        Some(y) => format!("statistics-{y}"),
        None => "statistics".to_string(),
    };
    if !xlsx {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let line = |w: &mut csv::Writer<Vec<u8>>, f: [&str; 5]| w.write_record(f).is_ok();
        let y = year.map(|y| y.to_string()).unwrap_or_default();
        line(&mut w, ["year", "chart", "label", "value", "unit"]);
        for s in &all {
            for f in &s.figures {
                let v = match s.unit {
                    Unit::Yuan => Money::from_fen(f.value).to_string(),
                    Unit::Count => f.value.to_string(),
                };
                line(&mut w, [&y, s.id, &f.raw, &v, s.unit.code()]);
            }
        }
        out.extend(w.into_inner().unwrap_or_default());
        return Ok(Either::Left(Download {
            body: out,
            kind: ContentType::new("text", "csv").with_params(("charset", "utf-8")),
            disposition: Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{name}.csv\""),
            ),
        }));
    }
    let bytes = workbook(pg, &all, year).map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    Ok(Either::Left(Download {
        body: bytes,
        kind: ContentType::new(
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        disposition: Header::new(
            "Content-Disposition",
            format!("attachment; filename=\"{name}.xlsx\""),
        ),
    }))
}

/// The figures as a workbook: headings and labels in the reader's language, amounts as exact
/// numbers (`export::exact_number`), counts as numbers.
fn workbook(
    pg: &Page,
    all: &[Series],
    year: Option<i32>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let amount = Format::new().set_num_format("#,##0.00");
    let ws = wb.add_worksheet();
    ws.set_name("statistics")?;
    for (i, k) in ["year", "chart", "label", "value", "unit"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(0, i as u16, pg.t(&format!("stats-col-{k}")), &bold)?;
    }
    let mut line = 1u32;
    for s in all {
        for f in &s.figures {
            if let Some(y) = year {
                ws.write_number(line, 0, f64::from(y))?;
            }
            ws.write_string(line, 1, pg.t(&format!("stats-{}", s.id)))?;
            ws.write_string(line, 2, &f.shown_label)?;
            let exact = match s.unit {
                Unit::Yuan => {
                    crate::opendata::export::exact_number(Money::from_fen(f.value).decimal())
                }
                Unit::Count => crate::opendata::export::exact_number(f.value.into()),
            };
            match (exact, s.unit) {
                (Some(x), Unit::Yuan) => ws.write_number_with_format(line, 3, x, &amount)?,
                (Some(x), Unit::Count) => ws.write_number(line, 3, x)?,
                (None, _) => ws.write_string(line, 3, Money::from_fen(f.value).to_string())?,
            };
            ws.write_string(line, 4, pg.t(&format!("stats-unit-{}", s.unit.code())))?;
            line += 1;
        }
    }
    wb.save_to_buffer()
}

#[derive(Responder)]
struct Download {
    body: Vec<u8>,
    kind: ContentType,
    disposition: Header<'static>,
}

#[get("/statistics.csv?<year>")]
async fn statistics_csv(
    pg: PublicPage,
    state: &State<AppState>,
    names: QueryNames,
    year: Option<&str>,
) -> AppResult<Either<Download, JsonReply>> {
    figures_download(&pg, state, names, year, false).await
}

#[get("/statistics.xlsx?<year>")]
async fn statistics_xlsx(
    pg: PublicPage,
    state: &State<AppState>,
    names: QueryNames,
    year: Option<&str>,
) -> AppResult<Either<Download, JsonReply>> {
    figures_download(&pg, state, names, year, true).await
}

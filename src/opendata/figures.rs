//! The public statistics' figures (issue 26): at a nation's scale (a million organizations, a
//! hundred thousand processes) computing them takes seconds, so the figures of each year asked
//! for are kept (`platform::kept`): computed again while the visitor waits when that is quick,
//! otherwise in the background while the page shows the figures it has with their instant. The
//! all-time figures are computed once at start-up.

use crate::db::stats::Span;
use crate::db::{Backend, Db};
use crate::platform::kept::Kept;
use std::future::Future;
use std::pin::Pin;

/// Months shown at most in the per-month charts.
pub const MONTHS: i64 = 24;

/// The figures as the database gives them (labels in both languages where they have two).
#[derive(Debug, Default)]
pub struct Raw {
    /// Paid fen by service category: Chinese name, English name, fen; largest first.
    pub category: Vec<(String, String, i64)>,
    /// Paid fen by district: code, code, fen; largest first.
    pub district: Vec<(String, String, i64)>,
    /// Published projects per `YYYY-MM`, oldest first.
    pub projects: Vec<(String, i64)>,
    /// Opened bids per `YYYY-MM`, oldest first.
    pub bids: Vec<(String, i64)>,
    /// Grades in force (grade code, organizations), highest first.
    pub grades: Vec<(String, i64)>,
    /// Registrations per year (all time) or per month (one year), oldest first.
    pub registrations: Vec<(String, i64)>,
    /// Every year from the earliest anything was published, paid or registered in to the
    /// latest, newest first.
    pub years: Vec<String>,
}

/// The kept figures, per year asked for (`None`: all time).
pub type Figures = Kept<Option<i32>, Raw>;

/// The kept figures, empty.
pub fn figures() -> Figures {
    Kept::new(compute)
}

fn compute(
    db: Db,
    year: Option<i32>,
    today: String,
) -> Pin<Box<dyn Future<Output = Result<Raw, sqlx::Error>> + Send>> {
    Box::pin(async move { raw(&db, year, &today).await })
}

/// At lift-off, the all-time figures in the background.
pub fn warm_up() -> rocket::fairing::AdHoc {
    crate::platform::kept::warm_up("statistics", |s| s.figures.clone(), None)
}

/// The year's first and next year's first instant and days.
fn span(year: i32) -> Option<Span> {
    let start = |y: i32| {
        time::Date::from_calendar_date(y, time::Month::January, 1)
            .ok()
            .map(|d| {
                crate::platform::clock::to_ms(
                    d.midnight()
                        .assume_offset(crate::domain::calendar::SHANGHAI),
                )
            })
    };
    Some(Span {
        from_ms: start(year)?,
        to_ms: start(year + 1)?,
        from_day: format!("{year:04}-01-01"),
        to_day: format!("{:04}-01-01", year + 1),
    })
}

/// Every figure of `year` (or all time) on `today`: grades in force on the year's last day, or
/// today within the current year, and none for a year still to come.
async fn raw(db: &Db, year: Option<i32>, today: &str) -> Result<Raw, sqlx::Error> {
    use crate::db::stats;
    let mut c = db.acquire().await?;
    let backend: Backend = db.backend;
    let sp = year.and_then(span);
    let sp = sp.as_ref();
    let on = match year {
        Some(y) if format!("{y:04}-12-31").as_str() < today => Some(format!("{y:04}-12-31")),
        Some(y) if format!("{y:04}-01-01").as_str() > today => None,
        _ => Some(today.to_string()),
    };
    let mut projects = stats::per_month(&mut c, backend, false, MONTHS, sp).await?;
    projects.reverse();
    let mut bids = stats::per_month(&mut c, backend, true, MONTHS, sp).await?;
    bids.reverse();
    Ok(Raw {
        category: stats::spending(&mut c, false, sp).await?,
        district: stats::spending(&mut c, true, sp).await?,
        projects,
        bids,
        grades: match on {
            Some(on) => stats::grades_in_force(&mut c, &on).await?,
            None => Vec::new(),
        },
        registrations: stats::registrations(&mut c, sp).await?,
        years: stats::years(&mut c, backend).await?,
    })
}

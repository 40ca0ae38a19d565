//! The public statistics' figures, kept (issue 26): at a nation's scale (a million
//! organizations, a hundred thousand processes) computing them takes seconds, so the figures of
//! each year asked for are kept with the data version and the instant they are of. A visitor
//! gets the kept figures while the data is unchanged; after a change, figures that were quick to
//! compute (`config.statistics_inline_ms`) are computed again while the visitor waits, and slow
//! ones are redone in the background (at most one computation at a time, and at most once per
//! ten times the last computation's duration) while the page shows the figures it has with
//! their instant. The all-time figures are computed once at start-up.

use crate::db::stats::Span;
use crate::db::{Backend, Db};
use crate::domain::calendar::{iso_date, shanghai_date};
use crate::platform::clock::Clock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

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

/// Figures with what they are of.
#[derive(Debug)]
pub struct Snapshot {
    pub raw: Raw,
    /// The data version they were computed at.
    pub version: i64,
    /// Beijing's day they were computed on (grades in force depend on it).
    pub today: String,
    /// When they were computed (epoch ms).
    pub as_of_ms: i64,
    /// How long the computation took.
    pub took: Duration,
}

#[derive(Default)]
struct Slot {
    snap: Option<Arc<Snapshot>>,
    refreshing: bool,
}

/// The kept figures, per year asked for (`None`: all time).
#[derive(Default)]
pub struct Figures {
    slots: Mutex<HashMap<Option<i32>, Slot>>,
    /// One computation at a time: a burst of first visits waits for one, not many.
    computing: tokio::sync::Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What to do with the kept figures.
#[derive(Debug, PartialEq, Eq)]
enum Use {
    /// Current: serve them.
    Serve,
    /// Out of date and slow to compute: serve them, and compute again in the background.
    ServeAndRefresh,
    /// Out of date but not yet due again (or already being computed): serve them.
    ServeStale,
    /// None kept, or quick to compute: compute now.
    Compute,
}

/// The rule, pure: kept figures `snap` (with `refreshing` whether a background computation runs)
/// against the data `version`, `today` and the instant `now_ms`.
fn decide(
    snap: Option<&Snapshot>,
    refreshing: bool,
    version: i64,
    today: &str,
    now_ms: i64,
    inline: Duration,
) -> Use {
    let Some(s) = snap else {
        return Use::Compute;
    };
    if s.version == version && s.today == today {
        return Use::Serve;
    }
    if s.took <= inline {
        return Use::Compute;
    }
    let due = s
        .as_of_ms
        .saturating_add(i64::try_from(s.took.as_millis().saturating_mul(10)).unwrap_or(i64::MAX));
    if refreshing || now_ms < due {
        Use::ServeStale
    } else {
        Use::ServeAndRefresh
    }
}

/// What a computation needs, owned (a background one outlives the request).
#[derive(Clone)]
pub struct Source {
    pub db: Db,
    pub clock: Clock,
    pub version: i64,
}

impl Source {
    fn today(&self) -> String {
        iso_date(shanghai_date(self.clock.now()))
    }
}

impl Figures {
    /// The figures of `year` to show now.
    pub async fn get(
        self: &Arc<Self>,
        src: Source,
        year: Option<i32>,
        inline: Duration,
    ) -> Result<Arc<Snapshot>, sqlx::Error> {
        let today = src.today();
        let now_ms = src.clock.now_ms();
        {
            let mut slots = lock(&self.slots);
            let slot = slots.entry(year).or_default();
            let snap = slot.snap.clone();
            match decide(
                snap.as_deref(),
                slot.refreshing,
                src.version,
                &today,
                now_ms,
                inline,
            ) {
                Use::Serve | Use::ServeStale => {
                    if let Some(s) = snap {
                        return Ok(s);
                    }
                }
                Use::ServeAndRefresh => {
                    slot.refreshing = true;
                    let me = self.clone();
                    let src = src.clone();
                    tokio::spawn(async move {
                        let done = me.compute(&src, year).await;
                        if let Err(e) = done {
                            log::warn!("statistics: computing them again failed: {e}");
                        }
                        lock(&me.slots).entry(year).or_default().refreshing = false;
                    });
                    if let Some(s) = snap {
                        return Ok(s);
                    }
                }
                Use::Compute => {}
            }
        }
        self.compute(&src, year).await
    }

    /// Computes the figures of `year` (one computation at a time; if another finished the same
    /// figures while this one waited, those are used) and keeps them.
    pub async fn compute(
        &self,
        src: &Source,
        year: Option<i32>,
    ) -> Result<Arc<Snapshot>, sqlx::Error> {
        let _one = self.computing.lock().await;
        let today = src.today();
        if let Some(s) = lock(&self.slots).get(&year).and_then(|s| s.snap.clone()) {
            if s.version == src.version && s.today == today {
                return Ok(s);
            }
        }
        let started = Instant::now();
        let raw = raw(&src.db, year, &today).await?;
        let snap = Arc::new(Snapshot {
            raw,
            version: src.version,
            today,
            as_of_ms: src.clock.now_ms(),
            took: started.elapsed(),
        });
        lock(&self.slots).entry(year).or_default().snap = Some(snap.clone());
        Ok(snap)
    }
}

/// At lift-off, computes the all-time figures in the background, so that the first visitor to
/// `/statistics` does not wait for them.
pub fn warm_up() -> rocket::fairing::AdHoc {
    rocket::fairing::AdHoc::on_liftoff("statistics", |rocket| {
        Box::pin(async move {
            let Some(state) = rocket.state::<crate::platform::app::AppState>() else {
                return;
            };
            let figures = state.figures.clone();
            let db = state.db.clone();
            let clock = state.clock.clone();
            tokio::spawn(async move {
                let version = match db.acquire().await {
                    Ok(mut c) => crate::db::audit::data_version(&mut c).await,
                    Err(e) => Err(e),
                };
                let done = match version {
                    Ok(version) => figures
                        .compute(&Source { db, clock, version }, None)
                        .await
                        .map(|_| ()),
                    Err(e) => Err(e),
                };
                if let Err(e) = done {
                    log::warn!("statistics: computing them at start-up failed: {e}");
                }
            });
        })
    })
}

/// The year's first and next year's first instant and days.
pub fn span(year: i32) -> Option<Span> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(version: i64, today: &str, as_of_ms: i64, took_ms: u64) -> Snapshot {
        Snapshot {
            raw: Raw::default(),
            version,
            today: today.into(),
            as_of_ms,
            took: Duration::from_millis(took_ms),
        }
    }

    const INLINE: Duration = Duration::from_millis(250);

    #[test]
    fn kept_figures_are_served_while_the_data_and_the_day_are_unchanged() {
        let s = snap(7, "2026-12-06", 0, 9000);
        assert_eq!(
            decide(Some(&s), false, 7, "2026-12-06", 1, INLINE),
            Use::Serve
        );
        assert_eq!(
            decide(None, false, 7, "2026-12-06", 1, INLINE),
            Use::Compute
        );
    }

    #[test]
    fn quick_figures_are_computed_again_at_once_and_slow_ones_in_the_background() {
        // At the inline limit: computed while the visitor waits; a millisecond over: not.
        let quick = snap(7, "2026-12-06", 0, 250);
        assert_eq!(
            decide(Some(&quick), false, 8, "2026-12-06", 1, INLINE),
            Use::Compute
        );
        let slow = snap(7, "2026-12-06", 0, 251);
        // Due again after ten times its duration: 2,510 ms.
        assert_eq!(
            decide(Some(&slow), false, 8, "2026-12-06", 2509, INLINE),
            Use::ServeStale
        );
        assert_eq!(
            decide(Some(&slow), false, 8, "2026-12-06", 2510, INLINE),
            Use::ServeAndRefresh
        );
        // Never two background computations of the same figures.
        assert_eq!(
            decide(Some(&slow), true, 8, "2026-12-06", 9999, INLINE),
            Use::ServeStale
        );
        // A new day is a change too (grades in force).
        assert_eq!(
            decide(Some(&slow), false, 7, "2026-12-07", 2510, INLINE),
            Use::ServeAndRefresh
        );
        assert_eq!(
            decide(Some(&quick), false, 7, "2026-12-07", 1, INLINE),
            Use::Compute
        );
    }
}

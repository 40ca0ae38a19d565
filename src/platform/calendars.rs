//! The calendar in force, read from the database and kept in memory: a snapshot for pages
//! (refreshed when the data version moves and a table was loaded, by any process), an exact
//! read for the transactions that compute a due date, and loading a year's official table
//! (validated, stored with its history, every due date that depended on it recomputed).

use crate::db::{self, Conn, Db};
use crate::deadlines::{self, Change, Teller};
use crate::domain::calendar::{shanghai_date, Calendar, YearTable, BUILT_IN};
use crate::platform::audit::{Actor, Auditor};
use crate::platform::clock::Clock;
use crate::platform::error::{AppError, AppResult};
use crate::platform::mail::Mailer;
use serde_json::json;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use time::Date;

/// The calendar in force and the newest table version it holds.
pub struct Calendars {
    current: RwLock<(Arc<Calendar>, i64)>,
    /// The data version at the last check (see `follow`).
    seen: Mutex<Option<i64>>,
    clock: Clock,
}

impl Calendars {
    /// Before the first read every year is provisional: `follow` or `exact` reads the tables.
    pub fn new(clock: Clock) -> Calendars {
        Calendars {
            current: RwLock::new((Arc::new(Calendar::default()), -1)),
            seen: Mutex::new(None),
            clock,
        }
    }

    /// The calendar as last read (pages; never for a due date being stored).
    pub fn now(&self) -> Arc<Calendar> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .0
            .clone()
    }

    fn held(&self) -> i64 {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .1
    }

    fn set(&self, cal: Arc<Calendar>, newest: i64) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = (cal, newest);
    }

    /// The calendar as `c` (the transaction computing a due date) sees it: one small query,
    /// and a reload only when a table was loaded since.
    pub async fn exact(&self, c: &mut Conn) -> Result<Arc<Calendar>, sqlx::Error> {
        let newest = db::calendar::newest_id(c).await?;
        if newest == self.held() {
            return Ok(self.now());
        }
        let (cal, newest) = db::calendar::in_force(c).await?;
        let cal = Arc::new(cal);
        self.set(cal.clone(), newest);
        Ok(cal)
    }

    /// Keeps the snapshot current across processes: when the data version (which every change,
    /// a table loaded by another process included, advances) moved since the last look, checks
    /// whether a table was loaded. On a SQLite file the version costs no query.
    pub async fn follow(&self, db: &Db, version: i64) -> Result<(), sqlx::Error> {
        if *self.seen.lock().unwrap_or_else(PoisonError::into_inner) == Some(version) {
            return Ok(());
        }
        let mut c = db.acquire().await?;
        self.exact(&mut c).await?;
        // Only once read: a failed read is tried again by the next page.
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = Some(version);
        Ok(())
    }

    /// Today in Beijing.
    pub fn today(&self) -> Date {
        shanghai_date(self.clock.now())
    }

    /// Whether a due date on `d`, counted from today or later, crossed a provisional year.
    pub fn provisional(&self, d: Date) -> bool {
        self.now()
            .provisional_between(self.today().year(), d.year())
    }
}

/// Stores the tables shipped in `seeds/calendar/` as official, for each year that has no
/// version yet (first start), with one audit entry. Returns the years loaded.
pub async fn ensure_built_in(
    c: &mut Conn,
    auditor: &Auditor,
    actor: Actor,
    now: i64,
) -> AppResult<Vec<i32>> {
    let mut loaded = Vec::new();
    for text in BUILT_IN {
        let t = YearTable::parse(text).map_err(|e| AppError::Internal(e.to_string()))?;
        if !db::calendar::has_year(c, t.year).await? {
            db::calendar::store(c, &t, None, now).await?;
            loaded.push(t.year);
        }
    }
    if !loaded.is_empty() {
        auditor
            .record(
                c,
                now,
                actor,
                "calendar.loaded",
                ("calendar", "*".into()),
                json!({ "years": loaded, "built_in": true }),
            )
            .await?;
    }
    Ok(loaded)
}

/// The calendar as it would be with `table` loaded, and the due dates that would change.
pub async fn preview(
    c: &mut Conn,
    calendars: &Calendars,
    table: &YearTable,
) -> AppResult<(Calendar, Vec<Change>)> {
    let mut cal = (*calendars.exact(c).await?).clone();
    // The version it will get is not known before it is stored: any number that differs
    // from the one in force marks the dates as depending on it.
    let mut t = table.clone();
    t.version = db::calendar::newest_id(c).await? + 1;
    cal.add(t);
    let changes = deadlines::changes(c, &cal, calendars.today()).await?;
    Ok((cal, changes))
}

/// What loading a year did.
#[derive(Debug, serde::Serialize)]
pub struct Loaded {
    pub version: i64,
    pub replaced: Option<i64>,
    pub changes: Vec<Change>,
    pub moved: usize,
    /// The same table was already in force: nothing was stored.
    pub unchanged: bool,
}

/// Who loads, and what they need to tell people.
pub struct Loader<'a> {
    pub db: &'a Db,
    pub calendars: &'a Calendars,
    pub clock: &'a Clock,
    pub auditor: &'a Auditor,
    pub mailer: &'a Mailer,
}

impl Loader<'_> {
    /// Brings every stored due date still ahead in line with the calendar in force: registers
    /// the ones stored without their calendar versions (before the register existed), and
    /// recomputes any computed from another version (a table loaded by another process while it
    /// was being stored). Run at start and by the registry job; does nothing when all agree.
    pub async fn catch_up(&self) -> AppResult<usize> {
        let now = self.clock.now_ms();
        // Looked at without the write lock: nearly always there is nothing to do.
        {
            let mut c = self.db.acquire().await?;
            let unregistered = deadlines::unregistered(&mut c, now).await?;
            let cal = self.calendars.exact(&mut c).await?;
            if unregistered.is_empty()
                && deadlines::changes(&mut c, &cal, self.calendars.today())
                    .await?
                    .is_empty()
            {
                return Ok(0);
            }
        }
        let mut tx = self.db.begin_write().await?;
        let registered = deadlines::backfill(&mut tx, now).await?;
        let (cal, newest) = db::calendar::in_force(&mut tx).await?;
        let changes = deadlines::changes(&mut tx, &cal, self.calendars.today()).await?;
        if registered == 0 && changes.is_empty() {
            return Ok(0);
        }
        let teller = Teller {
            clock: self.clock,
            auditor: self.auditor,
            mailer: self.mailer,
            actor: Actor::System,
            reference: crate::domain::holiday_law::LAW,
            year: 0,
        };
        let moved = deadlines::apply(&mut tx, &changes, &teller).await?;
        self.auditor
            .record(
                &mut tx,
                now,
                Actor::System,
                "deadlines.caught_up",
                ("calendar", "*".into()),
                json!({ "registered": registered, "recomputed": changes.len(), "moved": moved }),
            )
            .await?;
        tx.commit().await?;
        self.calendars.set(Arc::new(cal), newest);
        Ok(moved)
    }

    /// Stores `table` as its year's official version (the one in force is kept, marked
    /// replaced) and recomputes every due date ahead that depended on the year, in one
    /// transaction; then the calendar in memory is the new one.
    pub async fn load(&self, table: &YearTable, actor: Actor) -> AppResult<Loaded> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let by = match actor {
            Actor::User(u) => Some(u.0),
            _ => None,
        };
        let (before, _) = db::calendar::in_force(&mut tx).await?;
        if before.has_year(table.year) {
            let t = before.table(table.year);
            if t.reference == table.reference
                && t.holidays == table.holidays
                && t.adjusted_working_days == table.adjusted_working_days
            {
                return Ok(Loaded {
                    version: t.version,
                    replaced: None,
                    changes: Vec::new(),
                    moved: 0,
                    unchanged: true,
                });
            }
        }
        let (version, replaced) = db::calendar::store(&mut tx, table, by, now).await?;
        let (cal, newest) = db::calendar::in_force(&mut tx).await?;
        let changes = deadlines::changes(&mut tx, &cal, self.calendars.today()).await?;
        let teller = Teller {
            clock: self.clock,
            auditor: self.auditor,
            mailer: self.mailer,
            actor,
            reference: &table.reference,
            year: table.year,
        };
        let moved = deadlines::apply(&mut tx, &changes, &teller).await?;
        self.auditor
            .record(
                &mut tx,
                now,
                actor,
                "calendar.loaded",
                ("calendar", table.year.to_string()),
                json!({ "year": table.year, "reference": table.reference, "version": version,
                        "replaced": replaced, "holidays": table.holidays.len(),
                        "adjusted_working_days": table.adjusted_working_days.len(),
                        "recomputed": changes.len(), "moved": moved }),
            )
            .await?;
        tx.commit().await?;
        self.calendars.set(Arc::new(cal), newest);
        Ok(Loaded {
            version,
            replaced,
            changes,
            moved,
            unchanged: false,
        })
    }
}

//! A city's year: a deterministic history of Ningbo over the last eighteen months, written on
//! top of the base demo (`seed::load`, which runs first and keeps its fixed IDs) by calling the
//! same services the pages call, under a clock of its own that starts in the past and is moved
//! forward between steps, so the services observe every statutory period themselves (notice
//! periods, bid deadlines, the award notice, challenge windows, signing, milestones).
//!
//! Direct writes are used only where no service exists: organizations registered long before
//! the system (back-dated, as `seed::load` does) and their people. Everything else — reports,
//! listings, revocation, procurement, awards, contracts, payments, reviews, evaluation — goes
//! through the services, so the audit chain, OCDS, datasets and statistics agree with it.
//!
//! The same database content comes out on every run (names, numbers, amounts): a fixed seed
//! drives the one generator, and dates are counted back from the loading day.

mod apply;
mod award;
mod buy;
mod deliver;
mod grades;
mod mailbox;
mod orgs;
mod timeline;

use crate::db::{meta, users, Db};
use crate::domain::calendar::SHANGHAI;
use crate::platform::app::{self, AppState};
use crate::platform::clock::{to_ms, Clock};
use crate::platform::config::Resolved;
use crate::platform::ids::UserId;
use crate::platform::scale::Rng;
use crate::seed::DemoError;
use std::collections::HashMap;
use std::sync::Mutex;
use time::{Date, Duration, OffsetDateTime, Time};

const LOADED_KEY: &str = "city_loaded";
/// How many organizations (each with its administrator's account) the city adds.
pub const ORGANIZATIONS: usize = orgs::COUNT;
/// How many organizations the city's registration applications add (approved), and how many
/// applicants' accounts they open.
pub const REGISTERED: usize = apply::APPROVED;
pub const APPLICANTS: usize = apply::APPLICANTS;
/// How far back the city's history starts.
pub const HISTORY_DAYS: i64 = 540;
/// The generator's seed: the same history on every run.
const SEED: u64 = 0x4e49_4e47_424f_2026;

/// What the city added, for the caller's message.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub organizations: usize,
    pub projects: usize,
    pub contracts: usize,
}

/// A generated organization and the account of its administrator.
#[derive(Debug, Clone)]
pub(crate) struct CityOrg {
    pub id: i64,
    pub name: String,
    pub admin: i64,
    pub district: &'static str,
    pub org_type: &'static str,
    pub status: &'static str,
    /// Recognized as a charity (its reports are received, not graded).
    pub charity: bool,
}

/// The history being written: the services' state on a clock of its own, the generator, the
/// organizations made so far and the demo's staff by e-mail.
pub(crate) struct City {
    pub state: AppState,
    rng: Mutex<Rng>,
    /// The loading day (Beijing): the history ends here.
    pub today: Date,
    /// The loading instant: nothing is done after it.
    pub end: OffsetDateTime,
    /// The organizations made so far (and their status as the history moves on).
    pub orgs: Mutex<Vec<CityOrg>>,
    pub staff: HashMap<String, i64>,
    /// One password hash for every generated account (nobody knows its password; the
    /// accounts stand for the organizations' people, who would reset it).
    pub hash: String,
    pub summary: Mutex<Summary>,
    /// The flows' steps in time order.
    timeline: timeline::Timeline,
}

impl City {
    /// Waits (see `timeline`) until the flows' earlier steps ran, then stands at `days`
    /// before the loading day at `hh:mm` Beijing time.
    pub async fn at(&self, days: i64, hh: u8, mm: u8) {
        let at = self.instant(days, hh, mm);
        self.timeline.wait(&self.state.clock, at).await;
    }

    /// The instant `days` before the loading day at `hh:mm` Beijing time, in milliseconds.
    pub fn instant(&self, days: i64, hh: u8, mm: u8) -> i64 {
        let d = self.today - Duration::days(days);
        to_ms(
            d.with_time(Time::from_hms(hh, mm, 0).unwrap_or(Time::MIDNIGHT))
                .assume_offset(SHANGHAI),
        )
    }

    /// As `at` when that instant is not after the loading instant; false (the clock left
    /// where it was) when it is: that step waits for the real clock.
    pub async fn when(&self, days: i64, hh: u8, mm: u8) -> bool {
        if self.instant(days, hh, mm) > to_ms(self.end) {
            return false;
        }
        self.at(days, hh, mm).await;
        true
    }

    pub fn now_ms(&self) -> i64 {
        self.state.clock.now_ms()
    }

    /// `days` before the loading day.
    pub fn day(&self, days: i64) -> Date {
        self.today - Duration::days(days)
    }

    /// A demo staff member's user id.
    pub fn staff(&self, email: &str) -> Result<i64, DemoError> {
        self.staff
            .get(email)
            .copied()
            .ok_or_else(|| DemoError::Invalid(format!("demo user {email}")))
    }

    pub fn user(&self, email: &str) -> Result<UserId, DemoError> {
        self.staff(email).map(UserId)
    }

    pub fn below(&self, n: usize) -> usize {
        self.rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .below(n.max(1))
    }

    /// The organizations as they stand.
    pub fn orgs(&self) -> Vec<CityOrg> {
        self.orgs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Counts what the history added.
    pub fn count(&self, f: impl FnOnce(&mut Summary)) {
        f(&mut self
            .summary
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner));
    }
}

/// A flow of the history: its steps, each at its instant.
pub(crate) type Flow<'a> = timeline::Flow<'a, DemoError>;

/// The error of a service step, named.
pub(crate) fn step<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> DemoError + '_ {
    move |e| DemoError::Invalid(format!("{what}: {e}"))
}

/// A refusal the history did not expect: its step and message key.
pub(crate) fn refused(what: &str, key: &str) -> DemoError {
    DemoError::Invalid(format!("{what} refused: {key}"))
}

/// Writes the city's history after the base demo. Refuses when it was written already.
pub async fn run(db: &Db, resolved: &Resolved, clock: &Clock) -> Result<Summary, DemoError> {
    let end = clock.now();
    let mut c = db.acquire().await?;
    if meta::get(&mut c, LOADED_KEY).await?.is_some() {
        return Err(DemoError::Invalid("the city is already loaded".into()));
    }
    let mut staff = HashMap::new();
    for u in users::all(&mut c).await? {
        staff.insert(u.email.clone(), u.id.0);
    }
    drop(c);
    // One hash of a random password, for every generated account.
    let secret = crate::platform::config::new_key_line("city");
    let hash = crate::platform::auth::password::hash(&secret, resolved.config.password_hash)
        .map_err(DemoError::Invalid)?;
    let today = end.to_offset(SHANGHAI).date();
    let start = end - Duration::days(HISTORY_DAYS);
    let mut state = app::state(resolved, db.clone(), Clock::fixed(start))
        .map_err(|e| DemoError::Invalid(e.to_string()))?;
    // The panels' draws from the history's own sequence: the same experts on every run.
    state.draws = crate::platform::draws::Draws::seeded(SEED ^ 0x5041_4e45_4c53);
    let mut city = City {
        state,
        rng: Mutex::new(Rng(SEED)),
        today,
        end,
        orgs: Mutex::default(),
        staff,
        hash,
        summary: Mutex::default(),
        timeline: timeline::Timeline::default(),
    };
    orgs::run(&mut city).await?;
    // Then every flow side by side, step by step in time order.
    let city = &city;
    let mut flows = buy::flows(city).await?;
    flows.push(Box::pin(grades::run(city)));
    flows.push(Box::pin(orgs::reports(city)));
    flows.push(Box::pin(mailbox::run(city)));
    flows.extend(apply::flows(city));
    city.timeline
        .run(
            &city.state.clock,
            to_ms(start - Duration::days(HISTORY_DAYS)),
            flows,
        )
        .await?;
    // The history ends where the real clock stands.
    city.state.clock.set(end);
    let mut tx = db.begin_write().await?;
    meta::set(&mut tx, LOADED_KEY, &to_ms(end).to_string()).await?;
    let s = *city
        .summary
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    city.state
        .auditor
        .record(
            &mut tx,
            to_ms(end),
            crate::platform::audit::Actor::System,
            "demo.city_loaded",
            ("demo", "city".into()),
            serde_json::json!({ "organizations": s.organizations, "projects": s.projects,
                                "contracts": s.contracts }),
        )
        .await?;
    tx.commit().await?;
    Ok(s)
}

/// The day of `at` in Beijing.
pub(crate) fn beijing_day(at: OffsetDateTime) -> Date {
    at.to_offset(SHANGHAI).date()
}

//! The clocks waiting on a person, read from the register: their dashboard's work list.

use super::store::{self, Whose};
use super::{DueClock, ALL};
use crate::db::Conn;
use crate::domain::calendar::{parse_iso_date, Calendar};
use serde::Serialize;
use time::Date;

/// One clock waiting on the person who sees it: what, for whom, by when, and where it is done.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    /// The message key naming the work ("clock-answer", "queue-expert-sheet", ...).
    pub what: String,
    pub entity_id: i64,
    /// Empty when the work has no due date of its own (waiting since `due_on` is unknown).
    pub due_on: String,
    /// The exact moment when the due date is one (a bid deadline, "2026-12-18 09:30" Beijing
    /// time), shown instead of the end of the day.
    pub at: Option<String>,
    /// Working days left (negative when overdue); calendar days for a calendar-day period.
    pub days_left: i64,
    pub working: bool,
    /// The application's or project's name.
    pub subject: String,
    pub link: String,
}

impl Task {
    /// The kind of rows whose list was cut at `CAP` (`deadlines::store::queue::CAP`): one
    /// row says there are more of `what` and links to `all`, where every one is.
    pub const MORE: &'static str = "queue-more";

    pub fn more(what: &str, all: &str) -> Task {
        Task {
            what: Self::MORE.into(),
            at: None,
            entity_id: 0,
            due_on: String::new(),
            days_left: 0,
            working: false,
            subject: what.into(),
            link: all.into(),
        }
    }

    pub fn is_more(&self) -> bool {
        self.what == Self::MORE
    }
}

/// Whose clocks a person works: the registering authorities they register for, the purchasing
/// departments they buy for, and whether they decide complaints.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub user: i64,
    pub authorities: Vec<i64>,
    pub departments: Vec<i64>,
    /// The procurement agencies they work for (the projects entrusted to them).
    pub agencies: Vec<i64>,
    pub supervisor: bool,
    /// The authorities whose evaluation rounds they run.
    pub evaluates: Vec<i64>,
    pub finance: bool,
    /// The system's administrator: undelivered mail, missing working-day tables.
    pub admin: bool,
    /// Organizations they administer, and those they are a member of.
    pub org_admin: Vec<i64>,
    pub org_member: Vec<i64>,
}

impl Scope {
    /// Everything the person's grants and memberships make them responsible for.
    pub fn of(user: &crate::platform::auth::guards::CurrentUser) -> Scope {
        use crate::domain::role::Role;
        Scope {
            user: user.id().0,
            authorities: user.authorities(Role::Registrar).collect(),
            departments: user.units(Role::Purchaser, |g| g.department_id),
            agencies: user.units(Role::ProcurementAgency, |g| g.agency_id),
            supervisor: user.has(Role::ProcurementSupervisor),
            evaluates: user.authorities(Role::EvaluationOfficer).collect(),
            finance: user.has(Role::FinanceOfficer),
            admin: user.has(Role::Admin),
            org_admin: user
                .memberships
                .iter()
                .filter(|m| user.is_org_admin(m.org_id))
                .map(|m| m.org_id.0)
                .collect(),
            org_member: user.memberships.iter().map(|m| m.org_id.0).collect(),
        }
    }
}

/// The running clocks `scope` acts on, soonest first (overdue at the top).
pub async fn tasks(
    c: &mut Conn,
    scope: &Scope,
    cal: &Calendar,
    today: Date,
    now: i64,
) -> crate::platform::error::AppResult<Vec<Task>> {
    let mut out = Vec::new();
    for clock in ALL {
        let whose = match clock {
            DueClock::AcceptBy | DueClock::Decision if !scope.authorities.is_empty() => {
                Whose::Authorities(&scope.authorities)
            }
            DueClock::AwardConfirm | DueClock::ContractFiling if !scope.departments.is_empty() => {
                Whose::Departments(&scope.departments)
            }
            // Challenges are answered by whoever runs the procedure: the agency when entrusted.
            DueClock::Answer if !scope.departments.is_empty() || !scope.agencies.is_empty() => {
                Whose::Runs(&scope.departments, &scope.agencies)
            }
            DueClock::ComplaintDecision if scope.supervisor => Whose::AllProjects,
            _ => continue,
        };
        // Every running clock of a kind is on its area's list.
        let all = match clock {
            DueClock::AcceptBy | DueClock::Decision => "/registry",
            DueClock::ComplaintDecision => "/complaints",
            _ => "/purchase",
        };
        let rows = store::running_for(c, clock, whose).await?;
        for r in capped(&mut out, &format!("clock-{}", clock.code()), all, rows) {
            let Some(due) = parse_iso_date(&r.due_on) else {
                continue;
            };
            let working = r.span_kind == "working";
            let (id, project) = (r.entity_id, r.project);
            let link = match clock {
                DueClock::AcceptBy | DueClock::Decision => format!("/registry/applications/{id}"),
                DueClock::Answer => format!("/purchase/projects/{project}/award#challenges"),
                DueClock::ComplaintDecision => format!("/complaints/{id}"),
                _ => format!("/purchase/projects/{project}/award"),
            };
            out.push(Task {
                what: format!("clock-{}", clock.code()),
                at: None,
                entity_id: id,
                days_left: crate::domain::application::days_left(cal, today, due, working),
                working,
                due_on: r.due_on,
                subject: r.subject,
                link,
            });
        }
    }
    out.extend(super::queue::waiting(c, scope, cal, today, now).await?);
    sort(&mut out);
    Ok(out)
}

/// Soonest first (overdue at the top); work without a due date of its own after every dated one,
/// and the lists cut short last.
pub fn sort(tasks: &mut [Task]) {
    tasks.sort_by(|a, b| {
        (
            a.is_more(),
            a.due_on.is_empty(),
            &a.due_on,
            &a.what,
            a.entity_id,
        )
            .cmp(&(
                b.is_more(),
                b.due_on.is_empty(),
                &b.due_on,
                &b.what,
                b.entity_id,
            ))
    });
}

/// How many tasks a person's list shows, and whether some lists were cut short (the
/// navigation then says "100+").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskCount {
    pub n: usize,
    pub more: bool,
}

impl TaskCount {
    /// The count of a list (its rows saying a kind was cut short are not tasks).
    pub fn of(list: &[Task]) -> TaskCount {
        TaskCount {
            n: list.iter().filter(|t| !t.is_more()).count(),
            more: list.iter().any(Task::is_more),
        }
    }

    /// As shown: the number, a floor ("100+") when some lists were cut short.
    pub fn shown(self) -> String {
        if self.more {
            format!("{}+", self.n)
        } else {
            self.n.to_string()
        }
    }
}

/// At most `CAP` of `rows` (`deadlines::store::queue::CAP`; the reads stop one past it): when
/// there were more, a row saying so is added to `out`, linking to `all` where every one is.
pub(super) fn capped<T>(out: &mut Vec<Task>, what: &str, all: &str, mut rows: Vec<T>) -> Vec<T> {
    if rows.len() > super::store::queue::CAP {
        rows.truncate(super::store::queue::CAP);
        out.push(Task::more(what, all));
    }
    rows
}

/// How many tasks wait on each signed-in person, for the navigation: kept per person with the
/// data version (the audit sequence, advanced by every change) and the Beijing day it was
/// counted for, and counted again when the day moved, or the data moved and the count is older
/// than `FRESH` (so a busy city does not recount on every page; the dashboard itself is always
/// read fresh).
#[derive(Default)]
pub struct Counts {
    kept: std::sync::Mutex<
        std::collections::HashMap<i64, (i64, Date, TaskCount, std::time::Instant)>,
    >,
    /// One count at a time per person: the pages a person's browser asks for together wait for
    /// one count rather than each making its own (a purchaser's list at 50,000 contracts takes a
    /// quarter of a second to count).
    counting:
        std::sync::Mutex<std::collections::HashMap<i64, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

const FRESH: std::time::Duration = std::time::Duration::from_secs(20);

impl Counts {
    /// The person's count. A request that may change data (`changing`) forgets what was kept,
    /// so the page after it counts afresh.
    pub async fn of(
        &self,
        c: &mut Conn,
        user: &crate::platform::auth::guards::CurrentUser,
        cal: &Calendar,
        version: i64,
        now: i64,
        changing: bool,
    ) -> crate::platform::error::AppResult<TaskCount> {
        let today = crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(now));
        let id = user.id().0;
        if changing {
            // No counting on a request that changes data (it redirects, or re-renders its form
            // with what was kept): the next page counts afresh.
            return Ok(self
                .kept
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&id)
                .map_or(TaskCount::default(), |k| k.2));
        }
        let current = || {
            let kept = self
                .kept
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&id)
                .copied();
            kept.and_then(|(v, d, n, at)| {
                (d == today && (v == version || at.elapsed() < FRESH)).then_some(n)
            })
        };
        if let Some(n) = current() {
            return Ok(n);
        }
        let one = {
            let mut counting = self
                .counting
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if counting.len() > 10_000 {
                counting.clear();
            }
            counting.entry(id).or_default().clone()
        };
        let _one = one.lock().await;
        // Counted by another request while this one waited.
        if let Some(n) = current() {
            return Ok(n);
        }
        let list = tasks(c, &Scope::of(user), cal, today, now).await?;
        let n = TaskCount::of(&list);
        let mut map = self
            .kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(id, (version, today, n, std::time::Instant::now()));
        Ok(n)
    }
}

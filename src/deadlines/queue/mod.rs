//! The work waiting on a person that is not a registered statutory clock, read from the states
//! the lifecycles write: an expert's sheets and seats, an evaluation officer's applications,
//! rounds, objections and downgrades, a purchaser's drafts, deliverables, signatures and
//! reviews, the supervisor's suspension orders and supplier sign-ups, the finance officer's
//! payable installments, and an organization's corrections, reports, milestones and windows.
//! Each item names what, for which organization or project, by when, and links to where it is
//! done; the dashboard merges them with the register's clocks.

mod admin;
mod delivery;
mod evaluation;
mod organization;
mod purchase;
mod registry;

use super::Scope;
use super::Task;
use crate::db::Conn;
use crate::domain::calendar::{iso_date, parse_iso_date, Calendar};
use time::Date;

pub use admin::calendar_years_due;

pub(super) struct Push<'a> {
    pub(super) out: Vec<Task>,
    pub(super) cal: &'a Calendar,
    pub(super) today: Date,
}

impl Push<'_> {
    /// The rows of one kind of work, at most `CAP` of them: a read that found more (it stops
    /// one past) adds a row saying so, linking to `all` where every one is listed.
    pub(super) fn capped<T>(&mut self, what: &str, all: &str, rows: Vec<T>) -> Vec<T> {
        super::tasks::capped(&mut self.out, what, all, rows)
    }

    /// An item: `due` is a calendar-day or working-day last day, or none.
    pub(super) fn add(
        &mut self,
        what: &str,
        id: i64,
        subject: String,
        due: Option<(Date, bool)>,
        link: String,
    ) {
        let (due_on, days_left, working) = match due {
            Some((d, working)) => (
                iso_date(d),
                crate::domain::application::days_left(self.cal, self.today, d, working),
                working,
            ),
            None => (String::new(), 0, false),
        };
        self.out.push(Task {
            what: what.into(),
            at: None,
            entity_id: id,
            due_on,
            days_left,
            working,
            subject,
            link,
        });
    }
}

pub(super) fn date(s: &str) -> Option<(Date, bool)> {
    parse_iso_date(s).map(|d| (d, false))
}

pub async fn waiting(
    c: &mut Conn,
    scope: &Scope,
    cal: &Calendar,
    today: Date,
    now: i64,
) -> crate::platform::error::AppResult<Vec<Task>> {
    let mut p = Push {
        out: Vec::new(),
        cal,
        today,
    };
    evaluation::expert(c, scope.user, &mut p).await?;
    delivery::reviewer(c, scope.user, &mut p).await?;
    if !scope.authorities.is_empty() {
        registry::registrar(c, &scope.authorities, &mut p).await?;
    }
    if !scope.evaluates.is_empty() {
        evaluation::evaluation_officer(c, &scope.evaluates, &mut p).await?;
    }
    if !scope.departments.is_empty() || !scope.agencies.is_empty() {
        purchase::procedure(c, scope, &mut p).await?;
    }
    if !scope.departments.is_empty() {
        purchase::purchaser(c, &scope.departments, &mut p).await?;
        delivery::purchaser_delivery(c, &scope.departments, &mut p).await?;
    }
    if scope.supervisor {
        purchase::supervisor(c, &mut p).await?;
    }
    registry::applicant(c, scope.user, &mut p).await?;
    if !scope.org_member.is_empty() {
        organization::organization(c, scope, &mut p, now).await?;
    }
    if scope.finance {
        delivery::payable(c, now, &mut p).await?;
    }
    if scope.admin {
        admin::admin(c, cal, &mut p).await?;
    }
    Ok(p.out)
}

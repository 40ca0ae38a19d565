//! The dashboard: the person's work list (every task waiting on them, soonest first, each a
//! link to where it is done), then one panel per role they hold and per organization they
//! belong to, with the links of that role's job.

use crate::app::AppState;
use crate::auth::guards::CurrentUser;
use crate::db::{mail, users};
use crate::domain::calendar::shanghai_date;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::web::ctx::Page;
use rocket::{get, routes, Route, State};
use rocket_dyn_templates::Template;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![dashboard]
}

/// Years the admin must be warned about: this year, and next year from November (when the
/// State Council publishes it), if their working-day table is missing.
pub fn calendar_warnings(state: &AppState) -> Vec<i32> {
    let today = shanghai_date(state.clock.now());
    let last = if u8::from(today.month()) >= 11 {
        today.year() + 1
    } else {
        today.year()
    };
    state.calendars.now().missing_years(today.year(), last)
}

#[get("/dashboard")]
async fn dashboard(page: Page, state: &State<AppState>, user: &CurrentUser) -> AppResult<Template> {
    let panels: Vec<serde_json::Value> = user
        .roles()
        .into_iter()
        .map(|r| {
            let scopes: Vec<_> = user
                .grants
                .iter()
                .filter(|g| g.role == r)
                .filter_map(|g| {
                    if page.lang == crate::domain::lang::Lang::En {
                        g.scope_en.clone()
                    } else {
                        g.scope_zh.clone()
                    }
                })
                .collect();
            json!({ "role": r.code(), "label_key": r.label_key(), "scopes": scopes })
        })
        .collect();
    let admin = if user.has(Role::Admin) {
        let mut c = state.db.acquire().await?;
        let pending = mail::recent(&mut c, 1000)
            .await?
            .iter()
            .filter(|m| m.status == "pending")
            .count();
        Some(json!({
            "users": users::count(&mut c).await?,
            "pending_mail": pending,
            "calendar_missing": calendar_warnings(state),
        }))
    } else {
        None
    };
    // Everything waiting on this person: the register's statutory clocks and the work the
    // lifecycles' states name them for, soonest first.
    let scope = crate::deadlines::Scope {
        user: user.id().0,
        authorities: user.authorities(Role::Registrar).collect(),
        departments: crate::web::purchase::departments(user),
        supervisor: user.has(Role::ProcurementSupervisor),
        evaluates: user.authorities(Role::EvaluationOfficer).collect(),
        finance: user.has(Role::FinanceOfficer),
        org_admin: user
            .memberships
            .iter()
            .filter(|m| user.is_org_admin(m.org_id))
            .map(|m| m.org_id.0)
            .collect(),
        org_member: user.memberships.iter().map(|m| m.org_id.0).collect(),
    };
    let tasks = {
        let mut c = state.db.acquire().await?;
        let cal = state.calendars.now();
        let mut tasks =
            crate::deadlines::tasks(&mut c, &scope, &cal, shanghai_date(state.clock.now())).await?;
        if scope.finance {
            tasks.extend(payable(state, &mut c, &cal).await?);
            crate::deadlines::sort(&mut tasks);
        }
        tasks
    };
    Ok(page.render(
        "dashboard",
        json!({ "panels": panels, "memberships": user.memberships, "admin": admin, "tasks": tasks }),
    ))
}

/// The finance officer's installments that can be paid now, due by the payment term.
async fn payable(
    state: &AppState,
    c: &mut crate::db::Conn,
    cal: &crate::domain::calendar::Calendar,
) -> AppResult<Vec<crate::deadlines::Task>> {
    let now = state.clock.now_ms();
    let today = shanghai_date(state.clock.now());
    let term = crate::db::settings::snapshot(c, now)
        .await?
        .int("payment.term_days")
        .unwrap_or(30);
    let mut out = Vec::new();
    for k in crate::contract::still_open(c, None).await? {
        let s = crate::ledger::summary(c, &k, now).await?;
        for i in &s.installments {
            let left = (i.amount_fen - i.paid_fen).min(s.remaining_fen);
            let Some(since) = i.payable_since.filter(|_| i.payable && left > 0) else {
                continue;
            };
            let due = shanghai_date(crate::clock::from_ms(since)) + time::Duration::days(term);
            out.push(crate::deadlines::Task {
                what: "queue-payable".into(),
                entity_id: k.id * 100 + i.pos,
                due_on: crate::domain::calendar::iso_date(due),
                days_left: crate::domain::application::days_left(cal, today, due, false),
                working: false,
                subject: format!(
                    "{} · {} · {} · ¥{}",
                    k.number,
                    k.title,
                    k.org_name,
                    crate::domain::money::Money::from_fen(left).grouped()
                ),
                link: format!("/finance/contracts/{}", k.id),
            });
        }
    }
    Ok(out)
}

//! The dashboard: the person's work list (every task waiting on them, soonest first, each a
//! link to where it is done), then one panel per role they hold and per organization they
//! belong to, with the links of that role's job.

use crate::db::{mail, users};
use crate::domain::calendar::shanghai_date;
use crate::domain::role::Role;
use crate::platform::app::AppState;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::AppResult;
use crate::web::ctx::Page;
use crate::web::template::Template;
use rocket::{get, routes, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![dashboard]
}

/// Years the admin must be warned about: this year, and next year from November (when the
/// State Council publishes it), if their working-day table is missing.
pub fn calendar_warnings(state: &AppState) -> Vec<i32> {
    let (first, last) = crate::deadlines::calendar_years_due(shanghai_date(state.clock.now()));
    state.calendars.now().missing_years(first, last)
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
        let pending = mail::pending(&mut c).await?;
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
    let tasks = {
        let mut c = state.db.acquire().await?;
        let cal = state.calendars.now();
        crate::deadlines::tasks(
            &mut c,
            &crate::deadlines::Scope::of(user),
            &cal,
            shanghai_date(state.clock.now()),
            state.clock.now_ms(),
        )
        .await?
    };
    // Lists cut short make the number a floor.
    let task_count = crate::deadlines::TaskCount::of(&tasks).shown();
    Ok(page.render(
        "dashboard",
        json!({ "panels": panels, "memberships": user.memberships, "admin": admin,
                "task_count": task_count, "task_cap": crate::deadlines::store::queue::CAP, "tasks": tasks }),
    ))
}

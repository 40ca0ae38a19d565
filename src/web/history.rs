//! Read from the audit trail: the history tab staff see on every entity, and the public page
//! of published daily heads.

use crate::db::audit;
use crate::platform::app::AppState;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::web::ctx::Page;
use rocket::{get, routes, Route, State};
use rocket_dyn_templates::Template;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![history, heads]
}

/// Entities that have a history tab.
pub const ENTITIES: &[&str] = &[
    "user", "org", "setting", "mail", "settings", "demo", "calendar",
];

#[get("/history/<entity>/<id>")]
async fn history(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    entity: &str,
    id: &str,
) -> AppResult<Template> {
    if user.grants.is_empty() {
        return Err(AppError::Forbidden);
    }
    if !ENTITIES.contains(&entity) {
        return Err(AppError::NotFound);
    }
    let mut c = state.db.acquire().await?;
    let items = audit::for_entity(&mut c, entity, id).await?;
    Ok(page.render(
        "history",
        json!({ "entity": entity, "id": id, "items": items }),
    ))
}

#[get("/audit/heads")]
async fn heads(page: Page, state: &State<AppState>) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    // A head an hour: the page shows the newest ones, verification reads them all.
    let published = audit::published_limited(&mut c, 200).await?;
    let (seq, hash) = audit::head(&mut c).await?;
    Ok(page.render(
        "audit_heads",
        json!({ "published": published, "current": { "seq": seq, "hash": hash } }),
    ))
}

//! An organization's service-purchase page: the service categories it follows (new projects
//! and intentions in them are mailed to its admins) and the projects it obtained documents for
//! or bid on, with links to its own bids.

use crate::db::projects as store;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::OrgId;
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::template::Template;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![index, follow]
}

#[get("/orgs/<org>/procurement")]
async fn index(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
) -> AppResult<Template> {
    let Some(m) = user.membership(org) else {
        return Err(AppError::Forbidden);
    };
    let mut c = state.db.acquire().await?;
    let categories = store::categories(&mut c).await?;
    let follows = store::follows(&mut c, org.0).await?;
    let cats: Vec<_> = categories
        .iter()
        .map(|k| json!({ "c": k, "on": follows.contains(&k.code) }))
        .collect();
    let rows = store::taken_up_by(&mut c, org.0).await?;
    let projects: Vec<_> = rows
        .into_iter()
        .map(|(number, title, status, _)| json!({ "number": number, "title": title, "status": status }))
        .collect();
    Ok(page.render(
        "projects/org",
        json!({ "org": { "id": org.0, "name": m.org_name }, "cats": cats, "projects": projects,
                "admin": user.is_org_admin(org) }),
    ))
}

#[derive(FromForm)]
pub struct FollowForm {
    category: Vec<String>,
}

#[post("/orgs/<org>/procurement/follows", data = "<form>")]
async fn follow(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
    form: CsrfForm<FollowForm>,
) -> AppResult<Reply> {
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    let mut c = state.db.acquire().await?;
    let known: Vec<String> = store::categories(&mut c)
        .await?
        .into_iter()
        .map(|k| k.code)
        .collect();
    drop(c);
    let mut chosen: Vec<String> = form
        .into_inner()
        .category
        .into_iter()
        .filter(|k| known.contains(k))
        .collect();
    chosen.sort();
    chosen.dedup();
    Procurement::of(state)
        .set_follows(user.id(), org.0, &chosen)
        .await?;
    Ok(Reply::flash(
        format!("/orgs/{}/procurement", org.0),
        page.t("flash-follows-saved"),
    ))
}

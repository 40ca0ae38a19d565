//! An organization's declaration for the related-supplier rule (政府采购法实施条例 art. 18): its
//! person in charge, and the units that directly control or manage it or that it directly
//! controls or manages. Members read it; its admins declare and end entries.

use crate::domain::application::mask_id_number;
use crate::domain::id_number::IdNumber;
use crate::domain::uscc::Uscc;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::OrgId;
use crate::procurement::related::{self, Declaration};
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![show, declare, end]
}

async fn relations_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    org: OrgId,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let Some(m) = user.membership(org) else {
        return Err(AppError::Forbidden);
    };
    let mut c = state.db.acquire().await?;
    let declared = related::declared(&mut c, org.0).await?;
    Ok(page.render(
        "orgs/relations",
        json!({ "org": { "id": org.0, "name": m.org_name }, "declared": declared,
                "admin": user.is_org_admin(org), "values": values, "errors": errors }),
    ))
}

#[get("/orgs/<org>/relations")]
async fn show(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
) -> AppResult<Template> {
    relations_page(&page, state, user, org, json!({}), FormErrors::default()).await
}

#[derive(FromForm)]
pub struct DeclareForm {
    kind: Option<String>,
    name: Option<String>,
    id_number: Option<String>,
    uscc: Option<String>,
}

#[post("/orgs/<org>/relations", data = "<form>")]
async fn declare(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
    form: CsrfForm<DeclareForm>,
) -> AppResult<Reply> {
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    let f = form.into_inner();
    let kind = text(&f.kind);
    let name = text(&f.name).trim().to_string();
    let mut errors = FormErrors::default();
    let (value, label) = if kind == "head" {
        let raw = text(&f.id_number).trim().to_uppercase();
        match IdNumber::parse(&raw) {
            Some(idn) => (
                idn.keyed_hash(&state.keys.identity.bytes),
                format!("{name}（{}）", mask_id_number(&raw)),
            ),
            None => {
                errors.add(page.lang, "id_number", "err-related-id-number");
                (String::new(), String::new())
            }
        }
    } else {
        match Uscc::parse(text(&f.uscc).trim()) {
            Ok(u) => (u.as_str().to_string(), name.clone()),
            Err(_) => {
                errors.add(page.lang, "uscc", "err-related-uscc");
                (String::new(), String::new())
            }
        }
    };
    if name.chars().count() < 2 {
        errors.add(page.lang, "name", "err-related-label");
    }
    if errors.is_empty() {
        let d = Declaration {
            kind,
            value: &value,
            label: &label,
        };
        match Procurement::of(state)
            .declare_relation(org.0, &d, user.id())
            .await?
        {
            Ok(_) => {
                return Ok(Reply::flash(
                    format!("/orgs/{}/relations", org.0),
                    page.t("flash-related-declared"),
                ))
            }
            Err(key) => errors.add(page.lang, "kind", key),
        }
    }
    let values = json!({ "kind": kind, "name": name, "uscc": text(&f.uscc) });
    let t = relations_page(&page, state, user, org, values, errors).await?;
    Ok(Reply::page(Http::UnprocessableEntity, t))
}

#[post("/orgs/<org>/relations/<id>/end", data = "<_csrf>")]
async fn end(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
    id: i64,
    _csrf: CsrfForm<crate::web::forms::Empty>,
) -> AppResult<Reply> {
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    if !Procurement::of(state)
        .end_relation(org.0, id, user.id())
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Reply::flash(
        format!("/orgs/{}/relations", org.0),
        page.t("flash-related-ended"),
    ))
}

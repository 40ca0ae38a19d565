//! The procurement supervisor's approvals of a method other than 公开招标 (政府采购法 art. 27):
//! the drafts whose budget reaches their category's open-tender threshold, each approved with
//! its reason before the purchaser may publish it; the approval (who, when, why) is shown on
//! the project's notice.

use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::{role, Staff};
use crate::platform::error::AppResult;
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![index, approve]
}

type Supervisor<'r> = Staff<'r, role::ProcurementSupervisor>;

async fn page_of(
    page: &Page,
    state: &AppState,
    errors: FormErrors,
    reasons: serde_json::Value,
) -> AppResult<Template> {
    let waiting = Procurement::of(state).method_approval_queue().await?;
    let rows: Vec<_> = waiting
        .iter()
        .map(|w| {
            let label = crate::domain::procurement::Method::parse(&w.method)
                .map(|m| page.t(&m.label_key()))
                .unwrap_or_default();
            json!({ "w": w, "method_label": label })
        })
        .collect();
    Ok(page.render(
        "purchase/method_approvals",
        json!({ "rows": rows, "errors": errors, "reasons": reasons }),
    ))
}

#[get("/method-approvals")]
async fn index(page: Page, state: &State<AppState>, _staff: Supervisor<'_>) -> AppResult<Template> {
    page_of(&page, state, FormErrors::default(), json!({})).await
}

#[derive(FromForm)]
pub struct ApprovalForm {
    reason: Option<String>,
}

#[post("/method-approvals/<id>", data = "<form>")]
async fn approve(
    page: Page,
    state: &State<AppState>,
    staff: Supervisor<'_>,
    id: i64,
    form: CsrfForm<ApprovalForm>,
) -> AppResult<Reply> {
    let reason = text(&form.into_inner().reason).to_string();
    match Procurement::of(state)
        .approve_method(id, &reason, staff.user.id())
        .await?
    {
        Ok(_) => Ok(Reply::flash(
            "/method-approvals",
            page.t("flash-method-approved"),
        )),
        Err(key) => {
            let mut e = FormErrors::default();
            e.add(page.lang, &format!("reason-{id}"), key);
            let t = page_of(&page, state, e, json!({ id.to_string(): reason })).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

//! The expert library (DOMAIN §5): the experts (users holding the expert role) with their
//! fields, kept by the procurement supervisor. Panels are drawn from it.

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
    routes![index, save]
}

type Supervisor<'r> = Staff<'r, role::ProcurementSupervisor>;

async fn page_of(page: &Page, state: &AppState, errors: FormErrors) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let experts = crate::db::experts::library(&mut c).await?;
    let categories = crate::db::projects::categories(&mut c).await?;
    Ok(page.render(
        "experts/index",
        json!({ "experts": experts, "errors": errors, "pools": crate::db::experts::POOLS,
                "categories": categories }),
    ))
}

#[get("/experts")]
async fn index(page: Page, state: &State<AppState>, _staff: Supervisor<'_>) -> AppResult<Template> {
    page_of(&page, state, FormErrors::default()).await
}

#[derive(FromForm)]
pub struct FieldsForm {
    fields: Option<String>,
    /// The libraries ticked (procurement, evaluation).
    pool: Vec<String>,
    /// The service categories ticked.
    category: Vec<String>,
}

#[post("/experts/<user>", data = "<form>")]
async fn save(
    page: Page,
    state: &State<AppState>,
    staff: Supervisor<'_>,
    user: i64,
    form: CsrfForm<FieldsForm>,
) -> AppResult<Reply> {
    let form = form.into_inner();
    let fields = text(&form.fields).to_string();
    if fields.chars().count() > 500 {
        let mut e = FormErrors::default();
        e.add(page.lang, &format!("fields-{user}"), "err-expert-fields");
        let t = page_of(&page, state, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    Procurement::of(state)
        .set_expert_fields(staff.user.id(), user, &fields, &form.pool, &form.category)
        .await?;
    Ok(Reply::flash("/experts", page.t("flash-expert-fields")))
}

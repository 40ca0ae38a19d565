//! The expert library (DOMAIN §5): the experts (users holding the expert role) with their
//! fields, kept by the procurement supervisor. Panels are drawn from it.

use crate::platform::app::AppState;
use crate::platform::audit::Actor;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::{role, Staff};
use crate::platform::error::{AppError, AppResult};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::Template;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![index, save]
}

type Supervisor<'r> = Staff<'r, role::ProcurementSupervisor>;

async fn page_of(page: &Page, state: &AppState, errors: FormErrors) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT DISTINCT u.id, u.display_name, u.email, f.fields FROM role_grants g JOIN users u ON u.id = g.user_id \
         LEFT JOIN expert_fields f ON f.user_id = u.id WHERE g.role = 'expert' AND g.revoked_at IS NULL ORDER BY u.id",
    )
    .fetch_all(&mut *c)
    .await?;
    let experts: Vec<_> = rows
        .into_iter()
        .map(|(id, name, email, fields)| json!({ "id": id, "name": name, "email": email, "fields": fields }))
        .collect();
    Ok(page.render(
        "experts/index",
        json!({ "experts": experts, "errors": errors }),
    ))
}

#[get("/experts")]
async fn index(page: Page, state: &State<AppState>, _staff: Supervisor<'_>) -> AppResult<Template> {
    page_of(&page, state, FormErrors::default()).await
}

#[derive(FromForm)]
pub struct FieldsForm {
    fields: Option<String>,
}

#[post("/experts/<user>", data = "<form>")]
async fn save(
    page: Page,
    state: &State<AppState>,
    staff: Supervisor<'_>,
    user: i64,
    form: CsrfForm<FieldsForm>,
) -> AppResult<Reply> {
    let fields = text(&form.into_inner().fields).to_string();
    if fields.chars().count() > 500 {
        let mut e = FormErrors::default();
        e.add(page.lang, &format!("fields-{user}"), "err-expert-fields");
        let t = page_of(&page, state, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_write().await?;
    let expert: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM role_grants WHERE user_id = $1 AND role = 'expert' AND revoked_at IS NULL",
    )
    .bind(user)
    .fetch_one(&mut *tx)
    .await?;
    if expert == 0 {
        return Err(AppError::NotFound);
    }
    sqlx::query("DELETE FROM expert_fields WHERE user_id = $1")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO expert_fields (user_id, fields, updated_by, updated_at) VALUES ($1, $2, $3, $4)")
        .bind(user)
        .bind(&fields)
        .bind(staff.user.id().0)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    state
        .audit(
            &mut tx,
            Actor::User(staff.user.id()),
            "expert.fields",
            ("user", user.to_string()),
            json!({ "fields": fields }),
        )
        .await?;
    tx.commit().await?;
    Ok(Reply::flash("/experts", page.t("flash-expert-fields")))
}

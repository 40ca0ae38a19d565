//! Password reset by a mailed one-time token (one hour). A new password ends every session.

use crate::db;
use crate::db::tokens::Purpose;
use crate::domain::email::EmailAddress;
use crate::platform::accounts::Accounts;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::session::Client;
use crate::platform::auth::{password, tokens};
use crate::platform::error::{AppError, AppResult};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{check_new_password_pair, text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![forgot_form, forgot, reset_form, reset]
}

#[get("/password/forgot")]
fn forgot_form(page: Page) -> Template {
    page.render(
        "account/forgot",
        json!({ "values": {}, "errors": FormErrors::default() }),
    )
}

#[derive(FromForm)]
pub struct ForgotForm {
    email: Option<String>,
}

#[post("/password/forgot", data = "<form>")]
async fn forgot(
    page: Page,
    state: &State<AppState>,
    form: CsrfForm<ForgotForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let Some(email) = EmailAddress::parse(text(&f.email)) else {
        let mut errors = FormErrors::default();
        errors.add(page.lang, "email", "err-email-invalid");
        return Ok(Reply::page(
            Status::UnprocessableEntity,
            page.render(
                "account/forgot",
                json!({ "values": { "email": text(&f.email) }, "errors": errors }),
            ),
        ));
    };
    Accounts::of(state).request_reset(&email).await?;
    Ok(Reply::page(
        Status::Ok,
        page.render("account/sent", json!({ "kind": "reset" })),
    ))
}

#[get("/password/reset/<token>")]
async fn reset_form(page: Page, state: &State<AppState>, token: &str) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let valid = db::tokens::is_valid(
        &mut c,
        Purpose::ResetPassword,
        &tokens::digest(token),
        state.clock.now_ms(),
    )
    .await?;
    Ok(page.render(
        "account/reset",
        json!({ "token": token, "valid": valid, "errors": FormErrors::default() }),
    ))
}

#[derive(FromForm)]
pub struct ResetForm {
    password: Option<String>,
    password_confirm: Option<String>,
}

#[post("/password/reset/<token>", data = "<form>")]
async fn reset(
    client: Client,
    page: Page,
    state: &State<AppState>,
    token: &str,
    form: CsrfForm<ResetForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let pw = f.password.clone().unwrap_or_default();
    let mut errors = FormErrors::default();
    check_new_password_pair(
        &mut errors,
        page.lang,
        &pw,
        f.password_confirm.as_deref(),
        "",
    );
    if !errors.is_empty() {
        return Ok(Reply::page(
            Status::UnprocessableEntity,
            page.render(
                "account/reset",
                json!({ "token": token, "valid": true, "errors": errors }),
            ),
        ));
    }
    let hash = password::hash_off_thread(&pw, state.config.password_hash)
        .await
        .map_err(AppError::Internal)?;
    Accounts::of(state)
        .reset_password(token, &hash, &client.address)
        .await?;
    Ok(Reply::flash("/login", page.t("flash-password-reset")))
}

//! Password reset by a mailed one-time token (one hour). A new password ends every session.

use crate::db::tokens::Purpose;
use crate::db::{self, throttle, users};
use crate::domain::email::EmailAddress;
use crate::domain::lang::Lang;
use crate::platform::app::AppState;
use crate::platform::audit::Actor;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::{password, tokens};
use crate::platform::error::{AppError, AppResult};
use crate::platform::mail::Recipient;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{check_new_password_pair, text, FormErrors};
use rocket::http::Status;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::Template;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![forgot_form, forgot, reset_form, reset]
}

const RESET_TTL_MS: i64 = 3600 * 1000;

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
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_write().await?;
    if let Some(user) = users::by_email(&mut tx, email.as_str()).await? {
        let token = tokens::new_token();
        db::tokens::insert(
            &mut tx,
            user.id,
            Purpose::ResetPassword,
            &tokens::digest(&token),
            now,
            now + RESET_TTL_MS,
        )
        .await?;
        let lang = Lang::parse(&user.preferred_lang).unwrap_or_default();
        let to = Recipient {
            addr: &user.email,
            user: Some(user.id),
            lang,
        };
        state
            .mailer
            .queue(
                &mut tx,
                to,
                "reset_password",
                &json!({ "name": user.display_name, "token": token }),
                now,
            )
            .await?;
        let entity = ("user", user.id.to_string());
        state
            .audit(
                &mut tx,
                Actor::Anonymous,
                "user.password_reset_requested",
                entity,
                json!({}),
            )
            .await?;
    }
    tx.commit().await?;
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
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_write().await?;
    let Some(user) =
        db::tokens::consume(&mut tx, Purpose::ResetPassword, &tokens::digest(token), now).await?
    else {
        return Err(AppError::BadRequest("err-token-invalid"));
    };
    db::tokens::revoke_all(&mut tx, user, Purpose::ResetPassword, now).await?;
    // A new password ends every session of the account.
    users::set_password(&mut tx, user, &hash).await?;
    // Receiving the mail proves the address, so an unconfirmed account is confirmed too.
    users::confirm_email(&mut tx, user, now).await?;
    if let Some(u) = users::by_id(&mut tx, user).await? {
        throttle::clear(&mut tx, &format!("acct:{}", u.email)).await?;
    }
    state
        .audit(
            &mut tx,
            Actor::User(user),
            "user.password_reset",
            ("user", user.to_string()),
            json!({}),
        )
        .await?;
    tx.commit().await?;
    Ok(Reply::flash("/login", page.t("flash-password-reset")))
}

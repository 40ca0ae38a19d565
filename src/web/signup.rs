//! Sign-up with email confirmation by a mailed one-time token. The answer is the same whether
//! or not the address has an account, so sign-up cannot be used to find accounts.

use crate::db;
use crate::db::tokens::Purpose;
use crate::domain::email::EmailAddress;
use crate::domain::id_number::IdNumber;
use crate::platform::accounts::{Accounts, SignUp};
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::{password, tokens};
use crate::platform::error::{AppError, AppResult};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{
    check_name, check_new_password_pair, check_phone, text, Empty, FormErrors,
};
use crate::web::template::Template;
use rocket::http::Status;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![signup_form, signup, signup_sent, confirm_form, confirm]
}

#[get("/signup")]
fn signup_form(page: Page) -> Template {
    page.render(
        "account/signup",
        json!({ "values": {}, "errors": FormErrors::default() }),
    )
}

#[derive(FromForm)]
pub struct SignupForm {
    display_name: Option<String>,
    email: Option<String>,
    password: Option<String>,
    password_confirm: Option<String>,
    phone: Option<String>,
    id_number: Option<String>,
}

#[post("/signup", data = "<form>")]
async fn signup(
    page: Page,
    state: &State<AppState>,
    form: CsrfForm<SignupForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let lang = page.lang;
    let mut errors = FormErrors::default();
    let name = text(&f.display_name);
    check_name(&mut errors, lang, name);
    let email = EmailAddress::parse(text(&f.email));
    if email.is_none() {
        errors.add(lang, "email", "err-email-invalid");
    }
    let pw = f.password.clone().unwrap_or_default();
    check_new_password_pair(
        &mut errors,
        lang,
        &pw,
        f.password_confirm.as_deref(),
        text(&f.email),
    );
    let phone = text(&f.phone);
    check_phone(&mut errors, lang, phone);
    let id_raw = text(&f.id_number);
    let id_number = if id_raw.is_empty() {
        None
    } else {
        IdNumber::parse(id_raw)
    };
    if !id_raw.is_empty() && id_number.is_none() {
        errors.add(lang, "id_number", "err-id-number-invalid");
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        let values = json!({ "display_name": name, "email": text(&f.email), "phone": phone, "id_number": id_raw });
        return Ok(Reply::page(
            Status::UnprocessableEntity,
            page.render(
                "account/signup",
                json!({ "values": values, "errors": errors }),
            ),
        ));
    };
    let hash = password::hash_off_thread(&pw, state.config.password_hash)
        .await
        .map_err(AppError::Internal)?;
    Accounts::of(state)
        .sign_up(&SignUp {
            name,
            email: &email,
            phone,
            lang,
            password_hash: &hash,
            id_hash: id_number.map(|n| n.keyed_hash(&state.keys.identity.bytes)),
            key_id: state.keys.identity.id.as_str(),
        })
        .await?;
    Ok(Reply::to("/signup/sent"))
}

#[get("/signup/sent")]
fn signup_sent(page: Page) -> Template {
    page.render("account/sent", json!({ "kind": "signup" }))
}

#[get("/confirm/<token>")]
async fn confirm_form(page: Page, state: &State<AppState>, token: &str) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let valid = db::tokens::is_valid(
        &mut c,
        Purpose::ConfirmEmail,
        &tokens::digest(token),
        state.clock.now_ms(),
    )
    .await?;
    Ok(page.render("account/confirm", json!({ "token": token, "valid": valid })))
}

#[post("/confirm/<token>", data = "<_form>")]
async fn confirm(
    page: Page,
    state: &State<AppState>,
    token: &str,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    Accounts::of(state).confirm_email(token).await?;
    Ok(Reply::flash("/login", page.t("flash-email-confirmed")))
}

//! Accounts: sign-up with email confirmation, login with database-kept throttling, logout,
//! logout everywhere, password reset by a mailed one-time token, and the profile page.

use crate::app::AppState;
use crate::audit::Actor;
use crate::auth::csrf::{self, CsrfForm};
use crate::auth::guards::CurrentUser;
use crate::auth::{password, session, tokens};
use crate::db::tokens::Purpose;
use crate::db::{self, throttle, users};
use crate::domain::email::EmailAddress;
use crate::domain::id_number::IdNumber;
use crate::domain::lang::Lang;
use crate::domain::password::check_new_password;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::mail::Recipient;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{safe_next, text, Empty, FormErrors};
use rocket::http::CookieJar;
use rocket::http::Status;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::Template;
use serde_json::json;
use std::net::IpAddr;

pub fn routes() -> Vec<Route> {
    routes![
        login_form,
        login,
        logout,
        signup_form,
        signup,
        signup_sent,
        confirm_form,
        confirm,
        forgot_form,
        forgot,
        reset_form,
        reset,
        account,
        profile,
        logout_all
    ]
}

const CONFIRM_TTL_MS: i64 = 48 * 3600 * 1000;
const RESET_TTL_MS: i64 = 3600 * 1000;

#[get("/login?<next>")]
fn login_form(page: Page, next: Option<String>) -> Template {
    page.render("account/login", json!({ "next": safe_next(next.as_deref()), "values": {}, "errors": FormErrors::default() }))
}

#[derive(FromForm)]
pub struct LoginForm {
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

fn login_again(page: &Page, status: Status, f: &LoginForm, errors: FormErrors) -> Reply {
    Reply::page(
        status,
        page.render(
            "account/login",
            json!({ "next": safe_next(f.next.as_deref()), "values": { "email": text(&f.email) }, "errors": errors }),
        ),
    )
}

#[post("/login", data = "<form>")]
async fn login(
    jar: &CookieJar<'_>,
    ip: Option<IpAddr>,
    page: Page,
    state: &State<AppState>,
    form: CsrfForm<LoginForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let email = text(&f.email).to_lowercase();
    let pw = f.password.clone().unwrap_or_default();
    let now = state.clock.now_ms();
    let keys = [
        format!("acct:{email}"),
        format!(
            "ip:{}",
            ip.map(|i| i.to_string())
                .unwrap_or_else(|| "unknown".into())
        ),
    ];
    let mut c = state.db.acquire().await?;
    for key in &keys {
        if let Some(until) = throttle::locked_until(&mut c, key, now).await? {
            let minutes = ((until - now) + 59_999) / 60_000;
            let mut errors = FormErrors::default();
            errors.add_text(
                "email",
                i18n::t_args(
                    page.lang,
                    "err-login-throttled",
                    &[("minutes", minutes.to_string())],
                ),
            );
            return Ok(login_again(&page, Status::TooManyRequests, &f, errors));
        }
    }
    let user = users::by_email(&mut c, &email).await?;
    let ok = match &user {
        Some(u) => password::verify(&pw, &u.password_hash) && u.disabled_at.is_none(),
        None => {
            password::verify(&pw, &state.dummy_hash);
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        for key in &keys {
            throttle::record_failure(&mut c, key, now).await?;
        }
        let mut errors = FormErrors::default();
        errors.add(page.lang, "email", "err-login-failed");
        return Ok(login_again(&page, Status::UnprocessableEntity, &f, errors));
    };
    if user.email_confirmed_at.is_none() {
        let mut errors = FormErrors::default();
        errors.add(page.lang, "email", "err-login-unconfirmed");
        return Ok(login_again(&page, Status::UnprocessableEntity, &f, errors));
    }
    throttle::clear(&mut c, &keys[0]).await?;
    let secure = state.config.secure_cookies;
    csrf::rotate(jar, secure);
    session::start(
        jar,
        session::CookiePolicy { secure },
        user.id,
        user.session_epoch,
        &state.keys.cookie.id,
    );
    Ok(Reply::to(
        safe_next(f.next.as_deref()).unwrap_or_else(|| "/dashboard".into()),
    ))
}

#[post("/logout", data = "<_form>")]
fn logout(
    jar: &CookieJar<'_>,
    page: Page,
    state: &State<AppState>,
    _form: CsrfForm<Empty>,
) -> Reply {
    session::end(jar);
    csrf::rotate(jar, state.config.secure_cookies);
    Reply::flash("/", page.t("flash-logged-out"))
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

fn valid_phone(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits) && p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
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
    if name.is_empty() {
        errors.add(lang, "display_name", "err-name-required");
    } else if name.chars().count() > 50 {
        errors.add(lang, "display_name", "err-name-long");
    }
    let email = EmailAddress::parse(text(&f.email));
    if email.is_none() {
        errors.add(lang, "email", "err-email-invalid");
    }
    let pw = f.password.clone().unwrap_or_default();
    if let Err(p) = check_new_password(&pw, text(&f.email)) {
        errors.add(lang, "password", p.message_key());
    } else if f.password_confirm.as_deref() != Some(pw.as_str()) {
        errors.add(lang, "password_confirm", "err-password-mismatch");
    }
    let phone = text(&f.phone);
    if !phone.is_empty() && !valid_phone(phone) {
        errors.add(lang, "phone", "err-phone-invalid");
    }
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
        let values = json!({ "display_name": name, "email": text(&f.email), "phone": phone });
        return Ok(Reply::page(
            Status::UnprocessableEntity,
            page.render(
                "account/signup",
                json!({ "values": values, "errors": errors }),
            ),
        ));
    };
    let hash = password::hash(&pw, state.config.password_hash).map_err(AppError::Internal)?;
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_write().await?;
    let to = Recipient {
        addr: email.as_str(),
        user: None,
        lang,
    };
    if let Some(existing) = users::by_email(&mut tx, email.as_str()).await? {
        // Say the same as for a new account (no account enumeration); tell the owner by mail.
        let to = Recipient {
            user: Some(existing.id),
            ..to
        };
        state
            .mailer
            .queue(
                &mut tx,
                to,
                "already_registered",
                &json!({ "name": existing.display_name }),
                now,
            )
            .await?;
        let entity = ("user", existing.id.to_string());
        state
            .audit(
                &mut tx,
                Actor::Anonymous,
                "user.signup_existing_email",
                entity,
                json!({}),
            )
            .await?;
    } else {
        let id_hash = id_number.map(|n| n.keyed_hash(&state.keys.identity.bytes));
        let key_id = state.keys.identity.id.as_str();
        let person =
            users::person_for(&mut tx, name, id_hash.as_deref().map(|h| (h, key_id)), now).await?;
        let user = users::insert(
            &mut tx,
            users::NewUser {
                person_id: person,
                email: email.as_str(),
                display_name: name,
                phone: (!phone.is_empty()).then_some(phone),
                preferred_lang: lang.code(),
                password_hash: &hash,
                email_confirmed_at: None,
                now,
            },
        )
        .await?;
        let token = tokens::new_token();
        db::tokens::insert(
            &mut tx,
            user,
            Purpose::ConfirmEmail,
            &tokens::digest(&token),
            now,
            now + CONFIRM_TTL_MS,
        )
        .await?;
        let to = Recipient {
            user: Some(user),
            ..to
        };
        state
            .mailer
            .queue(
                &mut tx,
                to,
                "confirm_email",
                &json!({ "name": name, "token": token }),
                now,
            )
            .await?;
        let summary = json!({ "person": person, "id_number_given": id_hash.is_some() });
        state
            .audit(
                &mut tx,
                Actor::Anonymous,
                "user.signed_up",
                ("user", user.to_string()),
                summary,
            )
            .await?;
    }
    tx.commit().await?;
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
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_write().await?;
    let Some(user) =
        db::tokens::consume(&mut tx, Purpose::ConfirmEmail, &tokens::digest(token), now).await?
    else {
        return Err(AppError::BadRequest("err-token-invalid"));
    };
    users::confirm_email(&mut tx, user, now).await?;
    state
        .audit(
            &mut tx,
            Actor::User(user),
            "user.email_confirmed",
            ("user", user.to_string()),
            json!({}),
        )
        .await?;
    tx.commit().await?;
    Ok(Reply::flash("/login", page.t("flash-email-confirmed")))
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
    if let Err(p) = check_new_password(&pw, "") {
        errors.add(page.lang, "password", p.message_key());
    } else if f.password_confirm.as_deref() != Some(pw.as_str()) {
        errors.add(page.lang, "password_confirm", "err-password-mismatch");
    }
    if !errors.is_empty() {
        return Ok(Reply::page(
            Status::UnprocessableEntity,
            page.render(
                "account/reset",
                json!({ "token": token, "valid": true, "errors": errors }),
            ),
        ));
    }
    let hash = password::hash(&pw, state.config.password_hash).map_err(AppError::Internal)?;
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_write().await?;
    let Some(user) =
        db::tokens::consume(&mut tx, Purpose::ResetPassword, &tokens::digest(token), now).await?
    else {
        return Err(AppError::BadRequest("err-token-invalid"));
    };
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

#[get("/account")]
async fn account(page: Page, state: &State<AppState>, user: &CurrentUser) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let history = db::roles::history_for_user(&mut c, user.id()).await?;
    Ok(page.render(
        "account/account",
        json!({
            "profile": { "display_name": user.user.display_name, "email": user.user.email, "phone": user.user.phone },
            "grants": history,
            "memberships": user.memberships,
            "errors": FormErrors::default(),
        }),
    ))
}

#[derive(FromForm)]
pub struct ProfileForm {
    display_name: Option<String>,
    phone: Option<String>,
}

#[post("/account/profile", data = "<form>")]
async fn profile(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    form: CsrfForm<ProfileForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let name = text(&f.display_name);
    let phone = text(&f.phone);
    let mut errors = FormErrors::default();
    if name.is_empty() {
        errors.add(page.lang, "display_name", "err-name-required");
    } else if name.chars().count() > 50 {
        errors.add(page.lang, "display_name", "err-name-long");
    }
    if !phone.is_empty() && !valid_phone(phone) {
        errors.add(page.lang, "phone", "err-phone-invalid");
    }
    if !errors.is_empty() {
        let mut c = state.db.acquire().await?;
        let history = db::roles::history_for_user(&mut c, user.id()).await?;
        return Ok(Reply::page(
            Status::UnprocessableEntity,
            page.render(
                "account/account",
                json!({
                    "profile": { "display_name": name, "email": user.user.email, "phone": phone },
                    "grants": history, "memberships": user.memberships, "errors": errors,
                }),
            ),
        ));
    }
    let mut tx = state.db.begin_write().await?;
    users::set_profile(
        &mut tx,
        user.id(),
        name,
        (!phone.is_empty()).then_some(phone),
    )
    .await?;
    let summary = json!({
        "display_name_changed": name != user.user.display_name,
        "phone_changed": user.user.phone.as_deref().unwrap_or("") != phone,
    });
    state
        .audit(
            &mut tx,
            Actor::User(user.id()),
            "user.profile_changed",
            ("user", user.id().to_string()),
            summary,
        )
        .await?;
    tx.commit().await?;
    Ok(Reply::flash("/account", page.t("flash-saved")))
}

#[post("/account/logout-all", data = "<_form>")]
async fn logout_all(
    jar: &CookieJar<'_>,
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    let mut tx = state.db.begin_write().await?;
    users::bump_epoch(&mut tx, user.id()).await?;
    state
        .audit(
            &mut tx,
            Actor::User(user.id()),
            "user.sessions_ended",
            ("user", user.id().to_string()),
            json!({}),
        )
        .await?;
    tx.commit().await?;
    session::end(jar);
    csrf::rotate(jar, state.config.secure_cookies);
    Ok(Reply::flash(
        "/login",
        page.t("flash-logged-out-everywhere"),
    ))
}

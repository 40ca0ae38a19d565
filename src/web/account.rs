//! Signing in and out: login with database-kept throttling, logout, logout everywhere, and the
//! account page with the profile.

use crate::db::{self, throttle, users};
use crate::platform::accounts::Accounts;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::{self, CsrfForm};
use crate::platform::auth::guards::CurrentUser;
use crate::platform::auth::{password, session};
use crate::platform::error::AppResult;
use crate::platform::i18n;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{check_name, check_phone, safe_next, text, Empty, FormErrors};
use rocket::http::CookieJar;
use rocket::http::Status;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::Template;
use serde_json::json;
use std::net::IpAddr;

pub fn routes() -> Vec<Route> {
    routes![login_form, login, logout, account, profile, logout_all]
}

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
    // Count the attempt first: parallel guesses cannot all pass a check made before counting.
    let mut locked: Option<i64> = None;
    for key in &keys {
        if let Some(until) = throttle::attempt(&mut c, key, now).await? {
            locked = Some(locked.map_or(until, |l| l.max(until)));
        }
    }
    {
        if let Some(until) = locked {
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
        Some(u) => {
            password::verify_off_thread(&pw, &u.password_hash).await && u.disabled_at.is_none()
        }
        None => {
            password::verify_off_thread(&pw, &state.dummy_hash).await;
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        let mut errors = FormErrors::default();
        errors.add(page.lang, "email", "err-login-failed");
        return Ok(login_again(&page, Status::UnprocessableEntity, &f, errors));
    };
    // The right password: not a failure for the account, nor for a shared address.
    throttle::clear(&mut c, &keys[0]).await?;
    throttle::forgive_one(&mut c, &keys[1]).await?;
    if user.email_confirmed_at.is_none() {
        let mut errors = FormErrors::default();
        errors.add(page.lang, "email", "err-login-unconfirmed");
        return Ok(login_again(&page, Status::UnprocessableEntity, &f, errors));
    }
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

/// The account page, with the profile fields as given (stored, or as typed in a failed form).
async fn account_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    profile: (&str, Option<&str>),
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let history = db::roles::history_for_user(&mut c, user.id()).await?;
    Ok(page.render(
        "account/account",
        json!({
            "profile": { "display_name": profile.0, "email": user.user.email, "phone": profile.1 },
            "grants": history,
            "memberships": user.memberships,
            "errors": errors,
        }),
    ))
}

#[get("/account")]
async fn account(page: Page, state: &State<AppState>, user: &CurrentUser) -> AppResult<Template> {
    let profile = (user.user.display_name.as_str(), user.user.phone.as_deref());
    account_page(&page, state, user, profile, FormErrors::default()).await
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
    check_name(&mut errors, page.lang, name);
    check_phone(&mut errors, page.lang, phone);
    if !errors.is_empty() {
        let t = account_page(&page, state, user, (name, Some(phone)), errors).await?;
        return Ok(Reply::page(Status::UnprocessableEntity, t));
    }
    Accounts::of(state)
        .set_profile(&user.user, name, phone)
        .await?;
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
    Accounts::of(state).end_sessions(user.id()).await?;
    session::end(jar);
    csrf::rotate(jar, state.config.secure_cookies);
    Ok(Reply::flash(
        "/login",
        page.t("flash-logged-out-everywhere"),
    ))
}

//! Signing in and out: login (throttled per account and address, `platform::signin`), logout,
//! logout everywhere, and the account page: the profile, the live sessions (each can be ended)
//! and a password change that ends the other sessions.

use crate::db;
use crate::platform::accounts::Accounts;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::{self, CsrfForm};
use crate::platform::auth::guards::{CurrentSession, CurrentUser};
use crate::platform::auth::session::Client;
use crate::platform::auth::{password, session};
use crate::platform::error::{AppError, AppResult};
use crate::platform::i18n;
use crate::platform::sessions::Sessions;
use crate::platform::signin::{self, Outcome};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{
    check_name, check_new_password_pair, check_phone, safe_next, text, Empty, FormErrors,
};
use crate::web::template::Template;
use rocket::http::CookieJar;
use rocket::http::Status;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![
        login_form,
        login,
        logout,
        account,
        profile,
        change_password,
        end_session,
        logout_all
    ]
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
    client: Client,
    page: Page,
    state: &State<AppState>,
    form: CsrfForm<LoginForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let email = text(&f.email).to_lowercase();
    let pw = f.password.clone().unwrap_or_default();
    let mut errors = FormErrors::default();
    let sid = match signin::sign_in(state, &email, &pw, &client).await? {
        Outcome::Started(sid) => sid,
        Outcome::Throttled { minutes } => {
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
        Outcome::Failed => {
            errors.add(page.lang, "email", "err-login-failed");
            return Ok(login_again(&page, Status::UnprocessableEntity, &f, errors));
        }
        Outcome::Unconfirmed => {
            errors.add(page.lang, "email", "err-login-unconfirmed");
            return Ok(login_again(&page, Status::UnprocessableEntity, &f, errors));
        }
    };
    let secure = state.config.secure_cookies;
    csrf::rotate(jar, secure);
    session::start(
        jar,
        session::CookiePolicy { secure },
        &sid,
        &state.keys.cookie.id,
    );
    Ok(Reply::to(
        safe_next(f.next.as_deref()).unwrap_or_else(|| "/dashboard".into()),
    ))
}

#[post("/logout", data = "<_form>")]
async fn logout(
    jar: &CookieJar<'_>,
    page: Page,
    state: &State<AppState>,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    // The row goes: a copy of the cookie kept elsewhere signs nobody in any more.
    if let Some(cookie) = session::read(jar) {
        Sessions::of(state).end(&cookie.sid).await?;
    }
    session::end(jar);
    csrf::rotate(jar, state.config.secure_cookies);
    Ok(Reply::flash("/", page.t("flash-logged-out")))
}

/// What the account page's forms show again after a refusal.
#[derive(Default)]
struct Again<'a> {
    profile: Option<(&'a str, Option<&'a str>)>,
    errors: FormErrors,
}

/// The account page: the profile (stored, or as typed in a refused form), roles,
/// organizations, the live sessions with this one marked, and the security forms.
async fn account_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    current: CurrentSession,
    again: Again<'_>,
) -> AppResult<Template> {
    let history = {
        let mut c = state.db.acquire().await?;
        db::roles::history_for_user(&mut c, user.id()).await?
    };
    let sessions = Sessions::of(state)
        .list(user.id(), !user.grants.is_empty(), Some(current.0))
        .await?;
    let profile = again
        .profile
        .unwrap_or((user.user.display_name.as_str(), user.user.phone.as_deref()));
    Ok(page.render(
        "account/account",
        json!({
            "profile": { "display_name": profile.0, "email": user.user.email, "phone": profile.1 },
            "grants": history,
            "memberships": user.memberships,
            "sessions": sessions,
            "errors": again.errors,
        }),
    ))
}

#[get("/account")]
async fn account(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    current: CurrentSession,
) -> AppResult<Template> {
    account_page(&page, state, user, current, Again::default()).await
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
    current: CurrentSession,
    form: CsrfForm<ProfileForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let name = text(&f.display_name);
    let phone = text(&f.phone);
    let mut errors = FormErrors::default();
    check_name(&mut errors, page.lang, name);
    check_phone(&mut errors, page.lang, phone);
    if !errors.is_empty() {
        let again = Again {
            profile: Some((name, Some(phone))),
            errors,
        };
        let t = account_page(&page, state, user, current, again).await?;
        return Ok(Reply::page(Status::UnprocessableEntity, t));
    }
    Accounts::of(state)
        .set_profile(&user.user, name, phone)
        .await?;
    Ok(Reply::flash("/account", page.t("flash-saved")))
}

#[derive(FromForm)]
pub struct PasswordForm {
    current_password: Option<String>,
    password: Option<String>,
    password_confirm: Option<String>,
}

/// A new password, given the current one: the account's other sessions end, this one goes on.
#[post("/account/password", data = "<form>")]
async fn change_password(
    client: Client,
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    current: CurrentSession,
    form: CsrfForm<PasswordForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let pw = f.password.clone().unwrap_or_default();
    let mut errors = FormErrors::default();
    let old = f.current_password.clone().unwrap_or_default();
    let mut status = Status::UnprocessableEntity;
    match signin::check_current_password(state, &user.user, &old, &client).await? {
        None => {}
        Some(Outcome::Throttled { minutes }) => {
            status = Status::TooManyRequests;
            errors.add_text(
                "current_password",
                i18n::t_args(
                    page.lang,
                    "err-login-throttled",
                    &[("minutes", minutes.to_string())],
                ),
            );
        }
        Some(_) => errors.add(page.lang, "current_password", "err-current-password"),
    }
    check_new_password_pair(
        &mut errors,
        page.lang,
        &pw,
        f.password_confirm.as_deref(),
        &user.user.email,
    );
    if !errors.is_empty() {
        let again = Again {
            profile: None,
            errors,
        };
        let t = account_page(&page, state, user, current, again).await?;
        return Ok(Reply::page(status, t));
    }
    let hash = password::hash_off_thread(&pw, state.config.password_hash)
        .await
        .map_err(AppError::Internal)?;
    Accounts::of(state)
        .change_password(user.id(), current.0, &hash)
        .await?;
    Ok(Reply::flash("/account", page.t("flash-password-changed")))
}

/// Ends one of the user's sessions (another device, or this one).
#[post("/account/sessions/<id>/end", data = "<_form>")]
async fn end_session(
    jar: &CookieJar<'_>,
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    current: CurrentSession,
    id: i64,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    if !Sessions::of(state).end_one(user.id(), id).await? {
        return Err(AppError::NotFound);
    }
    if id == current.0 {
        session::end(jar);
        csrf::rotate(jar, state.config.secure_cookies);
        return Ok(Reply::flash("/login", page.t("flash-logged-out")));
    }
    Ok(Reply::flash("/account", page.t("flash-session-ended")))
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

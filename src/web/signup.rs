//! Sign-up with email confirmation by a mailed one-time token. The answer is the same whether
//! or not the address has an account, so sign-up cannot be used to find accounts.

use crate::db::tokens::Purpose;
use crate::db::{self, users};
use crate::domain::email::EmailAddress;
use crate::domain::id_number::IdNumber;
use crate::domain::lang::Lang;
use crate::platform::app::AppState;
use crate::platform::audit::Actor;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::{password, tokens};
use crate::platform::error::{AppError, AppResult};
use crate::platform::mail::Recipient;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{
    check_name, check_new_password_pair, check_phone, text, Empty, FormErrors,
};
use rocket::http::Status;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::Template;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![signup_form, signup, signup_sent, confirm_form, confirm]
}

const CONFIRM_TTL_MS: i64 = 48 * 3600 * 1000;

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
        let values = json!({ "display_name": name, "email": text(&f.email), "phone": phone });
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
            lang: Lang::parse(&existing.preferred_lang).unwrap_or(lang),
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
        // An ID number typed at sign-up is not verified: it never attaches the new account to
        // a person already on record (that would let anyone who knows a number take over a
        // person's name and history). Such a claim is kept off the record and left to staff.
        let claimed_by = match id_hash.as_deref() {
            Some(h) => users::person_by_id_hash(&mut tx, h).await?,
            None => None,
        };
        let recorded_hash = id_hash
            .as_deref()
            .filter(|_| claimed_by.is_none())
            .map(|h| (h, key_id));
        let person = users::insert_person(&mut tx, name, recorded_hash, now).await?;
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
        let summary = json!({
            "person": person,
            "id_number_given": id_hash.is_some(),
            "id_number_already_on_record_for_person": claimed_by,
        });
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

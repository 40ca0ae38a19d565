//! CSRF protection (Rocket has none built in, Rocket #14). A random token lives in a private
//! cookie, created on the first page (so pre-login forms have one) and renewed at login and
//! logout; every form carries it in a hidden `_csrf` field. `CsrfForm<T>` is the data guard of
//! every state-changing route: without a valid token the request is refused with 403 before the
//! handler runs, so nothing is written. It is also where every form field's name and value
//! passes `domain::text` (the URL's are checked by `web::clean_input`): a refused value is
//! answered with 422 and the reason, before the handler runs.

use crate::domain::text::{self, Origin, TextError};
use crate::platform::app::AppState;
use crate::platform::auth::tokens;
use crate::platform::error::{AppError, CsrfRefused, TextRefused};
use rocket::data::{self, Data, FromData};
use rocket::form::{self, DataField, Form, FromForm, Options, ValueField};
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::Request;

pub const COOKIE: &str = "huoban_csrf";
pub const FIELD: &str = "_csrf";

/// The token for this client, creating it if the client has none.
pub fn token(req: &Request<'_>) -> String {
    if let Some(c) = req.cookies().get_private(COOKIE) {
        return c.value().to_string();
    }
    // A token created earlier in this request (the cookie jar shows pending cookies too, but
    // be explicit about reusing it).
    let secure = req
        .rocket()
        .state::<AppState>()
        .is_some_and(|s| s.config.secure_cookies);
    let t = tokens::new_token();
    set(req.cookies(), &t, secure);
    t
}

fn set(jar: &CookieJar<'_>, token: &str, secure: bool) {
    let cookie = Cookie::build((COOKIE, token.to_string()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/");
    jar.add_private(cookie);
}

/// A new token, at login and logout, so a token seen before the session is useless after it.
pub fn rotate(jar: &CookieJar<'_>, secure: bool) {
    set(jar, &tokens::new_token(), secure);
}

fn valid(req: &Request<'_>, submitted: Option<&str>) -> bool {
    match (req.cookies().get_private(COOKIE), submitted) {
        (Some(c), Some(s)) => !s.is_empty() && tokens::same(c.value(), s),
        _ => false,
    }
}

/// A form with its `_csrf` field taken out. The inner form's own result is kept so that the
/// token is checked first even when the rest of the form does not parse.
pub struct WithCsrf<'r, T: FromForm<'r>> {
    token: Option<String>,
    inner: form::Result<'r, T>,
    /// The first field whose name or value `domain::text` refuses, and why.
    refused: Option<(String, TextError)>,
    /// The fields as sent (not the token), borrowed from the request's body: copied only
    /// when a confirmation page sends them again.
    fields: Vec<(&'r str, &'r str)>,
    /// Whether the form carries `_confirmed=yes` (from a confirmation page).
    confirmed: bool,
}

pub struct WithCsrfContext<'r, T: FromForm<'r>> {
    token: Option<String>,
    inner: T::Context,
    refused: Option<(String, TextError)>,
    fields: Vec<(&'r str, &'r str)>,
    confirmed: bool,
}

#[rocket::async_trait]
impl<'r, T: FromForm<'r>> FromForm<'r> for WithCsrf<'r, T> {
    type Context = WithCsrfContext<'r, T>;

    fn init(opts: Options) -> Self::Context {
        WithCsrfContext {
            token: None,
            inner: T::init(opts),
            refused: None,
            fields: Vec::new(),
            confirmed: false,
        }
    }

    fn push_value(ctxt: &mut Self::Context, field: ValueField<'r>) {
        let name = field.name.source().as_str();
        let problem = text::check(name, Origin::Url)
            .and_then(|()| text::check(field.value, Origin::Body))
            .err();
        if let Some(problem) = problem {
            // The field never reaches the form: nothing downstream sees the value.
            ctxt.refused.get_or_insert((name.to_string(), problem));
        } else if name == FIELD {
            ctxt.token = Some(field.value.to_string());
        } else if name == crate::web::confirm::FIELD {
            ctxt.confirmed = field.value == "yes";
        } else {
            ctxt.fields.push((name, field.value));
            T::push_value(&mut ctxt.inner, field);
        }
    }

    async fn push_data(ctxt: &mut Self::Context, field: DataField<'r, '_>) {
        T::push_data(&mut ctxt.inner, field).await;
    }

    fn finalize(ctxt: Self::Context) -> form::Result<'r, Self> {
        Ok(WithCsrf {
            token: ctxt.token,
            inner: T::finalize(ctxt.inner),
            refused: ctxt.refused,
            fields: ctxt.fields,
            confirmed: ctxt.confirmed,
        })
    }
}

/// The data guard for every state-changing form.
pub struct CsrfForm<T>(pub T);

impl<T> CsrfForm<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

fn refuse<'r, T>(req: &'r Request<'_>) -> data::Outcome<'r, T, AppError> {
    req.local_cache(|| CsrfRefused(true));
    data::Outcome::Error((Status::Forbidden, AppError::Csrf))
}

#[rocket::async_trait]
impl<'r, T: FromForm<'r> + 'r> FromData<'r> for CsrfForm<T> {
    type Error = AppError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self, AppError> {
        match Form::<WithCsrf<'r, T>>::from_data(req, data).await {
            data::Outcome::Success(form) => {
                let form = form.into_inner();
                if !valid(req, form.token.as_deref()) {
                    return refuse(req);
                }
                if let Some((field, problem)) = form.refused {
                    log::info!("form field {field:?} refused: {problem:?}");
                    req.local_cache(|| TextRefused(Some(problem.message_key())));
                    return data::Outcome::Error((
                        Status::UnprocessableEntity,
                        AppError::Unprocessable(problem.message_key()),
                    ));
                }
                // An irreversible action waits for its confirmation page (web::confirm).
                if let Some(action) = crate::web::confirm::irreversible(req) {
                    if !form.confirmed {
                        req.local_cache(|| {
                            crate::web::confirm::ConfirmNeeded(Some(crate::web::confirm::Pending {
                                action: action.action,
                                consequence: action.consequence,
                                fields: form
                                    .fields
                                    .iter()
                                    .map(|(n, v)| (n.to_string(), v.to_string()))
                                    .collect(),
                            }))
                        });
                        return data::Outcome::Error((
                            Status::PreconditionRequired,
                            AppError::Unprocessable("err-422"),
                        ));
                    }
                }
                match form.inner {
                    Ok(v) => data::Outcome::Success(CsrfForm(v)),
                    Err(errors) => {
                        log::info!("form did not parse: {errors}");
                        data::Outcome::Error((
                            Status::UnprocessableEntity,
                            AppError::Unprocessable("err-422"),
                        ))
                    }
                }
            }
            // A body over the size limit: say so (the token may be valid; nothing is written).
            data::Outcome::Error((Status::PayloadTooLarge, _)) => {
                data::Outcome::Error((Status::PayloadTooLarge, AppError::TooLarge))
            }
            // Not a form at all, or a body that cannot be read: no token could be present.
            data::Outcome::Error(_) | data::Outcome::Forward(_) => refuse(req),
        }
    }
}

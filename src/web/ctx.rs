//! What every page needs besides its own data: language, the signed-in user, the CSRF token,
//! the demo banner, a flash message. `Page` is a request guard; `Page::render` merges its
//! `PageBase` into the page's own view model under the key `page`.

use crate::domain::lang::Lang;
use crate::platform::app::AppState;
use crate::platform::auth::{csrf, guards};
use crate::platform::config::Mode;
use crate::platform::error::AppError;
use crate::web::template::Template;
use rocket::http::Status;
use rocket::request::{FlashMessage, FromRequest, Outcome, Request};
use serde::Serialize;

pub const LANG_COOKIE: &str = "huoban_lang";

#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub roles: Vec<&'static str>,
    pub is_admin: bool,
    pub is_member: bool,
}

impl UserView {
    pub fn of(u: &guards::CurrentUser) -> UserView {
        UserView {
            id: u.user.id.0,
            name: u.user.display_name.clone(),
            email: u.user.email.clone(),
            roles: u.roles().into_iter().map(|r| r.code()).collect(),
            is_admin: u.has(crate::domain::role::Role::Admin),
            is_member: !u.memberships.is_empty(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Flash {
    pub kind: String,
    pub message: String,
}

/// The punctuation a template writes between its words, in the page's language: full width
/// in Chinese, half width (with its spaces) in English (`{{ page.pu.colon }}`).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Punctuation {
    /// An opening bracket: `（` / ` (`.
    pub lp: &'static str,
    /// A closing bracket: `）` / `)`.
    pub rp: &'static str,
    pub colon: &'static str,
    pub semi: &'static str,
    pub comma: &'static str,
    /// The enumeration comma `、` (a comma in English).
    pub list: &'static str,
    pub stop: &'static str,
}

pub const ZH_PUNCTUATION: Punctuation = Punctuation {
    lp: "（",
    rp: "）",
    colon: "：",
    semi: "；",
    comma: "，",
    list: "、",
    stop: "。",
};

pub const EN_PUNCTUATION: Punctuation = Punctuation {
    lp: " (",
    rp: ")",
    colon: ": ",
    semi: "; ",
    comma: ", ",
    list: ", ",
    stop: ". ",
};

pub fn punctuation(lang: Lang) -> Punctuation {
    match lang {
        Lang::ZhCn => ZH_PUNCTUATION,
        Lang::En => EN_PUNCTUATION,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PageBase {
    /// The page language's punctuation.
    pub pu: Punctuation,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub csrf: Option<String>,
    pub demo: bool,
    pub path: String,
    pub user: Option<UserView>,
    pub flash: Option<Flash>,
    /// The signed-in person's waiting tasks (the navigation shows the number).
    pub tasks: usize,
    /// Some of the person's lists were cut short: the number is a floor ("100+").
    pub tasks_more: bool,
}

/// Cookie, then the user's preference, then Accept-Language, then Chinese.
pub fn negotiate_lang(req: &Request<'_>, user_pref: Option<&str>) -> Lang {
    if let Some(l) = req
        .cookies()
        .get(LANG_COOKIE)
        .and_then(|c| Lang::parse(c.value()))
    {
        return l;
    }
    if let Some(l) = user_pref.and_then(Lang::parse) {
        return l;
    }
    req.headers()
        .get_one("Accept-Language")
        .and_then(Lang::from_accept_language)
        .unwrap_or_default()
}

fn other(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => "en",
        Lang::En => "zh-CN",
    }
}

fn demo(req: &Request<'_>) -> bool {
    req.rocket()
        .state::<AppState>()
        .is_some_and(|s| s.mode == Mode::Demo)
}

impl PageBase {
    /// The base of an error page: no new session lookup (it may be what failed) but the user
    /// an earlier guard loaded, and a token only if the client already has one.
    pub fn for_error(req: &Request<'_>, lang: Lang) -> PageBase {
        let user = guards::already_loaded(req);
        PageBase {
            pu: punctuation(lang),
            lang: lang.code(),
            other_lang: other(lang),
            csrf: req
                .cookies()
                .get_private(csrf::COOKIE)
                .map(|c| c.value().to_string()),
            demo: demo(req),
            path: req.uri().path().to_string(),
            user: user.map(UserView::of),
            flash: None,
            tasks: 0,
            tasks_more: false,
        }
    }
}

/// The request guard pages take.
pub struct Page {
    pub base: PageBase,
    pub lang: Lang,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Page {
    type Error = AppError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Page::build(req, FormToken::Always).await
    }
}

/// Whether a page's visitor gets a form token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FormToken {
    /// Always (created on the first page, so forms before sign-in have one).
    Always,
    /// Only a signed-in user (their header has the sign-out form).
    SignedIn,
}

/// The guard of the public pages kept in the page cache. As `Page`, except that an anonymous
/// visitor gets no form token: these pages have no form for them (their language switch is a
/// link), so the page is the same bytes for every anonymous visitor and is served as kept, with
/// no token made, sealed or set.
pub struct PublicPage(Page);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for PublicPage {
    type Error = AppError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Page::build(req, FormToken::SignedIn).await.map(PublicPage)
    }
}

impl std::ops::Deref for PublicPage {
    type Target = Page;

    fn deref(&self) -> &Page {
        &self.0
    }
}

impl PublicPage {
    /// Whether this page may come from (and go into) the public page cache: an anonymous
    /// visitor with no message to show (and so no form token in the page).
    pub fn cacheable(&self) -> bool {
        let b = &self.0.base;
        b.user.is_none() && b.flash.is_none() && b.csrf.is_none()
    }
}

impl Page {
    async fn build(req: &Request<'_>, token: FormToken) -> Outcome<Page, AppError> {
        let user = match guards::current(req).await {
            Ok(u) => u,
            Err(e) => return Outcome::Error((Status::InternalServerError, e)),
        };
        let lang = negotiate_lang(req, user.map(|u| u.user.preferred_lang.as_str()));
        // Pages that show due dates read the calendar in force; the kept public pages do not.
        // A signed-in person's navigation shows how many tasks wait on them.
        let mut tasks = crate::deadlines::TaskCount::default();
        if token == FormToken::Always || user.is_some() {
            if let Some(state) = req.rocket().state::<crate::platform::app::AppState>() {
                let followed = async {
                    let v = state.page_cache.version(&state.db).await?;
                    state.calendars.follow(&state.db, v).await?;
                    if let Some(u) = user {
                        let mut c = state.db.acquire().await?;
                        let cal = state.calendars.now();
                        tasks = state
                            .task_counts
                            .of(
                                &mut c,
                                u,
                                &cal,
                                v,
                                state.clock.now_ms(),
                                req.method() != rocket::http::Method::Get,
                            )
                            .await?;
                    }
                    Ok::<(), AppError>(())
                };
                if let Err(e) = followed.await {
                    return Outcome::Error((Status::InternalServerError, e));
                }
            }
        }
        let flash = match req.guard::<Option<FlashMessage<'_>>>().await {
            Outcome::Success(Some(f)) => Some(Flash {
                kind: f.kind().to_string(),
                message: f.message().to_string(),
            }),
            _ => None,
        };
        let user = user.map(UserView::of);
        let path = match req.uri().query() {
            Some(q) => format!("{}?{}", req.uri().path(), q),
            None => req.uri().path().to_string(),
        };
        Outcome::Success(Page {
            base: PageBase {
                pu: punctuation(lang),
                lang: lang.code(),
                other_lang: other(lang),
                csrf: (token == FormToken::Always || user.is_some()).then(|| csrf::token(req)),
                demo: demo(req),
                path,
                user,
                flash,
                tasks: tasks.n,
                tasks_more: tasks.more,
            },
            lang,
        })
    }
}

impl Page {
    /// Renders `name` with the page's own data (a struct or map) plus `page`.
    pub fn render<T: Serialize>(&self, name: &'static str, data: T) -> Template {
        Template::of(name, self.context(data))
    }

    /// The page's own data plus `page`, as the template sees it.
    pub fn context<T: Serialize>(&self, data: T) -> serde_json::Value {
        self.with_page(serde_json::to_value(data).unwrap_or(serde_json::Value::Null))
    }

    /// `context` for data already made into JSON: `page` is added to the object in place (no
    /// copy of its values); anything but an object gives `page` alone.
    pub fn with_page(&self, data: serde_json::Value) -> serde_json::Value {
        let mut m = match data {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        m.insert(
            "page".into(),
            serde_json::to_value(&self.base).unwrap_or(serde_json::Value::Null),
        );
        serde_json::Value::Object(m)
    }

    /// A message from the catalogue in the page's language.
    pub fn t(&self, key: &str) -> String {
        crate::platform::i18n::t(self.lang, key)
    }
}

/// What a form handler answers: a redirect (after success), a redirect with a flash message, or
/// the page again with a status (422 with messages, 429 when throttled).
#[derive(rocket::Responder)]
pub enum Reply {
    Redirect(rocket::response::Redirect),
    Flash(rocket::response::Flash<rocket::response::Redirect>),
    Page((Status, Template)),
}

impl Reply {
    pub fn to(path: impl Into<String>) -> Reply {
        Reply::Redirect(rocket::response::Redirect::to(path.into()))
    }

    pub fn flash(path: impl Into<String>, message: impl Into<String>) -> Reply {
        Reply::Flash(rocket::response::Flash::success(
            rocket::response::Redirect::to(path.into()),
            message.into(),
        ))
    }

    /// A redirect with an error message shown on the next page.
    pub fn flash_error(path: impl Into<String>, message: impl Into<String>) -> Reply {
        Reply::Flash(rocket::response::Flash::error(
            rocket::response::Redirect::to(path.into()),
            message.into(),
        ))
    }

    pub fn page(status: Status, t: Template) -> Reply {
        Reply::Page((status, t))
    }
}

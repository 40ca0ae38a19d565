//! One error type for the whole application. Browsers get a page inside the layout, `/api`
//! clients a JSON problem document (RFC 9457); the cause goes to the log once, never to the user.

use crate::platform::i18n;
use crate::web::ctx::PageBase;
use crate::web::template::Template;
use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;
use std::io::Cursor;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("login required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("CSRF token missing or invalid")]
    Csrf,
    /// A request a person could have typed, refused with a message key from the catalogue.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("unprocessable: {0}")]
    Unprocessable(&'static str),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A request body over the configured limit (an upload far over the size limit).
    #[error("payload too large")]
    TooLarge,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn status(&self) -> Status {
        match self {
            AppError::NotFound => Status::NotFound,
            AppError::Unauthorized => Status::Unauthorized,
            AppError::Forbidden | AppError::Csrf => Status::Forbidden,
            AppError::BadRequest(_) => Status::BadRequest,
            AppError::Unprocessable(_) => Status::UnprocessableEntity,
            AppError::Conflict(_) => Status::Conflict,
            AppError::TooLarge => Status::PayloadTooLarge,
            AppError::Db(_) | AppError::Internal(_) => Status::InternalServerError,
        }
    }

    /// The catalogue key of the message shown to the person.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::Csrf => "err-csrf",
            AppError::TooLarge => "err-upload-too-large",
            AppError::BadRequest(k) | AppError::Unprocessable(k) | AppError::Conflict(k) => k,
            _ => status_message_key(self.status()),
        }
    }
}

pub fn status_message_key(status: Status) -> &'static str {
    match status.code {
        400 => "err-400",
        401 => "err-401",
        403 => "err-403",
        404 => "err-404",
        405 => "err-405",
        409 => "err-409",
        413 => "err-413",
        415 => "err-415",
        422 => "err-422",
        429 => "err-429",
        _ => "err-500",
    }
}

/// Marks a form refused for a field's text (`domain::text`), with the message key, so the
/// 422 page can say why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRefused(pub Option<&'static str>);

/// Marks a request refused for its CSRF token, so the 403 page can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsrfRefused(pub bool);

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: String,
    status: u16,
    detail: String,
}

#[derive(Serialize)]
struct ErrorPage {
    page: PageBase,
    status: u16,
    title: String,
    detail: String,
    /// A fault's reference, also written to the log with the cause, so an admin can find it.
    reference: Option<String>,
    /// The page the person came from (same site only), for a refusal they can correct there.
    back: Option<String>,
}

/// A short reference for a fault: the time of day it happened and four random characters, easy
/// to read out on the telephone and to search for in the log.
pub fn fault_reference() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    let tail: String = (0..4)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:02}{:02}{:02}-{tail}",
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// The Referer's path when it is this site's own page (never another site's address).
pub fn same_site_referer(req: &Request<'_>) -> Option<String> {
    let referer = req.headers().get_one("Referer")?;
    let host = req.headers().get_one("Host")?;
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host)?;
    (path.starts_with('/') && !path.starts_with("//") && path != req.uri().path().as_str())
        .then(|| path.to_string())
}

pub fn is_api(req: &Request<'_>) -> bool {
    is_data_path(req.uri().path().as_str())
}

/// The machine-readable public data: the API, OCDS and the dataset files. Their errors are
/// JSON problems, and other origins may read them (issue 24, item 4).
pub fn is_data_path(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/ocds/")
        || (path.starts_with("/data/")
            && [".csv", ".xlsx", ".json"]
                .iter()
                .any(|ext| path.ends_with(ext)))
}

/// Renders an error for `req`: a JSON problem under /api, otherwise a page in the layout.
pub fn render_error(req: &Request<'_>, status: Status, key: &str) -> response::Result<'static> {
    let reference = (status.code >= 500).then(|| {
        let r = fault_reference();
        log::error!(
            "{} {}: answered {} (reference {r})",
            req.method(),
            req.uri(),
            status.code
        );
        r
    });
    render_error_ref(req, status, key, reference)
}

fn render_error_ref(
    req: &Request<'_>,
    status: Status,
    key: &str,
    reference: Option<String>,
) -> response::Result<'static> {
    let pref =
        crate::platform::auth::guards::already_loaded(req).map(|u| u.user.preferred_lang.as_str());
    let lang = crate::web::ctx::negotiate_lang(req, pref);
    let title = i18n::t(lang, status_message_key(status));
    let detail = i18n::t(lang, key);
    if is_api(req) {
        let body = serde_json::to_string(&Problem {
            kind: "about:blank",
            title,
            status: status.code,
            detail,
        })
        .unwrap_or_default();
        return Response::build()
            .status(status)
            .header(ContentType::new("application", "problem+json"))
            .sized_body(body.len(), Cursor::new(body))
            .ok();
    }
    let page = PageBase::for_error(req, lang);
    let tpl = Template::render(
        "error",
        ErrorPage {
            page,
            status: status.code,
            title,
            detail,
            reference,
            back: matches!(status.code, 409 | 422)
                .then(|| same_site_referer(req))
                .flatten(),
        },
    );
    let mut resp = tpl.respond_to(req)?;
    resp.set_status(status);
    Ok(resp)
}

impl<'r> Responder<'r, 'static> for AppError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let reference = match &self {
            AppError::Db(e) => {
                let r = fault_reference();
                log::error!(
                    "{} {}: database error (reference {r}): {e}",
                    req.method(),
                    req.uri()
                );
                Some(r)
            }
            AppError::Internal(e) => {
                let r = fault_reference();
                log::error!("{} {}: {e} (reference {r})", req.method(), req.uri());
                Some(r)
            }
            _ => None,
        };
        let status = self.status();
        let key = self.message_key();
        if reference.is_some() {
            render_error_ref(req, status, key, reference)
        } else {
            render_error(req, status, key)
        }
    }
}

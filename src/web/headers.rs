//! Security headers on every response: a CSP without inline script, no framing, no sniffing,
//! a strict referrer policy.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Header, Method};
use rocket::{Request, Response};

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub struct SecurityHeaders;

#[rocket::async_trait]
impl Fairing for SecurityHeaders {
    fn info(&self) -> Info {
        Info {
            name: "security headers",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        // Read-only public data may be read by a page on any origin; no credentials are sent
        // with such requests, and no cookie is set on them.
        if matches!(req.method(), Method::Get | Method::Head)
            && crate::platform::error::is_data_path(req.uri().path().as_str())
        {
            res.set_header(Header::new("Access-Control-Allow-Origin", "*"));
            res.remove_header("Set-Cookie");
        }
        res.set_header(Header::new("Content-Security-Policy", CSP));
        res.set_header(Header::new("X-Frame-Options", "DENY"));
        res.set_header(Header::new("X-Content-Type-Options", "nosniff"));
        res.set_header(Header::new("Referrer-Policy", "same-origin"));
        res.set_header(Header::new(
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ));
    }
}

/// Validators on the public data (issue 24, item 3): an `ETag` made of the data version read
/// before the handler ran, the Beijing day (grades and contract states change with it) and
/// what picks the language, so a harvester asking again with `If-None-Match` gets a 304 when
/// nothing changed. The version is read first, so a body can only be newer than its tag, never
/// older: a tag that matches always stands for a body the client already has.
pub struct DataValidators;

struct DataVersion(Option<(i64, time::Date)>);

fn data_request(req: &Request<'_>) -> bool {
    matches!(req.method(), Method::Get | Method::Head)
        && crate::platform::error::is_data_path(req.uri().path().as_str())
}

fn etag(req: &Request<'_>, version: i64, today: time::Date) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    req.cookies()
        .get(crate::web::ctx::LANG_COOKIE)
        .map(|c| c.value().to_string())
        .hash(&mut h);
    req.headers().get_one("Accept-Language").hash(&mut h);
    format!("W/\"d{version}-{today}-{:x}\"", h.finish())
}

#[rocket::async_trait]
impl Fairing for DataValidators {
    fn info(&self) -> Info {
        Info {
            name: "public data validators",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _data: &mut rocket::Data<'_>) {
        if !data_request(req) {
            return;
        }
        let Some(state) = req.rocket().state::<crate::platform::app::AppState>() else {
            return;
        };
        let today = crate::domain::calendar::shanghai_date(state.clock.now());
        let v = state.page_cache.version(&state.db).await.ok();
        req.local_cache(|| DataVersion(v.map(|v| (v, today))));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        if !data_request(req) || res.status() != rocket::http::Status::Ok {
            return;
        }
        let Some((v, today)) = req.local_cache(|| DataVersion(None)).0 else {
            return;
        };
        let tag = etag(req, v, today);
        res.set_header(Header::new("Cache-Control", "no-cache"));
        let matched = req
            .headers()
            .get("If-None-Match")
            .flat_map(|h| h.split(','))
            .any(|t| t.trim() == tag || t.trim() == "*");
        res.set_header(Header::new("ETag", tag));
        if matched {
            res.set_status(rocket::http::Status::NotModified);
            res.set_sized_body(0, std::io::Cursor::new(Vec::new()));
            res.remove_header("Content-Encoding");
        }
    }
}

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
///
/// `Last-Modified` is when that version was written (its audit entry) or the Beijing day
/// began, whichever is later, and `If-Modified-Since` at or after it (without `If-None-Match`,
/// which takes precedence, RFC 9110 §13.1.3) is answered 304. An HTTP date has whole seconds,
/// so `Last-Modified` is only sent once its second has passed: a later change then always
/// falls in a later second, and a date a client holds never hides one.
#[derive(Default)]
pub struct DataValidators {
    /// The last version seen and when it was written (ms), so that is read once per change.
    written: std::sync::Mutex<Option<(i64, Option<i64>)>>,
}

struct DataVersion(Option<(i64, time::Date, Option<i64>)>);

impl DataValidators {
    async fn written_at(&self, state: &crate::platform::app::AppState, v: i64) -> Option<i64> {
        let seen = *self.written.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((sv, at)) = seen {
            if sv == v {
                return at;
            }
        }
        let mut c = state.db.acquire().await.ok()?;
        let at = crate::db::audit::written_at(&mut c, v).await.ok()?;
        *self.written.lock().unwrap_or_else(|e| e.into_inner()) = Some((v, at));
        at
    }
}

/// The `Last-Modified` instant (whole seconds), if its second has passed.
fn last_modified(written: Option<i64>, today: time::Date, now_ms: i64) -> Option<i64> {
    let midnight = today
        .midnight()
        .assume_offset(time::macros::offset!(+8))
        .unix_timestamp();
    let secs = written.map_or(midnight, |w| w.div_euclid(1000).max(midnight));
    (now_ms.div_euclid(1000) > secs).then_some(secs)
}

fn http_date(secs: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(secs).ok()?;
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.format(f).ok()
}

fn parse_http_date(s: &str) -> Option<i64> {
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(s.trim(), f)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

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
        let written = match v {
            Some(v) => self.written_at(state, v).await,
            None => None,
        };
        req.local_cache(|| DataVersion(v.map(|v| (v, today, written))));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        if !data_request(req) || res.status() != rocket::http::Status::Ok {
            return;
        }
        let Some((v, today, written)) = req.local_cache(|| DataVersion(None)).0 else {
            return;
        };
        let tag = etag(req, v, today);
        res.set_header(Header::new("Cache-Control", "no-cache"));
        let now_ms = req
            .rocket()
            .state::<crate::platform::app::AppState>()
            .map_or(0, |s| s.clock.now_ms());
        let modified = last_modified(written, today, now_ms);
        let mut matched = if req.headers().contains("If-None-Match") {
            req.headers()
                .get("If-None-Match")
                .flat_map(|h| h.split(','))
                .any(|t| t.trim() == tag || t.trim() == "*")
        } else {
            let since = req
                .headers()
                .get_one("If-Modified-Since")
                .and_then(parse_http_date);
            matches!((modified, since), (Some(m), Some(s)) if m <= s)
        };
        if let Some(lm) = modified.and_then(http_date) {
            res.set_header(Header::new("Last-Modified", lm));
        } else {
            matched = matched && req.headers().contains("If-None-Match");
        }
        res.set_header(Header::new("ETag", tag));
        if matched {
            res.set_status(rocket::http::Status::NotModified);
            res.set_sized_body(0, std::io::Cursor::new(Vec::new()));
            res.remove_header("Content-Encoding");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_read_back_and_a_second_not_yet_over_is_not_sent() {
        let s = "Fri, 01 Jan 2027 00:00:00 GMT";
        assert_eq!(http_date(1_798_761_600).as_deref(), Some(s));
        assert_eq!(parse_http_date(s), Some(1_798_761_600));
        assert_eq!(parse_http_date("yesterday"), None);
        let day = time::macros::date!(2027 - 01 - 01);
        let midnight = 1_798_761_600 - 8 * 3600;
        // Written at 10:00:00.300 UTC: sent once 10:00:01 is reached, not before.
        let w = 1_798_797_600_300;
        assert_eq!(last_modified(Some(w), day, w + 100), None);
        assert_eq!(last_modified(Some(w), day, w + 700), Some(w / 1000));
        // Written before the day began: the day's start.
        assert_eq!(last_modified(Some(0), day, w), Some(midnight));
        assert_eq!(last_modified(None, day, w), Some(midnight));
    }
}

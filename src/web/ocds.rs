//! OCDS endpoints (DOMAIN §7), public and stable: `/ocds/releases.json` (a release package,
//! 100 releases a page, `page` from 1, `since` an RFC 3339 date or day), `/ocds/records/<ocid>.json`
//! (a record package with the compiled release), `/ocds/bulk.json` (every release in one
//! package, streamed project by project).

use crate::db::projects as store;
use crate::db::Conn;
use crate::opendata::ocds;
use crate::platform::app::AppState;
use crate::platform::error::{AppError, AppResult};
use flate2::write::GzEncoder;
use flate2::Compression;
use rocket::http::{ContentType, Header};
use rocket::request::{FromParam, FromRequest, Outcome, Request};
use rocket::response::stream::{ByteStream, TextStream};
use rocket::Either;
use rocket::{get, routes, Responder, Route, State};
use serde_json::{json, Value};
use std::io::Write;

pub fn routes() -> Vec<Route> {
    routes![releases, record, bulk]
}

const PAGE: usize = 100;

/// `<ocid>.json` in a path: the ocid without its suffix.
pub struct OcidJson(pub String);

impl<'a> FromParam<'a> for OcidJson {
    type Error = &'a str;

    fn from_param(param: &'a str) -> Result<Self, Self::Error> {
        param
            .strip_suffix(".json")
            .filter(|s| s.len() <= 80 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .map(|s| OcidJson(s.to_string()))
            .ok_or(param)
    }
}

/// The public projects' numbers, oldest first (a first-round draft is not public).
async fn numbers(c: &mut Conn) -> AppResult<Vec<String>> {
    Ok(crate::db::projects::public_numbers(c).await?)
}

async fn of_number(state: &AppState, c: &mut Conn, number: &str) -> AppResult<Vec<Value>> {
    let p = store::by_number(c, number)
        .await?
        .ok_or(AppError::NotFound)?;
    ocds::releases(c, &state.config.ocds_prefix, &p).await
}

fn base(state: &AppState) -> String {
    state.config.public_url.trim_end_matches('/').to_string()
}

/// `since` as an instant: an RFC 3339 date-time with any offset (`2027-01-01T08:00:00+08:00`),
/// or a bare date meaning its midnight in UTC, the zone the release dates are written in.
pub fn parse_since(s: &str) -> Option<time::OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    crate::domain::calendar::parse_iso_date(s)
        .filter(|_| s.len() == 10)
        .map(|d| d.midnight().assume_utc())
}

#[get("/ocds/releases.json?<page>&<since>")]
async fn releases(
    state: &State<AppState>,
    page: Option<usize>,
    since: Option<&str>,
) -> AppResult<Either<(ContentType, String), crate::web::api_data::JsonReply>> {
    use time::format_description::well_known::Rfc3339;
    let page = page.unwrap_or(1).clamp(1, 1_000_000);
    let since = since.filter(|s| !s.is_empty());
    let from = match since.map(parse_since) {
        Some(None) => {
            return Ok(Either::Right(crate::web::api_data::problem(vec![(
                "since",
                "expected an RFC 3339 date-time (e.g. 2027-01-01T08:00:00+08:00) or a date",
            )])))
        }
        Some(Some(t)) => Some(t),
        None => None,
    };
    let mut c = state.db.acquire().await?;
    let mut all = Vec::new();
    for n in numbers(&mut c).await? {
        all.extend(of_number(state, &mut c, &n).await?);
    }
    if let Some(t) = from {
        all.retain(|r| {
            r["date"]
                .as_str()
                .and_then(|d| time::OffsetDateTime::parse(d, &Rfc3339).ok())
                .is_some_and(|d| d >= t)
        });
    }
    all.sort_by(|a, b| {
        (a["date"].as_str(), a["id"].as_str()).cmp(&(b["date"].as_str(), b["id"].as_str()))
    });
    let total = all.len();
    let slice: Vec<Value> = all.into_iter().skip((page - 1) * PAGE).take(PAGE).collect();
    let uri = format!("{}/ocds/releases.json?page={page}", base(state));
    let mut pkg = ocds::package(&uri, state.clock.now_ms(), slice);
    if page * PAGE < total {
        let since = from
            .and_then(|t| t.format(&Rfc3339).ok())
            .map(|s| format!("&since={}", s.replace('+', "%2B")))
            .unwrap_or_default();
        pkg["links"] = json!({ "next": format!("{}/ocds/releases.json?page={}{since}", base(state), page + 1) });
    }
    Ok(Either::Left((ContentType::JSON, pkg.to_string())))
}

#[get("/ocds/records/<ocid>")]
async fn record(
    state: &State<AppState>,
    ocid: Result<OcidJson, &str>,
) -> AppResult<(ContentType, String)> {
    // Without the `.json` suffix (or with odd characters) there is no such record.
    let ocid = ocid.map_err(|_| AppError::NotFound)?;
    let prefix = format!("{}-", state.config.ocds_prefix);
    let rest = ocid.0.strip_prefix(&prefix).ok_or(AppError::NotFound)?;
    let mut c = state.db.acquire().await?;
    // The process is a project's round (`<number>` or `<number>-R<n>`): its releases only.
    let mut rs = Vec::new();
    for (number, _) in ocds::split_round(rest) {
        if !crate::domain::procurement::valid_number(&number) {
            continue;
        }
        let Some(p) = store::by_number(&mut c, &number)
            .await?
            .filter(|p| !(p.status == crate::domain::project::Status::Draft && p.round == 1))
        else {
            continue;
        };
        rs = ocds::releases(&mut c, &state.config.ocds_prefix, &p)
            .await?
            .into_iter()
            .filter(|r| r["ocid"] == ocid.0.as_str())
            .collect();
        if !rs.is_empty() {
            break;
        }
    }
    if rs.is_empty() {
        return Err(AppError::NotFound);
    }
    let uri = format!("{}/ocds/records/{}.json", base(state), ocid.0);
    let pkg = ocds::record_package(&uri, state.clock.now_ms(), &ocid.0, rs);
    Ok((ContentType::JSON, pkg.to_string()))
}

/// Whether the client accepts a gzip-encoded body.
pub struct Gzip(pub bool);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Gzip {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let yes = req
            .headers()
            .get("Accept-Encoding")
            .any(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
        Outcome::Success(Gzip(yes))
    }
}

/// A gzip-encoded JSON body.
#[derive(Responder)]
#[response(content_type = "json")]
pub struct GzipJson<S>(S, Header<'static>);

/// The bulk package's head (up to its open releases array) and tail.
fn bulk_ends(state: &AppState) -> (String, String) {
    let head = ocds::package(
        &format!("{}/ocds/bulk.json", base(state)),
        state.clock.now_ms(),
        Vec::new(),
    )
    .to_string();
    let cut = head
        .find("\"releases\":[")
        .map(|i| i + "\"releases\":[".len())
        .unwrap_or(head.len());
    (head[..cut].to_string(), head[cut..].to_string())
}

/// One project's releases as a piece of the releases array (`None`: stop, logged).
async fn bulk_chunk(state: &AppState, c: &mut Conn, n: &str, first: &mut bool) -> Option<String> {
    match of_number(state, c, n).await {
        Ok(rs) => {
            let mut chunk = String::new();
            for r in rs {
                if !*first {
                    chunk.push(',');
                }
                *first = false;
                chunk.push_str(&r.to_string());
            }
            Some(chunk)
        }
        Err(e) => {
            log::error!("ocds bulk: project {n}: {e}");
            None
        }
    }
}

async fn bulk_list(
    state: &AppState,
) -> Option<(sqlx::pool::PoolConnection<sqlx::Any>, Vec<String>)> {
    let mut c = state.db.acquire().await.ok()?;
    let list = numbers(&mut c).await.ok()?;
    Some((c, list))
}

/// Every release in one package, written project by project (the whole set is never held);
/// gzip-encoded when the client accepts it.
#[get("/ocds/bulk.json")]
// The stream macros' `impl Stream` types cannot be named in a type alias.
#[allow(clippy::type_complexity)]
fn bulk(
    state: &State<AppState>,
    gzip: Gzip,
) -> Either<(ContentType, TextStream![String + '_]), GzipJson<ByteStream![Vec<u8> + '_]>> {
    let (head, tail) = bulk_ends(state);
    if !gzip.0 {
        return Either::Left((
            ContentType::JSON,
            TextStream! {
                yield head;
                let mut first = true;
                if let Some((mut c, list)) = bulk_list(state).await {
                    for n in list {
                        match bulk_chunk(state, &mut c, &n, &mut first).await {
                            Some(chunk) => yield chunk,
                            None => break,
                        }
                    }
                }
                yield tail;
            },
        ));
    }
    Either::Right(GzipJson(
        ByteStream! {
            let mut enc = GzEncoder::new(Vec::new(), Compression::default());
            let _ = enc.write_all(head.as_bytes());
            let mut first = true;
            if let Some((mut c, list)) = bulk_list(state).await {
                for n in list {
                    match bulk_chunk(state, &mut c, &n, &mut first).await {
                        Some(chunk) => {
                            let _ = enc.write_all(chunk.as_bytes());
                            yield std::mem::take(enc.get_mut());
                        }
                        None => break,
                    }
                }
            }
            let _ = enc.write_all(tail.as_bytes());
            yield enc.finish().unwrap_or_default();
        },
        Header::new("Content-Encoding", "gzip"),
    ))
}

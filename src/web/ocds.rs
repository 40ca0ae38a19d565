//! OCDS endpoints (DOMAIN §7), public and stable:
//! - `/ocds/releases.json`: a release package of up to 100 releases, by keyset
//!   (`opendata::feed`): `links.next` carries `after=<at>.<event>.<part>`, the key of the last
//!   release served, so the next page costs what the first does and a harvest that follows
//!   `next` sees every release once even while data is added. `since` is an RFC 3339 date-time
//!   in any offset or a date (its midnight UTC); `page=1` is the start, any other `page` is a
//!   400 naming it (offset pages shifted as data was added, and cost more the further they
//!   were: an old link must not silently skip or repeat releases).
//! - `/ocds/records/<ocid>.json`: a record package with the compiled release.
//! - `/ocds/bulk.json`: every release in one package, and `/ocds/bulk/<year>.json` the releases
//!   dated in that year in Beijing (`[YYYY-01-01T00:00+08:00, next year)`), both streamed
//!   process by process (the whole set is never held), gzip when accepted.
//!
//! Any other query parameter, or one given twice, is a 400 problem naming it. The feed and the
//! bulk files are expensive: one client address may have `opendata.expensive_per_address` of
//! them running at once; one more is a 429 problem with `Retry-After` (issue 26 item 4). The
//! validators (`ETag`, `Last-Modified`, 304) are `web::headers::DataValidators`'.
use crate::db::ocds_feed::Key;
use crate::db::projects as store;
use crate::db::Conn;
use crate::opendata::{feed, ocds};
use crate::platform::app::AppState;
use crate::platform::error::{AppError, AppResult};
use crate::web::api_data::JsonReply;
use flate2::write::GzEncoder;
use flate2::Compression;
use rocket::http::{ContentType, Header};
use rocket::request::{FromParam, FromRequest, Outcome, Request};
use rocket::response::stream::{ByteStream, TextStream};
use rocket::Either;
use rocket::{get, routes, Responder, Route, State};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use std::net::IpAddr;

pub fn routes() -> Vec<Route> {
    routes![releases, record, bulk, bulk_year]
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

/// Parameters by name, as given.
type Params = Vec<(String, String)>;
/// Parameters refused, each with why.
type Invalid = Vec<(String, &'static str)>;

/// The query as sent, each parameter with its values in order.
pub struct RawQuery(Vec<(String, String)>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for RawQuery {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let pairs = req
            .uri()
            .query()
            .map(|q| {
                q.segments()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        Outcome::Success(RawQuery(pairs))
    }
}

impl RawQuery {
    /// The parameters by name when every one is among `allowed` and none is repeated; a
    /// problem naming each one that is not (a consumer who mistyped a filter must not believe
    /// the answer was filtered).
    fn strict(&self, allowed: &[&str]) -> Result<Params, Invalid> {
        let mut bad: Vec<(String, &'static str)> = Vec::new();
        let mut seen: Vec<(String, String)> = Vec::new();
        for (k, v) in &self.0 {
            if !allowed.contains(&k.as_str()) {
                if !bad.iter().any(|(b, _)| b == k) {
                    bad.push((k.clone(), "not a parameter of this URL"));
                }
            } else if seen.iter().any(|(s, _)| s == k) {
                if !bad.iter().any(|(b, _)| b == k) {
                    bad.push((k.clone(), "given more than once"));
                }
            } else {
                seen.push((k.clone(), v.clone()));
            }
        }
        if bad.is_empty() {
            Ok(seen)
        } else {
            Err(bad)
        }
    }
}

fn param<'a>(given: &'a [(String, String)], name: &str) -> Option<&'a str> {
    given
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// A feed cursor, `<at ms>.<event id>.<part>` (`db::ocds_feed::Key`).
fn parse_after(s: &str) -> Option<Key> {
    let mut it = s.split('.').map(|n| n.parse::<i64>().ok());
    let key = (it.next()??, it.next()??, it.next()??);
    (it.next().is_none() && (0..=1).contains(&key.2) && key.1 >= 0).then_some(key)
}

/// The feed, a page of releases by keyset (`opendata::feed`). `after` is the cursor
/// `links.next` carries; `page=1` is the start, and any other `page` is refused with a 400
/// saying to follow `links.next`: an offset page would cost more the further it is, and would
/// shift as releases are added, so an old link would silently skip or repeat releases.
#[get("/ocds/releases.json")]
async fn releases(
    state: &State<AppState>,
    query: RawQuery,
    slot: Slot,
) -> AppResult<Either<(ContentType, String), Refusal>> {
    use time::format_description::well_known::Rfc3339;
    let _permit = match slot.0 {
        Ok(p) => p,
        Err(busy) => return Ok(Either::Right(Refusal::Busy(busy))),
    };
    let given = match query.strict(&["since", "after", "page"]) {
        Ok(g) => g,
        Err(p) => {
            return Ok(Either::Right(Refusal::Bad(crate::web::api_data::problem(
                p,
            ))))
        }
    };
    let mut bad: Vec<(&'static str, &'static str)> = Vec::new();
    let from = match param(&given, "since").map(parse_since) {
        Some(None) => {
            bad.push((
                "since",
                "expected an RFC 3339 date-time (e.g. 2027-01-01T08:00:00+08:00) or a date",
            ));
            None
        }
        Some(Some(t)) => Some(t),
        None => None,
    };
    let after = match param(&given, "after").map(parse_after) {
        Some(None) => {
            bad.push(("after", "expected the cursor a links.next gave"));
            None
        }
        Some(k) => k,
        None => None,
    };
    if let Some(p) = param(&given, "page") {
        if p != "1" {
            bad.push((
                "page",
                "numbered pages are no longer served: start without page and follow links.next",
            ));
        }
    }
    if !bad.is_empty() {
        return Ok(Either::Right(Refusal::Bad(crate::web::api_data::problem(
            bad,
        ))));
    }
    // The first millisecond not before `since` (a release date is whole milliseconds).
    let since_ms = from.map(|t| {
        let ns = t.unix_timestamp_nanos();
        (ns.div_euclid(1_000_000) + i128::from(ns.rem_euclid(1_000_000) != 0)) as i64
    });
    let mut c = state.db.acquire().await?;
    let prefix = &state.config.ocds_prefix;
    let page = feed::page(&mut c, prefix, since_ms, after, PAGE).await?;
    let since_q = from
        .and_then(|t| t.format(&Rfc3339).ok())
        .map(|s| format!("since={}", s.replace('+', "%2B")));
    let this: Vec<String> = since_q
        .iter()
        .cloned()
        .chain(after.map(|(a, e, p)| format!("after={a}.{e}.{p}")))
        .collect();
    let uri = if this.is_empty() {
        format!("{}/ocds/releases.json", base(state))
    } else {
        format!("{}/ocds/releases.json?{}", base(state), this.join("&"))
    };
    let mut pkg = ocds::package(&uri, state.clock.now_ms(), page.releases);
    if let Some((a, e, p)) = page.next {
        let next: Vec<String> = since_q
            .into_iter()
            .chain(std::iter::once(format!("after={a}.{e}.{p}")))
            .collect();
        pkg["links"] =
            json!({ "next": format!("{}/ocds/releases.json?{}", base(state), next.join("&")) });
    }
    Ok(Either::Left((ContentType::JSON, pkg.to_string())))
}

/// Why a data URL was not answered: a bad query (400) or too many requests at once (429).
#[derive(Responder)]
pub enum Refusal {
    Bad(JsonReply),
    Busy(Busy),
}

/// 429 with `Retry-After`: the address already has its share of expensive requests running.
#[derive(Responder)]
#[response(status = 429, content_type = "application/problem+json")]
pub struct Busy(String, Header<'static>);

impl Busy {
    fn new(limit: i64) -> Busy {
        let body = json!({
            "type": "about:blank",
            "title": "Too Many Requests",
            "status": 429,
            "detail": format!(
                "此地址同时进行的请求已达上限（{limit} 个），请稍后再试 / \
                 this address already has {limit} such requests running: retry later"
            ),
        });
        Busy(body.to_string(), Header::new("Retry-After", "5"))
    }
}

/// The expensive public endpoints (the feed and the bulk files) running per client address:
/// beyond the setting `opendata.expensive_per_address` more at once, a request is refused
/// with 429 (issue 26 item 4), so no burst from one address can take the workers or memory.
#[derive(Default)]
pub struct Expensive {
    running: std::sync::Mutex<HashMap<IpAddr, i64>>,
    /// The limit and when it was read (ms): read again at most every 10 seconds.
    limit: std::sync::Mutex<Option<(i64, i64)>>,
}

/// A running expensive request; the count goes down when it is dropped (for a streamed body,
/// when the stream ends).
pub struct Permit {
    owner: std::sync::Arc<Expensive>,
    ip: IpAddr,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut running = self.owner.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = running.get_mut(&self.ip) {
            *n -= 1;
            if *n <= 0 {
                running.remove(&self.ip);
            }
        }
    }
}

/// The guard of an expensive endpoint: a permit, or the 429 to answer.
pub struct Slot(Result<Option<Permit>, Busy>);

const LIMIT_KEY: &str = "opendata.expensive_per_address";

async fn limit(state: &AppState, owner: &Expensive) -> i64 {
    let now = state.clock.now_ms();
    let cached = *owner.limit.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((n, at)) = cached {
        if (0..10_000).contains(&(now - at)) {
            return n;
        }
    }
    let default = crate::domain::setting::definition(LIMIT_KEY)
        .and_then(|d| d.default.parse().ok())
        .unwrap_or(2);
    let n = match state.db.acquire().await {
        Ok(mut c) => crate::db::settings::snapshot_of(&mut c, "opendata.", now)
            .await
            .ok()
            .and_then(|s| s.int(LIMIT_KEY))
            .unwrap_or(default),
        Err(_) => default,
    };
    *owner.limit.lock().unwrap_or_else(|e| e.into_inner()) = Some((n, now));
    n
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Slot {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let (Some(state), Some(owner), Some(ip)) = (
            req.rocket().state::<AppState>(),
            req.rocket().state::<std::sync::Arc<Expensive>>(),
            req.client_ip(),
        ) else {
            return Outcome::Success(Slot(Ok(None)));
        };
        let n = limit(state, owner).await;
        let mut running = owner.running.lock().unwrap_or_else(|e| e.into_inner());
        let count = running.entry(ip).or_insert(0);
        if *count >= n {
            return Outcome::Success(Slot(Err(Busy::new(n))));
        }
        *count += 1;
        Outcome::Success(Slot(Ok(Some(Permit {
            owner: owner.clone(),
            ip,
        }))))
    }
}

#[get("/ocds/records/<ocid>")]
async fn record(
    state: &State<AppState>,
    ocid: Result<OcidJson, &str>,
    query: RawQuery,
) -> AppResult<Either<(ContentType, String), Refusal>> {
    // Without the `.json` suffix (or with odd characters) there is no such record.
    let ocid = ocid.map_err(|_| AppError::NotFound)?;
    if let Err(p) = query.strict(&[]) {
        return Ok(Either::Right(Refusal::Bad(crate::web::api_data::problem(
            p,
        ))));
    }
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
    Ok(Either::Left((ContentType::JSON, pkg.to_string())))
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
fn bulk_ends(state: &AppState, path: &str) -> (String, String) {
    let head = ocds::package(
        &format!("{}{path}", base(state)),
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

/// What a bulk file holds: every release, or those dated in a Beijing year's `[from, to)` (ms).
#[derive(Clone, Copy)]
enum Span {
    All,
    Year(i64, i64),
}

/// A process of a bulk file: by number (the whole) or by id (a year).
enum Process {
    Number(String),
    Id(i64),
}

/// One process's releases as a piece of the releases array (`None`: stop, logged).
async fn bulk_chunk(
    state: &AppState,
    c: &mut Conn,
    span: Span,
    p: &Process,
    first: &mut bool,
) -> Option<String> {
    let rs = match (span, p) {
        (Span::Year(from, to), Process::Id(id)) => {
            feed::releases_dated(c, &state.config.ocds_prefix, *id, from, to).await
        }
        (_, Process::Number(n)) => of_number(state, c, n).await,
        (Span::All, Process::Id(_)) => Ok(Vec::new()),
    };
    match rs {
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
            let which = match p {
                Process::Number(n) => n.clone(),
                Process::Id(id) => format!("#{id}"),
            };
            log::error!("ocds bulk: project {which}: {e}");
            None
        }
    }
}

async fn bulk_list(
    state: &AppState,
    span: Span,
) -> Option<(sqlx::pool::PoolConnection<sqlx::Any>, Vec<Process>)> {
    let mut c = state.db.acquire().await.ok()?;
    let list = match span {
        Span::All => numbers(&mut c)
            .await
            .ok()?
            .into_iter()
            .map(Process::Number)
            .collect(),
        Span::Year(from, to) => feed::processes_dated(&mut c, from, to)
            .await
            .ok()?
            .into_iter()
            .map(Process::Id)
            .collect(),
    };
    Some((c, list))
}

/// A streamed bulk package (the whole set is never held; processes are built one at a time),
/// gzip-encoded when the client accepts it. The permit is held until the stream ends.
type Streamed<'a> =
    Either<(ContentType, TextStream<Boxed<'a, String>>), GzipJson<ByteStream<Boxed<'a, Vec<u8>>>>>;
type Boxed<'a, T> = std::pin::Pin<Box<dyn rocket::futures::Stream<Item = T> + Send + 'a>>;

fn bulk_stream<'a>(
    state: &'a AppState,
    gzip: Gzip,
    span: Span,
    path: &str,
    permit: Option<Permit>,
) -> Streamed<'a> {
    let (head, tail) = bulk_ends(state, path);
    if !gzip.0 {
        let s = TextStream! {
                let _permit = permit;
                yield head;
                let mut first = true;
                if let Some((mut c, list)) = bulk_list(state, span).await {
                    for p in list {
                        match bulk_chunk(state, &mut c, span, &p, &mut first).await {
                            Some(chunk) => yield chunk,
                            None => break,
                        }
                    }
                }
                yield tail;
        };
        return Either::Left((ContentType::JSON, TextStream(Box::pin(s.0))));
    }
    let s = ByteStream! {
            let _permit = permit;
            let mut enc = GzEncoder::new(Vec::new(), Compression::default());
            let _ = enc.write_all(head.as_bytes());
            let mut first = true;
            if let Some((mut c, list)) = bulk_list(state, span).await {
                for p in list {
                    match bulk_chunk(state, &mut c, span, &p, &mut first).await {
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
    };
    Either::Right(GzipJson(
        ByteStream(Box::pin(s.0)),
        Header::new("Content-Encoding", "gzip"),
    ))
}

/// Every release in one package.
#[get("/ocds/bulk.json")]
fn bulk<'a>(
    state: &'a State<AppState>,
    gzip: Gzip,
    query: RawQuery,
    slot: Slot,
) -> Either<Streamed<'a>, Refusal> {
    let permit = match slot.0 {
        Ok(p) => p,
        Err(busy) => return Either::Right(Refusal::Busy(busy)),
    };
    if let Err(p) = query.strict(&[]) {
        return Either::Right(Refusal::Bad(crate::web::api_data::problem(p)));
    }
    Either::Left(bulk_stream(
        state,
        gzip,
        Span::All,
        "/ocds/bulk.json",
        permit,
    ))
}

/// `<year>.json` in a path: a year of the releases (four digits).
pub struct YearJson(pub i32);

impl<'a> FromParam<'a> for YearJson {
    type Error = &'a str;

    fn from_param(param: &'a str) -> Result<Self, Self::Error> {
        param
            .strip_suffix(".json")
            .filter(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|y| y.parse().ok())
            .filter(|y| (2000..=2999).contains(y))
            .map(YearJson)
            .ok_or(param)
    }
}

/// The releases dated in one year, Beijing time (`[YYYY-01-01T00:00+08:00,
/// (YYYY+1)-01-01T00:00+08:00)`), in one package.
#[get("/ocds/bulk/<year>")]
fn bulk_year<'a>(
    state: &'a State<AppState>,
    year: Result<YearJson, &str>,
    gzip: Gzip,
    query: RawQuery,
    slot: Slot,
) -> Result<Either<Streamed<'a>, Refusal>, AppError> {
    let year = year.map_err(|_| AppError::NotFound)?;
    let (from, to) = feed::year_range(year.0).ok_or(AppError::NotFound)?;
    let permit = match slot.0 {
        Ok(p) => p,
        Err(busy) => return Ok(Either::Right(Refusal::Busy(busy))),
    };
    if let Err(p) = query.strict(&[]) {
        return Ok(Either::Right(Refusal::Bad(crate::web::api_data::problem(
            p,
        ))));
    }
    let path = format!("/ocds/bulk/{}.json", year.0);
    Ok(Either::Left(bulk_stream(
        state,
        gzip,
        Span::Year(from, to),
        &path,
        permit,
    )))
}

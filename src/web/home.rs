//! The home page, the stylesheet, and the language switch.

use crate::domain::lang::Lang;
use crate::opendata::{self, Dataset, Query};
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::AppResult;
use crate::web::ctx::{PublicPage, LANG_COOKIE};
use crate::web::forms::safe_next;
use crate::web::page_cache::{self, Html};
use rocket::http::{ContentType, Cookie, CookieJar, SameSite};
use rocket::response::Redirect;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![
        home,
        stylesheet,
        sheet_script,
        form_check_script,
        link_lang,
        switch_lang
    ]
}

/// The public areas the front door shows, each with its list and how many rows it holds
/// (issue 24, item 1): the same count the list page shows under the same default filter.
const AREAS: [Dataset; 9] = [
    Dataset::Organizations,
    Dataset::Grades,
    Dataset::Intentions,
    Dataset::Projects,
    Dataset::Openings,
    Dataset::Awards,
    Dataset::Contracts,
    Dataset::Payments,
    Dataset::Reviews,
];

/// Each dataset's row count, as its list shows it under its default filter (`None`: more than
/// the count stops at).
pub type AreaCounts = Vec<(Dataset, Option<i64>)>;

/// Every dataset's count under its default filter, kept per data version and day
/// (`platform::kept`) in two groups: the home page's nine areas (nine counts over a million
/// organizations and 100,000 processes took 104 ms a render), and the other lists (the bids'
/// list counted 1,000 opened bids per request), each timed on its own so that the others'
/// cost does not make the home page's counts slow to bring up to date. Every list and API
/// page shows its own.
pub type Counts = crate::platform::kept::Kept<Group, AreaCounts>;

/// Which datasets' counts are kept together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// The home page's areas (`AREAS`).
    Areas,
    /// Every other dataset.
    Others,
}

impl Group {
    fn of(ds: Dataset) -> Group {
        if AREAS.contains(&ds) {
            Group::Areas
        } else {
            Group::Others
        }
    }
}

pub fn counts() -> Counts {
    crate::platform::kept::Kept::new(|db, group, today| {
        Box::pin(async move {
            let mut c = db.acquire().await?;
            let scope = opendata::Scope {
                backend: db.backend,
                today,
            };
            let mut out = Vec::new();
            for ds in opendata::ALL.into_iter().filter(|d| Group::of(*d) == group) {
                out.push((
                    ds,
                    opendata::count(&mut c, &scope, ds, &default_query(ds)).await?,
                ));
            }
            Ok(out)
        })
    })
}

/// At lift-off, a group's counts in the background (the home page's, the other lists').
pub fn warm_up(group: Group) -> rocket::fairing::AdHoc {
    let name = match group {
        Group::Areas => "home counts",
        Group::Others => "list counts",
    };
    crate::platform::kept::warm_up(name, |s| s.home_counts.clone(), group)
}

/// The query a list shows under its default filter (the one the home page counts).
fn default_query(ds: Dataset) -> Query {
    Query {
        status: ds.default_status().map(String::from),
        ..Query::default()
    }
}

/// The kept counts of `group` at the current data version (`counts`).
async fn kept_counts(
    state: &AppState,
    group: Group,
) -> AppResult<std::sync::Arc<crate::platform::kept::Snapshot<AreaCounts>>> {
    crate::platform::kept::current(state, &state.home_counts, group).await
}

/// A list's row count under `q`: under the dataset's default filter, the kept count (a list
/// page and its API page counted up to 10,000 rows per request: 5–9 ms of CPU at 100,000
/// processes); otherwise counted now.
/// Takes no connection from the caller: a request holding one while it waits for the counts'
/// computation (which takes its own) could leave the pool without any.
pub async fn list_count(
    state: &AppState,
    scope: &opendata::Scope,
    ds: Dataset,
    q: &Query,
) -> AppResult<Option<i64>> {
    if *q == default_query(ds) {
        let counts = kept_counts(state, Group::of(ds)).await?;
        if let Some((_, n)) = counts.value.iter().find(|(d, _)| *d == ds) {
            return Ok(*n);
        }
    }
    let mut c = state.db.acquire().await?;
    Ok(opendata::count(&mut c, scope, ds, q).await?)
}

fn home_context(counts: &AreaCounts) -> serde_json::Value {
    let areas: Vec<serde_json::Value> = AREAS
        .iter()
        .filter_map(|a| counts.iter().find(|(ds, _)| ds == a))
        .map(|(ds, count)| {
            json!({
                "slug": ds.slug(),
                "href": ds.list_path(),
                "count": count,
            })
        })
        .collect();
    json!({ "areas": areas, "cap": opendata::COUNT_CAP })
}

/// The front door: every public area with its live count, served through the public page cache.
#[get("/")]
async fn home(pg: PublicPage, state: &State<AppState>) -> AppResult<Html> {
    let counts = kept_counts(state, Group::Areas).await?;
    // The counts' own instant: a page rendered from counts since computed again is not served
    // for them.
    let key = format!("{}|{}", counts.today, counts.as_of_ms);
    page_cache::serve(&pg, state, "home", &key, async {
        Ok(home_context(&counts.value))
    })
    .await
}

const CSS: &str = include_str!("../../templates/static/app.css");

#[get("/static/app.css")]
fn stylesheet() -> (ContentType, &'static str) {
    (ContentType::CSS, CSS)
}

const SHEET_JS: &str = include_str!("../../templates/static/sheet.js");

/// The scoring sheets' live totals.
#[get("/static/sheet.js")]
fn sheet_script() -> (ContentType, &'static str) {
    (ContentType::JavaScript, SHEET_JS)
}

const FORM_CHECK_JS: &str = include_str!("../../templates/static/form-check.js");

/// Every form's text check before it is sent (the server's rule, shown as a field error).
#[get("/static/form-check.js")]
fn form_check_script() -> (ContentType, &'static str) {
    (ContentType::JavaScript, FORM_CHECK_JS)
}

#[derive(FromForm)]
pub struct LangForm {
    lang: Option<String>,
    next: Option<String>,
}

/// Sets the language cookie to the language asked for (Chinese when unknown) and says which.
fn remember_lang(jar: &CookieJar<'_>, state: &AppState, asked: Option<&str>) -> Lang {
    let lang = asked.and_then(Lang::parse).unwrap_or_default();
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .path("/")
        .max_age(rocket::time::Duration::days(365));
    jar.add(cookie);
    lang
}

/// Back to the page the switch was on (only a local one), or home.
fn back(next: Option<&str>) -> Redirect {
    Redirect::to(safe_next(next).unwrap_or_else(|| "/".into()))
}

/// The language switch of anonymous visitors, a link: it only sets the language cookie (no
/// form, so public pages carry no form token and are the same bytes for every visitor; a
/// language cookie set by another site's link is harmless) and goes back.
#[get("/lang?<lang>&<next>")]
fn link_lang(
    jar: &CookieJar<'_>,
    state: &State<AppState>,
    lang: Option<&str>,
    next: Option<&str>,
) -> Redirect {
    remember_lang(jar, state, lang);
    back(next)
}

/// Sets the language cookie (and the signed-in user's preference) and goes back.
#[post("/lang", data = "<form>")]
async fn switch_lang(
    jar: &CookieJar<'_>,
    user: Option<&CurrentUser>,
    state: &State<AppState>,
    form: CsrfForm<LangForm>,
) -> AppResult<Redirect> {
    let form = form.into_inner();
    let lang = remember_lang(jar, state, form.lang.as_deref());
    if let Some(u) = user.filter(|u| u.user.preferred_lang != lang.code()) {
        crate::platform::accounts::Accounts::of(state)
            .set_lang(u.id(), lang)
            .await?;
    }
    Ok(back(form.next.as_deref()))
}

//! OCDS endpoints (DOMAIN §7), public and stable: `/ocds/releases.json` (a release package,
//! 100 releases a page, `page` from 1, `since` an RFC 3339 date or day), `/ocds/records/<ocid>.json`
//! (a record package with the compiled release), `/ocds/bulk.json` (every release in one
//! package, streamed project by project).

use crate::app::AppState;
use crate::db::projects as store;
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::ocds;
use rocket::http::ContentType;
use rocket::request::FromParam;
use rocket::response::stream::TextStream;
use rocket::{get, routes, Route, State};
use serde_json::{json, Value};

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
    Ok(sqlx::query_scalar(
        "SELECT number FROM projects WHERE NOT (status = 'draft' AND round = 1) ORDER BY id",
    )
    .fetch_all(&mut *c)
    .await?)
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

#[get("/ocds/releases.json?<page>&<since>")]
async fn releases(
    state: &State<AppState>,
    page: Option<usize>,
    since: Option<&str>,
) -> AppResult<(ContentType, String)> {
    let page = page.unwrap_or(1).clamp(1, 1_000_000);
    let mut c = state.db.acquire().await?;
    let mut all = Vec::new();
    for n in numbers(&mut c).await? {
        all.extend(of_number(state, &mut c, &n).await?);
    }
    if let Some(s) = since.filter(|s| !s.is_empty()) {
        all.retain(|r| r["date"].as_str().is_some_and(|d| d >= s));
    }
    all.sort_by(|a, b| {
        (a["date"].as_str(), a["id"].as_str()).cmp(&(b["date"].as_str(), b["id"].as_str()))
    });
    let total = all.len();
    let slice: Vec<Value> = all.into_iter().skip((page - 1) * PAGE).take(PAGE).collect();
    let uri = format!("{}/ocds/releases.json?page={page}", base(state));
    let mut pkg = ocds::package(&uri, state.clock.now_ms(), slice);
    if page * PAGE < total {
        let since = since.map(|s| format!("&since={s}")).unwrap_or_default();
        pkg["links"] = json!({ "next": format!("{}/ocds/releases.json?page={}{since}", base(state), page + 1) });
    }
    Ok((ContentType::JSON, pkg.to_string()))
}

#[get("/ocds/records/<ocid>")]
async fn record(
    state: &State<AppState>,
    ocid: Result<OcidJson, &str>,
) -> AppResult<(ContentType, String)> {
    // Without the `.json` suffix (or with odd characters) there is no such record.
    let ocid = ocid.map_err(|_| AppError::NotFound)?;
    let prefix = format!("{}-", state.config.ocds_prefix);
    let number = ocid.0.strip_prefix(&prefix).ok_or(AppError::NotFound)?;
    if !crate::domain::procurement::valid_number(number) {
        return Err(AppError::NotFound);
    }
    let mut c = state.db.acquire().await?;
    let p = store::by_number(&mut c, number)
        .await?
        .filter(|p| !(p.status == "draft" && p.round == 1))
        .ok_or(AppError::NotFound)?;
    let rs = ocds::releases(&mut c, &state.config.ocds_prefix, &p).await?;
    let uri = format!("{}/ocds/records/{}.json", base(state), ocid.0);
    let pkg = ocds::record_package(&uri, state.clock.now_ms(), &ocid.0, rs);
    Ok((ContentType::JSON, pkg.to_string()))
}

/// Every release in one package, written project by project (the whole set is never held).
#[get("/ocds/bulk.json")]
fn bulk(state: &State<AppState>) -> (ContentType, TextStream![String + '_]) {
    let stream = TextStream! {
        let head = ocds::package(&format!("{}/ocds/bulk.json", base(state)), state.clock.now_ms(), Vec::new());
        let head = head.to_string();
        // The package with its releases array left open: everything up to `"releases":[`.
        let cut = head.find("\"releases\":[").map(|i| i + "\"releases\":[".len()).unwrap_or(head.len());
        yield head[..cut].to_string();
        let mut first = true;
        let listed = match state.db.acquire().await {
            Ok(mut c) => numbers(&mut c).await.ok().map(|n| (c, n)),
            Err(_) => None,
        };
        if let Some((mut c, list)) = listed {
            for n in list {
                match of_number(state, &mut c, &n).await {
                    Ok(rs) => {
                        let mut chunk = String::new();
                        for r in rs {
                            if !first {
                                chunk.push(',');
                            }
                            first = false;
                            chunk.push_str(&r.to_string());
                        }
                        yield chunk;
                    }
                    Err(e) => {
                        log::error!("ocds bulk: project {n}: {e}");
                        break;
                    }
                }
            }
        }
        yield head[cut..].to_string();
    };
    (ContentType::JSON, stream)
}

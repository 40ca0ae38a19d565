//! Public lists with filters and pages, and their downloads: every list of `opendata::ALL`
//! (the directory keeps its own page) offers CSV (streamed, any size), XLSX (capped) and JSON of
//! exactly the rows its filters show, described on the data dictionary page. No login anywhere.

use crate::db::intentions::Category as ServiceCategory;
use crate::db::Conn;
use crate::domain::calendar::{iso_date, shanghai_date};
use crate::domain::division;
use crate::domain::evaluation::Grade;
use crate::domain::procurement::Method;
use crate::domain::registration::{Category, OrgType};
use crate::opendata::{self, export, Cell, Dataset, Filter, Query, Row, Scope, Ty};
use crate::platform::app::AppState;
use crate::platform::error::{AppError, AppResult};
use crate::web::api_data::{problem, refusals, ApiParams, JsonReply, QueryNames};
use crate::web::ctx::{Page, PublicPage};
use crate::web::forms::urlencode;
use crate::web::page_cache::{self, Html};
use crate::web::template::Template;
use rocket::http::{ContentType, Header};
use rocket::request::FromParam;
use rocket::response::stream::ByteStream;
use rocket::{get, routes, FromForm, Responder, Route, State};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    routes![
        intentions, projects, openings, bids, awards, contracts, payments, reviews, grades,
        abnormal, serious, challenges, complaints, failures, intention, download, dictionary, hub
    ]
}

/// The filters as they come in a query string (anything invalid is dropped by `clean`).
#[derive(FromForm, Default, Debug, Clone)]
pub struct Params {
    pub q: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub district: Option<String>,
    pub year: Option<String>,
    pub grade: Option<String>,
    pub kind: Option<String>,
    pub org_type: Option<String>,
    pub page: Option<String>,
}

pub fn scope(state: &AppState) -> Scope {
    Scope {
        backend: state.db.backend,
        today: iso_date(shanghai_date(state.clock.now())),
    }
}

/// The service catalogue as the list pages show it, kept per data version and day (every list
/// page with a category filter read it: 0.1 ms of an uncached page's 1.3 ms at 100,000
/// processes). The catalogue changes only at start-up (`load_catalogue`), which also clears the
/// page cache; a server started before another process reloaded it sees the new names at the
/// next change of data or day, as its kept pages do.
pub type Categories = crate::platform::kept::Kept<(), Vec<ServiceCategory>>;

pub fn categories() -> Categories {
    crate::platform::kept::Kept::new(|db, (), _today| {
        Box::pin(async move {
            let mut c = db.acquire().await?;
            crate::db::intentions::categories(&mut c).await
        })
    })
}

pub async fn service_categories(c: &mut Conn) -> AppResult<Vec<String>> {
    Ok(crate::db::projects::service_category_codes(c).await?)
}

/// Whether `ds` filters by service category (organizations have their own categories).
fn takes_service_category(ds: Dataset) -> bool {
    ds.filters().contains(&Filter::Category) && ds != Dataset::Organizations
}

/// The filters `ds` understands with valid values; everything else is no filter.
pub async fn clean(c: &mut Conn, ds: Dataset, p: &Params) -> AppResult<Query> {
    let cats = if takes_service_category(ds) {
        service_categories(c).await?
    } else {
        Vec::new()
    };
    Ok(clean_with(ds, p, &cats))
}

/// As `clean`, with the service categories' codes already read.
fn clean_with(ds: Dataset, p: &Params, cats: &[String]) -> Query {
    let has = |f: Filter| ds.filters().contains(&f);
    let keep = |f: Filter, v: &Option<String>, ok: &dyn Fn(&str) -> bool| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| has(f) && !s.is_empty() && ok(s))
            .map(str::to_string)
    };
    Query {
        q: keep(Filter::Q, &p.q, &|_| true).map(|s| s.chars().take(50).collect()),
        status: keep(Filter::Status, &p.status, &|s| ds.statuses().contains(&s)),
        category: keep(Filter::Category, &p.category, &|s| {
            if ds == Dataset::Organizations {
                Category::parse(s).is_some()
            } else {
                cats.iter().any(|c| c == s)
            }
        }),
        district: keep(Filter::District, &p.district, &division::is_current),
        year: keep(Filter::Year, &p.year, &|s| {
            s.parse::<i32>().is_ok_and(|y| (2000..=2100).contains(&y))
        })
        .and_then(|s| s.parse().ok()),
        grade: keep(Filter::Grade, &p.grade, &|s| Grade::parse(s).is_some()),
        kind: keep(Filter::Kind, &p.kind, &|s| ds.kinds().contains(&s)),
        org_type: keep(Filter::OrgType, &p.org_type, &|s| {
            OrgType::parse(s).is_some()
        }),
    }
}

/// `key=value&…` of the filters set.
pub fn query_string(q: &Query) -> String {
    q.pairs()
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A cell as the page shows it.
fn display(pg: &Page, c: &Cell) -> String {
    let en = pg.lang.code() == "en";
    match c {
        Cell::Null => String::new(),
        Cell::Money(f) => format!("¥{}", crate::domain::money::Money::from_fen(*f).grouped()),
        Cell::Time(ms) => {
            let args = [("lang".to_string(), json!(pg.lang.code()))].into();
            crate::web::filters::datetime(&json!(ms), &args)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        }
        Cell::Code(prefix, code) => pg.t(&format!("{prefix}{code}")),
        Cell::Centi(n) => crate::domain::money::Money::from_fen(*n).to_string(),
        Cell::Name(zh, e) => if en { e } else { zh }.clone(),
        Cell::District(code) => opendata::district_name(code, en),
        other => other.plain(),
    }
}

fn row_view(pg: &Page, ds: Dataset, r: &Row) -> Value {
    let cells: Vec<Value> = ds
        .columns()
        .iter()
        .zip(&r.cells)
        .map(|(col, c)| {
            json!({
                "text": display(pg, c),
                "num": matches!(col.ty, Ty::Money | Ty::Int | Ty::Centi),
                "link": if col.link { r.link.clone() } else { None },
            })
        })
        .collect();
    json!(cells)
}

/// The choices of each filter the dataset has, for the filter form.
fn choices(pg: &Page, ds: Dataset, categories: &[ServiceCategory]) -> Value {
    let en = pg.lang.code() == "en";
    let pair = |v: &str, label: String| json!({ "value": v, "label": label });
    let mut out = serde_json::Map::new();
    for f in ds.filters() {
        let list: Vec<Value> = match f {
            Filter::Q | Filter::Year => continue,
            Filter::Status => ds
                .statuses()
                .iter()
                .map(|s| pair(s, pg.t(&format!("datastatus-{s}"))))
                .collect(),
            Filter::Kind => ds
                .kinds()
                .iter()
                .map(|s| pair(s, pg.t(&format!("datakind-{s}"))))
                .collect(),
            Filter::Category if ds == Dataset::Organizations => Category::ALL
                .iter()
                .map(|x| pair(x.code(), pg.t(&format!("category-{}", x.code()))))
                .collect(),
            Filter::Category => categories
                .iter()
                .map(|x| pair(&x.code, if en { &x.name_en } else { &x.name_zh }.clone()))
                .collect(),
            Filter::District => division::NINGBO
                .iter()
                .map(|(code, zh, e)| pair(code, if en { e } else { zh }.to_string()))
                .collect(),
            Filter::Grade => Grade::ALL
                .iter()
                .map(|g| pair(g.code(), pg.t(&format!("grade-{}", g.code()))))
                .collect(),
            Filter::OrgType => OrgType::ALL
                .iter()
                .map(|x| pair(x.code(), pg.t(&format!("orgtype-{}", x.code()))))
                .collect(),
        };
        out.insert(f.key().to_string(), json!(list));
    }
    Value::Object(out)
}

async fn list_context(
    pg: &Page,
    state: &AppState,
    ds: Dataset,
    params: &Params,
) -> AppResult<Value> {
    // The service categories: the filter's valid codes and the form's choices.
    let kept;
    let categories: &[ServiceCategory] = if takes_service_category(ds) {
        kept = crate::platform::kept::current(state, &state.service_categories, ()).await?;
        &kept.value
    } else {
        &[]
    };
    let codes: Vec<String> = categories.iter().map(|x| x.code.clone()).collect();
    let mut c = state.db.acquire().await?;
    let mut q = clean_with(ds, params, &codes);
    if q.status.is_none() {
        q.status = ds.default_status().map(String::from);
    }
    let page_no = params
        .page
        .as_deref()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, opendata::MAX_PAGE);
    let sc = scope(state);
    let rows = opendata::page(&mut c, &sc, ds, &q, page_no, opendata::PAGE_SIZE).await?;
    drop(c);
    let count = crate::web::home::list_count(state, &sc, ds, &q).await?;
    let pages = match count {
        Some(n) => ((n + opendata::PAGE_SIZE - 1) / opendata::PAGE_SIZE).max(1),
        None if rows.len() as i64 == opendata::PAGE_SIZE => page_no + 1,
        None => page_no,
    }
    .min(opendata::MAX_PAGE);
    let filters: Vec<&str> = ds.filters().iter().map(|f| f.key()).collect();
    let qs = query_string(&q);
    Ok(json!({
        "ds": ds.slug(),
        "list_path": ds.list_path(),
        "columns": ds.columns().iter().map(|c| c.key).collect::<Vec<_>>(),
        "rows": rows.iter().map(|r| row_view(pg, ds, r)).collect::<Vec<_>>(),
        "count": count, "cap": opendata::COUNT_CAP,
        "page_no": page_no, "pages": pages,
        "filters": filters, "q": q.q, "year": q.year,
        "selected": {
            "status": q.status, "category": q.category, "district": q.district,
            "grade": q.grade, "kind": q.kind, "org_type": q.org_type,
        },
        "choices": choices(pg, ds, categories),
        "qs": qs,
        "datasets": opendata::ALL.iter().map(|d| json!({"slug": d.slug(), "path": d.list_path()})).collect::<Vec<_>>(),
        "xlsx_cap": export::XLSX_CAP,
        // The datasets of issue 24 say in a sentence what they hold and leave out.
        "lead": matches!(ds, Dataset::Abnormal | Dataset::Serious | Dataset::Challenges
                             | Dataset::Complaints | Dataset::Failures),
    }))
}

async fn list(pg: PublicPage, state: &AppState, ds: Dataset, params: Params) -> AppResult<Html> {
    // Grades and contract states change with the day: the day is part of the key.
    let today = scope(state).today;
    page_cache::serve(
        &pg,
        state,
        "data/list",
        &today,
        list_context(&pg, state, ds, &params),
    )
    .await
}

macro_rules! list_route {
    ($name:ident, $path:literal, $ds:expr) => {
        #[get($path)]
        async fn $name(pg: PublicPage, state: &State<AppState>, f: Params) -> AppResult<Html> {
            list(pg, state, $ds, f).await
        }
    };
}

list_route!(intentions, "/intentions?<f..>", Dataset::Intentions);
list_route!(projects, "/projects?<f..>", Dataset::Projects);
list_route!(openings, "/openings?<f..>", Dataset::Openings);
list_route!(bids, "/openings/bids?<f..>", Dataset::Bids);
list_route!(awards, "/awards?<f..>", Dataset::Awards);
list_route!(contracts, "/contracts?<f..>", Dataset::Contracts);
list_route!(payments, "/payments?<f..>", Dataset::Payments);
list_route!(reviews, "/performance?<f..>", Dataset::Reviews);
list_route!(grades, "/grades?<f..>", Dataset::Grades);
list_route!(abnormal, "/credit/abnormal?<f..>", Dataset::Abnormal);
list_route!(serious, "/credit/serious?<f..>", Dataset::Serious);
list_route!(challenges, "/challenges?<f..>", Dataset::Challenges);
list_route!(
    complaints,
    "/complaint-decisions?<f..>",
    Dataset::Complaints
);
list_route!(failures, "/failures?<f..>", Dataset::Failures);

/// One procurement intention (采购意向), the page its dataset row links to.
#[get("/intentions/<id>")]
async fn intention(pg: PublicPage, state: &State<AppState>, id: i64) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let i = crate::db::intentions::intention_by_id(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let category = crate::db::intentions::categories(&mut c)
        .await?
        .into_iter()
        .find(|k| k.code == i.category_code);
    Ok(pg.render("data/intention", json!({ "i": i, "category": category })))
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// `awards.csv`, `grades.xlsx`, …
pub struct ExportFile(pub Dataset, pub Format);

impl<'a> FromParam<'a> for ExportFile {
    type Error = &'a str;

    fn from_param(param: &'a str) -> Result<Self, Self::Error> {
        let (slug, ext) = param.rsplit_once('.').ok_or(param)?;
        let ds = Dataset::parse(slug).ok_or(param)?;
        match ext {
            "csv" => Ok(ExportFile(ds, Format::Csv)),
            "xlsx" => Ok(ExportFile(ds, Format::Xlsx)),
            _ => Err(param),
        }
    }
}

#[derive(Responder)]
pub struct Download<T> {
    body: T,
    kind: ContentType,
    disposition: Header<'static>,
}

fn attachment(name: String) -> Header<'static> {
    Header::new(
        "Content-Disposition",
        format!("attachment; filename=\"{name}\""),
    )
}

/// Every row of `ds` under `q`, batch by batch, to `each` (which may stop by returning false).
pub async fn each_batch<F>(
    c: &mut Conn,
    sc: &Scope,
    ds: Dataset,
    q: &Query,
    mut each: F,
) -> Result<(), sqlx::Error>
where
    F: FnMut(Vec<Row>) -> bool,
{
    let mut before = None;
    let mut offset = 0;
    loop {
        let rows = opendata::batch(c, sc, ds, q, before, offset).await?;
        let n = rows.len() as i64;
        before = rows.last().map(|r| r.key);
        offset += n;
        if n == 0 || !each(rows) || n < opendata::BATCH {
            return Ok(());
        }
    }
}

fn csv_stream(state: &AppState, ds: Dataset, q: Query) -> ByteStream![Vec<u8> + '_] {
    ByteStream! {
        yield export::csv_header(ds.columns());
        let sc = scope(state);
        let mut c = match state.db.acquire().await {
            Ok(c) => c,
            Err(e) => {
                log::error!("csv export {}: {e}", ds.slug());
                return;
            }
        };
        let mut before = None;
        let mut offset = 0;
        loop {
            match opendata::batch(&mut c, &sc, ds, &q, before, offset).await {
                Ok(rows) => {
                    let n = rows.len() as i64;
                    before = rows.last().map(|r| r.key);
                    offset += n;
                    if n > 0 {
                        yield export::csv_rows(&rows, &state.config.public_url);
                    }
                    if n < opendata::BATCH {
                        break;
                    }
                }
                Err(e) => {
                    log::error!("csv export {}: {e}", ds.slug());
                    yield "\r\n# export interrupted / 导出中断，请重试\r\n".as_bytes().to_vec();
                    break;
                }
            }
        }
    }
}

/// The dataset as CSV (every row, streamed) or XLSX (capped). Its query is held to the API's
/// rules: an unknown parameter, a repeated one, a filter the dataset does not take or a value
/// it does not know is a 400 problem naming it, never a file of every row.
#[get("/data/<file>?<f..>")]
async fn download<'a>(
    pg: PublicPage,
    state: &'a State<AppState>,
    file: Result<ExportFile, &str>,
    names: QueryNames,
    f: ApiParams,
) -> AppResult<
    rocket::Either<
        Download<ByteStream![Vec<u8> + 'a]>,
        rocket::Either<Download<Vec<u8>>, JsonReply>,
    >,
> {
    let ExportFile(ds, format) = file.map_err(|_| AppError::NotFound)?;
    let (p, twice) = f.single();
    let mut c = state.db.acquire().await?;
    let q = clean(&mut c, ds, &p).await?;
    let bad = refusals(ds, &names, false, &p, twice, &q);
    if !bad.is_empty() {
        return Ok(rocket::Either::Right(rocket::Either::Right(problem(bad))));
    }
    if format == Format::Csv {
        drop(c);
        return Ok(rocket::Either::Left(Download {
            body: csv_stream(state, ds, q),
            kind: ContentType::new("text", "csv").with_params(("charset", "utf-8")),
            disposition: attachment(format!("{}.csv", ds.slug())),
        }));
    }
    let sc = scope(state);
    let mut rows = Vec::new();
    each_batch(&mut c, &sc, ds, &q, |batch| {
        rows.extend(batch);
        rows.len() <= export::XLSX_CAP
    })
    .await?;
    let more = rows.len() > export::XLSX_CAP;
    rows.truncate(export::XLSX_CAP);
    let labels: Vec<String> = ds
        .columns()
        .iter()
        .map(|c| c.key)
        .chain(export::ROW_KEYS)
        .map(|k| pg.t(&format!("col-{k}")))
        .collect();
    let note = pg
        .t("data-xlsx-truncated")
        .replace("%N%", &export::XLSX_CAP.to_string());
    let bytes = export::xlsx(
        ds.slug(),
        &labels,
        ds.columns(),
        &rows,
        more,
        &note,
        &state.config.public_url,
    )
    .map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    Ok(rocket::Either::Right(rocket::Either::Left(Download {
        body: bytes,
        kind: ContentType::new(
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        disposition: attachment(format!("{}.xlsx", ds.slug())),
    })))
}

/// The reasons a credit listing gives (民政部令60 arts. 10 and 14; `domain::credit`).
const LISTING_REASONS: [&str; 13] = [
    "annual_report_missing",
    "unreachable",
    "rectification_not_done",
    "penalty_warning",
    "small_fine",
    "rectified",
    "abnormal_two_years",
    "revoked",
    "change_revoked",
    "suspension",
    "large_fine",
    "repeated_penalties",
    "dishonest_debtor",
];

/// The values a code column takes.
pub fn codes(prefix: &str) -> Vec<String> {
    let list: Vec<&str> = match prefix {
        "projkind-" => vec!["procurement", "programme"],
        "method-" => {
            return Method::ALL
                .iter()
                .map(|m| m.code().replace('_', "-"))
                .collect()
        }
        "projstatus-" => vec![
            "published",
            "opened",
            "awarded",
            "contracted",
            "failed",
            "cancelled",
        ],
        "envelope-" => vec!["initial", "final"],
        "openoutcome-" => vec!["opened", "failed"],
        "winner-" => vec!["winner", "refused", "disqualified"],
        "contractkind-" => vec!["contract", "agreement"],
        "contractstate-" => vec!["delivery", "accepted", "terminated"],
        "perfgrade-" => vec!["excellent", "good", "fair", "poor"],
        "entrykind-" => vec!["payment", "reversal"],
        "reviewer-" => vec!["purchaser", "third_party"],
        "grade-" => Grade::ALL.iter().map(|g| g.code()).collect(),
        "orgtype-" => OrgType::ALL.iter().map(|t| t.code()).collect(),
        "category-" => Category::ALL.iter().map(|t| t.code()).collect(),
        "orgstatus-" => crate::domain::registration::ORG_STATUSES.to_vec(),
        "listing-" => LISTING_REASONS.to_vec(),
        "removal-" => vec!["rectified", "moved_serious", "automatic"],
        "challengetarget-" => vec!["documents", "process", "result"],
        "challengestep-" => vec!["opening", "qualification", "compliance", "report"],
        "yesno-" => vec!["yes", "no"],
        "complaintoutcome-" => vec!["upheld", "dismissed"],
        "failstage-" => vec![
            "opening",
            "final-opening",
            "qualification",
            "compliance",
            "cancelled",
        ],
        _ => Vec::new(),
    };
    list.into_iter().map(str::to_string).collect()
}

fn ty_key(t: Ty) -> &'static str {
    match t {
        Ty::Text => "text",
        Ty::Int => "int",
        Ty::Money => "money",
        Ty::Date => "date",
        Ty::Time => "time",
        Ty::Code(_) => "code",
        Ty::Name => "name",
        Ty::District => "district",
        Ty::Centi => "centi",
    }
}

#[get("/data/dictionary")]
fn dictionary(pg: Page) -> Template {
    let sets: Vec<Value> = opendata::ALL
        .iter()
        .map(|ds| {
            let mut cols: Vec<Value> = ds
                .columns()
                .iter()
                .map(|c| {
                    let values: Vec<Value> = match c.ty {
                        Ty::Code(p) => codes(p)
                            .into_iter()
                            .map(|v| json!({ "code": v, "label": pg.t(&format!("{p}{v}")) }))
                            .collect(),
                        _ => Vec::new(),
                    };
                    json!({ "key": c.key, "ty": ty_key(c.ty), "values": values })
                })
                .collect();
            // Every format's last two columns.
            for (key, ty) in export::ROW_KEYS.iter().zip([Ty::Int, Ty::Text]) {
                cols.push(json!({ "key": key, "ty": ty_key(ty), "values": [] }));
            }
            json!({ "slug": ds.slug(), "path": ds.list_path(), "columns": cols })
        })
        .collect();
    pg.render("data/dictionary", json!({ "sets": sets }))
}

#[get("/data")]
async fn hub(pg: Page, state: &State<AppState>) -> AppResult<Template> {
    // A list that shows a part by default (open projects, current listings) is downloaded whole
    // from here: `status=all`.
    let sets: Vec<Value> = opendata::ALL
        .iter()
        .map(|d| {
            let qs = if d.default_status().is_some() {
                "?status=all"
            } else {
                ""
            };
            json!({ "slug": d.slug(), "path": d.list_path(), "qs": qs })
        })
        .collect();
    // The years of the OCDS bulk files by year (`/ocds/bulk/<year>.json`).
    let mut c = state.db.acquire().await?;
    let years = opendata::feed::years(&mut c).await?;
    Ok(pg.render(
        "data/hub",
        json!({ "sets": sets, "xlsx_cap": export::XLSX_CAP, "ocds_years": years }),
    ))
}

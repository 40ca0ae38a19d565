//! The public JSON API (`/api/v1/<dataset>`): the same datasets, filters and rows as the lists
//! and downloads, a page at a time. Unlike the pages, which ignore a filter value they do not
//! know, the API refuses it with a problem document naming the parameter. Parameters no dataset
//! takes (`?uscc=`, `?page_size=`) are refused the same way, here and on the downloads
//! (`/data/<dataset>.csv`), since Rocket's forms would skip them. The OpenAPI document at
//! `/api/v1/openapi.json` is made by utoipa: the health check from its annotations, the
//! datasets' operations and row schemas from the same column and filter definitions that
//! produce the data, so the description cannot drift from the responses.

use crate::domain::division;
use crate::opendata::{self, export, Dataset, Filter, Query, Ty};
use crate::platform::app::AppState;
use crate::platform::error::AppResult;
use crate::web::opendata::{clean, codes, query_string, scope, Params};
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{ContentType, Header, Method, Status};
use rocket::request::{self, FromRequest};
use rocket::{get, routes, Route, State};
use rocket::{Request, Response};
use serde_json::{json, Value};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, PathItem, Ref, RefOr, Required, ResponseBuilder,
};
use utoipa::{Modify, OpenApi};

pub fn routes() -> Vec<Route> {
    routes![
        openapi,
        intentions,
        projects,
        openings,
        bids,
        awards,
        contracts,
        payments,
        reviews,
        grades,
        organizations,
        abnormal,
        serious,
        challenges,
        complaints,
        failures
    ]
}

/// A JSON answer with its status and media type.
pub type JsonReply = (Status, (ContentType, String));

pub(crate) fn problem<N: AsRef<str>>(invalid: Vec<(N, &'static str)>) -> JsonReply {
    let params: Vec<Value> = invalid
        .iter()
        .map(|(name, reason)| json!({ "name": name.as_ref(), "reason": reason }))
        .collect();
    let body = json!({
        "type": "about:blank",
        "title": "Invalid query parameter",
        "status": 400,
        "detail": "无效的查询参数 / invalid query parameters",
        "invalid_params": params,
    });
    (
        Status::BadRequest,
        (
            ContentType::new("application", "problem+json"),
            body.to_string(),
        ),
    )
}

/// The names of the query's parameters as sent, decoded. Rocket's forms skip a field they do
/// not declare, so a misspelt or unsupported filter (`?uscc=`, `?page_size=`) would otherwise
/// answer 200 with every row, and a consumer would believe it had filtered.
pub struct QueryNames(pub Vec<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for QueryNames {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        request::Outcome::Success(QueryNames(
            req.query_fields()
                .map(|f| f.name.source().to_string())
                .collect(),
        ))
    }
}

/// Every parameter a dataset URL may carry: the filters and, on the API, the page.
const PARAMS: [&str; 9] = [
    "q", "status", "category", "district", "year", "grade", "kind", "org_type", "page",
];

/// The parameters sent that no dataset URL takes (each named once, cut to 50 characters);
/// `page` too for a download, which holds every row.
pub(crate) fn unknown(names: &QueryNames, paged: bool) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for n in &names.0 {
        let known = PARAMS.contains(&n.as_str()) && (paged || n != "page");
        let name: String = n.chars().take(50).collect();
        if !known && !out.iter().any(|(m, _)| *m == name) {
            out.push((name, "unknown parameter"));
        }
    }
    out
}

/// What is wrong with a dataset query: unknown parameters, parameters given twice, filters
/// the dataset does not take and values it does not know.
pub(crate) fn refusals(
    ds: Dataset,
    names: &QueryNames,
    paged: bool,
    p: &Params,
    twice: Vec<&'static str>,
    q: &Query,
) -> Vec<(String, &'static str)> {
    let mut bad = unknown(names, paged);
    bad.extend(
        twice
            .into_iter()
            .map(|n| (n.to_string(), "given more than once")),
    );
    bad.extend(
        invalid(ds, p, q)
            .into_iter()
            .map(|(n, r)| (n.to_string(), r)),
    );
    bad
}

/// The parameters given that the dataset does not take, or whose values it does not know.
fn invalid(ds: Dataset, p: &Params, q: &Query) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let year = q.year.map(|y| y.to_string());
    for (f, given, kept) in [
        (Filter::Q, &p.q, &q.q),
        (Filter::Status, &p.status, &q.status),
        (Filter::Category, &p.category, &q.category),
        (Filter::District, &p.district, &q.district),
        (Filter::Year, &p.year, &year),
        (Filter::Grade, &p.grade, &q.grade),
        (Filter::Kind, &p.kind, &q.kind),
        (Filter::OrgType, &p.org_type, &q.org_type),
    ] {
        let Some(given) = given else { continue };
        // Surrounding spaces of a search are not part of it (as on the pages).
        let given = if f == Filter::Q {
            given.trim()
        } else {
            given.as_str()
        };
        if !ds.filters().contains(&f) {
            out.push((f.key(), "not a filter of this dataset"));
        } else if f == Filter::Q && given.chars().count() > 50 {
            out.push((f.key(), "at most 50 characters"));
        } else if kept.as_deref() != Some(given) {
            out.push((f.key(), "not one of the accepted values"));
        }
    }
    out
}

fn page_of(p: &Params) -> Option<i64> {
    match &p.page {
        None => Some(1),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=opendata::MAX_PAGE).contains(n)),
    }
}

/// The query as sent: a parameter given twice is refused, not silently reduced to one.
#[derive(rocket::FromForm, Default)]
pub struct ApiParams {
    q: Vec<String>,
    status: Vec<String>,
    category: Vec<String>,
    district: Vec<String>,
    year: Vec<String>,
    grade: Vec<String>,
    kind: Vec<String>,
    org_type: Vec<String>,
    page: Vec<String>,
}

impl ApiParams {
    /// The single values, and the names of the parameters given more than once.
    pub(crate) fn single(self) -> (Params, Vec<&'static str>) {
        let mut twice = Vec::new();
        let mut one = |name: &'static str, mut v: Vec<String>| {
            if v.len() > 1 {
                twice.push(name);
            }
            v.pop()
        };
        let p = Params {
            q: one("q", self.q),
            status: one("status", self.status),
            category: one("category", self.category),
            district: one("district", self.district),
            year: one("year", self.year),
            grade: one("grade", self.grade),
            kind: one("kind", self.kind),
            org_type: one("org_type", self.org_type),
            page: one("page", self.page),
        };
        (p, twice)
    }
}

async fn list(
    state: &AppState,
    ds: Dataset,
    names: QueryNames,
    given: ApiParams,
) -> AppResult<JsonReply> {
    let (p, twice) = given.single();
    let mut c = state.db.acquire().await?;
    let q = clean(&mut c, ds, &p).await?;
    let mut bad = refusals(ds, &names, true, &p, twice, &q);
    let page = page_of(&p);
    if page.is_none() {
        bad.push(("page".into(), "an integer from 1 to 500"));
    }
    let Some(page) = page.filter(|_| bad.is_empty()) else {
        return Ok(problem(bad));
    };
    let sc = scope(state);
    let rows = opendata::page(&mut c, &sc, ds, &q, page, opendata::PAGE_SIZE).await?;
    drop(c);
    let count = crate::web::home::list_count(state, &sc, ds, &q).await?;
    let full = rows.len() as i64 == opendata::PAGE_SIZE;
    let more = match count {
        Some(n) => page * opendata::PAGE_SIZE < n,
        None => full,
    } && page < opendata::MAX_PAGE;
    let base = state.config.public_url.trim_end_matches('/');
    let qs = query_string(&q);
    let sep = if qs.is_empty() { "" } else { "&" };
    let next = more.then(|| format!("{base}/api/v1/{}?{qs}{sep}page={}", ds.slug(), page + 1));
    let body = json!({
        "dataset": ds.slug(),
        "page": page,
        "page_size": opendata::PAGE_SIZE,
        "count": count,
        "next": next,
        "rows": rows.iter().map(|r| export::json_row(ds.columns(), r, base)).collect::<Vec<_>>(),
    });
    Ok((Status::Ok, (ContentType::JSON, body.to_string())))
}

macro_rules! api_route {
    ($name:ident, $path:literal, $ds:expr) => {
        #[get($path)]
        async fn $name(
            state: &State<AppState>,
            names: QueryNames,
            f: ApiParams,
        ) -> AppResult<JsonReply> {
            list(state, $ds, names, f).await
        }
    };
}

api_route!(intentions, "/api/v1/intentions?<f..>", Dataset::Intentions);
api_route!(projects, "/api/v1/projects?<f..>", Dataset::Projects);
api_route!(openings, "/api/v1/openings?<f..>", Dataset::Openings);
api_route!(bids, "/api/v1/bids?<f..>", Dataset::Bids);
api_route!(awards, "/api/v1/awards?<f..>", Dataset::Awards);
api_route!(contracts, "/api/v1/contracts?<f..>", Dataset::Contracts);
api_route!(payments, "/api/v1/payments?<f..>", Dataset::Payments);
api_route!(reviews, "/api/v1/reviews?<f..>", Dataset::Reviews);
api_route!(grades, "/api/v1/grades?<f..>", Dataset::Grades);
api_route!(
    organizations,
    "/api/v1/organizations?<f..>",
    Dataset::Organizations
);
api_route!(abnormal, "/api/v1/abnormal?<f..>", Dataset::Abnormal);
api_route!(serious, "/api/v1/serious?<f..>", Dataset::Serious);
api_route!(challenges, "/api/v1/challenges?<f..>", Dataset::Challenges);
api_route!(complaints, "/api/v1/complaints?<f..>", Dataset::Complaints);
api_route!(failures, "/api/v1/failures?<f..>", Dataset::Failures);

/// The service's health.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct Health {
    /// Always `ok` when the service answers.
    pub status: String,
}

/// Whether the service answers.
#[utoipa::path(get, path = "/api/v1/health", tag = "service",
    responses((status = 200, description = "The service answers", body = Health)))]
#[allow(dead_code)]
fn health_doc() {}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Huoban open data API",
        version = "1.0.0",
        description = "Public data of the registry, evaluation and government purchase of services, without login. Amounts are yuan strings with two decimals; times are ISO 8601 in Beijing time."
    ),
    paths(health_doc),
    components(schemas(Health))
)]
pub struct ApiDoc;

/// Adds the datasets' operations; the service categories are the database's.
struct Datasets {
    categories: Vec<String>,
}

fn nullable(t: Type) -> SchemaType {
    SchemaType::Array(vec![t, Type::Null])
}

fn string_enum(values: Vec<String>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .enum_values(Some(values))
}

fn row_schema(ds: Dataset) -> Schema {
    let mut o = ObjectBuilder::new().schema_type(SchemaType::new(Type::Object));
    for c in ds.columns() {
        let prop = match c.ty {
            Ty::Int => ObjectBuilder::new().schema_type(nullable(Type::Integer)),
            Ty::Centi => ObjectBuilder::new()
                .schema_type(nullable(Type::String))
                .pattern(Some(r"^[0-9]+\.[0-9]{2}$"))
                .description(Some("points, two decimals")),
            Ty::Money => ObjectBuilder::new()
                .schema_type(nullable(Type::String))
                .pattern(Some(r"^-?[0-9]+\.[0-9]{2}$"))
                .description(Some("yuan, two decimals")),
            Ty::Code(prefix) => {
                let mut vals: Vec<Value> = codes(prefix).into_iter().map(Value::String).collect();
                vals.push(Value::Null);
                ObjectBuilder::new()
                    .schema_type(nullable(Type::String))
                    .enum_values(Some(vals))
            }
            Ty::Time => ObjectBuilder::new()
                .schema_type(nullable(Type::String))
                .pattern(Some(
                    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+08:00$",
                )),
            _ => ObjectBuilder::new().schema_type(nullable(Type::String)),
        };
        o = o.property(c.key, prop).required(c.key);
    }
    o = o
        .property(
            "id",
            ObjectBuilder::new()
                .schema_type(SchemaType::new(Type::Integer))
                .description(Some("the row's key in the dataset")),
        )
        .required("id")
        .property(
            "url",
            ObjectBuilder::new()
                .schema_type(nullable(Type::String))
                .description(Some(
                    "the row's public page, absolute; null for a row without a page",
                )),
        )
        .required("url");
    Schema::Object(o.build())
}

fn page_schema(ds: Dataset, row: &str) -> Schema {
    let o = ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Object))
        .property("dataset", string_enum(vec![ds.slug().to_string()]))
        .required("dataset")
        .property(
            "page",
            ObjectBuilder::new()
                .schema_type(SchemaType::new(Type::Integer))
                .minimum(Some(1)),
        )
        .required("page")
        .property(
            "page_size",
            ObjectBuilder::new().schema_type(SchemaType::new(Type::Integer)),
        )
        .required("page_size")
        .property(
            "count",
            ObjectBuilder::new()
                .schema_type(nullable(Type::Integer))
                .description(Some("null when more than the count stops at")),
        )
        .required("count")
        .property(
            "next",
            ObjectBuilder::new().schema_type(nullable(Type::String)),
        )
        .required("next")
        .property(
            "rows",
            ArrayBuilder::new().items(RefOr::Ref(Ref::from_schema_name(row))),
        )
        .required("rows");
    Schema::Object(o.build())
}

fn problem_schema() -> Schema {
    let param = ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Object))
        .property(
            "name",
            ObjectBuilder::new().schema_type(SchemaType::new(Type::String)),
        )
        .property(
            "reason",
            ObjectBuilder::new().schema_type(SchemaType::new(Type::String)),
        );
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Object))
            .property(
                "type",
                ObjectBuilder::new().schema_type(SchemaType::new(Type::String)),
            )
            .property(
                "title",
                ObjectBuilder::new().schema_type(SchemaType::new(Type::String)),
            )
            .property(
                "status",
                ObjectBuilder::new().schema_type(SchemaType::new(Type::Integer)),
            )
            .property(
                "detail",
                ObjectBuilder::new().schema_type(SchemaType::new(Type::String)),
            )
            .property("invalid_params", ArrayBuilder::new().items(param))
            .required("title")
            .required("status")
            .build(),
    )
}

fn filter_schema(ds: Dataset, f: Filter, categories: &[String]) -> ObjectBuilder {
    let s = |v: Vec<String>| string_enum(v);
    match f {
        Filter::Q => ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .min_length(Some(1))
            .max_length(Some(50))
            // At least one non-space, and none of what `domain::text::check` refuses at the
            // boundary (C0 and C1 controls, DEL, bidirectional overrides and isolates, U+FFFD):
            // the document promises only what the server accepts.
            .pattern(Some(
                r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069\uFFFD]*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069\uFFFD][^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069\uFFFD]*$",
            ))
            .description(Some(
                "words in the title, number or name; surrounding spaces are ignored; no control \
                 or text-direction characters",
            )),
        Filter::Year => ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Integer))
            .minimum(Some(2000))
            .maximum(Some(2100)),
        Filter::Status => s(ds.statuses().iter().map(|x| x.to_string()).collect()),
        Filter::Kind => s(ds.kinds().iter().map(|x| x.to_string()).collect()),
        Filter::District => s(division::NINGBO.iter().map(|d| d.0.to_string()).collect()),
        Filter::Grade => s(codes("grade-")),
        Filter::OrgType => s(codes("orgtype-")),
        Filter::Category if ds == Dataset::Organizations => s(codes("category-")),
        Filter::Category => s(categories.to_vec()),
    }
}

impl Modify for Datasets {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let mut comps = doc
            .components
            .take()
            .unwrap_or_else(|| ComponentsBuilder::new().build());
        comps
            .schemas
            .insert("Problem".into(), RefOr::T(problem_schema()));
        for ds in opendata::ALL {
            let title: String = ds
                .slug()
                .chars()
                .take(1)
                .flat_map(char::to_uppercase)
                .chain(ds.slug().chars().skip(1))
                .collect();
            let row = format!("{title}Row");
            let page = format!("{title}Page");
            comps.schemas.insert(row.clone(), RefOr::T(row_schema(ds)));
            comps
                .schemas
                .insert(page.clone(), RefOr::T(page_schema(ds, &row)));
            let mut op = OperationBuilder::new()
                .operation_id(Some(format!("list_{}", ds.slug())))
                .tag("datasets")
                .summary(Some(format!("The {} list, 20 rows a page, newest first", ds.slug())))
                .description(Some(format!(
                    "The same rows as {} and /data/{}.csv under the same filters; the columns are described at /data/dictionary#{}.",
                    ds.list_path(),
                    ds.slug(),
                    ds.slug()
                )));
            for f in ds.filters() {
                op = op.parameter(
                    ParameterBuilder::new()
                        .name(f.key())
                        .parameter_in(ParameterIn::Query)
                        .required(Required::False)
                        .schema(Some(filter_schema(ds, *f, &self.categories))),
                );
            }
            op = op
                .parameter(
                    ParameterBuilder::new()
                        .name("page")
                        .parameter_in(ParameterIn::Query)
                        .required(Required::False)
                        .schema(Some(
                            ObjectBuilder::new()
                                .schema_type(SchemaType::new(Type::Integer))
                                .minimum(Some(1))
                                .maximum(Some(opendata::MAX_PAGE)),
                        )),
                )
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description("A page of rows")
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(RefOr::Ref(Ref::from_schema_name(&page))))
                                .build(),
                        ),
                )
                .response(
                    "400",
                    ResponseBuilder::new()
                        .description(
                            "An unknown parameter, one given twice, a filter the dataset does not \
                             take or a value it does not know, each named in invalid_params",
                        )
                        .content(
                            "application/problem+json",
                            ContentBuilder::new()
                                .schema(Some(RefOr::Ref(Ref::from_schema_name("Problem"))))
                                .build(),
                        ),
                );
            doc.paths.paths.insert(
                format!("/api/v1/{}", ds.slug()),
                PathItem::new(HttpMethod::Get, op.build()),
            );
        }
        doc.components = Some(comps);
    }
}

/// Anything but GET on the API that found no route is answered 405 with `Allow: GET`: Rocket
/// cannot declare routes for TRACE, CONNECT or newer methods, so this runs on the response.
pub struct MethodNotAllowed;

#[rocket::async_trait]
impl Fairing for MethodNotAllowed {
    fn info(&self) -> Info {
        Info {
            name: "405 for other methods on the API",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        if !matches!(req.method(), Method::Get | Method::Head)
            && res.status() == Status::NotFound
            && req.uri().path().starts_with("/api/")
        {
            let body = r#"{"type":"about:blank","title":"Method Not Allowed","status":405}"#;
            res.set_status(Status::MethodNotAllowed);
            res.set_header(Header::new("Allow", "GET"));
            res.set_header(ContentType::new("application", "problem+json"));
            res.set_sized_body(body.len(), std::io::Cursor::new(body));
        }
    }
}

#[get("/api/v1/openapi.json")]
async fn openapi(state: &State<AppState>) -> AppResult<(ContentType, String)> {
    let mut c = state.db.acquire().await?;
    let categories = crate::web::opendata::service_categories(&mut c).await?;
    let mut doc = ApiDoc::openapi();
    Datasets { categories }.modify(&mut doc);
    Ok((ContentType::JSON, doc.to_json().unwrap_or_default()))
}

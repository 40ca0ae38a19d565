//! Open data (issue 9): every public list as a dataset with fixed columns, the same filters for
//! the page, the CSV and XLSX downloads and the JSON API, so an export is exactly what the list
//! shows. Each dataset is one SQL query (`datasets.rs`); the first two selected values are the
//! row's key (newest first, also the keyset for streaming) and its public page. Columns carry a
//! type that says how every format writes them (`export.rs`) and what the data dictionary says.

mod datasets;
pub mod export;

pub mod feed;
pub mod figures;
pub mod ocds;

use crate::db::Conn;
use crate::domain::division;
use sqlx::any::AnyRow;
use sqlx::Row as _;

/// Rows per page of a list (and of the API).
pub const PAGE_SIZE: i64 = 20;
/// Pages beyond this are not offered (narrow the filters or download instead).
pub const MAX_PAGE: i64 = 500;
/// Counts stop here ("1,000+"): a capped count of a join costs about 4 µs a row on SQLite
/// (44 ms at 10,000 over 100,000 award notices, measured), and is paid by every uncached page.
pub const COUNT_CAP: i64 = 1_000;
/// Rows per database round-trip while streaming an export.
pub const BATCH: i64 = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dataset {
    Intentions,
    Projects,
    Openings,
    Bids,
    Awards,
    Contracts,
    Payments,
    Reviews,
    Grades,
    Organizations,
    /// 活动异常名录: listings on the abnormal activity list (民政部令60).
    Abnormal,
    /// 严重违法失信名单: listings on the serious violation list.
    Serious,
    /// 质疑: the public facts of each challenge (never its text, the answer or who filed it).
    Challenges,
    /// 投诉处理决定: the decided complaints, as their public decision page shows them.
    Complaints,
    /// Failed (废标) and cancelled rounds with their reasons.
    Failures,
}

pub const ALL: [Dataset; 15] = [
    Dataset::Intentions,
    Dataset::Projects,
    Dataset::Openings,
    Dataset::Bids,
    Dataset::Awards,
    Dataset::Contracts,
    Dataset::Payments,
    Dataset::Reviews,
    Dataset::Grades,
    Dataset::Organizations,
    Dataset::Abnormal,
    Dataset::Serious,
    Dataset::Challenges,
    Dataset::Complaints,
    Dataset::Failures,
];

/// How a column's values are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Text,
    Int,
    /// Fen in the database; yuan with two decimals in every format.
    Money,
    /// `YYYY-MM-DD` (or `YYYY-MM`).
    Date,
    /// Milliseconds in the database; ISO 8601 in Beijing time in exports.
    Time,
    /// A code from a fixed list; pages show the label `<prefix><code>`.
    Code(&'static str),
    /// Two selected values, Chinese and English name; exports carry the Chinese one.
    Name,
    /// A division code; exports carry the code, pages its name.
    District,
    /// Hundredths in the database (a score); two decimals in every format.
    Centi,
}

#[derive(Clone, Copy, Debug)]
pub struct Col {
    pub key: &'static str,
    pub ty: Ty,
    /// The column that links to the row's public page.
    pub link: bool,
}

const fn col(key: &'static str, ty: Ty) -> Col {
    Col {
        key,
        ty,
        link: false,
    }
}

const fn link(key: &'static str, ty: Ty) -> Col {
    Col {
        key,
        ty,
        link: true,
    }
}

/// The filters a dataset understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    Q,
    Status,
    Category,
    District,
    Year,
    Grade,
    Kind,
    OrgType,
}

impl Filter {
    pub fn key(self) -> &'static str {
        match self {
            Filter::Q => "q",
            Filter::Status => "status",
            Filter::Category => "category",
            Filter::District => "district",
            Filter::Year => "year",
            Filter::Grade => "grade",
            Filter::Kind => "kind",
            Filter::OrgType => "org_type",
        }
    }
}

/// Valid filter values (anything else was dropped by the web layer's `Query::clean`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub q: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub district: Option<String>,
    pub year: Option<i32>,
    pub grade: Option<String>,
    pub kind: Option<String>,
    pub org_type: Option<String>,
}

impl Query {
    /// `key=value` pairs of the filters set, in a fixed order (for links and cache keys).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let year = self.year.map(|y| y.to_string());
        for (k, v) in [
            ("q", &self.q),
            ("status", &self.status),
            ("category", &self.category),
            ("district", &self.district),
            ("year", &year),
            ("grade", &self.grade),
            ("kind", &self.kind),
            ("org_type", &self.org_type),
        ] {
            if let Some(v) = v {
                out.push((k, v.clone()));
            }
        }
        out
    }
}

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Money(i64),
    Date(String),
    Time(i64),
    Code(&'static str, String),
    Name(String, String),
    District(String),
    Centi(i64),
}

impl Cell {
    /// The value as exports write it (CSV, and JSON as a string where it is not a number).
    pub fn plain(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Text(s) | Cell::Date(s) | Cell::Code(_, s) | Cell::District(s) => s.clone(),
            Cell::Name(zh, _) => zh.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Money(f) | Cell::Centi(f) => {
                crate::domain::money::Money::from_fen(*f).to_string()
            }
            Cell::Time(ms) => iso_time(*ms),
        }
    }
}

/// `2026-12-22T10:00:00+08:00`.
pub fn iso_time(ms: i64) -> String {
    let t = crate::platform::clock::from_ms(ms).to_offset(crate::domain::calendar::SHANGHAI);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub key: i64,
    pub link: Option<String>,
    pub cells: Vec<Cell>,
}

impl Dataset {
    pub fn slug(self) -> &'static str {
        match self {
            Dataset::Intentions => "intentions",
            Dataset::Projects => "projects",
            Dataset::Openings => "openings",
            Dataset::Bids => "bids",
            Dataset::Awards => "awards",
            Dataset::Contracts => "contracts",
            Dataset::Payments => "payments",
            Dataset::Reviews => "reviews",
            Dataset::Grades => "grades",
            Dataset::Organizations => "organizations",
            Dataset::Abnormal => "abnormal",
            Dataset::Serious => "serious",
            Dataset::Challenges => "challenges",
            Dataset::Complaints => "complaints",
            Dataset::Failures => "failures",
        }
    }

    pub fn parse(s: &str) -> Option<Dataset> {
        ALL.into_iter().find(|d| d.slug() == s)
    }

    /// The status a list shows when none is asked for: the projects list shows the open ones,
    /// a credit list the organizations listed now.
    pub fn default_status(self) -> Option<&'static str> {
        match self {
            Dataset::Projects => Some("open"),
            Dataset::Abnormal | Dataset::Serious => Some("listed"),
            _ => None,
        }
    }

    /// The public list page.
    pub fn list_path(self) -> &'static str {
        match self {
            Dataset::Intentions => "/intentions",
            Dataset::Projects => "/projects",
            Dataset::Openings => "/openings",
            Dataset::Bids => "/openings/bids",
            Dataset::Awards => "/awards",
            Dataset::Contracts => "/contracts",
            Dataset::Payments => "/payments",
            Dataset::Reviews => "/performance",
            Dataset::Grades => "/grades",
            Dataset::Organizations => "/directory",
            Dataset::Abnormal => "/credit/abnormal",
            Dataset::Serious => "/credit/serious",
            Dataset::Challenges => "/challenges",
            Dataset::Complaints => "/complaint-decisions",
            Dataset::Failures => "/failures",
        }
    }

    pub fn columns(self) -> &'static [Col] {
        datasets::columns(self)
    }

    pub fn filters(self) -> &'static [Filter] {
        datasets::filters(self)
    }

    /// The statuses the `status` filter accepts.
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            Dataset::Projects => &["open", "closed", "all"],
            Dataset::Contracts => &["delivery", "accepted", "terminated"],
            Dataset::Organizations => &crate::domain::registration::ORG_STATUSES,
            Dataset::Abnormal | Dataset::Serious => &["listed", "removed", "all"],
            Dataset::Failures => &["failed", "cancelled", "all"],
            _ => &[],
        }
    }

    pub fn kinds(self) -> &'static [&'static str] {
        match self {
            Dataset::Contracts => &["contract", "agreement"],
            Dataset::Projects => &["procurement", "programme"],
            _ => &[],
        }
    }
}

/// Reads a row laid out as key, link, then the columns (two values for a name).
fn read_row(ds: Dataset, r: &AnyRow) -> Result<Row, sqlx::Error> {
    let key: i64 = r.try_get(0)?;
    let link: Option<String> = r.try_get(1)?;
    let mut i = 2;
    let mut cells = Vec::with_capacity(ds.columns().len());
    for c in ds.columns() {
        let cell = match c.ty {
            Ty::Int => opt(r.try_get::<Option<i64>, _>(i)?, Cell::Int),
            Ty::Money => opt(r.try_get::<Option<i64>, _>(i)?, Cell::Money),
            Ty::Time => opt(r.try_get::<Option<i64>, _>(i)?, Cell::Time),
            Ty::Centi => opt(r.try_get::<Option<i64>, _>(i)?, Cell::Centi),
            Ty::Text => opt(r.try_get::<Option<String>, _>(i)?, Cell::Text),
            Ty::Date => opt(r.try_get::<Option<String>, _>(i)?, Cell::Date),
            Ty::District => opt(r.try_get::<Option<String>, _>(i)?, Cell::District),
            Ty::Code(p) => opt(r.try_get::<Option<String>, _>(i)?, |s| Cell::Code(p, s)),
            Ty::Name => {
                i += 1;
                match (
                    r.try_get::<Option<String>, _>(i - 1)?,
                    r.try_get::<Option<String>, _>(i)?,
                ) {
                    (Some(zh), en) => Cell::Name(zh.clone(), en.unwrap_or(zh)),
                    _ => Cell::Null,
                }
            }
        };
        i += 1;
        cells.push(cell);
    }
    if ds == Dataset::Failures {
        let data: Option<String> = r.try_get(i)?;
        let stage = match cells.get(6) {
            Some(Cell::Code(_, s)) => s.clone(),
            _ => String::new(),
        };
        datasets::failure_cells(&stage, data.as_deref().unwrap_or("{}"), &mut cells);
    }
    Ok(Row { key, link, cells })
}

fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Cell) -> Cell {
    v.map(f).unwrap_or(Cell::Null)
}

/// A page of the list, newest first.
pub async fn page(
    c: &mut Conn,
    scope: &Scope,
    ds: Dataset,
    q: &Query,
    page: i64,
    size: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    if ds == Dataset::Organizations {
        return datasets::organizations(c, scope, q, (page - 1) * size, size).await;
    }
    let (sql, binds) = datasets::select(ds, q, None, size, Some((page - 1) * size));
    fetch(c, ds, &sql, &binds).await
}

/// The query of a list's first page of `size` (its plan is tested: `tests/it/plans.rs`).
pub fn page_sql(ds: Dataset, q: &Query, size: i64) -> String {
    datasets::select(ds, q, None, size, Some(0)).0
}

/// The next batch after the row key `before` (`None` for the first): newest first, except
/// organizations, which come in the directory's id order (`before` is then the last id seen).
pub async fn batch(
    c: &mut Conn,
    scope: &Scope,
    ds: Dataset,
    q: &Query,
    before: Option<i64>,
    offset: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    if ds == Dataset::Organizations {
        return datasets::organizations_batch(c, scope, q, before, offset).await;
    }
    let (sql, binds) = datasets::select(ds, q, before, BATCH, None);
    fetch(c, ds, &sql, &binds).await
}

/// The number of rows, or `None` when there are more than the count stops at.
pub async fn count(
    c: &mut Conn,
    scope: &Scope,
    ds: Dataset,
    q: &Query,
) -> Result<Option<i64>, sqlx::Error> {
    if ds == Dataset::Organizations {
        return datasets::count_organizations(c, scope, q).await;
    }
    let (sql, binds) = datasets::count(ds, q);
    let n = crate::db::opendata::count(c, sql, binds).await?;
    Ok((n <= COUNT_CAP).then_some(n))
}

/// Where a query runs: the database kind and today's date (grades in force).
#[derive(Clone, Debug)]
pub struct Scope {
    pub backend: crate::db::Backend,
    pub today: String,
}

pub(crate) use crate::db::opendata::Bind;

async fn fetch(
    c: &mut Conn,
    ds: Dataset,
    sql: &str,
    binds: &[Bind],
) -> Result<Vec<Row>, sqlx::Error> {
    let rows = crate::db::opendata::rows(c, sql, binds).await?;
    rows.iter().map(|r| read_row(ds, r)).collect()
}

/// The district's name in the language asked for.
pub fn district_name(code: &str, en: bool) -> String {
    if en {
        division::NINGBO
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, _, en)| en.to_string())
            .unwrap_or_else(|| code.to_string())
    } else {
        division::name_zh(code)
            .map(str::to_string)
            .unwrap_or_else(|| code.to_string())
    }
}

//! The public directory's queries and its name index (see `domain::search` for why).

use super::Conn;
use crate::domain::search::{self, Plan};
use crate::ids::OrgId;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;

/// Counts above this are shown as "10,000+".
pub const COUNT_CAP: i64 = 10_000;

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub org_type: Option<String>,
    pub category: Option<String>,
    pub district: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: OrgId,
    pub name: String,
    pub org_type: String,
    pub category: String,
    pub district_code: String,
    pub status: String,
    pub uscc: Option<String>,
    pub uscc_checksum_ok: bool,
    pub registered_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Page {
    pub hits: Vec<Hit>,
    /// The number of matches, or `COUNT_CAP + 1` meaning "more than the cap".
    pub count: i64,
    pub capped: bool,
}

impl PartialEq for Hit {
    fn eq(&self, o: &Hit) -> bool {
        self.id == o.id
    }
}
impl Eq for Hit {}

const HIT_COLUMNS: &str =
    "o.id, o.name, o.org_type, o.category, o.district_code, o.status, o.uscc, \
    o.uscc_checksum_ok, o.registered_on";

fn hit(r: &AnyRow) -> Result<Hit, sqlx::Error> {
    Ok(Hit {
        id: OrgId(r.try_get("id")?),
        name: r.try_get("name")?,
        org_type: r.try_get("org_type")?,
        category: r.try_get("category")?,
        district_code: r.try_get("district_code")?,
        status: r.try_get("status")?,
        uscc: r.try_get("uscc")?,
        uscc_checksum_ok: r.try_get::<i64, _>("uscc_checksum_ok")? == 1,
        registered_on: r.try_get("registered_on")?,
    })
}

/// Indexes one organization's name (after it is inserted or renamed).
pub async fn index_name(c: &mut Conn, org: OrgId, name: &str) -> Result<(), sqlx::Error> {
    for g in search::grams(name) {
        sqlx::query("INSERT INTO org_name_grams (gram, org_id) VALUES ($1, $2) ON CONFLICT (gram, org_id) DO NOTHING")
            .bind(&g)
            .bind(org.0)
            .execute(&mut *c)
            .await?;
        sqlx::query("INSERT INTO org_gram_counts (gram, n) VALUES ($1, 1) ON CONFLICT (gram) DO UPDATE SET n = org_gram_counts.n + 1")
            .bind(&g)
            .execute(&mut *c)
            .await?;
    }
    sqlx::query("UPDATE organizations SET name_norm = $1 WHERE id = $2")
        .bind(crate::domain::org_name::normalize(name))
        .bind(org.0)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The rarest of `grams`, or `None` when one of them indexes nothing (no name can match).
async fn rarest(c: &mut Conn, grams: &[String]) -> Result<Option<String>, sqlx::Error> {
    let mut best: Option<(i64, String)> = None;
    for g in grams {
        let n: Option<i64> = sqlx::query_scalar("SELECT n FROM org_gram_counts WHERE gram = $1")
            .bind(g)
            .fetch_optional(&mut *c)
            .await?;
        let n = n.unwrap_or(0);
        if n == 0 {
            return Ok(None);
        }
        if best.as_ref().is_none_or(|(bn, _)| n < *bn) {
            best = Some((n, g.clone()));
        }
    }
    Ok(best.map(|(_, g)| g))
}

/// A page of organizations matching `query` and `filters`, in id order, with a capped count.
pub async fn search(
    c: &mut Conn,
    query: &str,
    filters: &Filters,
    offset: i64,
    limit: i64,
) -> Result<Page, sqlx::Error> {
    let mut binds: Vec<String> = Vec::new();
    let mut wheres: Vec<String> = Vec::new();
    let mut from = "organizations o".to_string();
    let mut order = "o.id";
    match search::plan(query) {
        Plan::All => {}
        Plan::Uscc(code) => {
            binds.push(code);
            wheres.push(format!("o.uscc = ${}", binds.len()));
        }
        Plan::Grams { grams, needle } => {
            let Some(gram) = rarest(c, &grams).await? else {
                return Ok(Page {
                    hits: vec![],
                    count: 0,
                    capped: false,
                });
            };
            binds.push(gram);
            from = "org_name_grams g JOIN organizations o ON o.id = g.org_id".into();
            wheres.push(format!("g.gram = ${}", binds.len()));
            order = "g.org_id";
            if let Some(n) = needle {
                binds.push(format!("%{n}%"));
                wheres.push(format!("o.name_norm LIKE ${}", binds.len()));
            }
        }
    }
    let filter_columns: BTreeMap<&str, &Option<String>> = [
        ("o.org_type", &filters.org_type),
        ("o.category", &filters.category),
        ("o.district_code", &filters.district),
        ("o.status", &filters.status),
    ]
    .into_iter()
    .collect();
    for (col, value) in filter_columns {
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            binds.push(v.clone());
            wheres.push(format!("{col} = ${}", binds.len()));
        }
    }
    let where_sql = if wheres.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", wheres.join(" AND "))
    };
    let n = binds.len();
    let page_sql = format!(
        "SELECT {HIT_COLUMNS} FROM {from}{where_sql} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(page_sql));
    for b in &binds {
        q = q.bind(b.clone());
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&mut *c).await?;
    let hits = rows.iter().map(hit).collect::<Result<Vec<_>, _>>()?;
    let count_sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT 1 AS one FROM {from}{where_sql} LIMIT ${}) capped",
        n + 1
    );
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
    for b in &binds {
        q = q.bind(b.clone());
    }
    let count = q.bind(COUNT_CAP + 1).fetch_one(&mut *c).await?;
    Ok(Page {
        hits,
        count,
        capped: count > COUNT_CAP,
    })
}

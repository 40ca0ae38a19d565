//! The public directory's queries and its name index (see `domain::search` for why).

use super::{Backend, Conn};
use crate::domain::search::{self, Plan};
use crate::platform::ids::OrgId;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;

/// Counts of longer queries are checked name by name; above this they are shown as "1,000+".
/// (Queries of up to two characters, and filters alone, are counted exactly from the facets.)
pub const COUNT_CAP: i64 = 1_000;

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub org_type: Option<String>,
    pub category: Option<String>,
    pub district: Option<String>,
    pub status: Option<String>,
}

impl Filters {
    /// `alias.column = $n` for each filter set, its value appended to `binds` (so `$n` counts
    /// on from the binds already there).
    fn conditions(&self, alias: &str, binds: &mut Vec<String>) -> Vec<String> {
        let mut out = Vec::new();
        for (col, value) in [
            ("district_code", &self.district),
            ("org_type", &self.org_type),
            ("status", &self.status),
            ("category", &self.category),
        ] {
            if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                binds.push(v.clone());
                out.push(format!("{alias}.{col} = ${}", binds.len()));
            }
        }
        out
    }
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

/// The filter values an organization is indexed with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FacetKey {
    pub district_code: String,
    pub org_type: String,
    pub status: String,
    pub category: String,
}

/// Indexes one organization's name with its filter values (after it is inserted).
pub async fn index_name(
    c: &mut Conn,
    org: OrgId,
    name: &str,
    f: &FacetKey,
) -> Result<(), sqlx::Error> {
    for g in search::grams(name) {
        sqlx::query(
            "INSERT INTO org_name_grams (gram, org_id, district_code, org_type, status, category) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (gram, org_id) DO NOTHING",
        )
        .bind(&g)
        .bind(org.0)
        .bind(&f.district_code)
        .bind(&f.org_type)
        .bind(&f.status)
        .bind(&f.category)
        .execute(&mut *c)
        .await?;
        add_counts(c, &[(g, f.clone(), 1)]).await?;
    }
    sqlx::query("UPDATE organizations SET name_norm = $1 WHERE id = $2")
        .bind(crate::domain::org_name::normalize(name))
        .bind(org.0)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Adds `n` to the counts of each (gram, filter values).
pub async fn add_counts(c: &mut Conn, rows: &[(String, FacetKey, i64)]) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(60) {
        let mut sql = String::from(
            "INSERT INTO org_gram_facets (gram, district_code, org_type, status, category, n) VALUES ",
        );
        sql.push_str(&super::placeholders(chunk.len(), 6));
        sql.push_str(
            " ON CONFLICT (gram, district_code, org_type, status, category) DO UPDATE SET n = org_gram_facets.n + excluded.n",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (g, f, n) in chunk {
            q = q
                .bind(g.clone())
                .bind(f.district_code.clone())
                .bind(f.org_type.clone())
                .bind(f.status.clone())
                .bind(f.category.clone())
                .bind(*n);
        }
        q.execute(&mut *c).await?;
    }
    let mut per_gram: BTreeMap<&str, i64> = BTreeMap::new();
    for (g, _, n) in rows {
        *per_gram.entry(g.as_str()).or_default() += n;
    }
    let per_gram: Vec<(&str, i64)> = per_gram.into_iter().collect();
    for chunk in per_gram.chunks(200) {
        let mut sql = String::from("INSERT INTO org_gram_counts (gram, n) VALUES ");
        sql.push_str(&super::placeholders(chunk.len(), 2));
        sql.push_str(" ON CONFLICT (gram) DO UPDATE SET n = org_gram_counts.n + excluded.n");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (g, n) in chunk {
            q = q.bind(g.to_string()).bind(*n);
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// The rarest of `grams`, or `None` when one of them indexes nothing (no name can match).
async fn rarest(c: &mut Conn, grams: &[String]) -> Result<Option<String>, sqlx::Error> {
    Ok(rarest_counted(c, grams).await?.map(|(_, g)| g))
}

/// The rarest of `grams` with the number of organizations it indexes.
async fn rarest_counted(
    c: &mut Conn,
    grams: &[String],
) -> Result<Option<(i64, String)>, sqlx::Error> {
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
    Ok(best)
}

/// A page of organizations matching `query` and `filters`, in id order, with a count that is
/// exact for queries of up to two characters and for filters alone (summed from the facet
/// counts), and capped at `COUNT_CAP` for longer queries (which must be checked name by name).
pub async fn search(
    c: &mut Conn,
    backend: Backend,
    query: &str,
    filters: &Filters,
    offset: i64,
    limit: i64,
) -> Result<Page, sqlx::Error> {
    let (grams, needle) = match search::plan(query) {
        Plan::Uscc(code) => {
            let mut sql = format!("SELECT {HIT_COLUMNS} FROM organizations o WHERE o.uscc = $1");
            let mut values = vec![code];
            for cond in filters.conditions("o", &mut values) {
                sql.push_str(&format!(" AND {cond}"));
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for v in &values {
                q = q.bind(v.clone());
            }
            let rows = q.fetch_all(&mut *c).await?;
            let hits = rows.iter().map(hit).collect::<Result<Vec<_>, _>>()?;
            let count = hits.len() as i64;
            let hits = hits
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(0))
                .collect();
            return Ok(Page {
                hits,
                count,
                capped: false,
            });
        }
        Plan::Grams { grams, needle } => (grams, needle),
    };
    let Some(gram) = rarest(c, &grams).await? else {
        return Ok(Page {
            hits: vec![],
            count: 0,
            capped: false,
        });
    };
    let mut binds: Vec<String> = vec![gram];
    let mut wheres: Vec<String> = vec!["g.gram = $1".into()];
    let conditions = filters.conditions("g", &mut binds);
    wheres.extend(conditions);
    if let Some(n) = &needle {
        return match backend {
            // SQLite walks the pair's index range and checks each name on the way: one join.
            Backend::Sqlite => joined_needle_search(c, &wheres, &binds, n, offset, limit).await,
            Backend::Postgres => {
                needle_search(c, &wheres.join(" AND "), &binds, filters, n, offset, limit).await
            }
        };
    }
    let hits = page_of(c, &wheres.join(" AND "), &binds, offset, limit).await?;
    let (sql, facet_binds) = facet_count_sql(&binds[0], filters);
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
    for b in &facet_binds {
        q = q.bind(b.clone());
    }
    let count = q.fetch_one(&mut *c).await?;
    Ok(Page {
        hits,
        count,
        // Exact from the facets: never capped.
        capped: false,
    })
}

/// The exact count of the organizations under `gram` (the empty gram: every organization) and
/// `filters`, summed from the facet counts with its values (`$1` the gram). It reads only the
/// covering index `org_gram_facets_sums` (migration 0061; its plan is held in
/// `tests/it/plans.rs`): the table's rows, looked up one by one from its key, were 70 % of an
/// unfiltered directory page's queries at a million organizations.
pub fn facet_count_sql(gram: &str, filters: &Filters) -> (String, Vec<String>) {
    let mut binds = vec![gram.to_string()];
    let mut wheres = vec!["gram = $1".to_string()];
    wheres.extend(
        filters
            .conditions("f", &mut binds)
            .iter()
            .map(|w| w.replace("f.", "")),
    );
    (
        format!(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM org_gram_facets WHERE {}",
            wheres.join(" AND ")
        ),
        binds,
    )
}

/// A longer query on SQLite: one statement that walks the rarest pair's index range in id
/// order and checks each name (measured at a million rows: p95 16 ms).
async fn joined_needle_search(
    c: &mut Conn,
    wheres: &[String],
    binds: &[String],
    needle: &str,
    offset: i64,
    limit: i64,
) -> Result<Page, sqlx::Error> {
    let mut binds = binds.to_vec();
    let mut wheres = wheres.to_vec();
    binds.push(format!("%{needle}%"));
    wheres.push(format!("o.name_norm LIKE ${}", binds.len()));
    let where_sql = wheres.join(" AND ");
    let n = binds.len();
    let from = "org_name_grams g JOIN organizations o ON o.id = g.org_id";
    let hits = page_of(c, &where_sql, &binds, offset, limit).await?;
    let count_sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT 1 AS one FROM {from} WHERE {where_sql} LIMIT ${}) capped",
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

/// Candidates per round of a longer query.
const CHUNK: usize = 1000;
/// Rounds read from the pair index before the trigram index answers instead.
const ROUNDS: usize = 3;

/// A longer query on PostgreSQL. The page comes from the rarest pair's index range read in id
/// order a chunk at a time, each chunk's names checked for the whole query: a common query
/// fills its page from the first chunk. What that cannot settle in a few rounds — the count
/// (capped at `COUNT_CAP`), or the page of a query whose pairs are common but whose whole text
/// is rare (宁波市慈善) — is answered from the trigram index (pg_trgm GIN on `name_norm`),
/// with only bitmap scans allowed: PostgreSQL otherwise misjudges how rare such a match is and
/// walks every organization in id order (0.2–2.7 s at a million rows).
#[allow(clippy::too_many_arguments)]
async fn needle_search(
    c: &mut Conn,
    gram_where: &str,
    binds: &[String],
    filters: &Filters,
    needle: &str,
    offset: i64,
    limit: i64,
) -> Result<Page, sqlx::Error> {
    let n = binds.len();
    let ids_sql = format!(
        "SELECT g.org_id FROM org_name_grams g WHERE {gram_where} AND g.org_id > ${} ORDER BY g.org_id LIMIT ${}",
        n + 1,
        n + 2
    );
    let (mut last, mut matched) = (0i64, 0i64);
    let mut hits = Vec::new();
    let mut exhausted = false;
    for _ in 0..ROUNDS {
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(ids_sql.clone()));
        for b in binds {
            q = q.bind(b.clone());
        }
        let ids = q.bind(last).bind(CHUNK as i64).fetch_all(&mut *c).await?;
        exhausted = ids.len() < CHUNK;
        let Some(&max) = ids.last() else { break };
        last = max;
        let list = (1..=ids.len())
            .map(|k| format!("${k}"))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!("SELECT {HIT_COLUMNS}, o.name_norm FROM organizations o WHERE o.id IN ({list}) ORDER BY o.id");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in &ids {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *c).await? {
            let name_norm: String = r.try_get("name_norm")?;
            if !name_norm.contains(needle) {
                continue;
            }
            if matched >= offset && (hits.len() as i64) < limit {
                hits.push(hit(&r)?);
            }
            matched += 1;
        }
        if exhausted || (matched >= offset + limit && matched > COUNT_CAP) {
            break;
        }
    }
    if exhausted || (matched >= offset + limit && matched > COUNT_CAP) {
        return Ok(Page {
            hits,
            count: matched,
            capped: matched > COUNT_CAP,
        });
    }
    let page_filled = matched >= offset + limit;
    let mut tx = sqlx::Connection::begin(&mut *c).await?;
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(&mut *tx)
        .await?;
    sqlx::query("SET LOCAL enable_indexscan = off")
        .execute(&mut *tx)
        .await?;
    let mut fbinds = vec![format!("%{needle}%")];
    let mut wheres = vec!["o.name_norm LIKE $1".to_string()];
    wheres.extend(filters.conditions("o", &mut fbinds));
    let where_sql = wheres.join(" AND ");
    let m = fbinds.len();
    let count_sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT 1 AS one FROM organizations o WHERE {where_sql} LIMIT ${}) capped",
        m + 1
    );
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
    for b in &fbinds {
        q = q.bind(b.clone());
    }
    let count = q.bind(COUNT_CAP + 1).fetch_one(&mut *tx).await?;
    if !page_filled {
        let sql = format!(
            "SELECT {HIT_COLUMNS} FROM organizations o WHERE {where_sql} ORDER BY o.id LIMIT ${} OFFSET ${}",
            m + 1,
            m + 2
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in &fbinds {
            q = q.bind(b.clone());
        }
        let rows = q.bind(limit).bind(offset).fetch_all(&mut *tx).await?;
        hits = rows.iter().map(hit).collect::<Result<_, _>>()?;
    }
    tx.commit().await?;
    Ok(Page {
        hits,
        count,
        capped: count > COUNT_CAP,
    })
}

/// One page of organizations from the gram index: `where_sql` over `g` (the index) and `o`.
async fn page_of(
    c: &mut Conn,
    where_sql: &str,
    binds: &[String],
    offset: i64,
    limit: i64,
) -> Result<Vec<Hit>, sqlx::Error> {
    let n = binds.len();
    let sql = format!(
        "SELECT {HIT_COLUMNS} FROM org_name_grams g JOIN organizations o ON o.id = g.org_id WHERE {where_sql} \
         ORDER BY g.org_id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b.clone());
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&mut *c).await?;
    rows.iter().map(hit).collect()
}

/// Organizations matching `filters` alone, in id order after `after` (the downloads walk the
/// whole register this way without an ever-growing offset).
pub async fn after(
    c: &mut Conn,
    filters: &Filters,
    after: i64,
    limit: i64,
) -> Result<Vec<Hit>, sqlx::Error> {
    let mut binds = Vec::new();
    let mut wheres = filters.conditions("o", &mut binds);
    wheres.push(format!("o.id > ${}", binds.len() + 1));
    let sql = format!(
        "SELECT {HIT_COLUMNS} FROM organizations o WHERE {} ORDER BY o.id LIMIT ${}",
        wheres.join(" AND "),
        binds.len() + 2
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.bind(after).bind(limit).fetch_all(&mut *c).await?;
    rows.iter().map(hit).collect()
}

/// Indexes every organization that has no index rows yet (organizations recorded before the
/// directory existed, or by an interrupted bulk load). Returns how many were indexed.
pub async fn index_missing(c: &mut Conn) -> Result<usize, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT o.id, o.name, o.district_code, o.org_type, o.status, o.category FROM organizations o \
         WHERE o.status <> 'supplier' AND NOT EXISTS (SELECT 1 FROM org_name_grams g WHERE g.gram = '' AND g.org_id = o.id) ORDER BY o.id",
    )
    .fetch_all(&mut *c)
    .await?;
    for r in &rows {
        let key = FacetKey {
            district_code: r.try_get("district_code")?,
            org_type: r.try_get("org_type")?,
            status: r.try_get("status")?,
            category: r.try_get("category")?,
        };
        let name: String = r.try_get("name")?;
        index_name(c, OrgId(r.try_get("id")?), &name, &key).await?;
    }
    Ok(rows.len())
}

/// The facet values an organization is indexed under now.
async fn facets_of(c: &mut Conn, org: OrgId) -> Result<(String, FacetKey), sqlx::Error> {
    let r = sqlx::query(
        "SELECT name, district_code, org_type, status, category FROM organizations WHERE id = $1",
    )
    .bind(org.0)
    .fetch_one(&mut *c)
    .await?;
    Ok((
        r.try_get("name")?,
        FacetKey {
            district_code: r.try_get("district_code")?,
            org_type: r.try_get("org_type")?,
            status: r.try_get("status")?,
            category: r.try_get("category")?,
        },
    ))
}

/// Re-indexes an organization whose name or filter values change: its grams under the old
/// values are removed (and counted down) and indexed again under the new. Call it inside the
/// transaction of the change, before updating the organization row with `update`.
pub async fn reindex<'a>(
    c: &mut Conn,
    org: OrgId,
    new_name: Option<&'a str>,
    new_status: Option<&'a str>,
) -> Result<(), sqlx::Error> {
    let (name, old) = facets_of(c, org).await?;
    sqlx::query("DELETE FROM org_name_grams WHERE org_id = $1")
        .bind(org.0)
        .execute(&mut *c)
        .await?;
    let down: Vec<(String, FacetKey, i64)> = search::grams(&name)
        .into_iter()
        .map(|g| (g, old.clone(), -1))
        .collect();
    add_counts(c, &down).await?;
    let name = new_name.unwrap_or(&name).to_string();
    let new = FacetKey {
        status: new_status.map(str::to_string).unwrap_or(old.status.clone()),
        ..old
    };
    sqlx::query("UPDATE organizations SET name = $1, status = $2 WHERE id = $3")
        .bind(&name)
        .bind(&new.status)
        .bind(org.0)
        .execute(&mut *c)
        .await?;
    index_name(c, org, &name, &new).await
}

/// Up to `limit` names of the authority's organizations whose normalised name contains
/// `text`'s. Two ways there, whichever reads less: the authority's own names
/// (`organizations_authority_names`, every one checked in the index), or the postings of the
/// rarest of the text's characters or pairs like the directory's search (each organization
/// looked up for its authority). The authority's names are counted only up to the postings'
/// number, so choosing costs no more than the cheaper way (issue 26: 互助 indexes 25,187 of a
/// million organizations; a 297-organization authority's names are read in 0.05 ms).
pub async fn names_containing(
    c: &mut Conn,
    authority: i64,
    text: &str,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let Plan::Grams { grams, .. } = search::plan(text) else {
        return Ok(Vec::new());
    };
    let Some((postings, gram)) = rarest_counted(c, &grams).await? else {
        return Ok(Vec::new());
    };
    let pattern = format!("%{}%", crate::domain::org_name::normalize(text));
    let registered: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM \
         (SELECT 1 AS one FROM organizations WHERE authority_id = $1 LIMIT $2) a",
    )
    .bind(authority)
    .bind(postings)
    .fetch_one(&mut *c)
    .await?;
    if reads_authority(registered, postings) {
        return sqlx::query_scalar(
            "SELECT name FROM organizations WHERE authority_id = $1 AND name_norm LIKE $2 \
             ORDER BY name_norm LIMIT $3",
        )
        .bind(authority)
        .bind(pattern)
        .bind(limit)
        .fetch_all(&mut *c)
        .await;
    }
    sqlx::query_scalar(
        "SELECT o.name FROM org_name_grams g JOIN organizations o ON o.id = g.org_id \
         WHERE g.gram = $1 AND o.authority_id = $2 AND o.name_norm LIKE $3 LIMIT $4",
    )
    .bind(gram)
    .bind(authority)
    .bind(pattern)
    .bind(limit)
    .fetch_all(&mut *c)
    .await
}

/// Whether the similar-name search reads the authority's own names (`registered` of them,
/// counted up to `postings`) rather than the rarest pair's `postings`: only when they are fewer.
fn reads_authority(registered: i64, postings: i64) -> bool {
    registered < postings
}

/// The directory filtered by grade in force on `day`. Graded organizations are few (a grade is
/// earned by evaluation), so the query starts from the grades: the organizations holding the
/// grade are found through `org_grades_grade` as a set of ids (`o.id IN (...)`), which SQLite
/// walks in id order, seeking each organization by its key — the page stops at `limit` with no
/// sort of the whole set (issue 26: the join with `DISTINCT ... ORDER BY o.id` sorted every
/// graded organization per request, p95 99.7 ms at a million). The name and the filters are
/// tested on each; the count is exact.
pub async fn search_graded(
    c: &mut Conn,
    query: &str,
    filters: &Filters,
    grade: &str,
    day: &str,
    offset: i64,
    limit: i64,
) -> Result<Page, sqlx::Error> {
    let mut binds = vec![grade.to_string(), day.to_string()];
    let mut wheres = vec![
        "o.id IN (SELECT gr.org_id FROM org_grades gr WHERE gr.grade = $1 AND gr.valid_to >= $2 \
         AND gr.valid_from <= $2 AND (gr.ended_on IS NULL OR gr.ended_on > $2))"
            .to_string(),
    ];
    let needle = crate::domain::org_name::normalize(query.trim());
    if !needle.is_empty() {
        binds.push(format!("%{needle}%"));
        binds.push(query.trim().to_uppercase());
        wheres.push(format!(
            "(o.name_norm LIKE ${} OR o.uscc = ${})",
            binds.len() - 1,
            binds.len()
        ));
    }
    wheres.extend(filters.conditions("o", &mut binds));
    let from = "organizations o";
    let where_sql = wheres.join(" AND ");
    let n = binds.len();
    let sql = format!(
        "SELECT {HIT_COLUMNS} FROM {from} WHERE {where_sql} ORDER BY o.id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in &binds {
        q = q.bind(b.clone());
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&mut *c).await?;
    let hits = rows.iter().map(hit).collect::<Result<Vec<_>, _>>()?;
    // The grade alone: counted from the grades' index without reading an organization (at a
    // million organizations the 10,000 reads of their rows were most of the request).
    let count_sql = if wheres.len() == 1 {
        "SELECT CAST(COUNT(DISTINCT gr.org_id) AS BIGINT) FROM org_grades gr WHERE gr.grade = $1 \
         AND gr.valid_to >= $2 AND gr.valid_from <= $2 AND (gr.ended_on IS NULL OR gr.ended_on > $2)"
            .to_string()
    } else {
        format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {from} WHERE {where_sql}")
    };
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
    for b in &binds {
        q = q.bind(b.clone());
    }
    let count = q.fetch_one(&mut *c).await?;
    Ok(Page {
        hits,
        count,
        capped: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_similar_names_come_from_the_authority_only_when_it_has_fewer() {
        assert!(reads_authority(296, 297));
        assert!(!reads_authority(297, 297));
        assert!(!reads_authority(298, 297));
        assert!(!reads_authority(0, 0));
    }
}

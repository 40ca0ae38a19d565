//! What the OCDS releases read besides a project's own record and events: the organizations
//! taking part, the contracts' fixed facts and the procurement intention.

use super::Conn;

/// What open data says of an organization taking part: (id, USCC, name, district code,
/// domicile) — its registered office, public in the register; never a person's data.
pub type OrgRow = (i64, Option<String>, String, String, Option<String>);

/// The project's bidders and contractors.
pub async fn parties(c: &mut Conn, project: i64) -> Result<Vec<OrgRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.uscc, o.name, o.district_code, o.domicile FROM organizations o WHERE o.id IN \
         (SELECT org_id FROM bids WHERE project_id = $1 UNION SELECT org_id FROM contracts WHERE project_id = $1)",
    )
    .bind(project)
    .fetch_all(&mut *c)
    .await
}

/// A purchasing department or agency as open data identifies it: (USCC, district code,
/// office address). `agency` picks the agencies' table.
pub async fn unit(
    c: &mut Conn,
    agency: bool,
    id: i64,
) -> Result<Option<(Option<String>, String, String)>, sqlx::Error> {
    let sql = if agency {
        "SELECT uscc, district_code, contact_address FROM agencies WHERE id = $1"
    } else {
        "SELECT uscc, district_code, contact_address FROM departments WHERE id = $1"
    };
    sqlx::query_as(sql).bind(id).fetch_optional(&mut *c).await
}

/// A service category's Chinese name.
pub async fn category_name(c: &mut Conn, code: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name_zh FROM service_categories WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut *c)
        .await
}

/// (id, award id, org id) of the project's contracts.
pub async fn contracts(c: &mut Conn, project: i64) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT id, award_id, org_id FROM contracts WHERE project_id = $1")
        .bind(project)
        .fetch_all(&mut *c)
        .await
}

/// (title, budget, need, published at) of a procurement intention.
pub async fn intention(
    c: &mut Conn,
    id: i64,
) -> Result<Option<(String, i64, String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT title, budget_fen, need, published_at FROM intentions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await
}

use super::id_list;

/// The bidders and contractors of each of `projects`, as (project, organization).
pub async fn parties_of(c: &mut Conn, projects: &[i64]) -> Result<Vec<(i64, OrgRow)>, sqlx::Error> {
    if projects.is_empty() {
        return Ok(Vec::new());
    }
    let ids = id_list(projects);
    let sql = format!(
        "SELECT x.project_id, o.id, o.uscc, o.name, o.district_code, o.domicile FROM organizations o \
         JOIN (SELECT project_id, org_id FROM bids WHERE project_id IN ({ids}) \
         UNION SELECT project_id, org_id FROM contracts WHERE project_id IN ({ids})) x ON x.org_id = o.id"
    );
    // The project, then an `OrgRow`'s columns.
    type Joined = (i64, i64, Option<String>, String, String, Option<String>);
    let rows: Vec<Joined> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(p, id, uscc, name, district, domicile)| (p, (id, uscc, name, district, domicile)))
        .collect())
}

/// Departments (or, with `agency`, agencies) by id: (id, USCC, district code, office address).
pub async fn units(
    c: &mut Conn,
    agency: bool,
    ids: &[i64],
) -> Result<Vec<(i64, Option<String>, String, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let table = if agency { "agencies" } else { "departments" };
    let sql = format!(
        "SELECT id, uscc, district_code, contact_address FROM {table} WHERE id IN ({})",
        id_list(ids)
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await
}

/// Every service category's Chinese name, by code (a short reference table).
pub async fn category_names(c: &mut Conn) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT code, name_zh FROM service_categories")
        .fetch_all(&mut *c)
        .await
}

/// (project, id, award id, org id) of the contracts of `projects`.
pub async fn contracts_of(
    c: &mut Conn,
    projects: &[i64],
) -> Result<Vec<(i64, i64, i64, i64)>, sqlx::Error> {
    if projects.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT project_id, id, award_id, org_id FROM contracts WHERE project_id IN ({})",
        id_list(projects)
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await
}

/// (id, title, budget, need, published at) of procurement intentions by id.
pub async fn intentions(
    c: &mut Conn,
    ids: &[i64],
) -> Result<Vec<(i64, String, i64, String, i64)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, title, budget_fen, need, published_at FROM intentions WHERE id IN ({})",
        id_list(ids)
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await
}

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

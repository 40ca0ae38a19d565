//! Suppliers from outside the registry: the sign-up with its certificate, the staff check, and
//! the organization row an approved supplier bids as (status `supplier`, never indexed in the
//! directory, no registering authority).

use super::Conn;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone, Serialize)]
pub struct Supplier {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub uscc: String,
    pub registered_with: String,
    pub address: String,
    pub certificate_sha256: String,
    pub certificate_type: String,
    pub applicant_user_id: i64,
    pub applicant_email: String,
    pub status: crate::domain::org_life::SignupStatus,
    pub applied_at: i64,
    pub decided_at: Option<i64>,
    pub reason: Option<String>,
    pub org_id: Option<i64>,
}

const SELECT: &str = "SELECT s.id, s.kind, s.name, s.uscc, s.registered_with, s.address, s.certificate_sha256, \
    s.certificate_type, s.applicant_user_id, u.email AS applicant_email, s.status, s.applied_at, s.decided_at, \
    s.reason, s.org_id FROM suppliers s JOIN users u ON u.id = s.applicant_user_id";

fn supplier(r: &AnyRow) -> Result<Supplier, sqlx::Error> {
    Ok(Supplier {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
        uscc: r.try_get("uscc")?,
        registered_with: r.try_get("registered_with")?,
        address: r.try_get("address")?,
        certificate_sha256: r.try_get("certificate_sha256")?,
        certificate_type: r.try_get("certificate_type")?,
        applicant_user_id: r.try_get("applicant_user_id")?,
        applicant_email: r.try_get("applicant_email")?,
        status: {
            let code: String = r.try_get("status")?;
            crate::domain::org_life::SignupStatus::parse(&code).ok_or_else(|| {
                sqlx::Error::ColumnDecode {
                    index: "status".into(),
                    source: format!("unknown sign-up status {code:?}").into(),
                }
            })?
        },
        applied_at: r.try_get("applied_at")?,
        decided_at: r.try_get("decided_at")?,
        reason: r.try_get("reason")?,
        org_id: r.try_get("org_id")?,
    })
}

pub async fn by_id(c: &mut Conn, id: i64) -> Result<Option<Supplier>, sqlx::Error> {
    sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE s.id = $1")))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?
        .as_ref()
        .map(supplier)
        .transpose()
}

/// Pending first, then the latest decisions; or one applicant's.
pub async fn list(c: &mut Conn, applicant: Option<i64>) -> Result<Vec<Supplier>, sqlx::Error> {
    let sql = match applicant {
        Some(_) => format!("{SELECT} WHERE s.applicant_user_id = $1 ORDER BY s.id DESC"),
        None => format!(
            "{SELECT} ORDER BY CASE WHEN s.status = 'pending' THEN 0 ELSE 1 END, s.id DESC LIMIT 500"
        ),
    };
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some(a) = applicant {
        q = q.bind(a);
    }
    q.fetch_all(&mut *c).await?.iter().map(supplier).collect()
}

pub struct NewSupplier<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub uscc: &'a str,
    pub registered_with: &'a str,
    pub address: &'a str,
    pub certificate_sha256: &'a str,
    pub certificate_type: &'a str,
    pub applicant: i64,
    pub now: i64,
}

pub async fn apply(c: &mut Conn, s: &NewSupplier<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO suppliers (kind, name, uscc, registered_with, address, certificate_sha256, certificate_type, \
         applicant_user_id, status, applied_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9) RETURNING id",
    )
    .bind(s.kind)
    .bind(s.name)
    .bind(s.uscc)
    .bind(s.registered_with)
    .bind(s.address)
    .bind(s.certificate_sha256)
    .bind(s.certificate_type)
    .bind(s.applicant)
    .bind(s.now)
    .fetch_one(&mut *c)
    .await
}

/// Whether this USCC is already an organization here, or a pending or approved supplier.
pub async fn uscc_taken(c: &mut Conn, uscc: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM organizations WHERE uscc = $1) + \
         (SELECT COUNT(*) FROM suppliers WHERE uscc = $1 AND status IN ('pending', 'approved'))",
    )
    .bind(uscc)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

/// Records the decision on a sign-up read as `from`: the lifecycle's answer, written with a
/// compare-and-set on `from`; false if it was decided meanwhile.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    c: &mut Conn,
    id: i64,
    from: crate::domain::org_life::SignupStatus,
    to: crate::domain::org_life::SignupStatus,
    reason: Option<&str>,
    org: Option<i64>,
    by: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE suppliers SET status = $2, reason = $3, org_id = $4, decided_by = $5, decided_at = $6 \
         WHERE id = $1 AND status = $7",
    )
    .bind(id)
    .bind(to.code())
    .bind(reason)
    .bind(org)
    .bind(by)
    .bind(now)
    .bind(from.code())
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The organization row an approved supplier bids as: status `supplier`, the division from
/// its USCC, no authority, and an empty normalized name so no directory index finds it.
pub async fn insert_org(c: &mut Conn, s: &Supplier, now: i64) -> Result<i64, sqlx::Error> {
    let division = s.uscc.get(2..8).unwrap_or("000000");
    let org_type = if s.kind == "enterprise" {
        "enterprise"
    } else {
        "external_org"
    };
    sqlx::query_scalar(
        "INSERT INTO organizations (name, org_type, district_code, status, uscc, created_at, name_norm, category, \
         uscc_checksum_ok, domicile) VALUES ($1, $2, $3, 'supplier', $4, $5, '', 'other', 1, $6) RETURNING id",
    )
    .bind(&s.name)
    .bind(org_type)
    .bind(division)
    .bind(&s.uscc)
    .bind(now)
    .bind(&s.address)
    .fetch_one(&mut *c)
    .await
}

//! Registry work: annual reports and listings to remove for the registrar, corrections for
//! the applicant.

use super::{ids, Push};
use crate::db::Conn;

/// Annual reports filed with the registrar's authorities and not yet given an outcome.
pub(super) async fn registrar(
    c: &mut Conn,
    authorities: &[i64],
    p: &mut Push<'_>,
) -> Result<(), sqlx::Error> {
    let list = ids(authorities);
    let rows: Vec<(i64, i64, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT a.id, o.id, o.name, a.year FROM annual_reports a JOIN organizations o ON o.id = a.org_id \
         WHERE o.authority_id IN ({list}) AND a.outcome IS NULL ORDER BY a.filed_on, a.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, org, name, year) in rows {
        p.add(
            "queue-annual-review",
            id,
            format!("{name} · {year}"),
            None,
            format!("/registry/orgs/{org}"),
        );
    }
    // Abnormal listings for a missing annual report whose report has since been filed: the
    // registrar verifies and removes them (the daily job would only after 6 months).
    let rectified: Vec<(i64, i64, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT l.id, o.id, o.name, l.ref_year FROM credit_listings l JOIN organizations o ON o.id = l.org_id \
         WHERE o.authority_id IN ({list}) AND l.list = 'abnormal' AND l.removed_on IS NULL \
         AND l.reason = 'annual_report_missing' \
         AND EXISTS (SELECT 1 FROM annual_reports a WHERE a.org_id = l.org_id AND a.year = l.ref_year) \
         ORDER BY l.listed_on, l.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, org, name, year) in rectified {
        p.add(
            "queue-listing-removal",
            id,
            format!("{name} · {year}"),
            None,
            format!("/registry/orgs/{org}#listings"),
        );
    }
    Ok(())
}

/// A registration application returned to its applicant for correction.
pub(super) async fn applicant(
    c: &mut Conn,
    user: i64,
    p: &mut Push<'_>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM applications WHERE applicant_user_id = $1 AND status = 'correction' ORDER BY id",
    )
    .bind(user)
    .fetch_all(&mut *c)
    .await?;
    for (id, name) in rows {
        p.add(
            "queue-app-correction",
            id,
            name,
            None,
            format!("/applications/{id}"),
        );
    }
    Ok(())
}

//! Registry work: annual reports and listings to remove for the registrar, corrections for
//! the applicant.

use super::Push;
use crate::db::Conn;
use crate::deadlines::store::queue as store;

/// Annual reports filed with the registrar's authorities and not yet given an outcome.
pub(super) async fn registrar(
    c: &mut Conn,
    authorities: &[i64],
    p: &mut Push<'_>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, i64, String, i64)> = store::annual_reports_waiting(c, authorities).await?;
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
    let rectified: Vec<(i64, i64, String, i64)> = store::listings_to_remove(c, authorities).await?;
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
    let rows: Vec<(i64, String)> = store::applications_to_correct(c, user).await?;
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

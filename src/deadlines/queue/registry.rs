//! Registry work: annual reports, listings to remove, objections and removal requests and the
//! removal clock of a verified rectification for the registrar, corrections for the applicant.

use super::Push;
use crate::db::Conn;
use crate::deadlines::store::queue as store;
use crate::domain::calendar::parse_iso_date;

/// Annual reports filed with the registrar's authorities and not yet given an outcome.
pub(super) async fn registrar(
    c: &mut Conn,
    authorities: &[i64],
    p: &mut Push<'_>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, i64, String, i64)> = store::annual_reports_waiting(c, authorities).await?;
    for (id, org, name, year) in p.capped("queue-annual-review", "/registry", rows) {
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
    for (id, org, name, year) in p.capped("queue-listing-removal", "/registry", rectified) {
        p.add(
            "queue-listing-removal",
            id,
            format!("{name} · {year}"),
            None,
            format!("/registry/orgs/{org}#listings"),
        );
    }
    // An organization's objection or removal request to answer.
    let requests = store::listing_requests_waiting(c, authorities).await?;
    for (id, org, name, kind) in p.capped("queue-listreq", "/registry", requests) {
        p.add(
            &format!("queue-listreq-{kind}"),
            id,
            name,
            None,
            format!("/registry/orgs/{org}#listings"),
        );
    }
    // A verified rectification: removed within 5 working days of the verification (民政部令60
    // art. 13), counted on the calendar when verified.
    let verified = store::verified_listings(c, authorities).await?;
    for (id, org, name, remove_by) in p.capped("queue-listing-remove-by", "/registry", verified) {
        p.add(
            "queue-listing-remove-by",
            id,
            name,
            parse_iso_date(&remove_by).map(|d| (d, true)),
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
    for (id, name) in p.capped("queue-app-correction", "/applications", rows) {
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

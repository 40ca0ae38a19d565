//! An organization's credit record at the registry: annual reports and their inspection
//! outcome, penalties and investigations, and the credit lists (abnormal activity, serious
//! violation).

use super::Conn;
use crate::platform::ids::{OrgId, UserId};
use serde::Serialize;
use sqlx::Row;

/// An annual report as its record shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub id: i64,
    pub year: i64,
    pub due_on: String,
    pub filed_on: String,
    pub summary: String,
    pub outcome: Option<String>,
    pub outcome_on: Option<String>,
    /// The supervising unit's preliminary review (初审), where there is one.
    pub supervisor_reviewed_on: Option<String>,
    /// Filed for the simplified inspection a 4A-or-above organization may use.
    pub simplified: bool,
}

pub async fn reports(c: &mut Conn, org: OrgId) -> Result<Vec<Report>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, year, due_on, filed_on, summary, outcome, outcome_on, supervisor_reviewed_on, simplified \
         FROM annual_reports WHERE org_id = $1 ORDER BY year DESC",
    )
    .bind(org.0)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Report {
                id: r.try_get("id")?,
                year: r.try_get("year")?,
                due_on: r.try_get("due_on")?,
                filed_on: r.try_get("filed_on")?,
                summary: r.try_get("summary")?,
                outcome: r.try_get("outcome")?,
                outcome_on: r.try_get("outcome_on")?,
                supervisor_reviewed_on: r.try_get("supervisor_reviewed_on")?,
                simplified: r.try_get::<i64, _>("simplified")? != 0,
            })
        })
        .collect()
}

/// A report filed by the organization; `false` when one for the year exists already.
pub struct NewReport<'a> {
    pub org: OrgId,
    pub year: i64,
    pub due_on: &'a str,
    pub filed_on: &'a str,
    pub filed_by: UserId,
    pub summary: &'a str,
    pub supervisor_reviewed_on: Option<&'a str>,
    pub simplified: bool,
    pub now: i64,
}

pub async fn file_report(c: &mut Conn, r: &NewReport<'_>) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO annual_reports (org_id, year, due_on, filed_on, filed_by, summary, created_at, \
         supervisor_reviewed_on, simplified) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (org_id, year) DO NOTHING",
    )
    .bind(r.org.0)
    .bind(r.year)
    .bind(r.due_on)
    .bind(r.filed_on)
    .bind(r.filed_by.0)
    .bind(r.summary)
    .bind(r.now)
    .bind(r.supervisor_reviewed_on)
    .bind(i64::from(r.simplified))
    .execute(&mut *c)
    .await?;
    Ok(inserted.rows_affected() > 0)
}

/// Records the inspection outcome of one of the organization's reports; `false` when there is
/// no such report.
pub async fn set_outcome(
    c: &mut Conn,
    org: OrgId,
    report: i64,
    outcome: &str,
    on: &str,
    by: UserId,
    settings_version: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE annual_reports SET outcome = $1, outcome_on = $2, outcome_by = $3, settings_version = $4 \
         WHERE id = $5 AND org_id = $6",
    )
    .bind(outcome)
    .bind(on)
    .bind(by.0)
    .bind(settings_version)
    .bind(report)
    .bind(org.0)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// How many reports the organization filed for `year`.
pub async fn reports_for_year(
    c: &mut Conn,
    org: OrgId,
    year: Option<i64>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM annual_reports WHERE org_id = $1 AND year = $2")
        .bind(org.0)
        .bind(year)
        .fetch_one(&mut *c)
        .await
}

/// A penalty or investigation, with the authority that decided it.
#[derive(Debug, Clone)]
pub struct Penalty {
    pub id: i64,
    pub kind: String,
    pub decided_on: String,
    pub amount_fen: Option<i64>,
    pub reason: String,
    pub closed_on: Option<String>,
    pub authority_zh: Option<String>,
    pub authority_en: Option<String>,
}

pub async fn penalties(c: &mut Conn, org: OrgId) -> Result<Vec<Penalty>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.id, p.kind, p.decided_on, p.amount_fen, p.reason, p.closed_on, a.name_zh, a.name_en \
         FROM penalties p LEFT JOIN authorities a ON a.id = p.authority_id WHERE p.org_id = $1 \
         ORDER BY p.decided_on DESC, p.id DESC",
    )
    .bind(org.0)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Penalty {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                decided_on: r.try_get("decided_on")?,
                amount_fen: r.try_get("amount_fen")?,
                reason: r.try_get("reason")?,
                closed_on: r.try_get("closed_on")?,
                authority_zh: r.try_get("name_zh")?,
                authority_en: r.try_get("name_en")?,
            })
        })
        .collect()
}

pub struct NewPenalty<'a> {
    pub org: OrgId,
    pub kind: &'a str,
    pub decided_on: &'a str,
    pub amount_fen: Option<i64>,
    pub authority: Option<i64>,
    pub reason: &'a str,
    pub by: UserId,
    pub now: i64,
}

pub async fn add_penalty(c: &mut Conn, p: &NewPenalty<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO penalties (org_id, kind, decided_on, amount_fen, authority_id, reason, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(p.org.0)
    .bind(p.kind)
    .bind(p.decided_on)
    .bind(p.amount_fen)
    .bind(p.authority)
    .bind(p.reason)
    .bind(p.by.0)
    .bind(p.now)
    .fetch_one(&mut *c)
    .await
}

/// The revocation of a registration, recorded as a penalty.
pub async fn add_revocation(
    c: &mut Conn,
    org: OrgId,
    on: &str,
    authority: Option<i64>,
    reason: &str,
    by: UserId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO penalties (org_id, kind, decided_on, authority_id, reason, created_by, created_at) \
         VALUES ($1, 'revocation', $2, $3, $4, $5, $6)",
    )
    .bind(org.0)
    .bind(on)
    .bind(authority)
    .bind(reason)
    .bind(by.0)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Closes an open investigation; `false` when there is none with that id.
pub async fn close_investigation(
    c: &mut Conn,
    org: OrgId,
    penalty: i64,
    on: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE penalties SET closed_on = $1 WHERE id = $2 AND org_id = $3 AND kind = 'investigation' AND closed_on IS NULL",
    )
    .bind(on)
    .bind(penalty)
    .bind(org.0)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A credit listing as the record shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub id: i64,
    pub list: String,
    pub reason: String,
    pub year: Option<i64>,
    pub listed_on: String,
    pub removed_on: Option<String>,
    pub removal: Option<String>,
    pub detail: String,
    pub verified_on: Option<String>,
    pub remove_by: Option<String>,
}

pub async fn listings(c: &mut Conn, org: OrgId) -> Result<Vec<Listing>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, list, reason, ref_year, listed_on, removed_on, removal, detail, verified_on, remove_by \
         FROM credit_listings WHERE org_id = $1 ORDER BY listed_on DESC, id DESC",
    )
    .bind(org.0)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Listing {
                id: r.try_get("id")?,
                list: r.try_get("list")?,
                reason: r.try_get("reason")?,
                year: r.try_get("ref_year")?,
                listed_on: r.try_get("listed_on")?,
                removed_on: r.try_get("removed_on")?,
                removal: r.try_get("removal")?,
                detail: r.try_get("detail")?,
                verified_on: r.try_get("verified_on")?,
                remove_by: r.try_get("remove_by")?,
            })
        })
        .collect()
}

/// An open listing of the organization: its reason, year and list.
pub async fn open_listing(
    c: &mut Conn,
    org: OrgId,
    listing: i64,
) -> Result<Option<(String, Option<i64>, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT reason, ref_year, list FROM credit_listings WHERE id = $1 AND org_id = $2 AND removed_on IS NULL",
    )
    .bind(listing)
    .bind(org.0)
    .fetch_optional(&mut *c)
    .await
}

/// Ends a listing whose cause a registrar found rectified, if it is still open
/// (compare-and-set); whether it was.
pub async fn remove_rectified(c: &mut Conn, listing: i64, on: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE credit_listings SET removed_on = $1, removal = 'rectified' \
         WHERE id = $2 AND removed_on IS NULL",
    )
    .bind(on)
    .bind(listing)
    .execute(&mut *c)
    .await?
    .rows_affected()
        == 1)
}

/// Which organizations `orgs_without_report` leaves out, besides those that filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Besides {
    /// Already on the abnormal-activity list for the year's missing report.
    Listed,
    /// Already reminded of the year's report.
    Reminded,
}

/// Registered organizations of the type, registered on or before `last_registration`, with no
/// annual report for `year` (and not `besides`), in id order.
pub async fn orgs_without_report(
    c: &mut Conn,
    org_type: &str,
    year: i32,
    last_registration: &str,
    besides: Besides,
) -> Result<Vec<i64>, sqlx::Error> {
    let extra = match besides {
        Besides::Listed => {
            "AND NOT EXISTS (SELECT 1 FROM credit_listings l WHERE l.org_id = o.id AND l.list = 'abnormal' \
             AND l.reason = 'annual_report_missing' AND l.ref_year = $3)"
        }
        Besides::Reminded => {
            "AND NOT EXISTS (SELECT 1 FROM reminders m WHERE m.kind = 'annual_report' AND m.org_id = o.id \
             AND m.year = $3)"
        }
    };
    let sql = format!(
        "SELECT o.id FROM organizations o WHERE o.org_type = $1 AND o.status = 'registered' \
         AND o.registered_on IS NOT NULL AND o.registered_on <= $2 \
         AND NOT EXISTS (SELECT 1 FROM annual_reports r WHERE r.org_id = o.id AND r.year = $3) {extra} \
         ORDER BY o.id"
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(org_type)
        .bind(last_registration)
        .bind(i64::from(year))
        .fetch_all(&mut *c)
        .await
}

/// A listing to add: the organization, the list, the reason and the year it concerns, the
/// day, and what caused it besides its reason (a penalty's or an application's id).
pub struct NewListing<'a> {
    pub org: OrgId,
    pub list: &'a str,
    pub reason: &'a str,
    pub year: Option<i32>,
    pub on: &'a str,
    pub detail: &'a str,
}

/// Lists the organization on a credit list; returns the listing's id.
pub async fn add_listing(c: &mut Conn, l: &NewListing<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO credit_listings (org_id, list, reason, ref_year, listed_on, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(l.org.0)
    .bind(l.list)
    .bind(l.reason)
    .bind(l.year.map(i64::from))
    .bind(l.on)
    .bind(l.detail)
    .bind(now)
    .fetch_one(&mut *c)
    .await
}

/// Ends the organization's open abnormal listings because it moved to the serious list
/// (removal `moved_serious`); how many.
pub async fn end_abnormal_for_serious(
    c: &mut Conn,
    org: OrgId,
    on: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE credit_listings SET removed_on = $1, removal = 'moved_serious' \
         WHERE org_id = $2 AND list = 'abnormal' AND removed_on IS NULL",
    )
    .bind(on)
    .bind(org.0)
    .execute(&mut *c)
    .await?
    .rows_affected())
}

/// How many listings of the organization on `list` are open.
pub async fn open_on(c: &mut Conn, org: OrgId, list: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM credit_listings WHERE org_id = $1 AND list = $2 AND removed_on IS NULL",
    )
    .bind(org.0)
    .bind(list)
    .fetch_one(&mut *c)
    .await
}

/// How many listings of the organization were made for `reason` with this `detail`.
pub async fn listed_for(
    c: &mut Conn,
    org: OrgId,
    reason: &str,
    detail: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM credit_listings WHERE org_id = $1 AND reason = $2 AND detail = $3",
    )
    .bind(org.0)
    .bind(reason)
    .bind(detail)
    .fetch_one(&mut *c)
    .await
}

/// Records that a registrar verified the rectification of an open abnormal listing, and the
/// last day to remove it; `false` when the listing is not open, not abnormal or verified
/// already (compare-and-set on `verified_on`).
pub async fn verify_listing(
    c: &mut Conn,
    org: OrgId,
    listing: i64,
    on: &str,
    remove_by: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE credit_listings SET verified_on = $1, remove_by = $2 WHERE id = $3 AND org_id = $4 \
         AND list = 'abnormal' AND removed_on IS NULL AND verified_on IS NULL",
    )
    .bind(on)
    .bind(remove_by)
    .bind(listing)
    .bind(org.0)
    .execute(&mut *c)
    .await?
    .rows_affected()
        == 1)
}

/// An objection to a listing or a request to remove it, as the organization filed it.
#[derive(Debug, Clone, Serialize)]
pub struct ListingRequest {
    pub id: i64,
    pub listing_id: i64,
    pub kind: String,
    pub statement: String,
    pub filed_on: String,
    pub answered_on: Option<String>,
    pub answer: Option<String>,
}

pub struct NewRequest<'a> {
    pub org: OrgId,
    pub listing: i64,
    pub kind: &'a str,
    pub statement: &'a str,
    pub on: &'a str,
    pub by: UserId,
    pub now: i64,
}

/// Records an objection or removal request against one of the organization's listings;
/// `None` when the listing is not the organization's.
pub async fn add_request(c: &mut Conn, r: &NewRequest<'_>) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO listing_requests (listing_id, org_id, kind, statement, filed_on, filed_by, created_at) \
         SELECT id, org_id, $1, $2, $3, $4, $5 FROM credit_listings WHERE id = $6 AND org_id = $7 RETURNING id",
    )
    .bind(r.kind)
    .bind(r.statement)
    .bind(r.on)
    .bind(r.by.0)
    .bind(r.now)
    .bind(r.listing)
    .bind(r.org.0)
    .fetch_optional(&mut *c)
    .await
}

/// The organization's objections and removal requests, newest first.
pub async fn requests(c: &mut Conn, org: OrgId) -> Result<Vec<ListingRequest>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, listing_id, kind, statement, filed_on, answered_on, answer FROM listing_requests \
         WHERE org_id = $1 ORDER BY id DESC",
    )
    .bind(org.0)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ListingRequest {
                id: r.try_get("id")?,
                listing_id: r.try_get("listing_id")?,
                kind: r.try_get("kind")?,
                statement: r.try_get("statement")?,
                filed_on: r.try_get("filed_on")?,
                answered_on: r.try_get("answered_on")?,
                answer: r.try_get("answer")?,
            })
        })
        .collect()
}

/// Answers one open request of the organization (compare-and-set on `answered_on`).
pub async fn answer_request(
    c: &mut Conn,
    org: OrgId,
    request: i64,
    on: &str,
    answer: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE listing_requests SET answered_on = $1, answer = $2 \
         WHERE id = $3 AND org_id = $4 AND answered_on IS NULL",
    )
    .bind(on)
    .bind(answer)
    .bind(request)
    .bind(org.0)
    .execute(&mut *c)
    .await?
    .rows_affected()
        == 1)
}

/// Answers the open removal requests of a listing with `answer`; how many.
pub async fn answer_removal_requests(
    c: &mut Conn,
    listing: i64,
    on: &str,
    answer: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE listing_requests SET answered_on = $1, answer = $2 \
         WHERE listing_id = $3 AND kind = 'removal' AND answered_on IS NULL",
    )
    .bind(on)
    .bind(answer)
    .bind(listing)
    .execute(&mut *c)
    .await?
    .rows_affected())
}

/// An open listing of any organization, with how many reports were filed for its year.
pub struct OpenListing {
    pub id: i64,
    pub org_id: i64,
    pub reason: String,
    pub listed_on: String,
    pub filed: i64,
}

/// Every open listing on `list`, by organization and id.
pub async fn open_listings(c: &mut Conn, list: &str) -> Result<Vec<OpenListing>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT l.id, l.org_id, l.reason, l.ref_year, l.listed_on, \
         (SELECT COUNT(*) FROM annual_reports r WHERE r.org_id = l.org_id AND r.year = l.ref_year) AS filed \
         FROM credit_listings l WHERE l.list = $1 AND l.removed_on IS NULL ORDER BY l.org_id, l.id",
    )
    .bind(list)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OpenListing {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                reason: r.try_get("reason")?,
                listed_on: r.try_get("listed_on")?,
                filed: r.try_get("filed")?,
            })
        })
        .collect()
}

/// Ends one listing automatically, if it is still open; whether it was.
pub async fn end_listing(c: &mut Conn, listing: i64, on: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE credit_listings SET removed_on = $1, removal = 'automatic' \
         WHERE id = $2 AND removed_on IS NULL",
    )
    .bind(on)
    .bind(listing)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends the organization's open serious-violation listings automatically; how many.
pub async fn end_serious(c: &mut Conn, org: i64, on: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE credit_listings SET removed_on = $1, removal = 'automatic' \
         WHERE org_id = $2 AND list = 'serious' AND removed_on IS NULL",
    )
    .bind(on)
    .bind(org)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected())
}

/// A penalty of any organization, as the daily job reads it.
pub struct PenaltyRow {
    pub org_id: i64,
    pub kind: String,
    pub decided_on: String,
    pub amount_fen: Option<i64>,
}

/// Every penalty, by organization and decision date.
pub async fn all_penalties(c: &mut Conn) -> Result<Vec<PenaltyRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT org_id, kind, decided_on, amount_fen FROM penalties ORDER BY org_id, decided_on",
    )
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PenaltyRow {
                org_id: r.try_get("org_id")?,
                kind: r.try_get("kind")?,
                decided_on: r.try_get("decided_on")?,
                amount_fen: r.try_get("amount_fen")?,
            })
        })
        .collect()
}

/// (org, listed_on, removed_on) of every abnormal listing made on or before `on`.
pub async fn abnormal_spans(
    c: &mut Conn,
    on: &str,
) -> Result<Vec<(i64, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT org_id, listed_on, removed_on FROM credit_listings WHERE list = 'abnormal' AND listed_on <= $1",
    )
    .bind(on)
    .fetch_all(&mut *c)
    .await
}

/// (year, outcome) of the organization's two latest annual reports, newest first.
pub async fn last_two_outcomes(
    c: &mut Conn,
    org: i64,
) -> Result<Vec<(i64, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT year, outcome FROM annual_reports WHERE org_id = $1 ORDER BY year DESC LIMIT 2",
    )
    .bind(org)
    .fetch_all(&mut *c)
    .await
}

/// Investigations of the organization decided on or before `day` and not closed.
pub async fn open_investigations(c: &mut Conn, org: i64, day: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM penalties WHERE org_id = $1 AND kind = 'investigation' AND closed_on IS NULL AND decided_on <= $2",
    )
    .bind(org)
    .bind(day.to_string())
    .fetch_one(&mut *c)
    .await
}

/// Penalties (not investigations) of the organization decided on or before `day` and not closed.
pub async fn open_penalties(c: &mut Conn, org: i64, day: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM penalties WHERE org_id = $1 AND kind <> 'investigation' AND closed_on IS NULL AND decided_on <= $2",
    )
    .bind(org)
    .bind(day.to_string())
    .fetch_one(&mut *c)
    .await
}

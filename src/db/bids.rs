//! Sealed bids and openings. A bid row holds its place (project, round, organization,
//! envelope), its status and times, and the ciphertext with its key id, nonce and receipt
//! digest: no column holds a price or proposal until the opening copies the prices of the
//! opened bids into `opening_bids`.

use super::Conn;
use crate::domain::procurement::{bid_transition, BidAction, BidStatus};
use crate::procurement::sealing::Sealed;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Bid {
    pub id: i64,
    /// What the bidder is shown as the bid's number (投标编号): random, so it counts nothing.
    pub reference: String,
    pub project_id: i64,
    pub round: i64,
    pub org_id: i64,
    pub envelope: String,
    pub status: BidStatus,
    pub submitted_at: i64,
    pub digest: String,
    #[serde(skip)]
    pub sealed: Sealed,
}

const BID: &str = "SELECT id, reference, project_id, round, org_id, envelope, status, submitted_at, digest, key_id, nonce, sealed FROM bids";

type BidRow = (
    i64,
    String,
    i64,
    i64,
    i64,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
);

fn bid(r: BidRow) -> Bid {
    let (
        id,
        reference,
        project_id,
        round,
        org_id,
        envelope,
        status,
        submitted_at,
        digest,
        key_id,
        nonce,
        sealed,
    ) = r;
    Bid {
        id,
        reference,
        project_id,
        round,
        org_id,
        envelope,
        // The column holds only the codes the transition writes.
        status: BidStatus::parse(&status).unwrap_or(BidStatus::Withdrawn),
        submitted_at,
        digest,
        sealed: Sealed {
            key_id,
            nonce,
            sealed,
        },
    }
}

pub async fn by_id(c: &mut Conn, id: i64) -> Result<Option<Bid>, sqlx::Error> {
    let row: Option<BidRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{BID} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    Ok(row.map(bid))
}

/// Who submitted the bid.
pub async fn submitter(c: &mut Conn, bid: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT submitted_by FROM bids WHERE id = $1")
        .bind(bid)
        .fetch_one(&mut *c)
        .await
}

/// Who submitted the bid, and for which organization: (submitter, org).
pub async fn submitter_and_org(c: &mut Conn, bid: i64) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as("SELECT submitted_by, org_id FROM bids WHERE id = $1")
        .bind(bid)
        .fetch_one(&mut *c)
        .await
}

/// The organization's sealed bid in this envelope of this round, if any.
pub async fn sealed_of(
    c: &mut Conn,
    project: i64,
    round: i64,
    org: i64,
    envelope: &str,
) -> Result<Option<Bid>, sqlx::Error> {
    let row: Option<BidRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{BID} WHERE project_id = $1 AND round = $2 AND org_id = $3 AND envelope = $4 AND status = 'sealed'"
    )))
    .bind(project)
    .bind(round)
    .bind(org)
    .bind(envelope)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.map(bid))
}

/// Whether the organization has a sealed bid on a project whose bid (or final-quote) deadline
/// is still ahead at `now`: a bid an intruder into its admin's account could read or replace.
pub async fn org_has_pending_sealed(c: &mut Conn, org: i64, now: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM bids b JOIN projects p ON p.id = b.project_id \
         WHERE b.org_id = $1 AND b.status = 'sealed' \
         AND (COALESCE(p.deadline_at, 0) > $2 OR COALESCE(p.final_deadline_at, 0) > $2)",
    )
    .bind(org)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

/// Every bid (any status) the organization made on a project, newest first.
pub async fn history_of(c: &mut Conn, project: i64, org: i64) -> Result<Vec<Bid>, sqlx::Error> {
    let rows: Vec<BidRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{BID} WHERE project_id = $1 AND org_id = $2 ORDER BY id DESC"
    )))
    .bind(project)
    .bind(org)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.into_iter().map(bid).collect())
}

/// The sealed bids of a round's envelope: for the opening only.
pub async fn sealed_for_opening(
    c: &mut Conn,
    project: i64,
    round: i64,
    envelope: &str,
) -> Result<Vec<Bid>, sqlx::Error> {
    let rows: Vec<BidRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{BID} WHERE project_id = $1 AND round = $2 AND envelope = $3 AND status = 'sealed' ORDER BY submitted_at, id"
    )))
    .bind(project)
    .bind(round)
    .bind(envelope)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.into_iter().map(bid).collect())
}

pub struct NewBid<'a> {
    pub project: i64,
    pub round: i64,
    pub org: i64,
    pub envelope: &'a str,
    pub user: i64,
    pub sealed: &'a Sealed,
    pub digest: &'a str,
    pub at: i64,
}

/// Ends the organization's current sealed bid (replaced or withdrawn, by the bid's
/// transition) and returns its id; `Ok(Err(key))` when the transition refuses. The write is a
/// compare-and-set on the sealed state.
#[allow(clippy::too_many_arguments)]
pub async fn end_sealed(
    c: &mut Conn,
    project: i64,
    round: i64,
    org: i64,
    envelope: &str,
    action: BidAction,
    open: bool,
    at: i64,
) -> Result<Result<Option<i64>, &'static str>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM bids WHERE project_id = $1 AND round = $2 AND org_id = $3 AND envelope = $4 AND status = 'sealed'",
    )
    .bind(project)
    .bind(round)
    .bind(org)
    .bind(envelope)
    .fetch_optional(&mut *c)
    .await?;
    let Some(id) = id else {
        return Ok(Ok(None));
    };
    let to = match bid_transition(BidStatus::Sealed, action, open) {
        Ok(to) => to,
        Err(key) => return Ok(Err(key)),
    };
    let n = sqlx::query("UPDATE bids SET status = $2, ended_at = $3 WHERE id = $1 AND status = $4")
        .bind(id)
        .bind(to.code())
        .bind(at)
        .bind(BidStatus::Sealed.code())
        .execute(&mut *c)
        .await?
        .rows_affected();
    Ok(if n == 1 {
        Ok(Some(id))
    } else {
        Err("err-bid-ended")
    })
}

/// A new bid reference: 12 characters of Crockford's base32 (60 random bits; no I, L, O, U).
pub fn new_reference() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::rngs::OsRng;
    (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Stores a sealed bid with a new random reference; returns its id and reference.
pub async fn insert(c: &mut Conn, b: &NewBid<'_>) -> Result<(i64, String), sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO bids (project_id, round, org_id, envelope, status, submitted_at, submitted_by, key_id, nonce, sealed, digest, reference) \
         VALUES ($1, $2, $3, $4, 'sealed', $5, $6, $7, $8, $9, $10, $11) RETURNING id, reference",
    )
    .bind(b.project)
    .bind(b.round)
    .bind(b.org)
    .bind(b.envelope)
    .bind(b.at)
    .bind(b.user)
    .bind(&b.sealed.key_id)
    .bind(&b.sealed.nonce)
    .bind(&b.sealed.sealed)
    .bind(b.digest)
    .bind(new_reference())
    .fetch_one(&mut *c)
    .await
}

/// The bid with this reference.
pub async fn by_reference(c: &mut Conn, reference: &str) -> Result<Option<Bid>, sqlx::Error> {
    let row: Option<BidRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{BID} WHERE reference = $1")))
            .bind(reference)
            .fetch_optional(&mut *c)
            .await?;
    Ok(row.map(bid))
}

pub async fn add_file(c: &mut Conn, id: &str, bid: i64, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO bid_files (id, bid_id, stored_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(bid)
        .bind(at)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The bid a stored file belongs to.
pub async fn bid_of_file(c: &mut Conn, file: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT bid_id FROM bid_files WHERE id = $1")
        .bind(file)
        .fetch_optional(&mut *c)
        .await
}

/// Whether the organization's response was opened in this round.
pub async fn opened_in_round(
    c: &mut Conn,
    project: i64,
    round: i64,
    org: i64,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM opening_bids b JOIN openings o ON o.id = b.opening_id \
         WHERE o.project_id = $1 AND o.round = $2 AND o.envelope = 'initial' AND b.org_id = $3",
    )
    .bind(project)
    .bind(round)
    .bind(org)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

/// Who submitted each response opened in this round, in bid order.
pub async fn opened_submitters(
    c: &mut Conn,
    project: i64,
    round: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT b.submitted_by FROM opening_bids ob JOIN openings o ON o.id = ob.opening_id JOIN bids b ON b.id = ob.bid_id \
         WHERE o.project_id = $1 AND o.round = $2 AND o.envelope = 'initial' ORDER BY ob.bid_id",
    )
    .bind(project)
    .bind(round)
    .fetch_all(&mut *c)
    .await
}

/// The recorded qualification and compliance checks of an opening's bids: (bid, stage,
/// passed, reason).
pub async fn reviews_of(
    c: &mut Conn,
    opening: i64,
) -> Result<Vec<(i64, String, i64, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT bid_id, stage, passed, reason FROM bid_reviews WHERE opening_id = $1 AND stage IN ('qualification', 'compliance', 'sme')",
    )
    .bind(opening)
    .fetch_all(&mut *c)
    .await
}

/// Records one check (`stage`: qualification, price, compliance, sme) of one opened bid.
#[allow(clippy::too_many_arguments)]
pub async fn add_review(
    c: &mut Conn,
    opening: i64,
    bid: i64,
    stage: &str,
    passed: bool,
    reason: Option<&str>,
    user: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bid_reviews (opening_id, bid_id, stage, passed, reason, by_user_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(opening)
    .bind(bid)
    .bind(stage)
    .bind(i64::from(passed))
    .bind(reason)
    .bind(user)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

type OpeningRow = (i64, i64, i64, String, i64, String, i64, i64);
type OpenedRow = (
    i64,
    i64,
    String,
    Option<String>,
    i64,
    String,
    i64,
    Option<String>,
);

#[derive(Debug, Clone, Serialize)]
pub struct Opening {
    pub id: i64,
    pub project_id: i64,
    pub round: i64,
    pub envelope: String,
    pub opened_at: i64,
    pub outcome: crate::domain::procurement::OpeningOutcome,
    pub bid_count: i64,
    pub min_bids: i64,
}

pub async fn openings(c: &mut Conn, project: i64) -> Result<Vec<Opening>, sqlx::Error> {
    let rows: Vec<OpeningRow> = sqlx::query_as(
        "SELECT id, project_id, round, envelope, opened_at, outcome, bid_count, min_bids FROM openings \
         WHERE project_id = $1 ORDER BY round, id",
    )
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, project_id, round, envelope, opened_at, outcome, bid_count, min_bids)| Opening {
                id,
                project_id,
                round,
                envelope,
                opened_at,
                // The column holds only the two codes the store writes.
                outcome: crate::domain::procurement::OpeningOutcome::parse(&outcome)
                    .unwrap_or(crate::domain::procurement::OpeningOutcome::Failed),
                bid_count,
                min_bids,
            },
        )
        .collect())
}

pub async fn add_opening(c: &mut Conn, o: &Opening) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO openings (project_id, round, envelope, opened_at, outcome, bid_count, min_bids) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(o.project_id)
    .bind(o.round)
    .bind(&o.envelope)
    .bind(o.opened_at)
    .bind(o.outcome.code())
    .bind(o.bid_count)
    .bind(o.min_bids)
    .fetch_one(&mut *c)
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenedBid {
    pub bid_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub uscc: Option<String>,
    pub price_fen: i64,
    pub digest: String,
    pub submitted_at: i64,
    /// The enterprise size its 中小企业声明函 declares, if any.
    pub sme: Option<String>,
}

pub async fn add_opened(c: &mut Conn, opening: i64, b: &OpenedBid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO opening_bids (opening_id, bid_id, org_id, price_fen, digest, submitted_at, sme) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(opening)
    .bind(b.bid_id)
    .bind(b.org_id)
    .bind(b.price_fen)
    .bind(&b.digest)
    .bind(b.submitted_at)
    .bind(&b.sme)
    .execute(&mut *c)
    .await?;
    Ok(())
}

pub async fn opened(c: &mut Conn, opening: i64) -> Result<Vec<OpenedBid>, sqlx::Error> {
    let rows: Vec<OpenedRow> = sqlx::query_as(
        "SELECT b.bid_id, b.org_id, o.name, o.uscc, b.price_fen, b.digest, b.submitted_at, b.sme FROM opening_bids b \
         JOIN organizations o ON o.id = b.org_id WHERE b.opening_id = $1 ORDER BY b.submitted_at, b.bid_id",
    )
    .bind(opening)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(bid_id, org_id, org_name, uscc, price_fen, digest, submitted_at, sme)| OpenedBid {
                bid_id,
                org_id,
                org_name,
                uscc,
                price_fen,
                digest,
                submitted_at,
                sme,
            },
        )
        .collect())
}

//! The mail outbox. A mail is written in the same transaction as the change that causes it;
//! until a delivery worker exists (or without SMTP) mails stay here and an admin page shows them.

use super::Conn;
use crate::platform::ids::{MailId, UserId};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Mail {
    pub id: MailId,
    pub to_addr: String,
    pub lang: String,
    pub template: String,
    pub subject: String,
    pub body_text: String,
    pub status: String,
    pub created_at: i64,
    /// The last delivery attempt's error (a failed mail's reason).
    pub last_error: Option<String>,
}

pub struct NewMail<'a> {
    pub to_addr: &'a str,
    pub to_user: Option<UserId>,
    pub lang: &'a str,
    pub template: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub now: i64,
}

pub async fn enqueue(c: &mut Conn, m: NewMail<'_>) -> Result<MailId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO mail_outbox (to_addr, to_user_id, lang, template, subject, body_text, status, attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7) RETURNING id",
    )
    .bind(m.to_addr)
    .bind(m.to_user.map(|u| u.0))
    .bind(m.lang)
    .bind(m.template)
    .bind(m.subject)
    .bind(m.body_text)
    .bind(m.now)
    .fetch_one(&mut *c)
    .await?;
    Ok(MailId(id))
}

/// Mails waiting to be delivered (new or retrying).
pub async fn pending(c: &mut Conn) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox WHERE status = 'pending'")
        .fetch_one(&mut *c)
        .await
}

pub async fn recent(c: &mut Conn, limit: i64) -> Result<Vec<Mail>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, to_addr, lang, template, subject, body_text, status, created_at, last_error FROM mail_outbox ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(mail_of).collect()
}

/// Every mail given up for good, oldest first: the admin looks at each and may send it again.
pub async fn failed(c: &mut Conn) -> Result<Vec<Mail>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, to_addr, lang, template, subject, body_text, status, created_at, last_error FROM mail_outbox WHERE status = 'failed' ORDER BY id",
    )
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(mail_of).collect()
}

fn mail_of(r: &sqlx::any::AnyRow) -> Result<Mail, sqlx::Error> {
    Ok(Mail {
        id: MailId(r.try_get("id")?),
        to_addr: r.try_get("to_addr")?,
        lang: r.try_get("lang")?,
        template: r.try_get("template")?,
        subject: r.try_get("subject")?,
        body_text: r.try_get("body_text")?,
        status: r.try_get("status")?,
        created_at: r.try_get("created_at")?,
        last_error: r.try_get("last_error")?,
    })
}

/// Sets a failed mail aside (handled another way): off the administrator's work list, kept in
/// the outbox as it was; false when it is not (or no longer) failed.
pub async fn dismiss(c: &mut Conn, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE mail_outbox SET status = 'dismissed' WHERE id = $1 AND status = 'failed'",
    )
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts a failed mail back in the queue, due at `now`, with its attempts counted afresh;
/// false when it is not (or no longer) failed.
pub async fn retry(c: &mut Conn, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE mail_outbox SET status = 'pending', attempts = 0, next_attempt_at = $1 \
         WHERE id = $2 AND status = 'failed'",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Claims one pending mail for `holder` until `lease_until` (the worker then sends it as any
/// claimed mail); false when it is not pending.
pub async fn claim_one(
    c: &mut Conn,
    id: i64,
    holder: &str,
    lease_until: i64,
) -> Result<Option<Claimed>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE mail_outbox SET status = 'sending', lease_owner = $1, lease_until = $2 \
         WHERE id = $3 AND status = 'pending' RETURNING id, to_addr, lang, subject, body_text, attempts",
    )
    .bind(holder)
    .bind(lease_until)
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    row.map(|r| {
        Ok(Claimed {
            id: r.try_get("id")?,
            to_addr: r.try_get("to_addr")?,
            lang: r.try_get("lang")?,
            subject: r.try_get("subject")?,
            body_text: r.try_get("body_text")?,
            attempts: r.try_get("attempts")?,
        })
    })
    .transpose()
}

/// A mail claimed for delivery, with its attempts so far.
pub struct Claimed {
    pub id: i64,
    pub to_addr: String,
    pub lang: String,
    pub subject: String,
    pub body_text: String,
    pub attempts: i64,
}

/// Claims up to `limit` due mails (pending and due at `now`, or sending with an expired
/// lease) for `holder` until `lease_until`, in one statement (`FOR UPDATE SKIP LOCKED` on
/// PostgreSQL). Run it in its own write transaction.
pub async fn claim(
    c: &mut Conn,
    backend: super::Backend,
    holder: &str,
    lease_until: i64,
    now: i64,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let pick = "SELECT id FROM mail_outbox WHERE (status = 'pending' AND next_attempt_at <= $3) \
                    OR (status = 'sending' AND lease_until < $3) ORDER BY id LIMIT $4";
    let pick = match backend {
        super::Backend::Postgres => format!("{pick} FOR UPDATE SKIP LOCKED"),
        super::Backend::Sqlite => pick.to_string(),
    };
    let sql = format!(
        "UPDATE mail_outbox SET status = 'sending', lease_owner = $1, lease_until = $2 WHERE id IN ({pick}) \
         RETURNING id, to_addr, lang, subject, body_text, attempts"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(holder)
        .bind(lease_until)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Claimed {
                id: r.try_get("id")?,
                to_addr: r.try_get("to_addr")?,
                lang: r.try_get("lang")?,
                subject: r.try_get("subject")?,
                body_text: r.try_get("body_text")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect()
}

/// Extends `holder`'s claim on a mail it is sending; false when the claim was lost.
pub async fn extend_lease(
    c: &mut Conn,
    id: i64,
    holder: &str,
    lease_until: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE mail_outbox SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'sending'",
    )
    .bind(lease_until)
    .bind(id)
    .bind(holder)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The outcome of one delivery attempt.
pub struct Outcome<'a> {
    pub status: &'a str,
    pub error: Option<&'a str>,
    pub next_attempt_at: i64,
    pub now: i64,
    pub body_text: &'a str,
}

/// Records a delivery attempt's outcome and frees the claim, if `holder` still has it; false
/// when the claim was lost meanwhile (nothing is written).
pub async fn record_outcome(
    c: &mut Conn,
    id: i64,
    holder: &str,
    o: &Outcome<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE mail_outbox SET status = $1, attempts = attempts + 1, last_error = $2, next_attempt_at = $3, \
         sent_at = CASE WHEN $1 = 'sent' THEN $4 ELSE sent_at END, lease_owner = NULL, lease_until = NULL, \
         body_text = $7 WHERE id = $5 AND lease_owner = $6",
    )
    .bind(o.status)
    .bind(o.error)
    .bind(o.next_attempt_at)
    .bind(o.now)
    .bind(id)
    .bind(holder)
    .bind(o.body_text)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The newest mail to `addr`.
pub async fn last_to(c: &mut Conn, addr: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(id) FROM mail_outbox WHERE to_addr = $1")
        .bind(addr)
        .fetch_one(&mut *c)
        .await
}

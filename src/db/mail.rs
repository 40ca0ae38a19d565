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
        "SELECT id, to_addr, lang, template, subject, body_text, status, created_at FROM mail_outbox ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Mail {
                id: MailId(r.try_get("id")?),
                to_addr: r.try_get("to_addr")?,
                lang: r.try_get("lang")?,
                template: r.try_get("template")?,
                subject: r.try_get("subject")?,
                body_text: r.try_get("body_text")?,
                status: r.try_get("status")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

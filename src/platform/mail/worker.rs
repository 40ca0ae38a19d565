//! The delivery worker: claims pending mail atomically (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
//! one UPDATE on SQLite) with a lease, so several processes never send the same mail and a
//! crashed process's claim expires; retries transient failures with backoff; records delivery or
//! the final failure.

use super::transport::{Outgoing, SendError, Transport};
use crate::db::{Backend, Db};
use crate::platform::audit::{Actor, Auditor};
use crate::platform::clock::Clock;
use serde_json::json;
use sqlx::Row;

/// Attempts before a mail is given up.
pub const MAX_ATTEMPTS: i64 = 6;
/// How long a claim lasts; a process that dies holding mail frees it after this.
pub const LEASE_MS: i64 = 5 * 60 * 1000;
const BATCH: i64 = 20;

/// The wait before attempt `n + 1` after `n` failures: 30 s, 1 min, 2 min, 4 min, 8 min.
pub fn backoff_ms(failures: i64) -> i64 {
    30_000 * (1i64 << failures.clamp(0, 10).saturating_sub(1))
}

pub struct Worker<'a> {
    pub db: &'a Db,
    pub clock: &'a Clock,
    pub transport: &'a dyn Transport,
    pub auditor: &'a Auditor,
    /// This process's name in leases.
    pub holder: &'a str,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

impl Worker<'_> {
    /// Claims up to a batch of due mail for this process (a lease of `LEASE_MS`).
    pub async fn claim(&self) -> Result<Vec<(Outgoing, i64)>, sqlx::Error> {
        let now = self.clock.now_ms();
        let pick =
            "SELECT id FROM mail_outbox WHERE (status = 'pending' AND next_attempt_at <= $3) \
                    OR (status = 'sending' AND lease_until < $3) ORDER BY id LIMIT $4";
        let pick = match self.db.backend {
            Backend::Postgres => format!("{pick} FOR UPDATE SKIP LOCKED"),
            Backend::Sqlite => pick.to_string(),
        };
        let sql = format!(
            "UPDATE mail_outbox SET status = 'sending', lease_owner = $1, lease_until = $2 WHERE id IN ({pick}) \
             RETURNING id, to_addr, lang, subject, body_text, attempts"
        );
        let mut tx = self.db.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.holder)
            .bind(now + LEASE_MS)
            .bind(now)
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push((
                Outgoing {
                    id: r.try_get("id")?,
                    to: r.try_get("to_addr")?,
                    lang: r.try_get("lang")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body_text")?,
                },
                r.try_get("attempts")?,
            ));
        }
        out.sort_by_key(|(m, _)| m.id);
        Ok(out)
    }

    /// One pass: claim what is due, send it, record each outcome.
    pub async fn run_once(&self) -> Result<Round, sqlx::Error> {
        let batch = self.claim().await?;
        self.deliver(batch).await
    }

    /// Extends the claim on one mail just before sending it. False when the claim was lost
    /// (it expired and another process took the mail): then this process must not send it.
    async fn still_mine(&self, id: i64) -> Result<bool, sqlx::Error> {
        let mut c = self.db.acquire().await?;
        let done = sqlx::query(
            "UPDATE mail_outbox SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'sending'",
        )
        .bind(self.clock.now_ms() + LEASE_MS)
        .bind(id)
        .bind(self.holder)
        .execute(&mut *c)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sends claimed mail one by one, re-checking each claim first, and records each outcome.
    pub async fn deliver(&self, batch: Vec<(Outgoing, i64)>) -> Result<Round, sqlx::Error> {
        let mut round = Round::default();
        for (mail, attempts) in batch {
            if !self.still_mine(mail.id).await? {
                log::warn!(
                    "mail {}: claim lost to another process, not sent here",
                    mail.id
                );
                continue;
            }
            let result = self.transport.send(&mail).await;
            let now = self.clock.now_ms();
            let mut tx = self.db.begin_write().await?;
            let retry =
                matches!(&result, Err(SendError::Transient(_)) if attempts + 1 < MAX_ATTEMPTS);
            let (status, action, error, next) = match &result {
                Ok(()) => ("sent", "mail.sent", None, 0),
                Err(SendError::Transient(e)) if retry => (
                    "pending",
                    "mail.retry_scheduled",
                    Some(e.clone()),
                    now + backoff_ms(attempts + 1),
                ),
                Err(SendError::Transient(e)) | Err(SendError::Permanent(e)) => {
                    ("failed", "mail.failed", Some(e.clone()), 0)
                }
            };
            // Once a mail is delivered or given up, its one-time links are of no more use to
            // anyone reading the outbox: they are cut from the stored text.
            let body = if retry {
                mail.body.clone()
            } else {
                scrub_links(&mail.body)
            };
            let done = sqlx::query(
                "UPDATE mail_outbox SET status = $1, attempts = attempts + 1, last_error = $2, next_attempt_at = $3, \
                 sent_at = CASE WHEN $1 = 'sent' THEN $4 ELSE sent_at END, lease_owner = NULL, lease_until = NULL, \
                 body_text = $7 WHERE id = $5 AND lease_owner = $6",
            )
            .bind(status)
            .bind(error.as_deref())
            .bind(next)
            .bind(now)
            .bind(mail.id)
            .bind(self.holder)
            .bind(&body)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                log::warn!(
                    "mail {}: outcome not recorded, the claim was lost meanwhile",
                    mail.id
                );
                continue;
            }
            let summary = json!({ "mail_id": mail.id, "attempt": attempts + 1 });
            self.auditor
                .record(
                    &mut tx,
                    now,
                    Actor::System,
                    action,
                    ("mail", mail.id.to_string()),
                    summary,
                )
                .await?;
            tx.commit().await?;
            match status {
                "sent" => round.sent += 1,
                "pending" => {
                    log::warn!(
                        "mail {} not delivered (will retry): {}",
                        mail.id,
                        error.unwrap_or_default()
                    );
                    round.retried += 1
                }
                _ => {
                    log::error!(
                        "mail {} failed for good: {}",
                        mail.id,
                        error.unwrap_or_default()
                    );
                    round.failed += 1
                }
            }
        }
        Ok(round)
    }
}

/// Paths whose last segment is a one-time token.
const TOKEN_PATHS: [&str; 3] = ["/confirm/", "/password/reset/", "/invitations/"];

/// The text with the token of every one-time link replaced by `…`.
pub fn scrub_links(body: &str) -> String {
    let mut out = body.to_string();
    for p in TOKEN_PATHS {
        let mut from = 0;
        while let Some(i) = out[from..].find(p) {
            let start = from + i + p.len();
            let len = out[start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(out.len() - start);
            if len > 0 {
                out.replace_range(start..start + len, "…");
            }
            from = start;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn one_time_links_are_cut_from_delivered_mail() {
        let body = "打开 http://x.cn/password/reset/AbC-12_z 即可。\nhttp://x.cn/confirm/T0k3n\n/invitations/q";
        assert_eq!(
            super::scrub_links(body),
            "打开 http://x.cn/password/reset/… 即可。\nhttp://x.cn/confirm/…\n/invitations/…"
        );
    }

    #[test]
    fn backoff_doubles_from_thirty_seconds() {
        assert_eq!(backoff_ms(1), 30_000);
        assert_eq!(backoff_ms(2), 60_000);
        assert_eq!(backoff_ms(5), 480_000);
    }
}

//! The delivery worker: claims pending mail atomically (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
//! one UPDATE on SQLite) with a lease, so several processes never send the same mail and a
//! crashed process's claim expires; retries transient failures with backoff; records delivery or
//! the final failure.

use super::transport::{Outgoing, SendError, Transport};
use super::MailStatus;
use crate::db::mail as mail_store;
use crate::db::Db;
use crate::platform::audit::{Actor, Auditor};
use crate::platform::clock::Clock;
use serde_json::json;

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
        let mut tx = self.db.begin_write().await?;
        let rows = mail_store::claim(
            &mut tx,
            self.db.backend,
            self.holder,
            now + LEASE_MS,
            now,
            BATCH,
        )
        .await?;
        tx.commit().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push((
                Outgoing {
                    id: r.id,
                    to: r.to_addr,
                    lang: r.lang,
                    subject: r.subject,
                    body: r.body_text,
                },
                r.attempts,
            ));
        }
        out.sort_by_key(|(m, _)| m.id);
        Ok(out)
    }

    /// Claims the one pending mail `id` for this process, due or not (the same lease): empty
    /// when it is not pending.
    pub async fn claim_mail(&self, id: i64) -> Result<Vec<(Outgoing, i64)>, sqlx::Error> {
        let mut tx = self.db.begin_write().await?;
        let row =
            mail_store::claim_one(&mut tx, id, self.holder, self.clock.now_ms() + LEASE_MS).await?;
        tx.commit().await?;
        Ok(row
            .into_iter()
            .map(|r| {
                (
                    Outgoing {
                        id: r.id,
                        to: r.to_addr,
                        lang: r.lang,
                        subject: r.subject,
                        body: r.body_text,
                    },
                    r.attempts,
                )
            })
            .collect())
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
        mail_store::extend_lease(&mut c, id, self.holder, self.clock.now_ms() + LEASE_MS).await
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
                Ok(()) => (MailStatus::Sent, "mail.sent", None, 0),
                Err(SendError::Transient(e)) if retry => (
                    MailStatus::Pending,
                    "mail.retry_scheduled",
                    Some(e.clone()),
                    now + backoff_ms(attempts + 1),
                ),
                Err(SendError::Transient(e)) | Err(SendError::Permanent(e)) => {
                    (MailStatus::Failed, "mail.failed", Some(e.clone()), 0)
                }
            };
            // Once a mail is delivered its one-time links are of no more use to anyone reading
            // the outbox: they are cut from the stored text. A mail given up keeps them, so
            // the administrator's "send again" (`/admin/mail`) delivers a link that still
            // opens (the token's own expiry still applies); outside the demo `/admin/mail`
            // never shows such a body.
            let body = if status == MailStatus::Sent {
                scrub_links(&mail.body)
            } else {
                mail.body.clone()
            };
            let recorded = mail_store::record_outcome(
                &mut tx,
                mail.id,
                self.holder,
                &mail_store::Outcome {
                    status: status.code(),
                    error: error.as_deref(),
                    next_attempt_at: next,
                    now,
                    body_text: &body,
                },
            )
            .await?;
            if !recorded {
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
                MailStatus::Sent => round.sent += 1,
                MailStatus::Pending => {
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
const TOKEN_PATHS: [&str; 4] = ["/confirm/", "/password/reset/", "/invitations/", "/survey/"];

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

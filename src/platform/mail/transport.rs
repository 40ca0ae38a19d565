//! How a rendered mail leaves: through SMTP with lettre, or (in tests) into memory. A transport
//! says whether a failure is worth retrying.

use crate::platform::config::{SmtpConfig, SmtpTls};
use lettre::message::{header, Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// One mail from the outbox, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub id: i64,
    pub to: String,
    pub lang: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth trying again later (connection refused, 4xx).
    Transient(String),
    /// Will never succeed (5xx, an address the server refuses).
    Permanent(String),
}

#[rocket::async_trait]
pub trait Transport: Send + Sync {
    async fn send(&self, mail: &Outgoing) -> Result<(), SendError>;
}

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    pub fn new(c: &SmtpConfig) -> Result<Smtp, String> {
        let builder = match c.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.host)
                .map_err(|e| e.to_string())?,
            SmtpTls::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&c.host).map_err(|e| e.to_string())?
            }
        };
        let mut builder = builder
            .port(c.port)
            .timeout(Some(Duration::from_secs(c.timeout_secs)));
        if let (Some(u), Some(p)) = (&c.username, &c.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.0.clone()));
        }
        let from = c
            .from
            .parse::<Mailbox>()
            .map_err(|e| format!("smtp.from: {e}"))?;
        Ok(Smtp {
            transport: builder.build(),
            from,
        })
    }
}

pub fn build_message(from: &Mailbox, mail: &Outgoing) -> Result<Message, SendError> {
    let to = mail
        .to
        .parse::<Mailbox>()
        .map_err(|e| SendError::Permanent(format!("recipient address: {e}")))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .header(header::ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| SendError::Permanent(format!("message: {e}")))
}

#[rocket::async_trait]
impl Transport for Smtp {
    async fn send(&self, mail: &Outgoing) -> Result<(), SendError> {
        let msg = build_message(&self.from, mail)?;
        match self.transport.send(msg).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}

/// Keeps sent mail in memory; can be told to fail the next sends (tests).
#[derive(Default)]
pub struct Memory {
    sent: Mutex<Vec<Outgoing>>,
    fail_transient: AtomicU32,
    fail_permanent: AtomicU32,
}

impl Memory {
    pub fn sent(&self) -> Vec<Outgoing> {
        match self.sent.lock() {
            Ok(v) => v.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The next `n` sends fail with a transient error.
    pub fn fail_next(&self, n: u32) {
        self.fail_transient.store(n, Ordering::SeqCst);
    }

    /// The next `n` sends fail permanently.
    pub fn refuse_next(&self, n: u32) {
        self.fail_permanent.store(n, Ordering::SeqCst);
    }
}

fn take_one(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

#[rocket::async_trait]
impl Transport for Memory {
    async fn send(&self, mail: &Outgoing) -> Result<(), SendError> {
        if take_one(&self.fail_permanent) {
            return Err(SendError::Permanent("550 mailbox unavailable".into()));
        }
        if take_one(&self.fail_transient) {
            return Err(SendError::Transient("421 try again later".into()));
        }
        match self.sent.lock() {
            Ok(mut v) => v.push(mail.clone()),
            Err(p) => p.into_inner().push(mail.clone()),
        }
        Ok(())
    }
}

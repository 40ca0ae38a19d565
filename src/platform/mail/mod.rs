//! Mail: rendered in the recipient's language from `templates/email/<name>.<lang>.txt.tera`
//! (subject from the catalogue key `mail-<name>-subject`) and written to the outbox in the
//! caller's transaction, so a mail exists exactly when the change that caused it does.

/// Where a mail is in the outbox: waiting (or waiting to be retried), claimed by a worker,
/// delivered, given up, or given up and then set aside by the administrator (handled another
/// way: a mistyped address is not the administrator's to correct). The stored `status` column
/// holds its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    Pending,
    Sending,
    Sent,
    Failed,
    Dismissed,
}

impl MailStatus {
    pub fn code(self) -> &'static str {
        match self {
            MailStatus::Pending => "pending",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
            MailStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<MailStatus> {
        [
            MailStatus::Pending,
            MailStatus::Sending,
            MailStatus::Sent,
            MailStatus::Failed,
            MailStatus::Dismissed,
        ]
        .into_iter()
        .find(|m| m.code() == s)
    }
}

pub mod transport;
pub mod worker;

use crate::db::{self, Conn};
use crate::domain::lang::Lang;
use crate::platform::error::{AppError, AppResult};
use crate::platform::i18n;
use crate::platform::ids::UserId;
use serde::Serialize;
use std::path::Path;
use tera::{Context, Tera};

/// Mail whose body holds a one-time link that opens an account (reset, confirmation,
/// invitation): outside the demo only its recipient may ever read it.
pub fn opens_an_account(template: &str) -> bool {
    matches!(template, "reset_password" | "confirm_email" | "invitation")
}

/// Who a mail goes to and in which language.
pub struct Recipient<'a> {
    pub addr: &'a str,
    pub user: Option<UserId>,
    pub lang: Lang,
}

#[derive(Clone)]
pub struct Mailer {
    tera: Tera,
    /// Base of the links in mails, without a trailing slash.
    pub public_url: String,
}

impl Mailer {
    pub fn new(
        template_dir: &Path,
        public_url: &str,
        calendars: std::sync::Arc<crate::platform::calendars::Calendars>,
    ) -> Result<Mailer, String> {
        let glob = format!("{}/email/*.tera", template_dir.display());
        let mut tera = Tera::new(&glob).map_err(|e| format!("mail templates: {e}"))?;
        tera.autoescape_on(vec![]);
        tera.register_filter("day", crate::web::filters::day);
        tera.register_filter("due", crate::web::filters::due(calendars));
        Ok(Mailer {
            tera,
            public_url: public_url.trim_end_matches('/').to_string(),
        })
    }

    /// Subject and body of mail `name` in `lang`.
    pub fn render<T: Serialize>(
        &self,
        name: &str,
        lang: Lang,
        data: &T,
    ) -> AppResult<(String, String)> {
        let mut ctx = Context::from_serialize(data)
            .map_err(|e| AppError::Internal(format!("mail context: {e}")))?;
        ctx.insert("base_url", &self.public_url);
        let template = format!("{name}.{}.txt.tera", lang.code());
        let body = self
            .tera
            .render(&template, &ctx)
            .map_err(|e| AppError::Internal(format!("mail template {template}: {e}")))?;
        let subject = i18n::t(lang, &format!("mail-{}-subject", name.replace('_', "-")));
        Ok((subject, body))
    }

    /// Renders and enqueues a mail on `c` (the caller's transaction).
    pub async fn queue<T: Serialize>(
        &self,
        c: &mut Conn,
        to: Recipient<'_>,
        name: &str,
        data: &T,
        now: i64,
    ) -> AppResult<()> {
        let (subject, body) = self.render(name, to.lang, data)?;
        db::mail::enqueue(
            c,
            db::mail::NewMail {
                to_addr: to.addr,
                to_user: to.user,
                lang: to.lang.code(),
                template: name,
                subject: &subject,
                body_text: &body,
                now,
            },
        )
        .await?;
        Ok(())
    }
}

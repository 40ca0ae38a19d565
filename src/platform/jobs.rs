//! Background jobs, started from a liftoff fairing when `jobs` is on and stopped at shutdown.
//! Every job claims its work in the database (leases, `SKIP LOCKED`), so two `serve` processes on
//! one PostgreSQL database never do the same work twice, and each job is idempotent.

use crate::db::{audit as audit_store, Db};
use crate::domain::calendar::{iso_date, shanghai_date};
use crate::platform::app::AppState;
use crate::platform::audit::{self, Auditor};
use crate::platform::clock::Clock;
use crate::platform::mail::transport::Transport;
use crate::platform::mail::worker::Worker;
use rocket::fairing::AdHoc;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A lease on a named job: true if this holder has it now (taken, renewed, or freed by expiry).
pub async fn claim_lease(
    db: &Db,
    name: &str,
    holder: &str,
    now: i64,
    ttl_ms: i64,
) -> Result<bool, sqlx::Error> {
    let mut c = db.acquire().await?;
    crate::db::leases::claim(&mut c, name, holder, now, ttl_ms).await
}

/// What the jobs need, cloned out of the application state so tasks can own it.
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    pub clock: Clock,
    pub auditor: Auditor,
    pub transport: Option<Arc<dyn Transport>>,
    pub heads_file: Option<PathBuf>,
    pub mail_poll: Duration,
    pub holder: String,
    pub mailer: crate::platform::mail::Mailer,
    pub calendars: Arc<crate::platform::calendars::Calendars>,
    pub sealer: crate::procurement::sealing::Sealer,
    pub uploads: PathBuf,
    pub draws: crate::platform::draws::Draws,
}

impl JobContext {
    pub fn from_state(state: &AppState) -> JobContext {
        JobContext {
            db: state.db.clone(),
            clock: state.clock.clone(),
            auditor: state.auditor.clone(),
            transport: state.mail_transport.clone(),
            heads_file: state.config.audit_heads_file.clone(),
            mail_poll: Duration::from_millis(state.config.mail_poll_ms),
            mailer: state.mailer.clone(),
            calendars: state.calendars.clone(),
            sealer: state.sealer.clone(),
            uploads: crate::web::attachments::uploads_dir(state),
            draws: state.draws.clone(),
            holder: format!(
                "{}-{}",
                std::process::id(),
                crate::platform::auth::tokens::new_token()
                    .get(..8)
                    .unwrap_or("x")
            ),
        }
    }

    pub fn registry(&self) -> crate::registry::Registry<'_> {
        crate::registry::Registry {
            db: &self.db,
            clock: &self.clock,
            auditor: &self.auditor,
            mailer: &self.mailer,
            calendars: &self.calendars,
        }
    }

    pub fn evaluation(&self) -> crate::evaluation::Evaluation<'_> {
        crate::evaluation::Evaluation {
            db: &self.db,
            clock: &self.clock,
            auditor: &self.auditor,
            mailer: &self.mailer,
            calendars: &self.calendars,
        }
    }

    pub fn procurement(&self) -> crate::procurement::Procurement<'_> {
        crate::procurement::Procurement {
            db: &self.db,
            clock: &self.clock,
            auditor: &self.auditor,
            mailer: &self.mailer,
            calendars: &self.calendars,
            sealer: &self.sealer,
            uploads: self.uploads.clone(),
            draws: &self.draws,
        }
    }

    pub fn mail_worker<'a>(&'a self, transport: &'a dyn Transport) -> Worker<'a> {
        Worker {
            db: &self.db,
            clock: &self.clock,
            transport,
            auditor: &self.auditor,
            holder: &self.holder,
        }
    }
}

/// The labels a head published at `now` goes under: the Beijing hour (`2026-11-28T10`) and the
/// Beijing day (`2026-11-28`).
pub fn head_labels(now: time::OffsetDateTime) -> [String; 2] {
    let local = now.to_offset(crate::domain::calendar::SHANGHAI);
    let day = iso_date(shanghai_date(now));
    [format!("{day}T{:02}", local.hour()), day]
}

/// Publishes the audit head for this hour and for today (Beijing time), each once: in the
/// database (the public page `/audit/heads`), in the log, and appended to the configured heads
/// file. Idempotent; true when something was published.
pub async fn publish_audit_head(ctx: &JobContext) -> Result<bool, sqlx::Error> {
    let now = ctx.clock.now();
    let mut c = ctx.db.acquire().await?;
    let mut any = false;
    for label in head_labels(now) {
        let Some(head) =
            audit_store::publish_head(&mut c, &label, crate::platform::clock::to_ms(now)).await?
        else {
            continue;
        };
        any = true;
        log::info!(
            "audit head for {}: entry {} hash {}",
            head.day,
            head.seq,
            head.hash
        );
        if let Some(path) = &ctx.heads_file {
            let line = audit::heads_file_line(&head.day, head.seq, &head.hash);
            let write = crate::platform::files::open_append_private(path)
                .and_then(|mut f| f.write_all(line.as_bytes()));
            if let Err(e) = write {
                log::error!("audit head not written to {}: {e}", path.display());
            }
        }
    }
    Ok(any)
}

async fn mail_loop(ctx: JobContext) {
    let Some(transport) = ctx.transport.clone() else {
        log::info!("no SMTP configured: mail stays in the outbox (see /admin/mail)");
        return;
    };
    loop {
        if let Err(e) = ctx.mail_worker(transport.as_ref()).run_once().await {
            log::error!("mail worker: {e}");
        }
        tokio::time::sleep(ctx.mail_poll).await;
    }
}

async fn audit_head_loop(ctx: JobContext) {
    loop {
        let now = ctx.clock.now_ms();
        match claim_lease(
            &ctx.db,
            "audit.publish_head",
            &ctx.holder,
            now,
            10 * 60 * 1000,
        )
        .await
        {
            Ok(true) => {
                if let Err(e) = publish_audit_head(&ctx).await {
                    log::error!("publishing the audit head: {e}");
                }
            }
            Ok(false) => {}
            Err(e) => log::error!("audit head lease: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
}

/// The registry's clocks: applications left unanswered for 5 working days become accepted as
/// from the day they were received. Idempotent; one holder at a time.
async fn registry_loop(ctx: JobContext) {
    loop {
        let now = ctx.clock.now_ms();
        match claim_lease(&ctx.db, "registry.clocks", &ctx.holder, now, 10 * 60 * 1000).await {
            Ok(true) => {
                let loader = crate::platform::calendars::Loader {
                    db: &ctx.db,
                    calendars: &ctx.calendars,
                    clock: &ctx.clock,
                    auditor: &ctx.auditor,
                    mailer: &ctx.mailer,
                };
                match loader.catch_up().await {
                    Ok(0) => {}
                    Ok(n) => log::info!("calendar: {n} due date(s) moved later"),
                    Err(e) => log::error!("calendar catch-up: {e}"),
                }
                match ctx.registry().auto_accept().await {
                    Ok(0) => {}
                    Ok(n) => log::info!("registry: {n} application(s) accepted by lapse of time"),
                    Err(e) => log::error!("registry clocks: {e}"),
                }
                if let Err(e) = daily_supervision(&ctx).await {
                    log::error!("registry daily job: {e}");
                }
            }
            Ok(false) => {}
            Err(e) => log::error!("registry lease: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(300)).await;
    }
}

/// Opens every project whose deadline has passed, within seconds of it, and sends the 3-day
/// reminders. The opening is idempotent and takes the project's lock, so two processes running
/// this loop open each project once.
async fn opening_loop(ctx: JobContext) {
    loop {
        match ctx.procurement().run_due().await {
            Ok(0) => {}
            Ok(n) => log::info!("procurement: {n} project(s) opened"),
            Err(e) => log::error!("procurement opening: {e}"),
        }
        match ctx.procurement().run_awards().await {
            Ok(0) => {}
            Ok(n) => log::info!("procurement: {n} award step(s)"),
            Err(e) => log::error!("procurement awards: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// Runs the registry's daily job once per Beijing day (reminders, credit lists).
pub async fn daily_supervision(ctx: &JobContext) -> crate::platform::error::AppResult<bool> {
    let day = iso_date(shanghai_date(ctx.clock.now()));
    {
        let mut c = ctx.db.acquire().await?;
        if crate::db::meta::get(&mut c, "supervision.ran_on")
            .await?
            .as_deref()
            == Some(day.as_str())
        {
            return Ok(false);
        }
    }
    let report = crate::registry::supervision::run_daily(&ctx.registry()).await?;
    log::info!("registry daily job for {day}: {report:?}");
    let report = ctx.evaluation().run_daily().await?;
    log::info!("evaluation daily job for {day}: {report:?}");
    let digests =
        crate::deadlines::digest::send(&ctx.db, &ctx.clock, &ctx.calendars, &ctx.mailer).await?;
    log::info!("daily reminders for {day}: {digests} mailed");
    let tidied = crate::platform::limits::tidy(&ctx.db, &ctx.clock).await?;
    log::info!("expired sessions and rate counters deleted: {tidied}");
    let mut c = ctx.db.acquire().await?;
    crate::db::meta::set(&mut c, "supervision.ran_on", &day).await?;
    Ok(true)
}

/// Starts the jobs at liftoff (when `jobs` is on) and stops them at shutdown.
pub fn fairing() -> AdHoc {
    AdHoc::on_liftoff("background jobs", |rocket| {
        Box::pin(async move {
            let Some(state) = rocket.state::<AppState>() else {
                return;
            };
            if !state.config.jobs {
                return;
            }
            let ctx = JobContext::from_state(state);
            let shutdown = rocket.shutdown();
            tokio::spawn(async move {
                tokio::select! {
                    _ = shutdown => {}
                    _ = async { tokio::join!(mail_loop(ctx.clone()), audit_head_loop(ctx.clone()), opening_loop(ctx.clone()), registry_loop(ctx)) } => {}
                }
            });
        })
    })
}

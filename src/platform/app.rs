//! Assembles the application: state, templates, routes, catchers, fairings. `build` is what the
//! binary serves and what the integration tests drive.

use crate::db::Conn;
use crate::db::{self, Db};
use crate::platform::audit::{Actor, Auditor};
use crate::platform::calendars::Calendars;
use crate::platform::clock::Clock;
use crate::platform::config::{Config, Keys, Mode, Resolved};
use crate::platform::mail::transport::{Smtp, Transport};
use crate::platform::mail::Mailer;
use crate::{seed, web};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use figment::Figment;
use rocket::{Build, Rocket};
use serde_json::Value;
use std::sync::Arc;

/// Everything handlers share. One value, managed by Rocket; no globals.
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub mode: Mode,
    pub config: Config,
    pub keys: Keys,
    /// The working-day calendar in force (the tables loaded, the law for other years).
    pub calendars: Arc<Calendars>,
    pub mailer: Mailer,
    /// Verified against when an account does not exist, to keep login timing flat.
    pub dummy_hash: String,
    pub auditor: Auditor,
    /// Where the mail worker delivers; `None` without SMTP (mail stays in the outbox).
    pub mail_transport: Option<Arc<dyn Transport>>,
    /// Rendered public pages for anonymous visitors (see `web::page_cache`).
    pub page_cache: crate::web::page_cache::PageCache,
    /// Seals bids under the dedicated bid-sealing key.
    pub sealer: crate::procurement::sealing::Sealer,
    /// Each signed-in person's number of waiting tasks, shown in the navigation.
    pub task_counts: Arc<crate::deadlines::Counts>,
    /// The seeds of the draws the law asks for (the system's generator; the city's seeded).
    pub draws: crate::platform::draws::Draws,
    /// The public statistics' kept figures (`opendata::figures`).
    pub figures: Arc<crate::opendata::figures::Figures>,
    /// The home page's kept counts (`web::home::counts`).
    pub home_counts: Arc<crate::web::home::Counts>,
    /// The page templates (`web::template`).
    pub pages: Arc<crate::web::template::Engine>,
    /// The service catalogue the public lists show (`web::opendata::categories`).
    pub service_categories: Arc<crate::web::opendata::Categories>,
}

impl AppState {
    /// Records one audit entry on `c`, the transaction of the change.
    pub async fn audit(
        &self,
        c: &mut Conn,
        actor: Actor,
        action: &str,
        entity: (&str, String),
        summary: Value,
    ) -> Result<(), sqlx::Error> {
        self.auditor
            .record(c, self.clock.now_ms(), actor, action, entity, summary)
            .await
    }
}

pub fn auditor(resolved: &Resolved, db: &Db) -> Auditor {
    Auditor::new(resolved.keys.audit_hmac.clone(), db.backend)
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Other(String),
}

/// Migrates, writes missing setting defaults and, in demo mode, loads demo data into a new
/// database. Returns whether demo data was loaded now.
pub async fn prepare(db: &Db, resolved: &Resolved, clock: &Clock) -> Result<bool, StartError> {
    db::migrate::run(db).await?;
    let now = clock.now_ms();
    let mut tx = db.begin_write().await?;
    let written = db::settings::ensure_defaults(&mut tx, now).await?;
    if !written.is_empty() {
        let summary = serde_json::json!({ "keys": written });
        auditor(resolved, db)
            .record(
                &mut tx,
                now,
                Actor::System,
                "settings.defaults_written",
                ("settings", "*".into()),
                summary,
            )
            .await?;
    }
    tx.commit().await?;
    // Organizations recorded before the directory index existed (or by an interrupted load).
    let mut tx = db.begin_write().await?;
    let indexed = db::search::index_missing(&mut tx).await?;
    if indexed > 0 {
        let summary = serde_json::json!({ "organizations": indexed });
        auditor(resolved, db)
            .record(
                &mut tx,
                now,
                Actor::System,
                "directory.indexed",
                ("directory", "*".into()),
                summary,
            )
            .await?;
    }
    tx.commit().await?;
    // The built-in indicator standards (version 1 of each type), once.
    let mut tx = db.begin_write().await?;
    let mut added = Vec::new();
    for (name, text) in crate::domain::standard::BUILT_IN {
        match db::standards::load(&mut tx, text, now).await {
            Ok((db::standards::Loaded::Added(id), _)) => added.push(id),
            Ok((db::standards::Loaded::Unchanged(_), _)) => {}
            Err(db::standards::LoadError::Db(e)) => return Err(e.into()),
            Err(e) => return Err(StartError::Other(format!("standard {name}: {e}"))),
        }
    }
    if !added.is_empty() {
        auditor(resolved, db)
            .record(
                &mut tx,
                now,
                Actor::System,
                "standards.loaded",
                ("eval_standards", "*".into()),
                serde_json::json!({ "standards": added }),
            )
            .await?;
    }
    tx.commit().await?;
    // The working-day tables shipped in seeds/calendar/, as official, for years not loaded yet.
    let mut tx = db.begin_write().await?;
    crate::platform::calendars::ensure_built_in(
        &mut tx,
        &auditor(resolved, db),
        Actor::System,
        now,
    )
    .await
    .map_err(|e| StartError::Other(format!("calendar: {e}")))?;
    tx.commit().await?;
    // The service catalogue: new codes added, names refreshed.
    let cats = db::projects::parse_catalogue(db::projects::CATALOGUE)
        .map_err(|e| StartError::Other(format!("service catalogue: {e}")))?;
    let mut tx = db.begin_write().await?;
    let added = db::projects::load_catalogue(&mut tx, &cats).await?;
    if added > 0 {
        auditor(resolved, db)
            .record(
                &mut tx,
                now,
                Actor::System,
                "catalogue.loaded",
                ("service_categories", "*".into()),
                serde_json::json!({ "added": added }),
            )
            .await?;
    }
    tx.commit().await?;
    if resolved.mode == Mode::Demo {
        return seed::load_if_new(db, resolved, clock)
            .await
            .map_err(|e| StartError::Other(e.to_string()));
    }
    Ok(false)
}

pub fn state(resolved: &Resolved, db: Db, clock: Clock) -> Result<AppState, StartError> {
    let calendars = Arc::new(Calendars::new(clock.clone()));
    let mailer = Mailer::new(
        &resolved.config.template_dir,
        &resolved.config.public_url,
        calendars.clone(),
    )
    .map_err(StartError::Other)?;
    let pages = Arc::new(
        crate::web::template::Engine::load(&resolved.config.template_dir, calendars.clone())
            .map_err(StartError::Other)?,
    );
    let mail_transport: Option<Arc<dyn Transport>> = match &resolved.config.smtp {
        Some(c) => Some(Arc::new(Smtp::new(c).map_err(StartError::Other)?)),
        None => None,
    };
    Ok(AppState {
        clock,
        mode: resolved.mode,
        config: resolved.config.clone(),
        keys: resolved.keys.clone(),
        calendars,
        mailer,
        dummy_hash: crate::platform::auth::password::dummy_hash(resolved.config.password_hash),
        auditor: auditor(resolved, &db),
        mail_transport,
        page_cache: crate::web::page_cache::PageCache::new(
            crate::db::wal_signal::WalSignal::for_url(&resolved.database_url),
        ),
        sealer: crate::procurement::sealing::Sealer::new(&resolved.keys.bid_sealing),
        task_counts: Arc::default(),
        draws: crate::platform::draws::Draws::os(),
        figures: Arc::new(crate::opendata::figures::figures()),
        home_counts: Arc::new(crate::web::home::counts()),
        service_categories: Arc::new(crate::web::opendata::categories()),
        pages,
        db,
    })
}

/// Rocket's own configuration, from ours.
/// How many files of the largest size one multipart form may carry.
pub const FORM_FILES: u64 = 20;

pub fn rocket_figment(resolved: &Resolved) -> Figment {
    let c = &resolved.config;
    Figment::from(rocket::Config::default())
        .merge(("address", c.address.clone()))
        .merge(("port", c.port))
        .merge(("log_level", c.log_level.clone()))
        .merge(("secret_key", B64.encode(&resolved.keys.cookie.bytes)))
        .merge(("template_dir", c.template_dir.display().to_string()))
        .merge(("ident", "Huoban"))
        .merge(("cli_colors", false))
        .merge(("limits.form", "64 KiB"))
        .merge(("limits.file", c.upload_max_bytes))
        // A whole multipart form: a sealed bid carries one file per required qualification
        // document (up to 5 listed and 10 added) besides its own attachments, each up to the
        // file limit.
        .merge((
            "limits.data-form",
            c.upload_max_bytes * FORM_FILES + 256 * 1024,
        ))
        .merge(match &c.ip_header {
            Some(h) => ("ip_header", figment::value::Value::from(h.clone())),
            None => ("ip_header", figment::value::Value::from(false)),
        })
}

pub fn build(resolved: &Resolved, state: AppState) -> Rocket<Build> {
    rocket::custom(rocket_figment(resolved))
        .manage(state)
        // First, so that the page it answers with still gets the headers below.
        .attach(web::clean_input::CleanInput)
        .attach(web::headers::SecurityHeaders)
        .attach(web::headers::DataValidators::default())
        .manage(std::sync::Arc::new(web::ocds::Expensive::default()))
        .attach(web::chunks::WholeBodies)
        .attach(web::api_data::MethodNotAllowed)
        .attach(crate::platform::jobs::fairing())
        .attach(crate::opendata::figures::warm_up())
        .attach(crate::web::home::warm_up(crate::web::home::Group::Areas))
        .attach(crate::web::home::warm_up(crate::web::home::Group::Others))
        .mount("/", web::routes())
        .register("/", web::catchers())
}

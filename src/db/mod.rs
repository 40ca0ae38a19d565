//! Storage through `sqlx::Any`: embedded SQLite by default, PostgreSQL by URL. One module per
//! aggregate, free functions over a connection. Instants are epoch milliseconds, flags and
//! money are BIGINT, dates are `YYYY-MM-DD` text, and placeholders are `$n` on both backends.

pub mod applications;
pub mod audit;
pub mod awards;
pub mod bid_reads;
pub mod bidders;
pub mod bids;
pub mod calendar;
pub mod challenges;
pub mod credit;
pub mod directory;
pub mod documents;
pub mod eval_panel;
pub mod evaluation;
pub mod experts;
pub mod filings;
pub mod intentions;
pub mod leases;
pub mod mail;
pub mod maintenance;
pub mod meta;
pub mod method_approvals;
pub mod migrate;
pub mod ocds;
pub mod ocds_feed;
pub mod opendata;
pub mod org_events;
pub mod org_public;
pub mod orgs;
pub mod panel;
pub mod project_docs;
pub mod project_qa;
pub mod projects;
pub mod qual_docs;
pub mod rate;
pub mod relations;
pub mod reminders;
pub mod roles;
pub mod scale;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod standards;
pub mod stats;
pub mod storage;
pub mod suppliers;
pub mod throttle;
pub mod tokens;
pub mod uscc_blocks;
pub mod users;
pub mod wal_signal;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub use sqlx::AnyConnection as Conn;
pub type Tx = Transaction<'static, sqlx::Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// A SQL list of row ids ("1, 2, 3"), written into the SQL (integers: no input reaches it as
/// text); `NULL` for none, so `IN (NULL)` matches nothing.
pub fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "NULL".into();
    }
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Opens a pool. File databases get WAL and a busy timeout; every SQLite connection enforces
/// foreign keys.
pub async fn connect(url: &str, max_connections: u32) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url);
    if backend == Backend::Sqlite {
        ensure_sqlite_parent(url);
    }
    let options = AnyConnectOptions::from_str(url)?;
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(if backend == Backend::Sqlite { 1 } else { 0 })
        .acquire_timeout(Duration::from_secs(30))
        // An in-memory shared-cache database lives while one connection to it is open.
        .idle_timeout(if url.contains("mode=memory") {
            None
        } else {
            Some(Duration::from_secs(600))
        })
        .max_lifetime(if url.contains("mode=memory") {
            None
        } else {
            Some(Duration::from_secs(1800))
        })
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    sqlx::query("PRAGMA foreign_keys = ON")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA busy_timeout = 10000")
                        .execute(&mut *conn)
                        .await?;
                    // 1 MiB of page cache per connection rather than SQLite's 2 MiB: the
                    // operating system caches the file for all of them, and sixteen full
                    // caches put the server over its 200 MB budget at a nation's scale
                    // (issue 26: 207 MB in the census).
                    sqlx::query("PRAGMA cache_size = -1024")
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    if backend == Backend::Sqlite && !url.contains("mode=memory") {
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await?;
        // The database and its WAL are the service user's alone, whatever the umask of the
        // process that created them (the binary sets 077; an embedding program may not).
        if let Some(path) = sqlite_file(url) {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let p = std::path::PathBuf::from(p);
                if p.exists() {
                    if let Err(e) = crate::platform::files::make_private(&p) {
                        log::warn!("{} not made private: {e}", p.display());
                    }
                }
            }
        }
    }
    Ok(Db { pool, backend })
}

/// The file of a SQLite database URL (`sqlite://path?opts`), or `None` for an in-memory or
/// `file:` URI database.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    if Backend::of_url(url) != Backend::Sqlite {
        return None;
    }
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or("");
    if path.is_empty()
        || path.starts_with("file:")
        || path == ":memory:"
        || url.contains("mode=memory")
    {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

fn ensure_sqlite_parent(url: &str) {
    let Some(path) = sqlite_file(url) else {
        return;
    };
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            let _ = crate::platform::files::create_dir_private(parent);
        }
    }
}

impl Db {
    /// A transaction for an action that reads and then writes. On SQLite it starts with
    /// `BEGIN IMMEDIATE` so that concurrent writers queue on the busy timeout instead of
    /// failing with a stale snapshot; on PostgreSQL it first locks the audit chain head.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => {
                // Every write appends to the audit chain and so locks its head row before it
                // commits; taking that lock first makes write transactions run one at a time,
                // as SQLite's BEGIN IMMEDIATE does, so a check made inside one (a duplicate, a
                // threshold ladder, a balance) still holds when it commits.
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }
    }

    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, sqlx::Error> {
        self.pool.acquire().await
    }

    /// ` FOR UPDATE` on PostgreSQL, nothing on SQLite (whose write transaction already holds
    /// the database lock).
    pub fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }
}

/// `($1, $2), ($3, $4), …` for a multi-row INSERT of `rows` rows of `cols` values.
pub fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// True when the error is a unique-constraint violation on either backend.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.code()
                .is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
                || d.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}
pub mod low_prices;

//! Rendered public pages for anonymous visitors, kept per address and language and valid while
//! nothing has changed: the version is the audit chain's sequence number, which every state
//! change advances in its own transaction (and so also on another server process sharing the
//! database). A hot query (宁波, 社工, 养老) is then served without searching or rendering. These
//! pages carry nothing of the visitor (`PublicPage`: no form token for anonymous visitors), so
//! the kept bytes are sent as they are.

use crate::db::wal_signal::{Look, Mark, WalSignal};
use crate::db::Db;
use crate::platform::app::AppState;
use crate::platform::error::{AppError, AppResult};
use crate::web::ctx::PublicPage;
use crate::web::template::Template;
use rocket::http::ContentType;
use rocket::request::Request;
use rocket::response::{Responder, Response};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::oneshot;

const MAX_ENTRIES: usize = 2000;
/// Pages are kept for any address (a query string can be anything), so their bytes are bounded too.
/// 16 MiB: the page census (issue 26) fills the cache with a fresh address per request, and the
/// server's whole budget is 200 MB.
const MAX_BYTES: usize = 16 << 20;

#[derive(Default)]
struct Pages {
    map: HashMap<String, Stored>,
    /// The bodies' bytes.
    bytes: usize,
}

/// A rendered page, the data version it shows, and the instant (ms) from which time alone
/// changes it (a project page stops taking bids at its deadline).
struct Stored {
    version: i64,
    stale_at: Option<i64>,
    body: Arc<[u8]>,
}

#[derive(Default)]
pub struct PageCache {
    pages: Mutex<Pages>,
    versions: Versions,
}

impl PageCache {
    /// A cache for the database whose commits `signal` shows (a SQLite file), or, without one,
    /// one that asks the database for every request (PostgreSQL, in-memory SQLite).
    pub fn new(signal: Option<WalSignal>) -> PageCache {
        PageCache {
            pages: Mutex::default(),
            versions: Versions(Arc::new(Shared {
                signal,
                ..Shared::default()
            })),
        }
    }

    /// The page for `key` at `version` and instant `now`, if it is cached.
    pub fn get(&self, key: &str, version: i64, now: i64) -> Option<Arc<[u8]>> {
        let pages = lock(&self.pages);
        let stored = pages.map.get(key)?;
        (stored.version == version && stored.stale_at.is_none_or(|t| now < t))
            .then(|| stored.body.clone())
    }

    /// The number of pages kept.
    pub fn len(&self) -> usize {
        lock(&self.pages).map.len()
    }

    /// The bytes of the pages kept.
    pub fn bytes(&self) -> usize {
        lock(&self.pages).bytes
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every page (a start-up step changed data outside the audited paths).
    pub fn clear(&self) {
        *lock(&self.pages) = Pages::default();
    }

    /// Keeps `body` for `key` at `version`, until `stale_at` if time alone changes it.
    pub fn put(&self, key: String, version: i64, stale_at: Option<i64>, body: Arc<[u8]>) {
        if body.len() > MAX_BYTES / 16 {
            return;
        }
        let mut pages = lock(&self.pages);
        let full = |p: &Pages| p.map.len() >= MAX_ENTRIES || p.bytes + body.len() > MAX_BYTES;
        if full(&pages) {
            // Out of date entries first; failing that, start again (simple and bounded).
            pages.map.retain(|_, s| s.version == version);
            pages.bytes = pages.map.values().map(|s| s.body.len()).sum();
            if full(&pages) {
                *pages = Pages::default();
            }
        }
        pages.bytes += body.len();
        if let Some(old) = pages.map.insert(
            key,
            Stored {
                version,
                stale_at,
                body,
            },
        ) {
            pages.bytes = pages.bytes.saturating_sub(old.body.len());
        }
    }

    /// The current data version, as a read of the database that began after this call finds it.
    pub async fn version(&self, db: &Db) -> AppResult<i64> {
        self.versions.read(db).await
    }

    /// How many times the version was actually read from the database.
    pub fn version_reads(&self) -> u64 {
        self.versions.0.reads.load(Ordering::Relaxed)
    }
}

/// The data version for each request, exact and cheap. Each request gets its version from a
/// read of the database that began after it asked, so a change committed (by any process)
/// before the request arrived is always seen; the round trip (through sqlx's SQLite worker
/// thread, the largest cost of a cached page) is avoided in two ways:
/// - on a SQLite file, when the wal-index header (`WalSignal`) is as it was just before the last
///   read, nothing has been committed since, and that read's version is still the version;
/// - otherwise requests share reads: one arriving while a read is under way waits for the next
///   one, which also serves everyone else who arrived meanwhile.
#[derive(Default, Clone)]
struct Versions(Arc<Shared>);

#[derive(Default)]
struct Shared {
    signal: Option<WalSignal>,
    /// The header seen before a read began, and what that read found.
    last: Mutex<Option<(Mark, i64)>>,
    waiting: Mutex<Waiting>,
    /// Reads of the database made so far.
    reads: AtomicU64,
    /// A write to restart the change signal is under way.
    nudging: AtomicBool,
}

/// How long a read of the version may take before the requests waiting for it get an error.
const READ_LIMIT: Duration = Duration::from_secs(10);

/// A lock whatever panicked while holding it: every critical section in this module leaves its
/// data consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Leaves the reader's state consistent however `serve_waiting` ends early (dropped with the
/// runtime, or a panic): the requests still waiting get an error instead of waiting forever,
/// and the next request starts a new reader.
struct Stopped<'a> {
    shared: &'a Shared,
    early: bool,
}

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        if self.early {
            let mut w = lock(&self.shared.waiting);
            w.reading = false;
            w.next.clear();
        }
    }
}

type Answer = oneshot::Sender<Result<i64, String>>;

#[derive(Default)]
struct Waiting {
    reading: bool,
    next: Vec<Answer>,
}

impl Versions {
    async fn read(&self, db: &Db) -> AppResult<i64> {
        let look = self.0.signal.as_ref().map(WalSignal::look);
        if look == Some(Look::Rebuilt) {
            self.nudge(db);
        }
        let mark = match look {
            Some(Look::Mark(m)) => Some(m),
            _ => None,
        };
        match (&mark, &*lock(&self.0.last)) {
            (Some(m), Some((seen, v))) if seen == m => return Ok(*v),
            _ => {}
        }
        let v = self.shared_read(db).await?;
        // Without a mark now, no earlier one may stand for the present either.
        *lock(&self.0.last) = mark.map(|m| (m, v));
        Ok(v)
    }

    /// Commits one small write (a note in `app_meta`) so that the wal-index header, rebuilt
    /// after the last connection to the database closed, proves something again; until then
    /// every request reads the version. One at a time.
    fn nudge(&self, db: &Db) {
        if self.0.nudging.swap(true, Ordering::SeqCst) {
            return;
        }
        let (me, db) = (self.clone(), db.clone());
        tokio::spawn(async move {
            let at = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis().to_string())
                .unwrap_or_default();
            let written = async {
                let mut c = db.acquire().await?;
                crate::db::meta::set(&mut c, "page_cache_signal_at", &at).await
            };
            if let Err(e) = written.await {
                log::warn!("page cache: could not write to restart the change signal: {e}");
            }
            me.0.nudging.store(false, Ordering::SeqCst);
        });
    }

    async fn shared_read(&self, db: &Db) -> AppResult<i64> {
        let (tx, rx) = oneshot::channel();
        let start = {
            let mut w = lock(&self.0.waiting);
            w.next.push(tx);
            !std::mem::replace(&mut w.reading, true)
        };
        if start {
            let (me, db) = (self.clone(), db.clone());
            tokio::spawn(async move { me.serve_waiting(db).await });
        }
        match rx.await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(AppError::Internal(format!("reading the data version: {e}"))),
            Err(_) => Err(AppError::Internal("the data version reader stopped".into())),
        }
    }

    /// Reads for everyone waiting, again while more arrive, and stops when none are left.
    async fn serve_waiting(self, db: Db) {
        let mut stopped = Stopped {
            shared: &self.0,
            early: true,
        };
        loop {
            let batch = {
                let mut w = lock(&self.0.waiting);
                if w.next.is_empty() {
                    w.reading = false;
                    stopped.early = false;
                    return;
                }
                std::mem::take(&mut w.next)
            };
            self.0.reads.fetch_add(1, Ordering::Relaxed);
            let read = async {
                let mut c = db.acquire().await?;
                version(&mut c).await
            };
            let v = match tokio::time::timeout(READ_LIMIT, read).await {
                Ok(v) => v.map_err(|e| e.to_string()),
                Err(_) => Err(format!("no answer in {} s", READ_LIMIT.as_secs())),
            };
            for answer in batch {
                let _ = answer.send(v.clone());
            }
        }
    }
}

/// A page from the cache, or rendered now (and kept when the visitor may share it).
pub enum Html {
    Cached(Arc<[u8]>),
    Rendered(Box<Template>),
    /// Rendered now, with where the time went (`config.server_timing`).
    Timed(Arc<[u8]>, String),
}

impl<'r> Responder<'r, 'static> for Html {
    fn respond_to(self, req: &'r Request<'_>) -> rocket::response::Result<'static> {
        match self {
            Html::Cached(body) => Response::build()
                .header(ContentType::HTML)
                .sized_body(body.len(), std::io::Cursor::new(body))
                .ok(),
            Html::Rendered(t) => t.respond_to(req),
            Html::Timed(body, timing) => Response::build()
                .header(ContentType::HTML)
                .raw_header("Server-Timing", timing)
                .sized_body(body.len(), std::io::Cursor::new(body))
                .ok(),
        }
    }
}

/// Serves `name` for `key` (the address and anything else the page depends on) from the cache
/// at the current data version, or renders it with the context `build` makes and keeps it.
pub async fn serve<F>(
    pg: &PublicPage,
    state: &AppState,
    name: &'static str,
    key: &str,
    build: F,
) -> AppResult<Html>
where
    F: std::future::Future<Output = AppResult<serde_json::Value>>,
{
    serve_until(pg, state, name, key, async { Ok((build.await?, None)) }).await
}

/// `serve` for a page that time alone changes: `build` gives the context and the instant (ms)
/// from which the page is no longer true, and a kept copy is served only before it. The cache
/// is asked before anything is read, so a kept page costs no query (issue 26 item 3: the project
/// page looked its project up first for the key, a third of the other cached pages' rate).
pub async fn serve_until<F>(
    pg: &PublicPage,
    state: &AppState,
    name: &'static str,
    key: &str,
    build: F,
) -> AppResult<Html>
where
    F: std::future::Future<Output = AppResult<(serde_json::Value, Option<i64>)>>,
{
    let cache_key = format!("{}|{}|{key}", pg.base.path, pg.lang.code());
    let mut version = None;
    if pg.cacheable() {
        let v = state.page_cache.version(&state.db).await?;
        if let Some(body) = state.page_cache.get(&cache_key, v, state.clock.now_ms()) {
            return Ok(Html::Cached(body));
        }
        version = Some(v);
    }
    let started = std::time::Instant::now();
    let (context, stale_at) = build.await?;
    let context = pg.with_page(context);
    let data = started.elapsed();
    if let Some(v) = version {
        // Measured before the context is given to the renderer.
        let escape = state.config.server_timing.then(|| escaping(&context));
        let started = std::time::Instant::now();
        let html = state.pages.render(name, context)?;
        let render = started.elapsed();
        let body: Arc<[u8]> = html.into_bytes().into();
        state.page_cache.put(cache_key, v, stale_at, body.clone());
        if let Some(escape) = escape {
            let timing = format!(
                "data;dur={:.3}, render;dur={:.3}, escape;dur={:.3}",
                data.as_secs_f64() * 1000.0,
                render.as_secs_f64() * 1000.0,
                escape.as_secs_f64() * 1000.0
            );
            return Ok(Html::Timed(body, timing));
        }
        return Ok(Html::Cached(body));
    }
    Ok(Html::Rendered(Box::new(Template::of(name, context))))
}

/// The time to HTML-escape every text in `context` once, as the template's `{{ }}` do: an
/// estimate of the escaping's share of a render.
fn escaping(context: &serde_json::Value) -> std::time::Duration {
    fn walk(v: &serde_json::Value, out: &mut usize) {
        match v {
            serde_json::Value::String(s) => *out += tera::escape_html(s).len(),
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(m) => m.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let started = std::time::Instant::now();
    let mut n = 0;
    walk(context, &mut n);
    std::hint::black_box(n);
    started.elapsed()
}

/// The current data version.
pub async fn version(c: &mut crate::db::Conn) -> Result<i64, sqlx::Error> {
    crate::db::audit::data_version(c).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_served_only_for_its_address_and_language_at_its_version() {
        let cache = PageCache::default();
        cache.put(
            "/directory?q=x|zh-CN".into(),
            7,
            None,
            Arc::from(&b"<p>x</p>"[..]),
        );
        assert_eq!(
            cache.get("/directory?q=x|zh-CN", 7, 0).as_deref(),
            Some(&b"<p>x</p>"[..])
        );
        assert_eq!(cache.get("/directory?q=x|zh-CN", 8, 0), None);
        assert_eq!(cache.get("/directory?q=x|en", 7, 0), None);
        assert_eq!(cache.get("/directory?q=y|zh-CN", 7, 0), None);
    }

    #[test]
    fn a_page_time_changes_is_served_until_the_instant_it_changes() {
        let cache = PageCache::default();
        cache.put(
            "/projects/A|zh-CN|".into(),
            7,
            Some(1_000),
            Arc::from(&b"open"[..]),
        );
        assert!(cache.get("/projects/A|zh-CN|", 7, 999).is_some());
        assert_eq!(cache.get("/projects/A|zh-CN|", 7, 1_000), None);
        assert_eq!(cache.get("/projects/A|zh-CN|", 7, 1_001), None);
        assert_eq!(cache.get("/projects/A|zh-CN|", 8, 999), None);
    }

    #[test]
    fn the_pages_kept_stay_within_their_byte_budget() {
        let cache = PageCache::default();
        let page = |n: usize| Arc::from(vec![b'a'; n]);
        // Put again at the same address: counted once.
        cache.put("/a|zh-CN".into(), 1, None, page(1000));
        cache.put("/a|zh-CN".into(), 1, None, page(3000));
        assert_eq!(cache.bytes(), 3000);
        for i in 0..40 {
            let key = format!("/awards?x={i}|zh-CN");
            cache.put(key.clone(), 1, None, page(MAX_BYTES / 16));
            assert!(cache.bytes() <= MAX_BYTES, "{} bytes", cache.bytes());
            assert!(cache.get(&key, 1, 0).is_some(), "the newest page is kept");
        }
        // A page too large to keep is served but not kept.
        cache.put("/huge|zh-CN".into(), 1, None, page(MAX_BYTES / 16 + 1));
        assert!(cache.get("/huge|zh-CN", 1, 0).is_none());
        cache.clear();
        assert_eq!((cache.len(), cache.bytes()), (0, 0));
    }
}

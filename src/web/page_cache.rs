//! Rendered public pages for anonymous visitors, kept per address and language and valid while
//! nothing has changed: the version is the audit chain's sequence number, which every state
//! change advances in its own transaction (and so also on another server process sharing the
//! database). A hot query (宁波, 社工, 养老) is then served without searching or rendering. The
//! visitor's own CSRF token is put back into the cached page on the way out.

use crate::app::AppState;
use crate::error::AppResult;
use crate::web::ctx::Page;
use rocket::request::Request;
use rocket::response::content::RawHtml;
use rocket::response::Responder;
use rocket_dyn_templates::{Metadata, Template};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What stands for the visitor's CSRF token in a cached page.
const TOKEN_MARK: &str = "__huoban_csrf_token__";
const MAX_ENTRIES: usize = 2000;

#[derive(Default)]
pub struct PageCache {
    pages: Mutex<HashMap<String, (i64, Arc<str>)>>,
}

impl PageCache {
    /// The page for `key` at `version`, with `token` in place, if it is cached.
    pub fn get(&self, key: &str, version: i64, token: &str) -> Option<String> {
        let pages = self.pages.lock().ok()?;
        let (v, html) = pages.get(key)?;
        (*v == version).then(|| html.replace(TOKEN_MARK, token))
    }

    /// The number of pages kept.
    pub fn len(&self) -> usize {
        self.pages.lock().map(|p| p.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every page (a start-up step changed data outside the audited paths).
    pub fn clear(&self) {
        if let Ok(mut pages) = self.pages.lock() {
            pages.clear();
        }
    }

    /// Keeps `html` (rendered with `token`) for `key` at `version`.
    pub fn put(&self, key: String, version: i64, html: &str, token: &str) {
        if token.len() < 16 {
            return;
        }
        let Ok(mut pages) = self.pages.lock() else {
            return;
        };
        if pages.len() >= MAX_ENTRIES {
            // Out of date entries first; failing that, start again (simple and bounded).
            pages.retain(|_, (v, _)| *v == version);
            if pages.len() >= MAX_ENTRIES {
                pages.clear();
            }
        }
        pages.insert(key, (version, Arc::from(html.replace(token, TOKEN_MARK))));
    }
}

/// A page from the cache, or rendered now (and kept when the visitor may share it).
pub enum Html {
    Cached(RawHtml<String>),
    Rendered(Box<Template>),
}

impl<'r> Responder<'r, 'static> for Html {
    fn respond_to(self, req: &'r Request<'_>) -> rocket::response::Result<'static> {
        match self {
            Html::Cached(h) => h.respond_to(req),
            Html::Rendered(t) => t.respond_to(req),
        }
    }
}

/// Serves `name` for `key` (the address and anything else the page depends on) from the cache
/// at the current data version, or renders it with the context `build` makes and keeps it.
pub async fn serve<F>(
    pg: &Page,
    state: &AppState,
    templates: &Metadata<'_>,
    name: &'static str,
    key: &str,
    build: F,
) -> AppResult<Html>
where
    F: std::future::Future<Output = AppResult<serde_json::Value>>,
{
    let cache_key = format!("{}|{}|{key}", pg.base.path, pg.lang.code());
    let token = pg.base.csrf.clone().unwrap_or_default();
    let mut version = None;
    if pg.cacheable() {
        let mut c = state.db.acquire().await?;
        let v = self::version(&mut c).await?;
        if let Some(html) = state.page_cache.get(&cache_key, v, &token) {
            return Ok(Html::Cached(RawHtml(html)));
        }
        version = Some(v);
    }
    let context = pg.context(build.await?);
    if let Some(v) = version {
        if let Some((_, html)) = templates.render(name, &context) {
            state.page_cache.put(cache_key, v, &html, &token);
            return Ok(Html::Cached(RawHtml(html)));
        }
    }
    Ok(Html::Rendered(Box::new(Template::render(name, context))))
}

/// The current data version.
pub async fn version(c: &mut crate::db::Conn) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(&mut *c)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_served_with_each_visitors_token_and_only_at_its_version() {
        let cache = PageCache::default();
        let a = "tokenAAAAAAAAAAAAAAAAAAAAAAA";
        let b = "tokenBBBBBBBBBBBBBBBBBBBBBBB";
        cache.put(
            "/directory?q=x|zh-CN".into(),
            7,
            &format!("<input value=\"{a}\">"),
            a,
        );
        assert_eq!(
            cache.get("/directory?q=x|zh-CN", 7, b).as_deref(),
            Some(format!("<input value=\"{b}\">").as_str())
        );
        assert_eq!(cache.get("/directory?q=x|zh-CN", 8, b), None);
        assert_eq!(cache.get("/directory?q=x|en", 7, b), None);
    }
}

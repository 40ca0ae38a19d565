//! Rendered public pages for anonymous visitors, kept per address and language and valid while
//! nothing has changed: the version is the audit chain's sequence number, which every state
//! change advances in its own transaction (and so also on another server process sharing the
//! database). A hot query (宁波, 社工, 养老) is then served without searching or rendering. The
//! visitor's own CSRF token is put back into the cached page on the way out.

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

//! Server-side sessions: starting one at sign-in, resolving the cookie's id to the signed-in
//! user on every request (refusing it past its idle or absolute lifetime, both settings),
//! listing a person's sessions and ending any of them. A session's last use is written at
//! most once a minute, so pages cost no write most of the time; idle time is measured from
//! that record.

use crate::db::orgs::Membership;
use crate::db::roles::Grant;
use crate::db::sessions::{self, NewSession, Session};
use crate::db::users::User;
use crate::db::{orgs, roles, settings, Conn, Db};
use crate::platform::audit::{Actor, Auditor};
use crate::platform::auth::session::Client;
use crate::platform::auth::tokens;
use crate::platform::clock::Clock;
use crate::platform::error::AppResult;
use crate::platform::ids::UserId;
use serde::Serialize;
use serde_json::json;

/// A session's last use is recorded at most this often.
pub const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// How long a session lives, from the settings in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    pub idle_staff_ms: i64,
    pub idle_other_ms: i64,
    pub absolute_ms: i64,
}

impl Lifetimes {
    /// Whether `s` is still alive at `now`: used less than the idle time ago and made less
    /// than the absolute lifetime ago (at either limit it has ended).
    pub fn alive(&self, s: &Session, staff: bool, now: i64) -> bool {
        let idle = if staff {
            self.idle_staff_ms
        } else {
            self.idle_other_ms
        };
        now - s.last_seen_at < idle && now - s.created_at < self.absolute_ms
    }
}

pub async fn lifetimes(c: &mut Conn, now: i64) -> Result<Lifetimes, sqlx::Error> {
    let s = settings::snapshot_of(c, "auth.session_", now).await?;
    let minutes = |k: &str, d: i64| s.int(k).unwrap_or(d) * 60_000;
    Ok(Lifetimes {
        idle_staff_ms: minutes("auth.session_idle_minutes.staff", 30),
        idle_other_ms: minutes("auth.session_idle_minutes.other", 120),
        absolute_ms: s.int("auth.session_absolute_hours").unwrap_or(12) * 3_600_000,
    })
}

/// A live session, resolved from its cookie: whose it is, with the roles and memberships in
/// force now.
pub struct Resolved {
    pub session: i64,
    pub user: User,
    pub grants: Vec<Grant>,
    pub memberships: Vec<Membership>,
}

/// Resolves the cookie's session id at `now`: `None` when there is no such session, it has
/// ended (its user's sessions were all ended, the account disabled) or it has expired (then
/// its row is deleted).
pub async fn resolve(db: &Db, sid: &str, now: i64) -> Result<Option<Resolved>, sqlx::Error> {
    let mut c = db.acquire().await?;
    let Some((s, user)) = sessions::with_user_by_token_hash(&mut c, &tokens::digest(sid)).await?
    else {
        return Ok(None);
    };
    if user.session_epoch != s.epoch
        || user.disabled_at.is_some()
        || user.email_confirmed_at.is_none()
    {
        sessions::delete(&mut c, s.id).await?;
        return Ok(None);
    }
    let grants = roles::active_for_user(&mut c, user.id).await?;
    let life = lifetimes(&mut c, now).await?;
    if !life.alive(&s, !grants.is_empty(), now) {
        sessions::delete(&mut c, s.id).await?;
        return Ok(None);
    }
    if now - s.last_seen_at >= TOUCH_EVERY_MS {
        sessions::touch(&mut c, s.id, now, TOUCH_EVERY_MS).await?;
    }
    let memberships = orgs::active_for_user(&mut c, user.id).await?;
    Ok(Some(Resolved {
        session: s.id,
        user,
        grants,
        memberships,
    }))
}

/// One of a person's sessions as the account page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub address: String,
    pub user_agent: String,
    /// The browser and system the user agent names, short enough for a phone's table.
    pub device: String,
    pub current: bool,
}

/// "Chrome · Windows" from a user agent string; the first known names found, else a short
/// cut of the string itself.
pub fn device_label(ua: &str) -> String {
    // Order matters: Edge and WeChat also say Chrome, Chrome also says Safari.
    const BROWSERS: [(&str, &str); 8] = [
        ("MicroMessenger", "WeChat"),
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("HeadlessChrome/", "Chrome (headless)"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ];
    const SYSTEMS: [(&str, &str); 6] = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ];
    let browser = BROWSERS.iter().find(|(k, _)| ua.contains(k)).map(|x| x.1);
    let system = SYSTEMS.iter().find(|(k, _)| ua.contains(k)).map(|x| x.1);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) if ua.trim().is_empty() => "—".to_string(),
        (None, None) => ua.chars().take(32).collect(),
    }
}

pub struct Sessions<'a> {
    pub db: &'a Db,
    pub clock: &'a Clock,
    pub auditor: &'a Auditor,
}

impl<'a> Sessions<'a> {
    pub fn of(state: &'a crate::platform::app::AppState) -> Sessions<'a> {
        Sessions {
            db: &state.db,
            clock: &state.clock,
            auditor: &state.auditor,
        }
    }

    /// Starts a session for `user` on `c` (the sign-in's transaction), dropping the user's
    /// expired ones. The random id for the cookie. A sign-in changes no record, so it writes
    /// no audit entry: the session row (when, from where, which browser) is its trace.
    pub async fn start_on(
        &self,
        c: &mut Conn,
        user: &User,
        client: &Client,
        now: i64,
    ) -> Result<String, sqlx::Error> {
        let life = lifetimes(c, now).await?;
        let longest_idle = life.idle_staff_ms.max(life.idle_other_ms);
        sessions::purge_expired(c, user.id, now - longest_idle, now - life.absolute_ms).await?;
        let sid = tokens::new_token();
        sessions::insert(
            c,
            NewSession {
                token_hash: &tokens::digest(&sid),
                user: user.id,
                epoch: user.session_epoch,
                now,
                address: &client.address,
                user_agent: &client.user_agent,
            },
        )
        .await?;
        Ok(sid)
    }

    /// Logs out: deletes the session behind the cookie's id (if it is still there).
    pub async fn end(&self, sid: &str) -> AppResult<()> {
        let mut c = self.db.acquire().await?;
        sessions::delete_by_token_hash(&mut c, &tokens::digest(sid)).await?;
        Ok(())
    }

    /// The user's live sessions, newest use first; `current` is marked.
    pub async fn list(
        &self,
        user: UserId,
        staff: bool,
        current: Option<i64>,
    ) -> AppResult<Vec<SessionView>> {
        let now = self.clock.now_ms();
        let mut c = self.db.acquire().await?;
        let life = lifetimes(&mut c, now).await?;
        Ok(sessions::of_user(&mut c, user)
            .await?
            .into_iter()
            .filter(|s| life.alive(s, staff, now))
            .map(|s| SessionView {
                current: Some(s.id) == current,
                id: s.id,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                address: s.address,
                device: device_label(&s.user_agent),
                user_agent: s.user_agent,
            })
            .collect())
    }

    /// Ends one of the user's sessions; false when the user has no such session.
    pub async fn end_one(&self, user: UserId, id: i64) -> AppResult<bool> {
        let mut tx = self.db.begin_write().await?;
        if !sessions::delete_of_user(&mut tx, user, id).await? {
            return Ok(false);
        }
        self.auditor
            .record(
                &mut tx,
                self.clock.now_ms(),
                Actor::User(user),
                "user.session_ended",
                ("user", user.to_string()),
                json!({ "session": id }),
            )
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_agent_reads_as_browser_and_system() {
        let chrome_win = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
        assert_eq!(device_label(chrome_win), "Chrome · Windows");
        let edge =
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(device_label(edge), "Edge · Windows");
        let wechat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile MicroMessenger/8.0";
        assert_eq!(device_label(wechat), "WeChat · iPhone");
        let safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15";
        assert_eq!(device_label(safari), "Safari · macOS");
        assert_eq!(device_label(""), "—");
        assert_eq!(device_label("某个客户端"), "某个客户端");
    }
}

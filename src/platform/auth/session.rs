//! The session: a private (encrypted and authenticated) cookie holding the user id and the
//! session epoch it was made in. Every request compares the epoch with the user's current one,
//! so logout-everywhere, a password reset and a role revocation end sessions at once.

use crate::platform::ids::UserId;
use rocket::http::{Cookie, CookieJar, SameSite};
use serde::{Deserialize, Serialize};

pub const COOKIE: &str = "huoban_session";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionCookie {
    pub uid: i64,
    pub epoch: i64,
    /// Id of the key that sealed the cookie, for rotation.
    pub kid: String,
}

#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    pub secure: bool,
}

pub fn read(jar: &CookieJar<'_>) -> Option<SessionCookie> {
    let c = jar.get_private(COOKIE)?;
    serde_json::from_str(c.value()).ok()
}

pub fn start(jar: &CookieJar<'_>, policy: CookiePolicy, user: UserId, epoch: i64, kid: &str) {
    let value = serde_json::to_string(&SessionCookie {
        uid: user.0,
        epoch,
        kid: kid.to_string(),
    })
    .unwrap_or_default();
    let cookie = Cookie::build((COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(policy.secure)
        .path("/");
    jar.add_private(cookie);
}

pub fn end(jar: &CookieJar<'_>) {
    jar.remove_private(Cookie::build(COOKIE).path("/"));
}

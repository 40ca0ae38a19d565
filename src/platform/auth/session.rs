//! The session cookie: a private (encrypted and authenticated) cookie holding only a random
//! session id. The session itself is a row in the database (`db::sessions`, found by the id's
//! SHA-256), so logging out, ending a session from the account page or an expiry ends it in
//! every process at once; a cookie copied before that no longer signs anyone in.

use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::request::{FromRequest, Outcome, Request};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;

pub const COOKIE: &str = "huoban_session";

/// The longest user agent kept with a session (the rest is cut).
const MAX_USER_AGENT: usize = 300;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionCookie {
    /// The random session id (256 bits, URL-safe).
    pub sid: String,
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

pub fn start(jar: &CookieJar<'_>, policy: CookiePolicy, sid: &str, kid: &str) {
    let value = serde_json::to_string(&SessionCookie {
        sid: sid.to_string(),
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

/// Where a request comes from, as a session and the sign-in throttle record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The client's address (`unknown` when the server cannot tell).
    pub address: String,
    /// The `User-Agent` header, cut to a bounded length, without control characters.
    pub user_agent: String,
}

impl Client {
    pub fn new(address: Option<std::net::IpAddr>, user_agent: Option<&str>) -> Client {
        Client {
            address: address
                .map(|a| a.to_string())
                .unwrap_or_else(|| "unknown".into()),
            user_agent: user_agent
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_USER_AGENT)
                .collect(),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Client {
    type Error = Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Client::new(
            req.client_ip(),
            req.headers().get_one("User-Agent"),
        ))
    }
}

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
    /// The address as the throttles count it: an IPv6 client by its /64 network, since one
    /// holder of a /64 can use any of its 2^64 addresses.
    pub network: String,
    /// The `User-Agent` header, cut to a bounded length, without control characters.
    pub user_agent: String,
}

impl Client {
    pub fn new(address: Option<std::net::IpAddr>, user_agent: Option<&str>) -> Client {
        let address = address.map(|a| match a {
            std::net::IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map_or(std::net::IpAddr::V6(v6), std::net::IpAddr::V4),
            v4 => v4,
        });
        Client {
            network: match address {
                Some(std::net::IpAddr::V6(v6)) => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
                Some(v4) => v4.to_string(),
                None => "unknown".into(),
            },
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

#[cfg(test)]
mod tests {
    use super::Client;

    #[test]
    fn an_ipv6_client_counts_by_its_64_network_and_a_mapped_ipv4_as_ipv4() {
        let c = Client::new("2001:db8:1:2:aaaa::1".parse().ok(), Some("UA\u{7}x"));
        assert_eq!(c.address, "2001:db8:1:2:aaaa::1");
        assert_eq!(c.network, "2001:db8:1:2::/64");
        assert_eq!(c.user_agent, "UAx", "control characters are dropped");
        let c = Client::new("::ffff:192.0.2.9".parse().ok(), None);
        assert_eq!(
            (c.address.as_str(), c.network.as_str()),
            ("192.0.2.9", "192.0.2.9")
        );
        let c = Client::new(None, None);
        assert_eq!(c.network, "unknown");
    }
}

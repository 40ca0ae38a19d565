//! Limits that slow abuse down without turning against the people the platform serves: the
//! numbers (settings `auth.*`), the keys they count under, and the per-address limit on
//! public objections and questions. The sign-in throttle itself is `platform::signin`.

use crate::db::{rate, sessions, settings, throttle, Conn, Db};
use crate::platform::clock::Clock;
use crate::platform::error::AppResult;
use crate::platform::ids::UserId;

/// The window of the per-address ceiling on failed sign-ins.
pub const ADDRESS_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The window of the reset-mail limit, the public-post limit and the failure notice.
pub const HOUR_MS: i64 = 60 * 60 * 1000;

/// The limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Failures of one (account, address) pair before it backs off.
    pub free_failures: i64,
    /// Failed sign-ins one address may make in `ADDRESS_WINDOW_MS`.
    pub address_failures: i64,
    pub reset_mails_per_hour: i64,
    pub public_posts_per_hour: i64,
}

pub async fn limits(c: &mut Conn, now: i64) -> Result<Limits, sqlx::Error> {
    let s = settings::snapshot_of(c, "auth.", now).await?;
    Ok(Limits {
        free_failures: s.int("auth.login_free_failures").unwrap_or(5),
        address_failures: s.int("auth.address_failures_per_15min").unwrap_or(100),
        reset_mails_per_hour: s.int("auth.reset_mails_per_hour").unwrap_or(3),
        public_posts_per_hour: s.int("auth.public_posts_per_hour").unwrap_or(20),
    })
}

/// The counter of failed sign-ins from an address.
pub fn address_key(address: &str) -> String {
    format!("addr:{address}")
}

/// Every pair key of an account starts with this.
pub fn account_prefix(email: &str) -> String {
    format!("pair:{email}|")
}

/// The throttle key of an (account, address) pair.
pub fn pair_key(email: &str, address: &str) -> String {
    format!("{}{address}", account_prefix(email))
}

/// The counter of an account's reset mails.
pub fn reset_key(user: UserId) -> String {
    format!("reset:{}", user.0)
}

/// The counter of an account's failure notices (one an hour).
pub fn notice_key(user: UserId) -> String {
    format!("notice:{}", user.0)
}

/// Counts a public objection or question from `address`: false when the address has sent
/// its hour's share already (nothing should be written then).
pub async fn allow_public_post(db: &Db, clock: &Clock, address: &str) -> AppResult<bool> {
    let now = clock.now_ms();
    let mut c = db.acquire().await?;
    let limit = limits(&mut c, now).await?.public_posts_per_hour;
    let hits = rate::hit(&mut c, &format!("post:{address}"), now, HOUR_MS).await?;
    Ok(hits <= limit)
}

/// Deletes what no longer counts: expired sessions, counters whose window is long over,
/// throttle pairs whose run is over. Run daily; the number of rows deleted.
pub async fn tidy(db: &Db, clock: &Clock) -> AppResult<u64> {
    let now = clock.now_ms();
    let mut tx = db.begin_write().await?;
    let life = crate::platform::sessions::lifetimes(&mut tx, now).await?;
    let longest_idle = life.idle_staff_ms.max(life.idle_other_ms);
    let mut n =
        sessions::purge_all_expired(&mut tx, now - longest_idle, now - life.absolute_ms).await?;
    n += rate::purge(&mut tx, now - 24 * HOUR_MS).await?;
    n += throttle::purge(&mut tx, now).await?;
    tx.commit().await?;
    Ok(n)
}

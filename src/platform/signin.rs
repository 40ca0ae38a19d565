//! Signing in. Failures count per (account, address) pair, with a growing wait for that pair
//! alone, and per address under a ceiling high enough for an office behind one NAT address:
//! a rival can neither keep an account's holder out (they sign in from their own address)
//! nor shut an office out with a handful of guesses. The holder is mailed (once an hour) when
//! a pair starts backing off. A sign-in of an organization's admin while the organization has
//! a sealed bid pending is mailed to its other admins.

use crate::db::throttle::{self, Attempt};
use crate::db::users::User;
use crate::db::{bids, orgs, rate, users, Conn};
use crate::domain::lang::Lang;
use crate::platform::app::AppState;
use crate::platform::auth::password;
use crate::platform::auth::session::Client;
use crate::platform::error::AppResult;
use crate::platform::limits::{self, ADDRESS_WINDOW_MS, HOUR_MS};
use crate::platform::mail::{Mailer, Recipient};
use crate::platform::sessions::Sessions;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Signed in: the new session's id for the cookie.
    Started(String),
    /// Wrong address or password (the same answer for both).
    Failed,
    /// The right password of an account whose address is not confirmed yet.
    Unconfirmed,
    /// Not checked: this pair is waiting, or this address has reached its ceiling.
    Throttled { minutes: i64 },
}

fn minutes_until(until: i64, now: i64) -> i64 {
    ((until - now).max(0) + 59_999) / 60_000
}

/// Checks `email` and `password` from `client` and, when they are right, starts a session.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    client: &Client,
) -> AppResult<Outcome> {
    let now = state.clock.now_ms();
    let mut c = state.db.acquire().await?;
    let lim = limits::limits(&mut c, now).await?;
    // Count the attempt first, in one statement each: parallel guesses cannot all pass a
    // check made before counting.
    let addr = limits::address_key(&client.network);
    if rate::hit(&mut c, &addr, now, ADDRESS_WINDOW_MS).await? > lim.address_failures {
        let start = rate::window_start(&mut c, &addr).await?.unwrap_or(now);
        return Ok(Outcome::Throttled {
            minutes: minutes_until(start + ADDRESS_WINDOW_MS, now),
        });
    }
    let pair = limits::pair_key(email, &client.network);
    let failures = match throttle::attempt(&mut c, &pair, now, lim.free_failures).await? {
        Attempt::Refused { until } => {
            // Not checked, so not a failure of the address either.
            rate::forgive(&mut c, &addr).await?;
            return Ok(Outcome::Throttled {
                minutes: minutes_until(until, now),
            });
        }
        Attempt::Counted { failures, .. } => failures,
    };
    let user = users::by_email(&mut c, email).await?;
    let ok = match &user {
        Some(u) => {
            password::verify_off_thread(password, &u.password_hash).await && u.disabled_at.is_none()
        }
        None => {
            password::verify_off_thread(password, &state.dummy_hash).await;
            false
        }
    };
    drop(c);
    let Some(user) = user else {
        return Ok(Outcome::Failed);
    };
    if !ok {
        if failures >= lim.free_failures {
            notify_failures(state, &user, &client.address, failures).await?;
        }
        return Ok(Outcome::Failed);
    }
    // The right password: not a failure of the pair, nor of a shared address.
    let mut tx = state.db.begin_write().await?;
    throttle::clear(&mut tx, &pair).await?;
    rate::forgive(&mut tx, &addr).await?;
    if user.email_confirmed_at.is_none() {
        tx.commit().await?;
        return Ok(Outcome::Unconfirmed);
    }
    let sid = Sessions::of(state)
        .start_on(&mut tx, &user, client, now)
        .await?;
    alert_org_admins(
        &mut tx,
        &state.mailer,
        &user,
        "sign_in",
        &client.address,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome::Started(sid))
}

/// Checks the current password of a signed-in user (a password change), counted on the same
/// (account, address) pair as sign-ins: a stolen session cannot guess it faster than a
/// sign-in could. `Started` is never returned; `Failed` or `Throttled` refuse, `Unconfirmed`
/// never happens for a signed-in user, and `Ok(None)` means the password is right.
pub async fn check_current_password(
    state: &AppState,
    user: &User,
    password: &str,
    client: &Client,
) -> AppResult<Option<Outcome>> {
    let now = state.clock.now_ms();
    let mut c = state.db.acquire().await?;
    let free = limits::limits(&mut c, now).await?.free_failures;
    let pair = limits::pair_key(&user.email, &client.network);
    if let Attempt::Refused { until } = throttle::attempt(&mut c, &pair, now, free).await? {
        return Ok(Some(Outcome::Throttled {
            minutes: minutes_until(until, now),
        }));
    }
    if !password::verify_off_thread(password, &user.password_hash).await {
        return Ok(Some(Outcome::Failed));
    }
    throttle::clear(&mut c, &pair).await?;
    Ok(None)
}

/// Tells the account's holder that a pair is backing off: once an hour at most.
async fn notify_failures(
    state: &AppState,
    user: &User,
    address: &str,
    failures: i64,
) -> AppResult<()> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_write().await?;
    if rate::hit(&mut tx, &limits::notice_key(user.id), now, HOUR_MS).await? == 1 {
        let to = Recipient {
            addr: &user.email,
            user: Some(user.id),
            lang: Lang::parse(&user.preferred_lang).unwrap_or_default(),
        };
        let data = json!({ "name": user.display_name, "address": address, "failures": failures, "at": now });
        state
            .mailer
            .queue(&mut tx, to, "login_failures", &data, now)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Mails the other admins of every organization `user` administers that has a sealed bid
/// pending: `event` (`sign_in`, `password_reset`) happened to the account, from `address`.
/// A reset link read by someone else, or a session taken over, would let them open or
/// replace the bid; the other admins can act before the deadline.
pub async fn alert_org_admins(
    c: &mut Conn,
    mailer: &Mailer,
    user: &User,
    event: &str,
    address: &str,
    now: i64,
) -> AppResult<()> {
    for m in orgs::active_for_user(c, user.id).await? {
        if m.kind != orgs::MemberKind::Admin
            || !bids::org_has_pending_sealed(c, m.org_id.0, now).await?
        {
            continue;
        }
        for r in orgs::admin_recipients(c, m.org_id.0).await? {
            if r.user_id == user.id.0 {
                continue;
            }
            let to = Recipient {
                addr: &r.email,
                user: Some(crate::platform::ids::UserId(r.user_id)),
                lang: Lang::parse(&r.preferred_lang).unwrap_or_default(),
            };
            let data = json!({
                "org": r.org_name, "name": user.display_name, "email": user.email,
                "event": event, "address": address, "at": now,
            });
            mailer.queue(c, to, "sealed_bid_alert", &data, now).await?;
        }
    }
    Ok(())
}

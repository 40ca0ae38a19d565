//! A person's account: sign-up with email confirmation, password reset by a mailed one-time
//! token (a few an hour), the profile, a password change, and ending every session. Each change is one write transaction with its
//! audit entry and mail; the answers never tell whether an address has an account.

use crate::db::tokens::Purpose;
use crate::db::users::{self, User};
use crate::db::{self, rate, throttle, Db};
use crate::domain::email::EmailAddress;
use crate::domain::lang::Lang;
use crate::platform::audit::{Actor, Auditor};
use crate::platform::auth::tokens;
use crate::platform::clock::Clock;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::platform::mail::{Mailer, Recipient};
use crate::platform::{limits, signin};
use serde_json::json;

const RESET_TTL_MS: i64 = 3600 * 1000;
const CONFIRM_TTL_MS: i64 = 48 * 3600 * 1000;

pub struct Accounts<'a> {
    pub db: &'a Db,
    pub clock: &'a Clock,
    pub auditor: &'a Auditor,
    pub mailer: &'a Mailer,
}

/// A sign-up as the form gives it, the password hashed and the identity number (if given)
/// as its keyed hash with the key's id.
pub struct SignUp<'a> {
    pub name: &'a str,
    pub email: &'a EmailAddress,
    pub phone: &'a str,
    pub lang: Lang,
    pub password_hash: &'a str,
    pub id_hash: Option<String>,
    pub key_id: &'a str,
}

impl<'a> Accounts<'a> {
    pub fn of(state: &'a crate::platform::app::AppState) -> Accounts<'a> {
        Accounts {
            db: &state.db,
            clock: &state.clock,
            auditor: &state.auditor,
            mailer: &state.mailer,
        }
    }

    async fn audit(
        &self,
        c: &mut db::Conn,
        actor: Actor,
        action: &str,
        user: UserId,
        summary: serde_json::Value,
    ) -> Result<(), sqlx::Error> {
        self.auditor
            .record(
                c,
                self.clock.now_ms(),
                actor,
                action,
                ("user", user.to_string()),
                summary,
            )
            .await
    }

    /// Changes the display name and phone (empty: none).
    pub async fn set_profile(&self, u: &User, name: &str, phone: &str) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        users::set_profile(&mut tx, u.id, name, (!phone.is_empty()).then_some(phone)).await?;
        let summary = json!({
            "display_name_changed": name != u.display_name,
            "phone_changed": u.phone.as_deref().unwrap_or("") != phone,
        });
        self.audit(
            &mut tx,
            Actor::User(u.id),
            "user.profile_changed",
            u.id,
            summary,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of the account.
    pub async fn end_sessions(&self, user: UserId) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        users::bump_epoch(&mut tx, user).await?;
        self.audit(
            &mut tx,
            Actor::User(user),
            "user.sessions_ended",
            user,
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes the password inside the account (the current one was checked): every other
    /// session of the account ends, the one making the change (`keep`) goes on.
    pub async fn change_password(&self, user: UserId, keep: i64, hash: &str) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        users::set_password_hash(&mut tx, user, hash).await?;
        let ended = db::sessions::delete_all_but(&mut tx, user, Some(keep)).await?;
        self.audit(
            &mut tx,
            Actor::User(user),
            "user.password_changed",
            user,
            json!({ "other_sessions_ended": ended }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Mails a reset link to the account of `email`, if there is one (nothing otherwise), at
    /// most `auth.reset_mails_per_hour` an hour: more would let anyone fill a mailbox (the
    /// answer is the same either way).
    pub async fn request_reset(&self, email: &EmailAddress) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        if let Some(user) = users::by_email(&mut tx, email.as_str()).await? {
            let limit = limits::limits(&mut tx, now).await?.reset_mails_per_hour;
            let sent =
                rate::hit(&mut tx, &limits::reset_key(user.id), now, limits::HOUR_MS).await?;
            if sent > limit {
                self.audit(
                    &mut tx,
                    Actor::Anonymous,
                    "user.password_reset_limited",
                    user.id,
                    json!({ "limit": limit }),
                )
                .await?;
                tx.commit().await?;
                return Ok(());
            }
            let token = tokens::new_token();
            db::tokens::insert(
                &mut tx,
                user.id,
                Purpose::ResetPassword,
                &tokens::digest(&token),
                now,
                now + RESET_TTL_MS,
            )
            .await?;
            let lang = Lang::parse(&user.preferred_lang).unwrap_or_default();
            let to = Recipient {
                addr: &user.email,
                user: Some(user.id),
                lang,
            };
            self.mailer
                .queue(
                    &mut tx,
                    to,
                    "reset_password",
                    &json!({ "name": user.display_name, "token": token }),
                    now,
                )
                .await?;
            self.audit(
                &mut tx,
                Actor::Anonymous,
                "user.password_reset_requested",
                user.id,
                json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets the new password (hashed) with the reset token, once: every session ends, the
    /// address counts as confirmed and the sign-in throttle is cleared. The other admins of
    /// an organization the account administers are told when it has a sealed bid pending.
    pub async fn reset_password(&self, token: &str, hash: &str, address: &str) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let Some(user) =
            db::tokens::consume(&mut tx, Purpose::ResetPassword, &tokens::digest(token), now)
                .await?
        else {
            return Err(AppError::BadRequest("err-token-invalid"));
        };
        db::tokens::revoke_all(&mut tx, user, Purpose::ResetPassword, now).await?;
        // A new password ends every session of the account.
        users::set_password(&mut tx, user, hash).await?;
        // Receiving the mail proves the address, so an unconfirmed account is confirmed too.
        users::confirm_email(&mut tx, user, now).await?;
        if let Some(u) = users::by_id(&mut tx, user).await? {
            throttle::clear_account(&mut tx, &limits::account_prefix(&u.email)).await?;
            signin::alert_org_admins(&mut tx, self.mailer, &u, "password_reset", address, now)
                .await?;
        }
        self.audit(
            &mut tx,
            Actor::User(user),
            "user.password_reset",
            user,
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs up: a new person and account with a confirmation link, or, for an address that
    /// has an account, a mail telling its owner (the answer is the same).
    pub async fn sign_up(&self, s: &SignUp<'_>) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let to = Recipient {
            addr: s.email.as_str(),
            user: None,
            lang: s.lang,
        };
        if let Some(existing) = users::by_email(&mut tx, s.email.as_str()).await? {
            // Say the same as for a new account (no account enumeration); tell the owner by mail.
            let to = Recipient {
                user: Some(existing.id),
                lang: Lang::parse(&existing.preferred_lang).unwrap_or(s.lang),
                ..to
            };
            self.mailer
                .queue(
                    &mut tx,
                    to,
                    "already_registered",
                    &json!({ "name": existing.display_name }),
                    now,
                )
                .await?;
            self.audit(
                &mut tx,
                Actor::Anonymous,
                "user.signup_existing_email",
                existing.id,
                json!({}),
            )
            .await?;
        } else {
            // An ID number typed at sign-up is not verified: it never attaches the new account
            // to a person already on record (that would let anyone who knows a number take
            // over a person's name and history). Such a claim is kept off the record and left
            // to staff.
            let claimed_by = match s.id_hash.as_deref() {
                Some(h) => users::person_by_id_hash(&mut tx, h).await?,
                None => None,
            };
            let recorded_hash = s
                .id_hash
                .as_deref()
                .filter(|_| claimed_by.is_none())
                .map(|h| (h, s.key_id));
            let person = users::insert_person(&mut tx, s.name, recorded_hash, now).await?;
            let user = users::insert(
                &mut tx,
                users::NewUser {
                    person_id: person,
                    email: s.email.as_str(),
                    display_name: s.name,
                    phone: (!s.phone.is_empty()).then_some(s.phone),
                    preferred_lang: s.lang.code(),
                    password_hash: s.password_hash,
                    email_confirmed_at: None,
                    now,
                },
            )
            .await?;
            let token = tokens::new_token();
            db::tokens::insert(
                &mut tx,
                user,
                Purpose::ConfirmEmail,
                &tokens::digest(&token),
                now,
                now + CONFIRM_TTL_MS,
            )
            .await?;
            let to = Recipient {
                user: Some(user),
                ..to
            };
            self.mailer
                .queue(
                    &mut tx,
                    to,
                    "confirm_email",
                    &json!({ "name": s.name, "token": token }),
                    now,
                )
                .await?;
            let summary = json!({
                "person": person,
                "id_number_given": s.id_hash.is_some(),
                "id_number_already_on_record_for_person": claimed_by,
            });
            self.audit(&mut tx, Actor::Anonymous, "user.signed_up", user, summary)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Confirms the address with the mailed token, once.
    pub async fn confirm_email(&self, token: &str) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let Some(user) =
            db::tokens::consume(&mut tx, Purpose::ConfirmEmail, &tokens::digest(token), now)
                .await?
        else {
            return Err(AppError::BadRequest("err-token-invalid"));
        };
        users::confirm_email(&mut tx, user, now).await?;
        self.audit(
            &mut tx,
            Actor::User(user),
            "user.email_confirmed",
            user,
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Remembers the user's language.
    pub async fn set_lang(&self, user: UserId, lang: Lang) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        users::set_lang(&mut tx, user, lang.code()).await?;
        let summary = json!({ "lang": lang.code() });
        self.audit(
            &mut tx,
            Actor::User(user),
            "user.language_changed",
            user,
            summary,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

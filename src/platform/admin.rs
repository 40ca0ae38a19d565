//! Administration's changes: dated role grants and their revocation, and settings with their
//! history. Each one write transaction with its audit entry; a refusal writes nothing.

use crate::db::directory::{self, UnitKind};
use crate::db::{roles, settings, users, Conn, Db};
use crate::domain::role::Role;
use crate::domain::setting;
use crate::platform::audit::{Actor, Auditor};
use crate::platform::clock::Clock;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{RoleGrantId, UserId};
use serde_json::json;

/// A form's refusals: (field, message key), in the order found.
pub type Refusals = Vec<(&'static str, &'static str)>;

pub struct Administration<'a> {
    pub db: &'a Db,
    pub clock: &'a Clock,
    pub auditor: &'a Auditor,
}

impl<'a> Administration<'a> {
    pub fn of(state: &'a crate::platform::app::AppState) -> Administration<'a> {
        Administration {
            db: &state.db,
            clock: &state.clock,
            auditor: &state.auditor,
        }
    }

    async fn audit(
        &self,
        c: &mut Conn,
        by: UserId,
        action: &str,
        entity: (&str, String),
        summary: serde_json::Value,
    ) -> Result<(), sqlx::Error> {
        self.auditor
            .record(
                c,
                self.clock.now_ms(),
                Actor::User(by),
                action,
                entity,
                summary,
            )
            .await
    }

    /// Sends a failed mail again: back in the queue, due now, its attempts counted afresh (the
    /// worker delivers it where mail is delivered). False when it is not failed (already sent
    /// again, or never failed).
    pub async fn retry_mail(&self, by: UserId, id: i64) -> AppResult<bool> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        if !crate::db::mail::retry(&mut tx, id, now).await? {
            return Ok(false);
        }
        self.audit(
            &mut tx,
            by,
            "mail.retry_requested",
            ("mail", id.to_string()),
            json!({ "mail_id": id }),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Sets a failed mail aside, audited: the administrator has handled it another way (told
    /// the sender the address is wrong, say). False when it is not failed.
    pub async fn dismiss_mail(&self, by: UserId, id: i64) -> AppResult<bool> {
        let mut tx = self.db.begin_write().await?;
        if !crate::db::mail::dismiss(&mut tx, id).await? {
            return Ok(false);
        }
        self.audit(
            &mut tx,
            by,
            "mail.dismissed",
            ("mail", id.to_string()),
            json!({ "mail_id": id }),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Grants `role` to `user`. A scoped role must name a unit of the right kind (`unit`:
    /// `authority:1`, `department:2`, `agency:1`); the grant records the settings version in
    /// force. The grant's id, or the refusals.
    pub async fn grant_role(
        &self,
        by: UserId,
        user: UserId,
        role: Option<Role>,
        unit: Option<&str>,
    ) -> AppResult<Result<RoleGrantId, Refusals>> {
        let mut errors: Refusals = Vec::new();
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        users::by_id(&mut tx, user)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut new = None;
        match role {
            None => errors.push(("role", "err-role-choose")),
            Some(role) => {
                let kind = UnitKind::for_scope(role.scope());
                let chosen = unit.and_then(UnitKind::parse_ref);
                let unit = match (kind, chosen) {
                    (None, _) => None,
                    (Some(k), Some((ck, u)))
                        if ck == k && directory::exists(&mut tx, k, u).await? =>
                    {
                        Some(u)
                    }
                    (Some(_), _) => {
                        errors.push(("unit", "err-unit-choose"));
                        None
                    }
                };
                let snapshot = settings::snapshot(&mut tx, now).await?;
                let g = roles::NewGrant {
                    user,
                    role,
                    authority_id: unit.filter(|_| kind == Some(UnitKind::Authority)),
                    department_id: unit.filter(|_| kind == Some(UnitKind::Department)),
                    agency_id: unit.filter(|_| kind == Some(UnitKind::Agency)),
                    granted_by: Some(by),
                    settings_version: snapshot.version,
                    now,
                };
                if errors.is_empty() && roles::holds(&mut tx, &g).await? {
                    errors.push(("role", "err-role-held"));
                }
                new = Some(g);
            }
        }
        let Some(g) = new.filter(|_| errors.is_empty()) else {
            drop(tx);
            return Ok(Err(errors));
        };
        let grant_id = roles::grant_role(&mut tx, &g).await?;
        let summary = json!({
            "grant": grant_id, "role": g.role.code(), "authority": g.authority_id, "department": g.department_id,
            "agency": g.agency_id, "settings_version": g.settings_version,
        });
        self.audit(
            &mut tx,
            by,
            "role.granted",
            ("user", user.to_string()),
            summary,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(grant_id))
    }

    /// Revokes a grant and ends its holder's sessions at once (never one's own admin role).
    /// The holder.
    pub async fn revoke_grant(&self, by: UserId, id: RoleGrantId) -> AppResult<UserId> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let g = roles::by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        if g.user_id == by && g.role == Role::Admin {
            return Err(AppError::Conflict("err-revoke-own-admin"));
        }
        if roles::revoke(&mut tx, id, by, now).await? {
            users::bump_epoch(&mut tx, g.user_id).await?;
            let summary = json!({ "grant": id, "role": g.role.code() });
            self.audit(
                &mut tx,
                by,
                "role.revoked",
                ("user", g.user_id.to_string()),
                summary,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(g.user_id)
    }

    /// Records a setting's new value from `valid_from`, checked against the other settings in
    /// force then. `refused`: the form had errors already (nothing is written). A refusal
    /// carries the consistency problem's key, if there is one.
    pub async fn change_setting(
        &self,
        by: UserId,
        key: &str,
        value: Option<&str>,
        valid_from: Option<i64>,
        reason: &str,
        refused: bool,
    ) -> AppResult<Result<i64, Option<&'static str>>> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let mut problem = None;
        if let (Some(v), Some(from)) = (value, valid_from) {
            let mut in_force = settings::snapshot(&mut tx, from).await?.values;
            in_force.insert(key.to_string(), v.to_string());
            if let Err(p) = setting::check_consistency(&in_force) {
                problem = Some(p.message_key());
            }
        }
        let (Some(v), Some(from), false, None) = (value, valid_from, refused, problem) else {
            drop(tx);
            return Ok(Err(problem));
        };
        let version = settings::record(&mut tx, key, v, from, by.0, now, reason).await?;
        let summary = json!({ "value": v, "valid_from": from, "version": version });
        self.audit(
            &mut tx,
            by,
            "setting.changed",
            ("setting", key.to_string()),
            summary,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(version))
    }
}

//! The applicant's steps on a registration application: start it, save a section, name and
//! remove officers, submit (again, after a correction) and withdraw. Each one write transaction
//! with its audit entry; only the applicant's own application, only while it is editable.

use super::{check, Registry};
use crate::db::applications::{self as store, Application, NewAttachment, NewOfficer, Value};
use crate::db::directory::{self, Unit, UnitKind};
use crate::db::{users, Conn};
use crate::domain::application::{Status, Step};
use crate::domain::calendar::iso_date;
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{ApplicationId, AttachmentId, UserId};
use serde_json::json;

/// An officer as the applicant names them: the identity number only as its keyed hash (with
/// the key's id) and masked.
pub struct OfficerInput<'a> {
    pub role: &'a str,
    pub name: &'a str,
    pub id_hash: &'a str,
    pub key_id: &'a str,
    pub id_masked: &'a str,
    pub term_start: time::Date,
    pub term_end: time::Date,
}

fn editable(app: &Application) -> AppResult<()> {
    match Status::parse(&app.status) {
        Some(s) if s.editable() => Ok(()),
        _ => Err(AppError::Conflict("err-app-not-editable")),
    }
}

impl Registry<'_> {
    async fn audit_application(
        &self,
        c: &mut Conn,
        by: UserId,
        action: &str,
        id: ApplicationId,
        summary: serde_json::Value,
    ) -> Result<(), sqlx::Error> {
        self.auditor
            .record(
                c,
                self.clock.now_ms(),
                Actor::User(by),
                action,
                ("application", id.to_string()),
                summary,
            )
            .await
    }

    /// Starts a draft application to `authority`; an unknown authority is refused with the
    /// list to choose from.
    pub async fn start_application(
        &self,
        by: UserId,
        authority: Option<i64>,
    ) -> AppResult<Result<ApplicationId, Vec<Unit>>> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let authorities = directory::list(&mut tx, UnitKind::Authority).await?;
        let Some(authority) = authority.and_then(|a| authorities.iter().find(|x| x.id == a)) else {
            drop(tx);
            return Ok(Err(authorities));
        };
        let id = store::create(&mut tx, by, authority.id, now).await?;
        store::add_event(&mut tx, id, now, Some(by), "created", None).await?;
        self.audit_application(
            &mut tx,
            by,
            "application.created",
            id,
            json!({ "authority": authority.code }),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Saves a section's fields (checked by the form) and marks the section done.
    pub async fn save_section(
        &self,
        by: UserId,
        id: ApplicationId,
        section: &str,
        mut fields: Vec<(&'static str, Value)>,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let fresh = store::by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        editable(&fresh)?;
        let mut done = fresh.sections_done.clone();
        if !done.iter().any(|d| d == section) {
            done.push(section.to_string());
        }
        fields.push(("sections_done", Value::Text(done.join(","))));
        store::set(&mut tx, id, &fields, now).await?;
        self.audit_application(
            &mut tx,
            by,
            "application.section_saved",
            id,
            json!({ "section": section }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Names an officer (the person found by the identity number's hash, or recorded).
    pub async fn add_officer(
        &self,
        by: UserId,
        id: ApplicationId,
        o: &OfficerInput<'_>,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        editable(&store::by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?)?;
        let person = match users::person_by_id_hash(&mut tx, o.id_hash).await? {
            Some(p) => p,
            None => users::insert_person(&mut tx, o.name, Some((o.id_hash, o.key_id)), now).await?,
        };
        let officer = store::add_officer(
            &mut tx,
            NewOfficer {
                application: id,
                role: o.role,
                name: o.name,
                person,
                id_masked: o.id_masked,
                term_start: &iso_date(o.term_start),
                term_end: &iso_date(o.term_end),
                now,
            },
        )
        .await?;
        self.audit_application(
            &mut tx,
            by,
            "application.officer_added",
            id,
            json!({ "officer": officer, "role": o.role, "person": person }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn remove_officer(
        &self,
        by: UserId,
        id: ApplicationId,
        officer: i64,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        if !store::remove_officer(&mut tx, id, officer, now).await? {
            return Err(AppError::NotFound);
        }
        self.audit_application(
            &mut tx,
            by,
            "application.officer_removed",
            id,
            json!({ "officer": officer }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Submits the applicant's application (again, after a correction): the acceptance clock
    /// starts. A registration with problems is refused as it was read (nothing written).
    pub async fn submit_application(
        &self,
        by: UserId,
        id: ApplicationId,
    ) -> AppResult<Result<(), Application>> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let app = store::by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        if app.applicant_user_id != by {
            return Err(AppError::Forbidden);
        }
        editable(&app)?;
        // A change or deregistration returned for correction is submitted again as it stands
        // (with any documents added); only a registration is checked section by section.
        let (problems, similar) = if app.kind == "registration" {
            check(&mut tx, &app, now).await?
        } else {
            (Vec::new(), Vec::new())
        };
        if !problems.is_empty() {
            drop(tx);
            return Ok(Err(app));
        }
        let received = self.today();
        let again = app.status == Status::Correction.code();
        let accept_by = self.accept_clock(&mut tx, id, received).await?;
        let from = Status::parse(&app.status).unwrap_or(Status::Draft);
        let sent = app.correction_sent_at.is_some();
        if store::advance(&mut tx, id, from, Step::Submit, sent, now)
            .await?
            .is_none()
        {
            return Err(AppError::Conflict("err-app-not-editable"));
        }
        store::set(
            &mut tx,
            id,
            &[
                ("received_on", Value::Text(iso_date(received))),
                ("submitted_at", Value::OptInt(Some(now))),
                ("accept_by", accept_by),
                (
                    "similar_names",
                    Value::OptText(Some(json!(similar).to_string())),
                ),
            ],
            now,
        )
        .await?;
        let action = if again { "resubmitted" } else { "submitted" };
        store::add_event(&mut tx, id, now, Some(by), action, None).await?;
        let app = store::by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        self.audit(
            &mut tx,
            Actor::User(by),
            &format!("application.{action}"),
            &app,
            json!({ "received_on": app.received_on, "accept_by": app.accept_by, "similar": similar }),
        )
        .await?;
        self.notify(&mut tx, &app, "submitted").await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Withdraws the application (read as `app`) through its lifecycle.
    pub async fn withdraw_application(&self, by: UserId, app: &Application) -> AppResult<()> {
        let id = app.id;
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let moved = match Status::parse(&app.status) {
            Some(s) => {
                let sent = app.correction_sent_at.is_some();
                store::advance(&mut tx, id, s, Step::Withdraw, sent, now)
                    .await?
                    .is_some()
            }
            None => false,
        };
        if !moved {
            return Err(AppError::Conflict("err-app-not-editable"));
        }
        store::add_event(&mut tx, id, now, Some(by), "withdrawn", None).await?;
        self.audit_application(
            &mut tx,
            by,
            "application.withdrawn",
            id,
            json!({ "from": app.status }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Attaches a document (stored already) to the application.
    pub async fn add_attachment(&self, by: UserId, a: NewAttachment<'_>) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        let (id, kind, digest, content_type, size) = (
            a.application,
            a.kind,
            a.sha256,
            a.content_type,
            a.size_bytes,
        );
        let att = store::add_attachment(&mut tx, a).await?;
        self.audit_application(
            &mut tx,
            by,
            "application.attachment_added",
            id,
            json!({ "attachment": att, "kind": kind, "sha256": digest, "type": content_type, "size": size }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn remove_attachment(
        &self,
        by: UserId,
        id: ApplicationId,
        att: AttachmentId,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        if !store::remove_attachment(&mut tx, id, att, now).await? {
            return Err(AppError::NotFound);
        }
        self.audit_application(
            &mut tx,
            by,
            "application.attachment_removed",
            id,
            json!({ "attachment": att }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

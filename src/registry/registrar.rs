//! A registrar's action on an application (accept, send a correction notice, decline, refuse,
//! approve), as one write transaction: the lifecycle's check on the state read, the acceptance
//! lapse, the decision clock, the approval's organization and USCC, the event, the audit entry
//! and the applicant's mail.

use super::Registry;
use crate::db::applications::{self as store, Application, Value};
use crate::domain::application::{Action, Status, Step};
use crate::domain::calendar::parse_iso_date;
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{ApplicationId, UserId};
use serde_json::json;

impl Registry<'_> {
    /// Takes the registrar's action `act` on the application with the fields the form gave
    /// (`note`: what the event records), on `today` (the day the form was read). The event's
    /// name; or, when an approval finds no USCC serial left in the authority's block, the
    /// application as read (nothing written).
    pub async fn registrar_act(
        &self,
        by: UserId,
        id: ApplicationId,
        act: Action,
        mut fields: Vec<(&'static str, Value)>,
        note: Option<String>,
        today: time::Date,
    ) -> AppResult<Result<&'static str, Application>> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let app = store::by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let status = Status::parse(&app.status).unwrap_or(Status::Draft);
        if !act.allowed(status, app.correction_sent_at.is_some()) {
            return Err(AppError::Conflict("err-reg-action-state"));
        }
        // Past the 5 working days the application counts as accepted from the day it was
        // received (行政许可法 32(四)): no correction notice or refusal to accept any more.
        let received = app.received_on.as_deref().and_then(parse_iso_date);
        let lapsed = status == Status::Submitted
            && app
                .accept_by
                .as_deref()
                .and_then(parse_iso_date)
                .is_some_and(|d| today > d);
        if lapsed && matches!(act, Action::Correct | Action::Decline) {
            return Err(AppError::Conflict("err-reg-accept-lapsed"));
        }
        let (to, event) = match act {
            Action::Accept => (Status::Accepted, "accepted"),
            Action::Correct => (Status::Correction, "correction_sent"),
            Action::Decline => (Status::Declined, "declined"),
            Action::Refuse => (Status::Refused, "refused"),
            Action::Approve => (Status::Approved, "approved"),
        };
        // A flagged name is approved only with the registrar's reason, recorded on the
        // application and in its event (民政部令69; DOMAIN §2: similar names are flagged, not
        // refused).
        let reason = fields.iter().find_map(|(k, v)| match (k, v) {
            (&"name_accepted_reason", Value::OptText(Some(r))) if !r.trim().is_empty() => {
                Some(r.clone())
            }
            _ => None,
        });
        if act == Action::Approve {
            let (similar, national) = super::name_flags(&app);
            if (!similar.is_empty() || !national.is_empty()) && reason.is_none() {
                return Err(AppError::Conflict("err-reg-name-reason"));
            }
        }
        let mut summary = json!({ "from": app.status, "to": to.code() });
        if act == Action::Accept {
            let from = if lapsed {
                received.unwrap_or(today)
            } else {
                today
            };
            fields = self
                .decision_clock(&mut tx, app.id, from, app.charity)
                .await?;
            if lapsed {
                fields.push(("accepted_automatically", Value::Int(1)));
            }
        }
        if act == Action::Approve && app.kind != "registration" {
            if app.kind == "change" {
                self.apply_change(&mut tx, &app).await?;
            } else {
                self.deregister(&mut tx, &app).await?;
            }
            store::set(&mut tx, id, &fields, now).await?;
            summary = json!({ "from": app.status, "to": to.code(), "kind": app.kind,
                              "org": app.org_id, "name_accepted_reason": reason });
        } else if act == Action::Approve {
            let Some((org, uscc)) = self.approve(&mut tx, &app, by).await? else {
                drop(tx);
                return Ok(Err(app));
            };
            store::set(&mut tx, id, &fields, now).await?;
            summary = json!({ "from": app.status, "to": to.code(), "org": org,
                              "uscc": uscc.as_str(), "name_accepted_reason": reason });
        } else {
            let sent = app.correction_sent_at.is_some();
            if store::advance(&mut tx, id, status, Step::Registrar(act), sent, now)
                .await?
                .is_none()
            {
                return Err(AppError::Conflict("err-reg-action-state"));
            }
            store::set(&mut tx, id, &fields, now).await?;
        }
        store::add_event(&mut tx, id, now, Some(by), event, note.as_deref()).await?;
        let app = store::by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        if let Some(m) = summary.as_object_mut() {
            m.insert("note".into(), json!(note));
            m.insert("decision_due".into(), json!(app.decision_due));
            m.insert("settings_version".into(), json!(app.settings_version));
        }
        self.audit(
            &mut tx,
            Actor::User(by),
            &format!("application.{event}"),
            &app,
            summary,
        )
        .await?;
        self.notify(&mut tx, &app, event).await?;
        tx.commit().await?;
        Ok(Ok(event))
    }
}

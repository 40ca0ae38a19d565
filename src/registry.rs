//! The registry's state changes that both the web handlers and the jobs make: submission checks,
//! the statutory clocks, automatic acceptance, and approval (USCC, organization, announcement).
//! Each change runs in one write transaction with exactly one audit entry and its mail.

pub mod import;
pub mod listings;
pub mod supervision;

pub mod membership;

use crate::db::applications::{self as store, Application, Value};
use crate::db::orgs::{self, MemberKind, NewMembership, NewOrg};
use crate::db::{settings, users, Conn, Db};
use crate::domain::application::{self as rules, Status};
use crate::domain::calendar::{iso_date, parse_iso_date, shanghai_date, Period};
use crate::domain::lang::Lang;
use crate::domain::money::Money;
use crate::domain::org_name;
use crate::domain::registration::{self, Category, Facts, OrgType};
use crate::domain::uscc::Uscc;
use crate::platform::audit::{Actor, Auditor};
use crate::platform::calendars::Calendars;
use crate::platform::clock::Clock;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{ApplicationId, OrgId, UserId};
use crate::platform::mail::{Mailer, Recipient};
use serde_json::json;

mod applicant;
mod registrar;
pub use applicant::OfficerInput;

/// What the registry needs besides a connection.
pub struct Registry<'a> {
    pub db: &'a Db,
    pub clock: &'a Clock,
    pub auditor: &'a Auditor,
    pub mailer: &'a Mailer,
    pub calendars: &'a Calendars,
}

impl<'a> Registry<'a> {
    pub fn of(state: &'a crate::platform::app::AppState) -> Registry<'a> {
        Registry {
            db: &state.db,
            clock: &state.clock,
            auditor: &state.auditor,
            mailer: &state.mailer,
            calendars: &state.calendars,
        }
    }

    pub fn today(&self) -> time::Date {
        shanghai_date(self.clock.now())
    }

    pub async fn audit(
        &self,
        c: &mut Conn,
        actor: Actor,
        action: &str,
        app: &Application,
        summary: serde_json::Value,
    ) -> Result<(), sqlx::Error> {
        self.auditor
            .record(
                c,
                self.clock.now_ms(),
                actor,
                action,
                ("application", app.id.to_string()),
                summary,
            )
            .await
    }

    /// Mails the applicant that something happened to their application (`event`).
    pub async fn notify(&self, c: &mut Conn, app: &Application, event: &str) -> AppResult<()> {
        let Some(u) = users::by_id(c, app.applicant_user_id).await? else {
            return Ok(());
        };
        let lang = Lang::parse(&u.preferred_lang).unwrap_or_default();
        let data = json!({ "event": event, "name": app.name, "id": app.id, "status": app.status });
        self.mailer
            .queue(
                c,
                Recipient {
                    addr: &u.email,
                    user: Some(u.id),
                    lang,
                },
                "application",
                &data,
                self.clock.now_ms(),
            )
            .await
    }

    /// The decision clock's values for an acceptance on `accepted`, from the settings in force.
    /// The last day to accept an application received on `received` (5 working days), recorded
    /// in the register of due dates for `app`: the value of its `accept_by`.
    pub async fn accept_clock(
        &self,
        c: &mut Conn,
        app: ApplicationId,
        received: time::Date,
    ) -> Result<Value, sqlx::Error> {
        let cal = self.calendars.exact(c).await?;
        let period = Period::WorkingDays(rules::ACCEPT_WORKING_DAYS);
        let due = cal.due(received, period);
        crate::deadlines::record(
            c,
            crate::deadlines::DueClock::AcceptBy,
            app.0,
            received,
            period,
            &due,
            self.clock.now_ms(),
        )
        .await?;
        Ok(Value::Text(iso_date(due.on)))
    }

    /// The due date is recorded in the register of due dates (`deadlines`) for `app`.
    pub async fn decision_clock(
        &self,
        c: &mut Conn,
        app: ApplicationId,
        accepted: time::Date,
        charity: bool,
    ) -> Result<Vec<(&'static str, Value)>, sqlx::Error> {
        let s = settings::snapshot(c, self.clock.now_ms()).await?;
        let configured = s.int("registry.decision_days").unwrap_or(60);
        let days = rules::decision_days(u32::try_from(configured).unwrap_or(60), charity);
        let kind = s
            .get("registry.decision_day_kind")
            .unwrap_or("calendar")
            .to_string();
        let roll = s.flag("calendar.roll.registry_decision").unwrap_or(false);
        let period = rules::decision_period(days, kind == "working", roll);
        let cal = self.calendars.exact(c).await?;
        let counted = cal.due(accepted, period);
        let due = counted.on;
        crate::deadlines::record(
            c,
            crate::deadlines::DueClock::Decision,
            app.0,
            accepted,
            period,
            &counted,
            self.clock.now_ms(),
        )
        .await?;
        Ok(vec![
            ("accepted_on", Value::Text(iso_date(accepted))),
            ("decision_days", Value::Int(i64::from(days))),
            // A calendar-day period that rolls off a holiday depends on the calendar: its kind
            // says so, for the pages that mark provisional dates.
            (
                "decision_day_kind",
                Value::Text(if roll && kind == "calendar" {
                    "calendar_roll".into()
                } else {
                    kind
                }),
            ),
            ("decision_due", Value::Text(iso_date(due))),
            ("settings_version", Value::Int(s.version)),
        ])
    }

    /// Marks accepted, from the day each was received, every application whose 5 working days
    /// ended with neither acceptance nor a correction notice (行政许可法 32(四)). Idempotent:
    /// each is moved only while still `submitted`. Returns how many were accepted.
    pub async fn auto_accept(&self) -> AppResult<usize> {
        let today = iso_date(self.today());
        let due = {
            let mut c = self.db.acquire().await?;
            store::overdue_for_acceptance(&mut c, &today).await?
        };
        let mut n = 0;
        for app in due {
            let Some(received) = app.received_on.as_deref().and_then(parse_iso_date) else {
                continue;
            };
            let mut tx = self.db.begin_write().await?;
            let now = self.clock.now_ms();
            // The timer is an action of the lifecycle, like the registrar's.
            let step = crate::domain::application::Step::AcceptLapsed;
            let sent = app.correction_sent_at.is_some();
            if store::advance(&mut tx, app.id, Status::Submitted, step, sent, now)
                .await?
                .is_none()
            {
                continue;
            }
            let mut fields = self
                .decision_clock(&mut tx, app.id, received, app.charity)
                .await?;
            fields.push(("accepted_automatically", Value::Int(1)));
            store::set(&mut tx, app.id, &fields, now).await?;
            store::add_event(&mut tx, app.id, now, None, "accepted_automatically", None).await?;
            let app = store::by_id(&mut tx, app.id)
                .await?
                .ok_or(AppError::NotFound)?;
            self.audit(
                &mut tx,
                Actor::System,
                "application.accepted_automatically",
                &app,
                json!({ "received_on": app.received_on, "accept_by": app.accept_by,
                        "decision_due": app.decision_due }),
            )
            .await?;
            self.notify(&mut tx, &app, "accepted_automatically").await?;
            tx.commit().await?;
            n += 1;
        }
        Ok(n)
    }

    /// Approves an accepted application: issues the USCC from the authority's block, records
    /// the organization (the applicant becomes its admin), its public registration event and
    /// the decision. `None` when the authority has no serial left to issue.
    pub async fn approve(
        &self,
        c: &mut Conn,
        app: &Application,
        by: UserId,
    ) -> AppResult<Option<(OrgId, Uscc)>> {
        let Some(org_type) = OrgType::parse(&app.org_type) else {
            return Err(AppError::Unprocessable("err-app-type"));
        };
        // Another authority may have registered the same name since this one was submitted.
        if name_taken(c, &app.name, None, Some(app.id)).await? {
            return Err(AppError::Conflict("err-app-name-identical"));
        }
        let kind = org_type.civil_type();
        let division = app.division_code.clone();
        let issue = |serial: i64| {
            u32::try_from(serial)
                .ok()
                .and_then(|s| Uscc::issue(kind, &division, s).ok())
                .map(|u| u.subject_identifier().to_string())
        };
        let Some(serial) = store::take_serial(c, app.authority_id, issue).await? else {
            return Ok(None);
        };
        let uscc = u32::try_from(serial)
            .ok()
            .and_then(|s| Uscc::issue(kind, &division, s).ok())
            .ok_or_else(|| AppError::Internal(format!("serial {serial} gave no code")))?;
        let now = self.clock.now_ms();
        let today = iso_date(self.today());
        let representative = legal_representative(c, app).await?;
        let org = orgs::insert(
            c,
            NewOrg {
                name: &app.name,
                org_type: &app.org_type,
                category: &app.category,
                district_code: &app.district_code,
                status: "registered",
                uscc: Some(uscc.as_str()),
                uscc_checksum_ok: true,
                authority_id: Some(app.authority_id),
                registered_on: Some(&today),
                legal_representative: representative.as_deref(),
                domicile: Some(&app.domicile),
                charity: app.charity,
                now,
            },
        )
        .await?;
        orgs::set_particulars(c, org, &app.purpose, &app.business_scope, app.funds_fen).await?;
        // The supervising unit does the preliminary review of its annual reports (issue 22,
        // item 17).
        orgs::set_supervising_unit(c, org, app.supervising_unit.trim()).await?;
        store::record_issued(
            c,
            uscc.subject_identifier(),
            uscc.as_str(),
            Some(app.authority_id),
            org,
            now,
        )
        .await?;
        crate::domain::uscc::log_issued(uscc.as_str());
        if let Some(u) = users::by_id(c, app.applicant_user_id).await? {
            orgs::add(
                c,
                NewMembership {
                    org,
                    person: u.person_id,
                    user: Some(u.id),
                    kind: MemberKind::Admin,
                    joined_on: &today,
                    created_by: Some(by),
                    now,
                },
            )
            .await?;
        }
        store::add_org_event(
            c,
            store::NewOrgEvent {
                org,
                on_date: &today,
                kind: "registered",
                public: true,
                application: Some(app.id),
                detail: uscc.as_str(),
                now,
            },
        )
        .await?;
        approve_status(c, app, now).await?;
        store::set(
            c,
            app.id,
            &[
                ("org_id", Value::OptInt(Some(org.0))),
                ("decided_on", Value::Text(today)),
            ],
            now,
        )
        .await?;
        Ok(Some((org, uscc)))
    }
}

impl Registry<'_> {
    /// Applies an approved change registration to the organization: the name (re-indexed for
    /// the directory), domicile, legal representative, business scope and funds. Name,
    /// domicile and representative changes are announced (a public event).
    pub async fn apply_change(&self, c: &mut Conn, app: &Application) -> AppResult<()> {
        let org = app.org_id.ok_or(AppError::NotFound)?;
        let changes: serde_json::Map<String, serde_json::Value> = app
            .changes
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let now = self.clock.now_ms();
        let today = iso_date(self.today());
        // A change keeps the status, but only a registered organization may change.
        crate::db::orgs::advance(c, org, crate::domain::org_life::OrgAction::Change).await?;
        if let Some(name) = changes.get("name").and_then(|v| v.as_str()) {
            if name_taken(c, name, Some(org), Some(app.id)).await? {
                return Err(AppError::Conflict("err-app-name-identical"));
            }
            crate::db::search::reindex(c, org, Some(name), None).await?;
        }
        for col in orgs::CHANGEABLE {
            if let Some(v) = changes.get(col).and_then(|v| v.as_str()) {
                orgs::set_changed(c, org, col, v).await?;
            }
        }
        if let Some(f) = changes.get("funds_fen").and_then(serde_json::Value::as_i64) {
            orgs::set_funds(c, org, f).await?;
        }
        let announced = ["name", "domicile", "legal_representative"]
            .iter()
            .any(|k| changes.contains_key(*k));
        let fields: Vec<&str> = changes.keys().map(String::as_str).collect();
        store::add_org_event(
            c,
            store::NewOrgEvent {
                org,
                on_date: &today,
                kind: "changed",
                public: announced,
                application: Some(app.id),
                detail: &fields.join(","),
                now,
            },
        )
        .await?;
        self.close(c, app, &today, now).await
    }

    /// Deregisters the organization (注销): its status, the directory, a public event.
    pub async fn deregister(&self, c: &mut Conn, app: &Application) -> AppResult<()> {
        let org = app.org_id.ok_or(AppError::NotFound)?;
        let now = self.clock.now_ms();
        let today = iso_date(self.today());
        crate::db::orgs::advance(c, org, crate::domain::org_life::OrgAction::Deregister).await?;
        store::add_org_event(
            c,
            store::NewOrgEvent {
                org,
                on_date: &today,
                kind: "deregistered",
                public: true,
                application: Some(app.id),
                detail: "",
                now,
            },
        )
        .await?;
        self.close(c, app, &today, now).await
    }

    async fn close(&self, c: &mut Conn, app: &Application, today: &str, now: i64) -> AppResult<()> {
        approve_status(c, app, now).await?;
        store::set(
            c,
            app.id,
            &[("decided_on", Value::Text(today.to_string()))],
            now,
        )
        .await?;
        Ok(())
    }
}

async fn legal_representative(c: &mut Conn, app: &Application) -> AppResult<Option<String>> {
    Ok(store::officers(c, app.id)
        .await?
        .into_iter()
        .find(|o| o.role == "legal_representative")
        .map(|o| o.name))
}

/// Whether another organization (not deregistered) or a pending registration application of
/// any authority already has this name, after normalising width, spaces and punctuation.
pub async fn name_taken(
    c: &mut Conn,
    name: &str,
    except_org: Option<OrgId>,
    except_app: Option<crate::platform::ids::ApplicationId>,
) -> Result<bool, sqlx::Error> {
    let norm = org_name::normalize(name);
    let orgs = orgs::count_live_named(c, &norm, except_org.map_or(0, |o| o.0)).await?;
    if orgs > 0 {
        return Ok(true);
    }
    let pending = store::pending_registration_names(c, except_app.map_or(0, |a| a.0)).await?;
    Ok(pending.iter().any(|n| org_name::identical(n, name)))
}

/// What a registrar must answer with a recorded reason before approving the name an
/// application asks for (DOMAIN §2, 民政部令69): the names found similar at submission, and
/// 中国/全国/中华 inside the name rather than as its prefix. A change registration is read for
/// the new name it asks for.
pub fn name_flags(app: &Application) -> (Vec<String>, Vec<&'static str>) {
    let similar: Vec<String> = app
        .similar_names
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let name = if app.kind == "registration" {
        Some(app.name.clone())
    } else {
        app.changes
            .as_deref()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .and_then(|v| v["name"].as_str().map(String::from))
    };
    let national = name
        .map(|n| org_name::flags(&n).into_iter().map(|f| f.word()).collect())
        .unwrap_or_default();
    (similar, national)
}

/// One problem found at submission: the section it belongs to and its message key, with an
/// argument for the message where it needs one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub section: &'static str,
    pub key: &'static str,
    pub arg: Option<String>,
}

fn problem(section: &'static str, key: &'static str) -> Problem {
    Problem {
        section,
        key,
        arg: None,
    }
}

/// Everything of DOMAIN §2 that can be checked before submission, with the names flagged as
/// similar (for the registrar; not a refusal).
pub async fn check(
    c: &mut Conn,
    app: &Application,
    now: i64,
) -> AppResult<(Vec<Problem>, Vec<String>)> {
    let mut out = Vec::new();
    for s in rules::SECTIONS {
        if !app.sections_done.iter().any(|d| d == s) {
            out.push(problem(s, "err-app-section-incomplete"));
        }
    }
    let org_type = OrgType::parse(&app.org_type);
    let category = Category::parse(&app.category);
    if org_type.is_none() {
        out.push(problem("basics", "err-app-type"));
    }
    if category.is_none() {
        out.push(problem("basics", "err-app-category"));
    }
    let name = app.name.trim();
    if name.is_empty() {
        out.push(problem("basics", "err-app-name-missing"));
    } else {
        for p in org_name::check(name, org_type) {
            out.push(problem("basics", p.message_key()));
        }
    }
    let mut similar = Vec::new();
    if !name.is_empty() {
        let pending = store::pending_names(c, app.authority_id, app.id).await?;
        if name_taken(c, name, None, Some(app.id)).await? {
            out.push(problem("basics", "err-app-name-identical"));
        }
        let core = org_name::core(name);
        let candidates: Vec<String> = if core.chars().count() >= 2 {
            crate::db::search::names_containing(c, app.authority_id, &core, 200).await?
        } else {
            Vec::new()
        };
        for n in candidates.iter().chain(pending.iter()) {
            if !org_name::identical(n, name) && org_name::similar(name, n) && !similar.contains(n) {
                similar.push(n.clone());
            }
        }
    }
    if let Some(t) = org_type {
        let s = settings::snapshot(c, now).await?;
        let si_min = Money::yuan(
            s.int("registry.service_institution_min_funds_yuan")
                .unwrap_or(30_000),
        );
        let facts = Facts {
            org_type: t,
            individual_members: u32::try_from(app.individual_members).unwrap_or(0),
            unit_members: u32::try_from(app.unit_members).unwrap_or(0),
            funds: Money::from_fen(app.funds_fen.unwrap_or(0)),
            board_size: u32::try_from(app.board_size).unwrap_or(0),
            public_fundraising: app.public_fundraising,
            national: false,
        };
        for sf in registration::shortfalls(&facts, si_min) {
            out.push(Problem {
                section: "funds",
                key: sf.message_key(),
                arg: match sf {
                    registration::Shortfall::Funds(m) => Some(m.to_string()),
                    _ => None,
                },
            });
        }
    }
    let officers = store::officers(c, app.id).await?;
    let representative = officers.iter().find(|o| o.role == "legal_representative");
    match representative {
        None => out.push(problem("people", "err-app-no-representative")),
        // 社团条例: a social group's legal representative may not represent another one.
        Some(r) if org_type == Some(OrgType::SocialGroup) => {
            let elsewhere =
                store::representative_elsewhere(c, r.person_id.map_or(0, |p| p.0), app.id).await?;
            if elsewhere > 0 {
                out.push(problem("people", "err-app-representative-elsewhere"));
            }
        }
        Some(_) => {}
    }
    let attachments = store::attachments(c, app.id).await?;
    let has = |k: &str| attachments.iter().any(|a| a.kind == k);
    for k in ["articles", "capital", "domicile_proof", "representative_id"] {
        if !has(k) {
            out.push(Problem {
                section: "documents",
                key: "err-app-attachment-missing",
                arg: Some(k.to_string()),
            });
        }
    }
    if category.is_some_and(|c| !c.registers_directly()) {
        if app.supervising_unit.trim().is_empty() {
            out.push(problem("basics", "err-app-supervisor-missing"));
        }
        if !has("supervisor_approval") {
            out.push(Problem {
                section: "documents",
                key: "err-app-attachment-missing",
                arg: Some("supervisor_approval".into()),
            });
        }
    }
    Ok((out, similar))
}

/// The registrar's approval through the application's lifecycle, compare-and-set on the
/// status it was read in (a conflict if another registrar decided first).
async fn approve_status(c: &mut Conn, app: &Application, now: i64) -> AppResult<()> {
    let from = Status::parse(&app.status).unwrap_or(Status::Draft);
    let step =
        crate::domain::application::Step::Registrar(crate::domain::application::Action::Approve);
    store::advance(c, app.id, from, step, app.correction_sent_at.is_some(), now)
        .await?
        .ok_or(AppError::Conflict("err-reg-action-state"))?;
    Ok(())
}

//! Registration applications, their officers, attachments and trail; USCC blocks and issued
//! subject identifiers; an organization's public events.

use super::Conn;
use crate::platform::ids::{ApplicationId, AttachmentId, OrgId, PersonId, UserId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: ApplicationId,
    pub kind: String,
    pub status: String,
    pub applicant_user_id: UserId,
    pub org_id: Option<OrgId>,
    pub authority_id: i64,
    pub authority_zh: String,
    pub authority_en: String,
    pub division_code: String,
    pub name: String,
    pub org_type: String,
    pub category: String,
    pub charity: bool,
    pub public_fundraising: bool,
    pub district_code: String,
    pub domicile: String,
    pub purpose: String,
    pub business_scope: String,
    pub funds_fen: Option<i64>,
    pub individual_members: i64,
    pub unit_members: i64,
    pub board_size: i64,
    pub supervising_unit: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub sections_done: Vec<String>,
    pub received_on: Option<String>,
    pub submitted_at: Option<i64>,
    pub accept_by: Option<String>,
    pub correction_sent_at: Option<i64>,
    pub correction: Option<String>,
    pub accepted_on: Option<String>,
    pub accepted_automatically: bool,
    pub decision_days: Option<i64>,
    pub decision_day_kind: Option<String>,
    pub decision_due: Option<String>,
    pub decided_on: Option<String>,
    pub refusal_grounds: Option<String>,
    pub refusal_text: Option<String>,
    pub referral_authority_id: Option<i64>,
    pub decline_text: Option<String>,
    pub similar_names: Option<String>,
    pub changes: Option<String>,
    /// The registrar's reason for approving a flagged name (民政部令69; issue 22 item 18).
    pub name_accepted_reason: Option<String>,
    /// The day of the underlying change or of the end of liquidation (issue 22 item 17).
    pub event_on: Option<String>,
    /// Filed after the statutory period counted from `event_on`.
    pub filed_late: bool,
    pub settings_version: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT p.*, a.name_zh AS authority_zh, a.name_en AS authority_en, \
    a.division_code AS division_code FROM applications p JOIN authorities a ON a.id = p.authority_id";

fn flag(r: &AnyRow, col: &str) -> Result<bool, sqlx::Error> {
    Ok(r.try_get::<i64, _>(col)? != 0)
}

fn application(r: &AnyRow) -> Result<Application, sqlx::Error> {
    let done: String = r.try_get("sections_done")?;
    Ok(Application {
        id: ApplicationId(r.try_get("id")?),
        kind: r.try_get("kind")?,
        status: r.try_get("status")?,
        applicant_user_id: UserId(r.try_get("applicant_user_id")?),
        org_id: r.try_get::<Option<i64>, _>("org_id")?.map(OrgId),
        authority_id: r.try_get("authority_id")?,
        authority_zh: r.try_get("authority_zh")?,
        authority_en: r.try_get("authority_en")?,
        division_code: r.try_get("division_code")?,
        name: r.try_get("name")?,
        org_type: r.try_get("org_type")?,
        category: r.try_get("category")?,
        charity: flag(r, "charity")?,
        public_fundraising: flag(r, "public_fundraising")?,
        district_code: r.try_get("district_code")?,
        domicile: r.try_get("domicile")?,
        purpose: r.try_get("purpose")?,
        business_scope: r.try_get("business_scope")?,
        funds_fen: r.try_get("funds_fen")?,
        individual_members: r.try_get("individual_members")?,
        unit_members: r.try_get("unit_members")?,
        board_size: r.try_get("board_size")?,
        supervising_unit: r.try_get("supervising_unit")?,
        contact_name: r.try_get("contact_name")?,
        contact_phone: r.try_get("contact_phone")?,
        contact_email: r.try_get("contact_email")?,
        sections_done: done
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        received_on: r.try_get("received_on")?,
        submitted_at: r.try_get("submitted_at")?,
        accept_by: r.try_get("accept_by")?,
        correction_sent_at: r.try_get("correction_sent_at")?,
        correction: r.try_get("correction")?,
        accepted_on: r.try_get("accepted_on")?,
        accepted_automatically: flag(r, "accepted_automatically")?,
        decision_days: r.try_get("decision_days")?,
        decision_day_kind: r.try_get("decision_day_kind")?,
        decision_due: r.try_get("decision_due")?,
        decided_on: r.try_get("decided_on")?,
        refusal_grounds: r.try_get("refusal_grounds")?,
        refusal_text: r.try_get("refusal_text")?,
        referral_authority_id: r.try_get("referral_authority_id")?,
        decline_text: r.try_get("decline_text")?,
        similar_names: r.try_get("similar_names")?,
        changes: r.try_get("changes")?,
        name_accepted_reason: r.try_get("name_accepted_reason")?,
        event_on: r.try_get("event_on")?,
        filed_late: flag(r, "filed_late")?,
        settings_version: r.try_get("settings_version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn collect(rows: &[AnyRow]) -> Result<Vec<Application>, sqlx::Error> {
    rows.iter().map(application).collect()
}

pub async fn create(
    c: &mut Conn,
    applicant: UserId,
    authority: i64,
    now: i64,
) -> Result<ApplicationId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO applications (kind, status, applicant_user_id, authority_id, created_at, updated_at) \
         VALUES ('registration', 'draft', $1, $2, $3, $3) RETURNING id",
    )
    .bind(applicant.0)
    .bind(authority)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    Ok(ApplicationId(id))
}

pub async fn by_id(c: &mut Conn, id: ApplicationId) -> Result<Option<Application>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await?;
    row.as_ref().map(application).transpose()
}

pub async fn for_applicant(c: &mut Conn, user: UserId) -> Result<Vec<Application>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE p.applicant_user_id = $1 ORDER BY p.id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user.0)
        .fetch_all(&mut *c)
        .await?;
    collect(&rows)
}

/// The open cases of these authorities (a registrar's queue).
pub async fn queue(c: &mut Conn, authorities: &[i64]) -> Result<Vec<Application>, sqlx::Error> {
    if authorities.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = authorities.iter().map(i64::to_string).collect();
    let sql = format!(
        "{SELECT} WHERE p.authority_id IN ({}) AND p.status IN ('submitted', 'accepted', 'correction') \
         ORDER BY p.id",
        list.join(", ")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    collect(&rows)
}

/// Submitted applications whose 5 working days ended before `today` with no action.
pub async fn overdue_for_acceptance(
    c: &mut Conn,
    today: &str,
) -> Result<Vec<Application>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE p.status = 'submitted' AND p.accept_by < $1 ORDER BY p.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(today)
        .fetch_all(&mut *c)
        .await?;
    collect(&rows)
}

/// Names pending before the same authority (for the similar-name flag), other than `except`.
pub async fn pending_names(
    c: &mut Conn,
    authority: i64,
    except: ApplicationId,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT name FROM applications WHERE authority_id = $1 AND id <> $2 AND kind = 'registration' \
         AND status IN ('submitted', 'correction', 'accepted')",
    )
    .bind(authority)
    .bind(except.0)
    .fetch_all(&mut *c)
    .await
}

/// Names of pending registration applications of any authority, other than `except`.
pub async fn pending_registration_names(
    c: &mut Conn,
    except: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT name FROM applications WHERE kind = 'registration' AND id <> $1 \
         AND status IN ('submitted', 'correction', 'accepted')",
    )
    .bind(except)
    .fetch_all(&mut *c)
    .await
}

/// How many approved registrations of registered social groups, other than `except`, have
/// this person as their current legal representative.
pub async fn representative_elsewhere(
    c: &mut Conn,
    person: i64,
    except: ApplicationId,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM application_officers f JOIN applications a ON a.id = f.application_id \
         JOIN organizations o ON o.id = a.org_id WHERE f.person_id = $1 AND f.role = 'legal_representative' \
         AND f.removed_at IS NULL AND a.kind = 'registration' AND a.status = 'approved' \
         AND a.org_type = 'social_group' AND o.status = 'registered' AND a.id <> $2",
    )
    .bind(person)
    .bind(except.0)
    .fetch_one(&mut *c)
    .await
}

/// A value to set on an application.
pub enum Value {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
}

/// Sets columns of an application (column names come from code, never from input).
pub async fn set(
    c: &mut Conn,
    id: ApplicationId,
    fields: &[(&'static str, Value)],
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut sets: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(i, (col, _))| format!("{col} = ${}", i + 1))
        .collect();
    sets.push(format!("updated_at = ${}", fields.len() + 1));
    let sql = format!(
        "UPDATE applications SET {} WHERE id = ${}",
        sets.join(", "),
        fields.len() + 2
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (_, v) in fields {
        q = match v {
            Value::Text(s) => q.bind(s.clone()),
            Value::OptText(s) => q.bind(s.clone()),
            Value::Int(n) => q.bind(*n),
            Value::OptInt(n) => q.bind(*n),
        };
    }
    q.bind(now).bind(id.0).execute(&mut *c).await?;
    Ok(())
}

/// Moves an application by `step` from the status `from` it was read in: the lifecycle's
/// transition, written with a compare-and-set on `from`. `None` when the step is refused or
/// the status changed meanwhile (another registrar or the job acted first): nothing is written.
pub async fn advance(
    c: &mut Conn,
    id: ApplicationId,
    from: crate::domain::application::Status,
    step: crate::domain::application::Step,
    correction_sent: bool,
    now: i64,
) -> Result<Option<crate::domain::application::Status>, sqlx::Error> {
    let Ok(to) = crate::domain::application::transition(from, step, correction_sent) else {
        return Ok(None);
    };
    let done = sqlx::query(
        "UPDATE applications SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to.code())
    .bind(now)
    .bind(id.0)
    .bind(from.code())
    .execute(&mut *c)
    .await?;
    Ok((done.rows_affected() == 1).then_some(to))
}

/// Withdraws every application of `org` still waiting (a change or deregistration of an
/// organization whose registration is revoked ends with it), each through the lifecycle.
pub async fn withdraw_open_of_org(
    c: &mut Conn,
    org: crate::platform::ids::OrgId,
    now: i64,
) -> Result<(), sqlx::Error> {
    use crate::domain::application::{Status, Step};
    let open: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT id, status, correction_sent_at FROM applications WHERE org_id = $1 \
         AND status IN ('submitted', 'accepted', 'correction') ORDER BY id",
    )
    .bind(org.0)
    .fetch_all(&mut *c)
    .await?;
    for (id, status, sent) in open {
        if let Some(from) = Status::parse(&status) {
            advance(
                c,
                ApplicationId(id),
                from,
                Step::Withdraw,
                sent.is_some(),
                now,
            )
            .await?;
        }
    }
    Ok(())
}

/// How many applications of `kind` for the organization are still waiting.
pub async fn open_of_org(
    c: &mut Conn,
    org: crate::platform::ids::OrgId,
    kind: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM applications WHERE org_id = $1 AND kind = $2 \
         AND status IN ('submitted', 'accepted', 'correction')",
    )
    .bind(org.0)
    .bind(kind)
    .fetch_one(&mut *c)
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct Officer {
    pub id: i64,
    pub role: String,
    pub name: String,
    pub person_id: Option<PersonId>,
    pub id_masked: String,
    pub term_start: String,
    pub term_end: String,
}

pub struct NewOfficer<'a> {
    pub application: ApplicationId,
    pub role: &'a str,
    pub name: &'a str,
    pub person: PersonId,
    pub id_masked: &'a str,
    pub term_start: &'a str,
    pub term_end: &'a str,
    pub now: i64,
}

pub async fn add_officer(c: &mut Conn, o: NewOfficer<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO application_officers (application_id, role, name, person_id, id_masked, term_start, \
         term_end, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(o.application.0)
    .bind(o.role)
    .bind(o.name)
    .bind(o.person.0)
    .bind(o.id_masked)
    .bind(o.term_start)
    .bind(o.term_end)
    .bind(o.now)
    .fetch_one(&mut *c)
    .await
}

pub async fn officers(c: &mut Conn, app: ApplicationId) -> Result<Vec<Officer>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, role, name, person_id, id_masked, term_start, term_end FROM application_officers \
         WHERE application_id = $1 AND removed_at IS NULL ORDER BY id",
    )
    .bind(app.0)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Officer {
                id: r.try_get("id")?,
                role: r.try_get("role")?,
                name: r.try_get("name")?,
                person_id: r.try_get::<Option<i64>, _>("person_id")?.map(PersonId),
                id_masked: r.try_get("id_masked")?,
                term_start: r.try_get("term_start")?,
                term_end: r.try_get("term_end")?,
            })
        })
        .collect()
}

/// Removes an officer from a draft; false if there was no such officer on this application.
pub async fn remove_officer(
    c: &mut Conn,
    app: ApplicationId,
    officer: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE application_officers SET removed_at = $1 WHERE id = $2 AND application_id = $3 \
         AND removed_at IS NULL",
    )
    .bind(now)
    .bind(officer)
    .bind(app.0)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub application_id: ApplicationId,
    pub kind: String,
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub original_name: String,
    pub uploaded_at: i64,
}

pub struct NewAttachment<'a> {
    pub application: ApplicationId,
    pub kind: &'a str,
    pub sha256: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub original_name: &'a str,
    pub by: UserId,
    pub now: i64,
}

pub async fn add_attachment(
    c: &mut Conn,
    a: NewAttachment<'_>,
) -> Result<AttachmentId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO attachments (application_id, kind, sha256, content_type, size_bytes, original_name, \
         uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(a.application.0)
    .bind(a.kind)
    .bind(a.sha256)
    .bind(a.content_type)
    .bind(a.size_bytes)
    .bind(a.original_name)
    .bind(a.by.0)
    .bind(a.now)
    .fetch_one(&mut *c)
    .await?;
    Ok(AttachmentId(id))
}

const ATTACHMENT: &str =
    "SELECT id, application_id, kind, sha256, content_type, size_bytes, original_name, \
    uploaded_at FROM attachments";

fn attachment(r: &AnyRow) -> Result<Attachment, sqlx::Error> {
    Ok(Attachment {
        id: AttachmentId(r.try_get("id")?),
        application_id: ApplicationId(r.try_get("application_id")?),
        kind: r.try_get("kind")?,
        sha256: r.try_get("sha256")?,
        content_type: r.try_get("content_type")?,
        size_bytes: r.try_get("size_bytes")?,
        original_name: r.try_get("original_name")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

pub async fn attachments(c: &mut Conn, app: ApplicationId) -> Result<Vec<Attachment>, sqlx::Error> {
    let sql = format!("{ATTACHMENT} WHERE application_id = $1 AND removed_at IS NULL ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(app.0)
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(attachment).collect()
}

pub async fn attachment_by_id(
    c: &mut Conn,
    id: AttachmentId,
) -> Result<Option<Attachment>, sqlx::Error> {
    let sql = format!("{ATTACHMENT} WHERE id = $1 AND removed_at IS NULL");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await?;
    row.as_ref().map(attachment).transpose()
}

pub async fn remove_attachment(
    c: &mut Conn,
    app: ApplicationId,
    id: AttachmentId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE attachments SET removed_at = $1 WHERE id = $2 AND application_id = $3 AND removed_at IS NULL",
    )
    .bind(now)
    .bind(id.0)
    .bind(app.0)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub note: Option<String>,
}

pub async fn add_event(
    c: &mut Conn,
    app: ApplicationId,
    at: i64,
    actor: Option<UserId>,
    action: &str,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO application_events (application_id, at, actor_user_id, action, note) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(app.0)
    .bind(at)
    .bind(actor.map(|u| u.0))
    .bind(action)
    .bind(note)
    .execute(&mut *c)
    .await?;
    Ok(())
}

pub async fn events(c: &mut Conn, app: ApplicationId) -> Result<Vec<Event>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT e.at, u.display_name AS actor, e.action, e.note FROM application_events e \
         LEFT JOIN users u ON u.id = e.actor_user_id WHERE e.application_id = $1 ORDER BY e.id",
    )
    .bind(app.0)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

pub use super::org_events::*;
pub use super::uscc_blocks::*;

/// The organization's approved change registrations not revoked (id, decision day), newest
/// first.
pub async fn approved_changes(c: &mut Conn, org: OrgId) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.id, COALESCE(p.decided_on, '') FROM applications p WHERE p.org_id = $1 \
         AND p.kind = 'change' AND p.status = 'approved' AND NOT EXISTS (SELECT 1 FROM credit_listings l \
         WHERE l.org_id = p.org_id AND l.reason = 'change_revoked' \
         AND l.detail = 'application:' || CAST(p.id AS TEXT)) ORDER BY p.id DESC",
    )
    .bind(org.0)
    .fetch_all(&mut *c)
    .await
}

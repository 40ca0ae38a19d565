//! The public events of an organization's life (registration, changes, listings, penalties):
//! its profile's history and the announcements page.

use super::Conn;
use crate::platform::ids::{ApplicationId, OrgId};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct OrgEvent {
    pub on_date: String,
    pub kind: String,
    pub detail: String,
    pub application_id: Option<i64>,
}

pub struct NewOrgEvent<'a> {
    pub org: OrgId,
    pub on_date: &'a str,
    pub kind: &'a str,
    pub public: bool,
    pub application: Option<ApplicationId>,
    pub detail: &'a str,
    pub now: i64,
}

pub async fn add_org_event(c: &mut Conn, e: NewOrgEvent<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO org_events (org_id, on_date, kind, public, application_id, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.org.0)
    .bind(e.on_date)
    .bind(e.kind)
    .bind(i64::from(e.public))
    .bind(e.application.map(|a| a.0))
    .bind(e.detail)
    .bind(e.now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

pub async fn public_events(c: &mut Conn, org: OrgId) -> Result<Vec<OrgEvent>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT on_date, kind, detail, application_id FROM org_events WHERE org_id = $1 AND public = 1 \
         ORDER BY on_date DESC, id DESC",
    )
    .bind(org.0)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OrgEvent {
                on_date: r.try_get("on_date")?,
                kind: r.try_get("kind")?,
                detail: r.try_get("detail")?,
                application_id: r.try_get("application_id")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Announcement {
    pub org_id: OrgId,
    pub name: String,
    pub org_type: String,
    pub on_date: String,
    pub kind: String,
    pub detail: String,
}

/// Public events of every organization, newest first (the registration announcements).
pub async fn announcements(c: &mut Conn, limit: i64) -> Result<Vec<Announcement>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT e.org_id, o.name, o.org_type, e.on_date, e.kind, e.detail FROM org_events e \
         JOIN organizations o ON o.id = e.org_id WHERE e.public = 1 ORDER BY e.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Announcement {
                org_id: OrgId(r.try_get("org_id")?),
                name: r.try_get("name")?,
                org_type: r.try_get("org_type")?,
                on_date: r.try_get("on_date")?,
                kind: r.try_get("kind")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}

//! Organizations and their dated memberships. A membership is never edited into another kind:
//! handing over the admin role ends one row and opens another, so history is kept.

use super::Conn;
use crate::platform::ids::{InvitationId, MembershipId, OrgId, PersonId, UserId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub org_type: String,
    pub district_code: String,
    pub status: String,
    pub uscc: Option<String>,
}

/// A registered organization's facts, as recorded.
pub struct NewOrg<'a> {
    pub name: &'a str,
    pub org_type: &'a str,
    pub category: &'a str,
    pub district_code: &'a str,
    pub status: &'a str,
    pub uscc: Option<&'a str>,
    pub uscc_checksum_ok: bool,
    pub authority_id: Option<i64>,
    pub registered_on: Option<&'a str>,
    pub legal_representative: Option<&'a str>,
    pub domicile: Option<&'a str>,
    pub charity: bool,
    pub now: i64,
}

/// Records an organization and indexes its name for the directory.
pub async fn insert(c: &mut Conn, o: NewOrg<'_>) -> Result<OrgId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO organizations (name, org_type, category, district_code, status, uscc, uscc_checksum_ok, \
         authority_id, registered_on, legal_representative, domicile, charity, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(o.name)
    .bind(o.org_type)
    .bind(o.category)
    .bind(o.district_code)
    .bind(o.status)
    .bind(o.uscc)
    .bind(i64::from(o.uscc_checksum_ok))
    .bind(o.authority_id)
    .bind(o.registered_on)
    .bind(o.legal_representative)
    .bind(o.domicile)
    .bind(i64::from(o.charity))
    .bind(o.now)
    .fetch_one(&mut *c)
    .await?;
    let id = OrgId(id);
    let facets = super::search::FacetKey {
        district_code: o.district_code.to_string(),
        org_type: o.org_type.to_string(),
        status: o.status.to_string(),
        category: o.category.to_string(),
    };
    super::search::index_name(c, id, o.name, &facets).await?;
    Ok(id)
}

pub async fn by_id(c: &mut Conn, id: OrgId) -> Result<Option<Org>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, name, org_type, district_code, status, uscc FROM organizations WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await?;
    row.map(|r| {
        Ok(Org {
            id: OrgId(r.try_get("id")?),
            name: r.try_get("name")?,
            org_type: r.try_get("org_type")?,
            district_code: r.try_get("district_code")?,
            status: r.try_get("status")?,
            uscc: r.try_get("uscc")?,
        })
    })
    .transpose()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    Member,
    Admin,
}

impl MemberKind {
    pub fn code(self) -> &'static str {
        match self {
            MemberKind::Member => "member",
            MemberKind::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Membership {
    pub id: MembershipId,
    pub org_id: OrgId,
    pub org_name: String,
    pub person_id: PersonId,
    pub user_id: Option<UserId>,
    pub display_name: String,
    pub email: Option<String>,
    pub kind: MemberKind,
    pub joined_on: String,
    pub left_on: Option<String>,
}

const MEMBERSHIP_SELECT: &str = "SELECT m.id, m.org_id, o.name AS org_name, m.person_id, m.user_id, \
    p.name AS display_name, u.email, m.kind, m.joined_on, m.left_on \
    FROM memberships m JOIN organizations o ON o.id = m.org_id JOIN persons p ON p.id = m.person_id \
    LEFT JOIN users u ON u.id = m.user_id";

fn membership(r: &AnyRow) -> Result<Membership, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    Ok(Membership {
        id: MembershipId(r.try_get("id")?),
        org_id: OrgId(r.try_get("org_id")?),
        org_name: r.try_get("org_name")?,
        person_id: PersonId(r.try_get("person_id")?),
        user_id: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
        display_name: r.try_get("display_name")?,
        email: r.try_get("email")?,
        kind: if kind == "admin" {
            MemberKind::Admin
        } else {
            MemberKind::Member
        },
        joined_on: r.try_get("joined_on")?,
        left_on: r.try_get("left_on")?,
    })
}

/// Memberships of a user that have not ended.
pub async fn active_for_user(c: &mut Conn, user: UserId) -> Result<Vec<Membership>, sqlx::Error> {
    let sql =
        format!("{MEMBERSHIP_SELECT} WHERE m.user_id = $1 AND m.left_on IS NULL ORDER BY m.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user.0)
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(membership).collect()
}

/// Every membership of an organization, ended ones included (the history).
pub async fn for_org(c: &mut Conn, org: OrgId) -> Result<Vec<Membership>, sqlx::Error> {
    let sql =
        format!("{MEMBERSHIP_SELECT} WHERE m.org_id = $1 ORDER BY m.left_on IS NOT NULL, m.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.0)
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(membership).collect()
}

pub async fn membership_by_id(
    c: &mut Conn,
    id: MembershipId,
) -> Result<Option<Membership>, sqlx::Error> {
    let sql = format!("{MEMBERSHIP_SELECT} WHERE m.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await?;
    row.as_ref().map(membership).transpose()
}

pub struct NewMembership<'a> {
    pub org: OrgId,
    pub person: PersonId,
    pub user: Option<UserId>,
    pub kind: MemberKind,
    pub joined_on: &'a str,
    pub created_by: Option<UserId>,
    pub now: i64,
}

pub async fn add(c: &mut Conn, m: NewMembership<'_>) -> Result<MembershipId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO memberships (org_id, person_id, user_id, kind, joined_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(m.org.0)
    .bind(m.person.0)
    .bind(m.user.map(|u| u.0))
    .bind(m.kind.code())
    .bind(m.joined_on)
    .bind(m.created_by.map(|u| u.0))
    .bind(m.now)
    .fetch_one(&mut *c)
    .await?;
    Ok(MembershipId(id))
}

/// Ends a membership on `left_on`. Returns false when it had already ended.
pub async fn end(
    c: &mut Conn,
    id: MembershipId,
    left_on: &str,
    by: UserId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE memberships SET left_on = $1, ended_by = $2 WHERE id = $3 AND left_on IS NULL",
    )
    .bind(left_on)
    .bind(by.0)
    .bind(id.0)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub org_id: OrgId,
    pub email: String,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
}

fn invitation(r: &AnyRow) -> Result<Invitation, sqlx::Error> {
    Ok(Invitation {
        id: InvitationId(r.try_get("id")?),
        org_id: OrgId(r.try_get("org_id")?),
        email: r.try_get("email")?,
        expires_at: r.try_get("expires_at")?,
        accepted_at: r.try_get("accepted_at")?,
    })
}

pub async fn invite(
    c: &mut Conn,
    org: OrgId,
    email: &str,
    token_hash: &str,
    by: UserId,
    now: i64,
    expires_at: i64,
) -> Result<InvitationId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO invitations (org_id, email, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org.0)
    .bind(email)
    .bind(token_hash)
    .bind(by.0)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *c)
    .await?;
    Ok(InvitationId(id))
}

pub async fn invitation_by_token(
    c: &mut Conn,
    token_hash: &str,
) -> Result<Option<Invitation>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, org_id, email, expires_at, accepted_at FROM invitations WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(invitation).transpose()
}

pub async fn pending_invitations(
    c: &mut Conn,
    org: OrgId,
    now: i64,
) -> Result<Vec<Invitation>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, org_id, email, expires_at, accepted_at FROM invitations \
         WHERE org_id = $1 AND accepted_at IS NULL AND expires_at > $2 ORDER BY id",
    )
    .bind(org.0)
    .bind(now)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(invitation).collect()
}

/// Marks an invitation accepted. Returns false if it was accepted already (a double submit).
pub async fn accept_invitation(
    c: &mut Conn,
    id: InvitationId,
    by: UserId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE invitations SET accepted_at = $1, accepted_by = $2 WHERE id = $3 AND accepted_at IS NULL")
        .bind(now)
        .bind(by.0)
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the organization is on a credit list now (`abnormal` or `serious`).
pub async fn on_list(c: &mut Conn, org: i64, list: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM credit_listings WHERE org_id = $1 AND list = $2 AND removed_on IS NULL",
    )
    .bind(org)
    .bind(list)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

/// The organization's status, if it exists (an unknown code in the row is a decode error).
pub async fn status(
    c: &mut Conn,
    org: OrgId,
) -> Result<Option<crate::domain::org_life::OrgStatus>, sqlx::Error> {
    let code: Option<String> = sqlx::query_scalar("SELECT status FROM organizations WHERE id = $1")
        .bind(org.0)
        .fetch_optional(&mut *c)
        .await?;
    code.map(|s| {
        crate::domain::org_life::OrgStatus::parse(&s).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "status".into(),
            source: format!("unknown organization status {s:?}").into(),
        })
    })
    .transpose()
}

/// Moves the organization by `action`: the lifecycle's transition from the status it has now,
/// confirmed with a compare-and-set on that status (which also takes the row for the rest of
/// the transaction), then written with the directory's index (`search::reindex`, the writer of
/// the column). A refused action, or a status changed meanwhile, is a conflict and writes
/// nothing.
pub async fn advance(
    c: &mut Conn,
    org: OrgId,
    action: crate::domain::org_life::OrgAction,
) -> Result<crate::domain::org_life::OrgStatus, crate::platform::error::AppError> {
    use crate::platform::error::AppError;
    let from = status(c, org).await?.ok_or(AppError::NotFound)?;
    let to = crate::domain::org_life::transition(from, action)
        .map_err(|r| AppError::Conflict(r.message_key()))?;
    let held =
        sqlx::query("UPDATE organizations SET status = status WHERE id = $1 AND status = $2")
            .bind(org.0)
            .bind(from.code())
            .execute(&mut *c)
            .await?
            .rows_affected();
    if held != 1 {
        return Err(AppError::Conflict("err-reg-action-state"));
    }
    if to != from {
        crate::db::search::reindex(c, org, None, Some(to.code())).await?;
    }
    Ok(to)
}

/// The organization's registering authority: `None` when there is no such organization,
/// `Some(None)` for one imported without an authority.
pub async fn authority_of(c: &mut Conn, org: OrgId) -> Result<Option<Option<i64>>, sqlx::Error> {
    sqlx::query_scalar("SELECT authority_id FROM organizations WHERE id = $1")
        .bind(org.0)
        .fetch_optional(&mut *c)
        .await
}

/// The city-level registering authority (the lowest id if there were several).
pub async fn city_authority(c: &mut Conn) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MIN(id) FROM authorities WHERE level = 'city'")
        .fetch_one(&mut *c)
        .await
}

/// The organization's registration date: `None` when there is no such organization.
pub async fn registered_on(
    c: &mut Conn,
    org: OrgId,
) -> Result<Option<Option<String>>, sqlx::Error> {
    sqlx::query_scalar("SELECT registered_on FROM organizations WHERE id = $1")
        .bind(org.0)
        .fetch_optional(&mut *c)
        .await
}

/// The organization's type, if it exists.
pub async fn org_type(c: &mut Conn, org: OrgId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT org_type FROM organizations WHERE id = $1")
        .bind(org.0)
        .fetch_optional(&mut *c)
        .await
}

/// The registered facts a change or deregistration application starts from, with the
/// authority that handles it (the city's for an organization imported without one).
pub struct Registered {
    pub name: String,
    pub org_type: String,
    pub category: String,
    pub district_code: String,
    pub charity: i64,
    pub status: String,
    pub authority: i64,
}

pub async fn registered(c: &mut Conn, org: OrgId) -> Result<Registered, sqlx::Error> {
    let row = sqlx::query(
        "SELECT o.name, o.org_type, o.category, o.district_code, o.charity, o.status, COALESCE(o.authority_id, \
         (SELECT MIN(id) FROM authorities WHERE level = 'city')) AS authority FROM organizations o WHERE o.id = $1",
    )
    .bind(org.0)
    .fetch_one(&mut *c)
    .await?;
    Ok(Registered {
        name: row.try_get("name")?,
        org_type: row.try_get("org_type")?,
        category: row.try_get("category")?,
        district_code: row.try_get("district_code")?,
        charity: row.try_get("charity")?,
        status: row.try_get("status")?,
        authority: row.try_get("authority")?,
    })
}

/// The organization's name, registering authority and type, if it exists.
pub async fn name_authority_type(
    c: &mut Conn,
    org: OrgId,
) -> Result<Option<(String, Option<i64>, String)>, sqlx::Error> {
    sqlx::query_as("SELECT name, authority_id, org_type FROM organizations WHERE id = $1")
        .bind(org.0)
        .fetch_optional(&mut *c)
        .await
}

/// A registered organization's public facts (no ID numbers, personal phones or scans); not a
/// supplier.
pub struct PublicFacts {
    pub name: String,
    pub org_type: String,
    pub category: String,
    pub district_code: String,
    pub status: String,
    pub uscc: Option<String>,
    pub uscc_checksum_ok: i64,
    pub authority_id: Option<i64>,
    pub registered_on: Option<String>,
    pub legal_representative: Option<String>,
    pub domicile: Option<String>,
    pub charity: i64,
    pub purpose: Option<String>,
    pub business_scope: Option<String>,
    pub funds_fen: Option<i64>,
}

pub async fn public_facts(c: &mut Conn, id: OrgId) -> Result<Option<PublicFacts>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT id, name, org_type, category, district_code, status, uscc, uscc_checksum_ok, authority_id, \
         registered_on, legal_representative, domicile, charity, purpose, business_scope, funds_fen \
         FROM organizations WHERE id = $1 AND status <> 'supplier'",
    )
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(PublicFacts {
        name: row.try_get("name")?,
        org_type: row.try_get("org_type")?,
        category: row.try_get("category")?,
        district_code: row.try_get("district_code")?,
        status: row.try_get("status")?,
        uscc: row.try_get("uscc")?,
        uscc_checksum_ok: row.try_get("uscc_checksum_ok")?,
        authority_id: row.try_get("authority_id")?,
        registered_on: row.try_get("registered_on")?,
        legal_representative: row.try_get("legal_representative")?,
        domicile: row.try_get("domicile")?,
        charity: row.try_get("charity")?,
        purpose: row.try_get("purpose")?,
        business_scope: row.try_get("business_scope")?,
        funds_fen: row.try_get("funds_fen")?,
    }))
}

/// The particulars a registration's approval writes on the new organization.
pub async fn set_particulars(
    c: &mut Conn,
    org: OrgId,
    purpose: &str,
    business_scope: &str,
    funds_fen: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE organizations SET purpose = $1, business_scope = $2, funds_fen = $3 WHERE id = $4",
    )
    .bind(purpose)
    .bind(business_scope)
    .bind(funds_fen)
    .bind(org.0)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Records the organization's supervising unit (业务主管单位; empty when registered directly).
pub async fn set_supervising_unit(c: &mut Conn, org: OrgId, unit: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE organizations SET supervising_unit = $1 WHERE id = $2")
        .bind(unit)
        .bind(org.0)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The organization's supervising unit, charity flag and grades in force on `on`.
pub async fn inspection_facts(
    c: &mut Conn,
    org: OrgId,
    on: &str,
) -> Result<Option<(String, bool, Vec<String>)>, sqlx::Error> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT supervising_unit, charity FROM organizations WHERE id = $1")
            .bind(org.0)
            .fetch_optional(&mut *c)
            .await?;
    let Some((unit, charity)) = row else {
        return Ok(None);
    };
    let grades = crate::db::bidders::grades_on(c, org.0, on).await?;
    Ok(Some((unit, charity != 0, grades)))
}

/// The text columns a change registration may set (besides the name, which the directory's
/// index writes, and the funds).
pub const CHANGEABLE: [&str; 3] = ["domicile", "legal_representative", "business_scope"];

/// Sets one of the `CHANGEABLE` columns; any other column is refused.
pub async fn set_changed(
    c: &mut Conn,
    org: OrgId,
    col: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    if !CHANGEABLE.contains(&col) {
        return Err(sqlx::Error::ColumnNotFound(col.to_string()));
    }
    let sql = format!("UPDATE organizations SET {col} = $1 WHERE id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(value)
        .bind(org.0)
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub async fn set_funds(c: &mut Conn, org: OrgId, funds_fen: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE organizations SET funds_fen = $1 WHERE id = $2")
        .bind(funds_fen)
        .bind(org.0)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// How many organizations (not deregistered) other than `except` have this normalised name.
pub async fn count_live_named(
    c: &mut Conn,
    name_norm: &str,
    except: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM organizations WHERE name_norm = $1 AND status <> 'deregistered' AND id <> $2",
    )
    .bind(name_norm)
    .bind(except)
    .fetch_one(&mut *c)
    .await
}

/// The organization carrying this USCC, if any.
pub async fn id_by_uscc(c: &mut Conn, uscc: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM organizations WHERE uscc = $1")
        .bind(uscc)
        .fetch_optional(&mut *c)
        .await
}

/// An administrator of an organization with an account, to be mailed.
pub struct AdminRecipient {
    pub user_id: i64,
    pub email: String,
    pub preferred_lang: String,
    pub org_name: String,
}

/// The organization's current administrators with an account.
pub async fn admin_recipients(c: &mut Conn, org: i64) -> Result<Vec<AdminRecipient>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.preferred_lang, o.name FROM memberships m \
         JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.org_id \
         WHERE m.org_id = $1 AND m.kind = 'admin' AND m.left_on IS NULL",
    )
    .bind(org)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AdminRecipient {
                user_id: r.try_get("id")?,
                email: r.try_get("email")?,
                preferred_lang: r.try_get("preferred_lang")?,
                org_name: r.try_get("name")?,
            })
        })
        .collect()
}

/// The organization's status code and registration date, if it exists.
pub async fn status_and_registered_on(
    c: &mut Conn,
    org: i64,
) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    let Some(row) = sqlx::query("SELECT status, registered_on FROM organizations WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut *c)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((
        row.try_get("status")?,
        row.try_get("registered_on")?,
    )))
}

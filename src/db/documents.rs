//! The register of document numbers (append-only) and the issuing bodies' contacts printed on
//! the notices (issue 21 item 6).

use crate::db::Conn;
use crate::domain::docnum::{self, DocKind, DocNumber};
use serde::Serialize;
use sqlx::Row;

/// The number already given to a notice, if any.
pub async fn find(
    c: &mut Conn,
    kind: DocKind,
    subject: i64,
) -> Result<Option<DocNumber>, sqlx::Error> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT number, issued_on FROM document_numbers WHERE kind = $1 AND subject_id = $2",
    )
    .bind(kind.code())
    .bind(subject)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.map(|(number, issued_on)| DocNumber { number, issued_on }))
}

/// The notice's number: the one it has, or the next of its kind in the year of `issued_on`.
/// Runs inside a write transaction (which makes the next sequence number safe to take).
pub async fn assign(
    c: &mut Conn,
    kind: DocKind,
    subject: i64,
    prefix: &str,
    issued_on: &str,
    now: i64,
) -> Result<DocNumber, sqlx::Error> {
    if let Some(n) = find(c, kind, subject).await? {
        return Ok(n);
    }
    let year = docnum::year_of(issued_on)
        .ok_or_else(|| sqlx::Error::Protocol(format!("issue date `{issued_on}` is no date")))?;
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(seq) FROM document_numbers WHERE kind = $1 AND year = $2")
            .bind(kind.code())
            .bind(year)
            .fetch_one(&mut *c)
            .await?;
    let seq = last.unwrap_or(0) + 1;
    let number = docnum::format(prefix, kind, year, seq);
    sqlx::query(
        "INSERT INTO document_numbers (kind, subject_id, year, seq, number, issued_on, assigned_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(kind.code())
    .bind(subject)
    .bind(year)
    .bind(seq)
    .bind(&number)
    .bind(issued_on)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(DocNumber {
        number,
        issued_on: issued_on.to_string(),
    })
}

/// The body that issues a notice, as printed under it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Issuer {
    pub name_zh: String,
    pub name_en: String,
    pub phone: String,
    pub address: String,
}

/// Which body issues a notice.
#[derive(Debug, Clone, Copy)]
pub enum IssuerRef {
    Authority(i64),
    Department(i64),
    Agency(i64),
    /// The procurement supervisor (the finance department).
    Supervisor,
}

pub async fn issuer(c: &mut Conn, who: IssuerRef) -> Result<Option<Issuer>, sqlx::Error> {
    let (sql, id) = match who {
        IssuerRef::Authority(id) => (
            "SELECT name_zh, name_en, contact_phone, contact_address FROM authorities WHERE id = $1",
            id,
        ),
        IssuerRef::Department(id) => (
            "SELECT name_zh, name_en, contact_phone, contact_address FROM departments WHERE id = $1",
            id,
        ),
        IssuerRef::Agency(id) => (
            "SELECT name_zh, name_en, contact_phone, contact_address FROM agencies WHERE id = $1",
            id,
        ),
        IssuerRef::Supervisor => (
            "SELECT name_zh, name_en, contact_phone, contact_address FROM supervisory_body WHERE id = $1",
            1,
        ),
    };
    let row = sqlx::query(sql).bind(id).fetch_optional(&mut *c).await?;
    row.map(|r| {
        Ok(Issuer {
            name_zh: r.try_get("name_zh")?,
            name_en: r.try_get("name_en")?,
            phone: r.try_get("contact_phone")?,
            address: r.try_get("contact_address")?,
        })
    })
    .transpose()
}

/// Sets an issuing body's contact (the demo set-up and the command line).
pub async fn set_contact(
    c: &mut Conn,
    who: IssuerRef,
    phone: &str,
    address: &str,
) -> Result<(), sqlx::Error> {
    let (sql, id) = match who {
        IssuerRef::Authority(id) => (
            "UPDATE authorities SET contact_phone = $1, contact_address = $2 WHERE id = $3",
            id,
        ),
        IssuerRef::Department(id) => (
            "UPDATE departments SET contact_phone = $1, contact_address = $2 WHERE id = $3",
            id,
        ),
        IssuerRef::Agency(id) => (
            "UPDATE agencies SET contact_phone = $1, contact_address = $2 WHERE id = $3",
            id,
        ),
        IssuerRef::Supervisor => (
            "UPDATE supervisory_body SET contact_phone = $1, contact_address = $2 WHERE id = $3",
            1,
        ),
    };
    sqlx::query(sql)
        .bind(phone)
        .bind(address)
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Names the procurement supervisor (the finance department) and its contact.
pub async fn set_supervisor(c: &mut Conn, s: &Issuer) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM supervisory_body WHERE id = 1")
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO supervisory_body (id, name_zh, name_en, contact_phone, contact_address) \
         VALUES (1, $1, $2, $3, $4)",
    )
    .bind(&s.name_zh)
    .bind(&s.name_en)
    .bind(&s.phone)
    .bind(&s.address)
    .execute(&mut *c)
    .await?;
    Ok(())
}

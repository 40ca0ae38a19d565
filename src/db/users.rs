//! Person records and user accounts. A person is keyed once (name and a keyed hash of the ID
//! number) and links accounts, memberships and, later, officer terms.

use super::Conn;
use crate::platform::ids::{PersonId, UserId};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub person_id: PersonId,
    pub email: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub preferred_lang: String,
    pub password_hash: String,
    pub email_confirmed_at: Option<i64>,
    pub session_epoch: i64,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, person_id, email, display_name, phone, preferred_lang, password_hash, \
    email_confirmed_at, session_epoch, disabled_at, created_at";

pub(crate) fn from_row(r: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: UserId(r.try_get("id")?),
        person_id: PersonId(r.try_get("person_id")?),
        email: r.try_get("email")?,
        display_name: r.try_get("display_name")?,
        phone: r.try_get("phone")?,
        preferred_lang: r.try_get("preferred_lang")?,
        password_hash: r.try_get("password_hash")?,
        email_confirmed_at: r.try_get("email_confirmed_at")?,
        session_epoch: r.try_get("session_epoch")?,
        disabled_at: r.try_get("disabled_at")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn by_id(c: &mut Conn, id: UserId) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_email(c: &mut Conn, email: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(email)
        .fetch_optional(&mut *c)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn all(c: &mut Conn) -> Result<Vec<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Users by id after `after`, at most `limit`; with `q`, those whose address or name holds it
/// (case-insensitive), read in id order and stopped at the page (the administrator's list at a
/// nation's scale: every account with a query for each one's roles took 100 ms).
pub async fn page(
    c: &mut Conn,
    q: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<User>, sqlx::Error> {
    let filter = if q.is_some() {
        " AND (LOWER(email) LIKE $3 ESCAPE '\\' OR LOWER(display_name) LIKE $3 ESCAPE '\\')"
    } else {
        ""
    };
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id > $1{filter} ORDER BY id LIMIT $2");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(limit);
    if let Some(q) = q {
        let escaped: String = q
            .to_lowercase()
            .chars()
            .flat_map(|ch| match ch {
                '%' | '_' | '\\' => vec!['\\', ch],
                _ => vec![ch],
            })
            .collect();
        query = query.bind(format!("%{escaped}%"));
    }
    let rows = query.fetch_all(&mut *c).await?;
    rows.iter().map(from_row).collect()
}

pub struct NewUser<'a> {
    pub person_id: PersonId,
    pub email: &'a str,
    pub display_name: &'a str,
    pub phone: Option<&'a str>,
    pub preferred_lang: &'a str,
    pub password_hash: &'a str,
    pub email_confirmed_at: Option<i64>,
    pub now: i64,
}

pub async fn insert(c: &mut Conn, u: NewUser<'_>) -> Result<UserId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (person_id, email, display_name, phone, preferred_lang, password_hash, \
         email_confirmed_at, session_epoch, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) RETURNING id",
    )
    .bind(u.person_id.0)
    .bind(u.email)
    .bind(u.display_name)
    .bind(u.phone)
    .bind(u.preferred_lang)
    .bind(u.password_hash)
    .bind(u.email_confirmed_at)
    .bind(u.now)
    .fetch_one(&mut *c)
    .await?;
    Ok(UserId(id))
}

pub async fn confirm_email(c: &mut Conn, id: UserId, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET email_confirmed_at = $1 WHERE id = $2 AND email_confirmed_at IS NULL",
    )
    .bind(now)
    .bind(id.0)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Sets a new password hash and ends every session of the user.
pub async fn set_password(c: &mut Conn, id: UserId, hash: &str) -> Result<(), sqlx::Error> {
    set_password_hash(c, id, hash).await?;
    bump_epoch(c, id).await
}

/// Sets a new password hash, sessions untouched (the caller ends those it must).
pub async fn set_password_hash(c: &mut Conn, id: UserId, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Ends every session of the user at once: their rows go, and a session row carries the
/// epoch it was made in, so one written concurrently with this change dies too.
pub async fn bump_epoch(c: &mut Conn, id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1")
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    super::sessions::delete_all_but(c, id, None).await?;
    Ok(())
}

pub async fn set_lang(c: &mut Conn, id: UserId, lang: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET preferred_lang = $1 WHERE id = $2")
        .bind(lang)
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub async fn set_profile(
    c: &mut Conn,
    id: UserId,
    display_name: &str,
    phone: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET display_name = $1, phone = $2 WHERE id = $3")
        .bind(display_name)
        .bind(phone)
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The person whose ID number has this keyed hash, if one is recorded.
pub async fn person_by_id_hash(c: &mut Conn, hash: &str) -> Result<Option<PersonId>, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM persons WHERE id_number_hash = $1")
        .bind(hash)
        .fetch_optional(&mut *c)
        .await?;
    Ok(found.map(PersonId))
}

/// A new person record, with the keyed hash of their ID number (hash, key id) if known.
pub async fn insert_person(
    c: &mut Conn,
    name: &str,
    id_hash: Option<(&str, &str)>,
    now: i64,
) -> Result<PersonId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO persons (name, id_number_hash, id_hash_key_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(name)
    .bind(id_hash.map(|(h, _)| h))
    .bind(id_hash.map(|(_, k)| k))
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    Ok(PersonId(id))
}

pub async fn person_name(c: &mut Conn, id: PersonId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM persons WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
}

pub async fn count(c: &mut Conn) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM users")
        .fetch_one(&mut *c)
        .await
}

/// A new person and a confirmed account for them (CLI and demo data; sign-up confirms by mail).
pub async fn create_confirmed(
    c: &mut Conn,
    email: &str,
    name: &str,
    password_hash: &str,
    now: i64,
) -> Result<UserId, sqlx::Error> {
    let person = insert_person(c, name, None, now).await?;
    insert(
        c,
        NewUser {
            person_id: person,
            email,
            display_name: name,
            phone: None,
            preferred_lang: "zh-CN",
            password_hash,
            email_confirmed_at: Some(now),
            now,
        },
    )
    .await
}

/// The person behind a user account.
pub async fn person_of(c: &mut Conn, user: UserId) -> Result<PersonId, sqlx::Error> {
    let person: i64 = sqlx::query_scalar("SELECT person_id FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_one(&mut *c)
        .await?;
    Ok(PersonId(person))
}

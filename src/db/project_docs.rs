//! The published versions of a project's procurement documents (immutable: the tables refuse
//! updates and deletes), the files the purchaser attached to them, and which version each
//! organization obtained (the register itself is `db::project_qa`).

use super::Conn;
use serde::Serialize;

/// One published version, without its content.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub id: i64,
    pub round: i64,
    pub version: i64,
    pub doc_no: String,
    pub sha256: String,
    pub published_at: i64,
    pub change_kind: String,
    pub amendment_id: Option<i64>,
}

type VersionRow = (i64, i64, i64, String, String, i64, String, Option<i64>);
type ContentRow = (
    i64,
    i64,
    i64,
    String,
    String,
    i64,
    String,
    Option<i64>,
    String,
);

fn version_of(r: VersionRow) -> Version {
    let (id, round, version, doc_no, sha256, published_at, change_kind, amendment_id) = r;
    Version {
        id,
        round,
        version,
        doc_no,
        sha256,
        published_at,
        change_kind,
        amendment_id,
    }
}

const VERSION: &str =
    "SELECT id, round, version, doc_no, sha256, published_at, change_kind, amendment_id \
    FROM project_documents";

/// Every version of the project, oldest first.
pub async fn versions(c: &mut Conn, project: i64) -> Result<Vec<Version>, sqlx::Error> {
    let rows: Vec<VersionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{VERSION} WHERE project_id = $1 ORDER BY version"
    )))
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.into_iter().map(version_of).collect())
}

/// The latest version of the project, if any was published.
pub async fn latest(c: &mut Conn, project: i64) -> Result<Option<Version>, sqlx::Error> {
    let row: Option<VersionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{VERSION} WHERE project_id = $1 ORDER BY version DESC LIMIT 1"
    )))
    .bind(project)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.map(version_of))
}

/// Version `n` of the project with its frozen canonical content.
pub async fn content(
    c: &mut Conn,
    project: i64,
    n: i64,
) -> Result<Option<(Version, String)>, sqlx::Error> {
    let row: Option<ContentRow> =
        sqlx::query_as(
            "SELECT id, round, version, doc_no, sha256, published_at, change_kind, amendment_id, content \
             FROM project_documents WHERE project_id = $1 AND version = $2",
        )
        .bind(project)
        .bind(n)
        .fetch_optional(&mut *c)
        .await?;
    Ok(row.map(
        |(id, round, version, doc_no, sha, at, kind, amendment, content)| {
            (
                version_of((id, round, version, doc_no, sha, at, kind, amendment)),
                content,
            )
        },
    ))
}

pub struct NewVersion<'a> {
    pub project: i64,
    pub round: i64,
    pub version: i64,
    pub doc_no: &'a str,
    pub content: &'a str,
    pub sha256: &'a str,
    pub published_at: i64,
    pub change_kind: &'a str,
    pub amendment_id: Option<i64>,
    pub by: Option<i64>,
}

pub async fn insert(c: &mut Conn, v: &NewVersion<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO project_documents (project_id, round, version, doc_no, content, sha256, published_at, \
         change_kind, amendment_id, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(v.project)
    .bind(v.round)
    .bind(v.version)
    .bind(v.doc_no)
    .bind(v.content)
    .bind(v.sha256)
    .bind(v.published_at)
    .bind(v.change_kind)
    .bind(v.amendment_id)
    .bind(v.by)
    .fetch_one(&mut *c)
    .await
}

/// A file attached to the documents.
#[derive(Debug, Clone, Serialize)]
pub struct DocFile {
    pub id: i64,
    pub round: i64,
    pub version: i64,
    pub sha256: String,
    pub name: String,
    pub description: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub added_at: i64,
}

type FileRow = (i64, i64, i64, String, String, String, String, i64, i64);

fn file_of(r: FileRow) -> DocFile {
    let (id, round, version, sha256, name, description, content_type, size_bytes, added_at) = r;
    DocFile {
        id,
        round,
        version,
        sha256,
        name,
        description,
        content_type,
        size_bytes,
        added_at,
    }
}

const FILE: &str =
    "SELECT id, round, version, sha256, name, description, content_type, size_bytes, added_at \
    FROM project_doc_files";

/// The project's attached files, oldest first.
pub async fn files(c: &mut Conn, project: i64) -> Result<Vec<DocFile>, sqlx::Error> {
    let rows: Vec<FileRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{FILE} WHERE project_id = $1 ORDER BY id"
    )))
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.into_iter().map(file_of).collect())
}

pub async fn file(c: &mut Conn, project: i64, id: i64) -> Result<Option<DocFile>, sqlx::Error> {
    let row: Option<FileRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{FILE} WHERE project_id = $1 AND id = $2"
    )))
    .bind(project)
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.map(file_of))
}

pub struct NewFile<'a> {
    pub project: i64,
    pub round: i64,
    pub version: i64,
    pub sha256: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub at: i64,
    pub by: i64,
}

pub async fn add_file(c: &mut Conn, f: &NewFile<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO project_doc_files (project_id, round, version, sha256, name, description, content_type, \
         size_bytes, added_at, added_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(f.project)
    .bind(f.round)
    .bind(f.version)
    .bind(f.sha256)
    .bind(f.name)
    .bind(f.description)
    .bind(f.content_type)
    .bind(f.size_bytes)
    .bind(f.at)
    .bind(f.by)
    .fetch_one(&mut *c)
    .await
}

/// The version the organization obtained in this round, if it obtained the documents.
pub async fn obtained_version(
    c: &mut Conn,
    project: i64,
    round: i64,
    org: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT version FROM doc_obtained WHERE project_id = $1 AND round = $2 AND org_id = $3",
    )
    .bind(project)
    .bind(round)
    .bind(org)
    .fetch_optional(&mut *c)
    .await
}

/// Records that the organization, which had obtained an earlier version, obtained `version`;
/// whether the row moved forward (never back).
pub async fn obtain_newer(
    c: &mut Conn,
    project: i64,
    round: i64,
    org: i64,
    version: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE doc_obtained SET version = $4 WHERE project_id = $1 AND round = $2 AND org_id = $3 \
         AND version < $4",
    )
    .bind(project)
    .bind(round)
    .bind(org)
    .bind(version)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

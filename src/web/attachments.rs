//! Attachments: uploaded outside the database into the uploads folder, each file named by the
//! SHA-256 of its content; the type is decided by the content (PDF, JPEG, PNG), never by the
//! name or the declared type. Served only to the applicant (and, once registered, the members
//! of the organization) and to the registrars of the authority handling a submitted
//! application; never to the public.

use crate::db::applications::{self as store, Application, NewAttachment};
use crate::domain::application::{self as rules, Status};
use crate::domain::role::Role;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{ApplicationId, AttachmentId};
use crate::registry::Registry;
use crate::web::applications::own;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, Empty};
use rocket::form::{self, DataField, FromFormField, ValueField};
use rocket::fs::TempFile;
use rocket::http::{ContentType, Header};
use rocket::tokio::io::AsyncReadExt;
use rocket::{get, post, routes, FromForm, Responder, Route, State};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

pub fn routes() -> Vec<Route> {
    routes![upload, download, remove]
}

pub fn uploads_dir(state: &AppState) -> PathBuf {
    state.config.uploads_path()
}

/// Whether `user` registers for the authority of `app` (and so handles it once submitted).
pub fn handles(user: &CurrentUser, app: &Application) -> bool {
    user.authorities(Role::Registrar)
        .any(|a| a == app.authority_id)
}

/// Who may read an application's files: its applicant, members of the organization it
/// registered, and the registrars of its authority once it has left the draft state.
pub fn may_read(user: &CurrentUser, app: &Application) -> bool {
    app.applicant_user_id == user.id()
        || app.org_id.is_some_and(|o| user.is_org_admin(o))
        || (handles(user, app) && app.submitted_at.is_some())
}

/// A file field: the file, or the fact that it could not be taken (over the size limit, or a
/// text value where a file belongs). Keeps Rocket's error values out of the handler.
pub enum Upload<'r> {
    File(Box<TempFile<'r>>),
    Refused,
}

#[rocket::async_trait]
impl<'r> FromFormField<'r> for Upload<'r> {
    fn from_value(_field: ValueField<'r>) -> form::Result<'r, Self> {
        Ok(Upload::Refused)
    }

    async fn from_data(field: DataField<'r, '_>) -> form::Result<'r, Self> {
        Ok(
            match <TempFile<'r> as FromFormField<'r>>::from_data(field).await {
                Ok(f) => Upload::File(Box::new(f)),
                Err(_) => Upload::Refused,
            },
        )
    }
}

#[derive(FromForm)]
pub struct UploadForm<'r> {
    kind: Option<String>,
    file: Option<Upload<'r>>,
}

/// Why an upload was refused (a catalogue key).
pub async fn read_upload(file: Option<&Upload<'_>>, max: u64) -> Result<Vec<u8>, &'static str> {
    let file = match file {
        Some(Upload::File(f)) => f,
        Some(Upload::Refused) => return Err("err-upload-too-large"),
        None => return Err("err-upload-empty"),
    };
    if file.len() == 0 {
        return Err("err-upload-empty");
    }
    if file.len() > max {
        return Err("err-upload-too-large");
    }
    let mut bytes = Vec::with_capacity(usize::try_from(file.len()).unwrap_or(0));
    let mut r = file.open().await.map_err(|_| "err-upload-unreadable")?;
    r.read_to_end(&mut bytes)
        .await
        .map_err(|_| "err-upload-unreadable")?;
    Ok(bytes)
}

/// Writes the content under its digest (once; an identical file is already there), private to
/// the service user. True when this call created the file.
fn store_file(dir: &std::path::Path, digest: &str, bytes: &[u8]) -> std::io::Result<bool> {
    use std::io::Write;
    crate::platform::files::create_dir_private(dir)?;
    let path = dir.join(digest);
    if path.exists() {
        return Ok(false);
    }
    let tmp = dir.join(format!(
        ".{digest}.{}",
        crate::platform::auth::tokens::new_token()
    ));
    crate::platform::files::create_new_private(&tmp)?.write_all(bytes)?;
    std::fs::rename(&tmp, &path)?;
    Ok(true)
}

#[post("/applications/<id>/attachments", data = "<form>")]
async fn upload(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    id: ApplicationId,
    form: CsrfForm<UploadForm<'_>>,
) -> AppResult<Reply> {
    let app = own(state, user, id).await?;
    if !Status::parse(&app.status).is_some_and(Status::editable) {
        return Err(AppError::Conflict("err-app-not-editable"));
    }
    let f = form.into_inner();
    let kind = rules::ATTACHMENT_KINDS
        .into_iter()
        .find(|k| *k == text(&f.kind));
    let refuse = |key: &'static str| {
        Reply::flash_error(format!("/applications/{id}/documents"), page.t(key))
    };
    let Some(kind) = kind else {
        return Ok(refuse("err-upload-kind"));
    };
    let checked = match check_file(state, f.file.as_ref()).await {
        Ok(s) => s,
        Err(key) => return Ok(refuse(key)),
    };
    if let Some(org) = app.org_id {
        if let Err(key) = within_quota(state, org.0, &[&checked]).await? {
            return Ok(refuse(key));
        }
    }
    let (mut stored, kept) = store_checked(state, vec![checked]).await?;
    let Some(stored) = stored.pop() else {
        return Ok(refuse("err-upload-empty"));
    };
    let (digest, content_type, size) = (stored.sha256, stored.content_type, stored.size_bytes);
    let original = stored.original_name;
    let now = state.clock.now_ms();
    Registry::of(state)
        .add_attachment(
            user.id(),
            NewAttachment {
                application: id,
                kind,
                sha256: &digest,
                content_type,
                size_bytes: size,
                original_name: &original,
                by: user.id(),
                now,
            },
        )
        .await?;
    kept.keep();
    Ok(Reply::flash(
        format!("/applications/{id}/documents"),
        page.t("flash-upload-done"),
    ))
}

#[derive(Responder)]
pub struct FileReply {
    body: Vec<u8>,
    content_type: ContentType,
    disposition: Header<'static>,
}

impl FileReply {
    /// A file under its own name: shown in the browser where it can be (PDF, images, plain
    /// text), downloaded otherwise.
    pub fn named(body: Vec<u8>, content_type: &str, name: &str) -> FileReply {
        let inline = matches!(
            content_type,
            "application/pdf"
                | "image/png"
                | "image/jpeg"
                | "image/gif"
                | "image/webp"
                | "text/plain"
        );
        let ascii: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-._".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let encoded: String = name
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        FileReply {
            body,
            content_type: ContentType::parse_flexible(content_type).unwrap_or(ContentType::Binary),
            disposition: Header::new(
                "Content-Disposition",
                format!(
                    "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
                    if inline { "inline" } else { "attachment" }
                ),
            ),
        }
    }
}

#[get("/applications/<id>/attachments/<att>")]
async fn download(
    state: &State<AppState>,
    user: &CurrentUser,
    id: ApplicationId,
    att: AttachmentId,
) -> AppResult<FileReply> {
    let mut c = state.db.acquire().await?;
    let app = store::by_id(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if !may_read(user, &app) {
        // A registrar of the authority sees drafts as absent, everyone else as forbidden.
        return Err(if handles(user, &app) {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    let a = store::attachment_by_id(&mut c, att)
        .await?
        .filter(|a| a.application_id == id)
        .ok_or(AppError::NotFound)?;
    drop(c);
    if a.sha256.len() != 64 || !a.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let path = uploads_dir(state).join(&a.sha256);
    let body = rocket::tokio::fs::read(&path).await.map_err(|e| {
        AppError::Internal(format!(
            "attachment {} missing at {}: {e}",
            a.id,
            path.display()
        ))
    })?;
    let content_type = ContentType::parse_flexible(&a.content_type).unwrap_or(ContentType::Binary);
    let ext = match a.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    Ok(FileReply {
        body,
        content_type,
        disposition: Header::new(
            "Content-Disposition",
            format!("inline; filename=\"attachment-{}.{ext}\"", a.id),
        ),
    })
}

#[post("/applications/<id>/attachments/<att>/remove", data = "<_form>")]
async fn remove(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    id: ApplicationId,
    att: AttachmentId,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    let app = own(state, user, id).await?;
    if !Status::parse(&app.status).is_some_and(Status::editable) {
        return Err(AppError::Conflict("err-app-not-editable"));
    }
    Registry::of(state)
        .remove_attachment(user.id(), id, att)
        .await?;
    Ok(Reply::flash(
        format!("/applications/{id}/documents"),
        page.t("flash-upload-removed"),
    ))
}

/// A file taken from a form and written to the uploads folder.
pub struct Stored {
    pub sha256: String,
    pub content_type: &'static str,
    pub size_bytes: i64,
    pub original_name: String,
}

/// A file read from a form and checked (size, type by content): nothing is written yet. A
/// handler checks every field first and stores the files only when the whole form is valid.
pub struct Checked {
    bytes: Vec<u8>,
    pub sha256: String,
    pub content_type: &'static str,
    pub size_bytes: i64,
    pub original_name: String,
}

/// Reads and checks an uploaded file without writing it; the refusal is a catalogue key.
pub async fn check_file(
    state: &AppState,
    file: Option<&Upload<'_>>,
) -> Result<Checked, &'static str> {
    let bytes = read_upload(file, state.config.upload_max_bytes).await?;
    let original_name = match file {
        Some(Upload::File(t)) => t
            .raw_name()
            .map(|n| {
                n.dangerous_unsafe_unsanitized_raw()
                    .as_str()
                    .chars()
                    .take(120)
                    .collect()
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    check_bytes(bytes, original_name)
}

/// Checks a file's content as an upload's is (its type by content), without a request: for a
/// caller that has the bytes (the demo's city, whose organizations attach their documents).
pub fn check_bytes(bytes: Vec<u8>, original_name: String) -> Result<Checked, &'static str> {
    if bytes.is_empty() {
        return Err("err-upload-empty");
    }
    let Some(content_type) = rules::sniff(&bytes) else {
        return Err("err-upload-type");
    };
    Ok(Checked {
        sha256: hex::encode(Sha256::digest(&bytes)),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        content_type,
        original_name,
        bytes,
    })
}

/// The files a request wrote, removed again unless the request's change was saved (`keep`): a
/// refusal after the files were stored leaves nothing behind. Files that were already there
/// (the same content uploaded before) are never removed.
#[must_use = "call keep() once the change that refers to the files is saved"]
pub struct Kept {
    created: Vec<PathBuf>,
}

impl Kept {
    pub fn keep(mut self) {
        self.created.clear();
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        for path in self.created.drain(..) {
            if let Err(e) = std::fs::remove_file(&path) {
                log::warn!("refused upload not removed from {}: {e}", path.display());
            }
        }
    }
}

/// Writes checked files to the uploads folder; they stay only if `keep` is called.
pub async fn store_checked(
    state: &AppState,
    files: Vec<Checked>,
) -> AppResult<(Vec<Stored>, Kept)> {
    let dir = uploads_dir(state);
    let mut kept = Kept {
        created: Vec::new(),
    };
    let mut stored = Vec::with_capacity(files.len());
    for f in files {
        let write = {
            let dir = dir.clone();
            let digest = f.sha256.clone();
            let bytes = f.bytes;
            rocket::tokio::task::spawn_blocking(move || store_file(&dir, &digest, &bytes)).await
        };
        match write {
            Ok(Ok(created)) => {
                if created {
                    kept.created.push(dir.join(&f.sha256));
                }
            }
            _ => {
                return Err(AppError::Internal(format!(
                    "upload not written to {}",
                    dir.display()
                )))
            }
        }
        stored.push(Stored {
            sha256: f.sha256,
            content_type: f.content_type,
            size_bytes: f.size_bytes,
            original_name: f.original_name,
        });
    }
    Ok((stored, kept))
}

/// Whether `files` fit in what is left of the organization's storage quota
/// (`storage.org_quota_kib`); the refusal is a catalogue key.
pub async fn within_quota(
    state: &AppState,
    org: i64,
    files: &[&Checked],
) -> AppResult<Result<(), &'static str>> {
    let new: i64 = files.iter().map(|f| f.size_bytes).sum();
    within_quota_bytes(state, org, new).await
}

/// As `within_quota`, for `new` bytes.
pub async fn within_quota_bytes(
    state: &AppState,
    org: i64,
    new: i64,
) -> AppResult<Result<(), &'static str>> {
    let mut c = state.db.acquire().await?;
    let quota_kib = crate::db::settings::snapshot(&mut c, state.clock.now_ms())
        .await?
        .int("storage.org_quota_kib")
        .unwrap_or(i64::MAX / 1024);
    let used = crate::db::storage::org_usage(&mut c, org).await?;
    Ok(
        if used.saturating_add(new) <= quota_kib.saturating_mul(1024) {
            Ok(())
        } else {
            Err("err-upload-quota")
        },
    )
}

/// The bytes of a file stored under its digest.
pub async fn read_stored(state: &AppState, sha256: &str) -> AppResult<Vec<u8>> {
    if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let path = uploads_dir(state).join(sha256);
    rocket::tokio::fs::read(&path)
        .await
        .map_err(|e| AppError::Internal(format!("file missing at {}: {e}", path.display())))
}

/// Serves a stored file inline.
pub async fn serve(
    state: &AppState,
    sha256: &str,
    content_type: &str,
    name: &str,
) -> AppResult<FileReply> {
    if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let path = uploads_dir(state).join(sha256);
    let body = rocket::tokio::fs::read(&path)
        .await
        .map_err(|e| AppError::Internal(format!("file missing at {}: {e}", path.display())))?;
    let ext = match content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    Ok(FileReply {
        body,
        content_type: ContentType::parse_flexible(content_type).unwrap_or(ContentType::Binary),
        disposition: Header::new(
            "Content-Disposition",
            format!("inline; filename=\"{name}.{ext}\""),
        ),
    })
}

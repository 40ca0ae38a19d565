//! The procurement documents as documents (issue 21 item 4): each published version's
//! print-ready A4 page with its 文号 and SHA-256, the canonical JSON that SHA-256 is computed
//! over, the files the purchaser attached, and the purchaser's form to attach one (a new
//! version). Readers: the organizations that obtained the documents of the version's round
//! and those who run the project's procedure; nobody else, and nothing here names who
//! obtained them.

use crate::db::project_docs as docs;
use crate::db::project_qa as qa;
use crate::db::projects::Project;
use crate::db::Conn;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::procurement::documents::{self as service, Attached};
use crate::procurement::Procurement;
use crate::web::attachments::{check_file, store_checked, FileReply, Upload};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::text;
use crate::web::projects::by_number;
use crate::web::purchase::{procured_project, procures, refuse, Procurer};
use crate::web::template::Template;
use rocket::http::ContentType;
use rocket::{get, post, routes, FromForm, Responder, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![version, file, attach]
}

/// Whether the user may read the documents of `round`: they run the procedure, or one of
/// their organizations obtained that round's documents.
async fn may_read(c: &mut Conn, user: &CurrentUser, p: &Project, round: i64) -> AppResult<bool> {
    if procures(user, p) {
        return Ok(true);
    }
    for m in &user.memberships {
        if qa::has_obtained(c, p.id, round, m.org_id.0).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The versions and files the documents pages list (of every round, newest last).
pub async fn listing(c: &mut Conn, p: &Project) -> AppResult<serde_json::Value> {
    let versions = docs::versions(c, p.id).await?;
    let files = docs::files(c, p.id).await?;
    let current = versions
        .iter()
        .rev()
        .find(|v| v.round == p.round)
        .map(|v| v.version);
    Ok(json!({ "versions": versions, "files": files, "current": current }))
}

#[derive(Responder)]
pub enum VersionReply {
    Page(Template),
    Json((ContentType, String)),
}

/// Version `n` of the documents: `<n>` is the print-ready page, `<n>.json` the canonical
/// content exactly as frozen (its SHA-256 is the one the page prints).
#[get("/projects/<number>/documents/v/<n>")]
async fn version(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    n: &str,
) -> AppResult<VersionReply> {
    let p = by_number(state, number).await?;
    let (digits, as_json) = match n.strip_suffix(".json") {
        Some(d) => (d, true),
        None => (n, false),
    };
    let n: i64 = digits
        .parse()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or(AppError::NotFound)?;
    let mut c = state.db.acquire().await?;
    let shown = service::shown(&mut c, p.id, n)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_read(&mut c, user, &p, shown.v.round).await? {
        return Err(AppError::Forbidden);
    }
    if as_json {
        return Ok(VersionReply::Json((ContentType::JSON, shown.text)));
    }
    let list = listing(&mut c, &p).await?;
    let method = crate::domain::procurement::Method::parse(&shown.d.method)
        .map(|m| page.t(&m.label_key()))
        .unwrap_or_default();
    Ok(VersionReply::Page(page.render(
        "projects/document_version",
        json!({ "p": p, "v": shown.v, "d": shown.d, "marks": shown.marks,
                "method_label": method, "list": list,
                "bytes": shown.text.len(), "purchaser": procures(user, &p) }),
    )))
}

/// A file attached to the documents, to the same readers.
#[get("/projects/<number>/documents/files/<id>")]
async fn file(
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    id: i64,
) -> AppResult<FileReply> {
    let p = by_number(state, number).await?;
    let mut c = state.db.acquire().await?;
    let f = docs::file(&mut c, p.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !(may_read(&mut c, user, &p, p.round).await? || may_read(&mut c, user, &p, f.round).await?) {
        return Err(AppError::Forbidden);
    }
    drop(c);
    let body = crate::web::attachments::read_stored(state, &f.sha256).await?;
    let name = if f.name.is_empty() {
        format!("{}-{}", p.number, f.id)
    } else {
        f.name.clone()
    };
    Ok(FileReply::named(body, &f.content_type, &name))
}

#[derive(FromForm)]
pub struct AttachForm<'r> {
    description: Option<String>,
    file: Option<Upload<'r>>,
}

/// The purchaser (or its agency) attaches a file to the published documents before the
/// deadline: the next version. A refusal shows the management page again with its reason.
#[post("/purchase/projects/<id>/documents/files", data = "<form>")]
async fn attach(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    id: i64,
    form: CsrfForm<AttachForm<'_>>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = procured_project(state, user, id).await?;
    let f = form.into_inner();
    let description = text(&f.description).to_string();
    if !(2..=200).contains(&description.chars().count()) {
        return refuse(&page, state, user, &p, "docfile", "err-docfile-description").await;
    }
    let now = state.clock.now_ms();
    let open = crate::web::projects::bids_open(&p, now);
    if !open {
        return refuse(&page, state, user, &p, "docfile", "err-docfile-closed").await;
    }
    let checked = match check_file(state, f.file.as_ref()).await {
        Ok(s) => s,
        Err(key) => return refuse(&page, state, user, &p, "docfile", key).await,
    };
    let (mut stored, kept) = store_checked(state, vec![checked]).await?;
    let Some(stored) = stored.pop() else {
        return refuse(&page, state, user, &p, "docfile", "err-upload-empty").await;
    };
    let name = if stored.original_name.trim().is_empty() {
        format!("{}.{}", description, ext(stored.content_type))
    } else {
        stored.original_name.clone()
    };
    let attached = Attached {
        sha256: &stored.sha256,
        name: &name,
        description: &description,
        content_type: stored.content_type,
        size_bytes: stored.size_bytes,
    };
    match Procurement::of(state)
        .attach_document_file(p.id, &attached, user.id())
        .await?
    {
        Ok(v) => Ok({
            kept.keep();
            Reply::flash(
                format!("/purchase/projects/{id}#documents"),
                format!("{} {}", page.t("flash-docfile-added"), v.doc_no),
            )
        }),
        Err((p, key)) => refuse(&page, state, user, &p, "docfile", key).await,
    }
}

fn ext(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    }
}

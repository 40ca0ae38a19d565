//! The public side of service purchase (DOMAIN §5): intentions, the list of projects and
//! programmes, each project's notice with its criteria, questions (the asker pseudonymized),
//! answers, amendments, history and, after the deadline, the opening record; a digest check for
//! bidders. Signed-in organizations obtain the documents and ask questions here. Nothing on
//! these pages reveals a bid, a bidder or the number of bids before the opening.

use crate::db::bids;
use crate::db::project_qa as qa;
use crate::db::projects::{self as store, Project};
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::auth::session::Client;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::OrgId;
use crate::platform::limits;
use crate::procurement::Procurement;
use crate::web::ctx::{Page, PublicPage, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::page_cache::{self, Html};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![show, documents, obtain, ask, verify]
}

pub async fn by_number(state: &AppState, number: &str) -> AppResult<Project> {
    if !crate::domain::procurement::valid_number(number) {
        return Err(AppError::NotFound);
    }
    let mut c = state.db.acquire().await?;
    let p = store::by_number(&mut c, number)
        .await?
        .ok_or(AppError::NotFound)?;
    // A draft is not public.
    if p.status == crate::domain::project::Status::Draft && p.round == 1 {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

async fn my_orgs(
    state: &AppState,
    user: Option<&CurrentUser>,
    p: &Project,
) -> AppResult<Vec<serde_json::Value>> {
    let Some(u) = user else {
        return Ok(Vec::new());
    };
    let mut c = state.db.acquire().await?;
    let mut out = Vec::new();
    for m in &u.memberships {
        let obtained = qa::has_obtained(&mut c, p.id, p.round, m.org_id.0).await?;
        out.push(
            json!({ "id": m.org_id.0, "name": m.org_name, "obtained": obtained,
                         "admin": u.is_org_admin(m.org_id) }),
        );
    }
    Ok(out)
}

async fn show_page(
    page: &Page,
    state: &AppState,
    user: Option<&CurrentUser>,
    p: &Project,
    errors: FormErrors,
    values: serde_json::Value,
) -> AppResult<Template> {
    let context = show_context(page, state, user, p, errors, values).await?;
    Ok(page.render("projects/show", context))
}

/// The project page's context (`projects/show`).
async fn show_context(
    page: &Page,
    state: &AppState,
    user: Option<&CurrentUser>,
    p: &Project,
    errors: FormErrors,
    values: serde_json::Value,
) -> AppResult<serde_json::Value> {
    let orgs = my_orgs(state, user, p).await?;
    let mut c = state.db.acquire().await?;
    let criteria = store::criteria(&mut c, p.id).await?;
    let qual_docs = crate::db::qual_docs::of_project(&mut c, p.id).await?;
    // The asker's organization is never shown: only its number within the project.
    let questions: Vec<_> = qa::questions(&mut c, p.id)
        .await?
        .into_iter()
        .map(|q| {
            json!({ "id": q.id, "asker_no": q.asker_no, "body": q.body, "asked_at": q.asked_at,
                         "answer": q.answer, "answered_at": q.answered_at, "affects": q.affects })
        })
        .collect();
    let amendments = qa::amendments(&mut c, p.id).await?;
    let events = store::events(&mut c, p.id).await?;
    // The latest review result of the current round, as published in its event.
    let review = events
        .iter()
        .rev()
        .find(|e| {
            e.round == p.round
                && matches!(
                    e.kind.as_str(),
                    "qualified" | "review_failed" | "compliance" | "compliance_failed"
                )
        })
        .map(|e| json!({ "failed": e.kind.ends_with("failed"), "data": e.data }));
    let mut openings = Vec::new();
    for o in bids::openings(&mut c, p.id).await? {
        let record = bids::opened(&mut c, o.id).await?;
        openings.push(json!({ "o": o, "bids": record }));
    }
    let intention = match p.intention_id {
        Some(i) => store::intention_by_id(&mut c, i).await?,
        None => None,
    };
    let now = state.clock.now_ms();
    let open = bids_open(p, now);
    // The rules the publication recorded: its settings version, the method's approval.
    let publication = match p.notice_at {
        Some(_) => Some(crate::procurement::publication::standing(&mut c, p, now).await?),
        None => None,
    };
    let method = Procurement::method(p)?;
    let decisions = crate::db::challenges::decided_of_project(&mut c, p.id).await?;
    let category = store::categories(&mut c)
        .await?
        .into_iter()
        .find(|k| k.code == p.category_code);
    Ok(
        json!({ "p": p, "criteria": criteria, "questions": questions, "amendments": amendments,
                "qual_docs": qual_docs, "events": events, "openings": openings, "intention": intention, "open": open,
                "review": review, "decisions": decisions, "publication": publication,
                "orgs": orgs, "method_label": page.t(&method.label_key()), "category": category,
                "errors": errors, "values": values }),
    )
}

/// Whether the project takes bids at `now`: published and before its deadline. The project
/// page's "take part" box, its cache key and the documents pages all read this one rule.
pub fn bids_open(p: &Project, now: i64) -> bool {
    p.status == crate::domain::project::Status::Published && p.deadline_at.is_some_and(|d| now < d)
}

/// The public project page. An anonymous visitor's copy is kept in the page cache (issue 26
/// item 3) while nothing changes; the only thing it shows that time alone changes is whether
/// bids are still taken (`open`), so a copy showing them open is kept only until the deadline.
#[get("/projects/<number>")]
async fn show(
    pg: PublicPage,
    state: &State<AppState>,
    user: Option<&CurrentUser>,
    number: &str,
) -> AppResult<Html> {
    let context = async {
        let p = by_number(state, number).await?;
        let stale_at = bids_open(&p, state.clock.now_ms())
            .then_some(p.deadline_at)
            .flatten();
        let context = show_context(&pg, state, user, &p, FormErrors::default(), json!({})).await?;
        Ok((context, stale_at))
    };
    page_cache::serve_until(&pg, state, "projects/show", "", context).await
}

#[get("/projects/<number>/documents?<org>")]
async fn documents(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: Option<i64>,
) -> AppResult<Template> {
    let p = by_number(state, number).await?;
    let org = org.map(OrgId).filter(|o| user.membership(*o).is_some());
    let Some(org) = org else {
        return Err(AppError::Forbidden);
    };
    let mut c = state.db.acquire().await?;
    if !qa::has_obtained(&mut c, p.id, p.round, org.0).await? {
        return Err(AppError::Forbidden);
    }
    let criteria = store::criteria(&mut c, p.id).await?;
    let qual_docs = crate::db::qual_docs::of_project(&mut c, p.id).await?;
    let amendments = qa::amendments(&mut c, p.id).await?;
    let method = Procurement::method(&p)?;
    // The version this organization obtained, and the versions published since.
    let obtained = crate::db::project_docs::obtained_version(&mut c, p.id, p.round, org.0).await?;
    let list = crate::web::project_docs::listing(&mut c, &p).await?;
    let now = state.clock.now_ms();
    let open = bids_open(&p, now);
    Ok(page.render(
        "projects/documents",
        json!({ "p": p, "criteria": criteria, "amendments": amendments, "org": org.0,
                "qual_docs": qual_docs,
                "method_label": page.t(&method.label_key()), "obtained": obtained,
                "list": list, "open": open }),
    ))
}

#[derive(FromForm)]
pub struct OrgForm {
    org: Option<i64>,
}

#[post("/projects/<number>/obtain", data = "<form>")]
async fn obtain(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    form: CsrfForm<OrgForm>,
) -> AppResult<Reply> {
    let p = by_number(state, number).await?;
    let org = form
        .into_inner()
        .org
        .map(OrgId)
        .filter(|o| user.membership(*o).is_some())
        .ok_or(AppError::Forbidden)?;
    Procurement::of(state)
        .obtain_documents(&p, org.0, user.id())
        .await?;
    Ok(Reply::flash(
        format!("/projects/{}/documents?org={}", p.number, org.0),
        page.t("flash-documents-obtained"),
    ))
}

#[derive(FromForm)]
pub struct AskForm {
    org: Option<i64>,
    question: Option<String>,
}

#[post("/projects/<number>/questions", data = "<form>")]
async fn ask(
    client: Client,
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    form: CsrfForm<AskForm>,
) -> AppResult<Reply> {
    let p = by_number(state, number).await?;
    let f = form.into_inner();
    let org = f
        .org
        .map(OrgId)
        .filter(|o| user.membership(*o).is_some())
        .ok_or(AppError::Forbidden)?;
    let body = text(&f.question).to_string();
    if body.chars().count() < 5 || body.chars().count() > 2000 {
        let mut e = FormErrors::default();
        e.add(page.lang, "question", "err-question-text");
        let t = show_page(&page, state, Some(user), &p, e, json!({ "question": body })).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    if !limits::allow_public_post(&state.db, &state.clock, &client.network).await? {
        let mut e = FormErrors::default();
        e.add(page.lang, "question", "err-too-many-posts");
        let t = show_page(&page, state, Some(user), &p, e, json!({ "question": body })).await?;
        return Ok(Reply::page(Http::TooManyRequests, t));
    }
    Procurement::of(state)
        .ask_question(&p, org.0, user.id(), &body)
        .await?;
    Ok(Reply::flash(
        format!("/projects/{}#questions", p.number),
        page.t("flash-question-asked"),
    ))
}

/// Whether a digest appears in the project's opening records (a bidder checks its receipt).
#[get("/projects/<number>/verify?<digest>")]
async fn verify(
    page: Page,
    state: &State<AppState>,
    number: &str,
    digest: Option<&str>,
) -> AppResult<Template> {
    let p = by_number(state, number).await?;
    let digest = digest.unwrap_or("").trim().to_lowercase();
    let mut found = None;
    let mut c = state.db.acquire().await?;
    for o in bids::openings(&mut c, p.id).await? {
        for b in bids::opened(&mut c, o.id).await? {
            if !digest.is_empty() && b.digest == digest {
                found = Some(json!({ "round": o.round, "org": b.org_name, "at": b.submitted_at }));
            }
        }
    }
    let checked = !digest.is_empty();
    Ok(page.render(
        "projects/verify",
        json!({ "p": p, "digest": digest, "found": found, "checked": checked }),
    ))
}

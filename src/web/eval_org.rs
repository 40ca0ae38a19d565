//! The organization's side of evaluation: the rounds open to it with the reasons it may not
//! apply (if any), the application with a self-assessment and evidence files, its applications
//! and grades, and a request for re-review (复核申请) during the public notice.

use crate::db::evaluation::{self as store, Evidence};
use crate::domain::calendar::iso_date;
use crate::evaluation::{Evaluation, Requester};
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{EvalAppId, OrgId, RoundId};
use crate::web::attachments::{check_file, serve, store_checked, within_quota, FileReply, Upload};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![index, apply, review_request, evidence]
}

/// The organization's authority and type.
async fn org_facts(state: &AppState, org: OrgId) -> AppResult<(String, Option<i64>, String)> {
    let mut c = state.db.acquire().await?;
    let row = crate::db::orgs::name_authority_type(&mut c, org).await?;
    row.ok_or(AppError::NotFound)
}

async fn index_page(
    page: &Page,
    state: &AppState,
    org: OrgId,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let ev = Evaluation::of(state);
    let (name, authority, _) = org_facts(state, org).await?;
    let today = iso_date(ev.today());
    let mut c = state.db.acquire().await?;
    let apps = store::apps_of_org(&mut c, org.0).await?;
    let mut open = Vec::new();
    let authorities: Vec<i64> = authority.into_iter().collect();
    for r in store::rounds(&mut c, Some(&authorities)).await? {
        let window = r.apply_from <= today
            && today <= r.apply_to
            && r.status == crate::domain::eval_life::RoundStatus::Open;
        if !window || apps.iter().any(|a| a.round_id == r.id) {
            continue;
        }
        let reasons: Vec<String> = ev
            .eligibility(&mut c, org.0, &r)
            .await?
            .into_iter()
            .map(|w| page.t(w.message_key()))
            .collect();
        open.push(json!({ "round": r, "reasons": reasons }));
    }
    let mut mine = Vec::new();
    for a in apps {
        let round = store::round_by_id(&mut c, a.round_id).await?;
        let in_notice = round.as_ref().is_some_and(|r| {
            r.status == crate::domain::eval_life::RoundStatus::Notice
                && r.notice_to
                    .as_deref()
                    .is_some_and(|to| today.as_str() <= to)
        });
        let objections = store::objections_where(&mut c, "j.eval_application_id", a.id)
            .await?
            .into_iter()
            .filter(|o| o.kind == "review")
            .collect::<Vec<_>>();
        mine.push(
            json!({ "app": a, "round": round, "in_notice": in_notice, "requests": objections }),
        );
    }
    let grades: Vec<_> = store::grades_where(&mut c, "g.org_id", org.0)
        .await?
        .into_iter()
        .map(|g| json!({ "future": g.valid_from > today, "g": g }))
        .collect();
    Ok(page.render(
        "evaluation/org",
        json!({ "org": { "id": org.0, "name": name }, "open": open, "mine": mine, "grades": grades,
                "today": today, "values": values, "errors": errors }),
    ))
}

#[get("/orgs/<org>/evaluation")]
async fn index(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
) -> AppResult<Template> {
    if user.membership(org).is_none() {
        return Err(AppError::Forbidden);
    }
    index_page(&page, state, org, json!({}), FormErrors::default()).await
}

#[derive(FromForm)]
pub struct ApplyForm<'r> {
    self_assessment: Option<String>,
    evidence: Vec<Upload<'r>>,
}

#[post("/orgs/<org>/evaluation/<round>", data = "<form>")]
async fn apply(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
    round: RoundId,
    form: CsrfForm<ApplyForm<'_>>,
) -> AppResult<Reply> {
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    let ev = Evaluation::of(state);
    let (_, authority, org_type) = org_facts(state, org).await?;
    let today = iso_date(ev.today());
    let r = {
        let mut c = state.db.acquire().await?;
        store::round_by_id(&mut c, round.0)
            .await?
            .filter(|r| Some(r.authority_id) == authority)
            .ok_or(AppError::NotFound)?
    };
    if r.status != crate::domain::eval_life::RoundStatus::Open
        || today.as_str() < r.apply_from.as_str()
        || today > r.apply_to
    {
        return Err(AppError::Conflict("err-round-closed"));
    }
    let f = form.into_inner();
    let body = text(&f.self_assessment).to_string();
    let mut errors = FormErrors::default();
    let lang = page.lang;
    {
        let mut c = state.db.acquire().await?;
        for why in ev.eligibility(&mut c, org.0, &r).await? {
            errors.add(lang, "eligibility", why.message_key());
        }
    }
    if body.chars().count() < 20 || body.chars().count() > 10000 {
        errors.add(lang, "self_assessment", "err-eval-self-assessment");
    }
    let mut files = Vec::new();
    for up in &f.evidence {
        match check_file(state, Some(up)).await {
            Ok(s) => files.push(s),
            Err("err-upload-empty") => {}
            Err(key) => errors.add(lang, "evidence", key),
        }
    }
    if files.is_empty() {
        errors.add(lang, "evidence", "err-eval-evidence");
    } else if let Err(key) = within_quota(state, org.0, &files.iter().collect::<Vec<_>>()).await? {
        errors.add(lang, "evidence", key);
    }
    if !errors.is_empty() {
        let values = json!({ "round": r.id, "self_assessment": body });
        let t = index_page(&page, state, org, values, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    // Only now, with the whole form valid, are the files written.
    let (files, kept) = store_checked(state, files).await?;
    let evidence: Vec<Evidence> = files
        .iter()
        .map(|s| Evidence {
            id: 0,
            sha256: s.sha256.clone(),
            content_type: s.content_type.into(),
            size_bytes: s.size_bytes,
            original_name: s.original_name.clone(),
        })
        .collect();
    ev.apply(user.id(), org, &org_type, r.id, &body, &evidence)
        .await?;
    kept.keep();
    Ok(Reply::flash(
        format!("/orgs/{}/evaluation", org.0),
        page.t("flash-eval-applied"),
    ))
}

#[derive(FromForm)]
pub struct RequestForm {
    body: Option<String>,
}

/// The organization's request for re-review of its proposed grade, during the notice.
#[post("/orgs/<org>/evaluation/applications/<id>/review", data = "<form>")]
async fn review_request(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
    id: EvalAppId,
    form: CsrfForm<RequestForm>,
) -> AppResult<Reply> {
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    let body = text(&form.into_inner().body).to_string();
    let back = format!("/orgs/{}/evaluation", org.0);
    if body.chars().count() < 10 || body.chars().count() > 5000 {
        return Ok(Reply::flash_error(back, page.t("err-objection-body")));
    }
    let filed = Evaluation::of(state)
        .request_review(
            &Requester {
                user: user.id(),
                name: &user.user.display_name,
                contact: &user.user.email,
            },
            org,
            id,
            &body,
        )
        .await?;
    // The request's own page, with its reference (also mailed to the admin).
    Ok(Reply::flash(
        format!("/{}", filed.path()),
        crate::platform::i18n::t_args(
            page.lang,
            "flash-objection-ref",
            &[("reference", filed.reference)],
        ),
    ))
}

/// An evidence file: to the organization's members, the round's officers and the
/// application's experts who have not been recused.
#[get("/evaluation/evidence/<id>")]
async fn evidence(state: &State<AppState>, user: &CurrentUser, id: i64) -> AppResult<FileReply> {
    let mut c = state.db.acquire().await?;
    let row = store::evidence_file(&mut c, id).await?;
    let (app_id, sha, ct) = row.ok_or(AppError::NotFound)?;
    let app = store::app_by_id(&mut c, app_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let round = store::round_by_id(&mut c, app.round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let officer = crate::web::evaluation::officer_of(user, &round);
    let expert = store::assignments_of_app(&mut c, app.id)
        .await?
        .iter()
        .any(|a| a.expert_user_id == user.id().0 && a.recused_at.is_none());
    if !(user.membership(OrgId(app.org_id)).is_some() || officer || expert) {
        return Err(AppError::Forbidden);
    }
    drop(c);
    serve(state, &sha, &ct, &format!("evidence-{id}")).await
}

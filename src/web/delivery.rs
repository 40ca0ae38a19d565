//! Delivery pages (DOMAIN §6): the organization's contracts and its progress reports and
//! deliverables; the reviewer's sheet (the purchaser or the assigned third party); the
//! beneficiary survey behind a one-time link, without login, one page that works on a phone;
//! and the deliverables' files for those who may read them.

use crate::delivery::contract::{self, Contract};
use crate::domain::performance::Template as ReviewTemplate;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::OrgId;
use crate::procurement::Procurement;
use crate::web::attachments::{check_file, store_checked, within_quota, FileReply, Upload};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

pub fn routes() -> Vec<Route> {
    routes![
        my_reviews,
        org_contracts,
        org_contract,
        file_deliverable,
        file,
        review_sheet,
        review_submit,
        survey,
        survey_answer
    ]
}

use crate::web::bids::member_org as member;

async fn orgs_contract(state: &AppState, org: OrgId, id: i64) -> AppResult<Contract> {
    let mut c = state.db.acquire().await?;
    contract::by_id(&mut c, id)
        .await?
        .filter(|k| k.org_id == org.0)
        .ok_or(AppError::NotFound)
}

#[get("/orgs/<org>/contracts")]
async fn org_contracts(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: i64,
) -> AppResult<Template> {
    let org = member(user, org)?;
    let mut c = state.db.acquire().await?;
    let list: Vec<Contract> = contract::of_org(&mut c, org.0).await?;
    Ok(page.render("delivery/list", json!({ "org": org.0, "contracts": list })))
}

async fn org_page(
    page: &Page,
    state: &AppState,
    org: OrgId,
    k: &Contract,
    values: Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let s = crate::delivery::ledger::summary(&mut c, k, state.clock.now_ms()).await?;
    let deliverables = crate::delivery::of_contract(&mut c, k.id).await?;
    let reviews: Vec<_> = crate::delivery::performance::of_contract(&mut c, k.id)
        .await?
        .into_iter()
        .filter(|r| r.submitted_at.is_some())
        .collect();
    let milestones: Vec<String> = s
        .installments
        .iter()
        .filter_map(|i| i.review_name.clone())
        .collect();
    Ok(page.render(
        "delivery/contract",
        json!({ "org": org.0, "k": k, "standing": s.standing, "s": s, "deliverables": deliverables, "reviews": reviews,
                "milestones": milestones, "values": values, "errors": errors }),
    ))
}

#[get("/orgs/<org>/contracts/<id>")]
async fn org_contract(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: i64,
    id: i64,
) -> AppResult<Template> {
    let org = member(user, org)?;
    let k = orgs_contract(state, org, id).await?;
    org_page(&page, state, org, &k, json!({}), FormErrors::default()).await
}

#[derive(FromForm)]
pub struct DeliverableForm<'r> {
    milestone: Option<String>,
    kind: Option<String>,
    body: Option<String>,
    files: Vec<Upload<'r>>,
}

#[post("/orgs/<org>/contracts/<id>/deliverables", data = "<form>")]
async fn file_deliverable(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: i64,
    id: i64,
    form: CsrfForm<DeliverableForm<'_>>,
) -> AppResult<Reply> {
    let org = member(user, org)?;
    let k = orgs_contract(state, org, id).await?;
    let f = form.into_inner();
    let values =
        json!({ "milestone": text(&f.milestone), "kind": text(&f.kind), "body": text(&f.body) });
    let mut checked = Vec::new();
    let chosen = f.files.iter().filter(|u| match u {
        Upload::File(t) => t.len() > 0,
        Upload::Refused => true,
    });
    for up in chosen.take(5) {
        match check_file(state, Some(up)).await {
            Ok(s) => checked.push(s),
            Err(key) => {
                let mut e = FormErrors::default();
                e.add(page.lang, "files", key);
                let t = org_page(&page, state, org, &k, values, e).await?;
                return Ok(Reply::page(Http::UnprocessableEntity, t));
            }
        }
    }
    if let Err(key) = within_quota(state, org.0, &checked.iter().collect::<Vec<_>>()).await? {
        let mut e = FormErrors::default();
        e.add(page.lang, "files", key);
        let t = org_page(&page, state, org, &k, values, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    // Written only now; removed again if the deliverable is refused.
    let (stored, kept) = store_checked(state, checked).await?;
    match Procurement::of(state)
        .file_deliverable(
            &k,
            text(&f.milestone),
            text(&f.kind),
            text(&f.body),
            &stored,
            user.id().0,
        )
        .await?
    {
        Ok(_) => {
            kept.keep();
            Ok(Reply::flash(
                format!("/orgs/{}/contracts/{id}", org.0),
                page.t("flash-deliverable-filed"),
            ))
        }
        Err(key) => {
            let mut e = FormErrors::default();
            e.add(page.lang, "body", key);
            let t = org_page(&page, state, org, &k, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

/// A deliverable's file: for the organization's members and the purchasing department.
#[get("/contracts/<id>/files/<sha>")]
async fn file(
    state: &State<AppState>,
    user: &CurrentUser,
    id: i64,
    sha: &str,
) -> AppResult<FileReply> {
    let (k, found) = {
        let mut c = state.db.acquire().await?;
        let k = contract::by_id(&mut c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let found = crate::delivery::file_of(&mut c, id, sha).await?;
        (k, found)
    };
    let purchaser = crate::web::purchase::purchasers_project(state, user, k.project_id)
        .await
        .is_ok();
    if user.membership(OrgId(k.org_id)).is_none() && !purchaser {
        return Err(AppError::Forbidden);
    }
    let (content_type, _name) = found.ok_or(AppError::NotFound)?;
    crate::web::attachments::serve(state, sha, &content_type, "deliverable").await
}

/// The reviews assigned to this user (the purchaser's own, or a third party's).
#[get("/reviews")]
async fn my_reviews(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let rows = crate::delivery::performance::assigned_to(&mut c, user.id().0).await?;
    Ok(page.render("delivery/reviews", json!({ "reviews": rows })))
}

/// The review, if this user is its reviewer and still holds the role it reviews in — a third
/// party's grant, or a purchaser of the contract's department — and is no member of the
/// contractor (403 otherwise).
async fn reviewers(
    state: &AppState,
    user: &CurrentUser,
    rid: i64,
) -> AppResult<(crate::delivery::performance::Review, Contract)> {
    let (r, k) = {
        let mut c = state.db.acquire().await?;
        let r = crate::delivery::performance::by_id(&mut c, rid)
            .await?
            .ok_or(AppError::NotFound)?;
        let k = contract::by_id(&mut c, r.contract_id)
            .await?
            .ok_or(AppError::NotFound)?;
        (r, k)
    };
    let role = if r.reviewer_kind == "third_party" {
        user.has(crate::domain::role::Role::ThirdPartyReviewer)
    } else {
        crate::web::purchase::purchasers_project(state, user, k.project_id)
            .await
            .is_ok()
    };
    if r.reviewer_user_id != user.id().0 || !role || user.membership(OrgId(k.org_id)).is_some() {
        return Err(AppError::Forbidden);
    }
    Ok((r, k))
}

async fn sheet(
    page: &Page,
    r: &crate::delivery::performance::Review,
    k: &Contract,
    values: Value,
    errors: FormErrors,
) -> Template {
    page.render(
        "delivery/review",
        json!({ "r": r, "k": k, "template": ReviewTemplate::shipped(), "values": values, "errors": errors }),
    )
}

#[get("/reviews/<rid>")]
async fn review_sheet(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    rid: i64,
) -> AppResult<Template> {
    let (r, k) = reviewers(state, user, rid).await?;
    Ok(sheet(&page, &r, &k, json!({}), FormErrors::default()).await)
}

#[derive(FromForm)]
pub struct ReviewForm {
    score: HashMap<String, String>,
    satisfaction: Option<String>,
}

#[post("/reviews/<rid>", data = "<form>")]
async fn review_submit(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    rid: i64,
    form: CsrfForm<ReviewForm>,
) -> AppResult<Reply> {
    let (r, k) = reviewers(state, user, rid).await?;
    let f = form.into_inner();
    let raw: BTreeMap<String, String> = f.score.into_iter().collect();
    let t = ReviewTemplate::shipped();
    let mut values = json!({ "satisfaction": text(&f.satisfaction) });
    for (key, v) in &raw {
        values[format!("s-{key}")] = json!(v);
    }
    let scores = match crate::delivery::performance::check_scores(t, &raw) {
        Ok(s) => s,
        Err(bad) => {
            let mut e = FormErrors::default();
            for key in bad {
                let item = t.items().find(|i| i.key == key);
                e.add_text(
                    &format!("s-{key}"),
                    format!(
                        "{}：{} 0–{}",
                        item.map(|i| i.zh.as_str()).unwrap_or(""),
                        page.t("err-review-score"),
                        item.map(|i| i.max).unwrap_or(0)
                    ),
                );
            }
            let tpl = sheet(&page, &r, &k, values, e).await;
            return Ok(Reply::page(Http::UnprocessableEntity, tpl));
        }
    };
    let manual = Decimal::from_str(text(&f.satisfaction).trim()).ok();
    match Procurement::of(state)
        .submit_review(&r, &scores, manual, user.id().0)
        .await?
    {
        Ok(_) => Ok(Reply::flash(
            format!("/reviews/{rid}"),
            page.t("flash-review-submitted"),
        )),
        Err(key) => {
            let mut e = FormErrors::default();
            e.add(page.lang, "satisfaction", key);
            let tpl = sheet(&page, &r, &k, values, e).await;
            Ok(Reply::page(Http::UnprocessableEntity, tpl))
        }
    }
}

/// The beneficiary survey: no login; an unknown link is 404, a used one says so.
#[get("/survey/<token>")]
async fn survey(page: Page, state: &State<AppState>, token: &str) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let (_, _, title, answered) = crate::delivery::performance::survey_of(&mut c, token)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(page.render(
        "delivery/survey",
        json!({ "token": token, "title": title, "answered": answered,
                "questions": ReviewTemplate::shipped().questions, "errors": FormErrors::default() }),
    ))
}

#[derive(FromForm)]
pub struct SurveyForm {
    q: HashMap<usize, i64>,
}

#[post("/survey/<token>", data = "<form>")]
async fn survey_answer(
    page: Page,
    state: &State<AppState>,
    token: &str,
    form: CsrfForm<SurveyForm>,
) -> AppResult<Reply> {
    let form = form.into_inner();
    let n = ReviewTemplate::shipped().questions.len();
    let answers: Vec<i64> = (0..n)
        .map(|i| form.q.get(&i).copied().unwrap_or(0))
        .collect();
    let title = {
        let mut c = state.db.acquire().await?;
        crate::delivery::performance::survey_of(&mut c, token)
            .await?
            .ok_or(AppError::NotFound)?
            .2
    };
    match Procurement::of(state)
        .answer_survey(token, &answers)
        .await?
    {
        Ok(()) => Ok(Reply::page(
            Http::Ok,
            page.render("delivery/survey_thanks", json!({ "title": title })),
        )),
        Err(key) => {
            let mut e = FormErrors::default();
            e.add(page.lang, "q-0", key);
            Ok(Reply::page(
                Http::UnprocessableEntity,
                page.render(
                    "delivery/survey",
                    json!({ "token": token, "title": title, "answered": key == "err-survey-answered",
                            "questions": ReviewTemplate::shipped().questions, "errors": e }),
                ),
            ))
        }
    }
}

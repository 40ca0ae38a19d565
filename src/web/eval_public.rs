//! Public evaluation pages, no login: the notices (公示) of proposed grades with the objection
//! form anyone may use during the notice period (with contact details), each objection's own
//! page behind its secret link (reference, status, due date, the written answer), the round's
//! answered objections without personal data, the announced results, the printable
//! certificate of a 3A-or-above grade (marked void once the grade ends), and the public list
//! of void certificates (作废公告) with their return.

use crate::db::documents::IssuerRef;
use crate::db::evaluation::{self as store, NewObjection, Round};
use crate::domain::calendar::iso_date;
use crate::domain::docnum::DocKind;
use crate::domain::evaluation::Grade;
use crate::evaluation::Evaluation;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::auth::session::Client;
use crate::platform::documents;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{GradeId, RoundId};
use crate::platform::limits;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde::Serialize;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![
        notices,
        notice,
        object,
        objection,
        answered,
        certificate,
        void_certificates
    ]
}

fn public(r: &Round) -> bool {
    matches!(
        r.status,
        crate::domain::eval_life::RoundStatus::Notice
            | crate::domain::eval_life::RoundStatus::Announced
    )
}

#[get("/evaluation/notices")]
async fn notices(page: Page, state: &State<AppState>) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let rounds: Vec<Round> = store::rounds(&mut c, None)
        .await?
        .into_iter()
        .filter(public)
        .collect();
    Ok(page.render("evaluation/notices", json!({ "rounds": rounds })))
}

async fn notice_page(
    page: &Page,
    state: &AppState,
    id: i64,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let today = iso_date(Evaluation::of(state).today());
    let mut c = state.db.acquire().await?;
    let r = store::round_by_id(&mut c, id)
        .await?
        .filter(public)
        .ok_or(AppError::NotFound)?;
    let apps: Vec<_> = store::apps_of_round(&mut c, id)
        .await?
        .into_iter()
        .filter(|a| {
            matches!(
                a.status,
                crate::domain::eval_life::AppStatus::Decided
                    | crate::domain::eval_life::AppStatus::Announced
            )
        })
        .map(|a| json!({ "id": a.id, "org_id": a.org_id, "org_name": a.org_name, "grade": a.decided_grade }))
        .collect();
    let open = r.status == crate::domain::eval_life::RoundStatus::Notice
        && r.notice_to.as_deref().is_some_and(|t| today.as_str() <= t);
    drop(c);
    // The notice (公示) and, once announced, the result (公告) are two documents, each numbered.
    let (kind, issued_on) = if r.status == crate::domain::eval_life::RoundStatus::Announced {
        (DocKind::EvalResult, r.announced_on.clone())
    } else {
        (DocKind::EvalNotice, r.notice_from.clone())
    };
    let official = documents::official(
        state,
        kind,
        r.id,
        "",
        &issued_on.unwrap_or_else(|| today.clone()),
        IssuerRef::Authority(r.authority_id),
        documents::Issuer {
            name_zh: r.authority_zh.clone(),
            name_en: r.authority_en.clone(),
            ..Default::default()
        },
    )
    .await?;
    Ok(page.render(
        "evaluation/notice",
        json!({ "round": r, "apps": apps, "open": open, "values": values, "errors": errors,
                "official": official }),
    ))
}

#[get("/evaluation/rounds/<id>/notice")]
async fn notice(page: Page, state: &State<AppState>, id: RoundId) -> AppResult<Template> {
    notice_page(&page, state, id.0, json!({}), FormErrors::default()).await
}

#[derive(FromForm, Serialize)]
pub struct ObjectionForm {
    application: Option<i64>,
    name: Option<String>,
    contact: Option<String>,
    body: Option<String>,
}

/// An objection (举报) by anyone during the notice: answered in writing within 15 days.
#[post("/evaluation/rounds/<id>/objections", data = "<form>")]
async fn object(
    client: Client,
    page: Page,
    state: &State<AppState>,
    user: Option<&CurrentUser>,
    id: RoundId,
    form: CsrfForm<ObjectionForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let lang = page.lang;
    let ev = Evaluation::of(state);
    let today = ev.today();
    let day = iso_date(today);
    let mut errors = FormErrors::default();
    let (app, open) = {
        let mut c = state.db.acquire().await?;
        let r = store::round_by_id(&mut c, id.0)
            .await?
            .filter(public)
            .ok_or(AppError::NotFound)?;
        let open = r.status == crate::domain::eval_life::RoundStatus::Notice
            && r.notice_to.as_deref().is_some_and(|t| day.as_str() <= t);
        let app = match f.application {
            Some(a) => store::app_by_id(&mut c, a).await?.filter(|x| {
                x.round_id == r.id && x.status == crate::domain::eval_life::AppStatus::Decided
            }),
            None => None,
        };
        (app, open)
    };
    if !open {
        return Err(AppError::Conflict("err-objection-closed"));
    }
    if app.is_none() {
        errors.add(lang, "application", "err-objection-app");
    }
    let name = text(&f.name).to_string();
    if name.is_empty() || name.chars().count() > 100 {
        errors.add(lang, "name", "err-objection-name");
    }
    let contact = text(&f.contact).to_string();
    let contact_ok = crate::domain::email::EmailAddress::parse(&contact).is_some()
        || crate::web::forms::valid_phone(&contact);
    if !contact_ok {
        errors.add(lang, "contact", "err-objection-contact");
    }
    let body = text(&f.body).to_string();
    if body.chars().count() < 10 || body.chars().count() > 5000 {
        errors.add(lang, "body", "err-objection-body");
    }
    let Some(app) = app.filter(|_| errors.is_empty()) else {
        let values = serde_json::to_value(&f).unwrap_or_default();
        let t = notice_page(&page, state, id.0, values, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    // Anyone may object, so an address may send only so many an hour.
    if !limits::allow_public_post(&state.db, &state.clock, &client.network).await? {
        errors.add(lang, "body", "err-too-many-posts");
        let values = serde_json::to_value(&f).unwrap_or_default();
        let t = notice_page(&page, state, id.0, values, errors).await?;
        return Ok(Reply::page(Http::TooManyRequests, t));
    }
    let filed = ev
        .report_objection(&NewObjection {
            app_id: app.id,
            kind: "report",
            name: &name,
            contact: &contact,
            body: &body,
            filed_by: user.map(|u| u.id().0),
            filed_on: &day,
            due_on: &iso_date(today + time::Duration::days(15)),
        })
        .await?;
    // The objection's own page: its address is the secret, shown here once (and mailed to
    // the objector if signed in).
    Ok(Reply::flash(
        format!("/{}", filed.path()),
        crate::platform::i18n::t_args(
            lang,
            "flash-objection-ref",
            &[("reference", filed.reference)],
        ),
    ))
}

/// An objection's own page, behind the secret link its objector was given: the reference,
/// the status, the due date and, once answered, the written answer.
#[get("/evaluation/objections/ref/<token>")]
async fn objection(page: Page, state: &State<AppState>, token: &str) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let o = crate::evaluation::objection_of(&mut c, token)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = store::round_by_id(&mut c, o.round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let link = format!(
        "{}/evaluation/objections/ref/{token}",
        state.config.public_url.trim_end_matches('/')
    );
    Ok(page.render(
        "evaluation/objection",
        json!({ "o": o, "round": r, "public": public(&r), "link": link }),
    ))
}

/// The round's answered objections, by reference, with their written answers: no name, no
/// contact, not the objector's own words.
#[get("/evaluation/rounds/<id>/objections")]
async fn answered(page: Page, state: &State<AppState>, id: RoundId) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let r = store::round_by_id(&mut c, id.0)
        .await?
        .filter(public)
        .ok_or(AppError::NotFound)?;
    let rows = store::answered_objections(&mut c, r.id).await?;
    Ok(page.render("evaluation/answered", json!({ "round": r, "rows": rows })))
}

#[get("/grades/<id>/certificate")]
async fn certificate(page: Page, state: &State<AppState>, id: GradeId) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let g = store::grades_where(&mut c, "g.id", id.0)
        .await?
        .into_iter()
        .next()
        .filter(|g| Grade::parse(&g.grade).is_some_and(Grade::certified))
        .ok_or(AppError::NotFound)?;
    // A grade that ended (downgraded or expired) voids its certificate at once (issue 22,
    // item 15): the page says so, with the day it is due back and whether it came back.
    let today = iso_date(Evaluation::of(state).today());
    let void = g.ended_on.as_deref().is_some_and(|e| e <= today.as_str());
    Ok(page.render("evaluation/certificate", json!({ "g": g, "void": void })))
}

/// The public notice of void certificates (评估等级证书作废公告): every certificate whose grade
/// ended since the return is tracked, newest first, with its return.
#[get("/grades/void")]
async fn void_certificates(page: Page, state: &State<AppState>) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let rows = store::void_certificates(&mut c).await?;
    Ok(page.render("evaluation/void", json!({ "rows": rows })))
}

//! The registrar's side (DOMAIN §2): a queue ordered by statutory deadline, the review of one
//! application, and the actions — accept, one correction notice, decline with a referral,
//! approve (USCC, certificate, announcement), refuse with grounds. Registrars act only on their
//! own authority's cases. Also the printable notices and the public certificate and
//! announcements.

use crate::db::applications::{self as store, Application, Value};
use crate::db::directory::{self, UnitKind};
use crate::domain::application::{self as rules, Action, Status};
use crate::domain::calendar::{iso_date, parse_iso_date};
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::{role, CurrentUser, Staff};
use crate::platform::documents;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{ApplicationId, OrgId};
use crate::registry::Registry;
use crate::web::application_form::view;
use crate::web::attachments::{handles, may_read};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde::Serialize;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![queue, review, act, notice, certificate, announcements]
}

type Registrar<'r> = Staff<'r, role::Registrar>;

#[derive(Serialize)]
struct QueueRow {
    app: Application,
    stage: &'static str,
    due: Option<String>,
    days_left: Option<i64>,
    overdue: bool,
}

/// The clock an application is on: to accept (working days) or to decide.
fn clock(state: &AppState, app: &Application) -> (&'static str, Option<String>, Option<i64>) {
    let today = Registry::of(state).today();
    let left = |due: &Option<String>, working: bool| {
        due.as_deref()
            .and_then(parse_iso_date)
            .map(|d| rules::days_left(&state.calendars.now(), today, d, working))
    };
    match Status::parse(&app.status) {
        Some(Status::Submitted) => ("accept", app.accept_by.clone(), left(&app.accept_by, true)),
        Some(Status::Accepted) => {
            let working = app.decision_day_kind.as_deref() == Some("working");
            (
                "decide",
                app.decision_due.clone(),
                left(&app.decision_due, working),
            )
        }
        Some(Status::Correction) => ("applicant", None, None),
        _ => ("closed", None, None),
    }
}

#[get("/registry")]
async fn queue(page: Page, state: &State<AppState>, staff: Registrar<'_>) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let apps = store::queue(
        &mut c,
        &staff
            .user
            .authorities(crate::domain::role::Role::Registrar)
            .collect::<Vec<_>>(),
    )
    .await?;
    let mut rows: Vec<QueueRow> = apps
        .into_iter()
        .map(|app| {
            let (stage, due, days_left) = clock(state, &app);
            QueueRow {
                overdue: days_left.is_some_and(|d| d < 0),
                app,
                stage,
                due,
                days_left,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.due.is_none(), a.due.clone(), a.app.id).cmp(&(b.due.is_none(), b.due.clone(), b.app.id))
    });
    Ok(page.render("registry/queue", json!({ "rows": rows })))
}

/// The application, if this registrar handles it: 403 for another authority's case, 404 for a
/// draft (drafts are the applicant's alone).
async fn handled(
    state: &AppState,
    user: &CurrentUser,
    id: ApplicationId,
) -> AppResult<Application> {
    let mut c = state.db.acquire().await?;
    let app = store::by_id(&mut c, id).await?.ok_or(AppError::NotFound)?;
    // Never on a matter of one's own (DOMAIN §1): one's own application or organization.
    let own = app.applicant_user_id == user.id()
        || app.org_id.is_some_and(|o| user.membership(o).is_some());
    if !handles(user, &app) || own {
        return Err(AppError::Forbidden);
    }
    // Drafts never submitted (also when withdrawn as drafts) are the applicant's alone.
    if app.submitted_at.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(app)
}

async fn review_page(
    page: &Page,
    state: &AppState,
    app: &Application,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut v = view(state, app).await?;
    let mut c = state.db.acquire().await?;
    let others: Vec<_> = directory::list(&mut c, UnitKind::Authority)
        .await?
        .into_iter()
        .filter(|a| a.id != app.authority_id)
        .collect();
    let (stage, due, days_left) = clock(state, app);
    let status = Status::parse(&app.status).unwrap_or(Status::Draft);
    let sent = app.correction_sent_at.is_some();
    let allowed: Vec<&str> = ["accept", "correct", "decline", "approve", "refuse"]
        .into_iter()
        .filter(|a| Action::parse(a).is_some_and(|x| x.allowed(status, sent)))
        .collect();
    if let Some(m) = v.as_object_mut() {
        m.insert("others".into(), json!(others));
        m.insert("stage".into(), json!(stage));
        m.insert("due".into(), json!(due));
        m.insert("days_left".into(), json!(days_left));
        m.insert("allowed".into(), json!(allowed));
        let (_, national) = crate::registry::name_flags(app);
        m.insert("national_words".into(), json!(national));
        m.insert("refusal_grounds".into(), json!(rules::REFUSAL_GROUNDS));
        m.insert("attachment_kinds".into(), json!(rules::ATTACHMENT_KINDS));
        m.insert("values".into(), values);
        m.insert(
            "errors".into(),
            serde_json::to_value(&errors).unwrap_or_default(),
        );
    }
    Ok(page.render("registry/review", v))
}

#[get("/registry/applications/<id>")]
async fn review(
    page: Page,
    state: &State<AppState>,
    staff: Registrar<'_>,
    id: ApplicationId,
) -> AppResult<Template> {
    let app = handled(state, staff.user, id).await?;
    review_page(&page, state, &app, json!({}), FormErrors::default()).await
}

#[derive(FromForm, Serialize)]
pub struct ActionForm {
    items: Vec<String>,
    correction_text: Option<String>,
    referral: Option<i64>,
    decline_text: Option<String>,
    grounds: Vec<String>,
    refusal_text: Option<String>,
    name_reason: Option<String>,
}

#[post("/registry/applications/<id>/<action>", data = "<form>")]
async fn act(
    page: Page,
    state: &State<AppState>,
    staff: Registrar<'_>,
    id: ApplicationId,
    action: &str,
    form: CsrfForm<ActionForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let app = handled(state, user, id).await?;
    let Some(act) = Action::parse(action) else {
        return Err(AppError::NotFound);
    };
    let f = form.into_inner();
    let lang = page.lang;
    let mut errors = FormErrors::default();
    let mut fields: Vec<(&'static str, Value)> = Vec::new();
    let reg = Registry::of(state);
    let today = reg.today();
    let mut note = None;
    match act {
        Action::Accept => {}
        Action::Correct => {
            let mut items: Vec<String> = f
                .items
                .iter()
                .filter(|k| rules::ATTACHMENT_KINDS.contains(&k.as_str()))
                .map(|k| {
                    crate::platform::i18n::t(
                        crate::domain::lang::Lang::ZhCn,
                        &format!("attachment-{k}"),
                    )
                })
                .collect();
            items.extend(
                text(&f.correction_text)
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from),
            );
            if items.is_empty() {
                errors.add(lang, "correction_text", "err-reg-correction-empty");
            }
            note = Some(items.join("；"));
            fields.push(("correction", Value::OptText(Some(json!(items).to_string()))));
            fields.push((
                "correction_sent_at",
                Value::OptInt(Some(state.clock.now_ms())),
            ));
        }
        Action::Decline => {
            let mut c = state.db.acquire().await?;
            let others = directory::list(&mut c, UnitKind::Authority).await?;
            let referral = f.referral.and_then(|r| {
                others
                    .iter()
                    .find(|a| a.id == r && a.id != app.authority_id)
            });
            if referral.is_none() {
                errors.add(lang, "referral", "err-reg-referral");
            }
            let why = text(&f.decline_text).to_string();
            if why.is_empty() {
                errors.add(lang, "decline_text", "err-reg-reason-missing");
            }
            note = Some(why.clone());
            fields.push((
                "referral_authority_id",
                Value::OptInt(referral.map(|a| a.id)),
            ));
            fields.push(("decline_text", Value::OptText(Some(why))));
            fields.push(("decided_on", Value::Text(iso_date(today))));
        }
        Action::Refuse => {
            let grounds: Vec<&str> = f
                .grounds
                .iter()
                .map(String::as_str)
                .filter(|g| rules::REFUSAL_GROUNDS.contains(g))
                .collect();
            if grounds.is_empty() {
                errors.add(lang, "grounds", "err-reg-grounds");
            }
            let why = text(&f.refusal_text).to_string();
            if why.is_empty() {
                errors.add(lang, "refusal_text", "err-reg-reason-missing");
            }
            note = Some(why.clone());
            fields.push(("refusal_grounds", Value::OptText(Some(grounds.join(",")))));
            fields.push(("refusal_text", Value::OptText(Some(why))));
            fields.push(("decided_on", Value::Text(iso_date(today))));
        }
        Action::Approve => {
            // A flagged name needs the registrar's recorded reason (民政部令69; DOMAIN §2).
            let (similar, national) = crate::registry::name_flags(&app);
            let why = text(&f.name_reason).to_string();
            if (!similar.is_empty() || !national.is_empty()) && why.is_empty() {
                errors.add(lang, "name_reason", "err-reg-name-reason");
            }
            if !why.is_empty() {
                note = Some(why.clone());
                fields.push(("name_accepted_reason", Value::OptText(Some(why))));
            }
        }
    }
    if !errors.is_empty() {
        let values = serde_json::to_value(&f).unwrap_or_default();
        let t = review_page(&page, state, &app, values, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    let values = serde_json::to_value(&f).unwrap_or_default();
    let acted = reg
        .registrar_act(user.id(), id, act, fields, note, today)
        .await;
    // The acceptance period lapsed (the application counts as accepted by law): a correction
    // notice or a decline is refused at its own field with what is left to do (409).
    if let Err(AppError::Conflict("err-reg-accept-lapsed")) = acted {
        let field = if matches!(act, Action::Correct) {
            "correction_text"
        } else {
            "decline_text"
        };
        let mut errors = FormErrors::default();
        errors.add(lang, field, "err-reg-accept-lapsed-do");
        let t = review_page(&page, state, &app, values, errors).await?;
        return Ok(Reply::page(Http::Conflict, t));
    }
    let event = match acted? {
        Ok(event) => event,
        Err(app) => {
            let mut errors = FormErrors::default();
            errors.add(lang, "approve", "err-uscc-no-block");
            let t = review_page(&page, state, &app, json!({}), errors).await?;
            return Ok(Reply::page(Http::UnprocessableEntity, t));
        }
    };
    Ok(Reply::flash(
        format!("/registry/applications/{id}"),
        page.t(&format!("flash-reg-{}", event.replace('_', "-"))),
    ))
}

/// Printable notices: 受理通知书 (acceptance), 一次性补正告知书 (correction), 不予受理决定书
/// (decline) and 不予登记决定书 (refusal). For the applicant and the registrars handling it.
#[get("/applications/<id>/notices/<doc>")]
async fn notice(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    id: ApplicationId,
    doc: &str,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let app = store::by_id(&mut c, id).await?.ok_or(AppError::NotFound)?;
    drop(c);
    if !may_read(user, &app) {
        return Err(if handles(user, &app) {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    use crate::domain::docnum::DocKind;
    // The kind of notice and the day it was issued, once it has been.
    let decided = app
        .decided_on
        .clone()
        .unwrap_or_else(|| documents::day_of(app.updated_at));
    let issued = match doc {
        "acceptance" => app.accepted_on.clone().map(|d| (DocKind::Acceptance, d)),
        "correction" => app
            .correction_sent_at
            .map(|t| (DocKind::Correction, documents::day_of(t))),
        "decline" if app.status == Status::Declined.code() => Some((DocKind::Decline, decided)),
        "refusal" if app.status == Status::Refused.code() => Some((DocKind::Refusal, decided)),
        _ => None,
    };
    let Some((kind, issued_on)) = issued else {
        return Err(AppError::NotFound);
    };
    let official = documents::official(
        state,
        kind,
        app.id.0,
        &app.division_code,
        &issued_on,
        crate::db::documents::IssuerRef::Authority(app.authority_id),
        documents::Issuer {
            name_zh: app.authority_zh.clone(),
            ..Default::default()
        },
    )
    .await?;
    let mut v = view(state, &app).await?;
    if let Some(m) = v.as_object_mut() {
        m.insert("doc".into(), json!(doc));
        m.insert("official".into(), json!(official));
    }
    Ok(page.render("registry/notice", v))
}

/// The registration certificate (登记证书) of a registered organization: public facts only.
#[get("/organizations/<id>/certificate")]
async fn certificate(page: Page, state: &State<AppState>, id: OrgId) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let org = crate::web::directory::public_facts(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(page.render("registry/certificate", json!({ "org": org })))
}

/// Registration announcements (登记公告), newest first.
#[get("/announcements")]
async fn announcements(page: Page, state: &State<AppState>) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let items = store::announcements(&mut c, 100).await?;
    Ok(page.render("registry/announcements", json!({ "items": items })))
}

//! The procurement supervisor's complaints (DOMAIN §5, issue 21 item 5): the queue, each
//! complaint's dossier (the complaint, the challenge and the purchaser's answer, the bids opened
//! in the round, the evaluation report, the suspension order, the timeline) where it is
//! decided, and the 投诉处理决定书 printed from the decision, public once made (94号令 art. 33
//! has complaint decisions published).

use crate::db::documents::IssuerRef;
use crate::domain::calendar::iso_date;
use crate::domain::docnum::DocKind;
use crate::domain::role::Role;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::documents;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::OrgId;
use crate::procurement::challenge::{self, Ruling};
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::suppliers::Supervisor;
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![complaints, dossier, report, decision, decide, suspend, lift]
}

/// The procurement supervisor's complaints, undecided first, each with its 30-working-day clock
/// and a link to its dossier.
#[get("/complaints")]
async fn complaints(
    page: Page,
    state: &State<AppState>,
    _s: Supervisor<'_>,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let list = challenge::complaints(&mut c).await?;
    let today = state.calendars.today();
    // The complaints under a suspension order in force (one query, not one per complaint).
    let suspended: Vec<i64> = crate::delivery::store::open_orders(&mut c)
        .await?
        .into_iter()
        .filter(|o| o.facts().in_force(today))
        .map(|o| o.complaint_id)
        .collect();
    Ok(page.render(
        "complaints/index",
        json!({ "complaints": list, "suspended": suspended, "now": state.clock.now_ms() }),
    ))
}

async fn dossier_page(
    page: &Page,
    state: &AppState,
    id: i64,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let d = Procurement::of(state)
        .complaint_dossier(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = state.calendars.today();
    let in_force = d.order.as_ref().is_some_and(|o| o.facts().in_force(today));
    let latest = crate::delivery::rules::order_latest(today);
    Ok(page.render(
        "complaints/show",
        json!({ "d": d, "in_force": in_force, "today": iso_date(today), "latest": iso_date(latest),
                "now": state.clock.now_ms(), "values": values, "errors": errors }),
    ))
}

/// One complaint's dossier, where the supervisor reads everything and decides.
#[get("/complaints/<id>")]
async fn dossier(
    page: Page,
    state: &State<AppState>,
    _s: Supervisor<'_>,
    id: i64,
) -> AppResult<Template> {
    dossier_page(&page, state, id, json!({}), FormErrors::default()).await
}

/// The evaluation report of the project a complaint is about, for the supervisor deciding it.
#[get("/complaints/<id>/report")]
async fn report(
    page: Page,
    state: &State<AppState>,
    _s: Supervisor<'_>,
    id: i64,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let k = challenge::complaint_by_id(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = crate::db::projects::by_id(&mut c, k.project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The report is the project's current round's: only for a complaint about that round.
    let ch = challenge::by_id(&mut c, k.challenge_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if ch.round != p.round {
        return Err(AppError::NotFound);
    }
    let r = crate::procurement::panel_scoring::report(&mut c, &p)
        .await?
        .ok_or(AppError::NotFound)?;
    let criteria = crate::db::projects::criteria(&mut c, p.id).await?;
    let panel = crate::procurement::panel::panel_of(&mut c, &p).await?;
    Ok(page.render(
        "purchase/report",
        json!({ "p": p, "r": r, "criteria": criteria, "panel": panel,
                "back": format!("/complaints/{id}"), "back_label": format!("{} · {}", p.number, p.title) }),
    ))
}

/// The 投诉处理决定书, once the complaint is decided (404 before): public, like the decision's
/// publication; it names organizations and the purchaser, no person. The complaint's own text
/// is printed for the supervisor and the complainant only (it may name people); the public
/// reads the facts found and the decision. A decision made before decisions were numbered
/// gets its number the first time it is printed, dated the day it was made.
#[get("/complaints/<id>/decision")]
async fn decision(
    page: Page,
    state: &State<AppState>,
    user: Option<&CurrentUser>,
    id: i64,
) -> AppResult<Template> {
    let d = Procurement::of(state)
        .complaint_dossier(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let decided_at = d.complaint.decided_at.ok_or(AppError::NotFound)?;
    // Its number (given when decided; for a decision from before numbers, given now).
    let official = documents::official(
        state,
        DocKind::ComplaintDecision,
        d.complaint.id,
        "",
        &documents::day_of(decided_at),
        IssuerRef::Supervisor,
        crate::db::documents::Issuer {
            name_zh: "政府采购监督管理部门".into(),
            name_en: "Government procurement supervisor".into(),
            ..Default::default()
        },
    )
    .await?;
    let party = user.is_some_and(|u| {
        u.has(Role::ProcurementSupervisor) || u.membership(OrgId(d.challenge.org_id)).is_some()
    });
    let (k, ch, p) = (&d.complaint, &d.challenge, &d.project);
    Ok(page.render(
        "complaints/decision",
        json!({
            "official": official,
            "party": party,
            "k": { "org_name": k.org_name, "filed_at": k.filed_at, "body": if party { k.body.as_str() } else { "" },
                   "outcome": k.outcome, "findings": k.findings, "decision": k.decision },
            "ch": { "filed_at": ch.filed_at, "target": ch.target, "answered_at": ch.answered_at },
            "p": { "number": p.number, "title": p.title, "department_zh": p.department_zh,
                   "agency_zh": p.agency_zh },
        }),
    ))
}

#[derive(FromForm)]
pub struct DecideForm {
    outcome: Option<String>,
    findings: Option<String>,
    decision: Option<String>,
}

#[post("/complaints/<id>/decide", data = "<form>")]
async fn decide(
    page: Page,
    state: &State<AppState>,
    staff: Supervisor<'_>,
    id: i64,
    form: CsrfForm<DecideForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let ruling = Ruling {
        outcome: text(&f.outcome),
        findings: text(&f.findings),
        decision: text(&f.decision),
    };
    match Procurement::of(state)
        .decide_complaint_by_id(id, &ruling, staff.user.id())
        .await?
    {
        Ok(()) => Ok(Reply::flash(
            format!("/complaints/{id}"),
            page.t("flash-complaint-decided"),
        )),
        Err(key) => {
            let field = match key {
                "err-complaint-outcome" => "outcome-dismissed",
                "err-complaint-findings" => "findings",
                _ => "decision",
            };
            let mut e = FormErrors::default();
            e.add(page.lang, field, key);
            let values = json!({ "outcome": ruling.outcome, "findings": ruling.findings,
                                 "decision": ruling.decision });
            let t = dossier_page(&page, state, id, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

#[derive(FromForm)]
pub struct OrderForm {
    until: Option<String>,
    reason: Option<String>,
}

/// The supervisor's written order suspending the procurement during a complaint (at most 30
/// days after today; it lapses by itself).
#[post("/complaints/<id>/suspend", data = "<form>")]
async fn suspend(
    page: Page,
    state: &State<AppState>,
    staff: Supervisor<'_>,
    id: i64,
    form: CsrfForm<OrderForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let k = {
        let mut c = state.db.acquire().await?;
        challenge::complaint_by_id(&mut c, id)
            .await?
            .ok_or(AppError::NotFound)?
    };
    let values = json!({ "until": text(&f.until), "reason": text(&f.reason) });
    let refused = |field: &str, key: &str| {
        let mut e = FormErrors::default();
        e.add(page.lang, field, key);
        e
    };
    let Some(until) = crate::domain::calendar::parse_iso_date(text(&f.until)) else {
        let e = refused("until", "err-date-invalid");
        let t = dossier_page(&page, state, id, values, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    match Procurement::of(state)
        .order_suspension(&k, until, text(&f.reason), staff.user.id().0)
        .await?
    {
        Ok(_) => Ok(Reply::flash(
            format!("/complaints/{id}"),
            page.t("flash-order-made"),
        )),
        Err(r) => {
            let field = match r {
                crate::delivery::rules::OrderRefusal::Reason => "reason",
                _ => "until",
            };
            let e = refused(field, r.message_key());
            let t = dossier_page(&page, state, id, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

#[derive(FromForm)]
pub struct LiftForm {
    reason: Option<String>,
}

/// Lifts a suspension order before its last day, with the reason.
#[post("/complaints/orders/<order>/lift", data = "<form>")]
async fn lift(
    page: Page,
    state: &State<AppState>,
    staff: Supervisor<'_>,
    order: i64,
    form: CsrfForm<LiftForm>,
) -> AppResult<Reply> {
    let reason = text(&form.into_inner().reason).to_string();
    let complaint = {
        let mut c = state.db.acquire().await?;
        crate::delivery::store::order_by_id(&mut c, order)
            .await?
            .ok_or(AppError::NotFound)?
            .complaint_id
    };
    match Procurement::of(state)
        .lift_suspension(order, &reason, staff.user.id().0)
        .await?
    {
        Ok(()) => Ok(Reply::flash(
            format!("/complaints/{complaint}"),
            page.t("flash-order-lifted"),
        )),
        Err(key) => {
            let mut e = FormErrors::default();
            e.add(page.lang, "lift", key);
            let values = json!({ "lift": reason });
            let t = dossier_page(&page, state, complaint, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

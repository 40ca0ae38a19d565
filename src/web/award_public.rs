//! The public side of the award (DOMAIN §5): the award notice (purchaser, project name and
//! number, winner with address and amount, the service requirements, the panel's names), the
//! published contracts with their installment plans and filing; a bidder's inquiries,
//! challenges and complaints; and the procurement supervisor's complaint decisions.

use crate::delivery::contract;
use crate::domain::calendar::iso_date;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::OrgId;
use crate::procurement::award::{award_of, panel_names, winners};
use crate::procurement::challenge::{self, Filing};
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::projects::by_number;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::Template;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![
        notice,
        contract_show,
        challenges,
        file,
        complain,
        complaints,
        complaint_report,
        decide,
        suspend,
        lift
    ]
}

use crate::web::bids::member_org;
use crate::web::suppliers::Supervisor;

/// The award notice, once the award is confirmed (404 before).
#[get("/projects/<number>/award")]
async fn notice(page: Page, state: &State<AppState>, number: &str) -> AppResult<Template> {
    let p = by_number(state, number).await?;
    let mut c = state.db.acquire().await?;
    let a = award_of(&mut c, &p)
        .await?
        .filter(|a| a.confirmed_at.is_some())
        .ok_or(AppError::NotFound)?;
    let ws = winners(&mut c, a.id).await?;
    let panel = panel_names(&mut c, &p).await?;
    let contracts = contract::of_project(&mut c, p.id).await?;
    Ok(page.render(
        "projects/award",
        json!({ "p": p, "award": a, "winners": ws, "panel": panel, "contracts": contracts }),
    ))
}

#[get("/contracts/<id>")]
async fn contract_show(page: Page, state: &State<AppState>, id: i64) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let k = contract::by_id(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = contract::installments(&mut c, id).await?;
    let now = state.clock.now_ms();
    let s = crate::delivery::ledger::summary(&mut c, &k, now).await?;
    // The public sees amounts and dates of payments, never accounts, vouchers or invoices.
    let payments: Vec<_> = s
        .entries
        .iter()
        .map(|e| {
            json!({ "installment": e.installment_pos, "amount_fen": e.amount_fen,
                         "value_date": e.value_date, "reversal": e.reverses_id.is_some() })
        })
        .collect();
    let changes = crate::delivery::ledger::changes(&mut c, id).await?;
    let reviews: Vec<_> = crate::delivery::performance::of_contract(&mut c, id)
        .await?
        .into_iter()
        .filter(|r| r.submitted_at.is_some())
        .collect();
    Ok(page.render(
        "contracts/show",
        json!({ "k": k, "plan": plan, "now": now, "payments": payments, "changes": changes,
                "reviews": reviews, "standing": s.standing,
                "money": { "cap_fen": s.cap_fen, "paid_fen": s.paid_fen, "remaining_fen": s.remaining_fen,
                           "accepted_at": s.accepted_at, "terminated_at": s.terminated_at } }),
    ))
}

/// Challenges and complaints are filed for the organization by its admin.
fn admin_org(user: &CurrentUser, org: i64) -> AppResult<OrgId> {
    let org = OrgId(org);
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    Ok(org)
}

async fn challenges_page(
    page: &Page,
    state: &AppState,
    number: &str,
    org: OrgId,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let p = by_number(state, number).await?;
    let mut c = state.db.acquire().await?;
    let took_part = challenge::took_part(&mut c, &p, org.0).await?;
    let mut own = Vec::new();
    for ch in challenge::of_project(&mut c, p.id).await? {
        if ch.org_id == org.0 {
            let complaint = challenge::complaint_of(&mut c, ch.id).await?;
            own.push(json!({ "c": ch, "complaint": complaint }));
        }
    }
    Ok(page.render(
        "projects/challenges",
        json!({ "p": p, "org": org.0, "took_part": took_part, "own": own,
                "now": state.clock.now_ms(), "values": values, "errors": errors }),
    ))
}

/// A bidder's inquiries, challenges and complaints on a project (its own only).
#[get("/projects/<number>/challenges/<org>")]
async fn challenges(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: i64,
) -> AppResult<Template> {
    let org = member_org(user, org)?;
    challenges_page(&page, state, number, org, json!({}), FormErrors::default()).await
}

#[derive(FromForm)]
pub struct FileForm {
    kind: Option<String>,
    target: Option<String>,
    body: Option<String>,
}

#[post("/projects/<number>/challenges/<org>", data = "<form>")]
async fn file(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: i64,
    form: CsrfForm<FileForm>,
) -> AppResult<Reply> {
    let org = admin_org(user, org)?;
    let p = by_number(state, number).await?;
    let f = form.into_inner();
    let filing = Filing {
        org: org.0,
        user: user.id().0,
        kind: text(&f.kind),
        target: text(&f.target),
        body: text(&f.body),
    };
    match Procurement::of(state)
        .file_challenge_on(p.id, &filing)
        .await?
    {
        Ok(_) => Ok(Reply::flash(
            format!("/projects/{number}/challenges/{}", org.0),
            page.t("flash-challenge-filed"),
        )),
        Err((_, key)) => {
            let mut e = FormErrors::default();
            e.add(page.lang, "body", key);
            let values =
                json!({ "kind": filing.kind, "target": filing.target, "body": filing.body });
            let t = challenges_page(&page, state, number, org, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

#[derive(FromForm)]
pub struct ComplainForm {
    body: Option<String>,
}

/// A complaint to the procurement supervisor about one of the organization's challenges.
#[post("/projects/<number>/challenges/<org>/<cid>/complaint", data = "<form>")]
async fn complain(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: i64,
    cid: i64,
    form: CsrfForm<ComplainForm>,
) -> AppResult<Reply> {
    let org = admin_org(user, org)?;
    let p = by_number(state, number).await?;
    let body = text(&form.into_inner().body).to_string();
    match Procurement::of(state)
        .complain_on(p.id, org.0, cid, &body, user.id())
        .await?
    {
        Ok(_) => Ok(Reply::flash(
            format!("/projects/{number}/challenges/{}", org.0),
            page.t("flash-complaint-filed"),
        )),
        Err((_, key)) => {
            let mut e = FormErrors::default();
            e.add(page.lang, &format!("complaint-{cid}"), key);
            let values = json!({ format!("complaint-{cid}"): body });
            let t = challenges_page(&page, state, number, org, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

async fn complaints_page(
    page: &Page,
    state: &AppState,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let list = challenge::complaints(&mut c).await?;
    let today = state.calendars.today();
    // What each complaint is about: the challenge and the purchaser's answer, beside it; and
    // the suspension order, if one was made, with whether it is still in force.
    let mut about = serde_json::Map::new();
    let mut orders = serde_json::Map::new();
    // The bids opened in the round complained of, each a link to read it (issue 21).
    let mut bids = serde_json::Map::new();
    for k in &list {
        if let Some(ch) = challenge::by_id(&mut c, k.challenge_id).await? {
            let mut opened = Vec::new();
            for o in crate::db::bids::openings(&mut c, k.project_id)
                .await?
                .into_iter()
                .filter(|o| o.round == ch.round)
            {
                opened.extend(crate::db::bids::opened(&mut c, o.id).await?);
            }
            bids.insert(k.id.to_string(), json!(opened));
            about.insert(k.id.to_string(), json!(ch));
        }
        if let Some(o) = crate::delivery::store::order_of_complaint(&mut c, k.id).await? {
            let in_force = o.facts().in_force(today);
            orders.insert(k.id.to_string(), json!({ "o": o, "in_force": in_force }));
        }
    }
    let latest = crate::delivery::rules::order_latest(today);
    Ok(page.render(
        "suppliers/complaints",
        json!({ "complaints": list, "about": about, "orders": orders, "bids": bids,
                "today": iso_date(today), "latest": iso_date(latest), "now": state.clock.now_ms(), "values": values, "errors": errors }),
    ))
}

/// The evaluation report of the project a complaint is about, for the supervisor deciding it.
#[get("/complaints/<id>/report")]
async fn complaint_report(
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
    let r = crate::procurement::panel_scoring::report(&mut c, &p)
        .await?
        .ok_or(AppError::NotFound)?;
    let criteria = crate::db::projects::criteria(&mut c, p.id).await?;
    let panel = crate::procurement::panel::panel_of(&mut c, &p).await?;
    Ok(page.render(
        "purchase/report",
        json!({ "p": p, "r": r, "criteria": criteria, "panel": panel,
                "back": "/complaints", "back_label": format!("{} · {}", p.number, p.title) }),
    ))
}

/// The procurement supervisor's complaints, undecided first, each with its 30-working-day clock.
#[get("/complaints")]
async fn complaints(
    page: Page,
    state: &State<AppState>,
    _s: Supervisor<'_>,
) -> AppResult<Template> {
    complaints_page(&page, state, json!({}), FormErrors::default()).await
}

#[derive(FromForm)]
pub struct DecideForm {
    outcome: Option<String>,
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
    match Procurement::of(state)
        .decide_complaint_by_id(id, text(&f.outcome), text(&f.decision), staff.user.id())
        .await?
    {
        Ok(()) => Ok(Reply::flash(
            "/complaints",
            page.t("flash-complaint-decided"),
        )),
        Err(key) => {
            let mut e = FormErrors::default();
            e.add(page.lang, &format!("decision-{id}"), key);
            let values = json!({ format!("decision-{id}"): text(&f.decision) });
            let t = complaints_page(&page, state, values, e).await?;
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
    let values =
        json!({ format!("until-{id}"): text(&f.until), format!("reason-{id}"): text(&f.reason) });
    let refused = |field: &str, key: &str| {
        let mut e = FormErrors::default();
        e.add(page.lang, field, key);
        e
    };
    let Some(until) = crate::domain::calendar::parse_iso_date(text(&f.until)) else {
        let e = refused(&format!("until-{id}"), "err-date-invalid");
        let t = complaints_page(&page, state, values, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    match Procurement::of(state)
        .order_suspension(&k, until, text(&f.reason), staff.user.id().0)
        .await?
    {
        Ok(_) => Ok(Reply::flash("/complaints", page.t("flash-order-made"))),
        Err(r) => {
            let field = match r {
                crate::delivery::rules::OrderRefusal::Reason => format!("reason-{id}"),
                _ => format!("until-{id}"),
            };
            let e = refused(&field, r.message_key());
            let t = complaints_page(&page, state, values, e).await?;
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
    match Procurement::of(state)
        .lift_suspension(order, &reason, staff.user.id().0)
        .await?
    {
        Ok(()) => Ok(Reply::flash("/complaints", page.t("flash-order-lifted"))),
        Err(key) => {
            let mut e = FormErrors::default();
            e.add(page.lang, &format!("lift-{order}"), key);
            let values = json!({ format!("lift-{order}"): reason });
            let t = complaints_page(&page, state, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

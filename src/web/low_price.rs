//! Abnormally low prices (87号令 art. 60; issue 22, item 4): the panel's page of requests
//! and decisions, and the bidder's page to explain its price before the due time.

use crate::db::projects as store;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::OrgId;
use crate::procurement::low_price;
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![panel_page, flag, decide, bidder_page, answer]
}

/// The panel's page: the compliant bids with their prices, the requests and their answers.
async fn panel_view(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    member: i64,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let seat = crate::procurement::panel_scoring::seat(&mut c, member)
        .await?
        .ok_or(AppError::NotFound)?;
    if seat.user_id != user.id().0 {
        return Err(AppError::Forbidden);
    }
    let p = store::by_id(&mut c, seat.project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bids = crate::procurement::panel_scoring::valid_bids(&mut c, &p).await?;
    let queries = low_price::queries(&mut c, &p, state.clock.now_ms()).await?;
    let rows: Vec<_> = bids
        .iter()
        .map(|r| {
            json!({ "bid": r.bid.bid_id, "org": r.bid.org_name, "price_fen": r.bid.price_fen,
                    "asked": queries.iter().any(|q| q.q.bid_id == r.bid.bid_id) })
        })
        .collect();
    let active =
        seat.status == crate::domain::award::SeatStatus::Seated && seat.declared_at.is_some();
    Ok(page.render(
        "scoring/low_prices",
        json!({ "p": p, "member": member, "rows": rows, "queries": queries, "active": active,
                "errors": errors }),
    ))
}

#[get("/panel/<member>/low-prices")]
async fn panel_page(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    member: i64,
) -> AppResult<Template> {
    panel_view(&page, state, user, member, FormErrors::default()).await
}

#[derive(FromForm)]
pub struct FlagForm {
    bid: Option<i64>,
    reason: Option<String>,
}

/// A panelist asks a bidder to explain its price.
#[post("/panel/<member>/low-prices", data = "<form>")]
async fn flag(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    member: i64,
    form: CsrfForm<FlagForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let r = Procurement::of(state)
        .flag_low_price(member, f.bid.unwrap_or(0), text(&f.reason), user.id())
        .await?;
    match r {
        Ok(_) => Ok(Reply::flash(
            format!("/panel/{member}/low-prices"),
            page.t("flash-lowprice-asked"),
        )),
        Err(key) => {
            let mut e = FormErrors::default();
            e.add(page.lang, "reason", key);
            let t = panel_view(&page, state, user, member, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

#[derive(FromForm)]
pub struct DecideForm {
    decision: Option<String>,
    reason: Option<String>,
}

/// The panel accepts an explanation or rejects the bid with its reason.
#[post("/panel/<member>/low-prices/<id>", data = "<form>")]
async fn decide(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    member: i64,
    id: i64,
    form: CsrfForm<DecideForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let accept = match text(&f.decision) {
        "accept" => Some(true),
        "reject" => Some(false),
        _ => None,
    };
    let r = match accept {
        Some(a) => {
            Procurement::of(state)
                .decide_low_price(member, id, a, text(&f.reason), user.id())
                .await?
        }
        None => Err("err-lowprice-decision"),
    };
    match r {
        Ok(()) => Ok(Reply::flash(
            format!("/panel/{member}/low-prices"),
            page.t("flash-lowprice-decided"),
        )),
        Err(key) => {
            let mut e = FormErrors::default();
            e.add(page.lang, "decision", key);
            let t = panel_view(&page, state, user, member, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

/// The organization's admin, or 403.
fn admin_of(user: &CurrentUser, org: i64) -> AppResult<OrgId> {
    let org = crate::web::bids::member_org(user, org)?;
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    Ok(org)
}

async fn bidder_view(
    page: &Page,
    state: &AppState,
    org: OrgId,
    id: i64,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let q = crate::db::low_prices::by_id(&mut c, id)
        .await?
        .filter(|q| q.org_id == org.0)
        .ok_or(AppError::NotFound)?;
    let p = store::by_id(&mut c, q.project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.clock.now_ms();
    let state_now = crate::domain::award::low_price_state(
        q.answered_at.is_some(),
        q.outcome
            .as_deref()
            .and_then(crate::domain::award::LowPriceOutcome::parse),
        q.due_at,
        now,
    );
    let open = state_now == crate::domain::award::LowPriceState::Waiting;
    Ok(page.render(
        "bids/low_price",
        json!({ "p": p, "q": q, "org": org.0, "open": open, "state": state_now,
                "values": values, "errors": errors }),
    ))
}

#[get("/orgs/<org>/low-price/<id>")]
async fn bidder_page(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: i64,
    id: i64,
) -> AppResult<Template> {
    let org = admin_of(user, org)?;
    bidder_view(&page, state, org, id, json!({}), FormErrors::default()).await
}

#[derive(FromForm)]
pub struct AnswerForm {
    answer: Option<String>,
}

/// The bidder's written explanation of its price.
#[post("/orgs/<org>/low-price/<id>", data = "<form>")]
async fn answer(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: i64,
    id: i64,
    form: CsrfForm<AnswerForm>,
) -> AppResult<Reply> {
    let org = admin_of(user, org)?;
    let f = form.into_inner();
    match Procurement::of(state)
        .answer_low_price(org.0, id, text(&f.answer), user.id())
        .await?
    {
        Ok(()) => Ok(Reply::flash(
            format!("/orgs/{}/low-price/{id}", org.0),
            page.t("flash-lowprice-answered"),
        )),
        Err(key) => {
            let mut e = FormErrors::default();
            e.add(page.lang, "answer", key);
            let values = json!({ "answer": text(&f.answer) });
            let t = bidder_view(&page, state, org, id, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

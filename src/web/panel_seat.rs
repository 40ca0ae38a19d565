//! A panelist's seat (DOMAIN §5): the declaration, then the scoring sheet for every valid bid
//! and technical criterion, submitted once. Only the panelist reaches their seat; no page shows
//! another panelist's scores before the report. The purchaser's printable evaluation report.

use crate::db::projects as store;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::procurement::panel_scoring::{self as scoring, Seat};
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::purchase::{procured_project, Procurer};
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::Template;
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::HashMap;
use std::str::FromStr;

pub fn routes() -> Vec<Route> {
    routes![sheet, declare, comply, submit, report]
}

/// The seat, if it is this user's (someone else's seat: 403; the seat tells no scores either way).
async fn own_seat(state: &AppState, user: &CurrentUser, member: i64) -> AppResult<Seat> {
    let mut c = state.db.acquire().await?;
    let seat = scoring::seat(&mut c, member)
        .await?
        .ok_or(AppError::NotFound)?;
    if seat.user_id != user.id().0 {
        return Err(AppError::Forbidden);
    }
    Ok(seat)
}

async fn sheet_page(
    page: &Page,
    state: &AppState,
    seat: &Seat,
    values: HashMap<String, String>,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let p = store::by_id(&mut c, seat.project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let criteria = store::criteria(&mut c, p.id).await?;
    let bids = scoring::valid_bids(&mut c, &p).await?;
    let checks = scoring::qualified_bids(&mut c, &p).await?;
    let compliance_open = checks.iter().all(|r| r.compliant.is_none());
    let own = scoring::own_scores(&mut c, seat.member).await?;
    let rows: Vec<_> = bids
        .iter()
        .map(|b| {
            let cells: Vec<_> = criteria
                .iter()
                .enumerate()
                .map(|(pos, k)| {
                    let key = format!("{}-{pos}", b.bid.bid_id);
                    let value = values.get(&key).cloned().unwrap_or_else(|| {
                        own.get(&(b.bid.bid_id, pos as i64))
                            .map(|v| Decimal::new(*v, 2).normalize().to_string())
                            .unwrap_or_default()
                    });
                    json!({ "key": key, "value": value, "max": Decimal::new(k.max_centi, 2).normalize(), "name": k.name })
                })
                .collect();
            json!({ "bid": b.bid.bid_id, "org": b.bid.org_name, "price_fen": b.bid.price_fen, "cells": cells })
        })
        .collect();
    Ok(page.render(
        "scoring/panel",
        json!({ "seat": seat, "p": p, "criteria": criteria.iter().map(|k| json!({
                    "name": k.name, "guidance": k.guidance,
                    "max": Decimal::new(k.max_centi, 2).normalize().to_string() })).collect::<Vec<_>>(),
                "rows": rows, "errors": errors,
                "checks": checks, "compliance_open": compliance_open }),
    ))
}

#[get("/panel/<member>")]
async fn sheet(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    member: i64,
) -> AppResult<Template> {
    let seat = own_seat(state, user, member).await?;
    sheet_page(&page, state, &seat, HashMap::new(), FormErrors::default()).await
}

#[derive(FromForm)]
pub struct DeclareForm {
    conflict: Option<String>,
    detail: Option<String>,
}

/// No conflict: the sheet opens. A conflict: the panelist is recused and the next candidate in
/// the draw's order seated.
#[post("/panel/<member>/declare", data = "<form>")]
async fn declare(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    member: i64,
    form: CsrfForm<DeclareForm>,
) -> AppResult<Reply> {
    let seat = own_seat(state, user, member).await?;
    if seat.status != crate::domain::award::SeatStatus::Seated || seat.declared_at.is_some() {
        return Err(AppError::Conflict("err-panel-declared"));
    }
    let f = form.into_inner();
    let back = format!("/panel/{member}");
    // Nothing is ticked for the panelist: they choose, having seen the bidders' names.
    if !matches!(text(&f.conflict), "yes" | "no") {
        let mut e = FormErrors::default();
        e.add(page.lang, "conflict", "err-panel-declare-choice");
        let t = sheet_page(&page, state, &seat, HashMap::new(), e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    if text(&f.conflict) == "yes" {
        let detail = text(&f.detail).to_string();
        if detail.chars().count() < 2 {
            let mut e = FormErrors::default();
            e.add(page.lang, "detail", "err-panel-reason");
            let t = sheet_page(&page, state, &seat, HashMap::new(), e).await?;
            return Ok(Reply::page(Http::UnprocessableEntity, t));
        }
        return match Procurement::of(state)
            .recuse_member(
                seat.project_id,
                member,
                &format!("声明：{detail}"),
                user.id(),
            )
            .await?
        {
            Ok(()) => Ok(Reply::flash("/scoring", page.t("flash-panel-recused"))),
            Err((_, key)) => Ok(Reply::flash_error(back, page.t(key))),
        };
    }
    Procurement::of(state)
        .declare_no_conflict(member, user.id())
        .await?;
    Ok(Reply::flash(back, page.t("flash-panel-declared")))
}

#[derive(FromForm)]
pub struct ScoreForm {
    score: HashMap<String, String>,
}

#[post("/panel/<member>/scores", data = "<form>")]
async fn submit(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    member: i64,
    form: CsrfForm<ScoreForm>,
) -> AppResult<Reply> {
    let seat = own_seat(state, user, member).await?;
    if seat.status != crate::domain::award::SeatStatus::Seated
        || seat.declared_at.is_none()
        || seat.submitted_at.is_some()
    {
        return Err(AppError::Conflict("err-panel-sheet-closed"));
    }
    let values = form.into_inner().score;
    let (criteria, bids) = {
        let mut c = state.db.acquire().await?;
        let p = store::by_id(&mut c, seat.project_id)
            .await?
            .ok_or(AppError::NotFound)?;
        (
            store::criteria(&mut c, p.id).await?,
            scoring::valid_bids(&mut c, &p).await?,
        )
    };
    let mut e = FormErrors::default();
    let mut parsed = Vec::new();
    for b in &bids {
        for (pos, k) in criteria.iter().enumerate() {
            let key = format!("{}-{pos}", b.bid.bid_id);
            let raw = values.get(&key).map(|v| v.trim()).unwrap_or("");
            let max = Decimal::new(k.max_centi, 2);
            match Decimal::from_str(raw) {
                Ok(v) if v.scale() <= 2 && v >= Decimal::ZERO && v <= max => {
                    let centi: i64 = (v * Decimal::from(100)).trunc().try_into().unwrap_or(0);
                    parsed.push((b.bid.bid_id, pos as i64, centi));
                }
                _ => e.add_text(
                    &format!("s{}-{pos}", b.bid.bid_id),
                    format!(
                        "{}：{} — {} 0–{}",
                        b.bid.org_name,
                        k.name,
                        page.t("err-panel-score"),
                        max.normalize()
                    ),
                ),
            }
        }
    }
    if !e.is_empty() {
        let t = sheet_page(&page, state, &seat, values, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    Procurement::of(state)
        .submit_scores(member, &parsed, user.id())
        .await?;
    // The last submission completes the report: it reaches the purchaser at once.
    // (If that fails, the job delivers it within seconds; the scores are saved either way.)
    if let Err(e) = Procurement::of(state)
        .deliver_project(seat.project_id)
        .await
    {
        log::error!("delivering the report of project {}: {e}", seat.project_id);
    }
    Ok(Reply::flash(
        format!("/panel/{member}"),
        page.t("flash-panel-scored"),
    ))
}

/// The evaluation report: complete once every seated panelist has submitted.
#[get("/purchase/projects/<id>/report")]
async fn report(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    id: i64,
) -> AppResult<Template> {
    let p = procured_project(state, staff.user, id).await?;
    let mut c = state.db.acquire().await?;
    let r = scoring::report(&mut c, &p)
        .await?
        .ok_or(AppError::NotFound)?;
    let criteria = store::criteria(&mut c, p.id).await?;
    let panel = crate::procurement::panel::panel_of(&mut c, &p).await?;
    Ok(page.render(
        "purchase/report",
        json!({ "p": p, "r": r, "criteria": criteria, "panel": panel }),
    ))
}

#[derive(FromForm)]
pub struct ComplyForm {
    decision: HashMap<i64, String>,
    reason: HashMap<i64, String>,
}

/// The panel's compliance check (符合性审查), recorded once by a seated panelist who has
/// declared; the sheets then open on the compliant bids.
#[post("/panel/<member>/compliance", data = "<form>")]
async fn comply(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    member: i64,
    form: CsrfForm<ComplyForm>,
) -> AppResult<Reply> {
    let seat = own_seat(state, user, member).await?;
    if seat.status != crate::domain::award::SeatStatus::Seated || seat.declared_at.is_none() {
        return Err(AppError::Conflict("err-panel-sheet-closed"));
    }
    let f = form.into_inner();
    let decisions = crate::procurement::review::decisions(&f.decision, &f.reason);
    match Procurement::of(state)
        .comply_bids(seat.project_id, &decisions, user.id())
        .await?
    {
        Ok(outcome) => {
            let key = if outcome.failed {
                "flash-review-failed"
            } else {
                "flash-review-recorded"
            };
            Ok(Reply::flash(format!("/panel/{member}"), page.t(key)))
        }
        Err((_, key)) => {
            let mut e = FormErrors::default();
            e.add(page.lang, "compliance", key);
            let t = sheet_page(&page, state, &seat, HashMap::new(), e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

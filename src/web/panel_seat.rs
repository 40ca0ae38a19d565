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
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::HashMap;
use std::str::FromStr;

pub fn routes() -> Vec<Route> {
    routes![sheet, declare, comply, submit, confirm, report]
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
    // The declaration is about every bidder whose bid was opened, whatever its checks say: the
    // scored rows are empty until qualification and compliance are checked.
    let bidders: Vec<String> = crate::procurement::review::rows(&mut c, &p)
        .await?
        .into_iter()
        .map(|r| r.bid.org_name)
        .collect();
    let compliance_open = checks.iter().all(|r| r.compliant.is_none());
    let own = scoring::own_scores(&mut c, seat.member).await?;
    let draft = crate::db::panel::draft_of(&mut c, seat.member).await?;
    let draft_saved = draft.iter().map(|d| d.2).max();
    let draft: HashMap<String, String> = draft.into_iter().map(|(k, v, _)| (k, v)).collect();
    let rows: Vec<_> = bids
        .iter()
        .map(|b| {
            let cells: Vec<_> = criteria
                .iter()
                .enumerate()
                .map(|(pos, k)| {
                    let key = format!("{}-{pos}", b.bid.bid_id);
                    let value = values
                        .get(&key)
                        .or_else(|| draft.get(&key))
                        .cloned()
                        .unwrap_or_else(|| {
                            own.get(&(b.bid.bid_id, pos as i64))
                                .map(|v| Decimal::new(*v, 2).normalize().to_string())
                                .unwrap_or_default()
                        });
                    json!({ "key": key, "value": value, "max": Decimal::new(k.max_centi, 2).normalize(), "name": k.name })
                })
                .collect();
            // The row's total so far: the cells that read as numbers.
            let total: Decimal = cells
                .iter()
                .filter_map(|c| Decimal::from_str(c["value"].as_str().unwrap_or("")).ok())
                .sum();
            json!({ "bid": b.bid.bid_id, "org": b.bid.org_name, "price_fen": b.bid.price_fen,
                    "cells": cells, "total": total.normalize().to_string() })
        })
        .collect();
    Ok(page.render(
        "scoring/panel",
        json!({ "seat": seat, "p": p, "criteria": criteria.iter().map(|k| json!({
                    "name": k.name, "guidance": k.guidance,
                    "max": Decimal::new(k.max_centi, 2).normalize().to_string() })).collect::<Vec<_>>(),
                "rows": rows, "bidders": bidders, "errors": errors, "draft_saved": draft_saved,
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
    /// `draft` saves the sheet as typed; anything else checks it.
    action: Option<String>,
    /// `yes` on the check page: the panelist confirms the sheet is final.
    confirm: Option<String>,
}

/// A sheet read against the criteria: the scores in hundredths, each bidder's row with its
/// total for the check page, and the messages of the cells out of range.
struct Checked {
    scores: Vec<(i64, i64, i64)>,
    rows: Vec<serde_json::Value>,
    errors: FormErrors,
}

fn check_sheet(
    page: &Page,
    criteria: &[crate::db::projects::Criterion],
    bids: &[crate::procurement::review::Row],
    values: &HashMap<String, String>,
) -> Checked {
    let mut errors = FormErrors::default();
    let mut scores = Vec::new();
    let mut rows = Vec::new();
    for b in bids {
        let mut total = Decimal::ZERO;
        let mut cells = Vec::new();
        for (pos, k) in criteria.iter().enumerate() {
            let key = format!("{}-{pos}", b.bid.bid_id);
            let raw = values.get(&key).map(|v| v.trim()).unwrap_or("");
            let max = Decimal::new(k.max_centi, 2);
            match Decimal::from_str(raw) {
                Ok(v) if v.scale() <= 2 && v >= Decimal::ZERO && v <= max => {
                    let centi: i64 = (v * Decimal::from(100)).trunc().try_into().unwrap_or(0);
                    scores.push((b.bid.bid_id, pos as i64, centi));
                    total += v;
                    cells.push(
                        json!({ "key": key, "name": k.name, "value": v.normalize().to_string(),
                                       "max": max.normalize().to_string() }),
                    );
                }
                _ => errors.add_text(
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
        rows.push(
            json!({ "bid": b.bid.bid_id, "org": b.bid.org_name, "price_fen": b.bid.price_fen,
                          "cells": cells, "total": total.normalize().to_string() }),
        );
    }
    Checked {
        scores,
        rows,
        errors,
    }
}

/// A seat open for scoring (seated, declared, not submitted), with its project, criteria and
/// the bids it scores.
struct OpenSheet {
    seat: Seat,
    project: crate::db::projects::Project,
    criteria: Vec<crate::db::projects::Criterion>,
    bids: Vec<crate::procurement::review::Row>,
}

async fn open_sheet(state: &AppState, user: &CurrentUser, member: i64) -> AppResult<OpenSheet> {
    let seat = own_seat(state, user, member).await?;
    if seat.status != crate::domain::award::SeatStatus::Seated
        || seat.declared_at.is_none()
        || seat.submitted_at.is_some()
    {
        return Err(AppError::Conflict("err-panel-sheet-closed"));
    }
    let mut c = state.db.acquire().await?;
    let project = store::by_id(&mut c, seat.project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let criteria = store::criteria(&mut c, project.id).await?;
    let bids = scoring::valid_bids(&mut c, &project).await?;
    Ok(OpenSheet {
        seat,
        project,
        criteria,
        bids,
    })
}

/// The check-your-answers page of a sheet read by `check_sheet` (nothing more to load).
fn check_page(
    page: &Page,
    sheet: &OpenSheet,
    checked: &Checked,
    values: &HashMap<String, String>,
    errors: FormErrors,
) -> Template {
    let (seat, p, criteria) = (&sheet.seat, &sheet.project, &sheet.criteria);
    let mut hidden: Vec<(&String, &String)> = values.iter().collect();
    hidden.sort();
    page.render(
        "scoring/panel_check",
        json!({ "seat": seat, "p": p, "criteria": criteria, "rows": checked.rows,
                "hidden": hidden.into_iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
                "errors": errors }),
    )
}

/// Saves the sheet as typed (`action=draft`), or checks it and shows the panelist what they
/// are about to submit, with each bidder's total: nothing is final until they confirm.
#[post("/panel/<member>/scores", data = "<form>")]
async fn submit(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    member: i64,
    form: CsrfForm<ScoreForm>,
) -> AppResult<Reply> {
    let sheet = open_sheet(state, user, member).await?;
    let f = form.into_inner();
    // Only the sheet's own cells are kept, as typed (trimmed, at most 20 characters).
    let mut cells: Vec<(String, String)> = Vec::new();
    for b in &sheet.bids {
        for pos in 0..sheet.criteria.len() {
            let key = format!("{}-{pos}", b.bid.bid_id);
            if let Some(v) = f.score.get(&key) {
                cells.push((key, v.trim().chars().take(20).collect()));
            }
        }
    }
    if let Err(key) = Procurement::of(state)
        .save_score_draft(member, &cells)
        .await?
    {
        return Err(AppError::Conflict(key));
    }
    let values: HashMap<String, String> = cells.into_iter().collect();
    if text(&f.action) == "draft" {
        return Ok(Reply::flash(
            format!("/panel/{member}#sheet"),
            page.t("flash-panel-draft"),
        ));
    }
    let checked = check_sheet(&page, &sheet.criteria, &sheet.bids, &values);
    if !checked.errors.is_empty() {
        let t = sheet_page(&page, state, &sheet.seat, values, checked.errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    let t = check_page(&page, &sheet, &checked, &values, FormErrors::default());
    Ok(Reply::page(Http::Ok, t))
}

/// Submits the checked sheet once the panelist confirms it: it locks.
#[post("/panel/<member>/scores/confirm", data = "<form>")]
async fn confirm(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    member: i64,
    form: CsrfForm<ScoreForm>,
) -> AppResult<Reply> {
    let sheet = open_sheet(state, user, member).await?;
    let f = form.into_inner();
    let values = f.score;
    let checked = check_sheet(&page, &sheet.criteria, &sheet.bids, &values);
    if !checked.errors.is_empty() {
        let t = sheet_page(&page, state, &sheet.seat, values, checked.errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    if text(&f.confirm) != "yes" {
        let mut e = FormErrors::default();
        e.add(page.lang, "confirm", "err-panel-confirm");
        let t = check_page(&page, &sheet, &checked, &values, e);
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    Procurement::of(state)
        .submit_scores(member, &checked.scores, user.id())
        .await?;
    // The last submission completes the report: it reaches the purchaser at once.
    // (If that fails, the job delivers it within seconds; the scores are saved either way.)
    if let Err(e) = Procurement::of(state)
        .deliver_project(sheet.project.id)
        .await
    {
        log::error!("delivering the report of project {}: {e}", sheet.project.id);
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

//! The purchaser's answers to questions, amendments (which may move the deadline) and, for a
//! competitive consultation, the call for sealed final quotes.

use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::error::AppResult;
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::text;
use crate::web::project_form as pf;
use crate::web::purchase::{procured_project, refuse, refuse_with, Procurer};
use rocket::{post, routes, FromForm, Route, State};

pub fn routes() -> Vec<Route> {
    routes![answer, amend, final_quotes, qualification, draw, recuse]
}

#[derive(FromForm)]
pub struct AnswerForm {
    answer: Option<String>,
    affects: Option<bool>,
}

#[post("/purchase/projects/<id>/questions/<question>", data = "<form>")]
async fn answer(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    id: i64,
    question: i64,
    form: CsrfForm<AnswerForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = procured_project(state, user, id).await?;
    let f = form.into_inner();
    let body = text(&f.answer).to_string();
    if body.chars().count() < 2 || body.chars().count() > 5000 {
        return refuse(
            &page,
            state,
            user,
            &p,
            &format!("answer-{question}"),
            "err-answer-text",
        )
        .await;
    }
    Procurement::of(state)
        .answer_question(p.id, question, &body, f.affects.unwrap_or(false), user.id())
        .await?;
    Ok(Reply::flash(
        format!("/purchase/projects/{id}#questions"),
        page.t("flash-answer-published"),
    ))
}

#[derive(FromForm)]
pub struct AmendForm {
    body: Option<String>,
    affects: Option<bool>,
}

#[post("/purchase/projects/<id>/amendments", data = "<form>")]
async fn amend(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    id: i64,
    form: CsrfForm<AmendForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = procured_project(state, user, id).await?;
    let f = form.into_inner();
    let body = text(&f.body).to_string();
    if body.chars().count() < 5 || body.chars().count() > 10_000 {
        return refuse(&page, state, user, &p, "amendment", "err-amendment-text").await;
    }
    let (before, after) = Procurement::of(state)
        .publish_amendment(p.id, &body, f.affects.unwrap_or(false), user.id())
        .await?;
    let key = if Some(after) != before {
        "flash-amendment-moved"
    } else {
        "flash-amendment-published"
    };
    Ok(Reply::flash(
        format!("/purchase/projects/{id}"),
        page.t(key),
    ))
}

#[derive(FromForm)]
pub struct FinalForm {
    final_deadline: Option<String>,
}

/// Competitive consultation: after the consultation, the call for sealed final quotes.
#[post("/purchase/projects/<id>/final-quotes", data = "<form>")]
async fn final_quotes(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    id: i64,
    form: CsrfForm<FinalForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = procured_project(state, user, id).await?;
    let Some(deadline) = pf::parse_local(text(&form.into_inner().final_deadline)) else {
        return refuse(
            &page,
            state,
            user,
            &p,
            "final_deadline",
            "err-final-deadline",
        )
        .await;
    };
    match Procurement::of(state)
        .call_final_quotes(p.id, crate::platform::clock::to_ms(deadline), user.id())
        .await?
    {
        Ok(()) => Ok(Reply::flash(
            format!("/purchase/projects/{id}"),
            page.t("flash-final-called"),
        )),
        Err((p, key)) => refuse(&page, state, user, &p, "final_deadline", key).await,
    }
}

#[derive(FromForm)]
pub struct QualifyForm {
    decision: std::collections::HashMap<i64, String>,
    reason: std::collections::HashMap<i64, String>,
    /// Each size declaration's check: `sme[bid]` = pass | fail, `sme_reason[bid]`.
    sme: std::collections::HashMap<i64, String>,
    sme_reason: std::collections::HashMap<i64, String>,
}

/// The purchaser's qualification check of every opened bid, each rejection with its reason.
#[post("/purchase/projects/<id>/qualification", data = "<form>")]
async fn qualification(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    id: i64,
    form: CsrfForm<QualifyForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = procured_project(state, user, id).await?;
    let f = form.into_inner();
    let decisions = crate::procurement::review::decisions(&f.decision, &f.reason);
    let declarations = crate::procurement::review::decisions(&f.sme, &f.sme_reason);
    match Procurement::of(state)
        .qualify_bids(p.id, &decisions, &declarations, user.id())
        .await?
    {
        Ok(outcome) => {
            let key = if outcome.failed {
                "flash-review-failed"
            } else {
                "flash-review-recorded"
            };
            Ok(Reply::flash(
                format!("/purchase/projects/{id}#review"),
                page.t(key),
            ))
        }
        Err((p, key)) => refuse(&page, state, user, &p, "review", key).await,
    }
}

#[derive(FromForm)]
pub struct PanelForm {
    size: Option<usize>,
    representative: Vec<i64>,
}

/// Draws the panel at random from the expert library (after the qualification review).
#[post("/purchase/projects/<id>/panel", data = "<form>")]
async fn draw(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    id: i64,
    form: CsrfForm<PanelForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = procured_project(state, user, id).await?;
    let f = form.into_inner();
    let mut reps = f.representative.clone();
    reps.sort();
    reps.dedup();
    let allowed: Vec<i64> = {
        let mut c = state.db.acquire().await?;
        crate::db::roles::department_purchasers(&mut c, p.department_id)
            .await?
            .into_iter()
            .map(|u| u.0)
            .collect()
    };
    // A refused draw shows the form again as sent: the size and the representatives ticked
    // (a panel must not be drawn again without the representative by accident).
    let values = serde_json::json!({ "size": f.size, "representative": reps });
    if reps.iter().any(|r| !allowed.contains(r)) {
        return refuse_with(
            &page,
            state,
            user,
            &p,
            "panel",
            "err-panel-representatives",
            values,
        )
        .await;
    }
    let Some(size) = f.size else {
        return refuse_with(&page, state, user, &p, "panel", "err-panel-size", values).await;
    };
    match Procurement::of(state)
        .draw_panel_of(p.id, size, &reps, user.id())
        .await?
    {
        Ok(_) => Ok(Reply::flash(
            format!("/purchase/projects/{id}#panel"),
            page.t("flash-panel-drawn"),
        )),
        Err((p, key)) => refuse_with(&page, state, user, &p, "panel", key, values).await,
    }
}

#[derive(FromForm)]
pub struct RecuseForm {
    reason: Option<String>,
}

/// A panelist's recusal, with its reason; the next candidate in the draw's order is seated.
#[post("/purchase/projects/<id>/panel/<member>/recuse", data = "<form>")]
async fn recuse(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    id: i64,
    member: i64,
    form: CsrfForm<RecuseForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = procured_project(state, user, id).await?;
    let reason = text(&form.into_inner().reason).to_string();
    if reason.chars().count() < 2 {
        return refuse(&page, state, user, &p, "panel", "err-panel-reason").await;
    }
    match Procurement::of(state)
        .recuse_member(p.id, member, &reason, user.id())
        .await?
    {
        Ok(()) => Ok(Reply::flash(
            format!("/purchase/projects/{id}#panel"),
            page.t("flash-panel-recused"),
        )),
        Err((p, key)) => refuse(&page, state, user, &p, "panel", key).await,
    }
}

//! The purchaser's answers to questions, amendments (which may move the deadline) and, for a
//! competitive consultation, the call for sealed final quotes.

use crate::app::AppState;
use crate::auth::csrf::CsrfForm;
use crate::db::projects as store;
use crate::error::{AppError, AppResult};
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::project_form as pf;
use crate::web::purchase::{manage_page, purchasers_project, Purchaser};
use rocket::http::Status as Http;
use rocket::{post, routes, FromForm, Route, State};

pub fn routes() -> Vec<Route> {
    routes![answer, amend, final_quotes]
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
    staff: Purchaser<'_>,
    id: i64,
    question: i64,
    form: CsrfForm<AnswerForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = purchasers_project(state, user, id).await?;
    let f = form.into_inner();
    let body = text(&f.answer).to_string();
    if body.chars().count() < 2 || body.chars().count() > 5000 {
        let mut e = FormErrors::default();
        e.add(page.lang, &format!("answer-{question}"), "err-answer-text");
        let t = manage_page(&page, state, &p, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    let mut tx = state.db.begin_write().await?;
    let p = store::lock(&mut tx, p.id, state.db.for_update())
        .await?
        .ok_or(AppError::NotFound)?;
    Procurement::of(state)
        .answer(
            &mut tx,
            &p,
            question,
            &body,
            f.affects.unwrap_or(false),
            user.id().0,
        )
        .await?;
    tx.commit().await?;
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
    staff: Purchaser<'_>,
    id: i64,
    form: CsrfForm<AmendForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = purchasers_project(state, user, id).await?;
    let f = form.into_inner();
    let body = text(&f.body).to_string();
    if body.chars().count() < 5 || body.chars().count() > 10_000 {
        let mut e = FormErrors::default();
        e.add(page.lang, "amendment", "err-amendment-text");
        let t = manage_page(&page, state, &p, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    let mut tx = state.db.begin_write().await?;
    let p = store::lock(&mut tx, p.id, state.db.for_update())
        .await?
        .ok_or(AppError::NotFound)?;
    let before = p.deadline_at;
    let after = Procurement::of(state)
        .amend(
            &mut tx,
            &p,
            &body,
            f.affects.unwrap_or(false),
            None,
            user.id().0,
        )
        .await?;
    tx.commit().await?;
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
    staff: Purchaser<'_>,
    id: i64,
    form: CsrfForm<FinalForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = purchasers_project(state, user, id).await?;
    let Some(deadline) = pf::parse_local(text(&form.into_inner().final_deadline)) else {
        let mut e = FormErrors::default();
        e.add(page.lang, "final_deadline", "err-final-deadline");
        let t = manage_page(&page, state, &p, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let mut tx = state.db.begin_write().await?;
    let p = store::lock(&mut tx, p.id, state.db.for_update())
        .await?
        .ok_or(AppError::NotFound)?;
    match Procurement::of(state)
        .call_final(&mut tx, &p, crate::clock::to_ms(deadline), user.id().0)
        .await?
    {
        Ok(()) => {
            tx.commit().await?;
            Ok(Reply::flash(
                format!("/purchase/projects/{id}"),
                page.t("flash-final-called"),
            ))
        }
        Err(key) => {
            drop(tx);
            let mut e = FormErrors::default();
            e.add(page.lang, "final_deadline", key);
            let t = manage_page(&page, state, &p, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

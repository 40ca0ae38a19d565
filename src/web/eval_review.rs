//! The officer's view of one evaluation application: self-assessment and evidence, the
//! experts (assign, automatic recusal for anyone who was a member or officer of the
//! organization in the last 2 years, replacement of recused experts), every submitted expert's
//! scores and comments side by side with the aggregate and its flagged items (the round's
//! officers only: experts see their own sheet alone); the objections queue with its 15-day clock and written answers; and the
//! downgrade proposals the officer confirms or dismisses.

use crate::db::evaluation::{self as store, EvalApp, Round};
use crate::domain::calendar::parse_iso_date;
use crate::domain::evaluation::Grade;
use crate::evaluation::Evaluation;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{EvalAppId, GradeId, ObjectionId};
use crate::web::ctx::{Page, Reply};
use crate::web::evaluation::{evaluates, officer_of, officers_round, Officer};
use crate::web::forms::{text, Empty};
use crate::web::template::Template;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![view, assign, objections, answer, downgrades, decide, returned]
}

async fn officers_app(
    state: &AppState,
    user: &crate::platform::auth::guards::CurrentUser,
    id: i64,
) -> AppResult<(EvalApp, Round)> {
    let mut c = state.db.acquire().await?;
    let app = store::app_by_id(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    let round = officers_round(state, user, app.round_id).await?;
    Ok((app, round))
}

#[get("/evaluation/applications/<id>")]
async fn view(
    page: Page,
    state: &State<AppState>,
    staff: Officer<'_>,
    id: EvalAppId,
) -> AppResult<Template> {
    let (app, round) = officers_app(state, staff.user, id.0).await?;
    let ev = Evaluation::of(state);
    let mut c = state.db.acquire().await?;
    let assignments = store::assignments_of_app(&mut c, app.id).await?;
    let assigned: Vec<i64> = assignments.iter().map(|a| a.expert_user_id).collect();
    let experts: Vec<_> = store::experts(&mut c)
        .await?
        .into_iter()
        .filter(|e| !assigned.contains(&e.id))
        .collect();
    let sheets = ev.sheets(&mut c, &app, &round).await?;
    // The standard the application is scored under: its category's, as the round opened with.
    let standard = ev.standard_of(&mut c, &app).await?.title;
    let evidence = store::evidence(&mut c, app.id).await?;
    let objections = store::objections_where(&mut c, "j.eval_application_id", app.id).await?;
    let decisions = store::decisions(&mut c, app.id).await?;
    let active = assignments
        .iter()
        .filter(|a| a.recused_at.is_none())
        .count();
    Ok(page.render(
        "evaluation/application",
        json!({ "app": app, "round": round, "standard": standard, "assignments": assignments, "experts": experts,
                "proposed_code": sheets.sheet.outcome.proposed.map(crate::domain::evaluation::Grade::code),
                "outcome": sheets.sheet.outcome, "sheets": sheets, "evidence": evidence, "objections": objections,
                "decisions": decisions, "active": active, "needs": 3_usize.saturating_sub(active),
                "eligibility": ev.eligibility(&mut c, app.org_id, &round).await?.into_iter().map(|w| page.t(w.message_key())).collect::<Vec<_>>() }),
    ))
}

#[derive(FromForm)]
pub struct AssignForm {
    expert: Option<i64>,
}

#[post("/evaluation/applications/<id>/assign", data = "<form>")]
async fn assign(
    page: Page,
    state: &State<AppState>,
    staff: Officer<'_>,
    id: EvalAppId,
    form: CsrfForm<AssignForm>,
) -> AppResult<Reply> {
    let (app, round) = officers_app(state, staff.user, id.0).await?;
    let back = format!("/evaluation/applications/{}", app.id);
    if app.status != crate::domain::eval_life::AppStatus::Review
        || round.status != crate::domain::eval_life::RoundStatus::Open
    {
        return Err(AppError::Conflict("err-eval-assign-state"));
    }
    let assigned = Evaluation::of(state)
        .assign_expert(&app, &round, form.into_inner().expert, staff.user.id())
        .await?;
    let reason = match assigned {
        Ok(reason) => reason,
        Err(key) => return Ok(Reply::flash_error(back, page.t(key))),
    };
    Ok(match reason {
        Some(_) => Reply::flash_error(back, page.t("flash-expert-recused")),
        None => Reply::flash(back, page.t("flash-expert-assigned")),
    })
}

#[get("/evaluation/objections")]
async fn objections(
    page: Page,
    state: &State<AppState>,
    staff: Officer<'_>,
) -> AppResult<Template> {
    let ev = Evaluation::of(state);
    let today = ev.today();
    let mut c = state.db.acquire().await?;
    let mut rows = Vec::new();
    for r in store::rounds(&mut c, None).await? {
        if !officer_of(staff.user, &r) {
            continue;
        }
        for o in store::objections_where(&mut c, "e.round_id", r.id).await? {
            let left = parse_iso_date(&o.due_on).map(|d| (d - today).whole_days());
            let grade = store::app_by_id(&mut c, o.app_id)
                .await?
                .and_then(|a| a.decided_grade);
            rows.push(
                json!({ "o": o, "round": r.title, "left": left, "grade": grade,
                              "may_change": r.status == crate::domain::eval_life::RoundStatus::Notice,
                              "overdue": o.answer.is_none() && left.is_some_and(|l| l < 0) }),
            );
        }
    }
    let grades: Vec<&str> = Grade::ALL.iter().map(|g| g.code()).collect();
    Ok(page.render(
        "evaluation/objections",
        json!({ "rows": rows, "grades": grades }),
    ))
}

#[derive(FromForm)]
pub struct AnswerForm {
    answer: Option<String>,
    /// After re-review: empty keeps the decided grade, a grade code or `none` changes it.
    new_grade: Option<String>,
    /// The re-review committee (评估复核委员会) that changed it: members, present, votes for.
    rr_members: Option<i64>,
    rr_present: Option<i64>,
    rr_votes: Option<i64>,
}

#[post("/evaluation/objections/<id>/answer", data = "<form>")]
async fn answer(
    page: Page,
    state: &State<AppState>,
    staff: Officer<'_>,
    id: ObjectionId,
    form: CsrfForm<AnswerForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let text_ = text(&f.answer).to_string();
    let change = match text(&f.new_grade) {
        "" => None,
        "none" => Some(None),
        g => match Grade::parse(g) {
            Some(g) => Some(Some(g.code())),
            None => {
                return Ok(Reply::flash_error(
                    "/evaluation/objections",
                    page.t("err-committee-grade"),
                ))
            }
        },
    };
    if text_.chars().count() < 10 {
        return Ok(Reply::flash_error(
            "/evaluation/objections",
            page.t("err-objection-answer"),
        ));
    }
    let committee = (
        f.rr_members.unwrap_or(0),
        f.rr_present.unwrap_or(0),
        f.rr_votes.unwrap_or(-1),
    );
    let authorities: Vec<i64> = staff
        .user
        .authorities(crate::domain::role::Role::EvaluationOfficer)
        .collect();
    if let Err(key) = Evaluation::of(state)
        .answer_objection(
            id.0,
            &text_,
            change,
            committee,
            staff.user.id(),
            &authorities,
        )
        .await?
    {
        return Ok(Reply::flash_error("/evaluation/objections", page.t(key)));
    }
    Ok(Reply::flash(
        "/evaluation/objections",
        page.t("flash-objection-answered"),
    ))
}

#[get("/evaluation/downgrades")]
async fn downgrades(
    page: Page,
    state: &State<AppState>,
    staff: Officer<'_>,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let rows: Vec<_> = store::downgrades(&mut c, false)
        .await?
        .into_iter()
        .filter(|d| evaluates(staff.user, d.authority_id))
        .collect();
    // The void certificates of the officer's organizations, to be returned within 15 days.
    let certificates: Vec<_> = store::void_certificates(&mut c)
        .await?
        .into_iter()
        .filter(|g| evaluates(staff.user, g.authority_id))
        .collect();
    Ok(page.render(
        "evaluation/downgrades",
        json!({ "rows": rows, "certificates": certificates,
                "grades": Grade::ALL.iter().map(|g| g.code()).collect::<Vec<_>>() }),
    ))
}

/// The officer records that a void certificate was returned (issue 22, item 15).
#[post("/evaluation/grades/<id>/returned", data = "<form>")]
async fn returned(
    page: Page,
    state: &State<AppState>,
    staff: Officer<'_>,
    id: GradeId,
    form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    let _ = form.into_inner();
    let back = "/evaluation/downgrades#certificates";
    let authorities: Vec<i64> = staff
        .user
        .authorities(crate::domain::role::Role::EvaluationOfficer)
        .collect();
    match Evaluation::of(state)
        .certificate_returned(id.0, staff.user.id(), &authorities)
        .await?
    {
        Ok(()) => Ok(Reply::flash(back, page.t("flash-certificate-returned"))),
        Err(key) => Ok(Reply::flash_error(back, page.t(key))),
    }
}

#[derive(FromForm)]
pub struct DecideForm {
    outcome: Option<String>,
    new_grade: Option<String>,
    reason: Option<String>,
}

#[post("/evaluation/downgrades/<id>", data = "<form>")]
async fn decide(
    page: Page,
    state: &State<AppState>,
    staff: Officer<'_>,
    id: i64,
    form: CsrfForm<DecideForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let back = "/evaluation/downgrades";
    let reason = text(&f.reason).to_string();
    let outcome = crate::domain::eval_life::DowngradeOutcome::parse(text(&f.outcome));
    let new_grade = Grade::parse(text(&f.new_grade));
    let Some(outcome) = outcome.filter(|_| !reason.is_empty()) else {
        return Ok(Reply::flash_error(back, page.t("err-downgrade-form")));
    };
    let authorities: Vec<i64> = staff
        .user
        .authorities(crate::domain::role::Role::EvaluationOfficer)
        .collect();
    let decided = Evaluation::of(state)
        .decide_downgrade(
            id,
            outcome,
            new_grade,
            &reason,
            staff.user.id(),
            &authorities,
        )
        .await?;
    match decided {
        Ok(()) => Ok(Reply::flash(back, page.t("flash-downgrade-decided"))),
        Err(key @ "err-downgrade-grade") => Ok(Reply::flash_error(back, page.t(key))),
        Err(key) => Err(AppError::Conflict(key)),
    }
}

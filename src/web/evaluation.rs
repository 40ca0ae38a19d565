//! The evaluation officer's rounds (DOMAIN §4): open a round with the settings in force
//! recorded, follow its progress (applications, assignments, submitted scores, flagged items,
//! the grade distribution as a chart and a table), record the committee meeting, publish the
//! notice, announce. Officers act only on their own authority's rounds.

use crate::db::evaluation::{self as store, Round};
use crate::db::settings;
use crate::domain::calendar::{iso_date, parse_iso_date};
use crate::domain::evaluation::Grade;
use crate::domain::role::Role;
use crate::evaluation::{Evaluation, NewRoundForm};
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::{role, CurrentUser, Staff};
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::RoundId;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

pub fn routes() -> Vec<Route> {
    routes![index, open, round, committee, notice, announce]
}

pub type Officer<'r> = Staff<'r, role::EvaluationOfficer>;

/// Whether the user is an evaluation officer of this authority.
pub fn evaluates(user: &CurrentUser, authority: Option<i64>) -> bool {
    authority.is_some_and(|a| user.authorities(Role::EvaluationOfficer).any(|x| x == a))
}

/// Whether the user is an evaluation officer of the round's authority.
pub fn officer_of(user: &CurrentUser, round: &Round) -> bool {
    evaluates(user, Some(round.authority_id))
}

/// The round, if this officer's authority runs it (403 otherwise).
pub async fn officers_round(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Round> {
    let mut c = state.db.acquire().await?;
    let r = store::round_by_id(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !officer_of(user, &r) {
        return Err(AppError::Forbidden);
    }
    Ok(r)
}

async fn index_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mine: Vec<i64> = user.authorities(Role::EvaluationOfficer).collect();
    let mut c = state.db.acquire().await?;
    let rounds = store::rounds(&mut c, Some(&mine)).await?;
    let authorities = crate::db::directory::list(&mut c, crate::db::directory::UnitKind::Authority)
        .await?
        .into_iter()
        .filter(|a| mine.contains(&a.id))
        .collect::<Vec<_>>();
    let s = settings::snapshot(&mut c, state.clock.now_ms()).await?;
    Ok(page.render(
        "evaluation/index",
        json!({ "rounds": rounds, "authorities": authorities, "values": values, "errors": errors,
                "notice_days": s.int("evaluation.notice_days"), "aggregate": s.get("evaluation.aggregate") }),
    ))
}

#[get("/evaluation")]
async fn index(page: Page, state: &State<AppState>, staff: Officer<'_>) -> AppResult<Template> {
    index_page(&page, state, staff.user, json!({}), FormErrors::default()).await
}

#[derive(FromForm, Serialize)]
pub struct RoundForm {
    authority: Option<i64>,
    year: Option<i64>,
    title: Option<String>,
    apply_from: Option<String>,
    apply_to: Option<String>,
    scoring_due: Option<String>,
}

#[post("/evaluation/rounds", data = "<form>")]
async fn open(
    page: Page,
    state: &State<AppState>,
    staff: Officer<'_>,
    form: CsrfForm<RoundForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let f = form.into_inner();
    let lang = page.lang;
    let mut errors = FormErrors::default();
    let authority = f
        .authority
        .filter(|a| user.authorities(Role::EvaluationOfficer).any(|x| x == *a));
    if authority.is_none() {
        errors.add(lang, "authority", "err-round-authority");
    }
    let year = f.year.filter(|y| (2000..=2100).contains(y));
    if year.is_none() {
        errors.add(lang, "year", "err-round-year");
    }
    let title = text(&f.title).to_string();
    if title.is_empty() || title.chars().count() > 200 {
        errors.add(lang, "title", "err-round-title");
    }
    let date = |v: &Option<String>| parse_iso_date(text(v));
    let (from, to, due) = (date(&f.apply_from), date(&f.apply_to), date(&f.scoring_due));
    if from.is_none() {
        errors.add(lang, "apply_from", "err-date-invalid");
    }
    if to.is_none() || matches!((from, to), (Some(a), Some(b)) if b < a) {
        errors.add(lang, "apply_to", "err-round-window");
    }
    if due.is_none() || matches!((to, due), (Some(a), Some(b)) if b <= a) {
        errors.add(lang, "scoring_due", "err-round-scoring-due");
    }
    let (Some(authority), Some(year), Some(from), Some(to), Some(due), true) =
        (authority, year, from, to, due, errors.is_empty())
    else {
        let values = serde_json::to_value(&f).unwrap_or_default();
        let t = index_page(&page, state, user, values, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let id = Evaluation::of(state)
        .open_round(
            user.id(),
            &NewRoundForm {
                authority,
                year,
                title: &title,
                apply_from: from,
                apply_to: to,
                scoring_due: due,
            },
        )
        .await?;
    Ok(Reply::flash(
        format!("/evaluation/rounds/{id}"),
        page.t("flash-round-opened"),
    ))
}

pub async fn round_page(
    page: &Page,
    state: &AppState,
    r: &Round,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let ev = Evaluation::of(state);
    let mut c = state.db.acquire().await?;
    let apps = store::apps_of_round(&mut c, r.id).await?;
    let assignments = store::assignments_of_round(&mut c, r.id).await?;
    let mut rows = Vec::new();
    let mut dist: HashMap<String, i64> = HashMap::new();
    let (mut submitted, mut flagged) = (0, 0);
    for a in &apps {
        let mine: Vec<_> = assignments.iter().filter(|s| s.app_id == a.id).collect();
        let active = mine.iter().filter(|s| s.recused_at.is_none()).count();
        let done = mine.iter().filter(|s| s.submitted_at.is_some()).count();
        let flags = a
            .flagged
            .as_deref()
            .map(|f| f.split(',').filter(|x| !x.is_empty()).count())
            .unwrap_or(0);
        submitted += done;
        flagged += flags;
        let grade = a.decided_grade.clone().or(a.proposed_grade.clone());
        if a.status != crate::domain::eval_life::AppStatus::Review {
            *dist
                .entry(grade.clone().unwrap_or_else(|| "none".into()))
                .or_default() += 1;
        }
        rows.push(
            json!({ "app": a, "active": active, "submitted": done, "flags": flags,
            "total": a.total_centi.map(crate::evaluation::from_centi) }),
        );
    }
    let mut chart = Vec::new();
    let max = dist.values().copied().max().unwrap_or(0).max(1);
    for code in Grade::ALL.iter().map(|g| g.code()).chain(["none"]) {
        let n = dist.get(code).copied().unwrap_or(0);
        chart.push(json!({ "grade": code, "n": n, "width": n * 100 / max }));
    }
    let objections = store::objections_where(&mut c, "e.round_id", r.id).await?;
    let sheet = ev.committee_sheet(&mut c, r).await?;
    let today = ev.today();
    let ready = !apps.is_empty()
        && apps
            .iter()
            .all(|a| a.status != crate::domain::eval_life::AppStatus::Review);
    Ok(page.render(
        "evaluation/round",
        json!({ "round": r, "rows": rows, "chart": chart, "submitted": submitted, "flagged": flagged,
                "assignments": assignments.len(), "objections": objections, "ready": ready,
                "sheet": sheet,
                "today": iso_date(today), "grades": Grade::ALL.iter().map(|g| g.code()).collect::<Vec<_>>(),
                "values": values, "errors": errors }),
    ))
}

#[get("/evaluation/rounds/<id>")]
async fn round(
    page: Page,
    state: &State<AppState>,
    staff: Officer<'_>,
    id: RoundId,
) -> AppResult<Template> {
    let r = officers_round(state, staff.user, id.0).await?;
    round_page(&page, state, &r, json!({}), FormErrors::default()).await
}

pub use crate::web::eval_committee::{announce, committee, notice};

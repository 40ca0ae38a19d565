//! A round's last steps: the committee meeting (quorum two thirds, a grade needs a majority of
//! all members, a change from the proposal needs its reason), the public notice for the
//! round's notice period, and the announcement once the notice ended and every objection has
//! its written answer.

use crate::db::evaluation as store;
use crate::domain::eval_life::AppStatus;
use crate::domain::evaluation::Grade;
use crate::domain::scoring;
use crate::evaluation::{Evaluation, Meeting};
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::RoundId;
use crate::web::ctx::{Page, Reply};
use crate::web::evaluation::{officers_round, round_page, Officer};
use crate::web::forms::{text, FormErrors};
use rocket::http::Status as Http;
use rocket::{post, FromForm, State};
use serde::Serialize;
use std::collections::HashMap;

/// One application's decision as typed: the votes as text, so a count that is not a number
/// comes back to the officer as typed, with the message at the field.
#[derive(FromForm, Serialize, Default)]
pub struct Decision {
    grade: Option<String>,
    votes: Option<String>,
    reason: Option<String>,
}

#[derive(FromForm, Serialize)]
pub struct CommitteeForm {
    held_on: Option<String>,
    members: Option<i64>,
    present: Option<i64>,
    decisions: HashMap<i64, Decision>,
}

#[post("/evaluation/rounds/<id>/committee", data = "<form>")]
pub async fn committee(
    page: Page,
    state: &State<AppState>,
    staff: Officer<'_>,
    id: RoundId,
    form: CsrfForm<CommitteeForm>,
) -> AppResult<Reply> {
    let r = officers_round(state, staff.user, id.0).await?;
    if r.status != crate::domain::eval_life::RoundStatus::Open {
        return Err(AppError::Conflict("err-round-state"));
    }
    let f = form.into_inner();
    let lang = page.lang;
    let mut errors = FormErrors::default();
    let held_on = crate::domain::calendar::parse_iso_date(text(&f.held_on));
    if held_on.is_none() {
        errors.add(lang, "held_on", "err-date-invalid");
    }
    let (members, present) = (f.members.unwrap_or(0), f.present.unwrap_or(0));
    if let Some(k) = scoring::committee_problem(members, present) {
        errors.add(lang, "members", k);
    }
    let apps = {
        let mut c = state.db.acquire().await?;
        store::apps_of_round(&mut c, r.id).await?
    };
    if apps.is_empty()
        || apps
            .iter()
            .any(|a| a.status == crate::domain::eval_life::AppStatus::Review)
    {
        // Said above the decisions' table (`id="decisions"`).
        errors.add(lang, "decisions", "err-committee-unscored");
    }
    let mut decided = Vec::new();
    for a in apps
        .iter()
        .filter(|a| a.status == crate::domain::eval_life::AppStatus::Scored)
    {
        // Each error is keyed by its field's id on the sheet (`g<id>`, `v<id>`, `why<id>`):
        // the message stands at the field and the summary links to it.
        let d = f.decisions.get(&a.id);
        let field = format!("g{}", a.id);
        let choice = d.map(|d| text(&d.grade)).unwrap_or("");
        let grade = match choice {
            "none" => None,
            g => match Grade::parse(g) {
                Some(g) => Some(g.code()),
                None => {
                    errors.add(lang, &field, "err-committee-grade");
                    continue;
                }
            },
        };
        let votes = d
            .and_then(|d| text(&d.votes).parse::<i64>().ok())
            .unwrap_or(-1);
        if let Some(k) = scoring::majority(members, present, votes) {
            errors.add(lang, &format!("v{}", a.id), k);
        }
        let reason = d.map(|d| text(&d.reason).to_string()).unwrap_or_default();
        if grade != a.proposed_grade.as_deref() && reason.is_empty() {
            errors.add(lang, &format!("why{}", a.id), "err-committee-reason");
        }
        decided.push((a.id, grade, votes, reason));
    }
    let Some(held_on) = held_on.filter(|_| errors.is_empty()) else {
        let values = serde_json::to_value(&f).unwrap_or_default();
        let t = round_page(&page, state, &r, values, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    Evaluation::of(state)
        .hold_committee(
            staff.user.id(),
            &r,
            &Meeting {
                held_on,
                members,
                present,
                applications: apps.len(),
                in_review: apps
                    .iter()
                    .filter(|a| a.status == AppStatus::Review)
                    .count(),
                decided: &decided,
            },
        )
        .await?;
    Ok(Reply::flash(
        format!("/evaluation/rounds/{}", r.id),
        page.t("flash-committee-recorded"),
    ))
}

#[post("/evaluation/rounds/<id>/notice", data = "<_form>")]
pub async fn notice(
    page: Page,
    state: &State<AppState>,
    staff: Officer<'_>,
    id: RoundId,
    _form: CsrfForm<crate::web::forms::Empty>,
) -> AppResult<Reply> {
    let r = officers_round(state, staff.user, id.0).await?;
    Evaluation::of(state)
        .publish_notice(staff.user.id(), &r)
        .await?;
    Ok(Reply::flash(
        format!("/evaluation/rounds/{}", r.id),
        page.t("flash-notice-published"),
    ))
}

#[post("/evaluation/rounds/<id>/announce", data = "<_form>")]
pub async fn announce(
    page: Page,
    state: &State<AppState>,
    staff: Officer<'_>,
    id: RoundId,
    _form: CsrfForm<crate::web::forms::Empty>,
) -> AppResult<Reply> {
    let r = officers_round(state, staff.user, id.0).await?;
    match Evaluation::of(state).announce(r.id, staff.user.id()).await {
        Ok(_) => Ok(Reply::flash(
            format!("/evaluation/rounds/{}", r.id),
            page.t("flash-round-announced"),
        )),
        // A rule's refusal (the notice still running, an objection unanswered) is said on the
        // round's page, at the announcement, with the rule and what to do (409).
        Err(AppError::Conflict(key))
            if key == "err-round-notice-running" || key == "err-round-objections-open" =>
        {
            let message = announce_refusal(&page, &r, key);
            let mut errors = FormErrors::default();
            errors.add_text("announce", message);
            let t = round_page(&page, state, &r, serde_json::json!({}), errors).await?;
            Ok(Reply::page(Http::Conflict, t))
        }
        Err(e) => Err(e),
    }
}

/// Why a round cannot be announced yet, and from when (or after what) it can.
fn announce_refusal(page: &Page, r: &crate::db::evaluation::Round, key: &str) -> String {
    let lang = page.lang.code();
    let ends = r
        .notice_to
        .as_deref()
        .and_then(crate::domain::calendar::parse_iso_date);
    match (key, ends) {
        ("err-round-notice-running", Some(to)) => crate::platform::i18n::t_args(
            page.lang,
            "err-round-announce-notice",
            &[
                ("to", crate::web::filters::date_text(to, lang)),
                (
                    "from",
                    crate::web::filters::date_text(to.next_day().unwrap_or(to), lang),
                ),
            ],
        ),
        ("err-round-objections-open", _) => page.t("err-round-announce-objections"),
        _ => page.t(key),
    }
}

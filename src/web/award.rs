//! The purchaser's award page (DOMAIN §5): the frozen ranking with the 5-working-day clock to
//! confirm the first-ranked, the winners and passing over one who refuses or is disqualified
//! (with the reason), inquiries and challenges to answer (clock shown), the contract form with
//! its installment plan, and the filing with the finance department (clock shown).

use crate::db::projects::Project;
use crate::delivery::contract::{self, check_term, PlanLine};
use crate::domain::calendar::parse_iso_date;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::procurement::award::{award_of, winners};
use crate::procurement::challenge;
use crate::procurement::procedure::{SignRefusal, Term};
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::purchase::{procured_project, purchasers_project, Procurer, Purchaser};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;
use std::collections::HashMap;

pub fn routes() -> Vec<Route> {
    routes![page_get, confirm, pass_over, answer, sign, filing]
}

/// Rows of the installment plan offered by the contract form.
const PLAN_ROWS: usize = 4;

pub(crate) async fn award_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    p: &Project,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let a = award_of(&mut c, p).await?;
    let ws = match &a {
        Some(a) => winners(&mut c, a.id).await?,
        None => Vec::new(),
    };
    let contracts = contract::of_project(&mut c, p.id).await?;
    let mut plans = HashMap::new();
    for k in &contracts {
        plans.insert(
            k.id.to_string(),
            contract::installments(&mut c, k.id).await?,
        );
    }
    let challenges = challenge::of_project(&mut c, p.id).await?;
    let holds =
        crate::delivery::signing_holds(&mut c, p.id, p.round, state.calendars.today()).await?;
    let suspended = !holds.is_empty();
    let now = state.clock.now_ms();
    // Winners still to sign, with the 30-day limit from the award notice.
    let unsigned: Vec<_> = ws
        .iter()
        .filter(|w| {
            w.status == crate::domain::award::WinnerStatus::Winner
                && !contracts.iter().any(|k| k.winner_id == w.id)
        })
        .cloned()
        .collect();
    let roll = {
        let mut c = state.db.acquire().await?;
        crate::db::settings::snapshot(&mut c, now)
            .await?
            .flag("calendar.roll.contract_signing")
            .unwrap_or(false)
    };
    let cal = state.calendars.now();
    let sign_due = a
        .as_ref()
        .and_then(|a| a.notice_at)
        .map(|n| contract::sign_due(&cal, n, roll));
    Ok(page.render(
        "purchase/award",
        json!({ "p": p, "award": a, "winners": ws, "unsigned": unsigned, "contracts": contracts,
                "plans": plans, "challenges": challenges, "suspended": suspended, "holds": holds, "now": now,
                "sign_due": sign_due, "sign_roll": roll, "sign_overdue": sign_due.is_some_and(|d| now > d) && !unsigned.is_empty(),
                "notice_running": a.as_ref().and_then(|a| a.notice_end_at).is_some_and(|e| now < e),
                "plan_rows": (0..PLAN_ROWS).collect::<Vec<_>>(),
                "values": values, "errors": errors,
                "purchaser": crate::web::purchase::purchases(user, p) }),
    ))
}

async fn refuse(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    p: &Project,
    values: serde_json::Value,
    field: &str,
    key: &str,
) -> AppResult<Reply> {
    let mut e = FormErrors::default();
    e.add(page.lang, field, key);
    let t = award_page(page, state, user, p, values, e).await?;
    Ok(Reply::page(Http::UnprocessableEntity, t))
}

#[get("/purchase/projects/<id>/award")]
async fn page_get(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    id: i64,
) -> AppResult<Template> {
    let p = procured_project(state, staff.user, id).await?;
    award_page(
        &page,
        state,
        staff.user,
        &p,
        json!({}),
        FormErrors::default(),
    )
    .await
}

/// Confirms the first-ranked bidder (there is no choice to make).
#[post("/purchase/projects/<id>/award/confirm", data = "<_form>")]
async fn confirm(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    _form: CsrfForm<crate::web::forms::Empty>,
) -> AppResult<Reply> {
    let p = purchasers_project(state, staff.user, id).await?;
    match Procurement::of(state)
        .confirm_award(p.id, staff.user.id())
        .await?
    {
        Ok(()) => Ok(Reply::flash(
            format!("/purchase/projects/{id}/award"),
            page.t("flash-award-confirmed"),
        )),
        Err((p, key)) => refuse(&page, state, staff.user, &p, json!({}), "award", key).await,
    }
}

#[derive(FromForm)]
pub struct PassForm {
    winner: Option<i64>,
    kind: Option<String>,
    reason: Option<String>,
}

#[post("/purchase/projects/<id>/award/pass", data = "<form>")]
async fn pass_over(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    form: CsrfForm<PassForm>,
) -> AppResult<Reply> {
    let p = purchasers_project(state, staff.user, id).await?;
    let f = form.into_inner();
    let values = json!({ "pass_reason": text(&f.reason) });
    match Procurement::of(state)
        .pass_over_winner(
            p.id,
            f.winner.unwrap_or(0),
            text(&f.kind),
            text(&f.reason),
            staff.user.id(),
        )
        .await?
    {
        Ok(()) => Ok(Reply::flash(
            format!("/purchase/projects/{id}/award"),
            page.t("flash-award-passed"),
        )),
        Err((p, key)) => refuse(&page, state, staff.user, &p, values, "pass_reason", key).await,
    }
}

#[derive(FromForm)]
pub struct AnswerForm {
    answer: Option<String>,
}

#[post("/purchase/projects/<id>/challenges/<cid>/answer", data = "<form>")]
async fn answer(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    id: i64,
    cid: i64,
    form: CsrfForm<AnswerForm>,
) -> AppResult<Reply> {
    let p = procured_project(state, staff.user, id).await?;
    let text_in = text(&form.into_inner().answer).to_string();
    match Procurement::of(state)
        .answer_challenge_of(p.id, cid, &text_in, staff.user.id())
        .await?
    {
        Ok(()) => Ok(Reply::flash(
            format!("/purchase/projects/{id}/award#challenges"),
            page.t("flash-challenge-answered"),
        )),
        Err((p, key)) => {
            let values = json!({ format!("answer-{cid}"): text_in });
            refuse(
                &page,
                state,
                staff.user,
                &p,
                values,
                &format!("answer-{cid}"),
                key,
            )
            .await
        }
    }
}

#[derive(FromForm)]
pub struct SignForm {
    winner: Option<i64>,
    starts_on: Option<String>,
    ends_on: Option<String>,
    term_reason: Option<String>,
    mode: Option<String>,
    value: HashMap<usize, String>,
    condition: HashMap<usize, String>,
    review: HashMap<usize, String>,
}

/// Signs and publishes the contract (or a programme's agreement) with a winner.
#[post("/purchase/projects/<id>/contracts", data = "<form>")]
async fn sign(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    form: CsrfForm<SignForm>,
) -> AppResult<Reply> {
    let p = purchasers_project(state, staff.user, id).await?;
    let f = form.into_inner();
    let lines: Vec<PlanLine> = (0..PLAN_ROWS)
        .map(|i| PlanLine {
            value: f.value.get(&i).cloned().unwrap_or_default(),
            condition: f.condition.get(&i).cloned().unwrap_or_default(),
            review: f.review.get(&i).cloned().unwrap_or_default(),
        })
        .collect();
    let mut values = json!({ "starts_on": text(&f.starts_on), "ends_on": text(&f.ends_on),
                             "term_reason": text(&f.term_reason), "mode": text(&f.mode) });
    for (i, l) in lines.iter().enumerate() {
        values[format!("value{i}")] = json!(l.value);
        values[format!("condition{i}")] = json!(l.condition);
        values[format!("review{i}")] = json!(l.review);
    }
    let mut e = FormErrors::default();
    let starts = parse_iso_date(text(&f.starts_on));
    let ends = parse_iso_date(text(&f.ends_on));
    if starts.is_none() {
        e.add(page.lang, "starts_on", "err-contract-date");
    }
    if ends.is_none() {
        e.add(page.lang, "ends_on", "err-contract-date");
    }
    if let (Some(s), Some(x)) = (starts, ends) {
        if let Err(k) = check_term(s, x, text(&f.term_reason)) {
            e.add(page.lang, "term_reason", k);
        }
    }
    let term = match (starts, ends, e.is_empty()) {
        (Some(starts_on), Some(ends_on), true) => Some(Term {
            starts_on,
            ends_on,
            reason: text(&f.term_reason).to_string(),
        }),
        _ => None,
    };
    match Procurement::of(state)
        .sign_contract(p.id, f.winner, text(&f.mode), &lines, term, staff.user.id())
        .await?
    {
        Ok(k) => Ok(Reply::flash(
            format!("/contracts/{k}"),
            page.t("flash-contract-signed"),
        )),
        Err((p, SignRefusal::Step(key))) => {
            refuse(&page, state, staff.user, &p, values, "contract", key).await
        }
        Err((p, problem)) => {
            if let SignRefusal::Plan(k) = problem {
                e.add(page.lang, "plan", k);
            }
            let t = award_page(&page, state, staff.user, &p, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

#[derive(FromForm)]
pub struct FilingForm {
    reference: Option<String>,
}

/// Records that the contract was filed with the finance department.
#[post("/purchase/contracts/<kid>/filing", data = "<form>")]
async fn filing(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    kid: i64,
    form: CsrfForm<FilingForm>,
) -> AppResult<Reply> {
    let k = {
        let mut c = state.db.acquire().await?;
        contract::by_id(&mut c, kid)
            .await?
            .ok_or(AppError::NotFound)?
    };
    let p = purchasers_project(state, staff.user, k.project_id).await?;
    let reference = text(&form.into_inner().reference).to_string();
    match Procurement::of(state)
        .file_contract(kid, p.id, &reference, staff.user.id())
        .await?
    {
        Ok(project) => Ok(Reply::flash(
            format!("/purchase/projects/{project}/award#contracts"),
            page.t("flash-contract-filed"),
        )),
        Err((p, key)) => {
            let values = json!({ format!("reference-{kid}"): reference });
            refuse(
                &page,
                state,
                staff.user,
                &p,
                values,
                &format!("reference-{kid}"),
                key,
            )
            .await
        }
    }
}

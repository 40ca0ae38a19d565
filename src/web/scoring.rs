//! The expert's side (DOMAIN §4): only their own assignments (anyone else's is absent, by URL
//! too); a declaration of conflicts before anything else; then each item scored within its
//! bounds, a comment for every deduction, drafts saved, one submission that locks the scores.
//! An expert never sees another expert's scores.

use crate::db::evaluation::{self as store, Assignment};
use crate::domain::scoring::{self, Entry};
use crate::evaluation::{from_centi, Evaluation};
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::{role, Staff};
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::AssignmentId;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

pub fn routes() -> Vec<Route> {
    routes![list, sheet, declare, save]
}

type Expert<'r> = Staff<'r, role::Expert>;

#[get("/scoring")]
async fn list(page: Page, state: &State<AppState>, staff: Expert<'_>) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let rows = store::assignments_of_expert(&mut c, staff.user.id().0).await?;
    let mut out = Vec::new();
    for a in rows {
        let round = store::round_by_id(&mut c, a.round_id).await?;
        out.push(json!({ "a": a, "round": round }));
    }
    let seats = crate::procurement::panel_scoring::seats_of(&mut c, staff.user.id().0).await?;
    Ok(page.render("scoring/list", json!({ "rows": out, "seats": seats })))
}

/// The expert's own assignment; anyone else's is 404.
async fn own(state: &AppState, user: i64, id: i64) -> AppResult<Assignment> {
    let mut c = state.db.acquire().await?;
    store::assignment_by_id(&mut c, id)
        .await?
        .filter(|a| a.expert_user_id == user)
        .ok_or(AppError::NotFound)
}

async fn sheet_page(
    page: &Page,
    state: &AppState,
    a: &Assignment,
    values: Option<BTreeMap<String, Entry>>,
    errors: FormErrors,
) -> AppResult<Template> {
    let ev = Evaluation::of(state);
    let mut c = state.db.acquire().await?;
    let app = store::app_by_id(&mut c, a.app_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let round = store::round_by_id(&mut c, a.round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let standard = ev.standard_of(&mut c, &app).await?;
    let entries = match values {
        Some(v) => v,
        None => store::scores_of(&mut c, a.id)
            .await?
            .into_iter()
            .map(|s| {
                (
                    s.item_code,
                    Entry {
                        score: Some(from_centi(s.centi)),
                        comment: s.comment,
                    },
                )
            })
            .collect(),
    };
    let lines: Vec<_> = scoring::lines(&standard)
        .into_iter()
        .map(|l| {
            let e = entries.get(&l.code).cloned().unwrap_or_default();
            json!({ "line": l, "score": e.score.map(|s| s.to_string()).unwrap_or_default(), "comment": e.comment,
                    "error": errors.by_field.get(&format!("score-{}", l.code)) })
        })
        .collect();
    let evidence = store::evidence(&mut c, app.id).await?;
    Ok(page.render(
        "scoring/sheet",
        json!({ "a": a, "app": app, "round": round, "standard": { "title": standard.title,
                "bonus_cap": standard.bonus_cap, "deduction_cap": standard.deduction_cap },
                "lines": lines, "evidence": evidence, "errors": errors }),
    ))
}

#[get("/scoring/<id>")]
async fn sheet(
    page: Page,
    state: &State<AppState>,
    staff: Expert<'_>,
    id: AssignmentId,
) -> AppResult<Template> {
    let a = own(state, staff.user.id().0, id.0).await?;
    sheet_page(&page, state, &a, None, FormErrors::default()).await
}

#[derive(FromForm)]
pub struct DeclareForm {
    conflict: Option<String>,
    detail: Option<String>,
}

#[post("/scoring/<id>/declare", data = "<form>")]
async fn declare(
    page: Page,
    state: &State<AppState>,
    staff: Expert<'_>,
    id: AssignmentId,
    form: CsrfForm<DeclareForm>,
) -> AppResult<Reply> {
    let a = own(state, staff.user.id().0, id.0).await?;
    let f = form.into_inner();
    let back = format!("/scoring/{}", a.id);
    let conflict = match text(&f.conflict) {
        "none" => None,
        "conflict" => {
            let d = text(&f.detail).to_string();
            if d.is_empty() {
                return Ok(Reply::flash_error(back, page.t("err-declare-detail")));
            }
            Some(format!("declared:{d}"))
        }
        _ => return Ok(Reply::flash_error(back, page.t("err-declare-choice"))),
    };
    Evaluation::of(state)
        .declare_conflict(staff.user.id(), a.id, conflict.as_deref())
        .await?;
    Ok(Reply::flash(back, page.t("flash-declared")))
}

#[derive(FromForm)]
pub struct ScoreForm {
    score: HashMap<String, String>,
    comment: HashMap<String, String>,
    action: Option<String>,
}

#[post("/scoring/<id>", data = "<form>")]
async fn save(
    page: Page,
    state: &State<AppState>,
    staff: Expert<'_>,
    id: AssignmentId,
    form: CsrfForm<ScoreForm>,
) -> AppResult<Reply> {
    let a = own(state, staff.user.id().0, id.0).await?;
    let f = form.into_inner();
    let submitting = text(&f.action) == "submit";
    let ev = Evaluation::of(state);
    let standard = {
        let mut c = state.db.acquire().await?;
        let app = store::app_by_id(&mut c, a.app_id)
            .await?
            .ok_or(AppError::NotFound)?;
        ev.standard_of(&mut c, &app).await?
    };
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut errors = FormErrors::default();
    for line in scoring::lines(&standard) {
        let raw = f.score.get(&line.code).map(|s| s.trim()).unwrap_or("");
        let comment = f
            .comment
            .get(&line.code)
            .map(|s| s.trim().chars().take(2000).collect())
            .unwrap_or_default();
        let score = if line.kind == "veto" {
            Some(if raw == "1" {
                Decimal::ONE
            } else {
                Decimal::ZERO
            })
        } else if raw.is_empty() {
            None
        } else {
            match raw.parse::<Decimal>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.add(
                        page.lang,
                        &format!("score-{}", line.code),
                        "err-score-number",
                    );
                    None
                }
            }
        };
        entries.insert(line.code.clone(), Entry { score, comment });
    }
    // A sheet submitted, or not open to this expert (recused, no declaration yet): said on the
    // sheet with the marks as typed and what to do (409), nothing written.
    let refusal = if a.submitted_at.is_some() {
        Some(("scores", "err-score-locked-sheet"))
    } else if a.recused_at.is_some() {
        Some(("scores", "err-score-recused"))
    } else if a.declared_at.is_none() {
        Some(("declare", "err-score-declare-first"))
    } else {
        None
    };
    if let Some((field, key)) = refusal {
        let mut errors = FormErrors::default();
        errors.add(page.lang, field, key);
        let t = sheet_page(&page, state, &a, Some(entries), errors).await?;
        return Ok(Reply::page(Http::Conflict, t));
    }
    for (code, key) in scoring::problems(&standard, &entries, submitting) {
        errors.add(page.lang, &format!("score-{code}"), key);
    }
    if !errors.is_empty() {
        let t = sheet_page(&page, state, &a, Some(entries), errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    ev.save_scores(staff.user.id(), &a, &entries, submitting)
        .await?;
    Ok(Reply::flash(
        format!("/scoring/{}", a.id),
        page.t(if submitting {
            "flash-scores-submitted"
        } else {
            "flash-scores-saved"
        }),
    ))
}

//! The public side of the award (DOMAIN §5): the award notice (purchaser, project name and
//! number, winner with address and amount, the service requirements, the panel's names), the
//! published contracts with their installment plans and filing; a bidder's inquiries,
//! challenges and complaints (the supervisor's side is `web::complaints`).

use crate::delivery::contract;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::OrgId;
use crate::procurement::award::{award_of, panel_names, winners};
use crate::procurement::challenge::{self, Filing};
use crate::procurement::Procurement;
use crate::web::ctx::{Page, PublicPage, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::page_cache::{self, Html};
use crate::web::projects::by_number;
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![notice, contract_show, challenges, file, complain]
}

use crate::web::bids::member_org;

/// The award notice, once the award is confirmed (404 before).
/// An anonymous visitor's copy is kept in the page cache (issue 26 item 3): nothing on it
/// changes but by a data change.
#[get("/projects/<number>/award")]
async fn notice(pg: PublicPage, state: &State<AppState>, number: &str) -> AppResult<Html> {
    page_cache::serve(
        &pg,
        state,
        "projects/award",
        "",
        notice_context(state, number),
    )
    .await
}

async fn notice_context(state: &AppState, number: &str) -> AppResult<serde_json::Value> {
    let p = by_number(state, number).await?;
    let mut c = state.db.acquire().await?;
    let a = award_of(&mut c, &p)
        .await?
        .filter(|a| a.confirmed_at.is_some())
        .ok_or(AppError::NotFound)?;
    let ws = winners(&mut c, a.id).await?;
    let panel = panel_names(&mut c, &p).await?;
    let contracts = contract::of_project(&mut c, p.id).await?;
    drop(c);
    let official = crate::platform::documents::official(
        state,
        crate::domain::docnum::DocKind::AwardNotice,
        // A pass-over publishes a new edition of the notice, numbered apart.
        crate::domain::docnum::award_notice_subject(
            a.id,
            ws.iter()
                .filter(|w| w.status != crate::domain::award::WinnerStatus::Winner)
                .count() as i64,
        ),
        "",
        &crate::platform::documents::day_of(a.notice_at.or(a.confirmed_at).unwrap_or(a.report_at)),
        crate::db::documents::IssuerRef::Department(p.department_id),
        crate::platform::documents::Issuer {
            name_zh: p.department_zh.clone(),
            name_en: p.department_en.clone(),
            ..Default::default()
        },
    )
    .await?;
    Ok(
        json!({ "p": p, "award": a, "winners": ws, "panel": panel, "contracts": contracts,
               "official": official }),
    )
}

/// An anonymous visitor's copy is kept in the page cache (issue 26 item 3). Time alone changes
/// what it shows (an installment or the filing becoming overdue), so a copy is kept until the
/// next minute begins: at most a minute behind the clock, and never behind the data.
#[get("/contracts/<id>")]
async fn contract_show(pg: PublicPage, state: &State<AppState>, id: i64) -> AppResult<Html> {
    let next_minute = (state.clock.now_ms().div_euclid(60_000) + 1) * 60_000;
    page_cache::serve_until(&pg, state, "contracts/show", "", async {
        Ok((contract_context(state, id).await?, Some(next_minute)))
    })
    .await
}

async fn contract_context(state: &AppState, id: i64) -> AppResult<serde_json::Value> {
    let mut c = state.db.acquire().await?;
    let k = contract::by_id(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = contract::installments(&mut c, id).await?;
    let now = state.clock.now_ms();
    let s = crate::delivery::ledger::summary(&mut c, &k, now).await?;
    // The public sees amounts and dates of payments, never accounts, vouchers or invoices.
    let payments: Vec<_> = s
        .entries
        .iter()
        .map(|e| {
            json!({ "installment": e.installment_pos, "amount_fen": e.amount_fen,
                         "value_date": e.value_date, "reversal": e.reverses_id.is_some() })
        })
        .collect();
    let changes = crate::delivery::ledger::changes(&mut c, id).await?;
    let reviews: Vec<_> = crate::delivery::performance::of_contract(&mut c, id)
        .await?
        .into_iter()
        .filter(|r| r.submitted_at.is_some())
        .collect();
    Ok(
        json!({ "k": k, "plan": plan, "now": now, "payments": payments, "changes": changes,
               "reviews": reviews, "standing": s.standing,
               "money": { "cap_fen": s.cap_fen, "paid_fen": s.paid_fen, "remaining_fen": s.remaining_fen,
                          "accepted_at": s.accepted_at, "terminated_at": s.terminated_at } }),
    )
}

/// Challenges and complaints are filed for the organization by its admin.
fn admin_org(user: &CurrentUser, org: i64) -> AppResult<OrgId> {
    let org = OrgId(org);
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    Ok(org)
}

async fn challenges_page(
    page: &Page,
    state: &AppState,
    number: &str,
    org: OrgId,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let p = by_number(state, number).await?;
    let mut c = state.db.acquire().await?;
    let took_part = challenge::took_part(&mut c, &p, org.0).await?;
    let windows = Procurement::of(state).step_windows(&mut c, &p).await?;
    let mut own = Vec::new();
    for ch in challenge::of_project(&mut c, p.id).await? {
        if ch.org_id == org.0 {
            let complaint = challenge::complaint_of(&mut c, ch.id).await?;
            own.push(json!({ "c": ch, "complaint": complaint }));
        }
    }
    Ok(page.render(
        "projects/challenges",
        json!({ "p": p, "org": org.0, "took_part": took_part, "own": own, "windows": windows,
                "now": state.clock.now_ms(), "values": values, "errors": errors }),
    ))
}

/// A bidder's inquiries, challenges and complaints on a project (its own only).
#[get("/projects/<number>/challenges/<org>")]
async fn challenges(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: i64,
) -> AppResult<Template> {
    let org = member_org(user, org)?;
    challenges_page(&page, state, number, org, json!({}), FormErrors::default()).await
}

#[derive(FromForm)]
pub struct FileForm {
    kind: Option<String>,
    target: Option<String>,
    step: Option<String>,
    body: Option<String>,
}

#[post("/projects/<number>/challenges/<org>", data = "<form>")]
async fn file(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: i64,
    form: CsrfForm<FileForm>,
) -> AppResult<Reply> {
    let org = admin_org(user, org)?;
    let p = by_number(state, number).await?;
    let f = form.into_inner();
    let filing = Filing {
        org: org.0,
        user: user.id().0,
        kind: text(&f.kind),
        target: text(&f.target),
        step: text(&f.step),
        body: text(&f.body),
    };
    match Procurement::of(state)
        .file_challenge_on(p.id, &filing)
        .await?
    {
        Ok(_) => Ok(Reply::flash(
            format!("/projects/{number}/challenges/{}", org.0),
            page.t("flash-challenge-filed"),
        )),
        Err((_, key)) => {
            let mut e = FormErrors::default();
            let field = if key == "err-challenge-step" {
                "step"
            } else {
                "body"
            };
            e.add(page.lang, field, key);
            let values = json!({ "kind": filing.kind, "target": filing.target,
                                 "step": filing.step, "body": filing.body });
            let t = challenges_page(&page, state, number, org, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

#[derive(FromForm)]
pub struct ComplainForm {
    body: Option<String>,
}

/// A complaint to the procurement supervisor about one of the organization's challenges.
#[post("/projects/<number>/challenges/<org>/<cid>/complaint", data = "<form>")]
async fn complain(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: i64,
    cid: i64,
    form: CsrfForm<ComplainForm>,
) -> AppResult<Reply> {
    let org = admin_org(user, org)?;
    let p = by_number(state, number).await?;
    let body = text(&form.into_inner().body).to_string();
    match Procurement::of(state)
        .complain_on(p.id, org.0, cid, &body, user.id())
        .await?
    {
        Ok(_) => Ok(Reply::flash(
            format!("/projects/{number}/challenges/{}", org.0),
            page.t("flash-complaint-filed"),
        )),
        Err((_, key)) => {
            let mut e = FormErrors::default();
            e.add(page.lang, &format!("complaint-{cid}"), key);
            let values = json!({ format!("complaint-{cid}"): body });
            let t = challenges_page(&page, state, number, org, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

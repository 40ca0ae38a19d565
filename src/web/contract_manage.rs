//! The purchaser's side of delivery (DOMAIN §6): per contract, the installments and what was
//! paid, deliverables to accept or return, performance reviews (opened by the purchaser or a
//! third party, survey links issued once, rectification after 差), final acceptance, add-on
//! purchases and termination; and the purchaser's delivery dashboard.

use crate::delivery::contract::{self, Contract};
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::error::{AppError, AppResult};
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::finance::OverviewAt;
use crate::web::forms::{positive_money, text, FormErrors};
use crate::web::purchase::{departments, purchasers_project, Purchaser};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    routes![
        dashboard,
        show,
        deliverable,
        open_review,
        surveys,
        rectify,
        accept_check,
        accept,
        addon,
        terminate
    ]
}

#[get("/purchase/delivery?<at..>")]
async fn dashboard(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    at: OverviewAt,
) -> AppResult<Template> {
    let mine = departments(staff.user);
    let data = crate::web::finance::overview(state, Some(&mine), &at).await?;
    Ok(page.render("purchase/delivery", data))
}

/// The contract, if one of this purchaser's departments bought it.
async fn purchasers_contract(
    state: &AppState,
    user: &crate::platform::auth::guards::CurrentUser,
    id: i64,
) -> AppResult<Contract> {
    let k = {
        let mut c = state.db.acquire().await?;
        contract::by_id(&mut c, id)
            .await?
            .ok_or(AppError::NotFound)?
    };
    purchasers_project(state, user, k.project_id).await?;
    Ok(k)
}

pub(crate) async fn manage_page(
    page: &Page,
    state: &AppState,
    k: &Contract,
    values: Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let now = state.clock.now_ms();
    let s = crate::delivery::ledger::summary(&mut c, k, now).await?;
    let deliverables = crate::delivery::of_contract(&mut c, k.id).await?;
    let reviews = crate::delivery::performance::of_contract(&mut c, k.id).await?;
    let changes = crate::delivery::ledger::changes(&mut c, k.id).await?;
    let third_parties = crate::db::roles::third_party_reviewers(&mut c).await?;
    let milestones: Vec<String> = s
        .installments
        .iter()
        .filter_map(|i| i.review_name.clone())
        .collect();
    Ok(page.render(
        "purchase/contract",
        json!({ "k": k, "standing": s.standing, "s": s, "deliverables": deliverables, "reviews": reviews, "changes": changes,
                "third_parties": third_parties, "milestones": milestones,
                "values": values, "errors": errors }),
    ))
}

async fn refuse(
    page: &Page,
    state: &AppState,
    k: &Contract,
    values: Value,
    field: &str,
    key: &str,
) -> AppResult<Reply> {
    let mut e = FormErrors::default();
    e.add(page.lang, field, key);
    let t = manage_page(page, state, k, values, e).await?;
    Ok(Reply::page(Http::UnprocessableEntity, t))
}

fn done(page: &Page, k: &Contract, key: &str, anchor: &str) -> Reply {
    Reply::flash(
        format!("/purchase/contracts/{}#{anchor}", k.id),
        page.t(key),
    )
}

#[get("/purchase/contracts/<id>")]
async fn show(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
) -> AppResult<Template> {
    let k = purchasers_contract(state, staff.user, id).await?;
    manage_page(&page, state, &k, json!({}), FormErrors::default()).await
}

#[derive(FromForm)]
pub struct DecideForm {
    decision: Option<String>,
    reason: Option<String>,
}

#[post("/purchase/contracts/<id>/deliverables/<did>", data = "<form>")]
async fn deliverable(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    did: i64,
    form: CsrfForm<DecideForm>,
) -> AppResult<Reply> {
    let k = purchasers_contract(state, staff.user, id).await?;
    let f = form.into_inner();
    let accept = text(&f.decision) == "accept";
    match Procurement::of(state)
        .decide_deliverable(&k, did, accept, text(&f.reason), staff.user.id().0)
        .await?
    {
        Ok(()) => Ok(done(&page, &k, "flash-deliverable-decided", "deliverables")),
        Err(key) => {
            let field = format!("reason-{did}");
            let values = json!({ field.clone(): text(&f.reason) });
            refuse(&page, state, &k, values, &field, key).await
        }
    }
}

#[derive(FromForm)]
pub struct ReviewForm {
    milestone: Option<String>,
    /// 0: the purchaser itself; otherwise a third-party reviewer's user id.
    reviewer: Option<i64>,
}

#[post("/purchase/contracts/<id>/reviews", data = "<form>")]
async fn open_review(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    form: CsrfForm<ReviewForm>,
) -> AppResult<Reply> {
    let k = purchasers_contract(state, staff.user, id).await?;
    let f = form.into_inner();
    let me = staff.user.id().0;
    let reviewer = f.reviewer.unwrap_or(0);
    let third_party = reviewer != 0;
    if third_party {
        let ok = {
            let mut c = state.db.acquire().await?;
            // A current third-party reviewer who is not a member of the contractor.
            crate::db::roles::independent_reviewer(&mut c, reviewer, k.org_id).await?
        };
        if !ok {
            return refuse(
                &page,
                state,
                &k,
                json!({}),
                "milestone",
                "err-review-reviewer",
            )
            .await;
        }
    }
    let who = if third_party { reviewer } else { me };
    match Procurement::of(state)
        .open_review(&k, text(&f.milestone), who, third_party, me)
        .await?
    {
        Ok(_) => Ok(done(&page, &k, "flash-review-opened", "reviews")),
        Err(key) => {
            let values = json!({ "milestone": text(&f.milestone) });
            refuse(&page, state, &k, values, "milestone", key).await
        }
    }
}

async fn own_review(
    state: &AppState,
    k: &Contract,
    rid: i64,
) -> AppResult<crate::delivery::performance::Review> {
    let mut c = state.db.acquire().await?;
    crate::delivery::performance::by_id(&mut c, rid)
        .await?
        .filter(|r| r.contract_id == k.id)
        .ok_or(AppError::NotFound)
}

#[derive(FromForm)]
pub struct SurveyForm {
    count: Option<usize>,
}

/// Issues survey links and shows them once (they are not stored in the clear).
#[post("/purchase/contracts/<id>/reviews/<rid>/surveys", data = "<form>")]
async fn surveys(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    rid: i64,
    form: CsrfForm<SurveyForm>,
) -> AppResult<Reply> {
    let k = purchasers_contract(state, staff.user, id).await?;
    let r = own_review(state, &k, rid).await?;
    let n = form.into_inner().count.unwrap_or(0);
    match Procurement::of(state)
        .issue_surveys(&r, n, staff.user.id().0)
        .await?
    {
        Ok(links) => {
            let base = state.config.public_url.trim_end_matches('/').to_string();
            let links: Vec<String> = links.iter().map(|t| format!("{base}/survey/{t}")).collect();
            Ok(Reply::page(
                Http::Ok,
                page.render(
                    "purchase/survey_links",
                    json!({ "k": k, "review": r, "links": links }),
                ),
            ))
        }
        Err(key) => {
            let field = format!("count-{rid}");
            refuse(&page, state, &k, json!({}), &field, key).await
        }
    }
}

#[derive(FromForm)]
pub struct RectifyForm {
    decision: Option<String>,
}

#[post("/purchase/contracts/<id>/reviews/<rid>/rectify", data = "<form>")]
async fn rectify(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    rid: i64,
    form: CsrfForm<RectifyForm>,
) -> AppResult<Reply> {
    let k = purchasers_contract(state, staff.user, id).await?;
    let r = own_review(state, &k, rid).await?;
    let d = text(&form.into_inner().decision).to_string();
    match Procurement::of(state)
        .rectify(&r, &d, staff.user.id().0)
        .await?
    {
        Ok(()) => Ok(done(&page, &k, "flash-rectified", "reviews")),
        Err(key) => {
            let field = format!("decision-{rid}");
            refuse(&page, state, &k, json!({ field.clone(): d }), &field, key).await
        }
    }
}

/// The check page before final acceptance: each milestone and whether its deliverable was
/// accepted, the term's end, anything suspending the contract, and the reason field when the
/// term has not ended; confirming records it.
async fn accept_page(
    page: &Page,
    state: &AppState,
    k: &Contract,
    values: Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let standing = crate::delivery::standing(&mut c, k, state.calendars.today()).await?;
    let open: Vec<&str> = standing
        .facts
        .milestones
        .iter()
        .filter(|m| !m.accepted)
        .map(|m| m.name.as_str())
        .collect();
    Ok(page.render(
        "purchase/accept",
        json!({ "k": k, "standing": standing, "today": crate::domain::calendar::iso_date(standing.facts.today),
                "early": standing.facts.today < standing.facts.ends_on, "open": open,
                "can": standing.state == crate::delivery::rules::State::Performing && open.is_empty(), "values": values, "errors": errors }),
    ))
}

#[get("/purchase/contracts/<id>/accept")]
async fn accept_check(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
) -> AppResult<Template> {
    let k = purchasers_contract(state, staff.user, id).await?;
    accept_page(&page, state, &k, json!({}), FormErrors::default()).await
}

#[derive(FromForm)]
pub struct AcceptForm {
    early_reason: Option<String>,
}

#[post("/purchase/contracts/<id>/accept", data = "<form>")]
async fn accept(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    form: CsrfForm<AcceptForm>,
) -> AppResult<Reply> {
    let k = purchasers_contract(state, staff.user, id).await?;
    let reason = text(&form.into_inner().early_reason).to_string();
    match Procurement::of(state)
        .accept_final(k.id, &reason, staff.user.id().0)
        .await?
    {
        Ok(()) => Ok(done(&page, &k, "flash-accepted", "plan")),
        Err(r) => {
            let mut e = FormErrors::default();
            e.add(page.lang, "early_reason", r.message_key());
            let t = accept_page(&page, state, &k, json!({ "early_reason": reason }), e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

#[derive(FromForm)]
pub struct AddOnForm {
    amount: Option<String>,
    condition: Option<String>,
    review_name: Option<String>,
    reason: Option<String>,
}

#[post("/purchase/contracts/<id>/addon", data = "<form>")]
async fn addon(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    form: CsrfForm<AddOnForm>,
) -> AppResult<Reply> {
    let k = purchasers_contract(state, staff.user, id).await?;
    let f = form.into_inner();
    let values = json!({ "addon_amount": text(&f.amount), "addon_reason": text(&f.reason),
                         "addon_review": text(&f.review_name) });
    let mut e = FormErrors::default();
    let Some(amount) = positive_money(
        &mut e,
        page.lang,
        "addon_amount",
        text(&f.amount),
        "err-pay-positive",
    ) else {
        let t = manage_page(&page, state, &k, values, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let review = Some(text(&f.review_name)).filter(|r| !r.is_empty());
    match Procurement::of(state)
        .add_on(
            k.id,
            amount.fen(),
            text(&f.condition),
            review,
            text(&f.reason),
            staff.user.id().0,
        )
        .await?
    {
        Ok(()) => Ok(done(&page, &k, "flash-addon", "changes")),
        Err(key) => refuse(&page, state, &k, values, "addon_amount", key).await,
    }
}

#[derive(FromForm)]
pub struct TerminateForm {
    settlement: Option<String>,
    reason: Option<String>,
}

#[post("/purchase/contracts/<id>/terminate", data = "<form>")]
async fn terminate(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    form: CsrfForm<TerminateForm>,
) -> AppResult<Reply> {
    let k = purchasers_contract(state, staff.user, id).await?;
    let f = form.into_inner();
    let values = json!({ "settlement": text(&f.settlement), "terminate_reason": text(&f.reason) });
    let settlement = match crate::domain::money::Money::parse(text(&f.settlement)) {
        Ok(m) => m,
        Err(k2) => return refuse(&page, state, &k, values, "settlement", k2.message_key()).await,
    };
    match Procurement::of(state)
        .terminate(k.id, settlement.fen(), text(&f.reason), staff.user.id().0)
        .await?
    {
        Ok(()) => Ok(done(&page, &k, "flash-terminated", "changes")),
        Err(key) => refuse(&page, state, &k, values, "settlement", key).await,
    }
}

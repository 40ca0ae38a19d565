//! The registrar's side of a registered organization's record: inspection outcomes, the
//! register of penalties and investigations, credit listings and revocation. Only a registrar
//! of the organization's authority acts on it; every change is audited and public facts appear
//! on the profile.

use crate::domain::calendar::parse_iso_date;
use crate::domain::credit::PenaltyKind;
use crate::domain::money::Money;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::{role, CurrentUser, Staff};
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{ApplicationId, OrgId};
use crate::registry::supervision::PenaltyDecision;
use crate::registry::Registry;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::supervision::record;
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};

pub fn routes() -> Vec<Route> {
    routes![
        registrar_record,
        outcome,
        add_penalty,
        close_penalty,
        list_org,
        remove_listing,
        verify_listing,
        answer_objection,
        revoke_change,
        revoke
    ]
}

type Registrar<'r> = Staff<'r, role::Registrar>;

/// Back to the record with a message, after a registrar's change.
fn saved(page: &Page, org: OrgId) -> Reply {
    Reply::flash(format!("/registry/orgs/{org}"), page.t("flash-saved"))
}

/// Whether the registrar handles this organization: its authority's, or (for organizations
/// imported without one) a city-level registrar.
pub async fn handles_org(
    state: &AppState,
    user: &CurrentUser,
    org: OrgId,
) -> AppResult<Option<i64>> {
    let mut c = state.db.acquire().await?;
    let Some(authority) = crate::db::orgs::authority_of(&mut c, org).await? else {
        return Err(AppError::NotFound);
    };
    let city = crate::db::orgs::city_authority(&mut c).await?;
    let wanted = authority.or(city);
    let ok = wanted.is_some_and(|w| {
        user.authorities(crate::domain::role::Role::Registrar)
            .any(|a| a == w)
    });
    // Never on a matter of one's own organization (DOMAIN §1).
    if ok && user.membership(org).is_none() {
        Ok(wanted)
    } else {
        Err(AppError::Forbidden)
    }
}

async fn registrar_page(
    page: &Page,
    state: &AppState,
    org: OrgId,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut v = record(state, org).await?;
    if let Some(m) = v.as_object_mut() {
        m.insert(
            "errors".into(),
            serde_json::to_value(&errors).unwrap_or_default(),
        );
    }
    Ok(page.render("registry/org", v))
}

#[get("/registry/orgs/<org>")]
async fn registrar_record(
    page: Page,
    state: &State<AppState>,
    staff: Registrar<'_>,
    org: OrgId,
) -> AppResult<Template> {
    handles_org(state, staff.user, org).await?;
    registrar_page(&page, state, org, FormErrors::default()).await
}

#[derive(FromForm)]
pub struct OutcomeForm {
    outcome: Option<String>,
}

#[post("/registry/orgs/<org>/reports/<report>/outcome", data = "<form>")]
async fn outcome(
    page: Page,
    state: &State<AppState>,
    staff: Registrar<'_>,
    org: OrgId,
    report: i64,
    form: CsrfForm<OutcomeForm>,
) -> AppResult<Reply> {
    handles_org(state, staff.user, org).await?;
    let f = form.into_inner();
    // A charity files its annual work report (年报, 慈善法 art. 13) instead of the annual
    // inspection: the registrar records it received, not a 年检 conclusion.
    let charity = record(state, org).await?["charity"].as_bool() == Some(true);
    let outcomes: &[&str] = if charity {
        &["received"]
    } else {
        &["qualified", "basically_qualified", "unqualified"]
    };
    let Some(outcome) = outcomes.iter().copied().find(|o| *o == text(&f.outcome)) else {
        let mut errors = FormErrors::default();
        errors.add(page.lang, "outcome", "err-outcome");
        let t = registrar_page(&page, state, org, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    Registry::of(state)
        .record_outcome(staff.user.id(), org, report, outcome)
        .await?;
    Ok(saved(&page, org))
}

#[derive(FromForm)]
pub struct PenaltyForm {
    kind: Option<String>,
    decided_on: Option<String>,
    amount: Option<String>,
    reason: Option<String>,
}

#[post("/registry/orgs/<org>/penalties", data = "<form>")]
async fn add_penalty(
    page: Page,
    state: &State<AppState>,
    staff: Registrar<'_>,
    org: OrgId,
    form: CsrfForm<PenaltyForm>,
) -> AppResult<Reply> {
    handles_org(state, staff.user, org).await?;
    let f = form.into_inner();
    let mut errors = FormErrors::default();
    let kind = PenaltyKind::parse(text(&f.kind));
    if !kind.is_some_and(PenaltyKind::by_form) {
        errors.add(page.lang, "kind", "err-penalty-kind");
    }
    let on = parse_iso_date(text(&f.decided_on));
    if on.is_none_or(|d| d > Registry::of(state).today()) {
        errors.add(page.lang, "decided_on", "err-app-date");
    }
    let amount = match (kind, Money::parse(text(&f.amount))) {
        (Some(PenaltyKind::Fine), Ok(m)) if m > Money::ZERO => Some(m),
        (Some(PenaltyKind::Fine), _) => {
            errors.add(page.lang, "amount", "err-penalty-amount");
            None
        }
        _ => None,
    };
    let reason = text(&f.reason).to_string();
    if reason.is_empty() {
        errors.add(page.lang, "penalty_reason", "err-reg-reason-missing");
    }
    let (Some(kind), Some(on), true) = (kind, on, errors.is_empty()) else {
        let t = registrar_page(&page, state, org, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let authority = handles_org(state, staff.user, org).await?;
    Registry::of(state)
        .record_penalty(
            staff.user.id(),
            org,
            &PenaltyDecision {
                kind,
                decided_on: on,
                amount,
                authority,
                reason: &reason,
            },
        )
        .await?;
    Ok(saved(&page, org))
}

#[post("/registry/orgs/<org>/penalties/<penalty>/close", data = "<_form>")]
async fn close_penalty(
    page: Page,
    state: &State<AppState>,
    staff: Registrar<'_>,
    org: OrgId,
    penalty: i64,
    _form: CsrfForm<crate::web::forms::Empty>,
) -> AppResult<Reply> {
    handles_org(state, staff.user, org).await?;
    Registry::of(state)
        .close_investigation(staff.user.id(), org, penalty)
        .await?;
    Ok(saved(&page, org))
}

#[derive(FromForm)]
pub struct ListingForm {
    reason: Option<String>,
}

/// Lists an organization on the abnormal-activity list for a cause a registrar finds
/// (unreachable at its address, rectification not done).
#[post("/registry/orgs/<org>/listings", data = "<form>")]
async fn list_org(
    page: Page,
    state: &State<AppState>,
    staff: Registrar<'_>,
    org: OrgId,
    form: CsrfForm<ListingForm>,
) -> AppResult<Reply> {
    handles_org(state, staff.user, org).await?;
    let f = form.into_inner();
    let Some(reason) = ["unreachable", "rectification_not_done"]
        .into_iter()
        .find(|r| *r == text(&f.reason))
    else {
        let mut errors = FormErrors::default();
        errors.add(page.lang, "reason", "err-listing-reason");
        let t = registrar_page(&page, state, org, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    Registry::of(state)
        .list_abnormal(staff.user.id(), org, reason)
        .await?;
    Ok(saved(&page, org))
}

/// Removes an abnormal listing once the rectification is verified (on the organization's
/// request). A serious listing is removed only by the daily job, 2 years after its last event.
#[post("/registry/orgs/<org>/listings/<listing>/remove", data = "<_form>")]
async fn remove_listing(
    page: Page,
    state: &State<AppState>,
    staff: Registrar<'_>,
    org: OrgId,
    listing: i64,
    _form: CsrfForm<crate::web::forms::Empty>,
) -> AppResult<Reply> {
    handles_org(state, staff.user, org).await?;
    let done = Registry::of(state)
        .remove_rectified(staff.user.id(), org, listing)
        .await;
    listing_refused(&page, state, org, listing, done.map(|_| ())).await
}

/// A listing's verification or removal: saved, or a rule's refusal (the report still missing,
/// a serious listing) said at the listing on the registrar's page (409).
async fn listing_refused(
    page: &Page,
    state: &AppState,
    org: OrgId,
    listing: i64,
    done: AppResult<()>,
) -> AppResult<Reply> {
    match done {
        Ok(()) => Ok(saved(page, org)),
        Err(AppError::Conflict(key))
            if key == "err-listing-not-rectified" || key == "err-listing-serious" =>
        {
            let mut errors = FormErrors::default();
            let key = if key == "err-listing-not-rectified" {
                "err-listing-report-first"
            } else {
                key
            };
            errors.add(page.lang, &format!("listing-{listing}"), key);
            let t = registrar_page(page, state, org, errors).await?;
            Ok(Reply::page(Http::Conflict, t))
        }
        Err(e) => Err(e),
    }
}

#[derive(FromForm)]
pub struct RevokeForm {
    ground: Option<String>,
    reason: Option<String>,
}

/// 撤销登记: for fraud in registration, or no activity for a year after registration.
#[post("/registry/orgs/<org>/revoke", data = "<form>")]
async fn revoke(
    page: Page,
    state: &State<AppState>,
    staff: Registrar<'_>,
    org: OrgId,
    form: CsrfForm<RevokeForm>,
) -> AppResult<Reply> {
    handles_org(state, staff.user, org).await?;
    let f = form.into_inner();
    let ground = ["fraud", "inactive_one_year"]
        .into_iter()
        .find(|g| *g == text(&f.ground));
    let reason = text(&f.reason).to_string();
    let mut errors = FormErrors::default();
    if ground.is_none() {
        errors.add(page.lang, "ground", "err-revoke-ground");
    }
    if reason.is_empty() {
        errors.add(page.lang, "revoke_reason", "err-reg-reason-missing");
    }
    if ground == Some("inactive_one_year") {
        let mut c = state.db.acquire().await?;
        let registered = crate::db::orgs::registered_on(&mut c, org).await?;
        let year_ago = crate::domain::credit::add_months(Registry::of(state).today(), -12);
        let old_enough = registered
            .flatten()
            .as_deref()
            .and_then(parse_iso_date)
            .is_some_and(|d| d <= year_ago);
        if !old_enough {
            errors.add(page.lang, "ground", "err-revoke-too-early");
        }
    }
    let (Some(ground), true) = (ground, errors.is_empty()) else {
        let t = registrar_page(&page, state, org, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let authority = handles_org(state, staff.user, org).await?;
    Registry::of(state)
        .revoke(staff.user.id(), org, authority, ground, &reason)
        .await?;
    Ok(saved(&page, org))
}

/// The registrar verifies (查实) that a listing's cause is rectified: the listing is to be
/// removed within 5 working days (民政部令60 art. 13), a clock in the registrar's queue.
#[post("/registry/orgs/<org>/listings/<listing>/verify", data = "<_form>")]
async fn verify_listing(
    page: Page,
    state: &State<AppState>,
    staff: Registrar<'_>,
    org: OrgId,
    listing: i64,
    _form: CsrfForm<crate::web::forms::Empty>,
) -> AppResult<Reply> {
    handles_org(state, staff.user, org).await?;
    let done = Registry::of(state)
        .verify_rectification(staff.user.id(), org, listing)
        .await;
    listing_refused(&page, state, org, listing, done.map(|_| ())).await
}

#[derive(FromForm)]
pub struct AnswerForm {
    answer: Option<String>,
}

/// The registrar answers an organization's objection to a listing.
#[post("/registry/orgs/<org>/requests/<request>/answer", data = "<form>")]
async fn answer_objection(
    page: Page,
    state: &State<AppState>,
    staff: Registrar<'_>,
    org: OrgId,
    request: i64,
    form: CsrfForm<AnswerForm>,
) -> AppResult<Reply> {
    handles_org(state, staff.user, org).await?;
    let answer = text(&form.into_inner().answer).to_string();
    if answer.is_empty() {
        let mut errors = FormErrors::default();
        errors.add(page.lang, "answer", "err-reg-reason-missing");
        let t = registrar_page(&page, state, org, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    Registry::of(state)
        .answer_objection(staff.user.id(), org, request, &answer)
        .await?;
    Ok(saved(&page, org))
}

/// 撤销变更登记: a change registration obtained by fraud is revoked; the organization goes on
/// the serious-violation list at once (民政部令60 art. 14(2)).
#[post("/registry/orgs/<org>/changes/<app>/revoke", data = "<form>")]
async fn revoke_change(
    page: Page,
    state: &State<AppState>,
    staff: Registrar<'_>,
    org: OrgId,
    app: ApplicationId,
    form: CsrfForm<ListingForm>,
) -> AppResult<Reply> {
    let authority = handles_org(state, staff.user, org).await?;
    let reason = text(&form.into_inner().reason).to_string();
    if reason.is_empty() {
        let mut errors = FormErrors::default();
        errors.add(page.lang, "change_reason", "err-reg-reason-missing");
        let t = registrar_page(&page, state, org, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    Registry::of(state)
        .revoke_change(staff.user.id(), org, app, authority, &reason)
        .await?;
    Ok(saved(&page, org))
}

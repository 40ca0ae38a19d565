//! The registrar's side of a registered organization's record: inspection outcomes, the
//! register of penalties and investigations, credit listings and revocation. Only a registrar
//! of the organization's authority acts on it; every change is audited and public facts appear
//! on the profile.

use crate::domain::calendar::{iso_date, parse_iso_date};
use crate::domain::credit::PenaltyKind;
use crate::domain::money::Money;
use crate::platform::app::AppState;
use crate::platform::audit::Actor;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::{role, CurrentUser, Staff};
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::OrgId;
use crate::registry::supervision::{add_event, add_listing};
use crate::registry::Registry;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::supervision::record;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::Template;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![
        registrar_record,
        outcome,
        add_penalty,
        close_penalty,
        list_org,
        remove_listing,
        revoke
    ]
}

type Registrar<'r> = Staff<'r, role::Registrar>;

/// Ends a registrar's change to an organization's record: its one audit entry, the commit, and
/// back to the record with a message.
async fn finish(
    state: &AppState,
    mut tx: crate::db::Tx,
    page: &Page,
    staff: &Registrar<'_>,
    org: OrgId,
    action: &str,
    summary: serde_json::Value,
) -> AppResult<Reply> {
    state
        .audit(
            &mut tx,
            Actor::User(staff.user.id()),
            action,
            ("org", org.to_string()),
            summary,
        )
        .await?;
    tx.commit().await?;
    Ok(Reply::flash(
        format!("/registry/orgs/{org}"),
        page.t("flash-saved"),
    ))
}

/// Whether the registrar handles this organization: its authority's, or (for organizations
/// imported without one) a city-level registrar.
pub async fn handles_org(
    state: &AppState,
    user: &CurrentUser,
    org: OrgId,
) -> AppResult<Option<i64>> {
    let mut c = state.db.acquire().await?;
    let authority: Option<Option<i64>> =
        sqlx::query_scalar("SELECT authority_id FROM organizations WHERE id = $1")
            .bind(org.0)
            .fetch_optional(&mut *c)
            .await?;
    let Some(authority) = authority else {
        return Err(AppError::NotFound);
    };
    let city: Option<i64> =
        sqlx::query_scalar("SELECT MIN(id) FROM authorities WHERE level = 'city'")
            .fetch_one(&mut *c)
            .await?;
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
    let Some(outcome) = ["qualified", "basically_qualified", "unqualified"]
        .into_iter()
        .find(|o| *o == text(&f.outcome))
    else {
        let mut errors = FormErrors::default();
        errors.add(page.lang, "outcome", "err-outcome");
        let t = registrar_page(&page, state, org, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let now = state.clock.now_ms();
    let today = iso_date(Registry::of(state).today());
    let mut tx = state.db.begin_write().await?;
    let version = crate::db::settings::snapshot(&mut tx, now).await?.version;
    let done = sqlx::query(
        "UPDATE annual_reports SET outcome = $1, outcome_on = $2, outcome_by = $3, settings_version = $4 \
         WHERE id = $5 AND org_id = $6",
    )
    .bind(outcome)
    .bind(&today)
    .bind(staff.user.id().0)
    .bind(version)
    .bind(report)
    .bind(org.0)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    add_event(&mut tx, org, &today, &format!("inspection_{outcome}"), now).await?;
    let proposed = crate::evaluation::daily::propose_downgrades(&mut tx, &today, now).await?;
    finish(
        state,
        tx,
        &page,
        &staff,
        org,
        "annual_report.outcome",
        json!({ "report": report, "outcome": outcome, "downgrades_proposed": proposed }),
    )
    .await
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
    if kind.is_none() || kind == Some(PenaltyKind::Revocation) {
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
        errors.add(page.lang, "reason", "err-reg-reason-missing");
    }
    let (Some(kind), Some(on), true) = (kind, on, errors.is_empty()) else {
        let t = registrar_page(&page, state, org, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let now = state.clock.now_ms();
    let authority = handles_org(state, staff.user, org).await?;
    let mut tx = state.db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO penalties (org_id, kind, decided_on, amount_fen, authority_id, reason, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(org.0)
    .bind(kind.code())
    .bind(iso_date(on))
    .bind(amount.map(Money::fen))
    .bind(authority)
    .bind(&reason)
    .bind(staff.user.id().0)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    add_event(
        &mut tx,
        org,
        &iso_date(on),
        &format!("penalty_{}", kind.code()),
        now,
    )
    .await?;
    let today = iso_date(Registry::of(state).today());
    let proposed = crate::evaluation::daily::propose_downgrades(&mut tx, &today, now).await?;
    finish(
        state,
        tx,
        &page,
        &staff,
        org,
        "penalty.recorded",
        json!({ "penalty": id, "kind": kind.code(), "amount_fen": amount.map(Money::fen),
                "downgrades_proposed": proposed }),
    )
    .await
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
    let today = iso_date(Registry::of(state).today());
    let mut tx = state.db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE penalties SET closed_on = $1 WHERE id = $2 AND org_id = $3 AND kind = 'investigation' AND closed_on IS NULL",
    )
    .bind(&today)
    .bind(penalty)
    .bind(org.0)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict("err-reg-action-state"));
    }
    finish(
        state,
        tx,
        &page,
        &staff,
        org,
        "penalty.closed",
        json!({ "penalty": penalty }),
    )
    .await
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
    let now = state.clock.now_ms();
    let today = iso_date(Registry::of(state).today());
    let mut tx = state.db.begin_write().await?;
    let id = add_listing(&mut tx, org, "abnormal", reason, None, &today, now).await?;
    add_event(&mut tx, org, &today, "listed_abnormal", now).await?;
    finish(
        state,
        tx,
        &page,
        &staff,
        org,
        "credit.listed",
        json!({ "listing": id, "list": "abnormal", "reason": reason }),
    )
    .await
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
    let now = state.clock.now_ms();
    let today = iso_date(Registry::of(state).today());
    let mut tx = state.db.begin_write().await?;
    let open: Option<(String, Option<i64>, String)> = sqlx::query_as(
        "SELECT reason, ref_year, list FROM credit_listings WHERE id = $1 AND org_id = $2 AND removed_on IS NULL",
    )
    .bind(listing)
    .bind(org.0)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((reason, year, list)) = open else {
        return Err(AppError::NotFound);
    };
    if list != "abnormal" {
        return Err(AppError::Conflict("err-listing-serious"));
    }
    if reason == "annual_report_missing" {
        let filed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM annual_reports WHERE org_id = $1 AND year = $2",
        )
        .bind(org.0)
        .bind(year)
        .fetch_one(&mut *tx)
        .await?;
        if filed == 0 {
            return Err(AppError::Conflict("err-listing-not-rectified"));
        }
    }
    sqlx::query("UPDATE credit_listings SET removed_on = $1, removal = 'rectified' WHERE id = $2")
        .bind(&today)
        .bind(listing)
        .execute(&mut *tx)
        .await?;
    add_event(&mut tx, org, &today, "removed_abnormal", now).await?;
    finish(
        state,
        tx,
        &page,
        &staff,
        org,
        "credit.removed",
        json!({ "listing": listing, "removal": "rectified" }),
    )
    .await
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
        errors.add(page.lang, "reason", "err-reg-reason-missing");
    }
    if ground == Some("inactive_one_year") {
        let mut c = state.db.acquire().await?;
        let registered: Option<Option<String>> =
            sqlx::query_scalar("SELECT registered_on FROM organizations WHERE id = $1")
                .bind(org.0)
                .fetch_optional(&mut *c)
                .await?;
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
    let now = state.clock.now_ms();
    let today = iso_date(Registry::of(state).today());
    let authority = handles_org(state, staff.user, org).await?;
    let mut tx = state.db.begin_write().await?;
    crate::db::orgs::advance(&mut tx, org, crate::domain::org_life::OrgAction::Revoke).await?;
    // Pending changes or deregistration of a revoked organization end with it.
    crate::db::applications::withdraw_open_of_org(&mut tx, org, now).await?;
    sqlx::query(
        "INSERT INTO penalties (org_id, kind, decided_on, authority_id, reason, created_by, created_at) \
         VALUES ($1, 'revocation', $2, $3, $4, $5, $6)",
    )
    .bind(org.0)
    .bind(&today)
    .bind(authority)
    .bind(format!("{ground}: {reason}"))
    .bind(staff.user.id().0)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    add_event(&mut tx, org, &today, "revoked", now).await?;
    finish(
        state,
        tx,
        &page,
        &staff,
        org,
        "org.revoked",
        json!({ "ground": ground, "reason": reason }),
    )
    .await
}

//! A registered organization's registry record as the organization sees it: its annual reports
//! (filed here), penalties and credit listings, and its applications for change registration
//! or deregistration. The registrar's side is in `oversight`.

use crate::db::applications::{self as store, Value};
use crate::domain::calendar::{iso_date, parse_iso_date};
use crate::domain::credit::{self, PenaltyKind};
use crate::domain::money::Money;
use crate::domain::org_name;
use crate::platform::app::AppState;
use crate::platform::audit::Actor;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::OrgId;
use crate::registry::supervision::due_setting;
use crate::registry::Registry;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::Template;
use serde_json::json;
use sqlx::Row;

pub fn routes() -> Vec<Route> {
    routes![org_record, file_report, apply_change, apply_deregistration]
}

/// The organization's public record: registered facts, annual reports and their outcomes,
/// penalties and credit listings (what its profile shows).
pub async fn public_record(c: &mut crate::db::Conn, org: OrgId) -> AppResult<serde_json::Value> {
    let facts = crate::web::directory::public_facts(c, org)
        .await?
        .ok_or(AppError::NotFound)?;
    let reports = sqlx::query(
        "SELECT id, year, due_on, filed_on, summary, outcome, outcome_on FROM annual_reports \
         WHERE org_id = $1 ORDER BY year DESC",
    )
    .bind(org.0)
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|r| -> Result<serde_json::Value, sqlx::Error> {
        Ok(json!({
            "id": r.try_get::<i64, _>("id")?, "year": r.try_get::<i64, _>("year")?,
            "due_on": r.try_get::<String, _>("due_on")?, "filed_on": r.try_get::<String, _>("filed_on")?,
            "summary": r.try_get::<String, _>("summary")?, "outcome": r.try_get::<Option<String>, _>("outcome")?,
            "outcome_on": r.try_get::<Option<String>, _>("outcome_on")?,
        }))
    })
    .collect::<Result<Vec<_>, _>>()?;
    let penalties = penalties(c, org).await?;
    let listings = listings(c, org).await?;
    Ok(json!({
        "org": facts, "reports": reports, "penalties": penalties, "listings": listings,
    }))
}

/// The record as the organization and its registrar work on it: the public record, the years
/// a report may be filed for (from the registration year, unless exempt, to last year) and the
/// kinds of penalty.
pub async fn record(state: &AppState, org: OrgId) -> AppResult<serde_json::Value> {
    let mut c = state.db.acquire().await?;
    let mut v = public_record(&mut c, org).await?;
    let org_type = v["org"]["org_type"].as_str().unwrap_or("").to_string();
    let registered = v["org"]["registered_on"].as_str().and_then(parse_iso_date);
    let s = crate::db::settings::snapshot(&mut c, state.clock.now_ms()).await?;
    let cutoff = s
        .get("registry.first_year_cutoff")
        .unwrap_or("06-30")
        .to_string();
    let md = s.get(due_setting(&org_type)).unwrap_or("05-31").to_string();
    let today = Registry::of(state).today();
    let mut due_years = Vec::new();
    if let Some(reg) = registered {
        for y in (today.year() - 3).max(reg.year())..today.year() {
            if !credit::exempt(reg, y, &cutoff) {
                due_years
                    .push(json!({ "year": y, "due": credit::report_due(y, &md).map(iso_date) }));
            }
        }
    }
    if let Some(m) = v.as_object_mut() {
        m.insert("due_years".into(), json!(due_years));
        m.insert(
            "penalty_kinds".into(),
            json!(PenaltyKind::ALL.map(PenaltyKind::code)),
        );
    }
    Ok(v)
}

pub async fn penalties(c: &mut crate::db::Conn, org: OrgId) -> AppResult<Vec<serde_json::Value>> {
    let rows = sqlx::query(
        "SELECT p.id, p.kind, p.decided_on, p.amount_fen, p.reason, p.closed_on, a.name_zh, a.name_en \
         FROM penalties p LEFT JOIN authorities a ON a.id = p.authority_id WHERE p.org_id = $1 \
         ORDER BY p.decided_on DESC, p.id DESC",
    )
    .bind(org.0)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            let amount: Option<i64> = r.try_get("amount_fen")?;
            Ok(json!({
                "id": r.try_get::<i64, _>("id")?, "kind": r.try_get::<String, _>("kind")?,
                "decided_on": r.try_get::<String, _>("decided_on")?,
                "amount": amount.map(|a| Money::from_fen(a).to_string()),
                "reason": r.try_get::<String, _>("reason")?, "closed_on": r.try_get::<Option<String>, _>("closed_on")?,
                "authority_zh": r.try_get::<Option<String>, _>("name_zh")?,
                "authority_en": r.try_get::<Option<String>, _>("name_en")?,
            }))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

pub async fn listings(c: &mut crate::db::Conn, org: OrgId) -> AppResult<Vec<serde_json::Value>> {
    let rows = sqlx::query(
        "SELECT id, list, reason, ref_year, listed_on, removed_on, removal FROM credit_listings \
         WHERE org_id = $1 ORDER BY listed_on DESC, id DESC",
    )
    .bind(org.0)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(json!({
                "id": r.try_get::<i64, _>("id")?, "list": r.try_get::<String, _>("list")?,
                "reason": r.try_get::<String, _>("reason")?, "year": r.try_get::<Option<i64>, _>("ref_year")?,
                "listed_on": r.try_get::<String, _>("listed_on")?,
                "removed_on": r.try_get::<Option<String>, _>("removed_on")?,
                "removal": r.try_get::<Option<String>, _>("removal")?,
            }))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

async fn org_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    org: OrgId,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut v = record(state, org).await?;
    if let Some(m) = v.as_object_mut() {
        m.insert("is_admin".into(), json!(user.is_org_admin(org)));
        m.insert(
            "errors".into(),
            serde_json::to_value(&errors).unwrap_or_default(),
        );
    }
    Ok(page.render("orgs/registry", v))
}

#[get("/orgs/<org>/registry")]
async fn org_record(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
) -> AppResult<Template> {
    if user.membership(org).is_none() {
        return Err(AppError::Forbidden);
    }
    org_page(&page, state, user, org, FormErrors::default()).await
}

#[derive(FromForm)]
pub struct ReportForm {
    year: Option<i64>,
    summary: Option<String>,
}

#[post("/orgs/<org>/annual-reports", data = "<form>")]
async fn file_report(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
    form: CsrfForm<ReportForm>,
) -> AppResult<Reply> {
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    let f = form.into_inner();
    let v = record(state, org).await?;
    let due = v["due_years"]
        .as_array()
        .and_then(|ys| ys.iter().find(|y| y["year"].as_i64() == f.year).cloned());
    let summary = text(&f.summary).to_string();
    let mut errors = FormErrors::default();
    if due.is_none() {
        errors.add(page.lang, "year", "err-report-year");
    }
    if summary.is_empty() || summary.chars().count() > 5000 {
        errors.add(page.lang, "summary", "err-report-summary");
    }
    let (Some(due), Some(year), true) = (due, f.year, errors.is_empty()) else {
        let t = org_page(&page, state, user, org, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let now = state.clock.now_ms();
    let today = iso_date(Registry::of(state).today());
    let mut tx = state.db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO annual_reports (org_id, year, due_on, filed_on, filed_by, summary, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, year) DO NOTHING",
    )
    .bind(org.0)
    .bind(year)
    .bind(due["due"].as_str().unwrap_or(""))
    .bind(&today)
    .bind(user.id().0)
    .bind(&summary)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(AppError::Conflict("err-report-filed"));
    }
    state
        .audit(
            &mut tx,
            Actor::User(user.id()),
            "annual_report.filed",
            ("org", org.to_string()),
            json!({ "year": year, "late": due["due"].as_str().is_some_and(|d| d < today.as_str()) }),
        )
        .await?;
    tx.commit().await?;
    Ok(Reply::flash(
        format!("/orgs/{org}/registry"),
        page.t("flash-report-filed"),
    ))
}

#[derive(FromForm, serde::Serialize)]
pub struct ChangeForm {
    name: Option<String>,
    domicile: Option<String>,
    legal_representative: Option<String>,
    business_scope: Option<String>,
    funds: Option<String>,
    reason: Option<String>,
}

/// Opens a change or deregistration application for the organization, submitted at once.
async fn open_application(
    state: &AppState,
    user: &CurrentUser,
    org: OrgId,
    kind: &str,
    changes: serde_json::Value,
) -> AppResult<crate::platform::ids::ApplicationId> {
    let reg = Registry::of(state);
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_write().await?;
    let row = sqlx::query(
        "SELECT o.name, o.org_type, o.category, o.district_code, o.charity, o.status, COALESCE(o.authority_id, \
         (SELECT MIN(id) FROM authorities WHERE level = 'city')) AS authority FROM organizations o WHERE o.id = $1",
    )
    .bind(org.0)
    .fetch_one(&mut *tx)
    .await?;
    let status: String = row.try_get("status")?;
    if !crate::domain::org_life::OrgStatus::parse(&status).is_some_and(|s| s.active()) {
        return Err(AppError::Conflict("err-reg-action-state"));
    }
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM applications WHERE org_id = $1 AND kind = $2 \
         AND status IN ('submitted', 'accepted', 'correction')",
    )
    .bind(org.0)
    .bind(kind)
    .fetch_one(&mut *tx)
    .await?;
    if open > 0 {
        return Err(AppError::Conflict("err-change-pending"));
    }
    let authority: i64 = row.try_get("authority")?;
    let id = store::create(&mut tx, user.id(), authority, now).await?;
    // Created as a draft and submitted at once, through the lifecycle.
    let step = crate::domain::application::Step::Submit;
    store::advance(
        &mut tx,
        id,
        crate::domain::application::Status::Draft,
        step,
        false,
        now,
    )
    .await?
    .ok_or(AppError::Conflict("err-app-not-editable"))?;
    let received = reg.today();
    let accept_by = reg.accept_clock(&mut tx, id, received).await?;
    store::set(
        &mut tx,
        id,
        &[
            ("kind", Value::Text(kind.into())),
            ("org_id", Value::OptInt(Some(org.0))),
            ("name", Value::Text(row.try_get("name")?)),
            ("org_type", Value::Text(row.try_get("org_type")?)),
            ("category", Value::Text(row.try_get("category")?)),
            ("district_code", Value::Text(row.try_get("district_code")?)),
            ("charity", Value::Int(row.try_get("charity")?)),
            ("changes", Value::OptText(Some(changes.to_string()))),
            ("received_on", Value::Text(iso_date(received))),
            ("submitted_at", Value::OptInt(Some(now))),
            ("accept_by", accept_by),
        ],
        now,
    )
    .await?;
    store::add_event(&mut tx, id, now, Some(user.id()), "submitted", None).await?;
    let app = store::by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    reg.audit(
        &mut tx,
        Actor::User(user.id()),
        "application.submitted",
        &app,
        json!({ "kind": kind, "org": org, "changes": changes }),
    )
    .await?;
    reg.notify(&mut tx, &app, "submitted").await?;
    tx.commit().await?;
    Ok(id)
}

#[post("/orgs/<org>/changes", data = "<form>")]
async fn apply_change(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
    form: CsrfForm<ChangeForm>,
) -> AppResult<Reply> {
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    let f = form.into_inner();
    let mut errors = FormErrors::default();
    let mut changes = serde_json::Map::new();
    let name = text(&f.name);
    if !name.is_empty() {
        let mut c = state.db.acquire().await?;
        let org_type: Option<String> =
            sqlx::query_scalar("SELECT org_type FROM organizations WHERE id = $1")
                .bind(org.0)
                .fetch_optional(&mut *c)
                .await?;
        for p in org_name::check(name, org_type.as_deref() == Some("social_group")) {
            errors.add(page.lang, "name", p.message_key());
        }
        if crate::registry::name_taken(&mut c, name, Some(org), None).await? {
            errors.add(page.lang, "name", "err-app-name-identical");
        }
        changes.insert("name".into(), json!(name));
    }
    for (key, v) in [
        ("domicile", text(&f.domicile)),
        ("legal_representative", text(&f.legal_representative)),
        ("business_scope", text(&f.business_scope)),
    ] {
        if !v.is_empty() {
            changes.insert(key.into(), json!(v));
        }
    }
    if !text(&f.funds).is_empty() {
        match Money::parse(text(&f.funds)) {
            Ok(m) => {
                changes.insert("funds_fen".into(), json!(m.fen()));
            }
            Err(e) => errors.add(page.lang, "funds", e.message_key()),
        }
    }
    if changes.is_empty() && errors.is_empty() {
        errors.add(page.lang, "name", "err-change-empty");
    }
    if !errors.is_empty() {
        let t = org_page(&page, state, user, org, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    let id = open_application(
        state,
        user,
        org,
        "change",
        serde_json::Value::Object(changes),
    )
    .await?;
    Ok(Reply::flash(
        format!("/applications/{id}"),
        page.t("flash-app-submitted"),
    ))
}

#[post("/orgs/<org>/deregistration", data = "<form>")]
async fn apply_deregistration(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
    form: CsrfForm<ChangeForm>,
) -> AppResult<Reply> {
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    let f = form.into_inner();
    let reason = text(&f.reason).to_string();
    if reason.is_empty() {
        let mut errors = FormErrors::default();
        errors.add(page.lang, "reason", "err-dereg-reason");
        let t = org_page(&page, state, user, org, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    let id = open_application(
        state,
        user,
        org,
        "deregistration",
        json!({ "liquidation": reason }),
    )
    .await?;
    Ok(Reply::flash(
        format!("/applications/{id}"),
        page.t("flash-app-submitted"),
    ))
}

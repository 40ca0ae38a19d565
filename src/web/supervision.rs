//! A registered organization's registry record as the organization sees it: its annual reports
//! (filed here), penalties and credit listings, and its applications for change registration
//! or deregistration. The registrar's side is in `oversight`.

use crate::domain::calendar::{iso_date, parse_iso_date};
use crate::domain::credit::{self, PenaltyKind};
use crate::domain::money::Money;
use crate::domain::org_name;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::i18n;
use crate::platform::ids::OrgId;
use crate::registry::supervision::due_setting;
use crate::registry::Registry;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![
        org_record,
        file_report,
        apply_change,
        apply_deregistration,
        file_listing_request
    ]
}

/// The organization's public record: registered facts, annual reports and their outcomes,
/// penalties and credit listings (what its profile shows).
pub async fn public_record(c: &mut crate::db::Conn, org: OrgId) -> AppResult<serde_json::Value> {
    let facts = crate::web::directory::public_facts(c, org)
        .await?
        .ok_or(AppError::NotFound)?;
    let reports = crate::db::credit::reports(c, org).await?;
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
    // A year already reported is not offered again: the form's first choice is always one
    // that can be filed, and the page says which were filed and when the next one opens.
    let filed: std::collections::HashMap<i64, String> = v["reports"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter_map(|r| Some((r["year"].as_i64()?, r["filed_on"].as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let mut due_years = Vec::new();
    let mut filed_years = Vec::new();
    if let Some(reg) = registered {
        for y in (today.year() - 3).max(reg.year())..today.year() {
            if credit::exempt(reg, y, &cutoff) {
                continue;
            }
            let due = credit::report_due(y, &md).map(iso_date);
            match filed.get(&i64::from(y)) {
                Some(on) => filed_years.push(json!({ "year": y, "filed_on": on })),
                None => due_years.push(json!({ "year": y, "due": due })),
            }
        }
    }
    let next_report = json!({
        "year": today.year(),
        "opens": format!("{}-01-01", today.year() + 1),
        "due": credit::report_due(today.year(), &md).map(iso_date),
    });
    // The supervising unit's preliminary review (by 31 March) and the simplified inspection
    // of 4A and above (issue 22, item 17).
    let (unit, charity, grades) = crate::db::orgs::inspection_facts(&mut c, org, &iso_date(today))
        .await?
        .unwrap_or_default();
    let review_due = s
        .get("registry.supervisor_review_due")
        .unwrap_or("03-31")
        .to_string();
    let simplified = credit::simplified_allowed(
        &grades,
        s.get("registry.simplified_inspection_min_grade")
            .unwrap_or("4a"),
    );
    if let Some(reports) = v["reports"].as_array_mut() {
        for r in reports {
            let late = match (
                r["year"].as_i64().and_then(|y| i32::try_from(y).ok()),
                r["supervisor_reviewed_on"]
                    .as_str()
                    .and_then(parse_iso_date),
            ) {
                (Some(y), Some(on)) => credit::review_late(y, on, &review_due),
                _ => false,
            };
            r["review_late"] = json!(late);
        }
    }
    let requests = crate::db::credit::requests(&mut c, org).await?;
    let approved_changes: Vec<serde_json::Value> =
        crate::db::applications::approved_changes(&mut c, org)
            .await?
            .into_iter()
            .map(|(id, on)| json!({ "id": id, "decided_on": on }))
            .collect();
    if let Some(m) = v.as_object_mut() {
        m.insert("requests".into(), json!(requests));
        m.insert("supervising_unit".into(), json!(unit));
        m.insert("charity".into(), json!(charity));
        m.insert("simplified_allowed".into(), json!(simplified));
        m.insert("approved_changes".into(), json!(approved_changes));
        m.insert("due_years".into(), json!(due_years));
        m.insert("filed_years".into(), json!(filed_years));
        m.insert("next_report".into(), next_report);
        m.insert(
            "penalty_kinds".into(),
            json!(PenaltyKind::ALL.map(PenaltyKind::code)),
        );
    }
    Ok(v)
}

pub async fn penalties(c: &mut crate::db::Conn, org: OrgId) -> AppResult<Vec<serde_json::Value>> {
    Ok(crate::db::credit::penalties(c, org)
        .await?
        .into_iter()
        .map(|p| {
            json!({
                "id": p.id, "kind": p.kind, "decided_on": p.decided_on,
                "amount": p.amount_fen.map(|a| Money::from_fen(a).to_string()),
                "reason": p.reason, "closed_on": p.closed_on,
                "authority_zh": p.authority_zh, "authority_en": p.authority_en,
            })
        })
        .collect())
}

pub async fn listings(c: &mut crate::db::Conn, org: OrgId) -> AppResult<Vec<serde_json::Value>> {
    Ok(crate::db::credit::listings(c, org)
        .await?
        .iter()
        .map(|l| json!(l))
        .collect())
}

async fn org_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    org: OrgId,
    errors: FormErrors,
    values: serde_json::Value,
) -> AppResult<Template> {
    let mut v = record(state, org).await?;
    if let Some(m) = v.as_object_mut() {
        m.insert("is_admin".into(), json!(user.is_org_admin(org)));
        // What was sent, shown again beside its errors so nothing typed is lost.
        m.insert("values".into(), values);
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
    org_page(&page, state, user, org, FormErrors::default(), json!({})).await
}

#[derive(FromForm)]
pub struct ReportForm {
    year: Option<i64>,
    summary: Option<String>,
    /// The day the supervising unit did its preliminary review (初审), where there is one.
    supervisor_reviewed_on: Option<String>,
    /// Filed for the simplified inspection (4A and above).
    simplified: bool,
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
    // A year already filed says when it was, rather than only "choose a year".
    let done = v["filed_years"]
        .as_array()
        .and_then(|ys| ys.iter().find(|y| y["year"].as_i64() == f.year));
    match (&due, done) {
        (None, Some(done)) => errors.add_text(
            "year",
            i18n::t_args(
                page.lang,
                "err-report-year-filed",
                &[
                    ("year", done["year"].to_string()),
                    (
                        "date",
                        done["filed_on"]
                            .as_str()
                            .and_then(parse_iso_date)
                            .map(|d| crate::web::filters::day_text(d, page.lang.code()))
                            .unwrap_or_default(),
                    ),
                ],
            ),
        ),
        (None, None) => errors.add(page.lang, "year", "err-report-year"),
        _ => {}
    }
    if summary.is_empty() || summary.chars().count() > 5000 {
        errors.add(page.lang, "summary", "err-report-summary");
    }
    // 社团条例 art. 31, 民非条例 art. 23: the supervising unit reviews the report first.
    let reviewed = if v["supervising_unit"]
        .as_str()
        .is_some_and(|u| !u.is_empty())
    {
        stated_day(
            &page,
            state,
            &f.supervisor_reviewed_on,
            "supervisor_reviewed_on",
            &mut errors,
        )
    } else {
        None
    };
    if f.simplified && v["simplified_allowed"].as_bool() != Some(true) {
        errors.add(page.lang, "simplified", "err-report-simplified");
    }
    let values = json!({
        "year": f.year, "summary": summary, "simplified": f.simplified,
        "supervisor_reviewed_on": text(&f.supervisor_reviewed_on),
    });
    // A year already filed is a rule's refusal (409), the rest are the form's (422).
    let status = if due.is_none() && done.is_some() {
        Http::Conflict
    } else {
        Http::UnprocessableEntity
    };
    let (Some(due), Some(year), true) = (due, f.year, errors.is_empty()) else {
        let t = org_page(&page, state, user, org, errors, values).await?;
        return Ok(Reply::page(status, t));
    };
    let filing = crate::registry::supervision::ReportFiling {
        supervisor_reviewed_on: reviewed,
        simplified: f.simplified,
    };
    let filed = Registry::of(state)
        .file_report(user.id(), org, year, due["due"].as_str(), &summary, &filing)
        .await;
    // A rule refusal (filed meanwhile, the review or the simplified inspection) is shown on
    // the form with what was typed, not on an error page.
    if let Err(AppError::Conflict(key)) = filed {
        let field = match key {
            "err-report-review-missing" => "supervisor_reviewed_on",
            "err-report-simplified" => "simplified",
            _ => "year",
        };
        let mut errors = FormErrors::default();
        errors.add(page.lang, field, key);
        let t = org_page(&page, state, user, org, errors, values).await?;
        return Ok(Reply::page(Http::Conflict, t));
    }
    filed?;
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
    /// The day of the underlying change (change registration).
    changed_on: Option<String>,
    /// The day liquidation ended (deregistration).
    liquidation_ended_on: Option<String>,
}

/// The day the form states: required, a date, not after today.
fn stated_day(
    page: &Page,
    state: &AppState,
    raw: &Option<String>,
    field: &'static str,
    errors: &mut FormErrors,
) -> Option<time::Date> {
    let d = parse_iso_date(text(raw)).filter(|d| *d <= Registry::of(state).today());
    if d.is_none() {
        errors.add(page.lang, field, "err-event-date");
    }
    d
}

/// Opens a change or deregistration application for the organization, submitted at once.
async fn open_application(
    state: &AppState,
    user: &CurrentUser,
    org: OrgId,
    kind: &str,
    changes: serde_json::Value,
    event_on: time::Date,
) -> AppResult<crate::platform::ids::ApplicationId> {
    Registry::of(state)
        .open_org_application(user.id(), org, kind, changes, event_on)
        .await
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
        let org_type = crate::db::orgs::org_type(&mut c, org).await?;
        let org_type = org_type
            .as_deref()
            .and_then(crate::domain::registration::OrgType::parse);
        for p in org_name::check(name, org_type) {
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
    let changed_on = stated_day(&page, state, &f.changed_on, "changed_on", &mut errors);
    let (Some(changed_on), true) = (changed_on, errors.is_empty()) else {
        let t = org_page(&page, state, user, org, errors, json!(f)).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let opened = open_application(
        state,
        user,
        org,
        "change",
        serde_json::Value::Object(changes),
        changed_on,
    )
    .await;
    opened_or_refused(&page, state, user, org, "change", json!(f), opened).await
}

/// A change or deregistration application opened, or refused by a rule (one of its kind is
/// still being handled): said on the form with what was typed and where to follow the open
/// one (409).
async fn opened_or_refused(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    org: OrgId,
    form: &str,
    values: serde_json::Value,
    opened: AppResult<crate::platform::ids::ApplicationId>,
) -> AppResult<Reply> {
    match opened {
        Ok(id) => Ok(Reply::flash(
            format!("/applications/{id}"),
            page.t("flash-app-submitted"),
        )),
        Err(AppError::Conflict("err-change-pending")) => {
            let mut errors = FormErrors::default();
            let key = if form == "change" {
                "err-change-pending-do"
            } else {
                "err-deregistration-pending-do"
            };
            errors.add(page.lang, form, key);
            let t = org_page(page, state, user, org, errors, values).await?;
            Ok(Reply::page(Http::Conflict, t))
        }
        Err(e) => Err(e),
    }
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
    let mut errors = FormErrors::default();
    if reason.is_empty() {
        errors.add(page.lang, "reason", "err-dereg-reason");
    }
    let ended = stated_day(
        &page,
        state,
        &f.liquidation_ended_on,
        "liquidation_ended_on",
        &mut errors,
    );
    let (Some(ended), true) = (ended, errors.is_empty()) else {
        let t = org_page(&page, state, user, org, errors, json!(f)).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let opened = open_application(
        state,
        user,
        org,
        "deregistration",
        json!({ "liquidation": reason }),
        ended,
    )
    .await;
    opened_or_refused(&page, state, user, org, "deregistration", json!(f), opened).await
}

#[derive(FromForm)]
pub struct ListingRequestForm {
    kind: Option<String>,
    statement: Option<String>,
}

/// The organization objects to a listing, or asks for its removal once the cause is
/// rectified (民政部令60 art. 13); the registrar sees it on the record and in the queue.
#[post("/orgs/<org>/listings/<listing>/requests", data = "<form>")]
async fn file_listing_request(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
    listing: i64,
    form: CsrfForm<ListingRequestForm>,
) -> AppResult<Reply> {
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    let f = form.into_inner();
    let kind = crate::registry::listings::RequestKind::parse(text(&f.kind));
    let statement = text(&f.statement).to_string();
    let mut errors = FormErrors::default();
    if kind.is_none() {
        errors.add(page.lang, &format!("kind-{listing}"), "err-listreq-kind");
    }
    if statement.is_empty() || statement.chars().count() > 5000 {
        errors.add(
            page.lang,
            &format!("statement-{listing}"),
            "err-listreq-statement",
        );
    }
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        let values = json!({ "listing": listing, "kind": text(&f.kind), "statement": statement });
        let t = org_page(&page, state, user, org, errors, values).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    Registry::of(state)
        .file_listing_request(user.id(), org, listing, kind, &statement)
        .await?;
    Ok(Reply::flash(
        format!("/orgs/{org}/registry#listings"),
        page.t("flash-listreq-filed"),
    ))
}

//! Community social organizations (社区社会组织) that do not meet the registration conditions are
//! filed (备案) with a street office: no legal-person status and no USCC. Registrars record the
//! filings; the public sees them in a list of their own, apart from registered organizations.

use crate::db::filings::NewFiling;
use crate::domain::calendar::iso_date;
use crate::domain::division;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::{role, Staff};
use crate::platform::error::AppResult;
use crate::registry::Registry;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![public_list, registrar_list, record]
}

async fn filings(state: &AppState, q: &str) -> AppResult<Vec<serde_json::Value>> {
    let mut c = state.db.acquire().await?;
    Ok(crate::db::filings::list(&mut c, q)
        .await?
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id, "name": r.name,
                "district": division::name_zh(&r.district_code), "street_office": r.street_office,
                "activity": r.activity, "filed_on": r.filed_on,
                "status": r.status,
            })
        })
        .collect())
}

/// The public list of filed community organizations.
#[get("/directory/filings?<q>")]
async fn public_list(page: Page, state: &State<AppState>, q: Option<&str>) -> AppResult<Template> {
    let q: String = q
        .unwrap_or("")
        .trim()
        .chars()
        .filter(|c| *c != '\0')
        .take(50)
        .collect();
    let items = filings(state, &q).await?;
    Ok(page.render("directory/filings", json!({ "items": items, "q": q })))
}

async fn registrar_page(
    page: &Page,
    state: &AppState,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let items = filings(state, "").await?;
    let districts: Vec<_> = division::NINGBO
        .iter()
        .map(|(code, zh, en)| json!({ "code": code, "zh": zh, "en": en }))
        .collect();
    Ok(page.render(
        "registry/filings",
        json!({ "items": items, "districts": districts, "values": values, "errors": errors }),
    ))
}

#[get("/registry/filings")]
async fn registrar_list(
    page: Page,
    state: &State<AppState>,
    _staff: Staff<'_, role::Registrar>,
) -> AppResult<Template> {
    registrar_page(&page, state, json!({}), FormErrors::default()).await
}

#[derive(FromForm, serde::Serialize)]
pub struct FilingForm {
    name: Option<String>,
    district_code: Option<String>,
    street_office: Option<String>,
    activity: Option<String>,
    contact_name: Option<String>,
}

#[post("/registry/filings", data = "<form>")]
async fn record(
    page: Page,
    state: &State<AppState>,
    staff: Staff<'_, role::Registrar>,
    form: CsrfForm<FilingForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let lang = page.lang;
    let mut errors = FormErrors::default();
    let mut need = |field: &str, key: &str, v: &str, max: usize| {
        if v.is_empty() || v.chars().count() > max {
            errors.add(lang, field, key);
        }
    };
    need("name", "err-app-name-missing", text(&f.name), 100);
    need(
        "street_office",
        "err-filing-street",
        text(&f.street_office),
        100,
    );
    need("activity", "err-filing-activity", text(&f.activity), 500);
    need(
        "contact_name",
        "err-app-contact-name-missing",
        text(&f.contact_name),
        50,
    );
    if !division::is_current(text(&f.district_code)) {
        errors.add(lang, "district_code", "err-app-district");
    }
    // A district bureau files its own district's organizations; the city bureau any.
    let mut authority = None;
    {
        let mut c = state.db.acquire().await?;
        for id in staff.grants().filter_map(|g| g.authority_id) {
            let row = crate::db::directory::authority_level(&mut c, id).await?;
            if let Some((level, division)) = row {
                if level == "city" || division == text(&f.district_code) {
                    authority = Some(id);
                    break;
                }
            }
        }
    }
    if authority.is_none() && division::is_current(text(&f.district_code)) {
        errors.add(lang, "district_code", "err-filing-jurisdiction");
    }
    if !errors.is_empty() {
        let values = serde_json::to_value(&f).unwrap_or_default();
        let t = registrar_page(&page, state, values, errors).await?;
        return Ok(Reply::page(Status::UnprocessableEntity, t));
    }
    let now = state.clock.now_ms();
    let today = iso_date(Registry::of(state).today());
    Registry::of(state)
        .record_filing(
            staff.user.id(),
            &NewFiling {
                name: text(&f.name),
                district_code: text(&f.district_code),
                street_office: text(&f.street_office),
                activity: text(&f.activity),
                contact_name: text(&f.contact_name),
                filed_on: &today,
                authority,
                by: staff.user.id(),
                now,
            },
        )
        .await?;
    Ok(Reply::flash("/registry/filings", page.t("flash-saved")))
}

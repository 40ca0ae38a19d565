//! The public directory (no login): search by name (1- and 2-character queries included) or
//! by exact USCC, filter by type, category, district and status, page through with a capped
//! count; and each organization's public profile. No ID numbers, personal phones or scans.

use crate::db::search::{self, Filters};
use crate::db::Conn;
use crate::domain::calendar::{iso_date, shanghai_date};
use crate::domain::division;
use crate::domain::evaluation::Grade;
use crate::domain::registration::{Category, OrgType};
use crate::platform::app::AppState;
use crate::platform::error::AppResult;
use crate::platform::ids::OrgId;
use crate::web::ctx::PublicPage;
use crate::web::forms::urlencode;
use crate::web::page_cache::{self, Html};
use rocket::{get, routes, Route, State};
use serde::Serialize;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![directory, profile]
}

pub const PAGE_SIZE: i64 = 20;
pub use crate::domain::registration::ORG_STATUSES as STATUSES;

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label_key: String,
}

fn choices() -> serde_json::Value {
    let types: Vec<Choice> = OrgType::ALL
        .iter()
        .map(|t| Choice {
            value: t.code(),
            label_key: format!("orgtype-{}", t.code()),
        })
        .collect();
    let categories: Vec<Choice> = Category::ALL
        .iter()
        .map(|c| Choice {
            value: c.code(),
            label_key: format!("category-{}", c.code()),
        })
        .collect();
    let statuses: Vec<Choice> = STATUSES
        .iter()
        .map(|s| Choice {
            value: s,
            label_key: format!("orgstatus-{s}"),
        })
        .collect();
    let districts: Vec<_> = division::NINGBO
        .iter()
        .map(|(code, zh, en)| json!({ "value": code, "zh": zh, "en": en }))
        .collect();
    let grades: Vec<&str> = Grade::ALL.iter().map(|g| g.code()).collect();
    json!({ "types": types, "categories": categories, "statuses": statuses, "districts": districts, "grades": grades })
}

/// Keeps only values that are one of the allowed ones (a typed URL cannot inject anything, and
/// an unknown value is simply no filter).
fn allowed(v: Option<String>, ok: impl Fn(&str) -> bool) -> Option<String> {
    v.filter(|s| ok(s))
}

#[allow(clippy::too_many_arguments)]
#[get("/directory?<q>&<org_type>&<category>&<district>&<status>&<grade>&<page>")]
async fn directory(
    pg: PublicPage,
    state: &State<AppState>,
    q: Option<String>,
    org_type: Option<String>,
    category: Option<String>,
    district: Option<String>,
    status: Option<String>,
    grade: Option<String>,
    page: Option<i64>,
) -> AppResult<Html> {
    // Grades come into force on a date: the day is part of the key.
    let today = iso_date(shanghai_date(state.clock.now()));
    let ask = Ask {
        q,
        org_type,
        category,
        district,
        status,
        grade,
        page,
    };
    page_cache::serve(
        &pg,
        state,
        "directory/index",
        &today,
        directory_context(state, ask, today.clone()),
    )
    .await
}

/// The directory's query as it came.
struct Ask {
    q: Option<String>,
    org_type: Option<String>,
    category: Option<String>,
    district: Option<String>,
    status: Option<String>,
    grade: Option<String>,
    page: Option<i64>,
}

async fn directory_context(
    state: &AppState,
    ask: Ask,
    today: String,
) -> AppResult<serde_json::Value> {
    let Ask {
        q,
        org_type,
        category,
        district,
        status,
        grade,
        page,
    } = ask;
    let q = q
        .map(|s| s.chars().take(50).collect::<String>())
        .unwrap_or_default();
    let filters = Filters {
        org_type: allowed(org_type, |s| OrgType::parse(s).is_some()),
        category: allowed(category, |s| Category::parse(s).is_some()),
        district: allowed(district, division::is_current),
        status: allowed(status, |s| STATUSES.contains(&s)),
    };
    let grade = grade
        .as_deref()
        .and_then(Grade::parse)
        .map(|g| g.code().to_string());
    let page = page.unwrap_or(1).clamp(1, 500);
    let mut c = state.db.acquire().await?;
    let result = match &grade {
        Some(g) => {
            search::search_graded(
                &mut c,
                &q,
                &filters,
                g,
                &today,
                (page - 1) * PAGE_SIZE,
                PAGE_SIZE,
            )
            .await?
        }
        None => {
            search::search(
                &mut c,
                state.db.backend,
                &q,
                &filters,
                (page - 1) * PAGE_SIZE,
                PAGE_SIZE,
            )
            .await?
        }
    };
    // Past the cap the total is unknown: offer the next page while there are more matches.
    let known = ((result.count + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let pages = if result.capped {
        known.max(page + 1).min(500)
    } else {
        known.min(500)
    };
    let hits: Vec<_> = result
        .hits
        .iter()
        .map(|h| json!({ "hit": h, "district": division::name_zh(&h.district_code) }))
        .collect();
    let mut base_link = format!("/directory?q={}", urlencode(&q));
    for (k, v) in [
        ("org_type", &filters.org_type),
        ("category", &filters.category),
        ("district", &filters.district),
        ("status", &filters.status),
        ("grade", &grade),
    ] {
        if let Some(v) = v {
            base_link.push_str(&format!("&{k}={}", urlencode(v)));
        }
    }
    Ok(json!({
            "base_link": base_link,
            "q": q, "filters": {
                "org_type": filters.org_type, "category": filters.category,
                "district": filters.district, "status": filters.status, "grade": grade,
            },
            "hits": hits, "count": result.count, "capped": result.capped, "cap": search::COUNT_CAP,
            "page_no": page, "pages": pages, "choices": choices(),
            "export_qs": base_link.trim_start_matches("/directory?"),
    }))
}

/// The public facts of an organization (no ID numbers, personal phones or scans).
pub async fn public_facts(c: &mut Conn, id: OrgId) -> AppResult<Option<serde_json::Value>> {
    let Some(o) = crate::db::orgs::public_facts(c, id).await? else {
        return Ok(None);
    };
    let authority = match o.authority_id {
        Some(a) => crate::db::directory::authority_name(c, a).await?,
        None => None,
    };
    Ok(Some(json!({
        "id": id, "name": o.name,
        "org_type": o.org_type,
        "category": o.category,
        "district": division::name_zh(&o.district_code), "status": o.status,
        "uscc": o.uscc,
        "uscc_checksum_ok": o.uscc_checksum_ok == 1,
        "registered_on": o.registered_on,
        "legal_representative": o.legal_representative,
        "domicile": o.domicile,
        "charity": o.charity == 1,
        "purpose": o.purpose,
        "business_scope": o.business_scope,
        "funds": o.funds_fen.map(|f| crate::domain::money::Money::from_fen(f).to_string()),
        "authority": authority,
    })))
}

#[get("/organizations/<id>")]
async fn profile(pg: PublicPage, state: &State<AppState>, id: OrgId) -> AppResult<Html> {
    // Grades come into force on a date: the day is part of the key.
    let today = iso_date(shanghai_date(state.clock.now()));
    page_cache::serve(
        &pg,
        state,
        "directory/profile",
        &today,
        profile_context(state, id),
    )
    .await
}

async fn profile_context(state: &AppState, id: OrgId) -> AppResult<serde_json::Value> {
    let mut c = state.db.acquire().await?;
    let mut v = crate::web::supervision::public_record(&mut c, id).await?;
    let events = crate::db::applications::public_events(&mut c, id).await?;
    let today = iso_date(shanghai_date(state.clock.now()));
    let grades = crate::db::evaluation::grades_where(&mut c, "g.org_id", id.0).await?;
    let live = |g: &&crate::db::evaluation::GradeRow| {
        g.ended_on.as_deref().is_none_or(|e| e > today.as_str())
    };
    let in_force = grades
        .iter()
        .filter(live)
        .filter(|g| g.valid_from <= today && today <= g.valid_to)
        .max_by_key(|g| (g.valid_from.clone(), g.id))
        .cloned();
    let announced = grades
        .iter()
        .filter(live)
        .find(|g| g.valid_from > today)
        .cloned();
    if let Some(m) = v.as_object_mut() {
        m.insert("events".into(), json!(events));
        let certified = in_force
            .as_ref()
            .and_then(|g| Grade::parse(&g.grade))
            .is_some_and(Grade::certified);
        m.insert("grade_certified".into(), json!(certified));
        m.insert("grade_in_force".into(), json!(in_force));
        m.insert("grade_announced".into(), json!(announced));
        m.insert("grades".into(), json!(grades));
        m.insert(
            "performance".into(),
            json!(crate::delivery::performance::history_of_org(&mut c, id.0).await?),
        );
        m.insert(
            "awards".into(),
            json!(crate::db::org_public::awards_of(&mut c, id.0).await?),
        );
        m.insert(
            "contracts".into(),
            json!(crate::db::org_public::contracts_of(&mut c, id.0).await?),
        );
    }
    Ok(v)
}

//! The fields of each section of a registration application and their format checks. The
//! statutory rules (minimums, names, documents) are checked at submission, in `registry::check`.

use crate::db::applications::{self as store, Application, Value};
use crate::db::directory::{self, UnitKind};
use crate::domain::application::{self as rules, Status};
use crate::domain::email::EmailAddress;
use crate::domain::money::Money;
use crate::domain::registration::{Category, OrgType};
use crate::domain::{division, lang::Lang};
use crate::platform::app::AppState;
use crate::platform::error::{AppError, AppResult};
use crate::platform::i18n;
use crate::web::forms::{text, valid_phone, FormErrors};
use rocket::FromForm;
use serde_json::json;

#[derive(FromForm, serde::Serialize)]
pub struct SectionForm {
    pub name: Option<String>,
    pub org_type: Option<String>,
    pub category: Option<String>,
    pub charity: Option<String>,
    pub public_fundraising: Option<String>,
    pub supervising_unit: Option<String>,
    pub district_code: Option<String>,
    pub domicile: Option<String>,
    pub purpose: Option<String>,
    pub business_scope: Option<String>,
    pub funds: Option<String>,
    pub individual_members: Option<String>,
    pub unit_members: Option<String>,
    pub board_size: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

fn required(errors: &mut FormErrors, lang: Lang, field: &str, v: &str, max: usize) -> String {
    if v.is_empty() {
        errors.add(
            lang,
            field,
            &format!("err-app-{}-missing", field.replace('_', "-")),
        );
    } else if v.chars().count() > max {
        errors.add(lang, field, "err-app-too-long");
    }
    v.to_string()
}

fn count(errors: &mut FormErrors, lang: Lang, field: &str, v: &str) -> i64 {
    if v.is_empty() {
        return 0;
    }
    match v.parse::<i64>() {
        Ok(n) if (0..=10_000_000).contains(&n) => n,
        _ => {
            errors.add(lang, field, "err-app-count");
            0
        }
    }
}

/// Checks one section's form; the columns to write when it has no errors.
pub async fn parse_section(
    state: &AppState,
    app: &Application,
    section: &str,
    f: &SectionForm,
    lang: Lang,
    errors: &mut FormErrors,
) -> AppResult<Vec<(&'static str, Value)>> {
    let on = |v: &Option<String>| i64::from(!text(v).is_empty());
    Ok(match section {
        "basics" => {
            let name = required(errors, lang, "name", text(&f.name), 100);
            let t = OrgType::parse(text(&f.org_type));
            if t.is_none() {
                errors.add(lang, "org_type", "err-app-type");
            }
            let cat = Category::parse(text(&f.category));
            if cat.is_none() {
                errors.add(lang, "category", "err-app-category");
            }
            let sup = text(&f.supervising_unit).to_string();
            if cat == Some(Category::Other) && sup.is_empty() {
                errors.add(lang, "supervising_unit", "err-app-supervisor-missing");
            }
            vec![
                ("name", Value::Text(name)),
                (
                    "org_type",
                    Value::Text(t.map(OrgType::code).unwrap_or("").into()),
                ),
                (
                    "category",
                    Value::Text(cat.map(Category::code).unwrap_or("").into()),
                ),
                ("charity", Value::Int(on(&f.charity))),
                (
                    "public_fundraising",
                    Value::Int(
                        on(&f.public_fundraising) * i64::from(t == Some(OrgType::Foundation)),
                    ),
                ),
                ("supervising_unit", Value::Text(sup)),
            ]
        }
        "domicile" => {
            let d = text(&f.district_code);
            if !division::is_current(d) {
                errors.add(lang, "district_code", "err-app-district");
            }
            let addr = required(errors, lang, "domicile", text(&f.domicile), 200);
            vec![
                ("district_code", Value::Text(d.into())),
                ("domicile", Value::Text(addr)),
            ]
        }
        "funds" => {
            let funds = match Money::parse(text(&f.funds)) {
                Ok(m) => m,
                Err(e) => {
                    errors.add(lang, "funds", e.message_key());
                    Money::ZERO
                }
            };
            let individual = count(
                errors,
                lang,
                "individual_members",
                text(&f.individual_members),
            );
            let unit = count(errors, lang, "unit_members", text(&f.unit_members));
            let board = count(errors, lang, "board_size", text(&f.board_size));
            let purpose = required(errors, lang, "purpose", text(&f.purpose), 1000);
            let scope = required(
                errors,
                lang,
                "business_scope",
                text(&f.business_scope),
                1000,
            );
            vec![
                ("funds_fen", Value::OptInt(Some(funds.fen()))),
                ("individual_members", Value::Int(individual)),
                ("unit_members", Value::Int(unit)),
                ("board_size", Value::Int(board)),
                ("purpose", Value::Text(purpose)),
                ("business_scope", Value::Text(scope)),
            ]
        }
        "contact" => {
            let name = text(&f.contact_name).to_string();
            if name.is_empty() {
                errors.add(lang, "contact_name", "err-app-contact-name-missing");
            }
            let phone = text(&f.contact_phone).to_string();
            if !valid_phone(&phone) {
                errors.add(lang, "contact_phone", "err-phone-invalid");
            }
            let email = EmailAddress::parse(text(&f.contact_email));
            if email.is_none() {
                errors.add(lang, "contact_email", "err-email-invalid");
            }
            vec![
                ("contact_name", Value::Text(name)),
                ("contact_phone", Value::Text(phone)),
                (
                    "contact_email",
                    Value::Text(email.map(|e| e.as_str().to_string()).unwrap_or_default()),
                ),
            ]
        }
        "people" => {
            let mut c = state.db.acquire().await?;
            let officers = store::officers(&mut c, app.id).await?;
            if !officers.iter().any(|o| o.role == "legal_representative") {
                errors.add(lang, "role", "err-app-no-representative");
            }
            vec![]
        }
        "documents" => {
            let mut c = state.db.acquire().await?;
            let atts = store::attachments(&mut c, app.id).await?;
            for k in ["articles", "capital", "domicile_proof", "representative_id"] {
                if !atts.iter().any(|a| a.kind == k) {
                    let msg = i18n::t_args(
                        lang,
                        "err-app-attachment-missing",
                        &[("kind", i18n::t(lang, &format!("attachment-{k}")))],
                    );
                    errors.add_text("kind", msg);
                }
            }
            vec![]
        }
        _ => return Err(AppError::NotFound),
    })
}

/// Everything a page about one application shows.
pub async fn view(state: &AppState, app: &Application) -> AppResult<serde_json::Value> {
    let mut c = state.db.acquire().await?;
    let officers = store::officers(&mut c, app.id).await?;
    let attachments = store::attachments(&mut c, app.id).await?;
    let events = store::events(&mut c, app.id).await?;
    let referral = match app.referral_authority_id {
        Some(a) => directory::list(&mut c, UnitKind::Authority)
            .await?
            .into_iter()
            .find(|x| x.id == a),
        None => None,
    };
    let correction: Vec<String> = app
        .correction
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let similar: Vec<String> = app
        .similar_names
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let grounds: Vec<String> = app
        .refusal_grounds
        .as_deref()
        .map(|s| {
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    Ok(json!({
        "app": app,
        "funds": app.funds_fen.map(|f| Money::from_fen(f).to_string()),
        "officers": officers,
        "attachments": attachments,
        "events": events,
        "referral": referral,
        "correction_items": correction,
        "similar": similar,
        "grounds": grounds,
        "changes": app.changes.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()),
        "district_name": division::name_zh(&app.district_code),
        "sections": rules::SECTIONS,
        "editable": Status::parse(&app.status).is_some_and(Status::editable),
        "preparation_only": app.kind == "registration"
            && Status::parse(&app.status)
                .is_some_and(|st| rules::preparation_only(&app.org_type, st)),
    }))
}

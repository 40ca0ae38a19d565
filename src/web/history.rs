//! Read from the audit trail: the history tab staff see on every entity, and the public page
//! of published daily heads.

use crate::db::audit;
use crate::domain::lang::Lang;
use crate::platform::app::AppState;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::i18n;
use crate::web::ctx::Page;
use crate::web::template::Template;
use rocket::{get, routes, Route, State};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    routes![history, heads]
}

/// Entities that have a history tab: every entity a staff page links to. (Bids have none:
/// their trail stays sealed with them.)
pub const ENTITIES: &[&str] = &[
    "user",
    "org",
    "setting",
    "mail",
    "settings",
    "demo",
    "calendar",
    "application",
    "project",
    "contract",
    "round",
    "complaint",
    "challenge",
    "supplier",
    "programme",
];

/// One entry of a history, for people: the action in words and its summary field by field.
#[derive(serde::Serialize)]
struct Readable {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    action_code: String,
    fields: Vec<(String, String)>,
}

/// A field's name in words: `hist-field-<name>`, or the name with spaces.
fn label(lang: Lang, name: &str) -> String {
    i18n::try_t(lang, &format!("hist-field-{name}")).unwrap_or_else(|| name.replace('_', " "))
}

/// A summary value in words: instants (epoch milliseconds under a name ending `_at` or
/// `_ms`) in Beijing time, yes and no, statuses through the catalogue, money in yuan.
fn value_text(lang: Lang, entity: &str, name: &str, v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::Bool(b) => i18n::t(lang, if *b { "hist-yes" } else { "hist-no" }),
        Value::Number(n) => match n.as_i64() {
            Some(ms)
                if (name.ends_with("_at") || name.ends_with("_ms")) && ms > 100_000_000_000 =>
            {
                crate::web::filters::datetime_text(ms, lang.code())
            }
            Some(fen) if name.ends_with("_fen") => {
                format!("¥{}", crate::domain::money::Money::from_fen(fen).grouped())
            }
            _ => n.to_string(),
        },
        Value::String(s) => status_prefix(entity, name)
            .and_then(|prefix| i18n::try_t(lang, &format!("{prefix}-{s}")))
            .unwrap_or_else(|| s.clone()),
        Value::Array(items) => items
            .iter()
            .map(|i| value_text(lang, entity, name, i))
            .collect::<Vec<_>>()
            .join(if lang == Lang::En { ", " } else { "、" }),
        Value::Object(_) => v.to_string(),
    }
}

/// The catalogue's prefix for a status of `entity` held in the field `name`.
fn status_prefix(entity: &str, name: &str) -> Option<&'static str> {
    if name == "outcome" {
        return Some("outcome");
    }
    if !matches!(name, "status" | "from" | "to" | "from_status" | "to_status") {
        return None;
    }
    Some(match entity {
        "application" => "appstatus",
        "project" => "projstatus",
        "org" => "orgstatus",
        "mail" => "mailstatus",
        "supplier" => "supplierstatus",
        _ => return None,
    })
}

fn readable(lang: Lang, entity: &str, item: audit::HistoryItem) -> Readable {
    let fields = match serde_json::from_str::<Value>(&item.summary) {
        Ok(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| (label(lang, k), value_text(lang, entity, k, v)))
            .collect(),
        Ok(Value::Null) | Err(_) if item.summary.trim().is_empty() => Vec::new(),
        Ok(other) => vec![(String::new(), value_text(lang, entity, "", &other))],
        Err(_) => vec![(String::new(), item.summary.clone())],
    };
    let action_key = format!("hist-action-{}", item.action.replace(['.', '_'], "-"));
    Readable {
        seq: item.seq,
        at: item.at,
        actor: item.actor_name.unwrap_or(item.actor),
        action: i18n::try_t(lang, &action_key).unwrap_or_else(|| item.action.clone()),
        action_code: item.action,
        fields,
    }
}

#[get("/history/<entity>/<id>")]
async fn history(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    entity: &str,
    id: &str,
) -> AppResult<Template> {
    if user.grants.is_empty() {
        return Err(AppError::Forbidden);
    }
    if !ENTITIES.contains(&entity) {
        return Err(AppError::NotFound);
    }
    let mut c = state.db.acquire().await?;
    let items: Vec<Readable> = audit::for_entity(&mut c, entity, id)
        .await?
        .into_iter()
        .map(|i| readable(page.lang, entity, i))
        .collect();
    Ok(page.render(
        "history",
        json!({ "entity": entity, "id": id, "items": items }),
    ))
}

#[get("/audit/heads")]
async fn heads(page: Page, state: &State<AppState>) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    // A head an hour: the page shows the newest ones, verification reads them all.
    let published = audit::published_limited(&mut c, 200).await?;
    let (seq, hash) = audit::head(&mut c).await?;
    Ok(page.render(
        "audit_heads",
        json!({ "published": published, "current": { "seq": seq, "hash": hash } }),
    ))
}

//! Confirmation for what cannot be undone (issue 25, item 3). The irreversible actions are
//! listed here by route; `CsrfForm` asks for them: a form posted to one of them without
//! `_confirmed=yes` is not handed to its handler but answered with a page that states the
//! consequence and carries the same fields again, with a button that confirms and a way back.
//! No script is needed, and nothing is written before the confirmation.

use crate::platform::i18n;
use crate::web::ctx::PageBase;
use crate::web::template::Template;
use rocket::http::{Method, Status};
use rocket::response::{self, Responder};
use rocket::Request;
use serde::Serialize;

/// The field a confirmation page adds.
pub const FIELD: &str = "_confirmed";

/// An irreversible action: its route, and the message keys of its name and consequence.
pub struct Irreversible {
    pub route: &'static str,
    pub action: &'static str,
    pub consequence: &'static str,
}

const fn act(route: &'static str, action: &'static str, consequence: &'static str) -> Irreversible {
    Irreversible {
        route,
        action,
        consequence,
    }
}

/// Every POST route that cannot be undone. (Submitting scores and final acceptance have
/// their own check pages; an application is submitted from its check-your-answers page.)
pub const IRREVERSIBLE: &[Irreversible] = &[
    act(
        "/applications/<id>/withdraw",
        "irrev-withdraw-application",
        "irrev-withdraw-application-consequence",
    ),
    act(
        "/projects/<number>/bid/<org>/withdraw",
        "irrev-withdraw-bid",
        "irrev-withdraw-bid-consequence",
    ),
    act(
        "/purchase/projects/<id>/award/confirm",
        "irrev-award",
        "irrev-award-consequence",
    ),
    act(
        "/purchase/projects/<id>/award/pass",
        "irrev-pass-over",
        "irrev-pass-over-consequence",
    ),
    act(
        "/purchase/projects/<id>/cancel",
        "irrev-cancel-project",
        "irrev-cancel-project-consequence",
    ),
    act(
        "/purchase/contracts/<id>/terminate",
        "irrev-terminate-contract",
        "irrev-terminate-contract-consequence",
    ),
    act(
        "/finance/contracts/<id>/entries/<entry>/reverse",
        "irrev-reverse-payment",
        "irrev-reverse-payment-consequence",
    ),
    act(
        "/registry/orgs/<org>/revoke",
        "irrev-revoke-registration",
        "irrev-revoke-registration-consequence",
    ),
    act(
        "/registry/orgs/<org>/changes/<app>/revoke",
        "irrev-revoke-change",
        "irrev-revoke-change-consequence",
    ),
];

/// The irreversible action `req` is routed to, if it is one.
pub fn irreversible(req: &Request<'_>) -> Option<&'static Irreversible> {
    if req.method() != Method::Post {
        return None;
    }
    let route = req.route()?.uri.path();
    IRREVERSIBLE.iter().find(|a| a.route == route)
}

/// A form held back for confirmation: the action and the fields as sent.
#[derive(Debug, Clone, Default)]
pub struct Pending {
    pub action: &'static str,
    pub consequence: &'static str,
    pub fields: Vec<(String, String)>,
}

/// Marks a request whose form waits for confirmation (read by the catcher).
#[derive(Debug, Clone, Default)]
pub struct ConfirmNeeded(pub Option<Pending>);

#[derive(Serialize)]
struct Hidden {
    name: String,
    value: String,
}

#[derive(Serialize)]
struct ConfirmPage {
    page: PageBase,
    action: String,
    consequence: String,
    target: String,
    fields: Vec<Hidden>,
    /// What the person typed as the reason, shown for them to read once more.
    reason: Option<String>,
    back: String,
}

/// The confirmation page for `pending`, with status 200: nothing went wrong.
pub fn render(req: &Request<'_>, pending: &Pending) -> response::Result<'static> {
    let pref =
        crate::platform::auth::guards::already_loaded(req).map(|u| u.user.preferred_lang.as_str());
    let lang = crate::web::ctx::negotiate_lang(req, pref);
    let mut page = PageBase::for_error(req, lang);
    // The page's own form carries the token as the original did.
    if page.csrf.is_none() {
        page.csrf = Some(crate::platform::auth::csrf::token(req));
    }
    let reason = pending
        .fields
        .iter()
        .find(|(n, v)| n == "reason" && !v.trim().is_empty())
        .map(|(_, v)| v.clone());
    let back =
        crate::platform::error::same_site_referer(req).unwrap_or_else(|| "/dashboard".into());
    let tpl = Template::render(
        "irreversible",
        ConfirmPage {
            page,
            action: i18n::t(lang, pending.action),
            consequence: i18n::t(lang, pending.consequence),
            target: req.uri().to_string(),
            fields: pending
                .fields
                .iter()
                .map(|(name, value)| Hidden {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect(),
            reason,
            back,
        },
    );
    let mut resp = tpl.respond_to(req)?;
    resp.set_status(Status::Ok);
    Ok(resp)
}

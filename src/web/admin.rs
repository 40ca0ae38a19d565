//! Administration: users and their dated role grants, the settings with their history, and
//! the mail outbox (in the demo, new users confirm their address from there).

use crate::db::directory::{self, UnitKind};
use crate::db::{mail, roles, settings, users};
use crate::domain::calendar::{parse_iso_date, SHANGHAI};
use crate::domain::role::Role;
use crate::domain::setting;
use crate::platform::admin::Administration;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::Admin;
use crate::platform::config::Mode;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{RoleGrantId, UserId};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, Empty, FormErrors};
use crate::web::template::Template;
use rocket::http::Status;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![
        user_list,
        user_detail,
        grant,
        revoke,
        settings_page,
        change_setting,
        outbox,
        retry_mail,
        dismiss_mail
    ]
}

/// Accounts a page of the administrator's list shows.
const USERS_PAGE: usize = 50;

/// Every account by id, a page at a time (`after=` the last id shown), or those whose address
/// or name holds `q`; each with its roles in force, read for the whole page at once.
#[get("/admin/users?<q>&<after>")]
async fn user_list(
    page: Page,
    state: &State<AppState>,
    _admin: Admin<'_>,
    q: Option<&str>,
    after: Option<&str>,
) -> AppResult<Template> {
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    let after = match after {
        Some(a) => a
            .parse::<i64>()
            .map_err(|_| crate::platform::error::AppError::BadRequest("err-page-key"))?,
        None => 0,
    };
    let mut c = state.db.acquire().await?;
    let mut list = users::page(&mut c, q, after, USERS_PAGE as i64 + 1).await?;
    let next = (list.len() > USERS_PAGE).then(|| {
        list.truncate(USERS_PAGE);
        list.last().map(|u| u.id.0)
    });
    let ids: Vec<_> = list.iter().map(|u| u.id).collect();
    let grants = roles::active_for_users(&mut c, &ids).await?;
    let rows: Vec<_> = list
        .iter()
        .map(|u| {
            let roles: Vec<&str> = grants
                .iter()
                .filter(|g| g.user_id == u.id)
                .map(|g| g.role.code())
                .collect();
            json!({ "id": u.id, "email": u.email, "name": u.display_name, "confirmed": u.email_confirmed_at.is_some(), "roles": roles })
        })
        .collect();
    Ok(page.render(
        "admin/users",
        json!({ "users": rows, "q": q, "next": next.flatten(), "paged": after > 0,
                "q_param": q.map(crate::web::forms::urlencode) }),
    ))
}

async fn detail_page(
    page: &Page,
    state: &AppState,
    id: UserId,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let u = users::by_id(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let history = roles::history_for_user(&mut c, id).await?;
    let roles: Vec<_> = Role::ALL
        .iter()
        .map(|r| json!({ "code": r.code(), "label_key": r.label_key(), "scope": r.scope() }))
        .collect();
    Ok(page.render(
        "admin/user",
        json!({
            "user": { "id": u.id, "email": u.email, "name": u.display_name, "confirmed": u.email_confirmed_at.is_some() },
            "grants": history,
            "roles": roles,
            "authorities": directory::list(&mut c, UnitKind::Authority).await?,
            "departments": directory::list(&mut c, UnitKind::Department).await?,
            "agencies": directory::list(&mut c, UnitKind::Agency).await?,
            "errors": errors,
        }),
    ))
}

#[get("/admin/users/<id>")]
async fn user_detail(
    page: Page,
    state: &State<AppState>,
    _admin: Admin<'_>,
    id: UserId,
) -> AppResult<Template> {
    detail_page(&page, state, id, FormErrors::default()).await
}

#[derive(FromForm)]
pub struct GrantForm {
    role: Option<String>,
    /// `authority:1`, `department:2`, `agency:1`; blank for roles without a unit.
    unit: Option<String>,
}

/// Grants a role. Scoped roles must name a unit of the right kind; the grant records the
/// settings version in force.
#[post("/admin/users/<id>/roles", data = "<form>")]
async fn grant(
    page: Page,
    state: &State<AppState>,
    admin: Admin<'_>,
    id: UserId,
    form: CsrfForm<GrantForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let role = f.role.as_deref().and_then(Role::parse);
    if let Err(refusals) = Administration::of(state)
        .grant_role(admin.user.id(), id, role, f.unit.as_deref())
        .await?
    {
        let mut errors = FormErrors::default();
        for (field, key) in refusals {
            errors.add(page.lang, field, key);
        }
        let t = detail_page(&page, state, id, errors).await?;
        return Ok(Reply::page(Status::UnprocessableEntity, t));
    }
    Ok(Reply::flash(
        format!("/admin/users/{id}"),
        page.t("flash-role-granted"),
    ))
}

/// Revokes a grant and ends the user's sessions at once.
#[post("/admin/grants/<id>/revoke", data = "<_form>")]
async fn revoke(
    page: Page,
    state: &State<AppState>,
    admin: Admin<'_>,
    id: RoleGrantId,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    match Administration::of(state)
        .revoke_grant(admin.user.id(), id)
        .await
    {
        Ok(holder) => Ok(Reply::flash(
            format!("/admin/users/{holder}"),
            page.t("flash-role-revoked"),
        )),
        // The rule (no admin revokes their own admin role) said on their own page (409).
        Err(AppError::Conflict(key @ "err-revoke-own-admin")) => {
            let mut errors = FormErrors::default();
            errors.add(page.lang, "grants", key);
            let t = detail_page(&page, state, admin.user.id(), errors).await?;
            Ok(Reply::page(Status::Conflict, t))
        }
        Err(e) => Err(e),
    }
}

async fn settings_view(
    page: &Page,
    state: &AppState,
    errors: FormErrors,
    values: serde_json::Value,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let now = state.clock.now_ms();
    let snap = settings::snapshot(&mut c, now).await?;
    let rows: Vec<_> = setting::DEFINITIONS
        .iter()
        .map(|d| {
            json!({
                "key": d.key, "label_key": format!("setting-{}", d.key.replace('.', "-")),
                "kind": d.kind, "value": snap.get(d.key), "default": d.default, "source": d.source,
            })
        })
        .collect();
    let history = settings::history(&mut c).await?;
    Ok(page.render(
        "admin/settings",
        json!({ "version": snap.version, "settings": rows, "history": history, "errors": errors, "values": values }),
    ))
}

#[get("/admin/settings")]
async fn settings_page(
    page: Page,
    state: &State<AppState>,
    _admin: Admin<'_>,
) -> AppResult<Template> {
    settings_view(&page, state, FormErrors::default(), json!({})).await
}

#[derive(FromForm)]
pub struct SettingForm {
    key: Option<String>,
    value: Option<String>,
    /// Optional date (YYYY-MM-DD, Beijing time) from which the value applies; today if blank.
    valid_from: Option<String>,
    reason: Option<String>,
}

#[post("/admin/settings", data = "<form>")]
async fn change_setting(
    page: Page,
    state: &State<AppState>,
    admin: Admin<'_>,
    form: CsrfForm<SettingForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let lang = page.lang;
    let mut errors = FormErrors::default();
    let now = state.clock.now_ms();
    let key = text(&f.key);
    let value = match setting::normalize(key, text(&f.value)) {
        Ok(v) => Some(v),
        Err(p) => {
            errors.add(lang, "value", p.message_key());
            None
        }
    };
    let valid_from = match text(&f.valid_from) {
        "" => Some(now),
        s => match parse_iso_date(s) {
            Some(d) => {
                Some(crate::platform::clock::to_ms(d.midnight().assume_offset(SHANGHAI)).max(now))
            }
            None => {
                errors.add(lang, "valid_from", "err-date-invalid");
                None
            }
        },
    };
    let reason = text(&f.reason);
    if reason.is_empty() {
        errors.add(lang, "reason", "err-reason-required");
    }
    let refused = !errors.is_empty();
    if let Err(problem) = Administration::of(state)
        .change_setting(
            admin.user.id(),
            key,
            value.as_deref(),
            valid_from,
            reason,
            refused,
        )
        .await?
    {
        if let Some(p) = problem {
            errors.add(lang, "value", p);
        }
        let values = json!({ "key": key, "value": text(&f.value), "valid_from": text(&f.valid_from), "reason": reason });
        let t = settings_view(&page, state, errors, values).await?;
        return Ok(Reply::page(Status::UnprocessableEntity, t));
    }
    Ok(Reply::flash("/admin/settings", page.t("flash-saved")))
}

#[get("/admin/mail")]
async fn outbox(page: Page, state: &State<AppState>, _admin: Admin<'_>) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    // Mail given up for good comes first, however old: each is the admin's to look at and
    // send again (the dashboard's work list links to it).
    let failed = mail::failed(&mut c).await?;
    let mut mails = mail::recent(&mut c, 200).await?;
    mails.retain(|m| {
        crate::platform::mail::MailStatus::parse(&m.status)
            != Some(crate::platform::mail::MailStatus::Failed)
    });
    // Procurement notices go to those who obtained a project's documents or bid on it: who
    // they are is secret until the opening (DOMAIN §5), so their recipients and bodies are not
    // shown here.
    // Nor how many they are: the mails of one notice (an amendment to every organization that
    // obtained the documents, queued in one transaction at one instant) are shown as one entry.
    let mut seen = std::collections::HashSet::new();
    mails.retain(|m| m.template != "procurement" || seen.insert(m.created_at));
    let view_of = |mut m: mail::Mail| {
        if m.template == "procurement" {
            m.to_addr = page.t("mail-recipient-sealed");
            m.body_text = String::new();
        }
        mail_view(state, m)
    };
    let failed: Vec<_> = failed.into_iter().map(view_of).collect();
    let view: Vec<_> = mails.into_iter().map(view_of).collect();
    let show_bodies = state.mail_transport.is_none() || state.mode == Mode::Demo;
    Ok(page.render(
        "admin/mail",
        json!({ "mails": view, "failed": failed, "show_bodies": show_bodies }),
    ))
}

/// A mail as `/admin/mail` shows it. A one-time link (reset, confirmation, invitation) opens
/// an account: whoever reads it can take the account over, bids and all. Outside the demo no
/// admin ever sees one: where mail is delivered no body is shown; where it is not, the bodies
/// are shown with their links cut, and mail that holds one says it waits for a mail server.
fn mail_view(state: &AppState, m: mail::Mail) -> serde_json::Value {
    let demo = state.mode == Mode::Demo;
    let delivering = state.mail_transport.is_some();
    let one_time = !demo && crate::platform::mail::opens_an_account(&m.template);
    let body = if demo {
        m.body_text.clone()
    } else {
        crate::platform::mail::worker::scrub_links(&m.body_text)
    };
    let undelivered = !delivering
        && crate::platform::mail::MailStatus::parse(&m.status)
            == Some(crate::platform::mail::MailStatus::Pending);
    let body = if one_time { String::new() } else { body };
    let parts = mail_parts(&body, demo.then_some(state.config.public_url.as_str()));
    json!({
        "id": m.id, "subject": m.subject, "to_addr": m.to_addr, "status": m.status,
        "created_at": m.created_at, "body_text": body, "parts": parts,
        "one_time": one_time, "undelivered": undelivered, "last_error": m.last_error,
    })
}

/// Sends a failed mail again (after the admin looked at its address and error).
#[post("/admin/mail/<id>/retry", data = "<_form>")]
async fn retry_mail(
    page: Page,
    state: &State<AppState>,
    admin: Admin<'_>,
    id: i64,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    let done = Administration::of(state)
        .retry_mail(admin.user.id(), id)
        .await?;
    Ok(failed_mail_done(&page, done, "flash-mail-retried"))
}

/// Back to `/admin/mail` after acting on a failed mail: what was done, or that the mail was
/// no longer failed (acted on already, or never refused).
fn failed_mail_done(page: &Page, done: bool, key: &str) -> Reply {
    let key = if done { key } else { "flash-mail-not-failed" };
    Reply::flash("/admin/mail", page.t(key))
}

/// Sets a failed mail aside: handled another way (a mistyped address is for the sender to
/// correct by sending anew), so it leaves the work list; kept in the outbox, audited.
#[post("/admin/mail/<id>/dismiss", data = "<_form>")]
async fn dismiss_mail(
    page: Page,
    state: &State<AppState>,
    admin: Admin<'_>,
    id: i64,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    let done = Administration::of(state)
        .dismiss_mail(admin.user.id(), id)
        .await?;
    Ok(failed_mail_done(&page, done, "flash-mail-dismissed"))
}

/// One piece of a mail body on `/admin/mail`: text, or a link (shown clickable).
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
pub struct MailPart {
    pub text: String,
    pub href: Option<String>,
}

/// A mail body cut into text and links. In the demo (`rebase` is the address the demo serves),
/// a link to a loopback address is moved onto it: a mail written before a restart on
/// another port still opens the running demo.
pub fn mail_parts(body: &str, rebase: Option<&str>) -> Vec<MailPart> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(at) = ["http://", "https://"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        let end = rest[at..]
            .find(|c: char| c.is_whitespace() || "<>\"'（）()，。；、".contains(c))
            .map_or(rest.len(), |e| at + e);
        let url = rest[at..end].trim_end_matches(['.', ',', ':', ';']);
        let end = at + url.len();
        if at > 0 {
            out.push(MailPart {
                text: rest[..at].to_string(),
                href: None,
            });
        }
        let href = match rebase {
            Some(base) => rebased(url, base),
            None => url.to_string(),
        };
        out.push(MailPart {
            text: href.clone(),
            href: Some(href),
        });
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        out.push(MailPart {
            text: rest.to_string(),
            href: None,
        });
    }
    out
}

/// `url` on `base` when it points at a loopback address (any port), else as it is.
fn rebased(url: &str, base: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let path_at = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    let host = &url[scheme_end..path_at];
    let host_only = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or("").to_string()
    };
    let loopback = matches!(
        host_only.as_str(),
        "127.0.0.1" | "localhost" | "[::1]" | "0.0.0.0"
    );
    if loopback {
        format!("{}{}", base.trim_end_matches('/'), &url[path_at..])
    } else {
        url.to_string()
    }
}

#[cfg(test)]
mod mail_part_tests {
    use super::*;

    #[test]
    fn a_mail_body_s_links_are_cut_out_and_moved_onto_the_demo_s_address() {
        let body =
            "请打开 http://127.0.0.1:8000/confirm/abc，完成确认。\nSee https://gov.example.cn/x.";
        let parts = mail_parts(body, Some("http://127.0.0.1:8128"));
        let links: Vec<&str> = parts.iter().filter_map(|p| p.href.as_deref()).collect();
        assert_eq!(
            links,
            vec![
                "http://127.0.0.1:8128/confirm/abc",
                "https://gov.example.cn/x"
            ]
        );
        let text: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            text,
            "请打开 http://127.0.0.1:8128/confirm/abc，完成确认。\nSee https://gov.example.cn/x."
        );
        // Outside the demo the links stay as written.
        let parts = mail_parts(body, None);
        assert_eq!(
            parts[1].href.as_deref(),
            Some("http://127.0.0.1:8000/confirm/abc")
        );
        assert_eq!(mail_parts("", None), Vec::<MailPart>::new());
        assert_eq!(mail_parts("no link", None)[0].href, None);
    }
}

//! Suppliers from outside the registry (DOMAIN §5): an organization registered elsewhere or an
//! enterprise signs up with its USCC and certificate; a procurement supervisor checks the
//! certificate and approves (the applicant becomes the admin of a supplier organization that can
//! obtain documents and bid on procurement) or refuses with a reason. Special-fund programmes
//! stay with registered social organizations.

use crate::db::suppliers::{self as store, NewSupplier};
use crate::domain::org_life::SignupStatus;
use crate::domain::uscc::Uscc;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::{role, CurrentUser, Staff};
use crate::platform::error::{AppError, AppResult};
use crate::procurement::Procurement;
use crate::web::attachments::{check_file, serve, store_checked, FileReply, Upload};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![mine, apply, queue, show, decide, certificate]
}

pub(crate) type Supervisor<'r> = Staff<'r, role::ProcurementSupervisor>;

async fn mine_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let list = store::list(&mut c, Some(user.id().0)).await?;
    Ok(page.render(
        "suppliers/mine",
        json!({ "list": list, "values": values, "errors": errors }),
    ))
}

#[get("/suppliers/apply")]
async fn mine(page: Page, state: &State<AppState>, user: &CurrentUser) -> AppResult<Template> {
    mine_page(&page, state, user, json!({}), FormErrors::default()).await
}

#[derive(FromForm)]
pub struct ApplyForm<'r> {
    kind: Option<String>,
    name: Option<String>,
    uscc: Option<String>,
    registered_with: Option<String>,
    address: Option<String>,
    certificate: Option<Upload<'r>>,
}

#[post("/suppliers/apply", data = "<form>")]
async fn apply(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    form: CsrfForm<ApplyForm<'_>>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let lang = page.lang;
    let mut e = FormErrors::default();
    let kind = match text(&f.kind) {
        k @ ("enterprise" | "org_elsewhere") => k.to_string(),
        _ => {
            e.add(lang, "kind", "err-supplier-kind");
            String::new()
        }
    };
    let name = text(&f.name).to_string();
    if name.chars().count() < 2 || name.chars().count() > 200 {
        e.add(lang, "name", "err-supplier-name");
    }
    let uscc = match Uscc::parse(&text(&f.uscc).to_uppercase()) {
        Ok(u) => Some(u.as_str().to_string()),
        Err(k) => {
            e.add(lang, "uscc", k.message_key());
            None
        }
    };
    let registered_with = text(&f.registered_with).to_string();
    if registered_with.chars().count() < 2 || registered_with.chars().count() > 200 {
        e.add(lang, "registered_with", "err-supplier-registered-with");
    }
    let address = text(&f.address).to_string();
    if address.chars().count() < 5 || address.chars().count() > 300 {
        e.add(lang, "address", "err-supplier-address");
    }
    if let Some(u) = &uscc {
        let mut c = state.db.acquire().await?;
        if store::uscc_taken(&mut c, u).await? {
            e.add(lang, "uscc", "err-supplier-uscc-taken");
        }
    }
    let stored = if e.is_empty() {
        match check_file(state, f.certificate.as_ref()).await {
            Ok(s) => Some(s),
            Err(key) => {
                e.add(lang, "certificate", key);
                None
            }
        }
    } else {
        None
    };
    let (Some(uscc), Some(cert)) = (uscc, stored) else {
        if e.is_empty() {
            e.add(lang, "certificate", "err-upload-empty");
        }
        let values = json!({ "kind": kind, "name": name, "uscc": text(&f.uscc), "registered_with": registered_with, "address": address });
        let t = mine_page(&page, state, user, values, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let (mut stored, kept) = store_checked(state, vec![cert]).await?;
    let Some(cert) = stored.pop() else {
        return Err(AppError::Internal("the certificate was not stored".into()));
    };
    let now = state.clock.now_ms();
    Procurement::of(state)
        .supplier_apply(
            user.id(),
            &NewSupplier {
                kind: &kind,
                name: &name,
                uscc: &uscc,
                registered_with: &registered_with,
                address: &address,
                certificate_sha256: &cert.sha256,
                certificate_type: cert.content_type,
                applicant: user.id().0,
                now,
            },
        )
        .await?;
    kept.keep();
    Ok(Reply::flash(
        "/suppliers/apply",
        page.t("flash-supplier-applied"),
    ))
}

#[get("/suppliers")]
async fn queue(page: Page, state: &State<AppState>, _staff: Supervisor<'_>) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let list = store::list(&mut c, None).await?;
    Ok(page.render("suppliers/queue", json!({ "list": list })))
}

async fn show_page(
    page: &Page,
    state: &AppState,
    id: i64,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let s = store::by_id(&mut c, id).await?.ok_or(AppError::NotFound)?;
    Ok(page.render("suppliers/show", json!({ "s": s, "errors": errors })))
}

#[get("/suppliers/<id>")]
async fn show(
    page: Page,
    state: &State<AppState>,
    _staff: Supervisor<'_>,
    id: i64,
) -> AppResult<Template> {
    show_page(&page, state, id, FormErrors::default()).await
}

#[derive(FromForm)]
pub struct DecideForm {
    decision: Option<String>,
    reason: Option<String>,
}

#[post("/suppliers/<id>/decide", data = "<form>")]
async fn decide(
    page: Page,
    state: &State<AppState>,
    staff: Supervisor<'_>,
    id: i64,
    form: CsrfForm<DecideForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let f = form.into_inner();
    let reason = text(&f.reason).to_string();
    let decision = text(&f.decision).to_string();
    let mut e = FormErrors::default();
    let to = SignupStatus::decision(&decision);
    if to.is_none() {
        e.add(page.lang, "decision", "err-supplier-decision");
    }
    if to == Some(SignupStatus::Refused) && reason.chars().count() < 5 {
        e.add(page.lang, "reason", "err-supplier-reason");
    }
    if !e.is_empty() {
        let t = show_page(&page, state, id, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    Procurement::of(state)
        .decide_supplier(user.id(), id, to.unwrap_or(SignupStatus::Refused), &reason)
        .await?;
    Ok(Reply::flash("/suppliers", page.t("flash-supplier-decided")))
}

/// The certificate, for the applicant and procurement supervisors.
#[get("/suppliers/<id>/certificate")]
async fn certificate(state: &State<AppState>, user: &CurrentUser, id: i64) -> AppResult<FileReply> {
    let mut c = state.db.acquire().await?;
    let s = store::by_id(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if s.applicant_user_id != user.id().0
        && !user.has(crate::domain::role::Role::ProcurementSupervisor)
    {
        return Err(AppError::Forbidden);
    }
    serve(
        state,
        &s.certificate_sha256,
        &s.certificate_type,
        "certificate",
    )
    .await
}

//! The applicant's side of registration (DOMAIN §2): start an application to an authority, fill
//! in its sections from a task list, name officers, attach documents, check the answers and
//! submit. Only the applicant sees a draft; nothing is saved from a form that has errors.

use crate::db::applications::{self as store, Application};
use crate::db::directory::{self, UnitKind};
use crate::domain::application::{self as rules, Status};
use crate::domain::calendar::parse_iso_date;
use crate::domain::id_number::IdNumber;
use crate::domain::money::Money;
use crate::domain::registration::{Category, OrgType};
use crate::domain::{division, lang::Lang};
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::i18n;
use crate::platform::ids::ApplicationId;
use crate::registry::{self, OfficerInput, Registry};
use crate::web::application_form::{parse_section, view, SectionForm};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{check_name, text, Empty, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![
        index,
        start,
        tasks,
        section,
        save_section,
        add_officer,
        remove_officer,
        check_page,
        submit,
        withdraw
    ]
}

/// The application, if `user` is its applicant; 404 when it does not exist, 403 when it is
/// someone else's.
pub async fn own(
    state: &AppState,
    user: &CurrentUser,
    id: ApplicationId,
) -> AppResult<Application> {
    let mut c = state.db.acquire().await?;
    let app = store::by_id(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if app.applicant_user_id != user.id() {
        return Err(AppError::Forbidden);
    }
    Ok(app)
}

fn editable(app: &Application) -> AppResult<()> {
    match Status::parse(&app.status) {
        Some(s) if s.editable() => Ok(()),
        _ => Err(AppError::Conflict("err-app-not-editable")),
    }
}

/// The sections and officers belong to registration applications only; a change or a
/// deregistration carries its facts from the organization's form.
fn form_editable(app: &Application) -> AppResult<()> {
    if app.kind != "registration" {
        return Err(AppError::Conflict("err-app-not-editable"));
    }
    editable(app)
}

#[get("/applications")]
async fn index(page: Page, state: &State<AppState>, user: &CurrentUser) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let apps = store::for_applicant(&mut c, user.id()).await?;
    let authorities = directory::list(&mut c, UnitKind::Authority).await?;
    Ok(page.render(
        "applications/index",
        json!({ "applications": apps, "authorities": authorities, "errors": FormErrors::default() }),
    ))
}

#[derive(FromForm)]
pub struct StartForm {
    authority: Option<i64>,
}

#[post("/applications", data = "<form>")]
async fn start(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    form: CsrfForm<StartForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let id = match Registry::of(state)
        .start_application(user.id(), f.authority)
        .await?
    {
        Ok(id) => id,
        Err(authorities) => {
            let mut errors = FormErrors::default();
            errors.add(page.lang, "authority", "err-app-authority");
            let mut c = state.db.acquire().await?;
            let apps = store::for_applicant(&mut c, user.id()).await?;
            let t = page.render(
                "applications/index",
                json!({ "applications": apps, "authorities": authorities, "errors": errors }),
            );
            return Ok(Reply::page(Http::UnprocessableEntity, t));
        }
    };
    Ok(Reply::to(format!("/applications/{id}")))
}

#[get("/applications/<id>")]
async fn tasks(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    id: ApplicationId,
) -> AppResult<Template> {
    let app = own(state, user, id).await?;
    let v = view(state, &app).await?;
    Ok(page.render("applications/tasks", v))
}

fn known_section(s: &str) -> AppResult<&'static str> {
    rules::SECTIONS
        .into_iter()
        .find(|x| *x == s)
        .ok_or(AppError::NotFound)
}

async fn section_page(
    page: &Page,
    state: &AppState,
    app: &Application,
    section: &str,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut v = view(state, app).await?;
    if let Some(m) = v.as_object_mut() {
        m.insert("section".into(), json!(section));
        m.insert("values".into(), values);
        m.insert(
            "errors".into(),
            serde_json::to_value(&errors).unwrap_or_default(),
        );
        m.insert("org_types".into(), json!(OrgType::ALL.map(OrgType::code)));
        m.insert(
            "categories".into(),
            json!(Category::ALL.map(Category::code)),
        );
        m.insert(
            "districts".into(),
            json!(division::NINGBO
                .iter()
                .map(|(code, zh, en)| json!({"code": code, "zh": zh, "en": en}))
                .collect::<Vec<_>>()),
        );
        m.insert("officer_roles".into(), json!(rules::OFFICER_ROLES));
        m.insert("attachment_kinds".into(), json!(rules::ATTACHMENT_KINDS));
        m.insert(
            "max_mb".into(),
            json!(state.config.upload_max_bytes / (1024 * 1024)),
        );
    }
    Ok(page.render("applications/section", v))
}

/// The values a section form starts with: what the application holds.
fn current_values(app: &Application) -> serde_json::Value {
    json!({
        "name": app.name, "org_type": app.org_type, "category": app.category,
        "charity": app.charity, "public_fundraising": app.public_fundraising,
        "supervising_unit": app.supervising_unit, "district_code": app.district_code,
        "domicile": app.domicile, "purpose": app.purpose, "business_scope": app.business_scope,
        "funds": app.funds_fen.map(|f| Money::from_fen(f).to_string()).unwrap_or_default(),
        "individual_members": app.individual_members, "unit_members": app.unit_members,
        "board_size": app.board_size, "contact_name": app.contact_name,
        "contact_phone": app.contact_phone, "contact_email": app.contact_email,
    })
}

#[get("/applications/<id>/<section>", rank = 3)]
async fn section(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    id: ApplicationId,
    section: &str,
) -> AppResult<Template> {
    let app = own(state, user, id).await?;
    let section = known_section(section)?;
    form_editable(&app)?;
    section_page(
        &page,
        state,
        &app,
        section,
        current_values(&app),
        FormErrors::default(),
    )
    .await
}

#[post("/applications/<id>/<section>", data = "<form>", rank = 3)]
async fn save_section(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    id: ApplicationId,
    section: &str,
    form: CsrfForm<SectionForm>,
) -> AppResult<Reply> {
    let app = own(state, user, id).await?;
    let section = known_section(section)?;
    form_editable(&app)?;
    let f = form.into_inner();
    let mut errors = FormErrors::default();
    let fields = parse_section(state, &app, section, &f, page.lang, &mut errors).await?;
    if !errors.is_empty() {
        let values = serde_json::to_value(&f).unwrap_or_default();
        let t = section_page(&page, state, &app, section, values, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    Registry::of(state)
        .save_section(user.id(), id, section, fields)
        .await?;
    Ok(Reply::flash(
        format!("/applications/{id}"),
        page.t("flash-app-saved"),
    ))
}

#[derive(FromForm, serde::Serialize)]
pub struct OfficerForm {
    role: Option<String>,
    officer_name: Option<String>,
    id_number: Option<String>,
    term_start: Option<String>,
    term_end: Option<String>,
}

#[post("/applications/<id>/officers", data = "<form>")]
async fn add_officer(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    id: ApplicationId,
    form: CsrfForm<OfficerForm>,
) -> AppResult<Reply> {
    let app = own(state, user, id).await?;
    form_editable(&app)?;
    let f = form.into_inner();
    let lang = page.lang;
    let mut errors = FormErrors::default();
    let role = rules::OFFICER_ROLES
        .into_iter()
        .find(|r| *r == text(&f.role));
    if role.is_none() {
        errors.add(lang, "role", "err-app-officer-role");
    }
    let name = text(&f.officer_name).to_string();
    let mut name_errors = FormErrors::default();
    check_name(&mut name_errors, lang, &name);
    for e in name_errors.list {
        errors.add_text("officer_name", e.message);
    }
    let idn = IdNumber::parse(text(&f.id_number));
    if idn.is_none() {
        errors.add(lang, "id_number", "err-id-number-invalid");
    }
    let start = parse_iso_date(text(&f.term_start));
    let end = parse_iso_date(text(&f.term_end));
    if start.is_none() {
        errors.add(lang, "term_start", "err-app-date");
    }
    if end.is_none() {
        errors.add(lang, "term_end", "err-app-date");
    }
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            errors.add(lang, "term_end", "err-app-term-order");
        }
    }
    {
        let mut c = state.db.acquire().await?;
        let existing = store::officers(&mut c, id).await?;
        if role == Some("legal_representative")
            && existing.iter().any(|o| o.role == "legal_representative")
        {
            errors.add(lang, "role", "err-app-one-representative");
        }
    }
    let (Some(role), Some(idn), Some(start), Some(end), true) =
        (role, idn, start, end, errors.is_empty())
    else {
        let values = serde_json::to_value(&f).unwrap_or_default();
        let mut v = current_values(&app);
        if let (Some(m), Some(o)) = (v.as_object_mut(), values.as_object()) {
            // Everything typed comes back, the ID number too (issue 25, item 3): it goes
            // only to the person who typed it, and is stored nowhere until it is valid.
            m.extend(o.clone());
        }
        let t = section_page(&page, state, &app, "people", v, errors).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let hash = idn.keyed_hash(&state.keys.identity.bytes);
    Registry::of(state)
        .add_officer(
            user.id(),
            id,
            &OfficerInput {
                role,
                name: &name,
                id_hash: &hash,
                key_id: &state.keys.identity.id,
                id_masked: &rules::mask_id_number(text(&f.id_number).to_uppercase().as_str()),
                term_start: start,
                term_end: end,
            },
        )
        .await?;
    Ok(Reply::to(format!("/applications/{id}/people")))
}

#[post("/applications/<id>/officers/<officer>/remove", data = "<_form>")]
async fn remove_officer(
    state: &State<AppState>,
    user: &CurrentUser,
    id: ApplicationId,
    officer: i64,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    let app = own(state, user, id).await?;
    form_editable(&app)?;
    Registry::of(state)
        .remove_officer(user.id(), id, officer)
        .await?;
    Ok(Reply::to(format!("/applications/{id}/people")))
}

fn problems_to_errors(lang: Lang, problems: &[registry::Problem]) -> FormErrors {
    let mut errors = FormErrors::default();
    for p in problems {
        let msg = match (&p.arg, p.key) {
            (Some(k), "err-app-attachment-missing") => i18n::t_args(
                lang,
                p.key,
                &[("kind", i18n::t(lang, &format!("attachment-{k}")))],
            ),
            (Some(a), _) => i18n::t_args(lang, p.key, &[("amount", a.clone())]),
            // Which part: three "this part is not complete" in a row said nothing.
            (None, "err-app-section-incomplete") => i18n::t_args(
                lang,
                p.key,
                &[("section", i18n::t(lang, &format!("section-{}", p.section)))],
            ),
            (None, _) => i18n::t(lang, p.key),
        };
        errors.add_text(&format!("section-{}", p.section), msg);
    }
    errors
}

async fn check_view(
    page: &Page,
    state: &AppState,
    app: &Application,
) -> AppResult<(Template, bool)> {
    let (problems, similar) = {
        let mut c = state.db.acquire().await?;
        registry::check(&mut c, app, state.clock.now_ms()).await?
    };
    let errors = problems_to_errors(page.lang, &problems);
    let mut v = view(state, app).await?;
    if let Some(m) = v.as_object_mut() {
        m.insert(
            "errors".into(),
            serde_json::to_value(&errors).unwrap_or_default(),
        );
        m.insert("similar".into(), json!(similar));
    }
    Ok((page.render("applications/check", v), problems.is_empty()))
}

#[get("/applications/<id>/check")]
async fn check_page(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    id: ApplicationId,
) -> AppResult<Template> {
    let app = own(state, user, id).await?;
    editable(&app)?;
    Ok(check_view(&page, state, &app).await?.0)
}

#[post("/applications/<id>/submit", data = "<_form>")]
async fn submit(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    id: ApplicationId,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    if let Err(app) = Registry::of(state)
        .submit_application(user.id(), id)
        .await?
    {
        let (t, _) = check_view(&page, state, &app).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    Ok(Reply::flash(
        format!("/applications/{id}"),
        page.t("flash-app-submitted"),
    ))
}

#[post("/applications/<id>/withdraw", data = "<_form>")]
async fn withdraw(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    id: ApplicationId,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    let app = own(state, user, id).await?;
    Registry::of(state)
        .withdraw_application(user.id(), &app)
        .await?;
    Ok(Reply::flash(
        format!("/applications/{id}"),
        page.t("flash-app-withdrawn"),
    ))
}

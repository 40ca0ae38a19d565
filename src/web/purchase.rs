//! The purchaser's side (DOMAIN §5): procurement intentions, projects from draft to publication
//! (criteria frozen once published), cancellation with a public reason, answers and amendments,
//! and the next round after a failed one. A purchaser acts for its own departments only and
//! never sees a bid, a bidder's name, the number of bids or who obtained the documents before
//! the opening.

use crate::db::projects::{self as store, NewIntention, Project};
use crate::db::{project_qa as qa, settings};
use crate::domain::calendar::{iso_date, shanghai_date};
use crate::domain::money::Money;
use crate::domain::procurement::{self as rules, Method};
use crate::domain::qualdocs::{QualDoc, Requirement};
use crate::domain::role::Role;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::{role, CurrentUser, Staff};
use crate::platform::error::{AppError, AppResult};
use crate::procurement::{shanghai_time, Procurement};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{positive_money, text, FormErrors};
use crate::web::project_form::{self as pf, local_value, ProjectForm};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![
        index,
        intention,
        new_project,
        create,
        manage,
        update,
        publish,
        cancel,
        republish,
        entrust
    ]
}

pub type Purchaser<'r> = Staff<'r, role::Purchaser>;
/// A purchaser or procurement-agency staff: who may open the procedure's pages (each page
/// then checks the project is theirs, by department or by entrustment).
pub type Procurer<'r> = Staff<'r, role::Procurer>;

/// The agencies whose staff the user is.
pub fn agencies(user: &CurrentUser) -> Vec<i64> {
    user.units(Role::ProcurementAgency, |g| g.agency_id)
}

/// Whether the user runs the project's procedure: a purchaser of its department, or staff of
/// the agency it is entrusted to.
pub fn procures(user: &CurrentUser, p: &Project) -> bool {
    purchases(user, p) || p.agency_id.is_some_and(|a| agencies(user).contains(&a))
}

/// The project, if the user runs its procedure (403 otherwise).
pub(crate) async fn procured_project(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<Project> {
    let mut c = state.db.acquire().await?;
    let p = store::by_id(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if !procures(user, &p) {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

pub fn departments(user: &CurrentUser) -> Vec<i64> {
    user.units(Role::Purchaser, |g| g.department_id)
}

/// The project, if one of this purchaser's departments owns it (403 otherwise).
pub(crate) async fn purchasers_project(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<Project> {
    let mut c = state.db.acquire().await?;
    let p = store::by_id(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if !departments(user).contains(&p.department_id) {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

/// Projects listed per page of `/purchase`.
const LIST_PAGE: i64 = 50;

async fn index_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    before: Option<store::ListKey>,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mine = departments(user);
    let entrusted = agencies(user);
    let mut c = state.db.acquire().await?;
    let mut projects = store::list(
        &mut c,
        &[
            "draft",
            "published",
            "opened",
            "awarded",
            "contracted",
            "failed",
            "cancelled",
        ],
        Some(store::Worked {
            departments: &mine,
            agencies: &entrusted,
        }),
        before,
        LIST_PAGE + 1,
    )
    .await?;
    // One more than a page is read to learn whether there is a next page.
    let next = (projects.len() > LIST_PAGE as usize).then(|| {
        projects.truncate(LIST_PAGE as usize);
        projects
            .last()
            .map(|p| {
                let (at, id) = store::list_key(p);
                format!("{at}-{id}")
            })
            .unwrap_or_default()
    });
    let intentions = store::intentions(&mut c, Some(&mine)).await?;
    let categories = store::categories(&mut c).await?;
    let units: Vec<_> = user
        .grants
        .iter()
        .filter(|g| g.role == Role::Purchaser)
        .map(|g| json!({ "id": g.department_id, "zh": g.scope_zh, "en": g.scope_en }))
        .collect();
    Ok(page.render(
        "purchase/index",
        json!({ "projects": projects, "next": next, "paged": before.is_some(),
                "intentions": intentions, "categories": categories,
                "departments": units, "values": values, "errors": errors,
                "purchaser": !mine.is_empty() }),
    ))
}

#[get("/purchase?<after>")]
async fn index(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    after: Option<&str>,
) -> AppResult<Template> {
    let before = after.map(crate::web::forms::page_key).transpose()?;
    index_page(
        &page,
        state,
        staff.user,
        before,
        json!({}),
        FormErrors::default(),
    )
    .await
}

#[derive(FromForm, serde::Serialize)]
pub struct IntentionForm {
    department: Option<i64>,
    i_title: Option<String>,
    category: Option<String>,
    i_budget: Option<String>,
    need: Option<String>,
    i_planned_month: Option<String>,
}

#[post("/purchase/intentions", data = "<form>")]
async fn intention(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    form: CsrfForm<IntentionForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let f = form.into_inner();
    let lang = page.lang;
    let mut e = FormErrors::default();
    let mine = departments(user);
    let department = f
        .department
        .filter(|d| mine.contains(d))
        .or_else(|| (mine.len() == 1).then(|| mine[0]));
    if department.is_none() {
        e.add(lang, "i_department", "err-project-department");
    }
    let title = text(&f.i_title).to_string();
    if title.is_empty() || title.chars().count() > 200 {
        e.add(lang, "i_title", "err-project-title");
    }
    let categories = {
        let mut c = state.db.acquire().await?;
        store::categories(&mut c).await?
    };
    let category = text(&f.category).to_string();
    if !categories.iter().any(|c| c.code == category) {
        e.add(lang, "i_category", "err-project-category");
    }
    let budget = positive_money(
        &mut e,
        lang,
        "i_budget",
        text(&f.i_budget),
        "err-project-budget",
    )
    .map(Money::fen)
    .unwrap_or(0);
    let need = text(&f.need).to_string();
    if need.chars().count() < 10 || need.chars().count() > 5000 {
        e.add(lang, "i_need", "err-intention-need");
    }
    let month = text(&f.i_planned_month).to_string();
    let month_ok = month.len() == 7
        && crate::domain::calendar::parse_iso_date(&format!("{month}-01")).is_some();
    if !month_ok {
        e.add(lang, "i_planned_month", "err-intention-month");
    }
    if !e.is_empty() {
        let values = json!({ "intention": f });
        let t = index_page(&page, state, user, None, values, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    }
    let now = state.clock.now();
    Procurement::of(state)
        .add_intention(
            &NewIntention {
                department_id: department.unwrap_or_default(),
                title: &title,
                category_code: &category,
                budget_fen: budget,
                need: &need,
                planned_month: &month,
                published_at: crate::platform::clock::to_ms(now),
                published_on: &iso_date(shanghai_date(now)),
                created_by: user.id().0,
            },
            user.id(),
        )
        .await?;
    Ok(Reply::flash(
        "/purchase",
        page.t("flash-intention-published"),
    ))
}

async fn form_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    project: Option<&Project>,
    values: serde_json::Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mine = departments(user);
    let mut c = state.db.acquire().await?;
    let categories = store::categories(&mut c).await?;
    let intentions = store::intentions(&mut c, Some(&mine)).await?;
    let methods: Vec<_> = Method::ALL
        .iter()
        .map(|m| {
            json!({ "code": m.code(), "label": page.t(&m.label_key()), "offered": m.offered(),
                          "range": m.price_weight_range() })
        })
        .collect();
    let units: Vec<_> = user
        .grants
        .iter()
        .filter(|g| g.role == Role::Purchaser)
        .map(|g| json!({ "id": g.department_id, "zh": g.scope_zh, "en": g.scope_en }))
        .collect();
    let grades: Vec<&str> = crate::domain::evaluation::Grade::ALL
        .iter()
        .map(|g| g.code())
        .collect();
    let agency_list =
        crate::db::directory::list(&mut c, crate::db::directory::UnitKind::Agency).await?;
    let publication = match project {
        Some(p) => {
            Some(crate::procurement::publication::standing(&mut c, p, state.clock.now_ms()).await?)
        }
        None => None,
    };
    Ok(page.render(
        "purchase/form",
        json!({ "project": project, "p": project, "values": values, "errors": errors, "categories": categories,
                "publication": publication,
                "intentions": intentions, "methods": methods, "departments": units, "grades": grades,
                "agencies": agency_list, "qual_checklist": QualDoc::ALL,
                "qual_added_max": crate::domain::qualdocs::MAX_ADDED,
                "qual_name_max": crate::domain::qualdocs::MAX_NAME_CHARS }),
    ))
}

/// The form's values from a stored draft.
async fn values_of(state: &AppState, p: &Project) -> AppResult<serde_json::Value> {
    let mut c = state.db.acquire().await?;
    let criteria = store::criteria(&mut c, p.id).await?;
    let qual_docs = crate::db::qual_docs::of_project(&mut c, p.id).await?;
    Ok(json!({
        "department": p.department_id, "number": p.number, "title": p.title, "category": p.category_code,
        "requirements": p.requirements, "budget": Money::from_fen(p.budget_fen).to_string(),
        "max_price": p.max_price_fen.map(|f| Money::from_fen(f).to_string()).unwrap_or_default(),
        "method": p.method, "price_weight": p.price_weight_pct.to_string(), "tie_rule": p.tie_rule,
        "grade_use": p.grade_use, "intention": p.intention_id, "deadline": p.deadline_at.map(local_value),
        "city_division": p.city_division, "min_grade": p.min_grade, "need_inspection": p.need_inspection,
        "technically_complex": p.technically_complex,
        "criterion_name": criteria.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        "criterion_max": criteria.iter().map(|c| rust_decimal::Decimal::new(c.max_centi, 2).normalize().to_string()).collect::<Vec<_>>(),
        "criterion_guidance": criteria.iter().map(|c| c.guidance.clone()).collect::<Vec<_>>(),
        "qual_doc": qual_docs.iter().filter_map(|r| match r { Requirement::Listed(d) => Some(d.code()), _ => None }).collect::<Vec<_>>(),
        "qual_added": qual_docs.iter().filter_map(|r| match r { Requirement::Added(n) => Some(n.clone()), _ => None }).collect::<Vec<_>>(),
    }))
}

#[get("/purchase/projects/new")]
async fn new_project(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
) -> AppResult<Template> {
    form_page(
        &page,
        state,
        staff.user,
        None,
        json!({ "method": "open_tender", "price_weight": "30",
                "qual_doc": QualDoc::DEFAULT.iter().map(|d| d.code()).collect::<Vec<_>>() }),
        FormErrors::default(),
    )
    .await
}

async fn checked(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    f: &ProjectForm,
    new_number: bool,
) -> AppResult<Result<pf::Checked, FormErrors>> {
    let mine = departments(user);
    let (categories, roll) = {
        let mut c = state.db.acquire().await?;
        let s = settings::snapshot(&mut c, state.clock.now_ms()).await?;
        (
            store::categories(&mut c).await?,
            s.flag("calendar.roll.bid_window").unwrap_or(false),
        )
    };
    let cx = pf::Context {
        roll,
        lang: page.lang,
        departments: &mine,
        categories: &categories,
        now: state.clock.now(),
        calendar: &state.calendars.now(),
        new_number,
    };
    Ok(pf::check(f, &cx))
}

async fn min_bids(state: &AppState, method: Method) -> AppResult<i64> {
    let mut c = state.db.acquire().await?;
    let s = settings::snapshot(&mut c, state.clock.now_ms()).await?;
    Ok(method.minimum_bids(s.int("procurement.consultation_min_bids").unwrap_or(3)))
}

#[post("/purchase/projects", data = "<form>")]
async fn create(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    form: CsrfForm<ProjectForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let f = form.into_inner();
    let ok = match checked(&page, state, user, &f, true).await? {
        Ok(ok) => ok,
        Err(e) => {
            let t = form_page(&page, state, user, None, json!(f), e).await?;
            return Ok(Reply::page(Http::UnprocessableEntity, t));
        }
    };
    let min = min_bids(state, ok.method).await?;
    let id = match Procurement::of(state)
        .create_project(&ok.project(min), &ok.criteria, &ok.qual_docs, user.id())
        .await?
    {
        Ok(id) => id,
        Err(key) => {
            let mut e = FormErrors::default();
            e.add(page.lang, "number", key);
            let t = form_page(&page, state, user, None, json!(f), e).await?;
            return Ok(Reply::page(Http::UnprocessableEntity, t));
        }
    };
    Ok(Reply::flash(
        format!("/purchase/projects/{id}"),
        page.t("flash-project-saved"),
    ))
}

pub(crate) async fn manage_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    p: &Project,
    errors: FormErrors,
) -> AppResult<Template> {
    manage_page_with(
        page,
        state,
        user,
        p,
        errors,
        json!({ "representative": [] }),
    )
    .await
}

/// The manage page with what a refused form sent, shown again (issue 25, item 3).
pub(crate) async fn manage_page_with(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    p: &Project,
    errors: FormErrors,
    values: serde_json::Value,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let agency_list =
        crate::db::directory::list(&mut c, crate::db::directory::UnitKind::Agency).await?;
    let criteria = store::criteria(&mut c, p.id).await?;
    let questions = qa::questions(&mut c, p.id).await?;
    let amendments = qa::amendments(&mut c, p.id).await?;
    let events = store::events(&mut c, p.id).await?;
    // Inquiries and challenges waiting for an answer, with their clock (answered on the award
    // page, which is otherwise reached only once a panel is drawn).
    let unanswered: Vec<_> = crate::procurement::challenge::of_project(&mut c, p.id)
        .await?
        .into_iter()
        .filter(|ch| ch.answered_at.is_none())
        .collect();
    let openings = crate::db::bids::openings(&mut c, p.id).await?;
    let review = crate::procurement::review::rows(&mut c, p).await?;
    let reads = Procurement::of(state).bid_reads(&mut c, p.id).await?;
    // Each opened bid's qualification documents beside its decision (read through the
    // reading route, which records every read).
    let ids: Vec<i64> = review.iter().map(|r| r.bid.bid_id).collect();
    let mut docs = Procurement::of(state)
        .opened_bid_docs(&mut c, p, &ids)
        .await?;
    let review_view: Vec<serde_json::Value> = review
        .iter()
        .map(|r| {
            let mut v = json!(r);
            v["docs"] = json!(docs.remove(&r.bid.bid_id).unwrap_or_default());
            v
        })
        .collect();
    let panel = crate::procurement::panel::panel_of(&mut c, p).await?;
    let purchasers = crate::db::roles::department_purchasers(&mut c, p.department_id).await?;
    let panel_open = p.status == crate::domain::project::Status::Opened
        && panel.is_none()
        && review
            .iter()
            .any(|r| r.price_ok && r.qualified == Some(true));
    let review_open = p.status == crate::domain::project::Status::Opened
        && review.iter().all(|r| r.qualified.is_none());
    let intention = match p.intention_id {
        Some(i) => store::intention_by_id(&mut c, i).await?,
        None => None,
    };
    let now = state.clock.now();
    let publication =
        crate::procurement::publication::standing(&mut c, p, crate::platform::clock::to_ms(now))
            .await?;
    // In time, or sooner with the reason recorded at publication (财库〔2020〕10号).
    let intention_ok = publication
        .days_after_intention
        .is_some_and(|d| d >= publication.intention_days)
        || (intention.is_some() && p.intention_late_reason.is_some());
    let method = Procurement::method(p)?;
    let roll = {
        let mut c = state.db.acquire().await?;
        settings::snapshot(&mut c, crate::platform::clock::to_ms(now))
            .await?
            .flag("calendar.roll.bid_window")
            .unwrap_or(false)
    };
    let earliest = shanghai_time(crate::platform::clock::to_ms(rules::earliest_deadline(
        &state.calendars.now(),
        method,
        now,
        roll,
    )));
    let deadline_passed = p
        .deadline_at
        .is_some_and(|d| crate::platform::clock::to_ms(now) >= d);
    let documents = crate::web::project_docs::listing(&mut c, p).await?;
    let panel_minimum =
        crate::procurement::panel::minimum_size(&mut c, p, crate::platform::clock::to_ms(now))
            .await?;
    Ok(page.render(
        "purchase/manage",
        json!({ "p": p, "criteria": criteria, "questions": questions, "amendments": amendments,
                "events": events, "openings": openings, "intention": intention,
                "unanswered": unanswered,
                "review": review_view, "review_open": review_open, "panel": panel, "reads": reads,
                "panel_open": panel_open, "purchasers": purchasers,
                "panel_minimum": panel_minimum, "publication": publication,
                "intention_warning": p.kind == "procurement" && !intention_ok,
                "earliest": earliest, "deadline_passed": deadline_passed,
                "method_label": page.t(&method.label_key()), "errors": errors,
                "purchaser": purchases(user, p), "agencies": agency_list,
                "list": documents, "values": values }),
    ))
}

#[get("/purchase/projects/<id>")]
async fn manage(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    id: i64,
) -> AppResult<Template> {
    let p = procured_project(state, staff.user, id).await?;
    // The draft is the purchaser's to write; the agency sees it read-only until publication.
    if p.status == crate::domain::project::Status::Draft && purchases(staff.user, &p) {
        let values = values_of(state, &p).await?;
        return form_page(
            &page,
            state,
            staff.user,
            Some(&p),
            values,
            FormErrors::default(),
        )
        .await;
    }
    manage_page(&page, state, staff.user, &p, FormErrors::default()).await
}

#[post("/purchase/projects/<id>", data = "<form>")]
async fn update(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    form: CsrfForm<ProjectForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = purchasers_project(state, user, id).await?;
    if p.status != crate::domain::project::Status::Draft {
        return Err(AppError::Conflict("err-project-frozen"));
    }
    let mut f = form.into_inner();
    f.number = Some(p.number.clone());
    let ok = match checked(&page, state, user, &f, false).await? {
        Ok(ok) => ok,
        Err(e) => {
            let t = form_page(&page, state, user, Some(&p), json!(f), e).await?;
            return Ok(Reply::page(Http::UnprocessableEntity, t));
        }
    };
    let min = min_bids(state, ok.method).await?;
    Procurement::of(state)
        .save_draft(
            p.id,
            &ok.project(min),
            &ok.criteria,
            &ok.qual_docs,
            user.id(),
        )
        .await?;
    Ok(Reply::flash(
        format!("/purchase/projects/{id}"),
        page.t("flash-project-saved"),
    ))
}

#[derive(FromForm)]
pub struct PublishForm {
    /// Why the project is published sooner after its intention than the set days.
    intention_reason: Option<String>,
}

#[post("/purchase/projects/<id>/publish", data = "<form>")]
async fn publish(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    form: CsrfForm<PublishForm>,
) -> AppResult<Reply> {
    use crate::procurement::publication::PublishRefusal;
    let user = staff.user;
    let p = purchasers_project(state, user, id).await?;
    let reason = text(&form.into_inner().intention_reason).to_string();
    let reason = (!reason.is_empty()).then_some(reason.as_str());
    let mut e = FormErrors::default();
    match Procurement::of(state)
        .publish_project(p.id, reason, user.id())
        .await?
    {
        Ok(()) => {
            return Ok(Reply::flash(
                format!("/purchase/projects/{id}"),
                page.t("flash-project-published"),
            ))
        }
        // The draft's deadline no longer leaves the legal minimum (the draft waited): the
        // draft again, the message at its deadline with the earliest lawful one (409).
        Err(PublishRefusal::Deadline(earliest)) => {
            e.add_text(
                "deadline",
                crate::platform::i18n::t_args(
                    page.lang,
                    "err-project-publish-deadline",
                    &[(
                        "earliest",
                        shanghai_time(crate::platform::clock::to_ms(earliest)),
                    )],
                ),
            );
            let mut values = values_of(state, &p).await?;
            values["intention_reason"] = json!(reason.unwrap_or(""));
            let t = form_page(&page, state, user, Some(&p), values, e).await?;
            return Ok(Reply::page(Http::Conflict, t));
        }
        Err(PublishRefusal::IntentionReason { days, after }) => e.add_text(
            "intention_reason",
            crate::platform::i18n::t_args(
                page.lang,
                "err-project-intention-reason",
                &[("days", days.to_string()), ("after", after.to_string())],
            ),
        ),
        Err(PublishRefusal::MethodApproval { threshold_fen }) => e.add_text(
            "method",
            crate::platform::i18n::t_args(
                page.lang,
                "err-project-method-approval",
                &[(
                    "threshold",
                    format!("¥{}", Money::from_fen(threshold_fen).grouped()),
                )],
            ),
        ),
    }
    // Nothing was written: the draft again, with the message and the reason as typed.
    let mut values = values_of(state, &p).await?;
    values["intention_reason"] = json!(reason.unwrap_or(""));
    let t = form_page(&page, state, user, Some(&p), values, e).await?;
    Ok(Reply::page(Http::UnprocessableEntity, t))
}

#[derive(FromForm)]
pub struct ReasonForm {
    reason: Option<String>,
}

#[post("/purchase/projects/<id>/cancel", data = "<form>")]
async fn cancel(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    form: CsrfForm<ReasonForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = purchasers_project(state, user, id).await?;
    let reason = text(&form.into_inner().reason).to_string();
    if reason.chars().count() < 5 || reason.chars().count() > 2000 {
        return refuse(
            &page,
            state,
            user,
            &p,
            "reason",
            "err-project-cancel-reason",
        )
        .await;
    }
    Procurement::of(state)
        .cancel_project(p.id, &reason, user.id())
        .await?;
    Ok(Reply::flash(
        format!("/purchase/projects/{id}"),
        page.t("flash-project-cancelled"),
    ))
}

#[post("/purchase/projects/<id>/republish", data = "<_form>")]
async fn republish(
    page: Page,
    state: &State<AppState>,
    staff: Procurer<'_>,
    id: i64,
    _form: CsrfForm<crate::web::forms::Empty>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = procured_project(state, user, id).await?;
    Procurement::of(state)
        .republish_project(p.id, user.id())
        .await?;
    Ok(Reply::flash(
        format!("/purchase/projects/{id}"),
        page.t("flash-project-new-round"),
    ))
}

/// The manage page again with one message (422): nothing was written.
pub(crate) async fn refuse(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    p: &Project,
    field: &str,
    key: &str,
) -> AppResult<Reply> {
    refuse_with(
        page,
        state,
        user,
        p,
        field,
        key,
        json!({ "representative": [] }),
    )
    .await
}

/// As `refuse`, keeping what the form sent.
pub(crate) async fn refuse_with(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    p: &Project,
    field: &str,
    key: &str,
    values: serde_json::Value,
) -> AppResult<Reply> {
    let mut e = FormErrors::default();
    e.add(page.lang, field, key);
    let t = manage_page_with(page, state, user, p, e, values).await?;
    Ok(Reply::page(Http::UnprocessableEntity, t))
}

/// Whether the user is a purchaser of the project's department (used by other pages).
pub fn purchases(user: &CurrentUser, p: &Project) -> bool {
    departments(user).contains(&p.department_id)
}

#[derive(FromForm)]
pub struct EntrustForm {
    agency: Option<String>,
}

/// The purchaser entrusts the procedure to a procurement agency (or takes it back), while the
/// project is a draft or published; recorded in the project's history and the audit.
#[post("/purchase/projects/<id>/agency", data = "<form>")]
async fn entrust(
    page: Page,
    state: &State<AppState>,
    staff: Purchaser<'_>,
    id: i64,
    form: CsrfForm<EntrustForm>,
) -> AppResult<Reply> {
    let user = staff.user;
    let p = purchasers_project(state, user, id).await?;
    let raw = text(&form.into_inner().agency).to_string();
    // Blank takes the project back; anything else must be an agency of the directory.
    let agency = match raw.parse::<i64>() {
        _ if raw.is_empty() => None,
        Ok(a) => Some(a),
        Err(_) => return refuse(&page, state, user, &p, "agency", "err-agency-unknown").await,
    };
    if let Err(key) = Procurement::of(state)
        .entrust(p.id, agency, user.id().0)
        .await?
    {
        return refuse(&page, state, user, &p, "agency", key).await;
    }
    Ok(Reply::flash(
        format!("/purchase/projects/{id}#agency"),
        page.t(if agency.is_some() {
            "flash-agency-entrusted"
        } else {
            "flash-agency-withdrawn"
        }),
    ))
}

//! The organization's bid on a project (DOMAIN §5): eligibility, the sealed bid (price,
//! technical proposal, files) that it may replace or withdraw until the deadline, the receipt
//! (time, digest, salt), and its own files. Only the organization's own members reach these
//! pages; anyone else is refused whether or not a bid exists, so a guessed URL learns nothing.

use crate::db::bids as store;
use crate::domain::lang::Lang;
use crate::domain::qualdocs::Requirement;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::OrgId;
use crate::procurement::bidding::{accepts, was_opened, BidInput, PlainFile};
use crate::procurement::Procurement;
use crate::web::attachments::{read_upload, Upload};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{positive_money, text, FormErrors};
use crate::web::projects::by_number;
use crate::web::template::Template;
use rocket::http::{ContentType, Status as Http};
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;
use std::collections::HashMap;

pub fn routes() -> Vec<Route> {
    routes![page, submit, submit_final, withdraw, receipt, file]
}

/// The organization, if the user is one of its members. Anyone else is refused before
/// anything about a bid is read, so the answer is the same whether a bid exists or not.
pub(crate) fn member_org(user: &CurrentUser, org: i64) -> AppResult<OrgId> {
    let org = OrgId(org);
    if user.membership(org).is_none() {
        return Err(AppError::Forbidden);
    }
    Ok(org)
}

/// A required document's name as the page shows it.
pub(crate) fn doc_label(page: &Page, r: &Requirement) -> String {
    match r {
        Requirement::Listed(d) => page.t(&d.label_key()),
        Requirement::Added(name) => name.clone(),
    }
}

/// A bid's files for its own pages, each with the required document it is.
pub(crate) fn files_view(files: &[crate::procurement::sealing::BidFile]) -> Vec<serde_json::Value> {
    files
        .iter()
        .map(|f| {
            json!({ "id": f.id, "name": f.name, "size": f.size, "sha256": f.sha256,
                    "content_type": f.content_type,
                    "requirement": f.requirement.as_deref().and_then(Requirement::from_key) })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn bid_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    number: &str,
    org: OrgId,
    values: serde_json::Value,
    errors: FormErrors,
    receipt: Option<serde_json::Value>,
) -> AppResult<Template> {
    let p = by_number(state, number).await?;
    let pr = Procurement::of(state);
    let mut c = state.db.acquire().await?;
    let reasons: Vec<String> = pr
        .exclusions(&mut c, &p, org.0)
        .await?
        .into_iter()
        .map(|w| page.t(w.message_key()))
        .collect();
    let own = pr.own_bid(&mut c, &p, org.0, "initial").await?;
    let history = store::history_of(&mut c, p.id, org.0).await?;
    let now = state.clock.now_ms();
    let open = accepts(&p, "initial", now);
    let final_open = accepts(&p, "final", now) && was_opened(&mut c, &p, org.0).await?;
    let view = |(b, content): (store::Bid, crate::procurement::sealing::BidContent)| {
        json!({ "reference": b.reference, "submitted_at": b.submitted_at, "digest": b.digest,
                "price": content.price, "proposal": content.proposal, "sme": content.sme,
                "files": files_view(&content.files), "salt": content.salt })
    };
    let required = pr.required_docs(&mut c, &p).await?;
    let own = own.map(view);
    let own_final = pr.own_bid(&mut c, &p, org.0, "final").await?.map(view);
    Ok(page.render(
        "bids/bid",
        json!({ "p": p, "org": { "id": org.0, "name": user.membership(org).map(|m| m.org_name.clone()) },
                "reasons": reasons, "own": own, "history": history, "open": open,
                "final_open": final_open, "own_final": own_final,
                "admin": user.is_org_admin(org), "values": values, "errors": errors,
                "receipt": receipt, "required": required }),
    ))
}

#[get("/projects/<number>/bid/<org>")]
async fn page(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: i64,
) -> AppResult<Template> {
    let org = member_org(user, org)?;
    bid_page(
        &page,
        state,
        user,
        number,
        org,
        json!({}),
        FormErrors::default(),
        None,
    )
    .await
}

#[derive(FromForm)]
pub struct BidForm<'r> {
    price: Option<String>,
    proposal: Option<String>,
    /// The enterprise size the 中小企业声明函 declares (empty: none).
    sme: Option<String>,
    files: Vec<Upload<'r>>,
    /// One file per required qualification document, by its position in the project's list.
    qual: HashMap<usize, Upload<'r>>,
}

/// An upload's file name as the bidder's computer named it (at most 120 characters).
fn upload_name(up: &Upload<'_>) -> String {
    match up {
        Upload::File(t) => t
            .raw_name()
            .map(|n| {
                n.dangerous_unsafe_unsanitized_raw()
                    .as_str()
                    .chars()
                    .take(120)
                    .collect()
            })
            .unwrap_or_default(),
        _ => String::new(),
    }
}

#[post("/projects/<number>/bid/<org>", data = "<form>")]
async fn submit(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: i64,
    form: CsrfForm<BidForm<'_>>,
) -> AppResult<Reply> {
    take(page, state, user, number, org, form.into_inner(), "initial").await
}

/// A consultation's sealed final quote (最后报价), from an organization whose response was
/// opened, until the final-quote deadline.
#[post("/projects/<number>/bid/<org>/final", data = "<form>")]
async fn submit_final(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: i64,
    form: CsrfForm<BidForm<'_>>,
) -> AppResult<Reply> {
    take(page, state, user, number, org, form.into_inner(), "final").await
}

async fn take(
    page: Page,
    state: &AppState,
    user: &CurrentUser,
    number: &str,
    org: i64,
    f: BidForm<'_>,
    envelope: &str,
) -> AppResult<Reply> {
    let org = member_org(user, org)?;
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    let p = by_number(state, number).await?;
    let lang = page.lang;
    let mut e = FormErrors::default();
    let price = positive_money(&mut e, lang, "price", text(&f.price), "err-bid-price");
    let proposal = text(&f.proposal).to_string();
    let least = if envelope == "final" { 0 } else { 20 };
    if proposal.chars().count() < least || proposal.chars().count() > 50_000 {
        e.add(lang, "proposal", "err-bid-proposal");
    }
    let sme = match text(&f.sme) {
        "" => None,
        code => {
            let size = crate::domain::award::EnterpriseSize::parse(code);
            if size.is_none() {
                e.add(lang, "sme", "err-bid-sme");
            }
            size
        }
    };
    let mut files = Vec::new();
    for up in &f.files {
        match read_upload(Some(up), state.config.upload_max_bytes).await {
            Ok(bytes) => match crate::domain::application::sniff(&bytes) {
                Some(ct) => files.push(PlainFile {
                    name: upload_name(up),
                    content_type: ct.into(),
                    bytes,
                    requirement: None,
                }),
                None => e.add(lang, "files", "err-upload-type"),
            },
            Err("err-upload-empty") => {}
            Err(key) => e.add(lang, "files", key),
        }
    }
    // The required qualification documents, one upload each (a final quote needs none).
    let pr = Procurement::of(state);
    let mut c = state.db.acquire().await?;
    let required = if envelope == "initial" {
        pr.required_docs(&mut c, &p).await?
    } else {
        Vec::new()
    };
    for (i, r) in required.iter().enumerate() {
        let up = f.qual.get(&i);
        match read_upload(up, state.config.upload_max_bytes).await {
            Ok(bytes) => match crate::domain::application::sniff(&bytes) {
                Some(ct) => files.push(PlainFile {
                    name: up.map(upload_name).unwrap_or_default(),
                    content_type: ct.into(),
                    bytes,
                    requirement: Some(r.key()),
                }),
                None => e.add(lang, "qual_docs", "err-upload-type"),
            },
            Err("err-upload-empty") => {}
            Err(key) => e.add(lang, "qual_docs", key),
        }
    }
    let attached = files.iter().filter_map(|f| f.requirement.as_deref());
    let missing = pr.missing_docs(&mut c, &p, envelope, attached).await?;
    drop(c);
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|r| doc_label(&page, r)).collect();
        let sep = if lang == Lang::En { ", " } else { "、" };
        e.add_text(
            "qual_docs",
            crate::platform::i18n::t_args(
                lang,
                "err-qualdoc-missing",
                &[("docs", names.join(sep))],
            ),
        );
    }
    // The form is shown again with what was typed (to the bidder only); nothing is stored.
    // Files cannot be put back into a file field: the page says to choose them again.
    let values = json!({ "price": text(&f.price), "proposal": proposal, "sme": text(&f.sme),
                         "missing": missing.iter().map(Requirement::key).collect::<Vec<_>>() });
    if e.is_empty() {
        let bytes: usize = files.iter().map(|f| f.bytes.len()).sum();
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        if let Err(key) = crate::web::attachments::within_quota_bytes(state, org.0, bytes).await? {
            e.add(lang, "files", key);
        }
    }
    let Some(price) = price.filter(|_| e.is_empty()) else {
        let t = bid_page(&page, state, user, number, org, values, e, None).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let input = BidInput {
        price,
        proposal: proposal.clone(),
        files,
    };
    match pr
        .submit_declared_bid(&p, org.0, user.id().0, envelope, input, sme)
        .await?
    {
        Ok(r) => {
            let receipt = json!({ "reference": r.reference, "submitted_at": r.submitted_at,
                                  "digest": r.digest, "salt": r.salt });
            let t = bid_page(
                &page,
                state,
                user,
                number,
                org,
                json!({}),
                FormErrors::default(),
                Some(receipt),
            )
            .await?;
            Ok(Reply::page(Http::Ok, t))
        }
        Err(crate::procurement::bidding::PRICE_OVER_LIMIT) => {
            let mut e = FormErrors::default();
            let limit =
                crate::domain::money::Money::from_fen(crate::procurement::review::price_limit(&p));
            e.add_text(
                "price",
                crate::platform::i18n::t_args(
                    lang,
                    crate::procurement::bidding::PRICE_OVER_LIMIT,
                    &[("limit", limit.grouped())],
                ),
            );
            let t = bid_page(&page, state, user, number, org, values, e, None).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
        Err(key) => {
            let mut e = FormErrors::default();
            e.add(lang, "bid", key);
            let t = bid_page(&page, state, user, number, org, values, e, None).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

#[post("/projects/<number>/bid/<org>/withdraw", data = "<_form>")]
async fn withdraw(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: i64,
    _form: CsrfForm<crate::web::forms::Empty>,
) -> AppResult<Reply> {
    let org = member_org(user, org)?;
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    let p = by_number(state, number).await?;
    let back = format!("/projects/{}/bid/{}", p.number, org.0);
    match Procurement::of(state)
        .withdraw_bid(&p, org.0, user.id().0, "initial")
        .await?
    {
        Ok(()) => Ok(Reply::flash(back, page.t("flash-bid-withdrawn"))),
        Err(key) => Ok(Reply::flash_error(back, page.t(key))),
    }
}

/// The receipt of one of the organization's bids, named by its reference: time, digest and
/// the salt (no content).
#[get("/projects/<number>/bid/<org>/receipt/<bid>")]
async fn receipt(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: i64,
    bid: &str,
) -> AppResult<Template> {
    let org = member_org(user, org)?;
    let p = by_number(state, number).await?;
    let mut c = state.db.acquire().await?;
    let b = store::by_reference(&mut c, bid)
        .await?
        .filter(|b| b.org_id == org.0 && b.project_id == p.id)
        .ok_or(AppError::NotFound)?;
    let content = state
        .sealer
        .open_bid(p.id, b.round, org.0, &b.envelope, &b.sealed)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(page.render(
        "bids/receipt",
        json!({ "p": p, "b": b, "salt": content.salt, "org": org.0 }),
    ))
}

/// One of the organization's own bid files, decrypted for its members.
#[get("/projects/<number>/bid/<org>/files/<id>")]
async fn file(
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    org: i64,
    id: &str,
) -> AppResult<(ContentType, Vec<u8>)> {
    let org = member_org(user, org)?;
    let p = by_number(state, number).await?;
    if id.len() != 32 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let mut c = state.db.acquire().await?;
    let bid = store::bid_of_file(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let b = store::by_id(&mut c, bid)
        .await?
        .filter(|b| b.org_id == org.0 && b.project_id == p.id)
        .ok_or(AppError::NotFound)?;
    let content = state
        .sealer
        .open_bid(p.id, b.round, org.0, &b.envelope, &b.sealed)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let meta = content
        .files
        .iter()
        .find(|f| f.id == id)
        .ok_or(AppError::NotFound)?;
    let path = crate::web::attachments::uploads_dir(state)
        .join("bids")
        .join(id);
    let stored = rocket::tokio::fs::read(&path)
        .await
        .map_err(|e| AppError::Internal(format!("bid file: {e}")))?;
    let bytes = state
        .sealer
        .open_file(p.id, id, &stored)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let ct = ContentType::parse_flexible(&meta.content_type).unwrap_or(ContentType::Binary);
    Ok((ct, bytes))
}

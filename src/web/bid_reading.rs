//! The opened bids their judges read: `/projects/<number>/bids/<bid>` (the proposal, price,
//! digest and files) and its files, opened in the browser where they can be. Who may read is
//! the procurement service's question (`procurement::reading`); a bid still sealed is absent
//! to everyone but its bidder.

use crate::domain::procurement::{ReadCapacity, ReadRefusal};
use crate::domain::role::Role;
use crate::platform::app::AppState;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::error::{AppError, AppResult};
use crate::procurement::reading::Reader;
use crate::procurement::Procurement;
use crate::web::attachments::FileReply;
use crate::web::ctx::{Page, Reply};
use crate::web::projects::by_number;
use crate::web::purchase::procures;
use rocket::{get, routes, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![bid, file]
}

fn reader(user: &CurrentUser, procurer: bool) -> Reader {
    Reader {
        user: user.id().0,
        orgs: user.memberships.iter().map(|m| m.org_id.0).collect(),
        procurer,
        supervisor: user.has(Role::ProcurementSupervisor),
    }
}

/// A refusal as the reader sees it: a sealed bid does not exist for them; a panelist is sent
/// to declare first.
fn refused(page: &Page, r: ReadRefusal) -> AppResult<Reply> {
    match r {
        ReadRefusal::Sealed => Err(AppError::NotFound),
        ReadRefusal::Undeclared => Ok(Reply::flash_error(
            "/scoring".to_string(),
            page.t("err-bid-read-declare"),
        )),
        ReadRefusal::NotJudge => Err(AppError::Forbidden),
    }
}

#[get("/projects/<number>/bids/<bid>")]
async fn bid(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    bid: i64,
) -> AppResult<Reply> {
    let p = by_number(state, number).await?;
    let who = reader(user, procures(user, &p));
    let read = match Procurement::of(state).read_bid(&p, bid, &who).await? {
        Ok(r) => r,
        Err(r) => return refused(&page, r),
    };
    let back = match read.capacity {
        ReadCapacity::Bidder => format!("/projects/{}/bid/{}", p.number, read.bid.org_id),
        ReadCapacity::Panelist => read
            .seat
            .map_or("/scoring".to_string(), |m| format!("/panel/{m}#bids")),
        ReadCapacity::Procurer => format!("/purchase/projects/{}#review", p.id),
        ReadCapacity::Supervisor => "/complaints".to_string(),
    };
    let price = crate::domain::money::Money::parse(&read.content.price)
        .ok()
        .map(|m| m.fen());
    Ok(Reply::page(
        rocket::http::Status::Ok,
        page.render(
            "bids/read",
            json!({ "p": p, "b": read.bid, "org_name": read.org_name, "price_fen": price,
                    "proposal": read.content.proposal,
                    "files": crate::web::bids::files_view(&read.content.files),
                    "capacity": read.capacity.code(), "back": back }),
        ),
    ))
}

#[get("/projects/<number>/bids/<bid>/files/<id>")]
async fn file(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    number: &str,
    bid: i64,
    id: &str,
) -> AppResult<Result<FileReply, Reply>> {
    if id.len() != 32 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let p = by_number(state, number).await?;
    let who = reader(user, procures(user, &p));
    match Procurement::of(state)
        .read_bid_file(&p, bid, id, &who)
        .await?
    {
        Ok((meta, bytes)) => Ok(Ok(FileReply::named(bytes, &meta.content_type, &meta.name))),
        Err(r) => refused(&page, r).map(Err),
    }
}

//! The finance officer's pages (DOMAIN §6): contracts in delivery with paid and remaining,
//! installments payable and overdue (days past the settings' term), spending by service
//! category as a chart with its data table; per contract, the ledger with the payment form
//! (a fresh idempotency key in every rendered form, so a double submission records once) and
//! the reversal of an entry with its reason.

use crate::delivery::contract::{self, Contract};
use crate::delivery::ledger::{self, Payment};
use crate::delivery::overview::Cursors;
use crate::domain::calendar::parse_iso_date;
use crate::domain::money::Money;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::{role, Staff};
use crate::platform::error::{AppError, AppResult};
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{positive_money, text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    routes![index, show, pay, reverse]
}

type Finance<'r> = Staff<'r, role::FinanceOfficer>;

/// Where each of an overview's lists starts, from the page's query (`after`: the last
/// contract's `publishedAt-id`; `payable_after`, `overdue_after`: the last contract id). A key
/// that is not one is a 400, not the first page.
#[derive(FromForm, Default)]
pub struct OverviewAt {
    after: Option<String>,
    payable_after: Option<String>,
    overdue_after: Option<String>,
}

impl OverviewAt {
    fn cursors(&self) -> AppResult<Cursors> {
        let rows = self
            .after
            .as_deref()
            .map(crate::web::forms::page_key)
            .transpose()?;
        let key = |v: &Option<String>| match v {
            None => Ok(0),
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or(AppError::BadRequest("err-page-key")),
        };
        Ok(Cursors {
            rows,
            payable: key(&self.payable_after)?,
            overdue: key(&self.overdue_after)?,
        })
    }
}

/// A contracts overview (the finance officer's, or a purchaser's departments'): a page of each
/// list (`delivery::overview`) and the spending chart.
pub async fn overview(
    state: &AppState,
    department: Option<&[i64]>,
    at: &OverviewAt,
) -> AppResult<Value> {
    let cursors = at.cursors()?;
    let mut c = state.db.acquire().await?;
    let now = state.clock.now_ms();
    let o = crate::delivery::overview::overview(
        &mut c,
        department,
        now,
        cursors,
        crate::delivery::overview::PAGE,
    )
    .await?;
    let line =
        |l: &crate::delivery::overview::Line| json!({ "k": l.k, "i": l.i, "left_fen": l.left_fen });
    let payable: Vec<Value> = o.payable.iter().map(line).collect();
    let overdue: Vec<Value> = o.overdue.iter().map(line).collect();
    let rows: Vec<Value> = o
        .rows
        .iter()
        .map(|r| {
            let cap = r.settlement_fen.unwrap_or(r.amount_fen + r.addons_fen);
            json!({ "k": r.k, "s": { "cap_fen": cap, "paid_fen": r.paid_fen,
                "remaining_fen": cap - r.paid_fen, "terminated_at": r.terminated_at, "accepted_at": r.accepted_at },
                "reviews_due": r.reviews_due })
        })
        .collect();
    let next = json!({
        "rows": o.next_rows.map(|(at, id)| format!("{at}-{id}")),
        "payable": o.next_payable,
        "overdue": o.next_overdue,
        "first": cursors.rows.is_some() || cursors.payable > 0 || cursors.overdue > 0,
    });
    let categories = crate::db::projects::categories(&mut c).await?;
    let by_category = contract::paid_by_category(&mut c, department).await?;
    let max = by_category.iter().map(|x| x.1).max().unwrap_or(0).max(1);
    let chart: Vec<Value> = by_category
        .iter()
        .enumerate()
        .map(|(i, (code, fen))| {
            let name = categories
                .iter()
                .find(|x| &x.code == code)
                .map(|x| x.name_zh.clone())
                .unwrap_or_else(|| code.clone());
            json!({ "code": code, "name": name, "fen": fen, "y": 10 + i * 28,
                    // Bar length in whole pixels out of 400, in integers.
                    "width": i64::try_from(i128::from(*fen) * 400 / i128::from(max)).unwrap_or(400) })
        })
        .collect();
    Ok(
        json!({ "rows": rows, "payable": payable, "overdue": overdue, "chart": chart,
               "chart_height": 20 + chart.len() * 28, "next": next }),
    )
}

#[get("/finance?<at..>")]
async fn index(
    page: Page,
    state: &State<AppState>,
    _f: Finance<'_>,
    at: OverviewAt,
) -> AppResult<Template> {
    let data = overview(state, None, &at).await?;
    Ok(page.render("finance/index", data))
}

async fn contract_of(state: &AppState, id: i64) -> AppResult<Contract> {
    let mut c = state.db.acquire().await?;
    contract::by_id(&mut c, id).await?.ok_or(AppError::NotFound)
}

async fn ledger_page(
    page: &Page,
    state: &AppState,
    k: &Contract,
    values: Value,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let s = ledger::summary(&mut c, k, state.clock.now_ms()).await?;
    let department = crate::db::projects::department_of(&mut c, k.project_id).await?;
    let approvers = crate::db::roles::department_purchasers(&mut c, department).await?;
    let reversed: Vec<i64> = s.entries.iter().filter_map(|e| e.reverses_id).collect();
    Ok(page.render(
        "finance/contract",
        json!({ "k": k, "standing": s.standing, "s": s, "approvers": approvers, "reversed": reversed,
                "key": crate::platform::auth::tokens::new_token(), "values": values, "errors": errors }),
    ))
}

#[get("/finance/contracts/<id>")]
async fn show(
    page: Page,
    state: &State<AppState>,
    _f: Finance<'_>,
    id: i64,
) -> AppResult<Template> {
    let k = contract_of(state, id).await?;
    ledger_page(&page, state, &k, json!({}), FormErrors::default()).await
}

#[derive(FromForm)]
pub struct PayForm {
    installment: Option<i64>,
    amount: Option<String>,
    value_date: Option<String>,
    voucher_no: Option<String>,
    payee_account: Option<String>,
    invoice_no: Option<String>,
    approved_by: Option<i64>,
    key: Option<String>,
}

#[post("/finance/contracts/<id>/payments", data = "<form>")]
async fn pay(
    page: Page,
    state: &State<AppState>,
    staff: Finance<'_>,
    id: i64,
    form: CsrfForm<PayForm>,
) -> AppResult<Reply> {
    let k = contract_of(state, id).await?;
    let f = form.into_inner();
    let values = json!({ "installment": f.installment, "amount": text(&f.amount),
        "value_date": text(&f.value_date), "voucher_no": text(&f.voucher_no),
        "payee_account": text(&f.payee_account), "invoice_no": text(&f.invoice_no),
        "approved_by": f.approved_by });
    let mut e = FormErrors::default();
    let amount = positive_money(
        &mut e,
        page.lang,
        "amount",
        text(&f.amount),
        "err-pay-positive",
    );
    let date = parse_iso_date(text(&f.value_date));
    if date.is_none() {
        e.add(page.lang, "value_date", "err-contract-date");
    }
    for (field, v) in [
        ("voucher_no", &f.voucher_no),
        ("payee_account", &f.payee_account),
        ("invoice_no", &f.invoice_no),
    ] {
        if !(2..=60).contains(&text(v).chars().count()) {
            e.add(page.lang, field, "err-pay-field");
        }
    }
    let approvers = {
        let mut c = state.db.acquire().await?;
        let department = crate::db::projects::department_of(&mut c, k.project_id).await?;
        crate::db::roles::department_purchasers(&mut c, department).await?
    };
    // Four eyes: the approving purchaser is not the officer recording the payment.
    let approver = f
        .approved_by
        .filter(|a| approvers.iter().any(|(id, _)| id == a))
        .filter(|a| *a != staff.user.id().0);
    if approver.is_none() {
        e.add(page.lang, "approved_by", "err-pay-approver");
    }
    let key = text(&f.key).to_string();
    if key.len() < 16 {
        e.add(page.lang, "amount", "err-pay-key");
    }
    let (Some(amount), Some(value_date), Some(approved_by), true) =
        (amount, date, approver, e.is_empty())
    else {
        let t = ledger_page(&page, state, &k, values, e).await?;
        return Ok(Reply::page(Http::UnprocessableEntity, t));
    };
    let term = {
        let mut c = state.db.acquire().await?;
        crate::db::settings::snapshot(&mut c, state.clock.now_ms())
            .await?
            .int("payment.term_days")
            .unwrap_or(30)
    };
    let p = Payment {
        contract: k.id,
        installment: f.installment.unwrap_or(0),
        amount_fen: amount.fen(),
        value_date,
        voucher_no: text(&f.voucher_no),
        payee_account: text(&f.payee_account),
        invoice_no: text(&f.invoice_no),
        approved_by,
        key: &key,
    };
    match Procurement::of(state)
        .record_payment(&p, staff.user.id().0, term)
        .await?
    {
        Ok((_, true)) => Ok(Reply::flash(
            format!("/finance/contracts/{id}"),
            page.t("flash-payment-recorded"),
        )),
        Ok((_, false)) => Ok(Reply::flash(
            format!("/finance/contracts/{id}"),
            page.t("flash-payment-already"),
        )),
        Err(refusal) => {
            let mut e = FormErrors::default();
            let mut msg = page.t(refusal.message_key());
            if let crate::domain::ledger::Refusal::OverInstallment { left_fen }
            | crate::domain::ledger::Refusal::OverContract { left_fen } = refusal
            {
                msg = format!("{msg}（¥{}）", Money::from_fen(left_fen).grouped());
            }
            e.add_text("amount", msg);
            let t = ledger_page(&page, state, &k, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

#[derive(FromForm)]
pub struct ReverseForm {
    reason: Option<String>,
    key: Option<String>,
}

#[post("/finance/contracts/<id>/entries/<entry>/reverse", data = "<form>")]
async fn reverse(
    page: Page,
    state: &State<AppState>,
    staff: Finance<'_>,
    id: i64,
    entry: i64,
    form: CsrfForm<ReverseForm>,
) -> AppResult<Reply> {
    let k = contract_of(state, id).await?;
    let f = form.into_inner();
    let key = text(&f.key).to_string();
    if key.len() < 16 {
        return Err(AppError::BadRequest("err-pay-key"));
    }
    match Procurement::of(state)
        .reverse_payment(k.id, entry, text(&f.reason), &key, staff.user.id().0)
        .await?
    {
        Ok(_) => Ok(Reply::flash(
            format!("/finance/contracts/{id}"),
            page.t("flash-payment-reversed"),
        )),
        Err(msg) => {
            let mut e = FormErrors::default();
            e.add(page.lang, &format!("reason-{entry}"), msg);
            let values = json!({ format!("reason-{entry}"): text(&f.reason) });
            let t = ledger_page(&page, state, &k, values, e).await?;
            Ok(Reply::page(Http::UnprocessableEntity, t))
        }
    }
}

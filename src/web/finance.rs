//! The finance officer's pages (DOMAIN §6): contracts in delivery with paid and remaining,
//! installments payable and overdue (days past the settings' term), spending by service
//! category as a chart with its data table; per contract, the ledger with the payment form
//! (a fresh idempotency key in every rendered form, so a double submission records once) and
//! the reversal of an entry with its reason.

use crate::delivery::contract::{self, Contract};
use crate::delivery::ledger::{self, Payment};
use crate::domain::calendar::parse_iso_date;
use crate::domain::money::Money;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::{role, Staff};
use crate::platform::error::{AppError, AppResult};
use crate::procurement::Procurement;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{positive_money, text, FormErrors};
use rocket::http::Status as Http;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::Template;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    routes![index, show, pay, reverse]
}

type Finance<'r> = Staff<'r, role::FinanceOfficer>;

/// One line of a contracts overview: the contract with its money summary.
pub async fn overview(state: &AppState, department: Option<&[i64]>) -> AppResult<Value> {
    let mut c = state.db.acquire().await?;
    let now = state.clock.now_ms();
    let mut rows = Vec::new();
    let mut payable = Vec::new();
    let mut overdue = Vec::new();
    for k in contract::still_open(&mut c, department).await? {
        let s = ledger::summary(&mut c, &k, now).await?;
        for i in &s.installments {
            // What can still be paid on it: the installment's rest, within the contract's cap.
            let left = (i.amount_fen - i.paid_fen).min(s.remaining_fen);
            if i.status.payable() && left > 0 {
                let line = json!({ "k": k, "i": i, "left_fen": left });
                if i.overdue_days.is_some() {
                    overdue.push(line.clone());
                }
                payable.push(line);
            }
        }
        let reviews_due = crate::delivery::performance::of_contract(&mut c, k.id)
            .await?
            .iter()
            .filter(|r| r.submitted_at.is_none())
            .count();
        rows.push(json!({ "k": k, "s": { "cap_fen": s.cap_fen, "paid_fen": s.paid_fen,
            "remaining_fen": s.remaining_fen, "terminated_at": s.terminated_at, "accepted_at": s.accepted_at },
            "reviews_due": reviews_due }));
    }
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
               "chart_height": 20 + chart.len() * 28 }),
    )
}

#[get("/finance")]
async fn index(page: Page, state: &State<AppState>, _f: Finance<'_>) -> AppResult<Template> {
    let data = overview(state, None).await?;
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

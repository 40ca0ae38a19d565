//! The disbursement ledger (DOMAIN §6, issue 8), on SQLite and PostgreSQL: payments only on
//! payable installments and within them, one entry per idempotency key, reversals instead of
//! edits (the database refuses updates and deletes), exact money, and two concurrent requests
//! for the last remaining amount: exactly one succeeds.

use crate::award::signed_contract;
use crate::evaluation_flow::int;
use crate::helpers::*;
use crate::procurement::state;
use huoban::delivery::ledger::Payment;
use huoban::domain::ledger::Refusal;
use huoban::domain::money::Money;
use huoban::procurement::Procurement;
use time::macros::date;

const TERM: i64 = 30;

fn payment<'a>(
    contract: i64,
    installment: i64,
    amount: &str,
    key: &'a str,
    approver: i64,
) -> Payment<'a> {
    Payment {
        contract,
        installment,
        amount_fen: Money::parse(amount).unwrap().fen(),
        value_date: date!(2027 - 01 - 05),
        voucher_no: "记-2027-0001",
        payee_account: "6222 0000 1111 2222",
        invoice_no: "33021270001",
        approved_by: approver,
        key,
    }
}

async fn approver(app: &TestApp) -> i64 {
    int(app, "SELECT id FROM users WHERE email = $1", PURCHASER.0).await
}

#[rocket::async_test]
async fn payments_stay_within_payable_installments_once_per_key_and_are_reversed_not_edited() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-LEDGER-01").await;
    let a = approver(&app).await;
    let pr = Procurement::of(state(&app));
    // Installment 1 (30% on signing) is ¥114,000.00.
    let first = pr
        .record_payment(&payment(k, 1, "100,000.00", "k1", a), 1, TERM)
        .await
        .unwrap();
    let (id1, new) = first.unwrap();
    assert!(new);
    // The same key again (a retried form): the same entry, nothing added.
    let again = pr
        .record_payment(&payment(k, 1, "100,000.00", "k1", a), 1, TERM)
        .await
        .unwrap();
    assert_eq!(again, Ok((id1, false)));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM ledger_entries").await, 1);
    // A key another request used is not taken for this one (nor reported as recorded).
    let other = pr
        .record_payment(&payment(k, 2, "1.00", "k1", a), 1, TERM)
        .await
        .unwrap();
    assert_eq!(other, Err(Refusal::NotPayable));
    assert_eq!(
        pr.reverse_payment(k, id1, "键值被其他请求使用", "k1", 1)
            .await
            .unwrap(),
        Err("err-pay-key")
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM ledger_entries").await, 1);
    let over = pr
        .record_payment(&payment(k, 1, "14,000.01", "k2", a), 1, TERM)
        .await
        .unwrap();
    assert_eq!(
        over,
        Err(Refusal::OverInstallment {
            left_fen: 1_400_000
        })
    );
    // Installment 2 waits for the mid-term review.
    let early = pr
        .record_payment(&payment(k, 2, "1.00", "k3", a), 1, TERM)
        .await
        .unwrap();
    assert_eq!(early, Err(Refusal::NotPayable));
    assert!(pr
        .record_payment(&payment(k, 1, "14,000.00", "k4", a), 1, TERM)
        .await
        .unwrap()
        .is_ok());
    // A mistake is reversed with a reason, once; the entry itself cannot change.
    let bad = pr.reverse_payment(k, id1, "", "r0", 1).await.unwrap();
    assert_eq!(bad, Err("err-reversal-reason"));
    let (rev, _) = pr
        .reverse_payment(k, id1, "凭证金额录入错误", "r1", 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.scalar("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM ledger_entries")
            .await,
        1_400_000
    );
    assert_eq!(
        pr.reverse_payment(k, id1, "凭证金额录入错误", "r2", 1)
            .await
            .unwrap(),
        Err("err-pay-already-reversed")
    );
    assert_eq!(
        pr.reverse_payment(k, rev, "冲销的冲销", "r3", 1)
            .await
            .unwrap(),
        Err("err-pay-reversal-of-reversal")
    );
    for sql in [
        "UPDATE ledger_entries SET amount_fen = 1",
        "DELETE FROM ledger_entries",
    ] {
        let mut c = app.db.acquire().await.unwrap();
        let r = sqlx::query(sql).execute(&mut *c).await;
        assert!(r.is_err(), "{sql} must be refused by the database");
    }
    // Exact money: 0.10 + 0.20 is 0.30 in the ledger.
    assert!(pr
        .record_payment(&payment(k, 1, "0.10", "k5", a), 1, TERM)
        .await
        .unwrap()
        .is_ok());
    assert!(pr
        .record_payment(&payment(k, 1, "0.20", "k6", a), 1, TERM)
        .await
        .unwrap()
        .is_ok());
    assert_eq!(
        app.scalar(
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM ledger_entries WHERE id > 3"
        )
        .await,
        30
    );
}

#[rocket::async_test]
async fn two_requests_for_the_last_remaining_amount_exactly_one_succeeds() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-LEDGER-02").await;
    let a = approver(&app).await;
    let pr = Procurement::of(state(&app));
    assert!(pr
        .record_payment(&payment(k, 1, "100,000.00", "c0", a), 1, TERM)
        .await
        .unwrap()
        .is_ok());
    for round in 0..5 {
        let (x, y) = (format!("x{round}"), format!("y{round}"));
        let left = if round == 0 { "14,000.00" } else { "0.01" };
        let p1 = payment(k, 1, left, &x, a);
        let p2 = payment(k, 1, left, &y, a);
        let (r1, r2) = tokio::join!(
            pr.record_payment(&p1, 1, TERM),
            pr.record_payment(&p2, 1, TERM)
        );
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        if round == 0 {
            assert!(r1.is_ok() != r2.is_ok(), "exactly one: {r1:?} {r2:?}");
            let refused = if r1.is_ok() { r2 } else { r1 };
            assert_eq!(refused, Err(Refusal::OverInstallment { left_fen: 0 }));
        } else {
            assert!(r1.is_err() && r2.is_err(), "nothing left");
        }
    }
    assert_eq!(
        app.scalar("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM ledger_entries")
            .await,
        11_400_000
    );
}

#[derive(Debug, Clone)]
enum Op {
    Pay { installment: i64, yuan: i64 },
    Reverse { pick: usize },
    AddOn { yuan: i64 },
    Terminate { extra_yuan: i64 },
    Accept,
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        5 => (1i64..=4, 1i64..150_000).prop_map(|(installment, yuan)| Op::Pay { installment, yuan }),
        2 => (0usize..64).prop_map(|pick| Op::Reverse { pick }),
        1 => (1i64..30_000).prop_map(|yuan| Op::AddOn { yuan }),
        1 => (0i64..100_000).prop_map(|extra_yuan| Op::Terminate { extra_yuan }),
        1 => Just(Op::Accept),
    ]
}

/// Random sequences of payments, reversals, add-ons, a termination and the acceptance through
/// the service and the database: after every step the balance is between zero and the cap,
/// equals the sum of the entries, and no installment is overpaid.
#[rocket::async_test]
async fn random_sequences_keep_the_balance_between_zero_and_the_cap() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;
    let app = TestApp::spawn().await;
    let a = approver(&app).await;
    let pr = Procurement::of(state(&app));
    let mut runner = TestRunner::deterministic();
    let sequences = proptest::collection::vec(op(), 10..30);
    for case in 0..6 {
        let ops = sequences.new_tree(&mut runner).unwrap().current();
        app.clock.set(time::macros::datetime!(2026-11-28 02:00 UTC));
        let k = signed_contract(&app, &format!("NB-PROP-{case:02}")).await;
        for (n, o) in ops.iter().enumerate() {
            let key = format!("p{case}-{n}");
            match o {
                Op::Pay { installment, yuan } => {
                    let amount = format!("{yuan}");
                    let _ = pr
                        .record_payment(&payment(k, *installment, &amount, &key, a), 1, TERM)
                        .await;
                }
                Op::Reverse { pick } => {
                    let ids: Vec<i64> = {
                        let mut c = app.db.acquire().await.unwrap();
                        sqlx::query_scalar(
                            "SELECT id FROM ledger_entries WHERE contract_id = $1 ORDER BY id",
                        )
                        .bind(k)
                        .fetch_all(&mut *c)
                        .await
                        .unwrap()
                    };
                    if !ids.is_empty() {
                        let _ = pr
                            .reverse_payment(k, ids[pick % ids.len()], "随机冲销测试", &key, 1)
                            .await
                            .unwrap();
                    }
                }
                Op::AddOn { yuan } => {
                    let _ = pr
                        .add_on(k, yuan * 100, "signing", None, "增加服务对象", 1)
                        .await
                        .unwrap();
                }
                Op::Terminate { extra_yuan } => {
                    let paid = sum(&app, k).await;
                    let _ = pr
                        .terminate(k, paid + extra_yuan * 100, "服务对象迁出，提前终止", 1)
                        .await
                        .unwrap();
                }
                Op::Accept => {
                    let _ = pr.accept_final(k, "", 1).await.unwrap();
                }
            }
            let paid = sum(&app, k).await;
            let (cap, over) = {
                let mut c = app.db.acquire().await.unwrap();
                let kk = huoban::delivery::contract::by_id(&mut c, k)
                    .await
                    .unwrap()
                    .unwrap();
                let cap = huoban::delivery::ledger::cap(&mut c, &kk).await.unwrap();
                let over: i64 = sqlx::query_scalar(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM installments i WHERE i.contract_id = $1 AND \
                     ((SELECT CAST(COALESCE(SUM(e.amount_fen), 0) AS BIGINT) FROM ledger_entries e \
                       WHERE e.contract_id = i.contract_id AND e.installment_pos = i.pos) NOT BETWEEN 0 AND i.amount_fen)",
                )
                .bind(k)
                .fetch_one(&mut *c)
                .await
                .unwrap();
                (cap, over)
            };
            assert!(
                (0..=cap).contains(&paid),
                "case {case} step {n} {o:?}: paid {paid} cap {cap}"
            );
            assert_eq!(
                over, 0,
                "case {case} step {n} {o:?}: an installment is overpaid"
            );
            let (kept, summed) = spending(&app).await;
            assert_eq!(
                kept, summed,
                "case {case} step {n} {o:?}: the spending chart's running sums are the entries'"
            );
            assert_eq!(
                kept_drift(&app).await,
                Vec::<String>::new(),
                "case {case} step {n} {o:?}"
            );
            assert_eq!(
                payable_read_together(&app).await,
                Vec::<String>::new(),
                "case {case} step {n} {o:?}"
            );
        }
    }
}

/// Every contract whose installments payable now, read together for a page
/// (`ledger::payable_now_many`), differ from the same read for the contract alone
/// (`ledger::payable_now`).
async fn payable_read_together(app: &TestApp) -> Vec<String> {
    let mut c = app.db.acquire().await.unwrap();
    let now = app.clock.now_ms();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM contracts ORDER BY id DESC")
        .fetch_all(&mut *c)
        .await
        .unwrap();
    let together = huoban::delivery::ledger::payable_now_many(&mut c, &ids, now, TERM)
        .await
        .unwrap();
    assert_eq!(
        together.iter().map(|(k, _)| k.id).collect::<Vec<_>>(),
        ids,
        "every contract, in the order asked"
    );
    let mut out = Vec::new();
    for (k, due) in together {
        let alone = huoban::delivery::ledger::payable_now(&mut c, &k, now, TERM)
            .await
            .unwrap();
        if serde_json::to_value(&due).unwrap() != serde_json::to_value(&alone).unwrap() {
            out.push(format!("contract {}: {due:?} / {alone:?}", k.id));
        }
    }
    out
}

/// The spending chart's running sums (`spending_totals`) and the same sums worked out from
/// every ledger entry, by department and service category.
async fn spending(app: &TestApp) -> (Vec<(i64, String, i64)>, Vec<(i64, String, i64)>) {
    let mut c = app.db.acquire().await.unwrap();
    let kept = sqlx::query_as(
        "SELECT department_id, category_code, paid_fen FROM spending_totals \
         ORDER BY department_id, category_code",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    let summed = sqlx::query_as(
        "SELECT p.department_id, p.category_code, CAST(SUM(e.amount_fen) AS BIGINT) \
         FROM ledger_entries e JOIN contracts k ON k.id = e.contract_id \
         JOIN projects p ON p.id = k.project_id \
         GROUP BY p.department_id, p.category_code ORDER BY p.department_id, p.category_code",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    (kept, summed)
}

async fn sum(app: &TestApp, contract: i64) -> i64 {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM ledger_entries WHERE contract_id = $1")
        .bind(contract)
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

fn form_key(page: &str) -> String {
    let marker = "name=\"key\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_string()
}

#[rocket::async_test]
async fn the_finance_officer_records_through_the_form_once_with_exact_money_and_clear_errors() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-LEDGER-03").await;
    let a = approver(&app).await.to_string();
    app.logout().await;
    app.login_as(("finance@demo.huoban.cn", "demo-finance-2026"))
        .await;
    let path = format!("/finance/contracts/{k}");
    let (s, page) = app.get(&path).await;
    assert_eq!(s, rocket::http::Status::Ok);
    let key = form_key(&page);
    let post = format!("{path}/payments");
    let fields = |amount: &'static str, key: &str| -> Vec<(&'static str, String)> {
        vec![
            ("installment", "1".into()),
            ("amount", amount.into()),
            ("value_date", "2027-01-05".into()),
            ("voucher_no", "记-2027-0001".into()),
            ("payee_account", "6222 0000 1111 2222".into()),
            ("invoice_no", "33021270001".into()),
            ("approved_by", a.clone()),
            ("key", key.to_string()),
        ]
    };
    for (bad, message) in [
        ("1,000.005", "金额最多精确到分"),
        ("abc", "请按“1234.56”或“1,234.56”的格式填写金额"),
    ] {
        let f = fields(bad, &key);
        let body: Vec<(&str, &str)> = f.iter().map(|(x, y)| (*x, y.as_str())).collect();
        let r = app.post(&post, &body).await;
        assert_eq!(r.status(), rocket::http::Status::UnprocessableEntity);
        assert!(r.into_string().await.unwrap().contains(message), "{bad}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM ledger_entries").await, 0);
    // A double submission of the same form: one entry.
    let f = fields("0.10", &key);
    let body: Vec<(&str, &str)> = f.iter().map(|(x, y)| (*x, y.as_str())).collect();
    for _ in 0..2 {
        let r = app.post(&post, &body).await;
        assert_eq!(r.status(), rocket::http::Status::SeeOther);
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM ledger_entries").await, 1);
    let (_, page) = app.get(&path).await;
    let f = fields("0.20", &form_key(&page));
    let body: Vec<(&str, &str)> = f.iter().map(|(x, y)| (*x, y.as_str())).collect();
    assert_eq!(
        app.post(&post, &body).await.status(),
        rocket::http::Status::SeeOther
    );
    let (_, page) = app.get(&path).await;
    // 0.10 + 0.20 = 0.30 exactly, and the remainder to the fen.
    assert!(page.contains("¥0.30") && page.contains("¥379,999.70"));
    // Over the installment: refused with what is left.
    let f = fields("114,000.00", &form_key(&page));
    let body: Vec<(&str, &str)> = f.iter().map(|(x, y)| (*x, y.as_str())).collect();
    let r = app.post(&post, &body).await;
    assert_eq!(r.status(), rocket::http::Status::UnprocessableEntity);
    assert!(r.into_string().await.unwrap().contains("¥113,999.70"));
    // The public contract page shows totals and dates, never the account.
    app.logout().await;
    let (_, public) = app.get(&format!("/contracts/{k}")).await;
    assert!(public.contains("¥0.30") && !public.contains("6222 0000 1111 2222"));
    // Only finance officers reach the ledger.
    app.login_as(NGO_ADMIN).await;
    let (s, _) = app.get(&path).await;
    assert_eq!(s, rocket::http::Status::Forbidden);
}

#[rocket::async_test]
async fn the_largest_amount_round_trips_through_form_database_and_pages() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-LEDGER-04").await;
    let a = approver(&app).await.to_string();
    // A contract of ¥999,999,999.99 whose first installment takes all but the other two.
    let (second, third): (i64, i64) = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as(
            "SELECT (SELECT amount_fen FROM installments WHERE contract_id = $1 AND pos = 2), \
             (SELECT amount_fen FROM installments WHERE contract_id = $1 AND pos = 3)",
        )
        .bind(k)
        .fetch_one(&mut *c)
        .await
        .unwrap()
    };
    let first = 99_999_999_999 - second - third;
    {
        let mut c = app.db.acquire().await.unwrap();
        for (sql, v) in [
            (
                "UPDATE contracts SET amount_fen = $2 WHERE id = $1",
                99_999_999_999,
            ),
            (
                "UPDATE installments SET amount_fen = $2 WHERE contract_id = $1 AND pos = 1",
                first,
            ),
        ] {
            sqlx::query(sql)
                .bind(k)
                .bind(v)
                .execute(&mut *c)
                .await
                .unwrap();
        }
    }
    app.logout().await;
    app.login_as(("finance@demo.huoban.cn", "demo-finance-2026"))
        .await;
    let path = format!("/finance/contracts/{k}");
    let (_, page) = app.get(&path).await;
    let amount = Money::from_fen(first).grouped();
    let key = form_key(&page);
    let r = app
        .post(
            &format!("{path}/payments"),
            &[
                ("installment", "1"),
                ("amount", amount.as_str()),
                ("value_date", "2027-01-05"),
                ("voucher_no", "记-2027-0009"),
                ("payee_account", "6222 0000 1111 2222"),
                ("invoice_no", "33021270009"),
                ("approved_by", a.as_str()),
                ("key", key.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), rocket::http::Status::SeeOther);
    assert_eq!(
        app.scalar("SELECT CAST(SUM(amount_fen) AS BIGINT) FROM ledger_entries")
            .await,
        first
    );
    let (_, fin) = app.get("/finance").await;
    let spending = fin.split("id=\"spending\"").nth(1).unwrap_or_default();
    assert!(
        spending.contains("<svg") && spending.contains(&format!("¥{amount}")),
        "the spending chart and its table show the payment"
    );
    app.logout().await;
    let (_, stats) = app.get("/statistics").await;
    assert!(stats.contains(&format!("¥{amount}")), "public statistics");
    let (_, public) = app.get(&format!("/contracts/{k}")).await;
    assert!(public.contains("¥999,999,999.99"), "the cap to the fen");
    assert!(
        public.contains(&format!("¥{amount}")),
        "the payment to the fen"
    );
    let json = serde_json::to_string(&Money::from_fen(first)).unwrap();
    assert_eq!(serde_json::from_str::<Money>(&json).unwrap().fen(), first);
}

//! The disbursement ledger (DOMAIN §6, issue 8), on SQLite and PostgreSQL: payments only on
//! payable installments and within them, one entry per idempotency key, reversals instead of
//! edits (the database refuses updates and deletes), exact money, and two concurrent requests
//! for the last remaining amount: exactly one succeeds.

use crate::award::signed_contract;
use crate::evaluation_flow::int;
use crate::helpers::*;
use crate::procurement::state;
use huoban::domain::ledger::Refusal;
use huoban::domain::money::Money;
use huoban::ledger::Payment;
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

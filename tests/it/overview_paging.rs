//! The finance officer's and the purchaser's delivery overviews page by keyset (issue 26,
//! item 2): every open contract once across the pages, the payable and overdue installments
//! found through the running sum the ledger keeps beside each installment (a payment takes an
//! installment off the list, its reversal puts it back), the overdue list from the day after
//! the term, and a page key that is not one refused with a 400.

use crate::award::signed_contract;
use crate::evaluation_flow::{exec, int};
use crate::helpers::*;
use crate::procurement::state;
use huoban::delivery::ledger::Payment;
use huoban::delivery::overview::{overview, Cursors, Overview};
use huoban::procurement::Procurement;
use rocket::http::Status;
use time::macros::date;

const DAY: i64 = 86_400_000;

/// The signed contract `k` and two more from the same award, with the project's other two
/// bidders entered as winners (a test's shortcut: the rows as the contract form writes them,
/// published 1 and 2 ms later), each with the same plan: 30 % on signing, 40 % on the review
/// 中期评估, 30 % on acceptance.
async fn three_contracts(app: &TestApp) -> Vec<i64> {
    let k = signed_contract(app, "NB-PAGE-01").await;
    exec(
        app,
        &format!(
            "INSERT INTO award_winners (award_id, bid_id, org_id, rank, amount_fen, status, created_at) \
             SELECT w.award_id, b.id, b.org_id, 1, w.amount_fen, 'winner', w.created_at FROM contracts k \
             JOIN award_winners w ON w.id = k.winner_id JOIN bids b ON b.project_id = k.project_id \
             WHERE k.id = {k} AND b.id <> w.bid_id"
        ),
    )
    .await;
    let others: Vec<i64> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar(
            "SELECT w.id FROM award_winners w JOIN contracts k ON k.award_id = w.award_id \
             WHERE k.id = $1 AND w.id <> k.winner_id ORDER BY w.id",
        )
        .bind(k)
        .fetch_all(&mut *c)
        .await
        .unwrap()
    };
    assert_eq!(others.len(), 2, "the other two ranked bidders");
    let mut ids = vec![k];
    for (n, w) in others.iter().enumerate() {
        let n = n + 1;
        exec(
            app,
            &format!(
                "INSERT INTO contracts (project_id, award_id, winner_id, org_id, kind, amount_fen, starts_on, ends_on, \
                 term_reason, signed_at, signed_by, published_at, filing_due_at) \
                 SELECT k.project_id, k.award_id, {w}, w.org_id, k.kind, k.amount_fen, k.starts_on, k.ends_on, k.term_reason, \
                 k.signed_at, k.signed_by, k.published_at + {n}, k.filing_due_at FROM contracts k \
                 JOIN award_winners w ON w.id = {w} WHERE k.id = {k}"
            ),
        )
        .await;
        let id = int(
            app,
            "SELECT MAX(id) FROM contracts WHERE winner_id = CAST($1 AS BIGINT)",
            &w.to_string(),
        )
        .await;
        exec(
            app,
            &format!(
                "INSERT INTO installments (contract_id, pos, amount_fen, condition, review_name) \
                 SELECT {id}, pos, amount_fen, condition, review_name FROM installments WHERE contract_id = {k}"
            ),
        )
        .await;
        ids.push(id);
    }
    ids
}

async fn look(app: &TestApp, at: Cursors, page: i64) -> Overview {
    let mut c = app.db.acquire().await.unwrap();
    overview(&mut c, None, app.clock.now_ms(), at, page)
        .await
        .unwrap()
}

fn payable_ids(o: &Overview) -> Vec<(i64, i64)> {
    o.payable.iter().map(|l| (l.k.id, l.i.pos)).collect()
}

#[rocket::async_test]
async fn every_open_contract_once_across_pages_and_payments_move_the_payable_list() {
    let app = TestApp::spawn().await;
    let ks = three_contracts(&app).await;
    // Contracts in delivery, newest first, two a page.
    let first = look(&app, Cursors::default(), 2).await;
    let got: Vec<i64> = first.rows.iter().map(|r| r.k.id).collect();
    assert_eq!(got, vec![ks[2], ks[1]]);
    let key = first.next_rows.expect("a second page");
    let second = look(
        &app,
        Cursors {
            rows: Some(key),
            ..Cursors::default()
        },
        2,
    )
    .await;
    let got: Vec<i64> = second.rows.iter().map(|r| r.k.id).collect();
    assert_eq!(got, vec![ks[0]]);
    assert!(second.next_rows.is_none(), "the last page says so");
    // Exactly a page: no next page.
    let all = look(&app, Cursors::default(), 3).await;
    assert_eq!(all.rows.len(), 3);
    assert!(all.next_rows.is_none());
    let cap = all.rows[0].amount_fen;
    assert_eq!(all.rows[0].paid_fen, 0);
    assert!(cap > 0);

    // Installment 1 (on signing) of each is payable; oldest contracts first, two a page.
    assert_eq!(payable_ids(&first), vec![(ks[0], 1), (ks[1], 1)]);
    assert_eq!(first.next_payable, Some(ks[1]));
    let rest = look(
        &app,
        Cursors {
            payable: ks[1],
            ..Cursors::default()
        },
        2,
    )
    .await;
    assert_eq!(payable_ids(&rest), vec![(ks[2], 1)]);
    assert_eq!(rest.next_payable, None);

    // Paying the middle contract's first installment to the fen takes it off the list; a fen
    // short leaves it there with one fen left.
    let a = int(&app, "SELECT id FROM users WHERE email = $1", PURCHASER.0).await;
    let pr = Procurement::of(state(&app));
    let owed = all
        .payable
        .iter()
        .find(|l| l.k.id == ks[1])
        .unwrap()
        .left_fen;
    let pay = |fen: i64, key: &'static str| Payment {
        contract: ks[1],
        installment: 1,
        amount_fen: fen,
        value_date: date!(2027 - 01 - 05),
        voucher_no: "记-2027-0101",
        payee_account: "6222 0000 1111 2222",
        invoice_no: "33021270101",
        approved_by: a,
        key,
    };
    let (p1, _) = pr
        .record_payment(&pay(owed - 1, "pg1"), 1, 30)
        .await
        .unwrap()
        .unwrap();
    let o = look(&app, Cursors::default(), 3).await;
    let line = o
        .payable
        .iter()
        .find(|l| l.k.id == ks[1])
        .expect("one fen left");
    assert_eq!(line.left_fen, 1);
    let row = o.rows.iter().find(|r| r.k.id == ks[1]).unwrap();
    assert_eq!(row.paid_fen, owed - 1);
    pr.record_payment(&pay(1, "pg2"), 1, 30)
        .await
        .unwrap()
        .unwrap();
    let o = look(&app, Cursors::default(), 3).await;
    assert_eq!(
        payable_ids(&o),
        vec![(ks[0], 1), (ks[2], 1)],
        "paid in full: off the list"
    );
    assert_eq!(
        int(
            &app,
            "SELECT paid_fen FROM installments WHERE contract_id = CAST($1 AS BIGINT) AND pos = 1",
            &ks[1].to_string()
        )
        .await,
        owed
    );
    // Reversing the first payment puts it back with what it reversed left to pay.
    pr.reverse_payment(ks[1], p1, "凭证金额录入错误", "pg3", a)
        .await
        .unwrap()
        .unwrap();
    let o = look(&app, Cursors::default(), 3).await;
    let line = o
        .payable
        .iter()
        .find(|l| l.k.id == ks[1])
        .expect("back on the list");
    assert_eq!(line.left_fen, owed - 1);
}

#[rocket::async_test]
async fn an_installment_is_overdue_from_the_first_instant_after_the_term() {
    let app = TestApp::spawn().await;
    let ks = three_contracts(&app).await;
    let signed = int(
        &app,
        "SELECT signed_at FROM contracts WHERE id = CAST($1 AS BIGINT)",
        &ks[0].to_string(),
    )
    .await;
    // The term is 30 calendar days from signing (the settings' default).
    app.clock
        .set(huoban::platform::clock::from_ms(signed + 30 * DAY));
    let o = look(&app, Cursors::default(), 20).await;
    assert_eq!(o.payable.len(), 3);
    assert!(o.overdue.is_empty(), "at the term's end: not yet overdue");
    app.clock
        .set(huoban::platform::clock::from_ms(signed + 30 * DAY + 1));
    let o = look(&app, Cursors::default(), 2).await;
    let overdue: Vec<i64> = o.overdue.iter().map(|l| l.k.id).collect();
    assert_eq!(
        overdue,
        vec![ks[0], ks[1]],
        "one instant later: overdue, two a page"
    );
    assert_eq!(o.overdue[0].i.overdue_days, Some(0));
    assert_eq!(o.next_overdue, Some(ks[1]));
    let rest = look(
        &app,
        Cursors {
            overdue: ks[1],
            ..Cursors::default()
        },
        2,
    )
    .await;
    let overdue: Vec<i64> = rest.overdue.iter().map(|l| l.k.id).collect();
    assert_eq!(overdue, vec![ks[2]]);
}

#[rocket::async_test]
async fn the_pages_follow_their_keys_and_refuse_keys_that_are_not_ones() {
    let app = TestApp::spawn().await;
    let ks = three_contracts(&app).await;
    app.logout().await;
    app.login_as(("finance@demo.huoban.cn", "demo-finance-2026"))
        .await;
    let (s, page) = app.get("/finance").await;
    let page = page.replace("&#x2F;", "/");
    assert_eq!(s, Status::Ok);
    for k in &ks {
        assert!(
            page.contains(&format!("/finance/contracts/{k}\"")),
            "contract {k} listed"
        );
    }
    assert!(!page.contains("after="), "one page: no next-page link");
    let published = int(
        &app,
        "SELECT published_at FROM contracts WHERE id = CAST($1 AS BIGINT)",
        &ks[2].to_string(),
    )
    .await;
    let (s, page) = app
        .get(&format!("/finance?after={published}-{}", ks[2]))
        .await;
    let page = page.replace("&#x2F;", "/");
    assert_eq!(s, Status::Ok);
    let contracts = page.split("id=\"contracts\"").nth(1).unwrap_or_default();
    let contracts = contracts
        .split("id=\"spending\"")
        .next()
        .unwrap_or_default();
    assert!(!contracts.contains(&format!("/finance/contracts/{}\"", ks[2])));
    assert!(contracts.contains(&format!("/finance/contracts/{}\"", ks[1])));
    assert!(
        page.contains("href=\"/finance\""),
        "a way back to the first page"
    );
    for bad in [
        "after=abc",
        "after=12",
        "after=1-x",
        "payable_after=-1",
        "overdue_after=x",
    ] {
        let (s, body) = app.get(&format!("/finance?{bad}")).await;
        assert_eq!(s, Status::BadRequest, "{bad}");
        assert!(body.contains("页码链接无效"), "{bad}: says what is wrong");
    }
    app.logout().await;
    app.login_as(PURCHASER).await;
    let (s, page) = app
        .get(&format!("/purchase/delivery?after={published}-{}", ks[2]))
        .await;
    let page = page.replace("&#x2F;", "/");
    assert_eq!(s, Status::Ok);
    assert!(page.contains(&format!("/purchase/contracts/{}\"", ks[0])));
    let (s, _) = app.get("/purchase/delivery?after=nope").await;
    assert_eq!(s, Status::BadRequest);
}

//! Notices as official documents (issue 21 item 6): the register of document numbers gives
//! each notice one number, the next of its kind in its year of issue, never changed.

use crate::helpers::TestApp;
use huoban::db::documents::{self, IssuerRef};
use huoban::domain::docnum::DocKind;

#[rocket::async_test]
async fn each_notice_gets_one_number_the_next_of_its_kind_in_its_year() {
    let app = TestApp::spawn().await;
    let mut tx = app.db.begin_write().await.expect("tx");
    let a = DocKind::Acceptance;
    let one = documents::assign(&mut tx, a, 11, "330203", "2026-12-31", 1)
        .await
        .expect("first");
    assert_eq!(one.number, "（330203）民登受字〔2026〕第1号");
    let two = documents::assign(&mut tx, a, 12, "330200", "2026-12-31", 2)
        .await
        .expect("second");
    assert_eq!(two.number, "（330200）民登受字〔2026〕第2号");
    // A new year starts again at 1; another kind has its own sequence.
    let next_year = documents::assign(&mut tx, a, 13, "330203", "2027-01-01", 3)
        .await
        .expect("next year");
    assert_eq!(next_year.number, "（330203）民登受字〔2027〕第1号");
    let other = documents::assign(&mut tx, DocKind::Refusal, 11, "330203", "2026-12-31", 4)
        .await
        .expect("other kind");
    assert_eq!(other.number, "（330203）民登不予字〔2026〕第1号");
    // The same notice asked again keeps its number and its date.
    let again = documents::assign(&mut tx, a, 11, "330203", "2027-02-02", 5)
        .await
        .expect("again");
    assert_eq!(again, one);
    assert_eq!(again.issued_on, "2026-12-31");
    // A date that is no date gets no number.
    assert!(documents::assign(&mut tx, a, 14, "", "31/12/2026", 6)
        .await
        .is_err());
    tx.commit().await.expect("commit");
    // The register is append-only.
    let mut c = app.db.acquire().await.expect("conn");
    assert!(
        sqlx::query("UPDATE document_numbers SET seq = 9 WHERE subject_id = 11")
            .execute(&mut *c)
            .await
            .is_err()
    );
    assert!(sqlx::query("DELETE FROM document_numbers")
        .execute(&mut *c)
        .await
        .is_err());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM document_numbers").await, 4);
}

#[rocket::async_test]
async fn issuers_print_their_contact() {
    let app = TestApp::spawn().await;
    let mut c = app.db.acquire().await.expect("conn");
    let id = app.scalar("SELECT MIN(id) FROM authorities").await;
    documents::set_contact(&mut c, IssuerRef::Authority(id), "0574-1", "某路 1 号")
        .await
        .expect("set");
    let i = documents::issuer(&mut c, IssuerRef::Authority(id))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        (i.phone.as_str(), i.address.as_str()),
        ("0574-1", "某路 1 号")
    );
    assert!(documents::issuer(&mut c, IssuerRef::Department(999_999))
        .await
        .expect("read")
        .is_none());
}

/// A decision made before decisions were numbered (simulated by deciding the demo's complaint
/// in the database): numbered the first time it is printed, once, even by two first prints at
/// the same moment, dated the day it was made. The public reads the findings and the decision,
/// not the complainant's own text; the supervisor and the complainant read it all.
#[rocket::async_test]
async fn an_earlier_decision_is_numbered_when_first_printed_and_its_complaint_text_stays_with_the_parties(
) {
    use crate::procurement::CHARITY;
    use crate::suppliers::SUPERVISOR;
    use rocket::http::Status;
    let app = TestApp::spawn().await;
    let k = app.scalar("SELECT MAX(id) FROM complaints").await;
    let url = format!("/complaints/{k}/decision");
    assert_eq!(app.get(&url).await.0, Status::NotFound, "not decided yet");
    let decided_at = app
        .scalar("SELECT filed_at FROM complaints ORDER BY id DESC LIMIT 1")
        .await
        + 3 * 24 * 3600 * 1000;
    {
        let mut c = app.db.acquire().await.expect("conn");
        sqlx::query(
            "UPDATE complaints SET outcome = 'dismissed', decision = '投诉事项缺乏事实依据，驳回投诉。', \
             decided_at = $1, decided_by = (SELECT id FROM users WHERE email = 'supervisor@demo.huoban.cn') WHERE id = $2",
        )
        .bind(decided_at)
        .bind(k)
        .execute(&mut *c)
        .await
        .expect("decide");
    }
    let (a, b) = rocket::tokio::join!(
        app.client.get(url.clone()).dispatch(),
        app.client.get(url.clone()).dispatch()
    );
    assert_eq!((a.status(), b.status()), (Status::Ok, Status::Ok));
    let (a, b) = (
        a.into_string().await.unwrap_or_default(),
        b.into_string().await.unwrap_or_default(),
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM document_numbers WHERE kind = 'complaint_decision'")
            .await,
        1,
        "one number for one decision"
    );
    let number = app
        .text("SELECT number || ' ' || issued_on FROM document_numbers WHERE kind = 'complaint_decision'")
        .await;
    let (number, issued_on) = number.split_once(' ').expect("number and date");
    assert_eq!(issued_on, huoban::platform::documents::day_of(decided_at));
    assert!(a.contains(number) && b.contains(number), "{a}");
    // The complaint's own text is the parties'.
    let own = "采购人的答复未提供系统日志原件";
    assert!(!a.contains(own) && a.contains("不予公开"));
    app.login_as(SUPERVISOR).await;
    assert!(app.get(&url).await.1.contains(own));
    app.logout().await;
    app.login_as(CHARITY).await;
    let (_, mine) = app.get(&url).await;
    assert!(mine.contains(own) && mine.contains(number));
}

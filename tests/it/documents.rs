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

//! Evaluation: the indicator standards the application starts with.

use crate::helpers::*;

#[rocket::async_test]
async fn the_built_in_standards_are_loaded_once_at_start() {
    let app = TestApp::spawn().await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM eval_standards").await, 12);
    let mut c = app.db.acquire().await.unwrap();
    for t in ["social_group", "social_service_institution", "foundation"] {
        let (_, s) = huoban::db::standards::latest(&mut c, t)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.base_total(), rust_decimal::Decimal::from(1000), "{t}");
    }
    let text = huoban::domain::standard::BUILT_IN[1].1;
    let (loaded, _) = huoban::db::standards::load(&mut c, text, 0).await.unwrap();
    assert!(matches!(
        loaded,
        huoban::db::standards::Loaded::Unchanged(_)
    ));
    drop(c);
    // A second start adds nothing and writes no audit entry.
    let before = app.scalar("SELECT COUNT(*) FROM audit_log").await;
    huoban::platform::app::prepare(&app.db, &app.resolved, &app.clock)
        .await
        .unwrap();
    assert_eq!(app.scalar("SELECT COUNT(*) FROM eval_standards").await, 12);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log").await, before);
}

//! Related suppliers (政府采购法实施条例 art. 18; issue 22, item 6): two suppliers with the same
//! person in charge, or where one directly controls or manages the other, may not both bid for
//! one contract. The second is refused at sealing with the reason (not the other's name) and
//! nothing is written; a pair that appears after both sealed is flagged at qualification.

use crate::evaluation_flow::sunshine;
use crate::helpers::*;
use crate::procurement::{publish_project, state, CHARITY, PROPOSAL};
use huoban::procurement::bidding::BidInput;
use huoban::procurement::Procurement;
use rocket::http::Status;
use time::macros::datetime;

const HEAD_ID: &str = "11010519491231002X";

async fn project(app: &TestApp, id: i64) -> huoban::db::projects::Project {
    let mut c = app.db.acquire().await.unwrap();
    huoban::db::projects::by_id(&mut c, id)
        .await
        .unwrap()
        .unwrap()
}

async fn bid(app: &TestApp, id: i64, org: i64) -> Result<(), &'static str> {
    let p = project(app, id).await;
    let input = BidInput {
        price: huoban::domain::money::Money::parse("380000").unwrap(),
        proposal: PROPOSAL.into(),
        files: vec![],
    };
    Procurement::of(state(app))
        .submit_bid(&p, org, 1, "initial", input)
        .await
        .unwrap()
        .map(|_| ())
}

async fn declare(app: &TestApp, who: (&str, &str), org: i64, fields: &[(&str, &str)]) -> Status {
    app.logout().await;
    app.login_as(who).await;
    app.post(&format!("/orgs/{org}/relations"), fields)
        .await
        .status()
}

async fn uscc(app: &TestApp, org: i64) -> String {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_scalar("SELECT uscc FROM organizations WHERE id = $1")
        .bind(org)
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

#[rocket::async_test]
async fn a_bidder_with_the_same_person_in_charge_as_one_that_bid_is_refused_and_nothing_is_written()
{
    let app = TestApp::spawn().await;
    let sun = sunshine(&app).await;
    // A bad ID number is refused on the form and nothing is recorded.
    let head = [("kind", "head"), ("name", "王芳"), ("id_number", HEAD_ID)];
    let bad = [
        ("kind", "head"),
        ("name", "王芳"),
        ("id_number", "110105194912310021"),
    ];
    assert_eq!(
        declare(&app, NGO_ADMIN, sun, &bad).await,
        Status::UnprocessableEntity
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM org_relations").await, 0);
    assert_eq!(declare(&app, NGO_ADMIN, sun, &head).await, Status::SeeOther);
    let (_, page) = app.get(&format!("/orgs/{sun}/relations")).await;
    assert!(page.contains("王芳（110105********002X）"), "{page}");
    assert!(!page.contains(HEAD_ID), "the number itself is not kept");
    // The charity's admin names the same person: a declaration is not a bid, it is recorded.
    assert_eq!(declare(&app, CHARITY, 4, &head).await, Status::SeeOther);
    app.logout().await;
    app.login_as(PURCHASER).await;
    let id = publish_project(&app, "NB-RELATED-01", "consultation", "2026-12-20T10:00").await;
    assert_eq!(bid(&app, id, sun).await, Ok(()));
    let before = app.scalar("SELECT COUNT(*) FROM bids").await;
    assert_eq!(bid(&app, id, 4).await, Err("err-bid-related-same_head"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bids").await, before);
    // The volunteers (no relation) bid.
    assert_eq!(bid(&app, id, 3).await, Ok(()));
    // Once the charity's declaration names someone else, it is no longer related: it bids.
    let other = [
        ("kind", "head"),
        ("name", "李强"),
        ("id_number", "440524188001010014"),
    ];
    assert_eq!(declare(&app, CHARITY, 4, &other).await, Status::SeeOther);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM org_relations WHERE org_id = 4 AND ended_at IS NULL")
            .await,
        1,
        "a new person in charge ends the one before"
    );
    assert_eq!(bid(&app, id, 4).await, Ok(()));
    // After both sealed, the charity corrects its declaration back to the shared person: the
    // pair is flagged to the purchaser at qualification, on both bids.
    assert_eq!(declare(&app, CHARITY, 4, &head).await, Status::SeeOther);
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    Procurement::of(state(&app)).run_due().await.unwrap();
    app.logout().await;
    app.login_as(PURCHASER).await;
    let (_, manage) = app.get(&format!("/purchase/projects/{id}")).await;
    assert_eq!(
        manage.matches("关联供应商（单位负责人为同一人）").count(),
        2,
        "{manage}"
    );
}

#[rocket::async_test]
async fn a_bidder_directly_controlled_by_one_that_bid_is_refused_whichever_side_declared_it() {
    let app = TestApp::spawn().await;
    let sun = sunshine(&app).await;
    let sun_code = uscc(&app, sun).await;
    let charity_code = uscc(&app, 4).await;
    app.login_as(PURCHASER).await;
    let id = publish_project(&app, "NB-RELATED-02", "consultation", "2026-12-20T10:00").await;
    assert_eq!(bid(&app, id, sun).await, Ok(()));
    // Its own code cannot be declared; a wrong code is refused on the form.
    let own = [
        ("kind", "controls"),
        ("name", "阳光"),
        ("uscc", charity_code.as_str()),
    ];
    assert_eq!(
        declare(&app, CHARITY, 4, &own).await,
        Status::UnprocessableEntity
    );
    let mut wrong = sun_code.clone();
    wrong.pop();
    wrong.push(if sun_code.ends_with('0') { '1' } else { '0' });
    let bad = [
        ("kind", "controlled_by"),
        ("name", "阳光"),
        ("uscc", wrong.as_str()),
    ];
    assert_eq!(
        declare(&app, CHARITY, 4, &bad).await,
        Status::UnprocessableEntity
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM org_relations").await, 0);
    // The charity declares that sunshine directly controls it: its bid is refused.
    let by = [
        ("kind", "controlled_by"),
        ("name", "阳光"),
        ("uscc", sun_code.as_str()),
    ];
    assert_eq!(declare(&app, CHARITY, 4, &by).await, Status::SeeOther);
    assert_eq!(bid(&app, id, 4).await, Err("err-bid-related-control"));
    let decl = app.scalar("SELECT MAX(id) FROM org_relations").await;
    let r = app
        .post(&format!("/orgs/4/relations/{decl}/end"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    // Sunshine declares from its side that it manages the charity: refused all the same.
    let manages = [
        ("kind", "controls"),
        ("name", "慈善会"),
        ("uscc", charity_code.as_str()),
    ];
    assert_eq!(
        declare(&app, NGO_ADMIN, sun, &manages).await,
        Status::SeeOther
    );
    assert_eq!(bid(&app, id, 4).await, Err("err-bid-related-control"));
    // Another organization's admin cannot declare or end for it.
    let decl = app.scalar("SELECT MAX(id) FROM org_relations").await;
    assert_eq!(
        declare(&app, CHARITY, sun, &manages).await,
        Status::Forbidden
    );
    let r = app
        .post(&format!("/orgs/{sun}/relations/{decl}/end"), &[])
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    // Ended by its own admin, the relation no longer stands.
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let r = app
        .post(&format!("/orgs/{sun}/relations/{decl}/end"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(bid(&app, id, 4).await, Ok(()));
}

/// A person who is a member of two bidding organizations reads, on each organization's page,
/// only that organization's bid.
#[rocket::async_test]
async fn a_member_of_two_bidders_sees_only_the_bid_of_the_organization_it_acts_for() {
    let app = TestApp::spawn().await;
    let sun = sunshine(&app).await;
    app.login_as(PURCHASER).await;
    let id = publish_project(&app, "NB-RELATED-03", "consultation", "2026-12-20T10:00").await;
    let p = project(&app, id).await;
    let pr = Procurement::of(state(&app));
    for (org, price) in [(sun, "381234.56"), (3, "376543.21")] {
        let input = BidInput {
            price: huoban::domain::money::Money::parse(price).unwrap(),
            proposal: PROPOSAL.into(),
            files: vec![],
        };
        assert!(pr
            .submit_bid(&p, org, 1, "initial", input)
            .await
            .unwrap()
            .is_ok());
    }
    app.logout().await;
    app.login_as(NGO_MEMBER).await;
    let (s, own) = app.get(&format!("/projects/NB-RELATED-03/bid/{sun}")).await;
    assert_eq!(s, Status::Ok);
    assert!(
        own.contains("381,234.56") && !own.contains("376,543.21"),
        "{own}"
    );
    let (_, other) = app.get("/projects/NB-RELATED-03/bid/3").await;
    assert!(
        other.contains("376,543.21") && !other.contains("381,234.56"),
        "{other}"
    );
    let (s, _) = app.get("/projects/NB-RELATED-03/bid/4").await;
    assert_eq!(s, Status::Forbidden, "not a member of the charity");
}

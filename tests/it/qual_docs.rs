//! Qualification documents (issue 21 item 3): a project lists the documents it requires (the
//! checklist and its own), its notice shows them; a bid lacking one is refused naming it, with
//! nothing written, and accepted with all; which file is which document is sealed with the bid,
//! so nothing shows before the opening; after it the qualification check lists each bidder's
//! documents with a link (through the reading route, which records the read) and its digest,
//! and a document a bid lacks as missing.

use crate::evaluation_flow::{int, sunshine, switch};
use crate::helpers::*;
use crate::procurement::{project_fields, state, PROPOSAL};
use huoban::domain::qualdocs::{QualDoc, Requirement, MAX_ADDED, MAX_NAME_CHARS};
use huoban::procurement::bidding::{BidInput, PlainFile};
use huoban::procurement::Procurement;
use rocket::http::{ContentType, Status};
use time::macros::datetime;

const ADDED: &str = "养老机构备案回执";

fn pdf(tag: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {tag}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n").into_bytes()
}

/// The project form with the checklist's registration and tax records and one added document.
fn fields<'a>(number: &'a str, added: &'a [String]) -> Vec<(&'a str, &'a str)> {
    let mut f = project_fields(number, "consultation", "2026-12-20T10:00");
    f.push(("qual_doc", "registration"));
    f.push(("qual_doc", "tax"));
    for a in added {
        f.push(("qual_added", a.as_str()));
    }
    f
}

async fn create_and_publish(app: &TestApp, number: &str) -> i64 {
    let added = vec![ADDED.to_string(), String::new()];
    let r = app
        .post("/purchase/projects", &fields(number, &added))
        .await;
    assert_eq!(
        r.status(),
        Status::SeeOther,
        "{}",
        r.into_string().await.unwrap_or_default()
    );
    let id = int(app, "SELECT id FROM projects WHERE number = $1", number).await;
    let r = app
        .post(&format!("/purchase/projects/{id}/publish"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    id
}

async fn project(app: &TestApp, id: i64) -> huoban::db::projects::Project {
    let mut c = app.db.acquire().await.unwrap();
    huoban::db::projects::by_id(&mut c, id)
        .await
        .unwrap()
        .unwrap()
}

/// A bid's multipart body: price, proposal and `qual[i]` files.
fn body(token: &str, qual: &[(usize, &[u8])]) -> (ContentType, Vec<u8>) {
    priced_body(token, "380000", qual)
}

fn priced_body(token: &str, price: &str, qual: &[(usize, &[u8])]) -> (ContentType, Vec<u8>) {
    let names: Vec<(String, String)> = qual
        .iter()
        .map(|(i, _)| (format!("qual[{i}]"), format!("证明{i}.pdf")))
        .collect();
    let files: Vec<Part<'_>> = qual
        .iter()
        .zip(&names)
        .map(|((_, bytes), (field, filename))| Part {
            field,
            filename,
            content_type: "application/pdf",
            bytes,
        })
        .collect();
    crate::helpers::multipart(
        &[("_csrf", token), ("price", price), ("proposal", PROPOSAL)],
        &files,
    )
}

/// Submits a bid as the signed-in organization admin with the given documents.
pub async fn bid_with_docs(
    app: &TestApp,
    number: &str,
    org: i64,
    qual: &[(usize, &[u8])],
) -> (Status, String) {
    let token = app.csrf().await;
    let (ct, body) = body(&token, qual);
    let r = app
        .client
        .post(format!("/projects/{number}/bid/{org}"))
        .header(ct)
        .body(body)
        .dispatch()
        .await;
    (r.status(), r.into_string().await.unwrap_or_default())
}

/// The project's bids and their files.
async fn bids_of(app: &TestApp, number: &str) -> (i64, i64) {
    let bids = int(
        app,
        "SELECT COUNT(*) FROM bids b JOIN projects p ON p.id = b.project_id WHERE p.number = $1",
        number,
    )
    .await;
    let files = int(
        app,
        "SELECT COUNT(*) FROM bid_files f JOIN bids b ON b.id = f.bid_id \
         JOIN projects p ON p.id = b.project_id WHERE p.number = $1",
        number,
    )
    .await;
    (bids, files)
}

fn stored_files(app: &TestApp) -> usize {
    let dir = state(app).config.uploads_path().join("bids");
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[rocket::async_test]
async fn a_project_lists_its_documents_and_its_notice_shows_them() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    // A new procurement project's form ticks the statutory checklist.
    let (_, form) = app.get("/purchase/projects/new").await;
    for d in QualDoc::ALL {
        assert!(
            form.contains(&format!("name=\"qual_doc\" value=\"{}\" checked", d.code())),
            "{d:?}"
        );
    }
    // Names at their limits: the longest name and the most documents pass, one more does not.
    let long = "证".repeat(MAX_NAME_CHARS + 1);
    let r = app
        .post("/purchase/projects", &fields("NB-QUAL-00", &[long]))
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let page = r.into_string().await.unwrap();
    assert!(page.contains("另需文件的名称不能超过 60 个字"), "{page}");
    // Kept as typed, the ticks included.
    assert!(page.contains("name=\"qual_doc\" value=\"tax\" checked"));
    assert!(!page.contains("name=\"qual_doc\" value=\"financial\" checked"));
    let many: Vec<String> = (0..=MAX_ADDED).map(|i| format!("文件{i}")).collect();
    let r = app
        .post("/purchase/projects", &fields("NB-QUAL-00", &many))
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("另需文件最多 10 项"));
    let twice = vec![ADDED.to_string(), format!(" {ADDED} ")];
    let r = app
        .post("/purchase/projects", &fields("NB-QUAL-00", &twice))
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().await.unwrap().contains("不能重复列出"));
    let listed = app.scalar("SELECT COUNT(*) FROM project_qual_docs").await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM projects WHERE number = 'NB-QUAL-00'")
            .await,
        0
    );
    let mut at_limit: Vec<String> = (1..MAX_ADDED).map(|i| format!("文件{i}")).collect();
    at_limit.push("证".repeat(MAX_NAME_CHARS));
    let r = app
        .post("/purchase/projects", &fields("NB-QUAL-01", &at_limit))
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM project_qual_docs").await,
        listed + 2 + MAX_ADDED as i64
    );
    // Saved and published: the notice lists them, in Chinese and in English.
    let id = create_and_publish(&app, "NB-QUAL-02").await;
    let pr = Procurement::of(state(&app));
    let required = {
        let mut c = app.db.acquire().await.unwrap();
        pr.required_docs(&mut c, &project(&app, id).await)
            .await
            .unwrap()
    };
    assert_eq!(
        required,
        vec![
            Requirement::Listed(QualDoc::Registration),
            Requirement::Listed(QualDoc::Tax),
            Requirement::Added(ADDED.into()),
        ]
    );
    app.logout().await;
    let (_, notice) = app.get("/projects/NB-QUAL-02").await;
    for text in [
        "资格证明文件",
        "营业执照或登记证书",
        "依法缴纳税收的证明材料",
        ADDED,
    ] {
        assert!(notice.contains(text), "{text}");
    }
    assert!(!notice.contains("近三年无重大违法记录声明"));
    // Frozen once published: the draft form is gone, the list stays.
    switch(&app, PURCHASER).await;
    let r = app
        .post(
            &format!("/purchase/projects/{id}"),
            &fields("NB-QUAL-02", &[]),
        )
        .await;
    assert_ne!(r.status(), Status::SeeOther);
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM project_qual_docs q JOIN projects p ON p.id = q.project_id WHERE p.number = $1",
            "NB-QUAL-02"
        )
        .await,
        3
    );
}

#[rocket::async_test]
async fn a_bid_lacking_a_document_is_refused_naming_it_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    create_and_publish(&app, "NB-QUAL-03").await;
    switch(&app, NGO_ADMIN).await;
    let org = sunshine(&app).await;
    let (_, page) = app.get(&format!("/projects/NB-QUAL-03/bid/{org}")).await;
    for i in 0..3 {
        assert!(
            page.contains(&format!("name=\"qual[{i}]\" type=\"file\"")),
            "{i}"
        );
    }
    assert!(!page.contains("name=\"qual[3]\""));
    let before = stored_files(&app);
    let (reg, tax, added) = (pdf("registration"), pdf("tax"), pdf("added"));
    // Two of three: refused, naming the one missing; the price and proposal are kept.
    let (s, page) = bid_with_docs(&app, "NB-QUAL-03", org, &[(0, &reg), (2, &added)]).await;
    assert_eq!(s, Status::UnprocessableEntity);
    let text = html_unescape(&page);
    assert!(
        text.contains("投标未提交以下资格证明文件：依法缴纳税收的证明材料。"),
        "{text}"
    );
    assert!(page.contains(PROPOSAL) && page.contains("value=\"380000\""));
    assert!(page.contains("id=\"qual-1-error\"") && !page.contains("id=\"qual-0-error\""));
    // An empty file is no document either, and a file for a position the project does not
    // have counts for nothing.
    let (s, page) = bid_with_docs(
        &app,
        "NB-QUAL-03",
        org,
        &[(0, &reg), (1, b""), (2, &added), (7, &tax)],
    )
    .await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(html_unescape(&page).contains("依法缴纳税收的证明材料"));
    // None: every one named, in English too.
    app.post("/lang", &[("lang", "en"), ("next", "/")]).await;
    let (s, page) = bid_with_docs(&app, "NB-QUAL-03", org, &[]).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(
        html_unescape(&page).contains(&format!(
            "The bid lacks these qualification documents: Business licence or registration certificate, Tax payment records, {ADDED}."
        )),
        "{page}"
    );
    app.post("/lang", &[("lang", "zh-CN"), ("next", "/")]).await;
    assert_eq!(bids_of(&app, "NB-QUAL-03").await, (0, 0));
    assert_eq!(stored_files(&app), before);
    // All three: sealed, the receipt given; the bidder sees which file is which document.
    let (s, page) = bid_with_docs(
        &app,
        "NB-QUAL-03",
        org,
        &[(0, &reg), (1, &tax), (2, &added)],
    )
    .await;
    assert_eq!(s, Status::Ok, "{page}");
    assert!(page.contains("id=\"receipt-digest\""));
    assert_eq!(bids_of(&app, "NB-QUAL-03").await, (1, 3));
    assert_eq!(stored_files(&app), before + 3);
    assert!(page.contains("依法缴纳税收的证明材料：<a href="));
    // The service refuses as well, whoever calls it.
    let pr = Procurement::of(state(&app));
    let id = int(
        &app,
        "SELECT id FROM projects WHERE number = $1",
        "NB-QUAL-03",
    )
    .await;
    let input = BidInput {
        price: huoban::domain::money::Money::parse("370000").unwrap(),
        proposal: PROPOSAL.into(),
        files: vec![],
    };
    let r = pr
        .submit_bid(&project(&app, id).await, 3, 1, "initial", input)
        .await
        .unwrap();
    assert_eq!(r.err(), Some("err-qualdoc-incomplete"));
}

/// The three demo bidders' bids on `id`, each with every document the project requires.
async fn bid_all(app: &TestApp, id: i64) -> (Vec<i64>, Vec<Requirement>) {
    let p = project(app, id).await;
    let pr = Procurement::of(state(app));
    let required = {
        let mut c = app.db.acquire().await.unwrap();
        pr.required_docs(&mut c, &p).await.unwrap()
    };
    let orgs = [sunshine(app).await, 3, 4];
    for (org, price) in orgs.iter().zip(["380000", "385000", "372500"]) {
        let files = required
            .iter()
            .map(|r| PlainFile {
                name: format!("{org}-{}.pdf", r.key()),
                content_type: "application/pdf".into(),
                bytes: pdf(&format!("{org} {}", r.key())),
                requirement: Some(r.key()),
            })
            .collect();
        let input = BidInput {
            price: huoban::domain::money::Money::parse(price).unwrap(),
            proposal: PROPOSAL.into(),
            files,
        };
        assert!(pr
            .submit_bid(&p, *org, 1, "initial", input)
            .await
            .unwrap()
            .is_ok());
    }
    let mut c = app.db.acquire().await.unwrap();
    let bids = sqlx::query_scalar("SELECT id FROM bids WHERE project_id = $1 ORDER BY org_id")
        .bind(id)
        .fetch_all(&mut *c)
        .await
        .unwrap();
    (bids, required)
}

#[rocket::async_test]
async fn the_qualification_check_lists_each_bidders_documents_only_after_the_opening() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let id = create_and_publish(&app, "NB-QUAL-04").await;
    let (bids, required) = bid_all(&app, id).await;
    let files: Vec<(i64, String)> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as(
            "SELECT f.bid_id, f.id FROM bid_files f JOIN bids b ON b.id = f.bid_id \
             WHERE b.project_id = $1 ORDER BY f.bid_id, f.id",
        )
        .bind(id)
        .fetch_all(&mut *c)
        .await
        .unwrap()
    };
    assert_eq!(files.len(), 3 * required.len());
    // Before the opening nothing shows which documents a bid has, nor how many: not on the
    // purchaser's page, not on the public notice, and the files are absent to everyone else.
    let (_, manage) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(!manage.contains("/files/") && !manage.contains("缺失"));
    let (_, notice) = app.get("/projects/NB-QUAL-04").await;
    assert!(!notice.contains("/files/") && !notice.contains(".pdf"));
    for (bid, file) in &files {
        let url = format!("/projects/NB-QUAL-04/bids/{bid}/files/{file}");
        assert_eq!(app.get(&url).await.0, Status::NotFound);
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bid_reads").await, 0);
    // A document listed after the bids were sealed (as for a bid sealed before the list
    // existed) is shown missing, not guessed.
    {
        let mut c = app.db.acquire().await.unwrap();
        let mut list = required.clone();
        list.push(Requirement::Listed(QualDoc::NoViolation));
        huoban::db::qual_docs::set(&mut c, id, &list).await.unwrap();
    }
    // Opened: each bidder's documents beside the decision, each a link through the reading
    // route, with its digest.
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    Procurement::of(state(&app)).run_due().await.unwrap();
    let (s, manage) = app.get(&format!("/purchase/projects/{id}")).await;
    assert_eq!(s, Status::Ok);
    assert!(manage.contains("name=\"decision["));
    for (bid, file) in &files {
        assert!(
            manage.contains(&format!(
                "href=\"/projects/NB-QUAL-04/bids/{bid}/files/{file}\""
            )),
            "{bid} {file}"
        );
    }
    assert_eq!(manage.matches("tag tag-red\">缺失").count(), bids.len());
    for b in &bids {
        assert!(manage.contains(&format!("/projects/NB-QUAL-04/bids/{b}/files/")));
    }
    let sha = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(pdf(&format!(
            "{} registration",
            sunshine(&app).await
        ))))
    };
    assert!(manage.contains(&sha), "the digest of sunshine's licence");
    assert!(manage.contains(&format!("{}-registration.pdf", sunshine(&app).await)));
    // Listing is not reading: nothing recorded until a file is opened, then that read is.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bid_reads").await, 0);
    let (bid, file) = &files[0];
    let (s, bytes) = app
        .get(&format!("/projects/NB-QUAL-04/bids/{bid}/files/{file}"))
        .await;
    assert_eq!(s, Status::Ok);
    assert!(bytes.starts_with("%PDF-1.4"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bid_reads").await, 1);
    let recorded = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as::<_, (i64, Option<String>, String)>(
            "SELECT bid_id, file_id, capacity FROM bid_reads",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap()
    };
    assert_eq!(recorded, (*bid, Some(file.clone()), "procurer".into()));
    // Another bidder still reads nothing of it.
    switch(&app, crate::procurement::CHARITY).await;
    let (s, _) = app
        .get(&format!("/projects/NB-QUAL-04/bids/{bid}/files/{file}"))
        .await;
    assert_ne!(s, Status::Ok);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bid_reads").await, 1);
}

#[rocket::async_test]
async fn the_demo_tender_shows_each_bidders_documents() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let id = int(
        &app,
        "SELECT id FROM projects WHERE number = $1",
        "NBMZ-2026-018",
    )
    .await;
    let (s, manage) = app.get(&format!("/purchase/projects/{id}")).await;
    assert_eq!(s, Status::Ok);
    // Six documents (the checklist and one added) for each of the three bidders, none missing.
    assert_eq!(manage.matches("/files/").count(), 18, "{manage}");
    assert!(!manage.contains("tag tag-red\">缺失"));
    assert!(manage.contains("社会工作者职业资格证书（项目负责人）"));
    let link = manage
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|h| h.starts_with("/projects/NBMZ-2026-018/bids/") && h.contains("/files/"))
        .expect("a document link")
        .to_string();
    let (s, body) = app.get(&link).await;
    assert_eq!(s, Status::Ok, "{link}");
    assert!(body.starts_with("%PDF-1.4"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bid_reads").await, 1);
    // The bid's reading page names each file's document.
    let bid = link.split('/').nth(4).unwrap_or_default().to_string();
    let (_, read) = app
        .get(&format!("/projects/NBMZ-2026-018/bids/{bid}"))
        .await;
    assert!(read.contains("近三年无重大违法记录声明：<a href="));
}

/// 87号令 art. 63 (issue 22, item 9): a price above the published maximum (¥390,000 under a
/// ¥400,000 budget) could only be an invalid bid, so it is refused at submission with the limit
/// in the message and nothing written; exactly the limit is accepted. Nothing about other bids
/// is said.
#[rocket::async_test]
async fn a_price_above_the_published_limit_is_refused_at_submission_with_the_limit() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let number = "NB-LIMIT-01";
    create_and_publish(&app, number).await;
    switch(&app, NGO_ADMIN).await;
    let org = sunshine(&app).await;
    let docs: Vec<Vec<u8>> = (0..3).map(|i| pdf(&format!("doc{i}"))).collect();
    let qual: Vec<(usize, &[u8])> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (i, d.as_slice()))
        .collect();
    let post = |price: &'static str| {
        let app = &app;
        let qual = qual.clone();
        async move {
            let token = app.csrf().await;
            let (ct, body) = priced_body(&token, price, &qual);
            let r = app
                .client
                .post(format!("/projects/{number}/bid/{org}"))
                .header(ct)
                .body(body)
                .dispatch()
                .await;
            (r.status(), r.into_string().await.unwrap_or_default())
        }
    };
    let files_before = stored_files(&app);
    let (s, page) = post("390000.01").await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(
        page.contains("¥390,000.00") && page.contains("不予递交"),
        "{page}"
    );
    assert!(page.contains("390000.01"), "the price typed is kept");
    assert_eq!(bids_of(&app, number).await, (0, 0));
    assert_eq!(stored_files(&app), files_before, "no file written");
    let (s, _) = post("390000.00").await;
    assert_eq!(s, Status::Ok, "exactly the limit");
    assert_eq!(bids_of(&app, number).await.0, 1);
}

//! Procurement documents as documents (issue 21 item 4): publication freezes version 1 with
//! its 文号 and SHA-256; an amendment publishes version 2 with its changes marked; the SHA-256
//! printed on the A4 page is the SHA-256 of the canonical text served beside it; obtaining
//! records the version obtained and a newer version is announced to the bidder; files the
//! purchaser attaches make new versions (the size limit exact, bad files refused with nothing
//! written); only those who obtained the documents or run the procedure read them.

use crate::evaluation_flow::{int, sunshine, switch};
use crate::helpers::*;
use crate::procurement::{publish_project, CHARITY};
use rocket::http::{ContentType, Status};
use sha2::{Digest, Sha256};
use time::macros::datetime;

const NUMBER: &str = "NB-DOC-001";

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The SHA-256 the print page shows at its foot.
fn printed_sha(page: &str) -> String {
    let at = page.find("id=\"doc-sha256\">").expect("printed SHA-256") + 16;
    page[at..at + 64].to_string()
}

async fn versions(app: &TestApp, number: &str) -> i64 {
    int(
        app,
        "SELECT COUNT(*) FROM project_documents d JOIN projects p ON p.id = d.project_id WHERE p.number = $1",
        number,
    )
    .await
}

fn attach_body(
    token: &str,
    description: &str,
    filename: &str,
    content: &[u8],
) -> (ContentType, Vec<u8>) {
    let file = Part {
        field: "file",
        filename,
        content_type: "application/pdf",
        bytes: content,
    };
    crate::helpers::multipart(&[("_csrf", token), ("description", description)], &[file])
}

/// Attaches a file as the signed-in purchaser: (status, page).
async fn attach(app: &TestApp, id: i64, description: &str, content: &[u8]) -> (Status, String) {
    let token = app.csrf().await;
    let (ct, body) = attach_body(&token, description, "服务对象分布表.pdf", content);
    let r = app
        .client
        .post(format!("/purchase/projects/{id}/documents/files"))
        .header(ct)
        .body(body)
        .dispatch()
        .await;
    let status = r.status();
    (status, r.into_string().await.unwrap_or_default())
}

fn pdf_of(size: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.4\n".to_vec();
    v.resize(size, b'0');
    v
}

#[rocket::async_test]
async fn publication_freezes_version_one_and_an_amendment_marks_version_two() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let id = publish_project(&app, NUMBER, "consultation", "2026-12-20T10:00").await;
    assert_eq!(versions(&app, NUMBER).await, 1, "version 1 at publication");
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM project_documents WHERE doc_no = $1 AND version = 1",
            "NB-DOC-001-采购文件-第1版",
        )
        .await,
        1
    );
    // The purchaser reads its own version 1; the SHA-256 printed is that of the served text.
    let (s, v1) = app.get("/projects/NB-DOC-001/documents/v/1").await;
    assert_eq!(s, Status::Ok);
    assert!(v1.contains("NB-DOC-001-采购文件-第1版") && v1.contains("服务方案"));
    assert!(v1.contains("方案完整、针对性强") && v1.contains("¥400,000.00"));
    assert!(
        !v1.contains("本版修改（"),
        "version 1 has nothing to compare"
    );
    let (s, json1) = app.get("/projects/NB-DOC-001/documents/v/1.json").await;
    assert_eq!(s, Status::Ok);
    let sha1 = printed_sha(&v1);
    assert_eq!(
        sha(json1.as_bytes()),
        sha1,
        "recomputed over the served text"
    );
    let doc: serde_json::Value = serde_json::from_str(&json1).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["doc_no"], "NB-DOC-001-采购文件-第1版");
    assert_eq!(doc["criteria"][0]["name"], "服务方案");

    // A bidder obtains version 1.
    switch(&app, NGO_ADMIN).await;
    let org = sunshine(&app).await;
    let r = app
        .post("/projects/NB-DOC-001/obtain", &[("org", &org.to_string())])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, docs) = app
        .get(&format!("/projects/NB-DOC-001/documents?org={org}"))
        .await;
    assert!(docs.contains("你获取的版本：第1版"), "{docs}");
    assert!(!docs.contains("id=\"newer-version\""));
    let (s, same) = app.get("/projects/NB-DOC-001/documents/v/1").await;
    assert_eq!(s, Status::Ok);
    assert_eq!(printed_sha(&same), sha1);

    // A marked amendment 3 days before the deadline moves it: version 2, marked.
    switch(&app, PURCHASER).await;
    app.clock.set(datetime!(2026-12-17 02:00 UTC));
    let r = app
        .post(
            &format!("/purchase/projects/{id}/amendments"),
            &[
                ("body", "服务对象增加至 350 名，请相应调整方案。"),
                ("affects", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(versions(&app, NUMBER).await, 2);
    let (_, manage) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(manage.contains("NB-DOC-001-采购文件-第2版") && manage.contains(&sha1));
    assert!(
        !manage.contains("阳光社会工作服务中心"),
        "the register of who obtained stays secret"
    );

    switch(&app, NGO_ADMIN).await;
    // The change waits on the bidder's dashboard, linked to its documents page.
    let link = format!("href=\"/projects/NB-DOC-001/documents?org={org}\"");
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains("已获取的采购文件有新版本") && dash.contains(&link),
        "{dash}"
    );
    let (_, docs) = app
        .get(&format!("/projects/NB-DOC-001/documents?org={org}"))
        .await;
    assert!(docs.contains("你获取的版本：第1版"));
    assert!(docs.contains("采购文件已更新，现行版本为第2版"), "{docs}");
    assert!(docs.contains("href=\"/projects/NB-DOC-001/documents/v/2\""));
    let (s, v2) = app.get("/projects/NB-DOC-001/documents/v/2").await;
    assert_eq!(s, Status::Ok);
    assert!(v2.contains("本版修改（与第1版相比）"), "{v2}");
    assert!(v2.contains("<ins>服务对象增加至 350 名"));
    assert!(
        v2.contains("<del>2026年12月20日") || v2.contains("<del>2026-12-20"),
        "the old deadline struck out: {v2}"
    );
    assert!(v2.contains("本版新增"));
    let (_, json2) = app.get("/projects/NB-DOC-001/documents/v/2.json").await;
    assert_eq!(sha(json2.as_bytes()), printed_sha(&v2));
    let doc2: serde_json::Value = serde_json::from_str(&json2).unwrap();
    assert_eq!(doc2["previous_sha256"], sha1.as_str(), "the versions chain");
    assert_eq!(doc2["change"]["kind"], "amendment");
    // Version 1 is unchanged, and says it is superseded.
    let (_, v1_again) = app.get("/projects/NB-DOC-001/documents/v/1").await;
    assert_eq!(printed_sha(&v1_again), sha1);
    assert!(v1_again.contains("本版已被第2版取代"));
    // Obtaining again records version 2.
    let r = app
        .post("/projects/NB-DOC-001/obtain", &[("org", &org.to_string())])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        int(
            &app,
            "SELECT version FROM doc_obtained d JOIN projects p ON p.id = d.project_id WHERE p.number = $1",
            NUMBER,
        )
        .await,
        2
    );
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        !dash.contains(&link),
        "read and obtained: off the dashboard"
    );
    let (_, docs) = app
        .get(&format!("/projects/NB-DOC-001/documents?org={org}"))
        .await;
    assert!(docs.contains("你获取的版本：第2版") && !docs.contains("id=\"newer-version\""));
    // Published versions cannot be rewritten.
    let mut c = app.db.acquire().await.unwrap();
    let rewrite = sqlx::query("UPDATE project_documents SET sha256 = 'x'")
        .execute(&mut *c)
        .await;
    assert!(rewrite.is_err(), "immutable");
}

#[rocket::async_test]
async fn attached_files_make_versions_up_to_the_exact_size_limit() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let id = publish_project(&app, NUMBER, "consultation", "2026-12-20T10:00").await;
    let max = usize::try_from(app.resolved.config.upload_max_bytes).unwrap();
    let files = || async { app.scalar("SELECT COUNT(*) FROM project_doc_files").await };
    // Refusals: the form again with the reason, nothing written.
    for (description, content, message) in [
        ("服务对象分布表", pdf_of(max + 1), "文件过大"),
        ("服务对象分布表", Vec::new(), "请选择要上传的文件"),
        (
            "服务对象分布表",
            b"just text".to_vec(),
            "只接受 PDF、JPEG 或 PNG",
        ),
        ("", pdf_of(100), "请填写附件说明"),
    ] {
        let (s, page) = attach(&app, id, description, &content).await;
        assert_eq!(s, Status::UnprocessableEntity, "{message}");
        assert!(page.contains(message), "{message}: {page}");
        assert_eq!(files().await, 0);
        assert_eq!(versions(&app, NUMBER).await, 1);
    }
    // Exactly at the limit: accepted, version 2.
    let exact = pdf_of(max);
    let (s, _) = attach(&app, id, "服务对象分布表", &exact).await;
    assert_eq!(s, Status::SeeOther);
    assert_eq!(files().await, 1);
    assert_eq!(versions(&app, NUMBER).await, 2);
    let (_, v2) = app.get("/projects/NB-DOC-001/documents/v/2").await;
    assert!(v2.contains("服务对象分布表.pdf") && v2.contains(&sha(&exact)));
    assert!(v2.contains("增加附件") && v2.contains("本版新增"));
    let file = app.scalar("SELECT MAX(id) FROM project_doc_files").await;
    let path = format!("/projects/NB-DOC-001/documents/files/{file}");
    // A bidder that obtained the documents downloads it; another organization may not.
    switch(&app, NGO_ADMIN).await;
    let org = sunshine(&app).await;
    app.post("/projects/NB-DOC-001/obtain", &[("org", &org.to_string())])
        .await;
    assert_eq!(
        int(
            &app,
            "SELECT version FROM doc_obtained d JOIN projects p ON p.id = d.project_id WHERE p.number = $1",
            NUMBER,
        )
        .await,
        2,
        "obtaining records the current version"
    );
    // A second file reaches the bidder that obtained the documents by mail.
    switch(&app, PURCHASER).await;
    let (s, _) = attach(&app, id, "服务质量考核办法", &pdf_of(2048)).await;
    assert_eq!(s, Status::SeeOther);
    let (_, mail) = app.last_mail_to(NGO_ADMIN.0).await.expect("mail");
    assert!(
        mail.contains("服务质量考核办法") && mail.contains("NB-DOC-001-采购文件-第3版"),
        "{mail}"
    );
    switch(&app, NGO_ADMIN).await;
    let r = app.client.get(path.clone()).dispatch().await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.into_bytes().await.unwrap().len(), max);
    switch(&app, CHARITY).await;
    let r = app.client.get(path.clone()).dispatch().await;
    assert_eq!(r.status(), Status::Forbidden);
    // After the deadline no file is attached.
    switch(&app, PURCHASER).await;
    app.clock.set(datetime!(2026-12-21 02:00 UTC));
    let (s, page) = attach(&app, id, "逾期补充", &pdf_of(100)).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(page.contains("投标截止后"));
    assert_eq!(files().await, 2);
}

#[rocket::async_test]
async fn only_those_who_obtained_or_run_the_procedure_read_the_documents() {
    let app = TestApp::spawn().await;
    // The demo's consultation: version 1 at its notice, version 2 by a clarification after the
    // demo charity obtained version 1.
    assert_eq!(versions(&app, "NBMZ-2026-031").await, 2);
    let v = "/projects/NBMZ-2026-031/documents/v/2";
    let r = app.client.get(v).dispatch().await;
    assert_ne!(r.status(), Status::Ok, "not public");
    let (s, _) = app.get("/projects/NBMZ-2026-031/documents/v/2.json").await;
    assert_ne!(s, Status::Ok);
    // Signed in, without having obtained: refused.
    app.login_as(NGO_ADMIN).await;
    assert_eq!(app.get(v).await.0, Status::Forbidden);
    assert_eq!(app.get(&format!("{v}.json")).await.0, Status::Forbidden);
    // The charity obtained version 1 and is told of version 2.
    switch(&app, CHARITY).await;
    let charity = int(
        &app,
        "SELECT org_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1",
        CHARITY.0,
    )
    .await;
    let (_, docs) = app
        .get(&format!("/projects/NBMZ-2026-031/documents?org={charity}"))
        .await;
    assert!(docs.contains("你获取的版本：第1版") && docs.contains("现行版本为第2版"));
    let (s, page) = app.get(v).await;
    assert_eq!(s, Status::Ok);
    assert!(page.contains("NBMZ-2026-031-采购文件-第2版") && page.contains("<ins>澄清"));
    let mut c = app.db.acquire().await.unwrap();
    let name: String = sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
        .bind(charity)
        .fetch_one(&mut *c)
        .await
        .unwrap();
    drop(c);
    assert!(!page.contains(&name), "no bidder named on the documents");
    let (_, json) = app.get(&format!("{v}.json")).await;
    assert_eq!(sha(json.as_bytes()), printed_sha(&page));
    // The version states the qualification documents bidders attach, within what it hashes,
    // and the printed page lists them.
    assert!(
        json.contains("\"qual_docs\":[{\"key\":\"registration\""),
        "{json}"
    );
    assert!(page.contains("id=\"qual-docs\""));
    assert!(
        !json.contains("org_id"),
        "the canonical text names no bidder"
    );
    assert_eq!(
        app.get("/projects/NBMZ-2026-031/documents/v/9").await.0,
        Status::NotFound
    );
    assert_eq!(
        app.get("/projects/NBMZ-2026-031/documents/v/x").await.0,
        Status::NotFound
    );
    // A draft has no documents and cannot be obtained.
    switch(&app, PURCHASER).await;
    let r = app
        .post(
            "/purchase/projects",
            &crate::procurement::project_fields("NB-DOC-002", "consultation", "2026-12-20T10:00"),
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(versions(&app, "NB-DOC-002").await, 0);
    switch(&app, NGO_ADMIN).await;
    let org = sunshine(&app).await;
    let r = app
        .post("/projects/NB-DOC-002/obtain", &[("org", &org.to_string())])
        .await;
    assert_eq!(r.status(), Status::NotFound);
    assert_eq!(
        app.get("/projects/NB-DOC-002/documents/v/1").await.0,
        Status::NotFound
    );
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM doc_obtained d JOIN projects p ON p.id = d.project_id WHERE p.number = $1",
            "NB-DOC-002",
        )
        .await,
        0
    );
}

/// A file added within the margin before the deadline modifies the documents like an amendment
/// that affects bid preparation (87号令 art. 27): the deadline moves to keep 5 days (a
/// consultation); added with the margin left, it stays.
#[rocket::async_test]
async fn a_file_added_within_the_margin_moves_the_deadline_like_an_amendment() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let id = publish_project(&app, NUMBER, "consultation", "2026-12-20T10:00").await;
    let deadline = || async {
        int(
            &app,
            "SELECT deadline_at FROM projects WHERE number = $1",
            NUMBER,
        )
        .await
    };
    let before = deadline().await;
    // Exactly 5 days before (02:00 UTC = 10:00 Beijing on 15 December): the margin is left.
    app.clock.set(datetime!(2026-12-15 02:00 UTC));
    let (s, _) = attach(&app, id, "服务对象分布表", &pdf_of(1024)).await;
    assert_eq!(s, Status::SeeOther);
    assert_eq!(deadline().await, before, "5 days left: unchanged");
    // A minute later less is left: the deadline moves by that minute, to keep 5 days.
    app.clock.set(datetime!(2026-12-15 02:01 UTC));
    let (s, _) = attach(&app, id, "服务质量考核办法", &pdf_of(1024)).await;
    assert_eq!(s, Status::SeeOther);
    assert_eq!(deadline().await, before + 60_000);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM project_events WHERE kind = 'documents_file_deadline'")
            .await,
        1
    );
    let (_, v3) = app.get("/projects/NB-DOC-001/documents/v/3").await;
    assert!(
        v3.contains("<del>") && v3.contains("<ins>"),
        "the deadline change is marked"
    );
}

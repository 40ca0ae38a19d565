//! Issue 23, items 4 and 7: an audit trail that covers every column of an entry, is
//! append-only in the database, publishes its head every hour and is verified only with the
//! configured keys; uploads written only for a valid form, held to a per-organization quota
//! and private to the service user.

use crate::audit::lift_append_only;
use crate::evaluation_flow::{apply, round_id, sunshine, switch};
use crate::helpers::*;
use huoban::db::{self, Backend, Db};
use huoban::domain::chain;
use huoban::platform::audit::{self, Actor, Auditor};
use rocket::http::Status;
use std::path::{Path, PathBuf};

async fn exec(db: &Db, sql: &str) -> Result<(), sqlx::Error> {
    let mut c = db.acquire().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut *c)
        .await
        .map(|_| ())
}

/// A few changes made by signed-in people (entries whose actor is a user).
async fn some_history(app: &TestApp) {
    app.login_as(ADMIN).await;
    app.post(
        "/account/profile",
        &[("display_name", "王管理员"), ("phone", "")],
    )
    .await;
    app.post("/lang", &[("lang", "en")]).await;
}

async fn last_user_entry(app: &TestApp) -> (i64, i64) {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_as("SELECT seq, actor_user_id FROM audit_log WHERE actor_user_id IS NOT NULL ORDER BY seq DESC LIMIT 1")
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

#[rocket::async_test]
async fn changing_who_acted_fails_verification() {
    let app = TestApp::spawn().await;
    some_history(&app).await;
    assert!(app.verify_audit().await.ok());
    let (seq, uid) = last_user_entry(&app).await;
    let other: i64 = app
        .scalar_of(&format!(
            "SELECT MIN(id) FROM users WHERE id <> {uid} AND email = '{}'",
            NGO_ADMIN.0
        ))
        .await;
    lift_append_only(&app).await;
    // The history would now name someone else.
    exec(
        &app.db,
        &format!("UPDATE audit_log SET actor_user_id = {other} WHERE seq = {seq}"),
    )
    .await
    .unwrap();
    let problem = app.verify_audit().await.problem.expect("detected");
    assert!(problem.starts_with(&format!("entry {seq} ")), "{problem}");
    // Label and user id changed together: the entry's hash covers both.
    exec(
        &app.db,
        &format!("UPDATE audit_log SET actor = 'user:{other}' WHERE seq = {seq}"),
    )
    .await
    .unwrap();
    let problem = app.verify_audit().await.problem.expect("detected");
    assert!(
        problem.starts_with(&format!("entry {seq} "))
            && problem.contains("its hash does not match its content"),
        "{problem}"
    );
    // Put back, it verifies again (the check is about the actor, nothing else).
    exec(
        &app.db,
        &format!(
            "UPDATE audit_log SET actor = 'user:{uid}', actor_user_id = {uid} WHERE seq = {seq}"
        ),
    )
    .await
    .unwrap();
    assert!(app.verify_audit().await.ok());
    // A system entry made to name a user.
    exec(
        &app.db,
        &format!("UPDATE audit_log SET actor_user_id = {uid} WHERE seq = 1"),
    )
    .await
    .unwrap();
    assert!(app
        .verify_audit()
        .await
        .problem
        .unwrap()
        .starts_with("entry 1 "));
}

#[rocket::async_test]
async fn the_key_id_and_format_are_covered_too() {
    let app = TestApp::spawn().await;
    some_history(&app).await;
    let (seq, _) = last_user_entry(&app).await;
    lift_append_only(&app).await;
    // Another configured key's id: the entry no longer verifies under any key.
    let other = huoban::platform::config::KeyMaterial {
        id: "k0".into(),
        bytes: app.resolved.keys.audit_hmac.bytes.clone(),
    };
    exec(
        &app.db,
        &format!("UPDATE audit_log SET hmac_key_id = 'k0' WHERE seq = {seq}"),
    )
    .await
    .unwrap();
    let keys = [app.resolved.keys.audit_hmac.clone(), other];
    let r = audit::verify(&app.db, &keys, None).await.unwrap();
    assert!(
        r.problem.as_deref().unwrap().contains("was altered"),
        "{:?}",
        r.problem
    );
    let id = app.resolved.keys.audit_hmac.id.clone();
    exec(
        &app.db,
        &format!("UPDATE audit_log SET hmac_key_id = '{id}', format = 1 WHERE seq = {seq}"),
    )
    .await
    .unwrap();
    let problem = app.verify_audit().await.problem.unwrap();
    assert!(problem.starts_with(&format!("entry {seq} ")), "{problem}");
}

/// A database migrated to just before the full formula, holding entries chained the old way
/// (format 1), then migrated on: the old entries verify with their formula, new ones are
/// format 2, and tampering with either is found.
#[rocket::async_test]
async fn entries_chained_before_the_full_formula_keep_verifying() {
    let (db, _url) = unmigrated_db().await;
    db::migrate::migrator(db.backend)
        .run_to(38, &db.pool)
        .await
        .unwrap();
    exec(
        &db,
        "INSERT INTO persons (id, name, created_at) VALUES (1, '林', 0)",
    )
    .await
    .unwrap();
    exec(&db, "INSERT INTO users (id, person_id, email, display_name, preferred_lang, password_hash, session_epoch, created_at) VALUES (1, 1, 'lin@example.cn', '林', 'zh-CN', 'x', 0, 0)").await.unwrap();
    let key = huoban::platform::config::KeyMaterial {
        id: "k1".into(),
        bytes: vec![9; 32],
    };
    let mut prev = chain::GENESIS.to_string();
    for (seq, actor, uid) in [
        (1i64, "system", None),
        (2, "user:1", Some(1i64)),
        (3, "cli", None),
    ] {
        let summary = serde_json::json!({ "n": seq });
        // The formula entries were chained with before migration 0041.
        let text = chain::canonical_json(&serde_json::json!({
            "seq": seq, "at": 1000 + seq, "actor": actor, "action": "old.action",
            "entity": "thing", "entity_id": seq.to_string(), "summary": summary,
        }));
        let hash = chain::entry_hash(&prev, &text);
        let hmac = chain::entry_hmac(&key.bytes, &prev, &text);
        let mut c = db.acquire().await.unwrap();
        sqlx::query("INSERT INTO audit_log (seq, at, actor_user_id, actor, action, entity, entity_id, summary, prev_hash, hash, hmac, hmac_key_id) VALUES ($1, $2, $3, $4, 'old.action', 'thing', $5, $6, $7, $8, $9, 'k1')")
            .bind(seq)
            .bind(1000 + seq)
            .bind(uid)
            .bind(actor)
            .bind(seq.to_string())
            .bind(chain::canonical_json(&summary))
            .bind(&prev)
            .bind(&hash)
            .bind(&hmac)
            .execute(&mut *c)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&hash)
            .execute(&mut *c)
            .await
            .unwrap();
        prev = hash;
    }
    db::migrate::run(&db).await.unwrap();
    let auditor = Auditor::new(key.clone(), db.backend);
    for (i, actor) in [Actor::System, Actor::User(huoban::platform::ids::UserId(1))]
        .into_iter()
        .enumerate()
    {
        let mut tx = db.begin_write().await.unwrap();
        auditor
            .record(
                &mut tx,
                5000,
                actor,
                "new.action",
                ("thing", i.to_string()),
                serde_json::json!({ "i": i }),
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let formats: Vec<i64> = {
        let mut c = db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT format FROM audit_log ORDER BY seq")
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    assert_eq!(formats, vec![1, 1, 1, 2, 2]);
    let r = audit::verify(&db, std::slice::from_ref(&key), None)
        .await
        .unwrap();
    assert!(r.ok(), "{:?}", r.problem);
    assert_eq!(r.entries, 5);
    // The old formula does not hash the user id, but an old entry still cannot be made to
    // name another user: label and id must agree.
    for sql in [
        "DROP TRIGGER audit_log_no_update",
        "ALTER TABLE audit_log DISABLE TRIGGER USER",
    ] {
        let _ = exec(&db, sql).await;
    }
    exec(
        &db,
        "INSERT INTO persons (id, name, created_at) VALUES (2, '王', 0)",
    )
    .await
    .unwrap();
    exec(&db, "INSERT INTO users (id, person_id, email, display_name, preferred_lang, password_hash, session_epoch, created_at) VALUES (2, 2, 'wang@example.cn', '王', 'zh-CN', 'x', 0, 0)").await.unwrap();
    exec(&db, "UPDATE audit_log SET actor_user_id = 2 WHERE seq = 2")
        .await
        .unwrap();
    let r = audit::verify(&db, std::slice::from_ref(&key), None)
        .await
        .unwrap();
    assert!(
        r.problem
            .as_deref()
            .unwrap()
            .contains("entry 2 (old.action on thing 2) was altered: its actor `user:1` and user id 2 disagree"),
        "{:?}",
        r.problem
    );
    exec(&db, "UPDATE audit_log SET actor_user_id = 1 WHERE seq = 2")
        .await
        .unwrap();
    // A new entry passed off as an old one (to escape the full formula) is found.
    exec(&db, "UPDATE audit_log SET format = 1 WHERE seq = 5")
        .await
        .unwrap();
    let r = audit::verify(&db, std::slice::from_ref(&key), None)
        .await
        .unwrap();
    assert!(
        r.problem.as_deref().unwrap().starts_with("entry 5 "),
        "{:?}",
        r.problem
    );
}

/// An empty database on the backend under test (no migrations).
async fn unmigrated_db() -> (Db, String) {
    let url = match pg_url() {
        Some(admin) => {
            use sqlx::Connection;
            let name = format!("huoban_sa_{}_{}", std::process::id(), rand::random::<u32>());
            let mut c = sqlx::AnyConnection::connect(&admin).await.unwrap();
            let sql = format!(
                "CREATE DATABASE {name} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
            with_database(&admin, &name)
        }
        None => format!(
            "sqlite:file:huoban_sa_{}_{}?mode=memory&cache=shared",
            std::process::id(),
            rand::random::<u32>()
        ),
    };
    (db::connect(&url, 2).await.unwrap(), url)
}

#[rocket::async_test]
async fn the_database_refuses_to_change_or_remove_audit_entries_and_published_heads() {
    let app = TestApp::spawn().await;
    some_history(&app).await;
    assert!(huoban::platform::jobs::publish_audit_head(&app.jobs())
        .await
        .unwrap());
    let before = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log")
        .await;
    for sql in [
        "UPDATE audit_log SET actor_user_id = NULL WHERE seq = 2",
        "UPDATE audit_log SET summary = '{}' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
        "DELETE FROM audit_log",
        "UPDATE audit_published SET seq = 1",
        "DELETE FROM audit_published",
    ] {
        let e = exec(&app.db, sql).await.expect_err(sql);
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    if app.db.backend == Backend::Postgres {
        for sql in ["TRUNCATE audit_log", "TRUNCATE audit_published"] {
            let e = exec(&app.db, sql).await.expect_err(sql);
            assert!(e.to_string().contains("append-only"), "{sql}: {e}");
        }
    }
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log")
            .await,
        before
    );
    assert!(app.verify_audit().await.ok());
    // Appending still works.
    app.post("/lang", &[("lang", "zh-CN")]).await;
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log")
            .await,
        before + 1
    );
}

#[rocket::async_test]
async fn heads_are_published_every_hour_as_well_as_every_day() {
    let app = TestApp::spawn().await;
    let heads_file = std::env::temp_dir().join(format!(
        "huoban-sa-heads-{}-{}.txt",
        std::process::id(),
        rand::random::<u32>()
    ));
    let mut jobs = app.jobs();
    jobs.heads_file = Some(heads_file.clone());
    let published = || async {
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_published")
            .await
    };
    // 10:00 Beijing: the hour's head and the day's.
    assert!(huoban::platform::jobs::publish_audit_head(&jobs)
        .await
        .unwrap());
    assert_eq!(published().await, 2);
    app.clock.advance(time::Duration::minutes(59));
    assert!(!huoban::platform::jobs::publish_audit_head(&jobs)
        .await
        .unwrap());
    // The next hour: one more head, the day already has one.
    app.clock.advance(time::Duration::minutes(1));
    some_history(&app).await;
    assert!(huoban::platform::jobs::publish_audit_head(&jobs)
        .await
        .unwrap());
    assert_eq!(published().await, 3);
    let labels: Vec<String> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT day FROM audit_published ORDER BY day")
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    assert_eq!(labels, ["2026-11-28", "2026-11-28T10", "2026-11-28T11"]);
    let file = std::fs::read_to_string(&heads_file).unwrap();
    assert_eq!(file.lines().count(), 3, "{file}");
    assert!(file.contains("2026-11-28T11 "), "{file}");
    let (_, page) = app.get("/audit/heads").await;
    assert!(page.contains("2026-11-28 11:00"), "the page shows the hour");
    // The newest published head is the one verification counts from.
    let entries = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log")
        .await;
    let r = audit::verify(
        &app.db,
        std::slice::from_ref(&app.resolved.keys.audit_hmac),
        heads_file.to_str(),
    )
    .await
    .unwrap();
    assert!(r.ok(), "{:?}", r.problem);
    assert_eq!(r.newest_published, Some(entries));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&heads_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the heads file is private");
    }
    let _ = std::fs::remove_file(&heads_file);
}

#[rocket::async_test]
async fn deleting_the_newest_entries_and_fixing_the_head_fails_against_the_published_head() {
    let app = TestApp::spawn().await;
    some_history(&app).await;
    assert!(huoban::platform::jobs::publish_audit_head(&app.jobs())
        .await
        .unwrap());
    let head = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log")
        .await;
    lift_append_only(&app).await;
    let mut c = app.db.acquire().await.unwrap();
    let hash: String = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(head - 2)
        .fetch_one(&mut *c)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq > $1")
        .bind(head - 2)
        .execute(&mut *c)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(head - 2)
        .bind(&hash)
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);
    let r = app.verify_audit().await;
    let problem = r.problem.unwrap();
    assert!(
        problem.contains(&format!(
            "names entry {head}, which is missing: the trail was truncated (it has {} entries)",
            head - 2
        )),
        "{problem}"
    );
    assert_eq!(r.newest_published, Some(head));
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "huoban-sa-{name}-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn huoban(dir: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_huoban"));
    c.env_clear()
        .current_dir(dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HUOBAN_PASSWORD_HASH__M_COST_KIB", "64")
        .env("HUOBAN_PASSWORD_HASH__T_COST", "1");
    c
}

fn run(c: &mut std::process::Command) -> (bool, String, String) {
    let out = c.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn verify_audit_without_the_key_refuses_names_it_and_creates_nothing() {
    // Demo mode: the trail was written with the demo key file, which is then gone.
    let dir = temp_dir("nokey");
    let create = [
        "create-user",
        "--email",
        "a@example.cn",
        "--password",
        "long-enough-pw",
    ];
    let (ok, _, err) = run(huoban(&dir).args(create));
    assert!(ok, "{err}");
    let keys = dir.join("data/huoban-demo-keys.toml");
    let (ok, out, err) = run(huoban(&dir).arg("verify-audit"));
    assert!(ok && out.contains("audit trail verified"), "{out}{err}");
    std::fs::remove_file(&keys).unwrap();
    let (ok, _, err) = run(huoban(&dir).arg("verify-audit"));
    assert!(!ok);
    assert!(
        err.contains("verify-audit needs the audit key, and never creates one")
            && err.contains("huoban-demo-keys.toml does not exist"),
        "{err}"
    );
    assert!(!keys.exists(), "no key file was created");
    // A key file without the audit key.
    std::fs::write(&keys, "identity = \"k1:AAAA\"\n").unwrap();
    let (ok, _, err) = run(huoban(&dir).arg("verify-audit"));
    assert!(!ok && err.contains("has no audit_hmac"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&keys).unwrap(),
        "identity = \"k1:AAAA\"\n",
        "the key file is left as it was"
    );

    // Production: only the audit key is needed, and its absence is named.
    let dir = temp_dir("prodkey");
    let audit_key = huoban::platform::config::new_key_line("audit_hmac");
    let mut all = vec![("HUOBAN_KEYS__AUDIT_HMAC".to_string(), audit_key.clone())];
    for n in ["cookie_secret", "bid_sealing", "identity"] {
        all.push((
            format!("HUOBAN_KEYS__{}", n.to_uppercase()),
            huoban::platform::config::new_key_line(n),
        ));
    }
    let url = "sqlite://prod.db?mode=rwc";
    let (ok, _, err) = run(huoban(&dir)
        .env("DATABASE_URL", url)
        .envs(all.clone())
        .args(create));
    assert!(ok, "{err}");
    let (ok, _, err) = run(huoban(&dir).env("DATABASE_URL", url).arg("verify-audit"));
    assert!(!ok);
    assert!(
        err.contains("audit_hmac is not configured") && err.contains("never creates one"),
        "{err}"
    );
    let (ok, out, err) = run(huoban(&dir)
        .env("DATABASE_URL", url)
        .env("HUOBAN_KEYS__AUDIT_HMAC", &audit_key)
        .arg("verify-audit"));
    assert!(ok && out.contains("audit trail verified"), "{out}{err}");
    // After a rotation the old key verifies what it signed.
    let new_key = huoban::platform::config::new_key_line("audit_hmac").replacen("k1:", "k2:", 1);
    let (ok, _, err) = run(huoban(&dir)
        .env("DATABASE_URL", url)
        .env("HUOBAN_KEYS__AUDIT_HMAC", &new_key)
        .arg("verify-audit"));
    assert!(!ok && err.contains("signed with key `k1`"), "{err}");
    let (ok, out, err) = run(huoban(&dir)
        .env("DATABASE_URL", url)
        .env("HUOBAN_KEYS__AUDIT_HMAC", &new_key)
        .env(
            "HUOBAN_KEYS__AUDIT_HMAC_RETIRED",
            format!("[\"{audit_key}\"]"),
        )
        .arg("verify-audit"));
    assert!(ok && out.contains("audit trail verified"), "{out}{err}");
}

// ---- Item 7: files ----

const PDF_HEAD: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// A PDF (by its content) of exactly `len` bytes, distinct per `tag`.
fn pdf_of(len: usize, tag: &str) -> Vec<u8> {
    let mut v = PDF_HEAD.to_vec();
    v.extend_from_slice(format!("% {tag}\n").as_bytes());
    assert!(len >= v.len(), "{len} is too small for a PDF");
    v.resize(len, b' ');
    v
}

fn stored_files(app: &TestApp) -> Vec<String> {
    let dir = app.resolved.config.uploads_path();
    match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

const ASSESSMENT: &str = "本中心近两年按章程开展社会工作服务，治理结构健全，财务公开。";

#[rocket::async_test]
async fn an_upload_with_a_refused_form_leaves_no_file() {
    let app = TestApp::spawn().await;
    let (org, round) = (sunshine(&app).await, round_id(&app).await);
    switch(&app, NGO_ADMIN).await;
    let file = pdf_of(400, "refused form");
    // The self-assessment is too short: the page comes back with its error, and the evidence
    // file is not on disk.
    let (status, page) = apply(&app, org, round, "太短", &[("a.pdf", &file)]).await;
    assert_eq!(status, Status::UnprocessableEntity, "{page}");
    assert!(
        !stored_files(&app).contains(&sha(&file)),
        "the refused form's file was stored"
    );
    // The same form, valid: stored.
    let (status, page) = apply(&app, org, round, ASSESSMENT, &[("a.pdf", &file)]).await;
    assert_eq!(status, Status::SeeOther, "{page}");
    assert!(stored_files(&app).contains(&sha(&file)));
}

/// Sets the quota so that exactly `room` bytes are left for `org`.
async fn leave_room(app: &TestApp, org: i64, room: i64) -> i64 {
    let used = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::storage::org_usage(&mut c, org).await.unwrap()
    };
    // The quota is in KiB: pick the smallest that leaves at least `room`, then return the
    // exact room it leaves.
    let kib = (used + room + 1023) / 1024;
    switch(app, ADMIN).await;
    let r = app
        .post(
            "/admin/settings",
            &[
                ("key", "storage.org_quota_kib"),
                ("value", &kib.to_string()),
                ("reason", "测试配额"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    switch(app, NGO_ADMIN).await;
    kib * 1024 - used
}

#[rocket::async_test]
async fn the_storage_quota_takes_a_file_at_the_limit_and_refuses_one_byte_over() {
    let app = TestApp::spawn().await;
    let (org, round) = (sunshine(&app).await, round_id(&app).await);
    let room = leave_room(&app, org, 600).await;
    let over = pdf_of(usize::try_from(room + 1).unwrap(), "over");
    let (status, page) = apply(&app, org, round, ASSESSMENT, &[("a.pdf", &over)]).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(page.contains("超出本组织的存储空间上限"), "{page}");
    assert!(!stored_files(&app).contains(&sha(&over)));
    let at = pdf_of(usize::try_from(room).unwrap(), "at");
    let (status, page) = apply(&app, org, round, ASSESSMENT, &[("a.pdf", &at)]).await;
    assert_eq!(status, Status::SeeOther, "{page}");
    assert!(stored_files(&app).contains(&sha(&at)));
    let used = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::storage::org_usage(&mut c, org).await.unwrap()
    };
    assert_eq!(used % 1024, 0, "the organization is exactly at its quota");
}

#[rocket::async_test]
async fn the_storage_quota_takes_a_file_below_the_limit() {
    let app = TestApp::spawn().await;
    let (org, round) = (sunshine(&app).await, round_id(&app).await);
    let room = leave_room(&app, org, 600).await;
    let below = pdf_of(usize::try_from(room - 1).unwrap(), "below");
    let (status, page) = apply(&app, org, round, ASSESSMENT, &[("a.pdf", &below)]).await;
    assert_eq!(status, Status::SeeOther, "{page}");
    assert!(stored_files(&app).contains(&sha(&below)));
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[rocket::async_test]
async fn the_database_and_uploads_are_private_to_the_service_user() {
    // The test process keeps its own umask (022): the modes come from the code, not the mask.
    let app = TestApp::spawn_on_file().await;
    let db_file = huoban::db::sqlite_file(&app.resolved.database_url).unwrap();
    assert_eq!(mode(&db_file), 0o600, "the database file");
    let (org, round) = (sunshine(&app).await, round_id(&app).await);
    switch(&app, NGO_ADMIN).await;
    let file = pdf_of(300, "mode");
    let (status, _) = apply(&app, org, round, ASSESSMENT, &[("a.pdf", &file)]).await;
    assert_eq!(status, Status::SeeOther);
    let uploads = app.resolved.config.uploads_path();
    assert_eq!(mode(&uploads), 0o700, "the uploads folder");
    assert_eq!(mode(&uploads.join(sha(&file))), 0o600, "an uploaded file");
    let bids = uploads.join("bids");
    assert_eq!(mode(&bids), 0o700, "the sealed bid files' folder");
    for e in std::fs::read_dir(&bids).unwrap() {
        assert_eq!(mode(&e.unwrap().path()), 0o600, "a sealed bid file");
    }
}

#[cfg(unix)]
#[test]
fn the_binary_keeps_its_data_folder_database_and_backups_private() {
    let dir = temp_dir("modes");
    let (ok, _, err) = run(huoban(&dir).args([
        "create-user",
        "--email",
        "a@example.cn",
        "--password",
        "long-enough-pw",
    ]));
    assert!(ok, "{err}");
    let data = dir.join("data");
    assert_eq!(mode(&data), 0o700, "the data folder");
    assert_eq!(
        mode(&data.join("huoban-demo.sqlite3")),
        0o600,
        "the database"
    );
    assert_eq!(mode(&data.join("huoban-demo-keys.toml")), 0o600, "the keys");
    let (ok, out, err) = run(huoban(&dir).args(["backup", "copy.sqlite3"]));
    assert!(ok, "{out}{err}");
    assert_eq!(mode(&dir.join("copy.sqlite3")), 0o600, "the backup");
}

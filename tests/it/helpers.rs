//! `TestApp`: the real application on a fresh database, a settable clock, and one helper per
//! action a person takes in the browser.

#![allow(dead_code)]

use huoban::db::{self, Db};
use huoban::platform::app;
use huoban::platform::clock::Clock;
use huoban::platform::config::{self, Config, HashParams, Mode, Resolved};
use huoban::platform::jobs::JobContext;
use huoban::platform::mail::transport::Memory;
use rocket::http::{ContentType, Cookie, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use time::macros::datetime;

pub const CHEAP_HASH: HashParams = HashParams {
    m_cost_kib: 64,
    t_cost: 1,
    p_cost: 1,
};

/// The demo users, one per role (passwords from seeds/demo.toml).
pub const ADMIN: (&str, &str) = ("admin@demo.huoban.cn", "demo-admin-2026");
pub const REGISTRAR: (&str, &str) = ("registrar@demo.huoban.cn", "demo-registrar-2026");
pub const EXPERT: (&str, &str) = ("expert@demo.huoban.cn", "demo-expert-2026");
pub const EVALUATION: (&str, &str) = ("evaluation@demo.huoban.cn", "demo-evaluation-2026");
pub const PURCHASER: (&str, &str) = ("purchaser@demo.huoban.cn", "demo-purchaser-2026");
pub const NGO_ADMIN: (&str, &str) = ("ngo@demo.huoban.cn", "demo-ngo-2026");
pub const NGO_MEMBER: (&str, &str) = ("ngo.member@demo.huoban.cn", "demo-member-2026");

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub struct TestApp {
    pub client: Client,
    pub clock: Clock,
    pub db: Db,
    pub resolved: Resolved,
    /// Where this instance's mail worker delivers.
    pub mail: Arc<Memory>,
}

fn test_config() -> Config {
    let mut c = Config {
        log_level: "off".into(),
        jobs: false,
        password_hash: CHEAP_HASH,
        public_url: "http://huoban.test".into(),
        ..Config::default()
    };
    c.keys.cookie_secret = Some(config::Secret(config::new_key_line("cookie_secret")));
    c.keys.audit_hmac = Some(config::Secret(config::new_key_line("audit_hmac")));
    c.keys.bid_sealing = Some(config::Secret(config::new_key_line("bid_sealing")));
    c.keys.identity = Some(config::Secret(config::new_key_line("identity")));
    // Each instance its own uploads, so a test counting stored files counts its own.
    c.uploads_dir = Some(std::env::temp_dir().join(unique_name("huoban-test-uploads")));
    c
}

fn unique_name(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{prefix}_{}_{}_{n}", std::process::id(), rand_suffix())
}

fn rand_suffix() -> String {
    use rand::Rng;
    let n: u32 = rand::thread_rng().gen();
    format!("{n:08x}")
}

pub fn pg_url() -> Option<String> {
    std::env::var("HUOBAN_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let cut = base.rfind('/').unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..cut]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// A migrated template database, made once per schema (named by the migrations' fingerprint)
/// under an advisory lock so parallel test processes agree.
async fn pg_template(admin_url: &str) -> String {
    TEMPLATE
        .get_or_init(|| async {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let name = format!("huoban_tpl_{}", db::migrate::fingerprint());
            let mut c = sqlx::AnyConnection::connect(admin_url).await.expect("connect to PostgreSQL");
            sqlx::query("SELECT pg_advisory_lock(4242)").execute(&mut c).await.expect("lock");
            let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_optional(&mut c)
                .await
                .expect("look up template");
            if exists.is_none() {
                let sql = format!(
                    "CREATE DATABASE {name} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.expect("create template");
                let tdb = db::connect(&with_database(admin_url, &name), 1).await.expect("connect template");
                db::migrate::run(&tdb).await.expect("migrate template");
                tdb.pool.close().await;
            }
            sqlx::query("SELECT pg_advisory_unlock(4242)").execute(&mut c).await.expect("unlock");
            c.close().await.ok();
            name
        })
        .await
        .clone()
}

async fn pg_database(admin_url: &str) -> String {
    use sqlx::Connection;
    let template = pg_template(admin_url).await;
    let name = unique_name("huoban_t");
    let mut c = sqlx::AnyConnection::connect(admin_url)
        .await
        .expect("connect to PostgreSQL");
    let sql = format!("CREATE DATABASE {name} TEMPLATE {template}");
    let mut tries = 0;
    loop {
        match sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&mut c)
            .await
        {
            Ok(_) => break,
            // Another process may be copying the template at this instant.
            Err(e) if tries < 50 && e.to_string().contains("being accessed by other users") => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("create test database: {e}"),
        }
    }
    c.close().await.ok();
    with_database(admin_url, &name)
}

/// A fresh, migrated, empty database and its URL.
pub async fn fresh_db() -> (Db, String) {
    let url = match pg_url() {
        Some(admin) => pg_database(&admin).await,
        None => format!(
            "sqlite:file:{}?mode=memory&cache=shared",
            unique_name("huoban_test")
        ),
    };
    let db = db::connect(&url, 5).await.expect("connect test database");
    db::migrate::run(&db).await.expect("migrate");
    (db, url)
}

/// Tests that run a procedure over weeks keep one person signed in while they move the clock;
/// the session lifetimes (issue 23: 30 minutes idle for staff, 12 hours in all) would sign
/// them out at every jump. Here the lifetimes are set beyond any jump (written directly: the
/// settings form bounds them far lower). `security_sessions` restores the real ones with
/// `TestApp::with_real_session_lifetimes`.
async fn sessions_outlive_the_clock(db: &Db) {
    let mut c = db.acquire().await.expect("conn");
    for key in [
        "auth.session_idle_minutes.staff",
        "auth.session_idle_minutes.other",
        "auth.session_absolute_hours",
    ] {
        sqlx::query(
            "INSERT INTO settings (key, value, valid_from, changed_by, changed_at, reason) \
             VALUES ($1, '100000000', 0, NULL, 0, 'test harness: sessions outlive clock jumps')",
        )
        .bind(key)
        .execute(&mut *c)
        .await
        .expect("session lifetimes for tests");
    }
}

impl TestApp {
    /// Gives sessions their real lifetimes again (the defaults), for tests of the lifetimes.
    pub async fn with_real_session_lifetimes(self) -> TestApp {
        let mut c = self.db.acquire().await.expect("conn");
        for d in huoban::domain::setting::DEFINITIONS
            .iter()
            .filter(|d| d.key.starts_with("auth.session_"))
        {
            sqlx::query(
                "INSERT INTO settings (key, value, valid_from, changed_by, changed_at, reason) \
                 VALUES ($1, $2, 0, NULL, 0, 'test: the real session lifetimes')",
            )
            .bind(d.key)
            .bind(d.default)
            .execute(&mut *c)
            .await
            .expect("real session lifetimes");
        }
        drop(c);
        self
    }

    /// The application with the demo data (one user per role) on a fresh database.
    pub async fn spawn() -> TestApp {
        let (db, url) = fresh_db().await;
        Self::spawn_on(db, url).await
    }

    /// As `spawn`, on a SQLite database file (WAL mode, as the embedded default runs) in a new
    /// directory under the system's temporary directory, whichever database the tests run on.
    pub async fn spawn_on_file() -> TestApp {
        let dir = std::env::temp_dir().join(unique_name("huoban_file"));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.join("huoban.sqlite3").display());
        let db = db::connect(&url, 5).await.expect("connect");
        db::migrate::run(&db).await.expect("migrate");
        Self::spawn_on(db, url).await
    }

    async fn spawn_on(db: Db, url: String) -> TestApp {
        let clock = Clock::fixed(datetime!(2026-11-28 02:00 UTC));
        let mut config = test_config();
        config.database_url = Some(url);
        let resolved = config::resolve(config, Mode::Production).expect("test config");
        app::prepare(&db, &resolved, &clock).await.expect("prepare");
        let auditor = app::auditor(&resolved, &db);
        let sealer = huoban::procurement::sealing::Sealer::new(&resolved.keys.bid_sealing);
        let uploads = resolved.config.uploads_path();
        huoban::seed::load(&db, CHEAP_HASH, &clock, &auditor, &sealer, &uploads)
            .await
            .expect("demo data");
        sessions_outlive_the_clock(&db).await;
        Self::instance(resolved, db, clock, false).await
    }

    /// As `spawn`, with the city's year written after the base demo (`seed::city::run`), as
    /// a first start in demo mode does.
    pub async fn spawn_city() -> TestApp {
        let app = Self::spawn().await;
        huoban::seed::city::run(&app.db, &app.resolved, &app.clock)
            .await
            .expect("the city's year");
        app
    }

    /// As `spawn`, with a mail transport configured (as with SMTP in production).
    pub async fn spawn_delivering() -> TestApp {
        let app = Self::spawn().await;
        let url = app.resolved.database_url.clone();
        let db = db::connect(&url, 5).await.expect("connect");
        Self::instance(app.resolved.clone(), db, app.clock.clone(), true).await
    }

    /// As `spawn`, with the application in demo mode (the demo banner; one-time links shown
    /// to admins at `/admin/mail`).
    pub async fn spawn_demo() -> TestApp {
        let app = Self::spawn().await;
        let url = app.resolved.database_url.clone();
        let db = db::connect(&url, 5).await.expect("connect");
        let mut state = app::state(&app.resolved, db.clone(), app.clock.clone()).expect("state");
        state.mode = Mode::Demo;
        let client = Client::tracked(app::build(&app.resolved, state))
            .await
            .expect("rocket");
        TestApp {
            client,
            clock: app.clock.clone(),
            db,
            resolved: app.resolved.clone(),
            mail: Arc::new(Memory::default()),
        }
    }

    /// The application on `db`. Tests drive the mail worker themselves (`deliver_mail`) with
    /// `mail`; `delivering` also gives the application state that transport, as SMTP would.
    async fn instance(resolved: Resolved, db: Db, clock: Clock, delivering: bool) -> TestApp {
        let mut state = app::state(&resolved, db.clone(), clock.clone()).expect("state");
        let mail = Arc::new(Memory::default());
        if delivering {
            state.mail_transport = Some(mail.clone());
        }
        let client = Client::tracked(app::build(&resolved, state))
            .await
            .expect("rocket");
        TestApp {
            client,
            clock,
            db,
            resolved,
            mail,
        }
    }

    /// A second application process on the same database, with the same keys and its own
    /// connection pool and mail transport.
    pub async fn second_instance(&self) -> TestApp {
        let url = self.resolved.database_url.clone();
        let db = db::connect(&url, 5).await.expect("connect");
        Self::instance(self.resolved.clone(), db, self.clock.clone(), false).await
    }

    /// Another instance on the same database, its configuration changed by `change`.
    pub async fn instance_with(&self, change: impl FnOnce(&mut Config)) -> TestApp {
        let mut resolved = self.resolved.clone();
        change(&mut resolved.config);
        let db = db::connect(&resolved.database_url, 5)
            .await
            .expect("connect");
        Self::instance(resolved, db, self.clock.clone(), false).await
    }

    /// This instance's cache of public pages.
    pub fn page_cache(&self) -> &huoban::web::page_cache::PageCache {
        &self
            .client
            .rocket()
            .state::<app::AppState>()
            .expect("state")
            .page_cache
    }

    /// Job context of this instance, as the liftoff fairing would build it.
    pub fn jobs(&self) -> JobContext {
        let state = self
            .client
            .rocket()
            .state::<app::AppState>()
            .expect("state");
        JobContext::from_state(state)
    }

    /// Runs the mail worker of this instance once.
    pub async fn deliver_mail(&self) -> huoban::platform::mail::worker::Round {
        let ctx = self.jobs();
        let transport = self.mail.clone();
        let round = ctx
            .mail_worker(transport.as_ref())
            .run_once()
            .await
            .expect("mail worker");
        round
    }

    pub async fn verify_audit(&self) -> huoban::platform::audit::Report {
        huoban::platform::audit::verify(
            &self.db,
            std::slice::from_ref(&self.resolved.keys.audit_hmac),
            None,
        )
        .await
        .expect("verify")
    }

    pub async fn get(&self, path: &str) -> (Status, String) {
        let r = self.client.get(path.to_string()).dispatch().await;
        let status = r.status();
        (status, r.into_string().await.unwrap_or_default())
    }

    pub async fn get_with(
        &self,
        path: &str,
        headers: &[(&'static str, &'static str)],
    ) -> LocalResponse<'_> {
        let mut req = self.client.get(path.to_string());
        for (k, v) in headers {
            req = req.header(Header::new(*k, *v));
        }
        req.dispatch().await
    }

    /// The CSRF token of this client (from the hidden field of a page).
    pub async fn csrf(&self) -> String {
        let (_, body) = self.get("/login").await;
        extract_csrf(&body).expect("a CSRF token on the login page")
    }

    /// Posts a form as a browser would: urlencoded, with this client's CSRF token, and as
    /// a person who has confirmed an irreversible action on its confirmation page
    /// (`web::confirm`; `post_unconfirmed` is the first click).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> LocalResponse<'_> {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str()), ("_confirmed", "yes")];
        all.extend_from_slice(fields);
        self.post_raw(path, &encode(&all)).await
    }

    /// Posts a form without the confirmation an irreversible action asks for.
    pub async fn post_unconfirmed(&self, path: &str, fields: &[(&str, &str)]) -> LocalResponse<'_> {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &encode(&all)).await
    }

    pub async fn post_raw(&self, path: &str, body: &str) -> LocalResponse<'_> {
        self.client
            .post(path.to_string())
            .header(ContentType::Form)
            .body(body)
            .dispatch()
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> LocalResponse<'_> {
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }

    /// Logs in and checks it worked.
    pub async fn login_as(&self, who: (&str, &str)) {
        let r = self.login(who.0, who.1).await;
        assert_eq!(
            r.status(),
            Status::SeeOther,
            "login as {} should redirect",
            who.0
        );
        assert_eq!(r.headers().get_one("Location"), Some("/dashboard"));
    }

    pub async fn logout(&self) {
        let r = self.post("/logout", &[]).await;
        assert_eq!(r.status(), Status::SeeOther);
    }

    /// The raw (sealed) session cookie, to replay it as another device would.
    pub fn session_cookie(&self) -> Option<Cookie<'static>> {
        self.client
            .cookies()
            .get("huoban_session")
            .map(|c| c.clone().into_owned())
    }

    pub async fn scalar(&self, sql: &'static str) -> i64 {
        let mut c = self.db.acquire().await.expect("conn");
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&mut *c)
            .await
            .expect("scalar")
    }

    /// A number a query built at run time returns.
    pub async fn scalar_of(&self, sql: &str) -> i64 {
        let mut c = self.db.acquire().await.expect("conn");
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&mut *c)
            .await
            .expect("scalar")
    }

    /// The text a query built at run time returns.
    pub async fn text(&self, sql: &str) -> String {
        let mut c = self.db.acquire().await.expect("conn");
        sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&mut *c)
            .await
            .expect("text")
    }

    /// The newest mail to `addr`: (subject, body).
    pub async fn last_mail_to(&self, addr: &str) -> Option<(String, String)> {
        let mut c = self.db.acquire().await.expect("conn");
        sqlx::query_as::<_, (String, String)>(
            "SELECT subject, body_text FROM mail_outbox WHERE to_addr = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(addr)
        .fetch_optional(&mut *c)
        .await
        .expect("mail")
    }
}

/// One file of a multipart form: its field, file name, content type and bytes.
pub struct Part<'a> {
    pub field: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// A multipart/form-data body as a browser sends it: the text fields, then the files.
pub fn multipart(fields: &[(&str, &str)], files: &[Part<'_>]) -> (ContentType, Vec<u8>) {
    let b = "huobanTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for f in files {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n\
                 Content-Type: {}\r\n\r\n",
                f.field, f.filename, f.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(f.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (
        ContentType::new("multipart", "form-data").with_params(("boundary", b)),
        body,
    )
}

/// The address of the language switch link an anonymous visitor's page has.
pub fn language_link(body: &str) -> String {
    let marker = "class=\"lang-switch\"><a href=\"";
    let start = body.find(marker).expect("a language switch link") + marker.len();
    let end = body[start..].find('"').expect("the end of the link") + start;
    html_unescape(&body[start..end])
}

pub fn extract_csrf(body: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(html_unescape(&body[start..end]))
}

pub fn html_unescape(s: &str) -> String {
    s.replace("&#x2F;", "/")
        .replace("&#x3D;", "=")
        .replace("&#x2B;", "+")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
}

/// A link from a mail body that starts with `prefix` (for example `/confirm/`): the path.
pub fn link_in(body: &str, prefix: &str) -> Option<String> {
    let start = body.find(&format!("http://huoban.test{prefix}"))? + "http://huoban.test".len();
    let rest = &body[start..];
    let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

pub fn encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Fields that would make each route act if its token were accepted.
pub fn plausible_fields(path: &str) -> Vec<(&'static str, &'static str)> {
    match path {
        "/login" => vec![("email", ADMIN.0), ("password", ADMIN.1)],
        "/signup" => vec![
            ("display_name", "测试"),
            ("email", "csrf@example.cn"),
            ("password", "a-long-password"),
            ("password_confirm", "a-long-password"),
        ],
        "/lang" => vec![("lang", "en"), ("next", "/")],
        "/password/forgot" => vec![("email", ADMIN.0)],
        "/account/profile" => vec![("display_name", "改名"), ("phone", "13800000000")],
        "/admin/settings" => vec![
            ("key", "payment.term_days"),
            ("value", "45"),
            ("reason", "csrf test"),
        ],
        p if p.ends_with("/roles") => vec![("role", "expert")],
        p if p.ends_with("/invitations") => vec![("email", "new@example.cn")],
        p if p.ends_with("/admin-handover") => vec![("member", "2")],
        p if p.starts_with("/password/reset/") => vec![
            ("password", "a-long-password"),
            ("password_confirm", "a-long-password"),
        ],
        _ => vec![],
    }
}

/// A route's URI with its parameters filled in (org 1, membership 2, id 1, a made-up token).
pub fn concrete(uri: &str) -> String {
    uri.split('?')
        .next()
        .unwrap_or("")
        .split('/')
        .map(|seg| {
            if seg.starts_with('<') {
                match seg {
                    "<token>" => "not-a-real-token",
                    "<member>" => "2",
                    "<section>" => "basics",
                    "<action>" => "accept",
                    "<doc>" => "acceptance",
                    _ => "1",
                }
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What the database keeps beside the ledger and the contracts (migrations 0050, 0055–0057, 0059)
/// that differs from the same worked out from the records: each finding names the row. Empty
/// when every kept figure is right.
pub async fn kept_drift(app: &TestApp) -> Vec<String> {
    let mut c = app.db.acquire().await.expect("conn");
    let queries = [
        (
            "installment paid",
            "SELECT i.id FROM installments i WHERE i.paid_fen <> (SELECT COALESCE(SUM(e.amount_fen), 0) \
             FROM ledger_entries e WHERE e.contract_id = i.contract_id AND e.installment_pos = i.pos)",
        ),
        (
            "installment department",
            "SELECT i.id FROM installments i JOIN contracts k ON k.id = i.contract_id \
             WHERE i.department_id IS NULL OR i.department_id <> k.department_id",
        ),
        (
            "contract department",
            "SELECT k.id FROM contracts k JOIN projects p ON p.id = k.project_id \
             WHERE k.department_id IS NULL OR k.department_id <> p.department_id",
        ),
        (
            "installment payable since",
            "SELECT i.id FROM installments i JOIN contracts k ON k.id = i.contract_id \
             WHERE COALESCE(i.payable_since, -1) <> COALESCE(CASE i.condition \
               WHEN 'signing' THEN k.signed_at WHEN 'acceptance' THEN k.accepted_at \
               WHEN 'review' THEN (SELECT MIN(r.submitted_at) FROM perf_reviews r \
                 WHERE r.contract_id = i.contract_id AND r.milestone = i.review_name) END, -1)",
        ),
        (
            "winner signed",
            "SELECT w.id FROM award_winners w WHERE COALESCE(w.signed_at, -1) <> \
             COALESCE((SELECT MIN(k.signed_at) FROM contracts k WHERE k.winner_id = w.id), -1)",
        ),
        (
            "spending total",
            "SELECT t.department_id FROM spending_totals t WHERE t.paid_fen <> \
             (SELECT COALESCE(SUM(e.amount_fen), 0) FROM ledger_entries e \
              JOIN contracts k ON k.id = e.contract_id JOIN projects p ON p.id = k.project_id \
              WHERE p.department_id = t.department_id AND p.category_code = t.category_code)",
        ),
        (
            "spending total missing",
            "SELECT DISTINCT p.department_id FROM ledger_entries e JOIN contracts k ON k.id = e.contract_id \
             JOIN projects p ON p.id = k.project_id WHERE NOT EXISTS (SELECT 1 FROM spending_totals t \
             WHERE t.department_id = p.department_id AND t.category_code = p.category_code)",
        ),
    ];
    let mut out = Vec::new();
    for (what, sql) in queries {
        let ids: Vec<i64> = sqlx::query_scalar(sql)
            .fetch_all(&mut *c)
            .await
            .expect(what);
        out.extend(ids.into_iter().map(|id| format!("{what}: {id}")));
    }
    out
}

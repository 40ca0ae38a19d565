//! The binary: production refuses to start without keys, the CLI commands work on a real
//! SQLite file, and with no configuration `huoban` serves the demo.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_huoban");

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("huoban-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn huoban(dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .current_dir(dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

/// Keys for one test's runs: the same for every command, as an operator's would be.
fn keys() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = ["cookie_secret", "audit_hmac", "bid_sealing", "identity"]
        .iter()
        .map(|n| {
            (
                format!("HUOBAN_KEYS__{}", n.to_uppercase()),
                huoban::platform::config::new_key_line(n),
            )
        })
        .collect();
    v.push(("HUOBAN_PASSWORD_HASH__M_COST_KIB".into(), "64".into()));
    v.push(("HUOBAN_PASSWORD_HASH__T_COST".into(), "1".into()));
    v
}

#[test]
fn production_without_keys_refuses_to_start_and_names_them() {
    let dir = temp_dir("nokeys");
    let out = huoban(&dir)
        .env("DATABASE_URL", "sqlite://prod.db?mode=rwc")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cookie_secret, audit_hmac, bid_sealing, identity"),
        "{err}"
    );
    assert!(!dir.join("prod.db").exists(), "nothing was created");
}

#[test]
fn migrate_demo_create_user_and_backup_on_a_sqlite_file() {
    let dir = temp_dir("cmds");
    let url = "sqlite://prod.db?mode=rwc";
    let keys = keys();
    let run = |args: &[&str]| {
        huoban(&dir)
            .env("DATABASE_URL", url)
            .envs(keys.clone())
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&["migrate"]).status.success());
    let out = run(&[
        "create-user",
        "--email",
        "a@example.cn",
        "--role",
        "registrar:nb-city",
        "--password",
        "long-enough-pw",
    ]);
    assert!(!out.status.success(), "no such unit before the demo data");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no unit with code `nb-city`"));
    let out = run(&["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("admin@demo.huoban.cn"));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("a city's year: 320 organizations"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!run(&["demo"]).status.success(), "demo data loads once");
    // The contact printed under a body's notices; an unknown unit is named in the refusal.
    let issuer = |unit: &str| {
        run(&[
            "issuer",
            "--unit",
            unit,
            "--phone",
            "0574-1234",
            "--address",
            "某路 1 号",
            "--name-zh",
            "某市财政局",
            "--name-en",
            "Finance Bureau",
        ])
    };
    let out = issuer("nb-nowhere");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no unit with code `nb-nowhere`"));
    for (unit, name) in [
        ("nb-city", "宁波市民政局"),
        ("haishu-health", "宁波市海曙区卫生健康局"),
        ("supervisor", "某市财政局"),
    ] {
        let out = issuer(unit);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("{unit}: {name} · 0574-1234 · 某路 1 号"),
            "read back as stored"
        );
    }
    let out = run(&[
        "create-user",
        "--email",
        "Li@Example.cn",
        "--name",
        "李",
        "--role",
        "registrar:nb-city",
        "--role",
        "expert",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("password: "),
        "a generated password is printed"
    );
    assert!(
        !run(&["create-user", "--email", "li@example.cn"])
            .status
            .success(),
        "the email is taken"
    );
    assert!(
        !run(&["create-user", "--email", "x@example.cn", "--role", "wizard"])
            .status
            .success()
    );
    let out = run(&["backup", "copy.db"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !run(&["backup", "copy.db"]).status.success(),
        "never overwrites"
    );
    // The copy is a complete database.
    let copy = dir.join("copy.db");
    let n = rocket::async_test(async move {
        let db = huoban::db::connect(&format!("sqlite://{}", copy.display()), 1)
            .await
            .unwrap();
        let mut c = db.acquire().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM role_grants")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        n
    });
    assert_eq!(n, 17, "fifteen demo grants plus the two new ones");
    // Generated organizations at scale: indexed, counted, found.
    let out = run(&["demo", "--orgs", "300"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db_file = dir.join("prod.db");
    let (orgs, counted) = rocket::async_test(async move {
        let db = huoban::db::connect(&format!("sqlite://{}", db_file.display()), 1)
            .await
            .unwrap();
        let mut c = db.acquire().await.unwrap();
        let orgs: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM organizations")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        let page = huoban::db::search::search(&mut c, db.backend, "", &Default::default(), 0, 20)
            .await
            .unwrap();
        (orgs, page.count)
    });
    let city = (huoban::seed::city::ORGANIZATIONS + huoban::seed::city::REGISTERED) as i64;
    assert_eq!(
        orgs,
        4 + city + 300,
        "four demo organizations, the city's and 300 generated"
    );
    assert_eq!(
        counted,
        4 + city + 300,
        "all of them counted by the directory"
    );
    // Import from a legacy file, twice: the second run adds nothing.
    let csv_path = dir.join("legacy.csv");
    std::fs::write(&csv_path, "名称,统一社会信用代码,类型,地区代码,成立日期\n福建早期机构,91350100M0001TGQXM,社会团体,330200,2001-03-01\n无代码机构,,社会团体,330200,2001-03-01\n").unwrap();
    let out = run(&["import-orgs", "legacy.csv"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("imported 1 organizations (1 with a legacy code")
            && text.contains("line 3: 缺少统一社会信用代码"),
        "{text}"
    );
    let out = run(&["import-orgs", "legacy.csv"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 0 organizations (0 with a legacy code whose checksum is not valid, kept and flagged); 1 already present"));
    // The audit trail of everything above verifies; an entry altered by hand is named.
    let out = run(&["verify-audit"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit trail verified"));
    let db_file = dir.join("prod.db");
    rocket::async_test(async move {
        let db = huoban::db::connect(&format!("sqlite://{}", db_file.display()), 1)
            .await
            .unwrap();
        // Whoever edits the trail by hand first lifts the database's append-only guard.
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&db.pool)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'user:1' WHERE seq = 2")
            .execute(&db.pool)
            .await
            .unwrap();
    });
    let out = run(&["verify-audit"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("entry 2 (standards.loaded on eval_standards *) was altered"),
        "{err}"
    );
}

#[test]
fn with_no_configuration_it_serves_the_demo_and_keeps_its_keys_across_restarts() {
    let dir = temp_dir("demo");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let start = || {
        huoban(&dir)
            .env("HUOBAN_PORT", port.to_string())
            .env("HUOBAN_LOG_LEVEL", "critical")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let fetch = |path: &str| -> Option<String> {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut body = String::new();
        s.read_to_string(&mut body).ok()?;
        Some(body)
    };
    let wait = || {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(60) {
            if let Some(b) = fetch("/") {
                return b;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("the demo server did not start");
    };
    let mut child = start();
    let home = wait();
    assert!(home.contains("演示模式"), "the demo banner is on the page");
    let login = fetch("/login").unwrap();
    assert!(login.contains("name=\"_csrf\""));
    child.kill().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child.wait().unwrap();
    assert!(
        out.contains("DEMO mode") && out.contains("demo-admin-2026"),
        "the demo logins are printed: {out}"
    );
    let keys = std::fs::read_to_string(dir.join("data/huoban-demo-keys.toml")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("data/huoban-demo-keys.toml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A restart reuses the keys and does not load the demo data twice.
    let mut child = start();
    wait();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("data/huoban-demo-keys.toml")).unwrap(),
        keys
    );
    let file = dir.join("data/huoban-demo.sqlite3");
    let users = rocket::async_test(async move {
        let db = huoban::db::connect(&format!("sqlite://{}", file.display()), 1)
            .await
            .unwrap();
        let mut c = db.acquire().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM users")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        n
    });
    assert_eq!(
        users,
        (huoban::seed::data().unwrap().users.len()
            + huoban::seed::city::ORGANIZATIONS
            + huoban::seed::city::APPLICANTS) as i64,
        "demo data and the city's organizations' administrators, loaded once"
    );
}

#[test]
fn load_standard_adds_a_new_version_once_and_never_rewrites_one() {
    let dir = temp_dir("standard");
    let keys = keys();
    let run = |args: &[&str]| {
        huoban(&dir)
            .env("DATABASE_URL", "sqlite://std.db?mode=rwc")
            .envs(keys.clone())
            .args(args)
            .output()
            .unwrap()
    };
    let v1 = huoban::domain::standard::BUILT_IN[0].1;
    std::fs::write(dir.join("v1.toml"), v1).unwrap();
    let out = run(&["load-standard", "v1.toml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("base total 1000"));
    let out = run(&["load-standard", "v1.toml"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing changed"));
    // Other content under the same version is refused; as version 2 it is added.
    let changed = v1
        .replacen("max = 10\n", "max = 5\n", 1)
        .replacen("max = 15\n", "max = 20\n", 1);
    std::fs::write(dir.join("changed.toml"), &changed).unwrap();
    let out = run(&["load-standard", "changed.toml"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already loaded with other content"));
    std::fs::write(
        dir.join("v2.toml"),
        changed.replacen("version = 1", "version = 2", 1),
    )
    .unwrap();
    let out = run(&["load-standard", "v2.toml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A standard that does not add up to 1000 is refused with the total it has.
    std::fs::write(
        dir.join("bad.toml"),
        v1.replacen("max = 10\n", "max = 9\n", 1)
            .replacen("version = 1", "version = 3", 1),
    )
    .unwrap();
    let out = run(&["load-standard", "bad.toml"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("999"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn calendar_show_prints_a_year_and_load_stores_an_official_table_or_refuses_naming_the_date() {
    let dir = temp_dir("calendar");
    let url = "sqlite://prod.db?mode=rwc";
    let keys = keys();
    let run = |args: &[&str]| {
        huoban(&dir)
            .env("DATABASE_URL", url)
            .envs(keys.clone())
            .args(args)
            .output()
            .unwrap()
    };
    let stdout = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).to_string();
    // No official 2027 table: provisional, from the law; holidays one ISO date a line.
    let out = run(&["calendar", "show", "2027"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "2027 provisional 全国年节及纪念日放假办法（2024年修订）"
    );
    for d in [
        "2027-01-01",
        "2027-02-05",
        "2027-02-10",
        "2027-04-05",
        "2027-10-05",
    ] {
        assert!(
            lines.contains(&format!("{d} holiday").as_str()),
            "{d}: {text}"
        );
    }
    assert!(
        !text.contains("working"),
        "the law knows no adjusted working days"
    );
    let out = run(&["calendar", "show", "2026"]);
    let text = stdout(&out);
    assert!(
        text.starts_with("2026 official 国务院办公厅通知 2025-11-04 (version "),
        "{text}"
    );
    assert!(text.contains("\n2026-02-23 holiday\n") && text.contains("\n2026-01-04 working\n"));
    // A make-up working day on a Wednesday is refused, naming it; nothing is stored.
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "year = 2027\nsource = \"国办发明电〔2026〕99号\"\nholidays = [\"2027-01-01..2027-01-03\"]\nadjusted_working_days = [\"2027-01-06\"]\n",
    )
    .unwrap();
    let out = run(&["calendar", "load", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("2027-01-06"));
    assert!(stdout(&run(&["calendar", "show", "2027"])).starts_with("2027 provisional"));
    let good = dir.join("2027.toml");
    std::fs::write(
        &good,
        "year = 2027\nsource = \"国办发明电〔2026〕99号\"\nholidays = [\"2027-01-01..2027-01-03\", \"2027-02-05..2027-02-12\"]\nadjusted_working_days = [\"2027-02-20\"]\n",
    )
    .unwrap();
    let out = run(&["calendar", "load", good.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("2027: official table 国办发明电〔2026〕99号 loaded as version"));
    let text = stdout(&run(&["calendar", "show", "2027"]));
    assert!(
        text.starts_with("2027 official 国办发明电〔2026〕99号"),
        "{text}"
    );
    assert!(text.contains("\n2027-02-12 holiday\n") && text.ends_with("2027-02-20 working\n"));
    let out = run(&["calendar", "load", good.to_str().unwrap()]);
    assert!(stdout(&out).contains("nothing changed"));
}

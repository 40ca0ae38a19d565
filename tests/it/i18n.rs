//! Chinese by default, English by a visible switch (cookie, then preference, then
//! Accept-Language); every message the templates use exists in both catalogues.

use crate::helpers::*;
use huoban::domain::lang::Lang;
use rocket::http::Status;

#[rocket::async_test]
async fn pages_are_in_chinese_by_default_and_english_after_the_switch() {
    let app = TestApp::spawn().await;
    let (_, body) = app.get("/").await;
    assert!(body.contains("<html lang=\"zh-CN\">"));
    assert!(body.contains("社会组织服务平台"));
    let r = app
        .post("/lang", &[("lang", "en"), ("next", "/login")])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(r.headers().get_one("Location"), Some("/login"));
    let (_, body) = app.get("/login").await;
    assert!(body.contains("<html lang=\"en\">"));
    assert!(body.contains("Sign in"));
    let r = app.login(ADMIN.0, "wrong-password").await;
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("The email address or password is not right."));
}

/// The anonymous visitor's switch is a link: it sets the language cookie and goes back, only
/// ever to a page of this site; an unknown language is Chinese.
#[rocket::async_test]
async fn an_anonymous_visitors_switch_is_a_link_that_only_goes_back_to_this_site() {
    let app = TestApp::spawn().await;
    let (_, home) = app.get("/").await;
    assert_eq!(language_link(&home), "/lang?lang=en&next=%2F");
    let r = app
        .client
        .get("/lang?lang=en&next=%2Fawards%3Fq%3D%25E5%25AE%2581")
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(r.headers().get_one("Location"), Some("/awards?q=%E5%AE%81"));
    drop(r);
    let (_, page) = app.get("/awards").await;
    assert!(page.contains("<html lang=\"en\">"));
    assert_eq!(language_link(&page), "/lang?lang=zh-CN&next=%2Fawards");
    let r = app
        .client
        .get("/lang?lang=xx&next=%2F%2Fevil.example%2F")
        .dispatch()
        .await;
    assert_eq!(r.headers().get_one("Location"), Some("/"));
    drop(r);
    assert!(app.get("/").await.1.contains("<html lang=\"zh-CN\">"));
}

#[rocket::async_test]
async fn accept_language_is_honoured_without_a_cookie() {
    let app = TestApp::spawn().await;
    let r = app
        .get_with("/", &[("Accept-Language", "en-GB,en;q=0.9")])
        .await;
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("<html lang=\"en\">"));
}

#[rocket::async_test]
async fn a_signed_in_users_choice_is_remembered_as_their_preference() {
    let app = TestApp::spawn().await;
    app.login_as(EXPERT).await;
    app.post("/lang", &[("lang", "en")]).await;
    let n = app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE email = 'expert@demo.huoban.cn' AND preferred_lang = 'en'").await;
    assert_eq!(n, 1);
    // A mail to them is then written in English.
    app.logout().await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    let (subject, body) = app.last_mail_to(EXPERT.0).await.unwrap();
    assert_eq!(subject, "Huoban: reset your password");
    assert!(body.starts_with("Hello"));
}

/// Every `t(key="…")` in the templates and every message key in the Rust sources exists in both
/// catalogues.
#[test]
fn every_message_key_used_exists_in_both_catalogues() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut keys = std::collections::BTreeSet::new();
    let mut files = Vec::new();
    for dir in ["templates", "src"] {
        collect(&std::path::Path::new(root).join(dir), &mut files);
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (marker, end) in [("t(key=\"", '"'), ("\"err-", '"'), ("\"flash-", '"')] {
            let mut rest = text.as_str();
            while let Some(i) = rest.find(marker) {
                // `get(key="…")` is a Tera filter argument, not a message.
                let preceded_by_word = i > 0 && rest.as_bytes()[i - 1].is_ascii_alphanumeric();
                rest = &rest[i + marker.len()..];
                if marker.starts_with("t(") && preceded_by_word {
                    continue;
                }
                let Some(j) = rest.find(end) else { break };
                let key = if marker.starts_with("t(") {
                    rest[..j].to_string()
                } else {
                    format!("{}{}", &marker[1..], &rest[..j])
                };
                if !key.ends_with('-') && !key.contains('{') && !key.contains(' ') {
                    keys.insert(key);
                }
            }
        }
    }
    assert!(keys.len() > 50, "found {} keys", keys.len());
    let catalogue = |lang: Lang| -> std::collections::BTreeSet<String> {
        let path = std::path::Path::new(root)
            .join("templates/locales")
            .join(lang.code())
            .join("main.ftl");
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
            .filter(|k| !k.is_empty() && !k.starts_with('#') && !k.starts_with(' '))
            .collect()
    };
    let (zh, en) = (catalogue(Lang::ZhCn), catalogue(Lang::En));
    assert_eq!(zh, en, "both catalogues define the same messages");
    let has = |_: Lang, k: &str| zh.contains(k);
    let mut missing = Vec::new();
    for k in &keys {
        for lang in [Lang::ZhCn, Lang::En] {
            if !has(lang, k) {
                missing.push(format!("{k} ({})", lang.code()));
            }
        }
    }
    // Keys built from data: roles, settings, panels.
    for r in huoban::domain::role::Role::ALL {
        for lang in [Lang::ZhCn, Lang::En] {
            for k in [
                r.label_key(),
                format!("panel-{}", r.code().replace('_', "-")),
            ] {
                if !has(lang, &k) {
                    missing.push(format!("{k} ({})", lang.code()));
                }
            }
        }
    }
    for d in huoban::domain::setting::DEFINITIONS {
        let k = format!("setting-{}", d.key.replace('.', "-"));
        for lang in [Lang::ZhCn, Lang::En] {
            if !has(lang, &k) {
                missing.push(format!("{k} ({})", lang.code()));
            }
        }
    }
    assert!(missing.is_empty(), "missing messages: {missing:?}");
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "tera" || x == "rs") {
            out.push(p);
        }
    }
}

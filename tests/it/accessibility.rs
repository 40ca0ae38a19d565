//! Issue 25, item 6: accessibility beyond what axe sees. No page names two elements with one
//! id; every error message beside a field is the description (`aria-describedby`) of a control
//! marked `aria-invalid`; page titles say what the page is; Chinese names on English pages are
//! marked `lang="zh-CN"`; wide tables sit in their scroll box.
//!
//! The crawl signs in as every demo user, follows the links of the pages it reaches and submits
//! every form it finds with its visible fields left empty (the first click: an irreversible
//! action only asks for its confirmation), and checks every page it gets back.

use crate::helpers::*;
use rocket::http::{ContentType, Header, Status};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// One start tag: its name, its attributes (values unescaped) and where it starts.
#[derive(Debug)]
pub struct Tag {
    pub name: String,
    pub attrs: HashMap<String, String>,
    pub at: usize,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }
}

/// The start tags of a page, in order (comments, scripts and end tags skipped).
pub fn tags(body: &str) -> Vec<Tag> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        if body[i..].starts_with("<!--") {
            i = body[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if i + 1 >= b.len() || !b[i + 1].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i + 1;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
            j += 1;
        }
        let name = body[i + 1..j].to_ascii_lowercase();
        let mut attrs = HashMap::new();
        loop {
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' || b[j] == b'/' {
                break;
            }
            let ns = j;
            while j < b.len() && !b[j].is_ascii_whitespace() && !b"=>/".contains(&b[j]) {
                j += 1;
            }
            let an = body[ns..j].to_ascii_lowercase();
            let mut value = String::new();
            if j < b.len() && b[j] == b'=' {
                j += 1;
                if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                    let q = b[j];
                    let vs = j + 1;
                    j = vs;
                    while j < b.len() && b[j] != q {
                        j += 1;
                    }
                    value = html_unescape(&body[vs..j.min(b.len())]);
                    j += 1;
                } else {
                    let vs = j;
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    value = html_unescape(&body[vs..j]);
                }
            }
            if an.is_empty() {
                j += 1;
                continue;
            }
            attrs.insert(an, value);
        }
        while j < b.len() && b[j] != b'>' {
            j += 1;
        }
        out.push(Tag {
            name: name.clone(),
            attrs,
            at: start,
        });
        i = j + 1;
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            i = body[i.min(b.len())..]
                .find(&close)
                .map_or(b.len(), |e| i + e);
        }
    }
    out
}

/// The text of the element starting at `at` (up to its own end tag), tags removed, spaces
/// collapsed.
pub fn text_at(body: &str, tag: &Tag) -> String {
    let open = body[tag.at..]
        .find('>')
        .map_or(body.len(), |e| tag.at + e + 1);
    // Nested elements of the same name are counted so the right end tag is found.
    let (o, c) = (format!("<{}", tag.name), format!("</{}>", tag.name));
    let mut depth = 1;
    let mut k = open;
    let mut end = body.len();
    while let Some(next_c) = body[k..].find(&c) {
        let next_o = body[k..].find(&o);
        match next_o {
            Some(n) if n < next_c => {
                depth += 1;
                k += n + o.len();
            }
            _ => {
                depth -= 1;
                if depth == 0 {
                    end = k + next_c;
                    break;
                }
                k += next_c + c.len();
            }
        }
    }
    let mut text = String::new();
    let mut inside = false;
    for ch in body[open..end].chars() {
        match ch {
            '<' => inside = true,
            '>' => {
                inside = false;
                text.push(' ');
            }
            _ if !inside => text.push(ch),
            _ => {}
        }
    }
    html_unescape(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What is wrong with a page: ids used twice, descriptions pointing nowhere, error messages
/// without an id or not describing an invalid control.
pub fn problems(body: &str) -> Vec<String> {
    let all = tags(body);
    let mut out = Vec::new();
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for t in &all {
        if let Some(id) = t.attr("id") {
            *ids.entry(id).or_default() += 1;
        }
    }
    for (id, n) in &ids {
        if *n > 1 {
            out.push(format!("id \"{id}\" is used {n} times"));
        }
    }
    for t in &all {
        for attr in ["aria-describedby", "aria-labelledby"] {
            for r in t.attr(attr).unwrap_or("").split_whitespace() {
                if !ids.contains_key(r) {
                    out.push(format!("<{} {attr}=\"{r}\"> names no element", t.name));
                }
            }
        }
    }
    // The error summary's messages by the field they link to: the message beside that field
    // (`<field>-error`) says the same.
    let summary: Vec<(String, String)> = all
        .iter()
        .filter(|t| t.name == "li" && body[t.at..].starts_with("<li><a href=\"#"))
        .filter_map(|t| {
            let field = body[t.at + "<li><a href=\"#".len()..].split('"').next()?;
            Some((format!("{field}-error"), text_at(body, t)))
        })
        .collect();
    for (n, t) in all.iter().enumerate() {
        let class = t.attr("class").unwrap_or("");
        if !class.split_whitespace().any(|c| c == "error-message") {
            continue;
        }
        let text = text_at(body, t);
        let Some(id) = t.attr("id") else {
            out.push(format!("the error message \"{text}\" has no id"));
            continue;
        };
        if text.is_empty() {
            out.push(format!("the error message #{id} is empty"));
        }
        let said: Vec<&String> = summary
            .iter()
            .filter(|(f, _)| f == id)
            .map(|(_, m)| m)
            .collect();
        if !said.is_empty() && !said.iter().any(|m| text.contains(m.as_str())) {
            out.push(format!(
                "the error message #{id} (\"{text}\") is not what the summary says: {said:?}"
            ));
        }
        if class.split_whitespace().any(|c| c == "form-error") {
            continue; // a message about the whole form, not one field
        }
        let describers: Vec<&Tag> = all
            .iter()
            .filter(|d| {
                d.attr("aria-describedby")
                    .is_some_and(|v| v.split_whitespace().any(|r| r == id))
            })
            .collect();
        if describers.is_empty() {
            out.push(format!(
                "the error message #{id} (\"{text}\") describes nothing (after <{}>)",
                all[n.saturating_sub(1)].name
            ));
            continue;
        }
        let invalid = describers.iter().any(|d| {
            if d.attr("aria-invalid") == Some("true") {
                return true;
            }
            // A group (fieldset) is described; its controls are marked invalid.
            d.name == "fieldset" && {
                let end = body[d.at..]
                    .find("</fieldset>")
                    .map_or(body.len(), |e| d.at + e);
                all.iter()
                    .any(|c| c.at > d.at && c.at < end && c.attr("aria-invalid") == Some("true"))
            }
        });
        if !invalid {
            out.push(format!(
                "the control described by #{id} is not marked aria-invalid"
            ));
        }
    }
    // A table sits in its scroll box (`.table-wrap`), so a wide one never widens the page.
    for t in all.iter().filter(|t| t.name == "table") {
        let before = &body[..t.at];
        let wrapped = before
            .rfind("class=\"table-wrap\"")
            .is_some_and(|w| !before[w..].contains("</table>") && !before[w..].contains("</div>"));
        if !wrapped && !t.attr("class").is_some_and(|c| c.contains("cal-month")) {
            out.push("a table outside its scroll box (.table-wrap)".to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The links of a page worth following (same site, pages, not files or data).
fn links(body: &str) -> Vec<String> {
    tags(body)
        .iter()
        .filter(|t| t.name == "a")
        .filter_map(|t| t.attr("href"))
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .filter(|h| {
            ![
                "/static/", "/api/", "/data/", "/ocds", "/feeds", "/files/", "/logout",
            ]
            .iter()
            .any(|p| h.starts_with(p))
        })
        .filter(|h| {
            ![
                ".csv", ".xlsx", ".json", ".pdf", ".xml", ".ics", ".atom", ".zip", ".txt",
            ]
            .iter()
            .any(|e| h.split('?').next().unwrap_or("").ends_with(e))
        })
        .filter(|h| !h.contains("/files/") && !h.contains("/download"))
        .collect()
}

/// A page's forms that post: (action, multipart, hidden fields, whether it asks for input).
type PostForm = (String, bool, Vec<(String, String)>, bool);

fn post_forms(body: &str) -> Vec<PostForm> {
    let all = tags(body);
    let mut out = Vec::new();
    for (n, f) in all.iter().enumerate() {
        if f.name != "form"
            || !f
                .attr("method")
                .is_some_and(|m| m.eq_ignore_ascii_case("post"))
        {
            continue;
        }
        let Some(action) = f.attr("action") else {
            continue;
        };
        let end = body[f.at..]
            .find("</form>")
            .map_or(body.len(), |e| f.at + e);
        let inside = || all[n + 1..].iter().take_while(|t| t.at < end);
        let asks = inside().any(|t| {
            t.name == "textarea"
                || (t.name == "input"
                    && matches!(t.attr("type").unwrap_or("text"), "text" | "date" | "number"))
        });
        let hidden = inside()
            .filter(|t| t.name == "input" && t.attr("type") == Some("hidden"))
            .filter_map(|t| Some((t.attr("name")?.to_string(), t.attr("value")?.to_string())))
            .filter(|(k, _)| k != "_confirmed")
            .collect();
        let multipart = f.attr("enctype") == Some("multipart/form-data");
        out.push((action.to_string(), multipart, hidden, asks));
    }
    out
}

/// Where every crawl starts besides the links it finds (a role's areas; those it may not
/// enter answer 403 and are passed over).
const START: &[&str] = &[
    "/dashboard",
    "/registry",
    "/registry/orgs/1",
    "/registry/orgs/3",
    "/orgs/1/registry",
    "/orgs/1/members",
    "/applications",
    "/evaluation",
    "/purchase",
    "/purchase/projects/new",
    "/purchase/delivery",
    "/finance",
    "/complaints",
    "/experts",
    "/scoring",
    "/suppliers",
    "/suppliers/apply",
    "/admin/users",
    "/admin/settings",
    "/admin/calendar",
    "/account",
    "/projects",
    "/contracts",
];

/// A path with its numbers taken out: the shape of a page or an action.
fn shape(path: &str) -> String {
    path.split('?')
        .next()
        .unwrap_or("")
        .split('/')
        .map(|s| {
            if s.chars().any(|c| c.is_ascii_digit()) {
                "N"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Actions the crawl never submits: they end the session, switch the language or the user.
fn skipped(action: &str) -> bool {
    action.contains("logout")
        || action.starts_with("/lang")
        || action.contains("/sessions")
        || action.starts_with("/account/password")
        || action.starts_with("/password")
        || action.contains("admin-handover")
        || action.contains("/impersonate")
}

/// A page that was checked, and what was wrong with it.
#[derive(Default)]
struct Crawl {
    pages: BTreeSet<String>,
    forms: BTreeSet<String>,
    /// The form actions whose empty submission came back with error messages, all checked.
    refused: BTreeSet<String>,
    problems: BTreeMap<String, Vec<String>>,
    prefixes: Vec<String>,
}

/// The prefixes of the message keys templates build from data (`t(key="projstatus-" ~ …)`):
/// a status or kind shown raw would carry one.
fn built_key_prefixes() -> Vec<String> {
    let mut files = Vec::new();
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "tera") {
                files.push(p);
            }
        }
    }
    let mut out = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for part in text.split("t(key=\"").skip(1) {
            if let Some((prefix, rest)) = part.split_once('"') {
                if prefix.ends_with('-') && rest.trim_start().starts_with('~') {
                    out.insert(prefix.to_string());
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Words of a page's text that are message keys (a status or kind not translated).
fn raw_keys(body: &str, prefixes: &[String]) -> Vec<String> {
    let mut text = String::new();
    let mut inside = false;
    let main = body.split("<main").nth(1).unwrap_or(body);
    for ch in main.chars() {
        match ch {
            '<' => inside = true,
            '>' => {
                inside = false;
                text.push(' ');
            }
            _ if !inside => text.push(ch),
            _ => {}
        }
    }
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| {
            prefixes.iter().any(|p| {
                w.len() > p.len()
                    && w.starts_with(p.as_str())
                    && w.chars().all(|c| !c.is_ascii_uppercase())
            })
        })
        .map(str::to_string)
        .collect()
}

impl Crawl {
    fn check(&mut self, what: &str, body: &str) {
        let mut p = problems(body);
        if self.prefixes.is_empty() {
            self.prefixes = built_key_prefixes();
        }
        p.extend(
            raw_keys(body, &self.prefixes)
                .into_iter()
                .map(|k| format!("the message key {k} is shown untranslated")),
        );
        if !p.is_empty() {
            self.problems.insert(what.to_string(), p);
        }
    }
}

async fn crawl_as(app: &TestApp, who: (&str, &str), limit: usize, crawl: &mut Crawl) {
    app.login_as(who).await;
    let token = app.csrf().await;
    let mut queue: VecDeque<String> = START.iter().map(|s| s.to_string()).collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut posted: BTreeSet<String> = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if seen.len() >= limit || !seen.insert(path.clone()) {
            continue;
        }
        // At most three pages of one shape (`/organizations/N`), so the crawl goes wide.
        let n = shapes.entry(shape(&path)).or_default();
        *n += 1;
        if *n > 3 {
            continue;
        }
        let r = app.client.get(path.clone()).dispatch().await;
        let status = r.status();
        let html = r.content_type().is_some_and(|c| c.is_html());
        let body = r.into_string().await.unwrap_or_default();
        if status != Status::Ok || !html {
            continue;
        }
        crawl.pages.insert(path.clone());
        crawl.check(&format!("GET {path} as {}", who.0), &body);
        for l in links(&body) {
            if !seen.contains(&l) {
                queue.push_back(l);
            }
        }
        for (action, is_multipart, hidden, asks) in post_forms(&body) {
            // One submission per form action (with its page's hidden fields).
            let key = shape(&action);
            if skipped(&action) || !posted.insert(key) {
                continue;
            }
            crawl.forms.insert(action.clone());
            for confirmed in [false, true] {
                let mut fields: Vec<(&str, &str)> = Vec::new();
                if !hidden.iter().any(|(k, _)| k == "_csrf") {
                    fields.push(("_csrf", token.as_str()));
                }
                fields.extend(hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                if confirmed {
                    fields.push(("_confirmed", "yes"));
                }
                let referer = Header::new("Referer", format!("http://localhost{path}"));
                let r = if is_multipart {
                    let (ct, bytes) = multipart(&fields, &[]);
                    let req = app.client.post(action.clone()).header(ct).header(referer);
                    req.body(bytes).dispatch().await
                } else {
                    let req = app.client.post(action.clone()).header(ContentType::Form);
                    req.header(referer).body(encode(&fields)).dispatch().await
                };
                let status = r.status();
                if std::env::var("A11Y_DEBUG").is_ok() {
                    eprintln!("POST {action} confirmed={confirmed} -> {status}");
                }
                let location = r.headers().get_one("Location").map(str::to_string);
                let body = r.into_string().await.unwrap_or_default();
                if location.as_deref() == Some("/login") {
                    app.login_as(who).await;
                }
                if body.contains("<html") {
                    crawl.check(
                        &format!("POST {action} (empty, from {path}) as {} → {status}", who.0),
                        &body,
                    );
                    if body.contains("class=\"error-message") {
                        crawl.refused.insert(action.clone());
                    }
                }
                // An irreversible action asked for its confirmation: confirm it, empty, only
                // when it asks for input (so the empty answer is refused, nothing done).
                if !(asks && status == Status::Ok && body.contains("name=\"_confirmed\"")) {
                    break;
                }
            }
        }
    }
    app.logout().await;
}

#[test]
fn a_status_shown_as_its_key_is_found() {
    let prefixes = built_key_prefixes();
    assert!(prefixes.iter().any(|p| p == "projstatus-"), "{prefixes:?}");
    let page = "<main><p>状态：projstatus-frobbed</p><p>projstatus-</p></main>";
    assert_eq!(raw_keys(page, &prefixes), vec!["projstatus-frobbed"]);
    assert!(raw_keys("<main><p>已发布</p></main>", &prefixes).is_empty());
}

/// The checker itself: it finds what it is meant to find.
#[test]
fn the_checker_finds_a_repeated_id_and_an_undescribed_error() {
    let ok = r##"<div class="error-summary"><h2 id="t">x</h2><ul><li><a href="&#x2F;a">ignored</a></li><li><a href="#reason">写明理由</a></li></ul></div>
<div class="field field-error"><label for="reason">理由</label><p class="error-message" id="reason-error">写明理由</p>
<textarea id="reason" name="reason" aria-invalid="true" aria-describedby="reason-error"></textarea></div>"##;
    assert_eq!(problems(ok), Vec::<String>::new());
    let twice = ok.replace(r#"<h2 id="t">"#, r#"<h2 id="reason">"#);
    assert_eq!(problems(&twice), vec!["id \"reason\" is used 2 times"]);
    let undescribed = ok.replace(r#" aria-describedby="reason-error""#, "");
    assert!(problems(&undescribed)[0].contains("describes nothing"));
    let valid = ok.replace(r#" aria-invalid="true""#, "");
    assert!(problems(&valid)[0].contains("not marked aria-invalid"));
    let no_id = ok.replace(r#" id="reason-error""#, "");
    assert!(problems(&no_id).iter().any(|p| p.contains("has no id")));
    let nowhere = ok.replace(
        r#"aria-describedby="reason-error""#,
        r#"aria-describedby="gone""#,
    );
    assert!(problems(&nowhere)
        .iter()
        .any(|p| p.contains("names no element")));
    let other_text = ok.replace(r#"id="reason-error">写明理由"#, r#"id="reason-error">别的"#);
    assert!(problems(&other_text)
        .iter()
        .any(|p| p.contains("not what the summary says")));
    // A radio group: the fieldset is described, its radios are invalid.
    let group = r#"<fieldset id="kind" aria-describedby="kind-error"><legend>类型</legend><p class="error-message" id="kind-error">请选择</p>
<input type="radio" id="kind-a" name="kind" value="a" aria-invalid="true"></fieldset>"#;
    assert_eq!(problems(group), Vec::<String>::new());
    assert!(!problems(&group.replace(r#" aria-invalid="true""#, "")).is_empty());
}

/// Every demo user's crawl, and the public pages signed out.
async fn crawl_everyone(app: &TestApp) -> Crawl {
    let data = huoban::seed::data().expect("demo data");
    let mut crawl = Crawl::default();
    for u in &data.users {
        crawl_as(app, (&u.email, &u.password), 150, &mut crawl).await;
    }
    for path in [
        "/",
        "/organizations",
        "/projects",
        "/signup",
        "/login",
        "/awards",
    ] {
        let (_, body) = app.get(path).await;
        crawl.check(&format!("GET {path}"), &body);
        crawl.pages.insert(path.to_string());
    }
    let report: Vec<String> = crawl
        .problems
        .iter()
        .map(|(k, v)| format!("{k}:\n  {}", v.join("\n  ")))
        .collect();
    assert!(report.is_empty(), "{}", report.join("\n"));
    crawl
}

/// The crawl submitted each of `forms` (a shape: numbers as `N`) empty and got it back with
/// its messages, all checked.
fn assert_refused(crawl: &Crawl, forms: &[&str]) {
    let refused: BTreeSet<String> = crawl.refused.iter().map(|f| shape(f)).collect();
    for form in forms {
        assert!(
            refused.contains(*form),
            "{form} was submitted empty and refused: {refused:?}"
        );
    }
}

#[rocket::async_test]
async fn no_page_any_demo_user_reaches_repeats_an_id_or_leaves_an_error_undescribed() {
    let app = TestApp::spawn().await;
    let crawl = crawl_everyone(&app).await;
    assert!(crawl.pages.len() > 150, "{} pages", crawl.pages.len());
    assert!(crawl.refused.len() > 30, "{:?}", crawl.refused);
    assert_refused(
        &crawl,
        &[
            "/registry/orgs/N/revoke",
            "/registry/orgs/N/penalties",
            "/registry/filings",
            "/orgs/N/deregistration",
            "/orgs/N/changes",
            "/orgs/N/relations",
            "/orgs/N/evaluation/N",
            "/applications/N/basics",
            "/applications/N/officers",
            "/applications/N/domicile",
            "/purchase/projects",
            "/purchase/intentions",
            "/purchase/projects/N/cancel",
            "/purchase/projects/N/qualification",
            "/projects/N/bid/N",
            "/projects/N/challenges/N",
            "/projects/N/questions",
            "/complaints/N/decide",
            "/complaints/N/suspend",
            "/evaluation/rounds",
            "/suppliers/apply",
            "/admin/users/N/roles",
        ],
    );
}

/// With an award, a signed contract in delivery and an annual report due, the award, contract,
/// delivery, payment and report forms are crawled too.
#[rocket::async_test]
async fn the_award_contract_delivery_and_report_forms_describe_their_errors() {
    let app = TestApp::spawn().await;
    crate::award::signed_contract(&app, "NB-A11Y-01").await;
    app.logout().await;
    let mut c = app.db.acquire().await.expect("conn");
    sqlx::query("DELETE FROM annual_reports WHERE org_id = 1 AND year = 2025")
        .execute(&mut *c)
        .await
        .expect("a report due");
    drop(c);
    let crawl = crawl_everyone(&app).await;
    assert_refused(
        &crawl,
        &[
            "/orgs/N/annual-reports",
            "/orgs/N/contracts/N/deliverables",
            "/purchase/contracts/N/reviews",
            "/purchase/contracts/N/addon",
            "/purchase/contracts/N/filing",
            "/purchase/contracts/N/terminate",
            "/finance/contracts/N/payments",
            "/purchase/projects/N/panel/N/recuse",
        ],
    );
}

/// The award page and its contract form, refused: every message at its field.
#[rocket::async_test]
async fn the_award_page_s_contract_form_describes_its_errors() {
    let app = TestApp::spawn().await;
    let (id, _) = crate::review::scored_tender(&app, "NB-A11Y-02").await;
    let r = app
        .post(&format!("/purchase/projects/{id}/award/confirm"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.clock.set(time::macros::datetime!(2026-12-22 02:00 UTC));
    let (status, page) = app.get(&format!("/purchase/projects/{id}/award")).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(problems(&page), Vec::<String>::new());
    let winner = app
        .scalar_of(&format!(
            "SELECT w.id FROM award_winners w JOIN awards a ON a.id = w.award_id \
             WHERE a.project_id = {id} AND w.status = 'winner'"
        ))
        .await
        .to_string();
    let r = app
        .post(
            &format!("/purchase/projects/{id}/contracts"),
            &[
                ("winner", winner.as_str()),
                ("starts_on", ""),
                ("value[0]", "abc"),
            ],
        )
        .await;
    let status = r.status();
    let body = r.into_string().await.unwrap_or_default();
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert!(body.contains("class=\"error-message"), "{body}");
    assert_eq!(problems(&body), Vec::<String>::new(), "{body}");
}

/// The `<title>` of a page.
fn title(body: &str) -> String {
    body.split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .map(html_unescape)
        .unwrap_or_default()
}

#[rocket::async_test]
async fn a_page_s_title_says_what_the_page_is_not_only_whose() {
    let app = TestApp::spawn().await;
    let name = app
        .text("SELECT name FROM organizations WHERE id = 1")
        .await;
    app.login_as(crate::registry::REGISTRAR_HAISHU).await;
    let (_, body) = app.get("/registry/orgs/1").await;
    assert_eq!(title(&body), format!("{name} · 登记记录 · 伙伴"));
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let (_, body) = app.get("/orgs/1/registry").await;
    assert_eq!(title(&body), format!("{name} · 登记事项与年度报告 · 伙伴"));
    let (_, body) = app.get("/orgs/1/members").await;
    assert_eq!(title(&body), format!("{name} · 成员 · 伙伴"));
    app.logout().await;
    let (_, body) = app.get("/organizations/1").await;
    assert_eq!(title(&body), format!("{name} · 社会组织名录 · 伙伴"));
    app.login_as(PURCHASER).await;
    let (_, body) = app.get("/purchase/projects/1").await;
    assert!(
        title(&body).ends_with(" · 项目管理 · 伙伴"),
        "{}",
        title(&body)
    );
}

#[rocket::async_test]
async fn an_english_page_marks_chinese_names_names_divisions_in_english_and_writes_half_width() {
    let app = TestApp::spawn().await;
    let r = app.post("/lang", &[("lang", "en"), ("next", "/")]).await;
    assert_eq!(r.status(), Status::SeeOther);
    let name = app
        .text("SELECT name FROM organizations WHERE id = 1")
        .await;
    let district = app
        .text("SELECT district_code FROM organizations WHERE id = 1")
        .await;
    let en = huoban::domain::division::name_en(&district).expect("a Ningbo division");
    let zh = huoban::domain::division::name_zh(&district).expect("a Ningbo division");
    // The organization's page: its name marked Chinese, its district in English.
    let (_, body) = app.get("/organizations/1").await;
    assert!(
        body.contains(&format!(r#"<h1 lang="zh-CN">{name}</h1>"#)),
        "{body}"
    );
    assert!(body.contains(&format!("<dd>{en}</dd>")), "{body}");
    assert!(!body.contains(&format!("<dd>{zh}</dd>")));
    assert_eq!(
        title(&body),
        format!("{name} · Directory of social organizations · Huoban")
    );
    // The directory list: each name marked Chinese, districts in English.
    let (_, body) = app.get("/directory").await;
    assert!(
        body.contains(&format!(
            r#"<a href="/organizations/1" lang="zh-CN">{name}</a>"#
        )),
        "{body}"
    );
    assert!(body.contains(&format!("<td>{en}</td>")), "{body}");
    // The same in Chinese: no marks, Chinese district names.
    let r = app.post("/lang", &[("lang", "zh-CN"), ("next", "/")]).await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, body) = app.get("/organizations/1").await;
    assert!(body.contains(&format!("<h1>{name}</h1>")));
    assert!(body.contains(&format!("<dd>{zh}</dd>")));
}

/// Full-width punctuation written by the templates themselves (not by data) on English pages.
#[rocket::async_test]
async fn english_pages_write_their_own_punctuation_half_width() {
    let app = TestApp::spawn().await;
    // A report due: the form offers its year with its due date in brackets.
    let mut c = app.db.acquire().await.expect("conn");
    sqlx::query("DELETE FROM annual_reports WHERE org_id = 1 AND year = 2025")
        .execute(&mut *c)
        .await
        .expect("a report due");
    drop(c);
    app.login_as(NGO_ADMIN).await;
    let r = app.post("/lang", &[("lang", "en"), ("next", "/")]).await;
    assert_eq!(r.status(), Status::SeeOther);
    for path in [
        "/dashboard",
        "/orgs/1/registry",
        "/organizations/1",
        "/projects",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, Status::Ok, "{path}");
        // Take out what comes from data: text in elements marked Chinese, and attribute values.
        let mut own = String::new();
        let mut depth = 0usize;
        let mut rest = body.as_str();
        while let Some(lt) = rest.find('<') {
            if depth == 0 {
                own.push_str(&rest[..lt]);
            }
            let gt = rest[lt..].find('>').map_or(rest.len(), |g| lt + g + 1);
            let tag = &rest[lt..gt];
            if tag.contains(r#"lang="zh-CN""#) && !tag.starts_with("<html") {
                depth += 1;
            } else if depth > 0 && tag.starts_with("</") {
                depth -= 1;
            }
            rest = &rest[gt..];
        }
        for c in ['（', '）', '：', '；'] {
            let at = own.find(c);
            assert!(
                at.is_none(),
                "{path} writes {c}: …{}…",
                at.map(|a| own[a.saturating_sub(60)..(a + 30).min(own.len())].to_string())
                    .unwrap_or_default()
            );
        }
    }
}

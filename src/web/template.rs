//! Pages: the Tera templates of `template_dir` (`*.html.tera`, named by their path without the
//! extension, `directory/index`), parsed once at start with the application's functions and
//! filters, and rendered from a page's JSON context as it is.
//!
//! `rocket_dyn_templates` did this before (issue 26 item 3, measured with perf): its `Template`
//! converted every context to figment's value and back before Tera saw it (two copies of every
//! text on the page, a third of a list page's render), and a second renderer for the kept public
//! pages, without those copies, needed a second copy of the parsed templates (22 MB of the
//! server's 200 MB budget). One engine serves both now.

use crate::platform::app::AppState;
use crate::platform::error::{AppError, AppResult};
use crate::platform::i18n;
use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;
use std::borrow::Cow;
use std::path::Path;
use tera::{Context, Tera};

/// The suffix of a page template's file.
const SUFFIX: &str = ".html.tera";

/// The parsed page templates.
pub struct Engine(Tera);

impl Engine {
    /// Every `*.html.tera` under `dir`, with the templates' functions and filters.
    pub fn load(
        dir: &Path,
        calendars: std::sync::Arc<crate::platform::calendars::Calendars>,
    ) -> Result<Engine, String> {
        let mut files = Vec::new();
        collect(dir, dir, &mut files)
            .map_err(|e| format!("templates in {}: {e}", dir.display()))?;
        files.sort();
        let mut tera = Tera::default();
        tera.autoescape_on(vec![SUFFIX]);
        tera.register_function("t", i18n::TemplateT::default());
        tera.register_filter("datetime", super::filters::datetime);
        tera.register_filter("date", super::filters::date);
        tera.register_filter("money", super::filters::money);
        tera.register_filter("day", super::filters::day);
        tera.register_filter("division", super::filters::division);
        tera.register_filter("due", super::filters::due(calendars));
        // All at once: a template may extend or include one named after it.
        tera.add_template_files(files.iter().map(|(path, name)| (path, Some(name.as_str()))))
            .map_err(|e| format!("templates: {}", chain(&e)))?;
        Ok(Engine(tera))
    }

    /// Whether a template of this name was loaded.
    #[cfg(test)]
    fn has(&self, name: &str) -> bool {
        self.0.get_template(name).is_ok()
    }

    /// `name` rendered with `context` (a JSON object), which it takes as it is.
    pub fn render(&self, name: &str, context: serde_json::Value) -> AppResult<String> {
        let failed = |e: tera::Error| AppError::Internal(format!("template {name}: {}", chain(&e)));
        let context = Context::from_value(context).map_err(failed)?;
        self.0.render(name, &context).map_err(failed)
    }
}

/// An error with its causes (Tera's own message names only the template).
fn chain(e: &dyn std::error::Error) -> String {
    let mut why = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        why.push_str(": ");
        why.push_str(&s.to_string());
        source = s.source();
    }
    why
}

/// The page templates under `dir`: (file, name).
fn collect(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(std::path::PathBuf, String)>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
            continue;
        }
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if let Some(name) = rel.strip_suffix(SUFFIX) {
            out.push((path.clone(), name.to_string()));
        }
    }
    Ok(())
}

/// A page to render: a template's name and its context.
pub struct Template {
    name: Cow<'static, str>,
    context: Result<serde_json::Value, String>,
}

impl Template {
    /// `name` with `context` (anything that serializes to a JSON object).
    pub fn render(name: impl Into<Cow<'static, str>>, context: impl Serialize) -> Template {
        Template {
            name: name.into(),
            context: serde_json::to_value(context).map_err(|e| e.to_string()),
        }
    }

    /// `name` with a context already made (not copied again).
    pub fn of(name: impl Into<Cow<'static, str>>, context: serde_json::Value) -> Template {
        Template {
            name: name.into(),
            context: Ok(context),
        }
    }

    /// The page as HTML, by `engine`.
    pub fn html(self, engine: &Engine) -> AppResult<String> {
        let context = self
            .context
            .map_err(|e| AppError::Internal(format!("template {}: context: {e}", self.name)))?;
        engine.render(&self.name, context)
    }
}

impl<'r> Responder<'r, 'static> for Template {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let Some(state) = req.rocket().state::<AppState>() else {
            log::error!("template {}: no application state", self.name);
            return Err(Status::InternalServerError);
        };
        match self.html(&state.pages) {
            Ok(html) => Response::build()
                .header(ContentType::HTML)
                .sized_body(html.len(), std::io::Cursor::new(html))
                .ok(),
            Err(e) => {
                log::error!("{e}");
                Err(Status::InternalServerError)
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn calendars() -> std::sync::Arc<crate::platform::calendars::Calendars> {
        std::sync::Arc::new(crate::platform::calendars::Calendars::new(
            crate::platform::clock::Clock::system(),
        ))
    }

    fn engine() -> Engine {
        Engine::load(Path::new("templates"), calendars()).expect("templates")
    }

    #[test]
    fn every_page_template_is_loaded_by_its_name_and_mail_templates_are_not() {
        let e = engine();
        let mut n = 0;
        let mut files = Vec::new();
        collect(Path::new("templates"), Path::new("templates"), &mut files).unwrap();
        for (_, name) in &files {
            assert!(e.has(name), "{name}");
            n += 1;
        }
        assert!(n > 100, "{n} page templates");
        assert!(e.has("directory/index") && e.has("base"));
        assert!(!files
            .iter()
            .any(|(p, _)| p.to_string_lossy().ends_with(".txt.tera")));
    }

    #[test]
    fn a_page_is_escaped_and_translated_and_a_bad_one_is_an_error_not_a_panic() {
        let dir = std::env::temp_dir().join(format!("huoban-templates-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("part")).unwrap();
        std::fs::write(
            dir.join("base.html.tera"),
            "<main>{% block content %}{% endblock content %}</main>",
        )
        .unwrap();
        std::fs::write(
            dir.join("part/page.html.tera"),
            r#"{% extends "base" %}{% block content %}{{ v }}|{{ t(key="nav-directory", lang=lang) }}|{{ n | money }}{% endblock content %}"#,
        )
        .unwrap();
        std::fs::write(dir.join("part/mail.en.txt.tera"), "{{ v }}").unwrap();
        let e = Engine::load(&dir, calendars()).unwrap();
        let page = |lang: &str| {
            Template::render(
                "part/page",
                serde_json::json!({ "v": "<b>&", "lang": lang, "n": "1234.5" }),
            )
            .html(&e)
            .unwrap()
        };
        assert_eq!(
            page("zh-CN"),
            "<main>&lt;b&gt;&amp;|组织名录|¥1,234.50</main>"
        );
        assert_eq!(
            page("en"),
            "<main>&lt;b&gt;&amp;|Directory|¥1,234.50</main>"
        );
        assert!(
            !e.has("part/mail.en.txt") && !e.has("part/mail"),
            "mail templates are the mailer's"
        );
        assert!(matches!(
            Template::of("part/none-such", serde_json::json!({})).html(&e),
            Err(AppError::Internal(_))
        ));
        assert!(
            matches!(
                Template::render("part/page", 5).html(&e),
                Err(AppError::Internal(_))
            ),
            "a context that is not an object"
        );
        std::fs::write(dir.join("part/broken.html.tera"), "{% if %}").unwrap();
        let err = Engine::load(&dir, calendars())
            .err()
            .expect("a template that does not parse");
        assert!(err.contains("broken"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Message catalogues (Fluent, `templates/locales/<lang>/main.ftl`), compiled into the binary.
//! Templates call `t(key=..., lang=page.lang)`; Rust code calls [`t`].

use crate::domain::lang::Lang;
use fluent_templates::{LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    pub static LOCALES = {
        locales: "./templates/locales",
        fallback_language: "zh-CN",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

pub fn langid(lang: Lang) -> LanguageIdentifier {
    match lang {
        Lang::ZhCn => fluent_templates::langid!("zh-CN"),
        Lang::En => fluent_templates::langid!("en"),
    }
}

/// The message `key` in `lang`.
pub fn t(lang: Lang, key: &str) -> String {
    LOCALES.lookup(&langid(lang), key)
}

/// The message `key` in `lang`, if the catalogue has it.
pub fn try_t(lang: Lang, key: &str) -> Option<String> {
    LOCALES.try_lookup(&langid(lang), key)
}

/// The message `key` in `lang` with named arguments. An argument that is a whole number is
/// passed as a number, so a message can choose its plural form (`[one] 1 day`).
pub fn t_args(lang: Lang, key: &str, args: &[(&'static str, String)]) -> String {
    use fluent_templates::fluent_bundle::FluentValue;
    let map: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| {
            let value = match v.parse::<i64>() {
                // As typed: "+1" and "01" stay text.
                Ok(n) if n.to_string() == *v => FluentValue::from(n),
                _ => v.clone().into(),
            };
            (Cow::Borrowed(*k), value)
        })
        .collect();
    LOCALES.lookup_with_args(&langid(lang), key, &map)
}

/// How many formatted messages `TemplateT` keeps per language. Keys come from the templates
/// (some joined with a code, `"orgstatus-" ~ o.status`), so the set is small; the bound only
/// keeps an unexpected one from growing it.
const KEPT_PER_LANG: usize = 4096;

/// The templates' `t(key=..., lang=...)`. A message called with no arguments is the same text
/// every time, so it is formatted once and kept: a public list page calls `t` some sixty times,
/// and each call through `FluentLoader` parsed the language tag, built an argument map and
/// formatted the message again (issue 26: the uncached list pages' render). Calls with
/// arguments, or with a language other than the two codes pages pass, go to `FluentLoader`.
pub struct TemplateT {
    loader: fluent_templates::FluentLoader<&'static fluent_templates::StaticLoader>,
    kept: [std::sync::RwLock<HashMap<String, serde_json::Value>>; 2],
}

impl Default for TemplateT {
    fn default() -> Self {
        TemplateT {
            loader: fluent_templates::FluentLoader::new(&*LOCALES),
            kept: Default::default(),
        }
    }
}

/// Where `TemplateT` keeps a language's messages.
fn slot(lang: Lang) -> usize {
    match lang {
        Lang::ZhCn => 0,
        Lang::En => 1,
    }
}

impl TemplateT {
    /// The kept text of `key` in `lang`, formatted now if not yet kept.
    fn plain(&self, lang: Lang, key: &str) -> serde_json::Value {
        let kept = &self.kept[slot(lang)];
        let read = kept
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(v) = read.get(key) {
            return v.clone();
        }
        drop(read);
        let v = serde_json::Value::String(t(lang, key));
        let mut write = kept
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if write.len() < KEPT_PER_LANG {
            write.insert(key.to_string(), v.clone());
        }
        v
    }
}

impl tera::Function for TemplateT {
    fn call(&self, args: &HashMap<String, serde_json::Value>) -> tera::Result<serde_json::Value> {
        use serde_json::Value::String as S;
        if args.len() == 2 {
            if let (Some(S(key)), Some(S(lang))) = (args.get("key"), args.get("lang")) {
                let lang = match lang.as_str() {
                    "zh-CN" => Some(Lang::ZhCn),
                    "en" => Some(Lang::En),
                    _ => None,
                };
                if let Some(lang) = lang {
                    return Ok(self.plain(lang, key));
                }
            }
        }
        self.loader.call(args)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;
    use tera::Function;

    fn call(f: &TemplateT, args: serde_json::Value) -> serde_json::Value {
        let args: HashMap<String, serde_json::Value> = serde_json::from_value(args).unwrap();
        f.call(&args).unwrap()
    }

    #[test]
    fn the_template_function_answers_as_the_fluent_loader_does() {
        let ours = TemplateT::default();
        let theirs = fluent_templates::FluentLoader::new(&*LOCALES);
        let cases = [
            json!({"key": "nav-directory", "lang": "zh-CN"}),
            json!({"key": "nav-directory", "lang": "en"}),
            json!({"key": "no-such-message", "lang": "en"}),
            json!({"key": "data-count", "lang": "en", "count": 3}),
            json!({"key": "data-count", "lang": "zh-CN", "count": 1}),
            json!({"key": "nav-directory", "lang": "en-GB"}),
        ];
        for _ in 0..2 {
            // The second round is served from what the first kept.
            for args in &cases {
                let a: HashMap<String, serde_json::Value> =
                    serde_json::from_value(args.clone()).unwrap();
                assert_eq!(
                    call(&ours, args.clone()),
                    theirs.call(&a).unwrap(),
                    "{args}"
                );
            }
        }
        assert_ne!(
            call(&ours, json!({"key": "nav-directory", "lang": "zh-CN"})),
            call(&ours, json!({"key": "nav-directory", "lang": "en"})),
            "each language keeps its own text"
        );
        assert_ne!(
            call(
                &ours,
                json!({"key": "data-count", "lang": "en", "count": 3})
            ),
            call(
                &ours,
                json!({"key": "data-count", "lang": "en", "count": 4})
            ),
            "a message with arguments is formatted for them"
        );
    }

    #[test]
    fn no_more_than_the_bound_is_kept() {
        let ours = TemplateT::default();
        for i in 0..KEPT_PER_LANG + 10 {
            call(&ours, json!({"key": format!("missing-{i}"), "lang": "en"}));
        }
        assert_eq!(
            ours.kept[slot(Lang::En)].read().unwrap().len(),
            KEPT_PER_LANG
        );
        assert_eq!(ours.kept[slot(Lang::ZhCn)].read().unwrap().len(), 0);
    }
}

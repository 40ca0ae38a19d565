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

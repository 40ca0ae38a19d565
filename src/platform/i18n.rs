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

/// The message `key` in `lang` with named arguments.
pub fn t_args(lang: Lang, key: &str, args: &[(&'static str, String)]) -> String {
    let map: HashMap<Cow<'static, str>, fluent_templates::fluent_bundle::FluentValue> = args
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), v.clone().into()))
        .collect();
    LOCALES.lookup_with_args(&langid(lang), key, &map)
}

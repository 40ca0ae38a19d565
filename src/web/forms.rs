//! Re-rendering failed forms: the values as typed and the messages, both for the error
//! summary at the top (linked to each field) and beside each field.

use crate::domain::lang::Lang;
use crate::platform::i18n;
use serde::Serialize;
use std::collections::BTreeMap;

/// The form of a button that only confirms an action (it still carries the CSRF token).
#[derive(rocket::FromForm)]
pub struct Empty {
    pub confirm: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct FormErrors {
    pub list: Vec<FieldError>,
    pub by_field: BTreeMap<String, String>,
}

impl FormErrors {
    /// Adds the message `key` for `field` (the first message per field is kept beside it).
    pub fn add(&mut self, lang: Lang, field: &str, key: &str) {
        self.add_text(field, i18n::t(lang, key));
    }

    pub fn add_text(&mut self, field: &str, message: String) {
        self.by_field
            .entry(field.to_string())
            .or_insert_with(|| message.clone());
        self.list.push(FieldError {
            field: field.to_string(),
            message,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// An amount of money above zero typed into `field` (`1,234.56`, `¥1234`); otherwise the
/// message why not (`zero_key` for zero) is added and `None` returned.
pub fn positive_money(
    errors: &mut FormErrors,
    lang: Lang,
    field: &str,
    value: &str,
    zero_key: &str,
) -> Option<crate::domain::money::Money> {
    match crate::domain::money::Money::parse(value) {
        Ok(m) if m.fen() > 0 => Some(m),
        Ok(_) => {
            errors.add(lang, field, zero_key);
            None
        }
        Err(k) => {
            errors.add(lang, field, k.message_key());
            None
        }
    }
}

/// A submitted text field, trimmed; `None` and blank are the same.
pub fn text(v: &Option<String>) -> &str {
    v.as_deref().map(str::trim).unwrap_or("")
}

/// A phone number as people type it: 5 to 20 digits, with spaces, `+`, `-` and brackets.
pub fn valid_phone(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits) && p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

/// A person's name: required, at most 50 characters (field `display_name`).
pub fn check_name(errors: &mut FormErrors, lang: Lang, name: &str) {
    if name.is_empty() {
        errors.add(lang, "display_name", "err-name-required");
    } else if name.chars().count() > 50 {
        errors.add(lang, "display_name", "err-name-long");
    }
}

/// An optional phone number (field `phone`).
pub fn check_phone(errors: &mut FormErrors, lang: Lang, phone: &str) {
    if !phone.is_empty() && !valid_phone(phone) {
        errors.add(lang, "phone", "err-phone-invalid");
    }
}

/// A new password and its confirmation (fields `password`, `password_confirm`).
pub fn check_new_password_pair(
    errors: &mut FormErrors,
    lang: Lang,
    password: &str,
    confirm: Option<&str>,
    email: &str,
) {
    if let Err(p) = crate::domain::password::check_new_password(password, email) {
        errors.add(lang, "password", p.message_key());
    } else if confirm != Some(password) {
        errors.add(lang, "password_confirm", "err-password-mismatch");
    }
}

/// Percent-encodes a value for a URL query or path (unreserved characters and `/` kept).
/// A keyset page's key from the address, `at-id` (the last row of the previous page: its
/// instant and id), or a 400: a key that is not one is not taken for the first page.
pub fn page_key(s: &str) -> crate::platform::error::AppResult<(i64, i64)> {
    let bad = || crate::platform::error::AppError::BadRequest("err-page-key");
    let (at, id) = s.split_once('-').ok_or_else(bad)?;
    Ok((
        at.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A local path to go back to after login: only same-site paths, never `//host`.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let n = next?.trim();
    let local = n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\");
    // Redirect::to needs a valid URI: anything else (spaces, raw non-ASCII) goes to the default.
    (local && rocket::http::uri::Origin::parse(n).is_ok()).then(|| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/dashboard")), Some("/dashboard".into()));
        assert_eq!(safe_next(Some("//evil.example/x")), None);
        assert_eq!(safe_next(Some("https://evil.example")), None);
        assert_eq!(safe_next(Some("/\\evil.example")), None);
        assert_eq!(safe_next(None), None);
        assert_eq!(
            safe_next(Some("/a b")),
            None,
            "not a valid URI: it would fail the redirect"
        );
        assert_eq!(
            safe_next(Some("/admin/users?x=1")),
            Some("/admin/users?x=1".into())
        );
    }
}

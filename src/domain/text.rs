//! Text as it may enter the application: the one check every submitted value passes (form
//! fields in `CsrfForm`, path segments and query parameters in `web::clean_input`). It refuses
//! what no person types and what a store or a page would mishandle: NUL (PostgreSQL refuses it
//! in text), other control characters (tab and line breaks only in a form's body, where a
//! textarea may carry them), bidirectional overrides (they make a name read differently from
//! what it is), U+FFFD (what bytes that were not UTF-8 decode to), and over-long values.

/// Where a value came from, which decides what it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A form field: may be a multi-line textarea (tab, CR and LF allowed).
    Body,
    /// A path segment or query parameter: one line.
    Url,
}

impl Origin {
    /// The longest value accepted, in characters. A form's longest field (a bid's technical
    /// proposal, 50,000 characters) fits; every field's own rule is stricter.
    pub fn max_chars(self) -> usize {
        match self {
            Origin::Body => 60_000,
            Origin::Url => 2_000,
        }
    }
}

/// Why a value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Control,
    Encoding,
    TooLong,
}

impl TextError {
    pub fn message_key(self) -> &'static str {
        match self {
            TextError::Control => "err-input-control",
            TextError::Encoding => "err-input-encoding",
            TextError::TooLong => "err-input-too-long",
        }
    }

    /// The message for a refused URL (a path segment or query parameter): no form to go back to.
    pub fn url_message_key(self) -> &'static str {
        match self {
            TextError::Control => "url-input-control",
            TextError::Encoding => "url-input-encoding",
            TextError::TooLong => "url-input-too-long",
        }
    }
}

/// Whether `c` is refused in a value from `origin`.
pub fn refused_char(c: char, origin: Origin) -> Option<TextError> {
    match c {
        '\t' | '\n' | '\r' if origin == Origin::Body => None,
        c if c.is_control() => Some(TextError::Control),
        // Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some(TextError::Control),
        '\u{FFFD}' => Some(TextError::Encoding),
        _ => None,
    }
}

/// Checks one value.
pub fn check(value: &str, origin: Origin) -> Result<(), TextError> {
    let mut n = 0usize;
    for c in value.chars() {
        if let Some(e) = refused_char(c, origin) {
            return Err(e);
        }
        n += 1;
        if n > origin.max_chars() {
            return Err(TextError::TooLong);
        }
    }
    Ok(())
}

/// Checks percent-encoded `raw` (a path segment, a query parameter's name or value; `+` is a
/// space): it must decode to UTF-8 and pass `check`.
pub fn check_encoded(raw: &str, origin: Origin) -> Result<(), TextError> {
    if raw.len() > origin.max_chars() * 12 {
        return Err(TextError::TooLong);
    }
    let bytes = percent_decode(raw.as_bytes());
    let text = std::str::from_utf8(&bytes).map_err(|_| TextError::Encoding)?;
    check(text, origin)
}

/// `%XX` to its byte and `+` to a space; an escape that is not two hex digits stays as typed
/// (as Rocket reads it).
fn percent_decode(raw: &[u8]) -> Vec<u8> {
    let hex = |b: Option<&u8>| b.and_then(|x| (*x as char).to_digit(16));
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b == b'%' {
            if let (Some(h), Some(l)) = (hex(raw.get(i + 1)), hex(raw.get(i + 2))) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(if b == b'+' { b' ' } else { b });
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_chinese_and_a_textarea_s_line_breaks_pass() {
        assert_eq!(check("宁波市海曙区社会组织", Origin::Url), Ok(()));
        assert_eq!(check("第一行\r\n第二行\t缩进", Origin::Body), Ok(()));
        assert_eq!(check("e\u{301}\u{200F}", Origin::Url), Ok(()));
    }

    #[test]
    fn nul_other_controls_and_overrides_are_refused() {
        for s in [
            "a\0b",
            "\u{1}",
            "\u{7F}",
            "\u{85}",
            "\u{9B}",
            "x\u{202E}gpj.exe",
            "\u{2066}",
        ] {
            assert_eq!(check(s, Origin::Body), Err(TextError::Control), "{s:?}");
        }
        assert_eq!(check("a\nb", Origin::Url), Err(TextError::Control));
        assert_eq!(check("a\tb", Origin::Url), Err(TextError::Control));
    }

    #[test]
    fn length_is_counted_in_characters_at_the_limit_and_one_over() {
        let at = "字".repeat(Origin::Url.max_chars());
        assert_eq!(check(&at, Origin::Url), Ok(()));
        assert_eq!(
            check(&format!("{at}字"), Origin::Url),
            Err(TextError::TooLong)
        );
        let at = "a".repeat(Origin::Body.max_chars());
        assert_eq!(check(&at, Origin::Body), Ok(()));
        assert_eq!(
            check(&format!("{at}a"), Origin::Body),
            Err(TextError::TooLong)
        );
    }

    #[test]
    fn encoded_values_must_decode_to_utf8() {
        assert_eq!(check_encoded("%E5%AE%81%E6%B3%A2+x", Origin::Url), Ok(()));
        assert_eq!(check_encoded("%ZZ", Origin::Url), Ok(()));
        assert_eq!(check_encoded("100%", Origin::Url), Ok(()));
        assert_eq!(check_encoded("%00", Origin::Url), Err(TextError::Control));
        assert_eq!(check_encoded("%C0", Origin::Url), Err(TextError::Encoding));
        assert_eq!(
            check_encoded("%C0%80", Origin::Url),
            Err(TextError::Encoding)
        );
        // An encoded surrogate (U+D800) is not UTF-8.
        assert_eq!(
            check_encoded("%ED%A0%80", Origin::Url),
            Err(TextError::Encoding)
        );
        assert_eq!(
            check_encoded("%E2%80%AE", Origin::Url),
            Err(TextError::Control)
        );
        assert_eq!(
            check_encoded("%EF%BF%BD", Origin::Url),
            Err(TextError::Encoding)
        );
    }
}

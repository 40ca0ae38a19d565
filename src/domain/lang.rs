//! The two interface languages. Simplified Chinese is the default.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "zh" || s.starts_with("zh-") || s.starts_with("zh_") {
            Some(Lang::ZhCn)
        } else if s == "en" || s.starts_with("en-") || s.starts_with("en_") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first supported language of an Accept-Language header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(u16, Lang)> = None;
        for part in header.split(',') {
            let mut bits = part.split(';');
            let tag = bits.next().unwrap_or("").trim();
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q=").map(quality_per_mille))
                .unwrap_or(1000);
            if let Some(lang) = Lang::parse(tag) {
                if best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, lang));
                }
            }
        }
        best.map(|(_, l)| l)
    }
}

/// An HTTP quality value (`0`, `0.5`, `1.000`: at most three decimals) in thousandths;
/// anything malformed counts as 0.
fn quality_per_mille(q: &str) -> u16 {
    let (whole, frac) = q.trim().split_once('.').unwrap_or((q.trim(), ""));
    let frac: String = frac.chars().chain("000".chars()).take(3).collect();
    match (whole.parse::<u16>(), frac.parse::<u16>()) {
        (Ok(w), Ok(f)) if w <= 1 => (w * 1000 + f).min(1000),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn accept_language_picks_the_highest_supported() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr;q=1, zh-TW;q=0.5, en;q=0.4"),
            Some(Lang::ZhCn)
        );
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(
            Lang::from_accept_language("zh;q=0.45, en;q=0.5"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("en;q=abc, zh;q=0.1"),
            Some(Lang::ZhCn)
        );
    }
}

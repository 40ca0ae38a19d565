//! Ningbo's administrative divisions (GB/T 2260), DOMAIN §3: the city and its districts and
//! counties, plus the retired codes that old USCCs still carry.

/// (code, Chinese name, English name) of the divisions in force.
pub const NINGBO: &[(&str, &str, &str)] = &[
    ("330200", "宁波市", "Ningbo (city level)"),
    ("330203", "海曙区", "Haishu"),
    ("330205", "江北区", "Jiangbei"),
    ("330206", "北仑区", "Beilun"),
    ("330211", "镇海区", "Zhenhai"),
    ("330212", "鄞州区", "Yinzhou"),
    ("330213", "奉化区", "Fenghua"),
    ("330225", "象山县", "Xiangshan"),
    ("330226", "宁海县", "Ninghai"),
    ("330281", "余姚市", "Yuyao"),
    ("330282", "慈溪市", "Cixi"),
];

/// Retired divisions: valid in imported codes, never issued.
pub const RETIRED: &[(&str, &str)] = &[("330204", "江东区"), ("330283", "奉化市")];

/// The English names of the retired divisions.
const RETIRED_EN: &[(&str, &str)] = &[
    ("330204", "Jiangdong (merged into Yinzhou in 2016)"),
    ("330283", "Fenghua (county-level city until 2016)"),
];

/// A division's name in English, found by its code or its Chinese name (what pages carry).
pub fn name_en(code_or_zh: &str) -> Option<&'static str> {
    NINGBO
        .iter()
        .find(|(c, zh, _)| *c == code_or_zh || *zh == code_or_zh)
        .map(|(_, _, en)| *en)
        .or_else(|| {
            RETIRED
                .iter()
                .zip(RETIRED_EN)
                .find_map(|((c, zh), (_, en))| {
                    (*c == code_or_zh || *zh == code_or_zh).then_some(*en)
                })
        })
}

/// A division's name in the page's language (`en` or Chinese), found by its code or its Chinese
/// name; anything else is returned as it came.
pub fn name_for(code_or_zh: &str, en: bool) -> String {
    let found = if en {
        name_en(code_or_zh)
    } else {
        name_zh(code_or_zh).or_else(|| {
            NINGBO
                .iter()
                .map(|(_, zh, _)| *zh)
                .chain(RETIRED.iter().map(|(_, zh)| *zh))
                .find(|zh| *zh == code_or_zh)
        })
    };
    found.map_or_else(|| code_or_zh.to_string(), str::to_string)
}

pub fn is_current(code: &str) -> bool {
    NINGBO.iter().any(|(c, _, _)| *c == code)
}

pub fn name_zh(code: &str) -> Option<&'static str> {
    NINGBO
        .iter()
        .map(|(c, zh, _)| (*c, *zh))
        .chain(RETIRED.iter().copied())
        .find(|(c, _)| *c == code)
        .map(|(_, zh)| zh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_division_has_an_english_name_found_by_code_or_chinese_name() {
        for (code, zh, en) in NINGBO {
            assert_eq!(name_en(code), Some(*en));
            assert_eq!(name_en(zh), Some(*en));
            assert_eq!(name_for(zh, true), *en);
            assert_eq!(name_for(code, false), *zh);
            assert!(en.is_ascii(), "{en}");
        }
        for (code, zh) in RETIRED {
            assert!(name_en(code).is_some_and(str::is_ascii), "{code}");
            assert_eq!(name_en(zh), name_en(code));
        }
        assert_eq!(name_for("330299", true), "330299");
        assert_eq!(name_for("", false), "");
    }
}

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

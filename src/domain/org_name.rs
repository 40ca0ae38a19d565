//! Names of social organizations (DOMAIN §2; 民政部令69 社会组织名称管理办法, in force
//! 2024-05-01): normalised so that width, spacing and punctuation do not make a different name;
//! the words a local organization may not be prefixed with; the order of a name's parts for
//! each type; and similarity (same core once region and organization-form words are removed,
//! or most character bigrams shared), which is flagged to the registrar rather than refused.

use crate::domain::registration::OrgType;
use std::collections::BTreeSet;

/// Words a local organization may not be prefixed with (冠以). 社团条例 art. 10(3): "地方性的社会
/// 团体的名称不得冠以'中国'、'全国'、'中华'等字样"; 民政部令69 art. 8(3): only organizations the
/// State Council's civil-affairs department registers may, with approval, be 冠以 these words.
/// Inside a name (宁波市中国画研究会, a field) they are no prefix: a registrar's judgement, flagged.
pub const FORBIDDEN_LOCAL: [&str; 3] = ["中国", "全国", "中华"];

/// Region words of Ningbo (with the retired 江东区 and 奉化市), longest first.
const REGIONS: &[&str] = &[
    "浙江省",
    "宁波市",
    "海曙区",
    "江北区",
    "北仑区",
    "镇海区",
    "鄞州区",
    "奉化区",
    "象山县",
    "宁海县",
    "余姚市",
    "慈溪市",
    "江东区",
    "奉化市",
    "浙江",
    "宁波",
    "海曙",
    "江北",
    "北仑",
    "镇海",
    "鄞州",
    "奉化",
    "象山",
    "宁海",
    "余姚",
    "慈溪",
    "江东",
];

/// Organization-form words, longest first.
const FORMS: &[&str] = &[
    "社会工作服务中心",
    "行业协会",
    "服务中心",
    "发展中心",
    "研究中心",
    "指导中心",
    "促进会",
    "研究会",
    "联合会",
    "联谊会",
    "基金会",
    "研究院",
    "服务社",
    "服务站",
    "商会",
    "协会",
    "学会",
    "中心",
    "学校",
    "医院",
    "书院",
    "会",
    "院",
    "社",
];

/// Forms a foundation's name ends with (民政部令69 art. 8(2)).
const FOUNDATION_FORMS: &[&str] = &["基金会"];

/// Forms a social group's name ends with.
const GROUP_FORMS: &[&str] = &[
    "行业协会",
    "促进会",
    "研究会",
    "联合会",
    "联谊会",
    "商会",
    "协会",
    "学会",
];

/// Full-width forms to ASCII, then only letters and digits kept (spaces, punctuation, dashes,
/// control, zero-width and other format characters all go), ASCII lower-cased.
pub fn normalize(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn strip_regions(s: &str) -> &str {
    let mut s = s;
    while let Some(r) = REGIONS.iter().find(|r| s.starts_with(**r)) {
        s = &s[r.len()..];
    }
    s
}

/// The name without its leading region words and its trailing form word.
pub fn core(name: &str) -> String {
    let n = normalize(name);
    let mut s = strip_regions(&n).to_string();
    if let Some(f) = FORMS.iter().find(|f| s.ends_with(**f) && s.len() > f.len()) {
        s.truncate(s.len() - f.len());
    }
    s
}

fn bigrams(s: &str) -> BTreeSet<(char, char)> {
    let chars: Vec<char> = s.chars().collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    TooLong,
    /// A local organization's name prefixed with 中国, 全国 or 中华 (冠以).
    Forbidden(&'static str),
    /// A social group's name is region + field (or members) + form (宁波市…协会):
    /// 民政部令69 art. 8(1).
    GroupOrder,
    /// A foundation's name is region + 字号 + field + 基金会: 民政部令69 art. 8(2).
    FoundationOrder,
    /// A social service institution's (民办非企业单位) name is region + 字号 + field + form:
    /// 民政部令69 art. 8(2).
    InstitutionOrder,
}

/// What a registrar is shown about a name that is not refused; accepting a flagged name takes
/// a recorded reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameFlag {
    /// 中国, 全国 or 中华 inside the name, not as its prefix (民政部令69 art. 8(3) governs only
    /// the prefix; whether the word oversteps the organization's remit is for the registrar).
    NationalWord(&'static str),
}

impl NameFlag {
    pub fn message_key(self) -> &'static str {
        match self {
            NameFlag::NationalWord(_) => "reg-name-flag-national",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            NameFlag::NationalWord(w) => w,
        }
    }
}

impl NameProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            NameProblem::Empty => "err-org-name-required",
            NameProblem::TooLong => "err-org-name-long",
            NameProblem::Forbidden(_) => "err-org-name-forbidden",
            NameProblem::GroupOrder => "err-org-name-group-order",
            NameProblem::FoundationOrder => "err-org-name-foundation-order",
            NameProblem::InstitutionOrder => "err-org-name-institution-order",
        }
    }
}

/// The part of a normalised name after its leading region words, if it starts with one.
fn after_region(n: &str) -> Option<&str> {
    REGIONS
        .iter()
        .find(|r| n.starts_with(**r))
        .map(|r| strip_regions(&n[r.len()..]))
}

/// Whether `n` is a region, then at least `min_middle` characters, then one of `forms`.
fn ordered(n: &str, forms: &[&str], min_middle: usize) -> bool {
    after_region(n).is_some_and(|rest| {
        forms.iter().any(|f| {
            rest.ends_with(f) && rest[..rest.len() - f.len()].chars().count() >= min_middle
        })
    })
}

/// The rules a name must meet at submission, for an organization of `org_type` (the order rule
/// of its type when known).
pub fn check(name: &str, org_type: Option<OrgType>) -> Vec<NameProblem> {
    let n = normalize(name);
    let mut out = Vec::new();
    if n.is_empty() {
        return vec![NameProblem::Empty];
    }
    if name.chars().count() > 50 {
        out.push(NameProblem::TooLong);
    }
    // 社团条例 art. 10(3), 民政部令69 art. 8(3): refused only as the prefix (冠以).
    for w in FORBIDDEN_LOCAL {
        if n.starts_with(w) {
            out.push(NameProblem::Forbidden(w));
        }
    }
    match org_type {
        // 民政部令69 art. 8(1): 行政区划名称、行(事)业领域或者会员组成、组织形式依次构成.
        Some(OrgType::SocialGroup) if !ordered(&n, GROUP_FORMS, 1) => {
            out.push(NameProblem::GroupOrder);
        }
        // 民政部令69 art. 8(2): 行政区划名称、字号、行(事)业领域、组织形式依次构成. The 字号 and
        // the field cannot be told apart by machine: together at least two characters.
        Some(OrgType::Foundation) if !ordered(&n, FOUNDATION_FORMS, 2) => {
            out.push(NameProblem::FoundationOrder);
        }
        Some(OrgType::ServiceInstitution) if !ordered(&n, INSTITUTION_FORMS, 2) => {
            out.push(NameProblem::InstitutionOrder);
        }
        _ => {}
    }
    out
}

/// Forms a social service institution's name ends with: the forms that are neither a social
/// group's nor a foundation's.
const INSTITUTION_FORMS: &[&str] = &[
    "社会工作服务中心",
    "服务中心",
    "发展中心",
    "研究中心",
    "指导中心",
    "研究院",
    "服务社",
    "服务站",
    "中心",
    "学校",
    "医院",
    "书院",
    "院",
    "社",
];

/// What the registrar is shown about a name that passes `check`.
pub fn flags(name: &str) -> Vec<NameFlag> {
    let n = normalize(name);
    FORBIDDEN_LOCAL
        .into_iter()
        .filter(|w| n.contains(w) && !n.starts_with(w))
        .map(NameFlag::NationalWord)
        .collect()
}

/// Two names that are the same once normalised: the second is refused.
pub fn identical(a: &str, b: &str) -> bool {
    normalize(a) == normalize(b)
}

/// Whether `candidate` is similar to `existing`: the same core, or more than half of the
/// candidate core's bigrams found in the existing core.
pub fn similar(candidate: &str, existing: &str) -> bool {
    let (a, b) = (core(candidate), core(existing));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let (ga, gb) = (bigrams(&a), bigrams(&b));
    if ga.is_empty() {
        return false;
    }
    let shared = ga.intersection(&gb).count();
    shared * 2 > ga.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_spaces_and_punctuation_do_not_make_a_new_name() {
        assert_eq!(
            normalize("宁波市 阳光（社工）服务中心"),
            "宁波市阳光社工服务中心"
        );
        assert!(identical(
            "宁波市ABC养老服务中心",
            "宁波市ａｂｃ 养老·服务中心"
        ));
        assert!(!identical(
            "宁波市阳光社工服务中心",
            "宁波市月光社工服务中心"
        ));
    }

    #[test]
    fn cores_drop_region_and_form_words() {
        assert_eq!(core("宁波市海曙区阳光社会工作服务中心"), "阳光");
        assert_eq!(core("浙江省宁波市志愿者协会"), "志愿者");
        assert_eq!(core("海曙乐龄养老服务中心"), "乐龄养老");
    }

    #[test]
    fn similar_names_are_found_and_different_ones_are_not() {
        assert!(
            similar("海曙区阳光社会工作服务中心", "宁波市阳光社会工作服务中心"),
            "same core"
        );
        assert!(
            similar("宁波市乐龄养老服务社", "宁波市鄞州区乐龄养老服务中心"),
            "same core, other form"
        );
        assert!(
            similar("宁波市青少年志愿服务协会", "宁波市青少年志愿者协会"),
            "most bigrams shared"
        );
        assert!(!similar("宁波市慈善助学基金会", "宁波市志愿者协会"));
    }

    const GROUP: Option<OrgType> = Some(OrgType::SocialGroup);
    const FOUNDATION: Option<OrgType> = Some(OrgType::Foundation);
    const INSTITUTION: Option<OrgType> = Some(OrgType::ServiceInstitution);

    #[test]
    fn national_words_are_refused_only_as_the_prefix() {
        // 社团条例 art. 10(3), 民政部令69 art. 8(3): 冠以, the prefix.
        assert_eq!(
            check("中国宁波养老协会", GROUP),
            vec![NameProblem::Forbidden("中国"), NameProblem::GroupOrder]
        );
        assert_eq!(
            check(" 全 国宁波市养老服务中心", None),
            vec![NameProblem::Forbidden("全国")],
            "spaces do not hide a prefix"
        );
        // Inside the name: no refusal, a flag for the registrar.
        assert!(check("宁波市中华文化促进会", GROUP).is_empty());
        assert_eq!(
            flags("宁波市中华文化促进会"),
            vec![NameFlag::NationalWord("中华")]
        );
        assert!(check("宁波市中国画研究会", GROUP).is_empty());
        assert_eq!(
            flags("宁波市全 国性服务中心"),
            vec![NameFlag::NationalWord("全国")]
        );
        assert!(
            flags("中华宁波服务中心").is_empty(),
            "the prefix is refused, not flagged"
        );
        assert!(flags("宁波市阳光社会工作服务中心").is_empty());
    }

    #[test]
    fn a_social_groups_name_is_region_field_form() {
        assert!(check("宁波市养老服务业协会", GROUP).is_empty());
        assert_eq!(
            check("养老服务业协会", GROUP),
            vec![NameProblem::GroupOrder]
        );
        assert_eq!(
            check("宁波市养老服务中心", GROUP),
            vec![NameProblem::GroupOrder]
        );
        assert_eq!(
            check("宁波市协会", GROUP),
            vec![NameProblem::GroupOrder],
            "no field"
        );
        assert!(
            check("养老服务中心", None).is_empty(),
            "no order rule without a type"
        );
        assert_eq!(check("  ", None), vec![NameProblem::Empty]);
    }

    #[test]
    fn foundations_and_institutions_are_region_name_field_form() {
        // 民政部令69 art. 8(2).
        assert!(check("宁波市善园公益基金会", FOUNDATION).is_empty());
        assert!(check("宁波市慈善助学基金会", FOUNDATION).is_empty());
        assert_eq!(
            check("善园公益基金会", FOUNDATION),
            vec![NameProblem::FoundationOrder],
            "no region"
        );
        assert_eq!(
            check("宁波市善基金会", FOUNDATION),
            vec![NameProblem::FoundationOrder],
            "one character cannot be a 字号 and a field"
        );
        assert_eq!(
            check("宁波市善园公益促进会", FOUNDATION),
            vec![NameProblem::FoundationOrder],
            "a foundation's form is 基金会"
        );
        assert!(check("宁波市海曙区阳光社会工作服务中心", INSTITUTION).is_empty());
        assert!(check("宁波市江北区晨曦社区服务中心", INSTITUTION).is_empty());
        assert_eq!(
            check("阳光社会工作服务中心", INSTITUTION),
            vec![NameProblem::InstitutionOrder],
            "no region"
        );
        assert_eq!(
            check("宁波市阳光养老协会", INSTITUTION),
            vec![NameProblem::InstitutionOrder],
            "a social group's form"
        );
        assert_eq!(
            check("宁波市阳光基金会", INSTITUTION),
            vec![NameProblem::InstitutionOrder]
        );
    }
}

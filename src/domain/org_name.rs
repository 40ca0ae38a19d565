//! Names of social organizations (DOMAIN §2): normalised so that width, spacing and punctuation
//! do not make a different name; words a local organization may not use; the order a social
//! group's name follows (region + field + form); and similarity (same core once region and
//! organization-form words are removed, or most character bigrams shared), which is flagged to
//! the registrar rather than refused.

use std::collections::BTreeSet;

/// Words a local organization may not put in its name.
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
    /// 中国, 全国 or 中华 in a local organization's name.
    Forbidden(&'static str),
    /// A social group's name is region + field + form (宁波市…协会).
    GroupOrder,
}

impl NameProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            NameProblem::Empty => "err-org-name-required",
            NameProblem::TooLong => "err-org-name-long",
            NameProblem::Forbidden(_) => "err-org-name-forbidden",
            NameProblem::GroupOrder => "err-org-name-group-order",
        }
    }
}

/// The rules a name must meet at submission. `social_group` adds the order rule.
pub fn check(name: &str, social_group: bool) -> Vec<NameProblem> {
    let n = normalize(name);
    let mut out = Vec::new();
    if n.is_empty() {
        return vec![NameProblem::Empty];
    }
    if name.chars().count() > 50 {
        out.push(NameProblem::TooLong);
    }
    for w in FORBIDDEN_LOCAL {
        if n.contains(w) {
            out.push(NameProblem::Forbidden(w));
        }
    }
    if social_group {
        let after_region = REGIONS
            .iter()
            .find(|r| n.starts_with(**r))
            .map(|r| strip_regions(&n[r.len()..]));
        let field_then_form = after_region.is_some_and(|rest| {
            GROUP_FORMS
                .iter()
                .any(|f| rest.len() > f.len() && rest.ends_with(f))
        });
        if !field_then_form {
            out.push(NameProblem::GroupOrder);
        }
    }
    out
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

    #[test]
    fn local_organizations_may_not_use_national_words() {
        assert_eq!(
            check("中国宁波养老协会", true),
            vec![NameProblem::Forbidden("中国"), NameProblem::GroupOrder]
        );
        assert_eq!(
            check("宁波市中华文化促进会", true),
            vec![NameProblem::Forbidden("中华")]
        );
        assert!(
            check("宁波市全 国性服务中心", false).contains(&NameProblem::Forbidden("全国")),
            "spaces do not hide a word"
        );
    }

    #[test]
    fn a_social_groups_name_is_region_field_form() {
        assert!(check("宁波市养老服务业协会", true).is_empty());
        assert_eq!(check("养老服务业协会", true), vec![NameProblem::GroupOrder]);
        assert_eq!(
            check("宁波市养老服务中心", true),
            vec![NameProblem::GroupOrder]
        );
        assert_eq!(
            check("宁波市协会", true),
            vec![NameProblem::GroupOrder],
            "no field"
        );
        assert!(
            check("养老服务中心", false).is_empty(),
            "the order rule is for social groups"
        );
        assert_eq!(check("  ", false), vec![NameProblem::Empty]);
    }
}

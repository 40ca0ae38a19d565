//! The qualification documents a project requires of its bidders (issue 21 item 3; DOMAIN §5,
//! 政府采购法 22条): a checklist of the usual ones plus the documents the project adds by name.
//! A bid attaches one file per requirement inside its sealed content, naming the requirement
//! by its key; the qualification check shows them per bidder. Pure: no sqlx, no Rocket.

use serde::Serialize;

/// The checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QualDoc {
    /// 营业执照或登记证书 (business licence, or an NGO's registration certificate).
    Registration,
    /// 财务状况报告 (the last year's audited financial statements).
    Financial,
    /// 依法缴纳税收的证明.
    Tax,
    /// 依法缴纳社会保障资金的证明.
    SocialInsurance,
    /// 参加政府采购活动前三年内在经营活动中没有重大违法记录的书面声明.
    NoViolation,
}

codes!(QualDoc {
    Registration => "registration",
    Financial => "financial",
    Tax => "tax",
    SocialInsurance => "social_insurance",
    NoViolation => "no_violation",
});

impl QualDoc {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("qualdoc-{}", self.code())
    }

    /// Ticked on a new procurement project's form: every document of the statutory
    /// qualification conditions (a programme's purchaser may untick them).
    pub const DEFAULT: &'static [QualDoc] = QualDoc::ALL;
}

/// Most documents a project may add to the checklist.
pub const MAX_ADDED: usize = 10;
/// Longest name of an added document, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// The prefix of an added document's key.
const ADDED: &str = "added:";

/// One required document: from the checklist, or added by the project by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Requirement {
    Listed(QualDoc),
    Added(String),
}

impl Requirement {
    /// Its key, as the sealed bid names it: the checklist code, or `added:` and the name.
    pub fn key(&self) -> String {
        match self {
            Requirement::Listed(d) => d.code().to_string(),
            Requirement::Added(name) => format!("{ADDED}{name}"),
        }
    }

    pub fn from_key(key: &str) -> Option<Requirement> {
        match key.strip_prefix(ADDED) {
            Some(name) if !name.is_empty() => Some(Requirement::Added(name.to_string())),
            Some(_) => None,
            None => QualDoc::parse(key).map(Requirement::Listed),
        }
    }

    /// As stored: the kind (a checklist code, or `added`) and the added document's name.
    pub fn stored(&self) -> (&'static str, &str) {
        match self {
            Requirement::Listed(d) => (d.code(), ""),
            Requirement::Added(name) => ("added", name),
        }
    }

    pub fn from_stored(kind: &str, name: &str) -> Option<Requirement> {
        match kind {
            "added" if !name.is_empty() => Some(Requirement::Added(name.to_string())),
            "added" => None,
            code => QualDoc::parse(code).map(Requirement::Listed),
        }
    }
}

/// For pages: the key, the checklist code (when listed) and the added name (when added).
impl Serialize for Requirement {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Requirement", 3)?;
        st.serialize_field("key", &self.key())?;
        match self {
            Requirement::Listed(d) => {
                st.serialize_field("code", d.code())?;
                st.serialize_field("name", &None::<String>)?;
            }
            Requirement::Added(name) => {
                st.serialize_field("code", &None::<String>)?;
                st.serialize_field("name", name)?;
            }
        }
        st.end()
    }
}

/// Why a project's list of documents was refused (message keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListProblem {
    /// An added document's name is longer than `MAX_NAME_CHARS`, or has control characters.
    NameTooLong,
    /// The same document twice (an added name equal to another, or to a checklist code).
    Duplicate,
    /// More than `MAX_ADDED` added documents.
    TooMany,
    /// A checklist code that does not exist (a forged form).
    Unknown,
}

impl ListProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            ListProblem::NameTooLong => "err-qualdoc-name",
            ListProblem::Duplicate => "err-qualdoc-duplicate",
            ListProblem::TooMany => "err-qualdoc-too-many",
            ListProblem::Unknown => "err-qualdoc-unknown",
        }
    }
}

/// The required documents from a form: the ticked checklist codes and the added names (blank
/// lines skipped, names trimmed). Checklist first in its own order, then the added ones in the
/// order given. Every problem found is returned, once each.
pub fn check_list(
    ticked: &[String],
    added: &[String],
) -> Result<Vec<Requirement>, Vec<ListProblem>> {
    let mut problems = Vec::new();
    let note = |p: ListProblem, list: &mut Vec<ListProblem>| {
        if !list.contains(&p) {
            list.push(p);
        }
    };
    let mut out: Vec<Requirement> = Vec::new();
    let mut listed = Vec::new();
    for code in ticked {
        match QualDoc::parse(code.trim()) {
            Some(d) if !listed.contains(&d) => listed.push(d),
            Some(_) => {}
            None => note(ListProblem::Unknown, &mut problems),
        }
    }
    for d in QualDoc::ALL {
        if listed.contains(d) {
            out.push(Requirement::Listed(*d));
        }
    }
    let mut names: Vec<String> = Vec::new();
    for raw in added {
        let name = raw.trim();
        if name.is_empty() {
            continue;
        }
        if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            note(ListProblem::NameTooLong, &mut problems);
            continue;
        }
        let folded = name.to_lowercase();
        if names.contains(&folded) || QualDoc::parse(&folded).is_some() {
            note(ListProblem::Duplicate, &mut problems);
            continue;
        }
        names.push(folded);
        out.push(Requirement::Added(name.to_string()));
    }
    if names.len() > MAX_ADDED {
        note(ListProblem::TooMany, &mut problems);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The required documents a bid does not attach, in the project's order: `attached` are the
/// requirement keys of the bid's files (a file naming no requirement, or one the project does
/// not require, counts for nothing).
pub fn missing<'a, 'k>(
    required: &'a [Requirement],
    attached: impl IntoIterator<Item = &'k str>,
) -> Vec<&'a Requirement> {
    let keys: Vec<&str> = attached.into_iter().collect();
    required
        .iter()
        .filter(|r| !keys.contains(&r.key().as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(list: &[&str]) -> Vec<String> {
        list.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn keys_round_trip() {
        for d in QualDoc::ALL {
            let r = Requirement::Listed(*d);
            assert_eq!(Requirement::from_key(&r.key()), Some(r.clone()));
            let (k, n) = r.stored();
            assert_eq!(Requirement::from_stored(k, n), Some(r));
        }
        let r = Requirement::Added("养老机构设立许可".into());
        assert_eq!(r.key(), "added:养老机构设立许可");
        assert_eq!(Requirement::from_key(&r.key()), Some(r.clone()));
        let (k, n) = r.stored();
        assert_eq!(Requirement::from_stored(k, n), Some(r));
        assert_eq!(Requirement::from_key("added:"), None);
        assert_eq!(Requirement::from_key("licence"), None);
        assert_eq!(Requirement::from_stored("added", ""), None);
    }

    #[test]
    fn checklist_in_its_order_then_added() {
        let got = check_list(
            &s(&["no_violation", "registration", "registration"]),
            &s(&["  ", " 资质证书 "]),
        );
        assert_eq!(
            got,
            Ok(vec![
                Requirement::Listed(QualDoc::Registration),
                Requirement::Listed(QualDoc::NoViolation),
                Requirement::Added("资质证书".into()),
            ])
        );
        assert_eq!(check_list(&[], &[]), Ok(vec![]));
        assert_eq!(
            check_list(&s(&["passport"]), &[]),
            Err(vec![ListProblem::Unknown])
        );
    }

    #[test]
    fn name_length_at_its_limit() {
        let at = "证".repeat(MAX_NAME_CHARS);
        let over = "证".repeat(MAX_NAME_CHARS + 1);
        assert!(check_list(&[], std::slice::from_ref(&at)).is_ok());
        assert_eq!(
            check_list(&[], &[over]),
            Err(vec![ListProblem::NameTooLong])
        );
        assert_eq!(
            check_list(&[], &["资质\n证书".into()]),
            Err(vec![ListProblem::NameTooLong])
        );
        // Surrounding spaces do not count.
        assert!(check_list(&[], &[format!("  {at}  ")]).is_ok());
    }

    #[test]
    fn count_at_its_limit() {
        let names = |n: usize| (0..n).map(|i| format!("文件{i}")).collect::<Vec<_>>();
        assert_eq!(
            check_list(&[], &names(MAX_ADDED)).map(|l| l.len()),
            Ok(MAX_ADDED)
        );
        assert_eq!(
            check_list(&[], &names(MAX_ADDED + 1)),
            Err(vec![ListProblem::TooMany])
        );
        // Blank lines are not documents.
        let mut with_blanks = names(MAX_ADDED);
        with_blanks.extend(s(&["", "  "]));
        assert!(check_list(&[], &with_blanks).is_ok());
    }

    #[test]
    fn duplicates_refused() {
        assert_eq!(
            check_list(&[], &s(&["Audit report", "audit REPORT "])),
            Err(vec![ListProblem::Duplicate])
        );
        assert_eq!(
            check_list(&[], &s(&["tax"])),
            Err(vec![ListProblem::Duplicate])
        );
        // Every problem once.
        let over = "x".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            check_list(&s(&["nope"]), &[over.clone(), over, "a".into(), "A".into()]),
            Err(vec![
                ListProblem::Unknown,
                ListProblem::NameTooLong,
                ListProblem::Duplicate
            ])
        );
    }

    #[test]
    fn missing_documents() {
        let required = vec![
            Requirement::Listed(QualDoc::Registration),
            Requirement::Listed(QualDoc::Tax),
            Requirement::Added("资质证书".into()),
        ];
        assert_eq!(
            missing(&required, ["registration", "tax", "added:资质证书"]),
            Vec::<&Requirement>::new()
        );
        assert_eq!(
            missing(&required, ["tax", "added:资质证书", "financial"]),
            vec![&required[0]]
        );
        assert_eq!(missing(&required, []).len(), 3);
        assert_eq!(missing(&[], ["tax"]), Vec::<&Requirement>::new());
        assert_eq!(missing(&required, ["added:其他"]).len(), 3);
    }
}

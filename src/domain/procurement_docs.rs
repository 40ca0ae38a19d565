//! The procurement documents (采购文件) as a document (issue 21 item 4): the canonical content
//! of one published version, its number (文号) and digest, and what changed against the
//! version before it (sections flagged, text lines inserted and removed). Pure: the service
//! gathers the facts, the store freezes the text this module writes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The format tag inside every version's canonical JSON.
pub const FORMAT: &str = "huoban/procurement-documents/1";

/// The document number of a version: unique per project and version, readable on paper,
/// e.g. `NBMZ-2026-031-采购文件-第2版`.
pub fn doc_number(project_number: &str, version: i64) -> String {
    format!("{project_number}-采购文件-第{version}版")
}

/// Why a version was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// `published` (the notice), `amendment` (a clarification or change), `attachment` (a file
    /// the purchaser added).
    pub kind: String,
    pub amendment: Option<i64>,
    /// The amendment's text, or the attached file's description.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchaser {
    pub department_zh: String,
    pub department_en: String,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub contact_email: String,
    pub agency_zh: Option<String>,
    pub agency_en: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocCriterion {
    pub name: String,
    pub max_centi: i64,
    pub guidance: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocAmendment {
    pub id: i64,
    pub published_at: i64,
    pub body: String,
    pub affects: bool,
    pub deadline_before: i64,
    pub deadline_after: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocFile {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// The version the file was added in.
    pub version: i64,
}

/// Everything one version of the documents says, frozen at its publication. Its JSON text (as
/// `to_json` writes it, fields in this order) is what the SHA-256 covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocContent {
    pub format: String,
    pub doc_no: String,
    pub project: String,
    pub round: i64,
    pub version: i64,
    /// The SHA-256 of the version before, chaining the versions.
    pub previous_sha256: Option<String>,
    pub published_at: i64,
    pub change: Change,
    pub title: String,
    pub kind: String,
    pub method: String,
    pub category_code: String,
    pub category_zh: String,
    pub purchaser: Purchaser,
    pub notice_at: Option<i64>,
    pub deadline_at: Option<i64>,
    /// Bids are opened at the deadline.
    pub opening_at: Option<i64>,
    pub budget_fen: i64,
    pub max_price_fen: Option<i64>,
    pub price_weight_pct: i64,
    pub tie_rule: String,
    pub grade_use: String,
    pub city_division: Option<String>,
    pub min_grade: Option<String>,
    pub need_inspection: bool,
    pub min_bids: i64,
    pub requirements: String,
    pub criteria: Vec<DocCriterion>,
    pub amendments: Vec<DocAmendment>,
    pub attachments: Vec<DocFile>,
    /// The qualification documents bidders attach (issue 21 item 3); fixed at publication.
    /// Versions frozen before the list existed have none in their text.
    #[serde(default)]
    pub qual_docs: Vec<DocQualDoc>,
}

/// A required qualification document as the version states it: the checklist code, or the
/// name the project gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocQualDoc {
    pub key: String,
    pub code: Option<String>,
    pub name: Option<String>,
}

impl DocContent {
    /// The canonical text: compact JSON, fields in declaration order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn parse(text: &str) -> Option<DocContent> {
        serde_json::from_str(text).ok()
    }
}

/// Lowercase hex SHA-256 of the text's UTF-8 bytes.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// One line of a text diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// `same`, `ins` or `del`.
    pub kind: &'static str,
    pub text: String,
}

fn line(kind: &'static str, text: &str) -> Line {
    Line {
        kind,
        text: text.to_string(),
    }
}

/// Beyond this many line pairs the diff does not search for common lines: the old text is
/// shown removed and the new inserted.
const MAX_CELLS: usize = 4_000_000;

/// A line diff of `old` against `new` (longest common subsequence): unchanged lines `same`,
/// removed `del`, added `ins`, in reading order (removals before insertions at a change).
pub fn line_diff(old: &str, new: &str) -> Vec<Line> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a.len().saturating_mul(b.len()) > MAX_CELLS {
        let mut out: Vec<Line> = a.iter().map(|l| line("del", l)).collect();
        out.extend(b.iter().map(|l| line("ins", l)));
        return out;
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n.max(m));
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(line("same", a[i]));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(line("del", a[i]));
            i += 1;
        } else {
            out.push(line("ins", b[j]));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| line("del", l)));
    out.extend(b[j..].iter().map(|l| line("ins", l)));
    out
}

/// What a version changed against the one before it, for the marked version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Marks {
    /// The version compared with (none for the first).
    pub previous: Option<i64>,
    /// The sections that changed: `dates`, `purchaser`, `requirements`, `budget`, `terms`,
    /// `criteria`, `amendments`, `attachments`.
    pub changed: Vec<&'static str>,
    /// The requirements, line by line, against the previous version.
    pub requirements: Vec<Line>,
    /// The deadline the previous version gave, when this one moved it.
    pub deadline_before: Option<i64>,
    /// Amendments and files new in this version.
    pub new_amendments: Vec<i64>,
    pub new_attachments: Vec<i64>,
}

/// The marks of `cur` against `prev` (the version before it in the same round, if any).
pub fn marks(prev: Option<&DocContent>, cur: &DocContent) -> Marks {
    let Some(prev) = prev else {
        return Marks {
            requirements: line_diff(&cur.requirements, &cur.requirements),
            ..Marks::default()
        };
    };
    let mut changed = Vec::new();
    let mut flag = |key: &'static str, differs: bool| {
        if differs {
            changed.push(key);
        }
    };
    flag(
        "dates",
        prev.deadline_at != cur.deadline_at
            || prev.opening_at != cur.opening_at
            || prev.notice_at != cur.notice_at,
    );
    flag("purchaser", prev.purchaser != cur.purchaser);
    flag("requirements", prev.requirements != cur.requirements);
    flag(
        "budget",
        prev.budget_fen != cur.budget_fen || prev.max_price_fen != cur.max_price_fen,
    );
    flag(
        "terms",
        prev.method != cur.method
            || prev.tie_rule != cur.tie_rule
            || prev.grade_use != cur.grade_use
            || prev.city_division != cur.city_division
            || prev.min_grade != cur.min_grade
            || prev.need_inspection != cur.need_inspection
            || prev.min_bids != cur.min_bids,
    );
    flag(
        "criteria",
        prev.criteria != cur.criteria || prev.price_weight_pct != cur.price_weight_pct,
    );
    flag("amendments", prev.amendments != cur.amendments);
    flag("attachments", prev.attachments != cur.attachments);
    let new_of = |old: &[i64], now: Vec<i64>| -> Vec<i64> {
        now.into_iter().filter(|id| !old.contains(id)).collect()
    };
    let old_amendments: Vec<i64> = prev.amendments.iter().map(|a| a.id).collect();
    let old_files: Vec<i64> = prev.attachments.iter().map(|f| f.id).collect();
    Marks {
        previous: Some(prev.version),
        requirements: line_diff(&prev.requirements, &cur.requirements),
        deadline_before: prev.deadline_at.filter(|d| Some(*d) != cur.deadline_at),
        new_amendments: new_of(
            &old_amendments,
            cur.amendments.iter().map(|a| a.id).collect(),
        ),
        new_attachments: new_of(&old_files, cur.attachments.iter().map(|f| f.id).collect()),
        changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> DocContent {
        DocContent {
            format: FORMAT.into(),
            doc_no: doc_number("NBMZ-2026-031", 1),
            project: "NBMZ-2026-031".into(),
            round: 1,
            version: 1,
            previous_sha256: None,
            published_at: 1,
            change: Change {
                kind: "published".into(),
                amendment: None,
                note: None,
            },
            title: "居家养老".into(),
            kind: "procurement".into(),
            method: "consultation".into(),
            category_code: "elderly-care".into(),
            category_zh: "养老服务".into(),
            purchaser: Purchaser {
                department_zh: "民政局".into(),
                department_en: "Civil Affairs".into(),
                contact_name: "张三".into(),
                contact_phone: None,
                contact_email: "p@example.cn".into(),
                agency_zh: None,
                agency_en: None,
            },
            notice_at: Some(1),
            deadline_at: Some(100),
            opening_at: Some(100),
            budget_fen: 10_000,
            max_price_fen: None,
            price_weight_pct: 30,
            tie_rule: "random".into(),
            grade_use: "criterion".into(),
            city_division: None,
            min_grade: None,
            need_inspection: false,
            min_bids: 3,
            requirements: "第一行\n第二行".into(),
            criteria: vec![],
            amendments: vec![],
            attachments: vec![],
            qual_docs: vec![],
        }
    }

    #[test]
    fn numbers_are_readable_and_distinct_per_version() {
        assert_eq!(
            doc_number("NBMZ-2026-031", 2),
            "NBMZ-2026-031-采购文件-第2版"
        );
        assert_ne!(doc_number("A-1", 1), doc_number("A-1", 11));
    }

    #[test]
    fn the_diff_keeps_common_lines_and_marks_the_rest() {
        let d = line_diff("a\nb\nc", "a\nx\nc\nd");
        let kinds: Vec<_> = d.iter().map(|l| (l.kind, l.text.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                ("same", "a"),
                ("del", "b"),
                ("ins", "x"),
                ("same", "c"),
                ("ins", "d")
            ]
        );
        assert!(line_diff("同\n样", "同\n样")
            .iter()
            .all(|l| l.kind == "same"));
        assert_eq!(line_diff("", "新").len(), 1);
        assert_eq!(line_diff("旧", "")[0].kind, "del");
    }

    #[test]
    fn the_canonical_text_round_trips_and_its_digest_is_stable() {
        let c = content();
        let text = c.to_json();
        assert!(text.starts_with("{\"format\":\"huoban/procurement-documents/1\""));
        assert_eq!(DocContent::parse(&text), Some(c.clone()));
        assert_eq!(sha256_hex(&text), sha256_hex(&c.to_json()));
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn an_amendment_marks_dates_amendments_and_new_items() {
        let v1 = content();
        let mut v2 = v1.clone();
        v2.version = 2;
        v2.deadline_at = Some(200);
        v2.opening_at = Some(200);
        v2.amendments.push(DocAmendment {
            id: 7,
            published_at: 50,
            body: "延期".into(),
            affects: true,
            deadline_before: 100,
            deadline_after: 200,
        });
        let m = marks(Some(&v1), &v2);
        assert_eq!(m.previous, Some(1));
        assert_eq!(m.changed, vec!["dates", "amendments"]);
        assert_eq!(m.deadline_before, Some(100));
        assert_eq!(m.new_amendments, vec![7]);
        assert!(m.new_attachments.is_empty());
        assert!(m.requirements.iter().all(|l| l.kind == "same"));
        let first = marks(None, &v1);
        assert!(first.changed.is_empty() && first.previous.is_none());
    }
}

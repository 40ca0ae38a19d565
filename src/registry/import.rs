//! `huoban import-orgs FILE`: registered organizations from a legacy system, as CSV or XLSX.
//! Idempotent by USCC (a code already present is skipped), legacy codes that fail the checksum
//! kept and flagged ("legacy code, checksum not valid"), never rewritten; every rejected row
//! reported with its line and reason. One audit entry per committed batch.

use crate::db::orgs::{self, NewOrg};
use crate::db::Db;
use crate::domain::calendar::{iso_date, parse_iso_date};
use crate::domain::division;
use crate::domain::registration::{Category, OrgType};
use crate::domain::uscc::{CivilType, Uscc};
use crate::platform::audit::{Actor, Auditor};
use crate::platform::clock::Clock;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub added: usize,
    pub already_present: usize,
    /// Added with a code whose check characters are wrong (kept, flagged).
    pub legacy_flagged: usize,
    /// (line, reason) of every row not imported.
    pub rejected: Vec<(usize, String)>,
}

/// Column names accepted, Chinese or English, and the field each fills.
const COLUMNS: &[(&str, &str)] = &[
    ("名称", "name"),
    ("name", "name"),
    ("统一社会信用代码", "uscc"),
    ("uscc", "uscc"),
    ("类型", "type"),
    ("type", "type"),
    ("类别", "category"),
    ("category", "category"),
    ("地区代码", "district"),
    ("district", "district"),
    ("状态", "status"),
    ("status", "status"),
    ("成立日期", "registered_on"),
    ("registered_on", "registered_on"),
    ("法定代表人", "legal_representative"),
    ("legal_representative", "legal_representative"),
    ("住所", "domicile"),
    ("domicile", "domicile"),
];

/// A cell as text, without control characters (which no name or address has, and which
/// PostgreSQL refuses in text).
fn clean(s: &str) -> String {
    s.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// An XLSX cell as the text a person sees: dates as YYYY-MM-DD (Excel keeps them as day serials
/// from 1899-12-30), whole numbers without a decimal point.
fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::DateTime(d) => {
            let days = d.as_f64().floor() as i64;
            let base = time::macros::date!(1899 - 12 - 30);
            base.checked_add(time::Duration::days(days))
                .map(iso_date)
                .unwrap_or_default()
        }
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", *x as i64),
        other => clean(&other.to_string()),
    }
}

/// The file's rows (header first) as text, each with the line a person sees it on.
pub fn read_rows(path: &Path) -> Result<Vec<(usize, Vec<String>)>, String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ext == "xlsx" || ext == "xls" || ext == "ods" {
        use calamine::Reader;
        let mut book = calamine::open_workbook_auto(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or("the workbook has no sheet")?
            .map_err(|e| format!("cannot read the first sheet: {e}"))?;
        let first = range.start().map(|(r, _)| r as usize).unwrap_or(0);
        Ok(range
            .rows()
            .enumerate()
            .map(|(k, r)| (first + k + 1, r.iter().map(cell_text).collect()))
            .collect())
    } else {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        // The csv reader's own line counter points at a blank line before a record, so the
        // line is counted from the record's byte offset instead.
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut out = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| format!("CSV: {e}"))?;
            let mut at = rec
                .position()
                .map(|p| p.byte() as usize)
                .unwrap_or(0)
                .min(bytes.len());
            while at < bytes.len() && (bytes[at] == b'\n' || bytes[at] == b'\r') {
                at += 1;
            }
            let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count();
            out.push((line, rec.iter().map(clean).collect()));
        }
        Ok(out)
    }
}

fn org_type(s: &str) -> Option<OrgType> {
    OrgType::parse(s).or(match s {
        "社会团体" => Some(OrgType::SocialGroup),
        "社会服务机构" | "民办非企业单位" => Some(OrgType::ServiceInstitution),
        "基金会" => Some(OrgType::Foundation),
        _ => None,
    })
}

fn category(s: &str) -> Option<Category> {
    Category::parse(s).or(match s {
        "" | "其他" => Some(Category::Other),
        "行业协会商会类" => Some(Category::IndustryAssociation),
        "科技类" => Some(Category::ScienceTechnology),
        "公益慈善类" => Some(Category::Charity),
        "城乡社区服务类" => Some(Category::CommunityService),
        _ => None,
    })
}

fn status(s: &str) -> Option<&'static str> {
    match s {
        "registered" | "正常" | "" => Some("registered"),
        "deregistered" | "注销" | "已注销" => Some("deregistered"),
        "revoked" | "撤销" | "已撤销" => Some("revoked"),
        _ => None,
    }
}

/// Retired divisions map to the one that took them over (江东区 → 鄞州区, 奉化市 → 奉化区).
fn district(s: &str) -> Option<&'static str> {
    match s {
        "330204" => Some("330212"),
        "330283" => Some("330213"),
        _ => division::NINGBO
            .iter()
            .map(|(c, _, _)| *c)
            .find(|c| *c == s),
    }
}

struct Checked {
    name: String,
    uscc: Uscc,
    checksum_ok: bool,
    org_type: OrgType,
    category: Category,
    district: &'static str,
    status: &'static str,
    registered_on: String,
    legal_representative: String,
    domicile: String,
}

fn check(row: &HashMap<&str, String>) -> Result<Checked, String> {
    let get = |k: &str| row.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let name = get("name");
    if name.is_empty() {
        return Err("名称为空 (no name)".into());
    }
    if name.chars().count() > 100 || row.values().any(|v| v.chars().count() > 500) {
        return Err(
            "内容过长 (a cell is too long: names up to 100 characters, other cells 500)".into(),
        );
    }
    let code = get("uscc");
    if code.is_empty() {
        return Err("缺少统一社会信用代码 (no USCC: rows are matched by it)".into());
    }
    let (uscc, checksum_ok) = Uscc::parse_legacy(&code)
        .map_err(|e| format!("统一社会信用代码格式错误 (malformed USCC: {e:?})"))?;
    let org_type = org_type(&get("type"))
        .ok_or_else(|| format!("类型无法识别 (unknown type `{}`)", get("type")))?;
    if let Some(t) = uscc.civil_type() {
        let declared = org_type.civil_type();
        if t != declared && t != CivilType::Other {
            return Err(
                "类型与代码第 2 位不符 (the type does not match position 2 of the code)".into(),
            );
        }
    }
    let category = category(&get("category"))
        .ok_or_else(|| format!("类别无法识别 (unknown category `{}`)", get("category")))?;
    // Without a district column, a Ningbo code's division (positions 3–8) says where it is.
    let given = get("district");
    let wanted = if given.is_empty() {
        uscc.division().to_string()
    } else {
        given
    };
    let district = district(&wanted)
        .ok_or_else(|| format!("地区代码无法识别 (unknown district `{wanted}`)"))?;
    let status = status(&get("status"))
        .ok_or_else(|| format!("状态无法识别 (unknown status `{}`)", get("status")))?;
    let date = get("registered_on").replace('/', "-");
    let registered_on = parse_iso_date(&date).map(iso_date).ok_or_else(|| {
        format!(
            "成立日期格式错误 (date `{}` is not YYYY-MM-DD)",
            get("registered_on")
        )
    })?;
    Ok(Checked {
        name,
        uscc,
        checksum_ok,
        org_type,
        category,
        district,
        status,
        registered_on,
        legal_representative: get("legal_representative"),
        domicile: get("domicile"),
    })
}

const BATCH: usize = 500;

/// Imports `path`. `progress(done, total)` is called after each batch.
pub async fn import(
    db: &Db,
    path: &Path,
    clock: &Clock,
    auditor: &Auditor,
    progress: impl Fn(u64, u64),
) -> Result<Report, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let digest = hex::encode(Sha256::digest(&bytes));
    let rows = read_rows(path)?;
    let Some(((_, header), data)) = rows.split_first() else {
        return Err("the file is empty".into());
    };
    let fields: Vec<Option<&str>> = header
        .iter()
        .map(|h| {
            let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
            COLUMNS
                .iter()
                .find(|(c, _)| c.to_lowercase() == h)
                .map(|(_, f)| *f)
        })
        .collect();
    for needed in ["name", "uscc", "type"] {
        if !fields.contains(&Some(needed)) {
            return Err(format!(
                "the header has no `{needed}` column (Chinese or English names accepted)"
            ));
        }
    }
    let mut report = Report::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let err = |e: sqlx::Error| e.to_string();
    let total = data.len() as u64;
    for (b, batch) in data.chunks(BATCH).enumerate() {
        let now = clock.now_ms();
        let mut tx = db.begin_write().await.map_err(err)?;
        let mut added_ids = Vec::new();
        for (line, cells) in batch {
            let line = *line;
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let row: HashMap<&str, String> = fields
                .iter()
                .zip(cells)
                .filter_map(|(f, v)| f.map(|f| (f, v.clone())))
                .collect();
            let c = match check(&row) {
                Ok(c) => c,
                Err(reason) => {
                    report.rejected.push((line, reason));
                    continue;
                }
            };
            if let Some(first) = seen.get(c.uscc.as_str()) {
                let reason =
                    format!("统一社会信用代码与第 {first} 行重复 (the same code as line {first})");
                report.rejected.push((line, reason));
                continue;
            }
            seen.insert(c.uscc.to_string(), line);
            let exists = orgs::id_by_uscc(&mut tx, c.uscc.as_str())
                .await
                .map_err(err)?;
            if exists.is_some() {
                report.already_present += 1;
                continue;
            }
            let id = orgs::insert(
                &mut tx,
                NewOrg {
                    name: &c.name,
                    org_type: c.org_type.code(),
                    category: c.category.code(),
                    district_code: c.district,
                    status: c.status,
                    uscc: Some(c.uscc.as_str()),
                    uscc_checksum_ok: c.checksum_ok,
                    authority_id: None,
                    registered_on: Some(&c.registered_on),
                    legal_representative: (!c.legal_representative.is_empty())
                        .then_some(c.legal_representative.as_str()),
                    domicile: (!c.domicile.is_empty()).then_some(c.domicile.as_str()),
                    charity: false,
                    now,
                },
            )
            .await
            .map_err(err)?;
            added_ids.push(id);
            report.added += 1;
            if !c.checksum_ok {
                report.legacy_flagged += 1;
            }
        }
        if !added_ids.is_empty() {
            let summary = serde_json::json!({ "file_sha256": digest, "batch": b, "organizations": added_ids });
            auditor
                .record(
                    &mut tx,
                    now,
                    Actor::Cli,
                    "organizations.imported",
                    ("import", digest.clone()),
                    summary,
                )
                .await
                .map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        progress(((b + 1) * BATCH).min(data.len()) as u64, total);
    }
    Ok(report)
}

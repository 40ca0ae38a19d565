//! The datasets' columns, filters and SQL. Every query selects the row key, the public link and
//! then the columns in order; filters are bound parameters, never spliced text.

use super::{col, link, Bind, Cell, Col, Dataset, Filter, Query, Row, Scope, Ty, COUNT_CAP};
use crate::db::search::{self, Filters};
use crate::db::Conn;
use crate::domain::calendar::SHANGHAI;

const NAME: Ty = Ty::Name;

pub fn columns(ds: Dataset) -> &'static [Col] {
    match ds {
        Dataset::Intentions => {
            const C: &[Col] = &[
                col("published_on", Ty::Date),
                col("department", NAME),
                link("title", Ty::Text),
                col("category", NAME),
                col("budget", Ty::Money),
                col("planned_month", Ty::Date),
                col("need", Ty::Text),
            ];
            C
        }
        Dataset::Projects => {
            const C: &[Col] = &[
                link("number", Ty::Text),
                col("title", Ty::Text),
                col("department", NAME),
                col("category", NAME),
                col("project_kind", Ty::Code("projkind-")),
                col("method", Ty::Code("method-")),
                col("budget", Ty::Money),
                col("notice_at", Ty::Time),
                col("deadline_at", Ty::Time),
                col("project_status", Ty::Code("projstatus-")),
            ];
            C
        }
        Dataset::Openings => {
            const C: &[Col] = &[
                col("opened_at", Ty::Time),
                link("number", Ty::Text),
                col("title", Ty::Text),
                col("category", NAME),
                col("round", Ty::Int),
                col("envelope", Ty::Code("envelope-")),
                col("bid_count", Ty::Int),
                col("min_bids", Ty::Int),
                col("outcome", Ty::Code("openoutcome-")),
            ];
            C
        }
        Dataset::Bids => {
            const C: &[Col] = &[
                col("opened_at", Ty::Time),
                link("number", Ty::Text),
                col("title", Ty::Text),
                col("round", Ty::Int),
                col("envelope", Ty::Code("envelope-")),
                col("bidder", Ty::Text),
                col("uscc", Ty::Text),
                col("price", Ty::Money),
                col("submitted_at", Ty::Time),
                col("digest", Ty::Text),
            ];
            C
        }
        Dataset::Awards => {
            const C: &[Col] = &[
                col("notice_at", Ty::Time),
                link("number", Ty::Text),
                col("title", Ty::Text),
                col("department", NAME),
                col("category", NAME),
                col("rank", Ty::Int),
                col("supplier", Ty::Text),
                col("uscc", Ty::Text),
                col("district", Ty::District),
                col("amount", Ty::Money),
                col("winner_status", Ty::Code("winner-")),
            ];
            C
        }
        Dataset::Contracts => {
            const C: &[Col] = &[
                col("signed_at", Ty::Time),
                col("number", Ty::Text),
                link("title", Ty::Text),
                col("department", NAME),
                col("category", NAME),
                col("supplier", Ty::Text),
                col("uscc", Ty::Text),
                col("district", Ty::District),
                col("contract_kind", Ty::Code("contractkind-")),
                col("amount", Ty::Money),
                col("paid", Ty::Money),
                col("starts_on", Ty::Date),
                col("ends_on", Ty::Date),
                col("contract_status", Ty::Code("contractstate-")),
                col("review_grade", Ty::Code("perfgrade-")),
            ];
            C
        }
        Dataset::Payments => {
            const C: &[Col] = &[
                col("value_date", Ty::Date),
                link("number", Ty::Text),
                col("title", Ty::Text),
                col("category", NAME),
                col("supplier", Ty::Text),
                col("uscc", Ty::Text),
                col("installment", Ty::Int),
                col("payment_amount", Ty::Money),
                col("entry_kind", Ty::Code("entrykind-")),
                col("recorded_at", Ty::Time),
            ];
            C
        }
        Dataset::Reviews => {
            const C: &[Col] = &[
                col("submitted_at", Ty::Time),
                link("number", Ty::Text),
                col("title", Ty::Text),
                col("supplier", Ty::Text),
                col("uscc", Ty::Text),
                col("milestone", Ty::Text),
                col("reviewer_kind", Ty::Code("reviewer-")),
                col("score", Ty::Centi),
                col("review_grade", Ty::Code("perfgrade-")),
            ];
            C
        }
        Dataset::Grades => {
            const C: &[Col] = &[
                link("organization", Ty::Text),
                col("uscc", Ty::Text),
                col("district", Ty::District),
                col("grade", Ty::Code("grade-")),
                col("announced_on", Ty::Date),
                col("valid_from", Ty::Date),
                col("valid_to", Ty::Date),
                col("ended_on", Ty::Date),
            ];
            C
        }
        Dataset::Organizations => {
            const C: &[Col] = &[
                link("organization", Ty::Text),
                col("uscc", Ty::Text),
                col("org_type", Ty::Code("orgtype-")),
                col("org_category", Ty::Code("category-")),
                col("district", Ty::District),
                col("org_status", Ty::Code("orgstatus-")),
                col("registered_on", Ty::Date),
            ];
            C
        }
        Dataset::Abnormal | Dataset::Serious => {
            const C: &[Col] = &[
                link("organization", Ty::Text),
                col("uscc", Ty::Text),
                col("district", Ty::District),
                col("listing_reason", Ty::Code("listing-")),
                col("ref_year", Ty::Int),
                col("listed_on", Ty::Date),
                col("removed_on", Ty::Date),
                col("removal", Ty::Code("removal-")),
            ];
            C
        }
        Dataset::Challenges => {
            const C: &[Col] = &[
                col("filed_at", Ty::Time),
                link("number", Ty::Text),
                col("title", Ty::Text),
                col("department", NAME),
                col("category", NAME),
                col("round", Ty::Int),
                col("target", Ty::Code("challengetarget-")),
                col("step", Ty::Code("challengestep-")),
                col("due_at", Ty::Time),
                col("answered_at", Ty::Time),
                col("suspends", Ty::Code("yesno-")),
                col("complained", Ty::Code("yesno-")),
            ];
            C
        }
        Dataset::Complaints => {
            const C: &[Col] = &[
                col("decided_at", Ty::Time),
                col("number", Ty::Text),
                link("title", Ty::Text),
                col("department", NAME),
                col("category", NAME),
                col("complainant", Ty::Text),
                col("uscc", Ty::Text),
                col("target", Ty::Code("challengetarget-")),
                col("complaint_filed_at", Ty::Time),
                col("decision_outcome", Ty::Code("complaintoutcome-")),
                col("findings", Ty::Text),
                col("decision", Ty::Text),
            ];
            C
        }
        Dataset::Failures => {
            const C: &[Col] = &[
                col("failed_at", Ty::Time),
                link("number", Ty::Text),
                col("title", Ty::Text),
                col("department", NAME),
                col("category", NAME),
                col("round", Ty::Int),
                col("stage", Ty::Code("failstage-")),
                col("valid_bids", Ty::Int),
                col("min_bids", Ty::Int),
                col("failure_reason", NAME),
            ];
            C
        }
    }
}

/// Failed and cancelled rounds: the event kinds, and the stage each names. Migration 0053's
/// partial index `project_events_failures` has this condition word for word (SQLite uses a
/// partial index only for a query holding its condition as written): change both together.
const FAILURE_KINDS: &str =
    "e.kind IN ('failed', 'final_failed', 'review_failed', 'compliance_failed', 'cancelled')";

/// Fills a failure row's counts and reason from its event's recorded data (the same counts the
/// project page and the OCDS release state): bids received (or valid after a review), the
/// minimum, and the reason in words, Chinese and English; a cancellation's is the purchaser's.
pub(super) fn failure_cells(stage: &str, data: &str, cells: &mut [Cell]) {
    let d: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    let n = |k: &str| d[k].as_i64();
    let (valid, min) = match stage {
        "opening" | "final-opening" => (n("bid_count"), n("min_bids")),
        "cancelled" => (None, None),
        _ => (n("valid"), n("min_bids")),
    };
    let (v, m) = (valid.unwrap_or(0), min.unwrap_or(0));
    let reason = match stage {
        "cancelled" => {
            let r = d["reason"].as_str().unwrap_or_default().to_string();
            (r.clone(), r)
        }
        "opening" | "final-opening" => (
            format!("递交投标（响应）文件的供应商 {v} 家，少于规定的 {m} 家"),
            format!("{v} bid(s) received, fewer than the required {m}"),
        ),
        "qualification" => (
            format!("资格审查后有效投标 {v} 家，少于规定的 {m} 家"),
            format!("{v} valid bid(s) after the qualification check, fewer than the required {m}"),
        ),
        _ => (
            format!("符合性审查后有效投标 {v} 家，少于规定的 {m} 家"),
            format!("{v} valid bid(s) after the compliance check, fewer than the required {m}"),
        ),
    };
    if let [.., valid_c, min_c, reason_c] = cells {
        *valid_c = valid.map(Cell::Int).unwrap_or(Cell::Null);
        *min_c = min.map(Cell::Int).unwrap_or(Cell::Null);
        *reason_c = if reason.0.is_empty() {
            Cell::Null
        } else {
            Cell::Name(reason.0, reason.1)
        };
    }
}

pub fn filters(ds: Dataset) -> &'static [Filter] {
    use Filter::*;
    match ds {
        Dataset::Intentions => &[Q, Category, Year],
        Dataset::Projects => &[Q, Status, Kind, Category, District, Year],
        Dataset::Openings | Dataset::Bids => &[Q, Category, Year],
        Dataset::Awards => &[Q, Category, District, Year],
        Dataset::Contracts => &[Q, Status, Kind, Category, District, Year],
        Dataset::Payments | Dataset::Reviews => &[Q, Category, District, Year],
        Dataset::Grades => &[Q, Grade, District, Year],
        Dataset::Organizations => &[Q, OrgType, Category, District, Status, Grade],
        Dataset::Abnormal | Dataset::Serious => &[Q, Status, District, Year],
        Dataset::Challenges | Dataset::Complaints => &[Q, Category, Year],
        Dataset::Failures => &[Q, Status, Category, District, Year],
    }
}

/// How the year filter reads a column.
enum YearOf {
    Ms(&'static str),
    Text(&'static str),
}

struct Spec {
    select: &'static str,
    from: &'static str,
    key: &'static str,
    always: &'static str,
    q: &'static [&'static str],
    category: Option<&'static str>,
    district: Option<&'static str>,
    year: Option<YearOf>,
    grade: Option<&'static str>,
}

fn spec(ds: Dataset) -> Spec {
    let none = Spec {
        select: "",
        from: "",
        key: "",
        always: "1 = 1",
        q: &[],
        category: None,
        district: None,
        year: None,
        grade: None,
    };
    match ds {
        Dataset::Intentions => Spec {
            select: "i.id, '/intentions/' || CAST(i.id AS TEXT), i.published_on, d.name_zh, d.name_en, i.title, c.name_zh, c.name_en, \
                     i.budget_fen, i.planned_month, i.need",
            from: "intentions i JOIN departments d ON d.id = i.department_id \
                   JOIN service_categories c ON c.code = i.category_code",
            key: "i.id",
            q: &["i.title"],
            category: Some("i.category_code"),
            year: Some(YearOf::Text("i.published_on")),
            ..none
        },
        Dataset::Projects => Spec {
            select: "p.id, '/projects/' || p.number, p.number, p.title, d.name_zh, d.name_en, \
                     c.name_zh, c.name_en, p.kind, REPLACE(p.method, '_', '-'), p.budget_fen, \
                     p.notice_at, p.deadline_at, p.status",
            from: "projects p JOIN departments d ON d.id = p.department_id \
                   JOIN service_categories c ON c.code = p.category_code",
            key: "p.id",
            always: "p.status <> 'draft'",
            q: &["p.title", "p.number"],
            category: Some("p.category_code"),
            district: Some("p.city_division"),
            year: Some(YearOf::Ms("p.notice_at")),
            ..none
        },
        Dataset::Openings => Spec {
            select: "o.id, '/projects/' || p.number, o.opened_at, p.number, p.title, c.name_zh, \
                     c.name_en, o.round, o.envelope, o.bid_count, o.min_bids, o.outcome",
            from: "openings o JOIN projects p ON p.id = o.project_id \
                   JOIN service_categories c ON c.code = p.category_code",
            key: "o.id",
            q: &["p.title", "p.number"],
            category: Some("p.category_code"),
            year: Some(YearOf::Ms("o.opened_at")),
            ..none
        },
        // Opening records only: a bid is public from the moment its envelope is opened.
        Dataset::Bids => Spec {
            select: "ob.bid_id, '/projects/' || p.number, o.opened_at, p.number, p.title, o.round, \
                     o.envelope, g.name, g.uscc, ob.price_fen, ob.submitted_at, ob.digest",
            from: "opening_bids ob JOIN openings o ON o.id = ob.opening_id \
                   JOIN projects p ON p.id = o.project_id JOIN organizations g ON g.id = ob.org_id",
            key: "ob.bid_id",
            q: &["p.title", "p.number", "g.name"],
            category: Some("p.category_code"),
            year: Some(YearOf::Ms("o.opened_at")),
            ..none
        },
        Dataset::Awards => Spec {
            select: "w.id, '/projects/' || p.number || '/award', a.notice_at, p.number, p.title, \
                     d.name_zh, d.name_en, c.name_zh, c.name_en, w.rank, g.name, g.uscc, \
                     g.district_code, w.amount_fen, w.status",
            from: "award_winners w JOIN awards a ON a.id = w.award_id \
                   JOIN projects p ON p.id = a.project_id JOIN departments d ON d.id = p.department_id \
                   JOIN service_categories c ON c.code = p.category_code \
                   JOIN organizations g ON g.id = w.org_id",
            key: "w.id",
            always: "a.notice_at IS NOT NULL",
            q: &["p.title", "p.number", "g.name"],
            category: Some("p.category_code"),
            district: Some("g.district_code"),
            year: Some(YearOf::Ms("a.notice_at")),
            ..none
        },
        Dataset::Contracts => Spec {
            select: "k.id, '/contracts/' || CAST(k.id AS TEXT), k.signed_at, p.number, p.title, \
                     d.name_zh, d.name_en, c.name_zh, c.name_en, g.name, g.uscc, g.district_code, \
                     k.kind, k.amount_fen, \
                     (SELECT CAST(COALESCE(SUM(e.amount_fen), 0) AS BIGINT) FROM ledger_entries e \
                      WHERE e.contract_id = k.id), \
                     k.starts_on, k.ends_on, \
                     CASE WHEN k.terminated_at IS NOT NULL THEN 'terminated' \
                          WHEN k.accepted_at IS NOT NULL THEN 'accepted' ELSE 'delivery' END, \
                     (SELECT r.grade FROM perf_reviews r WHERE r.contract_id = k.id \
                      AND r.submitted_at IS NOT NULL ORDER BY r.submitted_at DESC, r.id DESC LIMIT 1)",
            from: "contracts k JOIN projects p ON p.id = k.project_id \
                   JOIN departments d ON d.id = p.department_id \
                   JOIN service_categories c ON c.code = p.category_code \
                   JOIN organizations g ON g.id = k.org_id",
            key: "k.id",
            q: &["p.title", "p.number", "g.name"],
            category: Some("p.category_code"),
            district: Some("g.district_code"),
            year: Some(YearOf::Ms("k.signed_at")),
            ..none
        },
        // Public facts of a payment only: never the voucher, the account or the invoice.
        Dataset::Payments => Spec {
            select: "e.id, '/contracts/' || CAST(k.id AS TEXT), e.value_date, p.number, p.title, \
                     c.name_zh, c.name_en, g.name, g.uscc, e.installment_pos, e.amount_fen, \
                     CASE WHEN e.reverses_id IS NULL THEN 'payment' ELSE 'reversal' END, e.recorded_at",
            from: "ledger_entries e JOIN contracts k ON k.id = e.contract_id \
                   JOIN projects p ON p.id = k.project_id JOIN organizations g ON g.id = k.org_id \
                   JOIN service_categories c ON c.code = p.category_code",
            key: "e.id",
            q: &["p.title", "p.number", "g.name"],
            category: Some("p.category_code"),
            district: Some("g.district_code"),
            year: Some(YearOf::Text("e.value_date")),
            ..none
        },
        Dataset::Reviews => Spec {
            select: "r.id, '/contracts/' || CAST(k.id AS TEXT), r.submitted_at, p.number, p.title, g.name, \
                     g.uscc, r.milestone, r.reviewer_kind, r.total_centi, r.grade",
            from: "perf_reviews r JOIN contracts k ON k.id = r.contract_id \
                   JOIN projects p ON p.id = k.project_id JOIN organizations g ON g.id = k.org_id",
            key: "r.id",
            always: "r.submitted_at IS NOT NULL",
            q: &["p.title", "p.number", "g.name"],
            category: Some("p.category_code"),
            district: Some("g.district_code"),
            year: Some(YearOf::Ms("r.submitted_at")),
            ..none
        },
        Dataset::Grades => Spec {
            select: "x.id, '/organizations/' || CAST(g.id AS TEXT), g.name, g.uscc, g.district_code, \
                     x.grade, x.announced_on, x.valid_from, x.valid_to, x.ended_on",
            from: "org_grades x JOIN organizations g ON g.id = x.org_id",
            key: "x.id",
            q: &["g.name"],
            district: Some("g.district_code"),
            year: Some(YearOf::Text("x.announced_on")),
            grade: Some("x.grade"),
            ..none
        },
        Dataset::Organizations => none,
        // The listings as the organization's public profile shows them: the list, the reason
        // and its year, the dates and how a listing ended; never the registrar's notes.
        Dataset::Abnormal | Dataset::Serious => Spec {
            select: "l.id, '/organizations/' || CAST(g.id AS TEXT), g.name, g.uscc, g.district_code, \
                     l.reason, l.ref_year, l.listed_on, l.removed_on, l.removal",
            from: "credit_listings l JOIN organizations g ON g.id = l.org_id",
            key: "l.id",
            always: if ds == Dataset::Abnormal {
                "l.list = 'abnormal'"
            } else {
                "l.list = 'serious'"
            },
            q: &["g.name", "g.uscc"],
            district: Some("g.district_code"),
            year: Some(YearOf::Text("l.listed_on")),
            ..none
        },
        // A challenge's public facts: what it is about, its dates, whether it suspended
        // signing and whether a complaint followed. The challenger, its text and the answer
        // are the parties' (the answer goes to the challenger and the suppliers concerned).
        Dataset::Challenges => Spec {
            select: "ch.id, '/projects/' || p.number, ch.filed_at, p.number, p.title, d.name_zh, \
                     d.name_en, c.name_zh, c.name_en, ch.round, ch.target, ch.step, ch.due_at, \
                     ch.answered_at, CASE WHEN ch.suspends <> 0 THEN 'yes' ELSE 'no' END, \
                     CASE WHEN EXISTS (SELECT 1 FROM complaints k WHERE k.challenge_id = ch.id) \
                     THEN 'yes' ELSE 'no' END",
            from: "challenges ch JOIN projects p ON p.id = ch.project_id \
                   JOIN departments d ON d.id = p.department_id \
                   JOIN service_categories c ON c.code = p.category_code",
            key: "ch.id",
            always: "ch.kind = 'challenge'",
            q: &["p.title", "p.number"],
            category: Some("p.category_code"),
            year: Some(YearOf::Ms("ch.filed_at")),
            ..none
        },
        // What the public 投诉处理决定书 prints: the complainant organization, the facts found
        // and the decision; never the complaint's own text (it may name people).
        Dataset::Complaints => Spec {
            select: "k.id, '/complaints/' || CAST(k.id AS TEXT) || '/decision', k.decided_at, \
                     p.number, p.title, d.name_zh, d.name_en, c.name_zh, c.name_en, g.name, g.uscc, \
                     ch.target, k.filed_at, k.outcome, k.findings, k.decision",
            from: "complaints k JOIN challenges ch ON ch.id = k.challenge_id \
                   JOIN projects p ON p.id = k.project_id \
                   JOIN departments d ON d.id = p.department_id \
                   JOIN service_categories c ON c.code = p.category_code \
                   JOIN organizations g ON g.id = k.org_id",
            key: "k.id",
            always: "k.decided_at IS NOT NULL",
            q: &["p.title", "p.number", "g.name"],
            category: Some("p.category_code"),
            year: Some(YearOf::Ms("k.decided_at")),
            ..none
        },
        // Every failed or cancelled round, kept when the project is re-tendered; the counts
        // and the reason come from the event (`failure_cells`), selected last.
        Dataset::Failures => Spec {
            select: "e.id, '/projects/' || p.number, e.at, p.number, p.title, d.name_zh, d.name_en, \
                     c.name_zh, c.name_en, e.round, \
                     CASE e.kind WHEN 'failed' THEN 'opening' WHEN 'final_failed' THEN 'final-opening' \
                     WHEN 'review_failed' THEN 'qualification' \
                     WHEN 'compliance_failed' THEN 'compliance' ELSE 'cancelled' END, \
                     NULL, NULL, NULL, NULL, e.data",
            from: "project_events e JOIN projects p ON p.id = e.project_id \
                   JOIN departments d ON d.id = p.department_id \
                   JOIN service_categories c ON c.code = p.category_code",
            key: "e.id",
            always: FAILURE_KINDS,
            q: &["p.title", "p.number"],
            category: Some("p.category_code"),
            district: Some("p.city_division"),
            year: Some(YearOf::Ms("e.at")),
            ..none
        },
    }
}

/// `%text%` for LIKE, with the wildcards in the text escaped.
fn like(q: &str) -> String {
    let mut s = String::from("%");
    for ch in q.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(ch);
    }
    s.push('%');
    s
}

fn year_ms(y: i32) -> Option<i64> {
    let d = time::Date::from_calendar_date(y, time::Month::January, 1).ok()?;
    Some(crate::platform::clock::to_ms(
        d.midnight().assume_offset(SHANGHAI),
    ))
}

fn conditions(ds: Dataset, s: &Spec, q: &Query, binds: &mut Vec<Bind>) -> Vec<String> {
    let mut w = vec![s.always.to_string()];
    let push = |binds: &mut Vec<Bind>, b: Bind| {
        binds.push(b);
        format!("${}", binds.len())
    };
    if let Some(text) = q.q.as_deref().filter(|t| !t.is_empty()) {
        let n = push(binds, Bind::Text(like(text)));
        let ors: Vec<String> =
            s.q.iter()
                .map(|c| format!("{c} LIKE {n} ESCAPE '\\'"))
                .collect();
        w.push(format!("({})", ors.join(" OR ")));
    }
    for (colname, v) in [
        (s.category, &q.category),
        (s.district, &q.district),
        (s.grade, &q.grade),
    ] {
        if let (Some(colname), Some(v)) = (colname, v) {
            let n = push(binds, Bind::Text(v.clone()));
            w.push(format!("{colname} = {n}"));
        }
    }
    if let (Some(y), Some(of)) = (q.year, &s.year) {
        match of {
            YearOf::Ms(colname) => {
                if let (Some(a), Some(b)) = (year_ms(y), year_ms(y + 1)) {
                    let a = push(binds, Bind::Int(a));
                    let b = push(binds, Bind::Int(b));
                    w.push(format!("{colname} >= {a} AND {colname} < {b}"));
                }
            }
            YearOf::Text(colname) => {
                let a = push(binds, Bind::Text(format!("{y:04}-01-01")));
                let b = push(binds, Bind::Text(format!("{:04}-01-01", y + 1)));
                w.push(format!("{colname} >= {a} AND {colname} < {b}"));
            }
        }
    }
    match (ds, q.status.as_deref()) {
        (Dataset::Projects, Some("closed")) => {
            w.push("p.status IN ('opened', 'awarded', 'contracted', 'failed', 'cancelled')".into())
        }
        (Dataset::Projects, Some("all")) => {}
        (Dataset::Projects, _) => w.push("p.status = 'published'".into()),
        (Dataset::Abnormal | Dataset::Serious, Some("removed")) => {
            w.push("l.removed_on IS NOT NULL".into())
        }
        (Dataset::Abnormal | Dataset::Serious, Some("all")) => {}
        (Dataset::Abnormal | Dataset::Serious, _) => w.push("l.removed_on IS NULL".into()),
        (Dataset::Failures, Some("failed")) => w.push("e.kind <> 'cancelled'".into()),
        (Dataset::Failures, Some("cancelled")) => w.push("e.kind = 'cancelled'".into()),
        (Dataset::Contracts, Some("terminated")) => w.push("k.terminated_at IS NOT NULL".into()),
        (Dataset::Contracts, Some("accepted")) => {
            w.push("k.terminated_at IS NULL AND k.accepted_at IS NOT NULL".into())
        }
        (Dataset::Contracts, Some("delivery")) => {
            w.push("k.terminated_at IS NULL AND k.accepted_at IS NULL".into())
        }
        _ => {}
    }
    if let Some(kind) = &q.kind {
        let colname = match ds {
            Dataset::Projects => Some("p.kind"),
            Dataset::Contracts => Some("k.kind"),
            _ => None,
        };
        if let Some(colname) = colname {
            let n = push(binds, Bind::Text(kind.clone()));
            w.push(format!("{colname} = {n}"));
        }
    }
    w
}

/// The page (`offset` set) or batch (`before` set) query.
pub(super) fn select(
    ds: Dataset,
    q: &Query,
    before: Option<i64>,
    limit: i64,
    offset: Option<i64>,
) -> (String, Vec<Bind>) {
    let s = spec(ds);
    let mut binds = Vec::new();
    let mut w = conditions(ds, &s, q, &mut binds);
    if let Some(b) = before {
        binds.push(Bind::Int(b));
        w.push(format!("{} < ${}", s.key, binds.len()));
    }
    binds.push(Bind::Int(limit));
    let mut sql = format!(
        "SELECT {} FROM {} WHERE {} ORDER BY {} DESC LIMIT ${}",
        s.select,
        s.from,
        w.join(" AND "),
        s.key,
        binds.len()
    );
    if let Some(o) = offset {
        binds.push(Bind::Int(o));
        sql.push_str(&format!(" OFFSET ${}", binds.len()));
    }
    (sql, binds)
}

pub(super) fn count(ds: Dataset, q: &Query) -> (String, Vec<Bind>) {
    let s = spec(ds);
    let mut binds = Vec::new();
    let w = conditions(ds, &s, q, &mut binds);
    binds.push(Bind::Int(COUNT_CAP + 1));
    (
        format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT 1 AS one FROM {} WHERE {} LIMIT ${}) capped",
            s.from,
            w.join(" AND "),
            binds.len()
        ),
        binds,
    )
}

fn org_filters(q: &Query) -> Filters {
    Filters {
        org_type: q.org_type.clone(),
        category: q.category.clone(),
        district: q.district.clone(),
        status: q.status.clone(),
    }
}

async fn org_search(
    c: &mut Conn,
    scope: &Scope,
    q: &Query,
    offset: i64,
    limit: i64,
) -> Result<search::Page, sqlx::Error> {
    let text = q.q.clone().unwrap_or_default();
    let f = org_filters(q);
    match &q.grade {
        Some(g) => search::search_graded(c, &text, &f, g, &scope.today, offset, limit).await,
        None => search::search(c, scope.backend, &text, &f, offset, limit).await,
    }
}

/// Organizations through the directory's own search (its name index answers 1–2 character
/// queries that LIKE would scan a million rows for).
pub(super) async fn organizations(
    c: &mut Conn,
    scope: &Scope,
    q: &Query,
    offset: i64,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    let page = org_search(c, scope, q, offset, limit).await?;
    Ok(org_rows(page.hits))
}

/// The next batch of a download: filters alone walk the register by id; a search or a grade
/// pages through the directory's own search.
pub(super) async fn organizations_batch(
    c: &mut Conn,
    scope: &Scope,
    q: &Query,
    after: Option<i64>,
    offset: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    if q.q.is_none() && q.grade.is_none() {
        let hits = search::after(c, &org_filters(q), after.unwrap_or(0), super::BATCH).await?;
        return Ok(org_rows(hits));
    }
    organizations(c, scope, q, offset, super::BATCH).await
}

fn org_rows(hits: Vec<search::Hit>) -> Vec<Row> {
    hits.into_iter()
        .map(|h| {
            let opt = |v: Option<String>| v.map(super::Cell::Text).unwrap_or(super::Cell::Null);
            Row {
                key: h.id.0,
                link: Some(format!("/organizations/{}", h.id.0)),
                cells: vec![
                    super::Cell::Text(h.name),
                    opt(h.uscc),
                    super::Cell::Code("orgtype-", h.org_type),
                    super::Cell::Code("category-", h.category),
                    super::Cell::District(h.district_code),
                    super::Cell::Code("orgstatus-", h.status),
                    h.registered_on
                        .map(super::Cell::Date)
                        .unwrap_or(super::Cell::Null),
                ],
            }
        })
        .collect()
}

pub(super) async fn count_organizations(
    c: &mut Conn,
    scope: &Scope,
    q: &Query,
) -> Result<Option<i64>, sqlx::Error> {
    let page = org_search(c, scope, q, 0, 0).await?;
    Ok((!page.capped).then_some(page.count))
}

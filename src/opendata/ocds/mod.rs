//! Open Contracting Data Standard 1.1 (DOMAIN §7): every project is one contracting process,
//! ocid `<prefix>-<project number>`. Releases are built from the project's append-only event
//! history (and its procurement intention), one release per public event, each with a stable
//! id (`<ocid>-<event id>`) and the event's date, so a release is never rewritten. Core schema
//! only: planning, tender (tenderers and their number after the opening — bid prices stay on the
//! opening record), awards, contracts, and implementation (transactions for payments,
//! milestones for reviews). Parties — organizations, the buyer and the agency — are
//! `CN-USCI-<code>` with an identifier in the org-id.guide scheme `CN-USCI` (the unified
//! social credit identifier) and an address (`identity`); the service bought is an item
//! classified by CPV (`items`); currency CNY; no personal data.
//!
//! Issue 24, item 2 — releases follow the events as OCDS 1.1 reads them:
//! - every release lists each party known so far with all the roles it holds so far, because
//!   a compiled release replaces a party's `roles` array with the newest release's
//!   (merging: <https://standard.open-contracting.org/1.1/en/schema/merging/>);
//! - a winner passed over has its award `cancelled` with the reason, and the next-ranked gets a
//!   new `active` award (tag `awardUpdate`), so a contract's `awardID` always names an award
//!   that exists;
//! - a contract accepted and paid in full is `terminated` (the 1.1 contractStatus codelist's
//!   "the contract was signed and subsequently ended"), with the reason in `statusDetails`;
//! - a failed or cancelled round keeps its reason in a core field: a tender document of type
//!   `cancellationDetails` ("documentation of the arrangements, or reasons, for cancellation
//!   of a procurement process", OCDS 1.1 documentType codelist) whose `description` is the
//!   reason; `tender.statusDetails` (OCDS 1.2's field, an additional field to 1.1) repeats it;
//! - a payment's transaction is dated by its value date, not when it was recorded.

use crate::db::projects::{Event, Project};
use crate::db::Conn;
use crate::platform::clock::from_ms;
use crate::platform::error::AppResult;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use time::format_description::well_known::Rfc3339;

mod follow;
mod identity;
pub mod inputs;
mod items;
mod package;

use follow::{accumulate_parties, complete_contract, ContractState};
pub use follow::{round_ocid, split_round};
pub use identity::Party;
use identity::USCI;
pub use inputs::Inputs;
pub use items::classification;
pub use package::{compile, package, record_package};

/// An instant as OCDS wants it (RFC 3339, UTC).
pub fn date(ms: i64) -> String {
    from_ms(ms).format(&Rfc3339).unwrap_or_default()
}

/// An OCDS Value. Money stays in fen and `Decimal`; only the JSON number is written as a
/// double (what OCDS readers parse it into), from the exact decimal: every amount the
/// application accepts (≤ 15 significant digits) prints back to the same digits — see the test.
fn amount(fen: i64) -> Value {
    let d = Decimal::new(fen, 2);
    json!({ "amount": d.to_f64().map_or(Value::Null, Value::from), "currency": "CNY" })
}

pub fn ocid(prefix: &str, number: &str) -> String {
    format!("{prefix}-{number}")
}

/// The parties one project's releases name: the buyer (the purchasing department), the
/// procuring entity (the agency entrusted, if any) and the organizations taking part (its
/// bidders, winners and contractors) by organization id.
pub struct Cast {
    pub buyer: Party,
    pub agency: Option<Party>,
    pub orgs: HashMap<i64, Party>,
}

/// A party with one role; one whose id is `CN-USCI-<code>` carries the code as its
/// identifier.
fn party(id: &str, name: &str, role: &str) -> Value {
    let mut v = json!({ "id": id, "name": name, "roles": [role] });
    if let Some(code) = id.strip_prefix(USCI).and_then(|r| r.strip_prefix('-')) {
        v["identifier"] = json!({ "scheme": USCI, "id": code, "legalName": name });
    }
    v
}

fn method(m: &str) -> (&'static str, &'static str) {
    match m {
        "open_tender" => ("open", "公开招标"),
        "consultation" => ("open", "竞争性磋商"),
        "programme" => ("open", "专项资金项目"),
        _ => ("open", "其他"),
    }
}

/// The releases of one project, oldest first.
pub async fn releases(c: &mut Conn, prefix: &str, p: &Project) -> AppResult<Vec<Value>> {
    let inputs = inputs::one(c, p).await?;
    Ok(build(prefix, p, &inputs))
}

/// The releases of one project from what was read of it (`inputs`), oldest first.
pub fn build(prefix: &str, p: &Project, inputs: &Inputs) -> Vec<Value> {
    let Inputs {
        cast,
        contracts,
        category,
        events,
        intention,
    } = inputs;
    let goods = items::items(&p.category_code, category);
    let mut out = Vec::new();
    let oc = ocid(prefix, &p.number);
    let buyer = cast.buyer.reference();
    if let Some(i) = p.intention_id {
        if let Some((title, budget, need, at)) = intention {
            out.push(json!({
                "ocid": oc, "id": format!("{oc}-intention-{i}"), "date": date(*at), "tag": ["planning"],
                "initiationType": "tender", "language": "zh",
                "parties": [cast.buyer.with_role("buyer")], "buyer": buyer,
                "planning": { "rationale": need, "budget": { "description": title, "amount": amount(*budget) } },
            }));
        }
    }
    let mut known: Vec<Value> = out
        .first()
        .and_then(|r| r["parties"].as_array().cloned())
        .unwrap_or_default();
    let mut states: HashMap<i64, ContractState> = HashMap::new();
    let mut round = 1;
    for e in events {
        let process = round_ocid(&oc, e.round);
        if e.round != round {
            // A new process: its parties start afresh.
            round = e.round;
            known.clear();
        }
        let facts = Facts {
            cast,
            contracts,
            items: &goods,
        };
        if let Some(mut r) = release(&process, p, &facts, e) {
            if e.kind == "published" && e.round > 1 {
                r["relatedProcesses"] = json!([{ "id": "1", "relationship": ["unsuccessfulProcess"],
                    "title": p.title, "scheme": "ocid", "identifier": round_ocid(&oc, e.round - 1) }]);
            }
            complete_contract(&mut states, e, &mut r);
            accumulate_parties(&mut known, &mut r);
            out.push(r);
        }
    }
    out
}

/// What every release of a project reads besides its event.
struct Facts<'a> {
    cast: &'a Cast,
    contracts: &'a HashMap<i64, (i64, i64)>,
    /// The process's items, classified (`items::items`).
    items: &'a Value,
}

impl Facts<'_> {
    fn org(&self, id: i64) -> Party {
        self.cast
            .orgs
            .get(&id)
            .cloned()
            .unwrap_or_else(|| Party::bare(format!("HUOBAN-ORG-{id}"), String::new()))
    }
}

/// The event kinds `release` makes a release of (every other kind makes none). The feed's
/// keyset (`db::ocds_feed`) selects events by this list, so a kind added to `release` must be
/// added here: the unit test below and `tests/it/ocds_feed.rs` (a harvest equals the bulk file)
/// fail otherwise.
pub const RELEASE_KINDS: &[&str] = &[
    "published",
    "amendment",
    "cancelled",
    "opened",
    "final_opened",
    "failed",
    "final_failed",
    "review_failed",
    "compliance_failed",
    "awarded",
    "awarded_by_rule",
    "winner_changed",
    "contract_accepted",
    "contract_signed",
    "contract_addon",
    "contract_terminated",
    "payment",
    "payment_reversed",
    "review",
];

/// One event's release, or `None` for events that are not part of the open-data record
/// (drafts, questions, internal review steps).
fn release(oc: &str, p: &Project, f: &Facts, e: &Event) -> Option<Value> {
    let d = &e.data;
    let contracts = f.contracts;
    let buyer = f.cast.buyer.reference();
    let tender_id = format!("{}-{}", p.number, e.round);
    let mut parties = vec![f.cast.buyer.with_role("buyer")];
    let mut r = Map::new();
    let tag: &str;
    match e.kind.as_str() {
        "published" => {
            tag = "tender";
            let (m, details) = method(d["method"].as_str().unwrap_or(&p.method));
            let mut t = json!({
                "id": tender_id, "title": d["title"], "description": d["requirements"], "status": "active",
                "mainProcurementCategory": "services", "procurementMethod": m,
                "procurementMethodDetails": details,
                "value": amount(d["budget_fen"].as_i64().unwrap_or(p.budget_fen)),
                "procuringEntity": f.cast.agency.as_ref().map_or_else(|| buyer.clone(), Party::reference),
                "items": f.items,
            });
            // The agency entrusted runs the procedure (OCDS's procuring entity); without one
            // the purchaser does, and holds both roles.
            match &f.cast.agency {
                Some(a) => parties.push(a.with_role("procuringEntity")),
                None => parties.push(f.cast.buyer.with_role("procuringEntity")),
            }
            if let (Some(n), Some(dl)) = (d["notice_at"].as_i64(), d["deadline_at"].as_i64()) {
                t["tenderPeriod"] = json!({ "startDate": date(n), "endDate": date(dl) });
            }
            r.insert("tender".into(), t);
        }
        "amendment" => {
            tag = "tenderAmendment";
            let mut t = json!({ "id": tender_id, "amendments": [{ "id": e.id.to_string(), "date": date(e.at),
                "description": d["body"].as_str().unwrap_or("澄清或修改") }] });
            if let Some(dl) = d["deadline_after"].as_i64() {
                t["tenderPeriod"] = json!({ "endDate": date(dl) });
            }
            r.insert("tender".into(), t);
        }
        "cancelled" => {
            tag = "tenderCancellation";
            r.insert(
                "tender".into(),
                json!({ "id": tender_id, "status": "cancelled", "statusDetails": d["reason"],
                        "documents": [reason_document(&tender_id, e.id, "终止原因", d["reason"].as_str().unwrap_or(""))] }),
            );
        }
        "opened" | "final_opened" => {
            tag = "tenderUpdate";
            let mut tenderers = Vec::new();
            for b in d["bids"].as_array().into_iter().flatten() {
                let o = f.org(b["org_id"].as_i64().unwrap_or(0));
                tenderers.push(o.reference());
                parties.push(o.with_role("tenderer"));
            }
            r.insert(
                "tender".into(),
                json!({ "id": tender_id, "tenderers": tenderers, "numberOfTenderers": tenderers.len() }),
            );
        }
        "failed" | "final_failed" | "review_failed" | "compliance_failed" => {
            tag = "tenderUpdate";
            r.insert(
                "tender".into(),
                json!({ "id": tender_id, "status": "unsuccessful",
                        "statusDetails": failure_reason(&e.kind, d),
                        "documents": [reason_document(&tender_id, e.id, "失败原因", &failure_reason(&e.kind, d))] }),
            );
        }
        "awarded" | "awarded_by_rule" => {
            tag = "award";
            let mut awards = Vec::new();
            let award = d["award"].as_i64().unwrap_or(0);
            for w in d["winners"].as_array().into_iter().flatten() {
                let oid = w["org_id"].as_i64().unwrap_or(0);
                let o = f.org(oid);
                parties.push(o.with_role("supplier"));
                awards.push(
                    json!({ "id": format!("{award}-{oid}"), "status": "active", "date": date(e.at),
                    "value": amount(w["amount_fen"].as_i64().unwrap_or(0)),
                    "suppliers": [o.reference()], "items": f.items }),
                );
            }
            r.insert("awards".into(), Value::Array(awards));
            r.insert(
                "tender".into(),
                json!({ "id": tender_id, "status": "complete" }),
            );
        }
        "winner_changed" => {
            // The winner passed over (refused to sign, or disqualified): its award is
            // cancelled with the reason, and the next-ranked, if any, gets an award of its own.
            tag = "awardUpdate";
            let award = d["award"].as_i64().unwrap_or(0);
            let by_name = |key: &str| {
                d[format!("{key}_org")].as_i64().or_else(|| {
                    let name = d[key].as_str()?;
                    f.cast
                        .orgs
                        .iter()
                        .find(|(_, o)| o.name == name)
                        .map(|(id, _)| *id)
                })
            };
            let mut awards = Vec::new();
            if let Some(from) = by_name("from") {
                // OCDS 1.1's core award has no reason field: the reason goes in `description`
                // (core) and in `statusDetails` (the field OCDS 1.2 adds; an additional field
                // to a 1.1 validator, not an error).
                let why = d["reason"].as_str().unwrap_or("");
                awards.push(
                    json!({ "id": format!("{award}-{from}"), "status": "cancelled",
                    "statusDetails": why, "description": format!("已取消：{why}") }),
                );
            }
            if let Some(to) = by_name("to") {
                let o = f.org(to);
                parties.push(o.with_role("supplier"));
                awards.push(
                    json!({ "id": format!("{award}-{to}"), "status": "active", "date": date(e.at),
                    "value": amount(d["amount_fen"].as_i64().unwrap_or(0)),
                    "suppliers": [o.reference()], "items": f.items }),
                );
            }
            r.insert("awards".into(), Value::Array(awards));
        }
        "contract_accepted" => {
            tag = "contractUpdate";
            let k = d["contract"].as_i64().unwrap_or(0);
            r.insert(
                "contracts".into(),
                json!([{ "id": k.to_string(), "awardID": award_id(contracts, k),
                "implementation": { "milestones": [{ "id": "final-acceptance", "title": "终验",
                "type": "delivery", "status": "met", "dateMet": date(e.at) }] } }]),
            );
        }
        "contract_signed" => {
            tag = "contract";
            let k = d["contract"].as_i64().unwrap_or(0);
            r.insert("contracts".into(), json!([{
                "id": k.to_string(), "awardID": award_id(contracts, k), "status": "active",
                "dateSigned": date(e.at), "value": amount(d["amount_fen"].as_i64().unwrap_or(0)),
                "items": f.items,
                "period": { "startDate": format!("{}T00:00:00+08:00", d["starts_on"].as_str().unwrap_or("")),
                            "endDate": format!("{}T23:59:59+08:00", d["ends_on"].as_str().unwrap_or("")) },
            }]));
        }
        "contract_addon" => {
            tag = "contractAmendment";
            let k = d["contract"].as_i64().unwrap_or(0);
            r.insert(
                "contracts".into(),
                json!([{ "id": k.to_string(), "awardID": award_id(contracts, k), "amendments": [{
                "id": e.id.to_string(), "date": date(e.at), "rationale": d["reason"] }] }]),
            );
        }
        "contract_terminated" => {
            tag = "contractTermination";
            let k = d["contract"].as_i64().unwrap_or(0);
            r.insert(
                "contracts".into(),
                json!([{ "id": k.to_string(), "awardID": award_id(contracts, k), "status": "terminated" }]),
            );
        }
        "payment" | "payment_reversed" => {
            tag = if e.kind == "payment" {
                "implementation"
            } else {
                "implementationUpdate"
            };
            let k = d["contract"].as_i64().unwrap_or(0);
            let (_, oid) = contracts.get(&k).copied().unwrap_or((0, 0));
            let payee = f.org(oid);
            parties.push(payee.with_role("payee"));
            parties.push(f.cast.buyer.with_role("payer"));
            r.insert("contracts".into(), json!([{ "id": k.to_string(), "awardID": award_id(contracts, k), "implementation": { "transactions": [{
                "id": e.id.to_string(), "source": "", "date": value_date(d, e.at),
                "value": amount(d["amount_fen"].as_i64().unwrap_or(0)),
                "payer": buyer, "payee": payee.reference() }] } }]));
        }
        "review" => {
            tag = "implementationUpdate";
            let k = d["contract"].as_i64().unwrap_or(0);
            r.insert("contracts".into(), json!([{ "id": k.to_string(), "awardID": award_id(contracts, k), "implementation": { "milestones": [{
                "id": format!("review-{}", d["review"].as_i64().unwrap_or(0)),
                "title": d["milestone"], "type": "assessment", "status": "met", "dateMet": date(e.at),
                "description": format!("{} 分，{}", d["total"].as_str().unwrap_or(""),
                    grade_zh(d["grade"].as_str().unwrap_or(""))) }] } }]));
        }
        _ => return None,
    }
    // Transactions' `source` is optional; drop the empty placeholder.
    if let Some(t) = r
        .get_mut("contracts")
        .and_then(|c| c.pointer_mut("/0/implementation/transactions/0"))
        .and_then(Value::as_object_mut)
    {
        t.remove("source");
    }
    let mut base = json!({
        "ocid": oc, "id": format!("{oc}-{}", e.id), "date": date(e.at), "tag": [tag],
        "initiationType": "tender", "language": "zh", "parties": parties, "buyer": f.cast.buyer.reference(),
    });
    if let Some(m) = base.as_object_mut() {
        m.extend(r);
    }
    Some(base)
}

/// Why a round failed, in words (the counts its event recorded).
fn failure_reason(kind: &str, d: &Value) -> String {
    let n = |k: &str| d[k].as_i64().unwrap_or(0);
    match kind {
        "failed" | "final_failed" => format!(
            "递交投标（响应）文件的供应商 {} 家，少于规定的 {} 家",
            n("bid_count"),
            n("min_bids")
        ),
        "review_failed" => format!(
            "资格审查后有效投标 {} 家，少于规定的 {} 家",
            n("valid"),
            n("min_bids")
        ),
        _ => format!(
            "符合性审查后有效投标 {} 家，少于规定的 {} 家",
            n("valid"),
            n("min_bids")
        ),
    }
}

/// A payment's value date as an OCDS date (the start of that day in Beijing), or the time it
/// was recorded for entries without one.
fn value_date(d: &Value, at: i64) -> String {
    match d["value_date"].as_str() {
        Some(v) if crate::domain::calendar::parse_iso_date(v).is_some() => {
            format!("{v}T00:00:00+08:00")
        }
        _ => date(at),
    }
}

/// The award a contract belongs to, as the award releases name it (`<award>-<org>`).
fn award_id(contracts: &HashMap<i64, (i64, i64)>, k: i64) -> String {
    let (award, org) = contracts.get(&k).copied().unwrap_or((0, 0));
    format!("{award}-{org}")
}

fn grade_zh(g: &str) -> &'static str {
    match g {
        "excellent" => "优",
        "good" => "良",
        "fair" => "中",
        _ => "差",
    }
}

/// The reason a round failed or was cancelled, as a core 1.1 tender document
/// (`cancellationDetails`), one per event so a later round's reason never replaces it.
fn reason_document(tender_id: &str, event: i64, title: &str, reason: &str) -> Value {
    json!({
        "id": format!("{tender_id}-reason-{event}"),
        "documentType": "cancellationDetails",
        "title": title,
        "description": reason,
        "language": "zh",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_print_back_to_their_exact_decimal() {
        for fen in [
            30,
            10,
            1,
            38_000_000,
            11_399_970,
            99_999_999_999,
            99_999_999_999_999,
        ] {
            let text = amount(fen)["amount"].to_string();
            let back: Decimal = text.parse().unwrap_or_default();
            assert_eq!(back, Decimal::new(fen, 2), "{fen} fen printed as {text}");
        }
    }

    #[test]
    fn release_kinds_are_exactly_the_kinds_that_make_a_release() {
        // The arms of `release`'s match on the event kind, read from this file.
        let src = include_str!("mod.rs");
        let body = &src[src.find("\nfn release(").unwrap_or(0)..];
        let body = &body[..body.find("\nfn failure_reason").unwrap_or(body.len())];
        let mut arms: Vec<&str> = body
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with('"') && l.ends_with("=> {"))
            .flat_map(|l| l.trim_end_matches("=> {").split('|'))
            .map(|k| k.trim().trim_matches('"'))
            .collect();
        let mut listed = RELEASE_KINDS.to_vec();
        arms.sort_unstable();
        listed.sort_unstable();
        assert_eq!(arms, listed);
    }

    #[test]
    fn a_failed_round_says_why_and_a_payment_is_dated_by_its_value_date() {
        let d = json!({ "bid_count": 2, "min_bids": 3 });
        assert!(failure_reason("failed", &d).contains("2 家，少于规定的 3 家"));
        let d = json!({ "valid": 1, "min_bids": 3 });
        assert!(failure_reason("review_failed", &d).starts_with("资格审查"));
        assert!(failure_reason("compliance_failed", &d).starts_with("符合性审查"));
        assert_eq!(
            value_date(&json!({ "value_date": "2027-01-05" }), 0),
            "2027-01-05T00:00:00+08:00"
        );
        assert_eq!(
            value_date(&json!({ "value_date": "2027-02-30" }), 0),
            date(0)
        );
        assert_eq!(value_date(&json!({}), 0), date(0));
    }
}

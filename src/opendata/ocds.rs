//! Open Contracting Data Standard 1.1 (DOMAIN §7): every project is one contracting process,
//! ocid `<prefix>-<project number>`. Releases are built from the project's append-only event
//! history (and its procurement intention), one release per public event, each with a stable
//! id (`<ocid>-<event id>`) and the event's date, so a release is never rewritten. Core schema
//! only: planning, tender (tenderers and their number after the opening — bid prices stay on the
//! opening record), awards, contracts, and implementation (transactions for payments,
//! milestones for reviews). Parties are `CN-USCI-<code>` with an identifier in the
//! org-id.guide scheme `CN-USCI` (the unified social credit identifier); currency CNY; no
//! personal data.
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
//! - a failed round keeps its reason in `tender.statusDetails`;
//! - a payment's transaction is dated by its value date, not when it was recorded.

use crate::db::projects::{self as store, Event, Project};
use crate::db::Conn;
use crate::platform::clock::from_ms;
use crate::platform::error::AppResult;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use time::format_description::well_known::Rfc3339;

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

/// A round's contracting process. A re-tender is a process of its own (OCDS's pattern for a
/// repeated procedure: a separate ocid whose `relatedProcesses` names the unsuccessful one,
/// relationship `unsuccessfulProcess`), so each round keeps its own tenderers and its own end:
/// round 1 is `<prefix>-<number>`, round n is `<prefix>-<number>-R<n>`.
pub fn round_ocid(base: &str, round: i64) -> String {
    if round <= 1 {
        base.to_string()
    } else {
        format!("{base}-R{round}")
    }
}

/// The project number and round an ocid names (the inverse of `round_ocid` after the prefix):
/// `NB-1-R2` is round 2 of `NB-1` unless `NB-1-R2` is itself a number, which `exists` decides.
pub fn split_round(rest: &str) -> Vec<(String, i64)> {
    let mut out = vec![(rest.to_string(), 1)];
    if let Some((number, r)) = rest.rsplit_once("-R") {
        if let Ok(n) = r.parse::<i64>() {
            if n >= 2 && !r.starts_with('0') && !number.is_empty() {
                out.push((number.to_string(), n));
            }
        }
    }
    out
}

/// The buyer's party id (departments have no USCC in the register).
fn buyer_id(p: &Project) -> String {
    format!("HUOBAN-DEPT-{}", p.department_id)
}

/// What one project's releases need to know about organizations (its bidders, winners and
/// contractors): id → (party id, name).
pub async fn org_parties(c: &mut Conn, project: i64) -> AppResult<HashMap<i64, (String, String)>> {
    let rows = crate::db::ocds::parties(c, project).await?;
    Ok(rows
        .into_iter()
        .map(|(id, uscc, name)| {
            let pid = uscc.map_or_else(|| format!("HUOBAN-ORG-{id}"), |u| format!("{USCI}-{u}"));
            (id, (pid, name))
        })
        .collect())
}

/// The procurement agency running the procedure, when the purchaser entrusted one (OCDS's
/// procuring entity; the purchaser stays the buyer).
fn procuring_entity(p: &Project) -> Option<Value> {
    let name = p.agency_zh.as_deref()?;
    Some(json!({ "id": format!("HUOBAN-AGENCY-{}", p.agency_id?), "name": name }))
}

/// The org-id.guide scheme of the unified social credit identifier.
const USCI: &str = "CN-USCI";

/// A party with one role; an organization known by its USCC carries it as its identifier.
fn party(id: &str, name: &str, role: &str) -> Value {
    let mut v = json!({ "id": id, "name": name, "roles": [role] });
    if let Some(code) = id.strip_prefix(USCI).and_then(|r| r.strip_prefix('-')) {
        v["identifier"] = json!({ "scheme": USCI, "id": code, "legalName": name });
    }
    v
}

/// Folds a release's parties into those known so far (roles united, in order of first
/// appearance) and gives the release the whole list.
fn accumulate_parties(known: &mut Vec<Value>, release: &mut Value) {
    for p in release["parties"].as_array().cloned().unwrap_or_default() {
        match known.iter_mut().find(|k| k["id"] == p["id"]) {
            Some(k) => {
                for role in p["roles"].as_array().into_iter().flatten() {
                    if let Some(roles) = k["roles"].as_array_mut() {
                        if !roles.contains(role) {
                            roles.push(role.clone());
                        }
                    }
                }
            }
            None => known.push(p),
        }
    }
    release["parties"] = Value::Array(known.clone());
}

/// What the releases track across events: each contract's cap, what has been paid, whether it
/// was accepted, and whether it has been reported complete.
#[derive(Default)]
struct ContractState {
    cap_fen: i64,
    paid_fen: i64,
    accepted: bool,
    complete: bool,
}

fn method(m: &str) -> (&'static str, &'static str) {
    match m {
        "open_tender" => ("open", "公开招标"),
        "consultation" => ("open", "竞争性磋商"),
        "programme" => ("open", "专项资金项目"),
        _ => ("open", "其他"),
    }
}

/// The contracts' fixed facts: id → (award id, winner's org id).
pub async fn contract_facts(c: &mut Conn, project: i64) -> AppResult<HashMap<i64, (i64, i64)>> {
    let rows = crate::db::ocds::contracts(c, project).await?;
    Ok(rows.into_iter().map(|(k, a, o)| (k, (a, o))).collect())
}

/// The releases of one project, oldest first.
pub async fn releases(c: &mut Conn, prefix: &str, p: &Project) -> AppResult<Vec<Value>> {
    let orgs = org_parties(c, p.id).await?;
    let contracts = contract_facts(c, p.id).await?;
    let events = store::events(c, p.id).await?;
    let mut out = Vec::new();
    let oc = ocid(prefix, &p.number);
    let buyer = json!({ "id": buyer_id(p), "name": p.department_zh });
    if let Some(i) = p.intention_id {
        let row = crate::db::ocds::intention(c, i).await?;
        if let Some((title, budget, need, at)) = row {
            out.push(json!({
                "ocid": oc, "id": format!("{oc}-intention-{i}"), "date": date(at), "tag": ["planning"],
                "initiationType": "tender", "language": "zh",
                "parties": [party(&buyer_id(p), &p.department_zh, "buyer")], "buyer": buyer,
                "planning": { "rationale": need, "budget": { "description": title, "amount": amount(budget) } },
            }));
        }
    }
    let mut known: Vec<Value> = out
        .first()
        .and_then(|r| r["parties"].as_array().cloned())
        .unwrap_or_default();
    let mut states: HashMap<i64, ContractState> = HashMap::new();
    let mut round = 1;
    for e in &events {
        let process = round_ocid(&oc, e.round);
        if e.round != round {
            // A new process: its parties start afresh.
            round = e.round;
            known.clear();
        }
        if let Some(mut r) = release(&process, p, &buyer, &orgs, &contracts, e) {
            if e.kind == "published" && e.round > 1 {
                r["relatedProcesses"] = json!([{ "id": "1", "relationship": ["unsuccessfulProcess"],
                    "title": p.title, "scheme": "ocid", "identifier": round_ocid(&oc, e.round - 1) }]);
            }
            complete_contract(&mut states, e, &mut r);
            accumulate_parties(&mut known, &mut r);
            out.push(r);
        }
    }
    Ok(out)
}

/// Tracks the contract an event moves; when it is both accepted and paid in full (payments
/// less reversals reach the signed amount with its add-ons), the release reports it
/// `terminated` as complete; a reversal after that reports it `active` again.
fn complete_contract(states: &mut HashMap<i64, ContractState>, e: &Event, r: &mut Value) {
    let d = &e.data;
    let Some(k) = d["contract"].as_i64() else {
        return;
    };
    let st = states.entry(k).or_default();
    let amount = d["amount_fen"].as_i64().unwrap_or(0);
    match e.kind.as_str() {
        "contract_signed" | "contract_addon" => st.cap_fen += amount,
        "payment" => st.paid_fen += amount,
        "payment_reversed" => st.paid_fen -= amount.abs(),
        "contract_accepted" => st.accepted = true,
        _ => return,
    }
    let complete = st.accepted && st.cap_fen > 0 && st.paid_fen >= st.cap_fen;
    if complete == st.complete {
        return;
    }
    st.complete = complete;
    if let Some(c) = r.pointer_mut("/contracts/0").and_then(Value::as_object_mut) {
        if complete {
            c.insert("status".into(), json!("terminated"));
            c.insert(
                "statusDetails".into(),
                json!("履约完成：已终验合格，合同款项已全额支付"),
            );
        } else {
            c.insert("status".into(), json!("active"));
            c.insert("statusDetails".into(), Value::Null);
        }
    }
}

fn org(orgs: &HashMap<i64, (String, String)>, id: i64) -> (String, String) {
    orgs.get(&id)
        .cloned()
        .unwrap_or_else(|| (format!("HUOBAN-ORG-{id}"), String::new()))
}

/// One event's release, or `None` for events that are not part of the open-data record
/// (drafts, questions, internal review steps).
fn release(
    oc: &str,
    p: &Project,
    buyer: &Value,
    orgs: &HashMap<i64, (String, String)>,
    contracts: &HashMap<i64, (i64, i64)>,
    e: &Event,
) -> Option<Value> {
    let d = &e.data;
    let tender_id = format!("{}-{}", p.number, e.round);
    let mut parties = vec![party(&buyer_id(p), &p.department_zh, "buyer")];
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
                "procuringEntity": procuring_entity(p).unwrap_or_else(|| buyer.clone()),
            });
            if let (Some(id), Some(name)) = (p.agency_id, p.agency_zh.as_deref()) {
                parties.push(party(
                    &format!("HUOBAN-AGENCY-{id}"),
                    name,
                    "procuringEntity",
                ));
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
                json!({ "id": tender_id, "status": "cancelled", "statusDetails": d["reason"] }),
            );
        }
        "opened" | "final_opened" => {
            tag = "tenderUpdate";
            let mut tenderers = Vec::new();
            for b in d["bids"].as_array().into_iter().flatten() {
                let (id, name) = org(orgs, b["org_id"].as_i64().unwrap_or(0));
                tenderers.push(json!({ "id": id, "name": name }));
                parties.push(party(&id, &name, "tenderer"));
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
                        "statusDetails": failure_reason(&e.kind, d) }),
            );
        }
        "awarded" | "awarded_by_rule" => {
            tag = "award";
            let mut awards = Vec::new();
            let award = d["award"].as_i64().unwrap_or(0);
            for w in d["winners"].as_array().into_iter().flatten() {
                let oid = w["org_id"].as_i64().unwrap_or(0);
                let (id, name) = org(orgs, oid);
                parties.push(party(&id, &name, "supplier"));
                awards.push(
                    json!({ "id": format!("{award}-{oid}"), "status": "active", "date": date(e.at),
                    "value": amount(w["amount_fen"].as_i64().unwrap_or(0)),
                    "suppliers": [{ "id": id, "name": name }] }),
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
                    orgs.iter().find(|(_, (_, n))| n == name).map(|(id, _)| *id)
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
                let (id, name) = org(orgs, to);
                parties.push(party(&id, &name, "supplier"));
                awards.push(
                    json!({ "id": format!("{award}-{to}"), "status": "active", "date": date(e.at),
                    "value": amount(d["amount_fen"].as_i64().unwrap_or(0)),
                    "suppliers": [{ "id": id, "name": name }] }),
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
            let (payee, name) = org(orgs, oid);
            parties.push(party(&payee, &name, "payee"));
            r.insert("contracts".into(), json!([{ "id": k.to_string(), "awardID": award_id(contracts, k), "implementation": { "transactions": [{
                "id": e.id.to_string(), "source": "", "date": value_date(d, e.at),
                "value": amount(d["amount_fen"].as_i64().unwrap_or(0)),
                "payer": { "id": buyer_id(p), "name": p.department_zh },
                "payee": { "id": payee, "name": name } }] } }]));
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
        "initiationType": "tender", "language": "zh", "parties": parties, "buyer": buyer,
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

/// A release package around `releases`.
pub fn package(uri: &str, published: i64, releases: Vec<Value>) -> Value {
    json!({
        "uri": uri, "version": "1.1", "publishedDate": date(published),
        "publisher": { "name": "伙伴 Huoban" },
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "releases": releases,
    })
}

/// Merges releases into a compiled release (OCDS merge rules, simplified for the core
/// schema: objects merge, arrays of objects with ids merge by id, other values are replaced).
pub fn compile(oc: &str, releases: &[Value]) -> Value {
    let mut out = json!({});
    for r in releases {
        merge(&mut out, r);
    }
    if let Some(m) = out.as_object_mut() {
        m.insert("id".into(), json!(format!("{oc}-compiled")));
        m.insert("tag".into(), json!(["compiled"]));
    }
    out
}

fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b))
            if b.iter().all(|x| x.get("id").is_some()) && !b.is_empty() =>
        {
            for item in b {
                match a.iter_mut().find(|x| x.get("id") == item.get("id")) {
                    Some(slot) => merge(slot, item),
                    None => a.push(item.clone()),
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// A record package for one process: its releases and the compiled release.
pub fn record_package(uri: &str, published: i64, oc: &str, releases: Vec<Value>) -> Value {
    let compiled = compile(oc, &releases);
    json!({
        "uri": uri, "version": "1.1", "publishedDate": date(published),
        "publisher": { "name": "伙伴 Huoban" },
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "records": [{ "ocid": oc, "releases": releases, "compiledRelease": compiled }],
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

    fn event(id: i64, kind: &str, data: Value) -> Event {
        Event {
            id,
            round: 1,
            at: 1_800_000_000_000 + id,
            kind: kind.into(),
            data,
        }
    }

    /// Replays events through the completion tracker; the contract status each release reports.
    fn statuses(events: &[Event]) -> Vec<Option<String>> {
        let mut states = HashMap::new();
        events
            .iter()
            .map(|e| {
                let mut r = json!({ "contracts": [{ "id": "7" }] });
                complete_contract(&mut states, e, &mut r);
                r["contracts"][0]["status"].as_str().map(String::from)
            })
            .collect()
    }

    #[test]
    fn a_contract_is_complete_when_accepted_and_paid_to_the_fen_of_its_cap() {
        let k = |extra: Value| {
            let mut d = json!({ "contract": 7 });
            if let (Some(m), Some(x)) = (d.as_object_mut(), extra.as_object()) {
                m.extend(x.clone());
            }
            d
        };
        let signed = event(1, "contract_signed", k(json!({ "amount_fen": 100_000 })));
        let addon = event(2, "contract_addon", k(json!({ "amount_fen": 1_000 })));
        let accepted = event(3, "contract_accepted", k(json!({})));
        // One fen short of the cap with its add-on: not complete.
        let short = event(4, "payment", k(json!({ "amount_fen": 100_999 })));
        let last = event(5, "payment", k(json!({ "amount_fen": 1 })));
        let reversed = event(6, "payment_reversed", k(json!({ "amount_fen": -1 })));
        let again = event(7, "payment", k(json!({ "amount_fen": 1 })));
        let got = statuses(&[
            signed.clone(),
            addon.clone(),
            accepted.clone(),
            short.clone(),
            last.clone(),
            reversed,
            again,
        ]);
        assert_eq!(
            got,
            vec![
                None,
                None,
                None,
                None,
                Some("terminated".into()),
                Some("active".into()),
                Some("terminated".into())
            ]
        );
        // Paid in full but not accepted: never complete; accepted afterwards: complete then.
        let full = event(4, "payment", k(json!({ "amount_fen": 101_000 })));
        let got = statuses(&[signed, addon, full, accepted]);
        assert_eq!(got, vec![None, None, None, Some("terminated".into())]);
    }

    #[test]
    fn every_release_lists_each_party_with_all_its_roles_so_far() {
        let mut known = Vec::new();
        let mut r1 =
            json!({ "parties": [party("CN-USCI-X", "甲", "tenderer"), party("B", "乙", "buyer")] });
        accumulate_parties(&mut known, &mut r1);
        let mut r2 =
            json!({ "parties": [party("B", "乙", "buyer"), party("CN-USCI-X", "甲", "supplier")] });
        accumulate_parties(&mut known, &mut r2);
        let mut r3 = json!({ "parties": [party("CN-USCI-X", "甲", "payee")] });
        accumulate_parties(&mut known, &mut r3);
        assert_eq!(r3["parties"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            r3["parties"][0]["roles"],
            json!(["tenderer", "supplier", "payee"])
        );
        assert_eq!(r3["parties"][1]["roles"], json!(["buyer"]));
        assert_eq!(r3["parties"][0]["identifier"]["scheme"], "CN-USCI");
        assert_eq!(r3["parties"][0]["identifier"]["id"], "X");
        assert!(r3["parties"][1].get("identifier").is_none());
        // The compiled release keeps every role.
        let c = compile("x", &[r1, r2, r3]);
        assert_eq!(
            c["parties"][0]["roles"],
            json!(["tenderer", "supplier", "payee"])
        );
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

    #[test]
    fn a_rounds_ocid_reads_back_to_its_number_and_round() {
        assert_eq!(round_ocid("p-NB-1", 1), "p-NB-1");
        assert_eq!(round_ocid("p-NB-1", 2), "p-NB-1-R2");
        assert_eq!(
            split_round("NB-1-R2"),
            vec![("NB-1-R2".to_string(), 1), ("NB-1".to_string(), 2)]
        );
        assert_eq!(split_round("NB-1"), vec![("NB-1".to_string(), 1)]);
        assert_eq!(split_round("NB-1-R1"), vec![("NB-1-R1".to_string(), 1)]);
        assert_eq!(split_round("NB-1-R02"), vec![("NB-1-R02".to_string(), 1)]);
        assert_eq!(split_round("-R2"), vec![("-R2".to_string(), 1)]);
    }

    #[test]
    fn compiling_merges_objects_and_arrays_by_id() {
        let r1 = json!({ "ocid": "x", "tender": { "id": "t", "status": "active", "title": "A" },
                         "parties": [{ "id": "b", "roles": ["buyer"] }] });
        let r2 = json!({ "ocid": "x", "tender": { "id": "t", "status": "complete" },
                         "parties": [{ "id": "s", "roles": ["supplier"] }],
                         "contracts": [{ "id": "1", "implementation": { "transactions": [{ "id": "9" }] } }] });
        let r3 = json!({ "contracts": [{ "id": "1", "implementation": { "transactions": [{ "id": "10" }] } }] });
        let c = compile("x", &[r1, r2, r3]);
        assert_eq!(c["tender"]["status"], "complete");
        assert_eq!(c["tender"]["title"], "A");
        assert_eq!(c["parties"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            c["contracts"][0]["implementation"]["transactions"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        assert_eq!(c["tag"], json!(["compiled"]));
    }
}

//! What the releases carry from one event to the next (issue 24, item 2): the parties known so
//! far with all their roles, each contract's progress to completion, and which round's process
//! an event belongs to.

use crate::db::projects::Event;
use serde_json::{json, Value};
use std::collections::HashMap;

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

/// Folds a release's parties into those known so far (roles united, in order of first
/// appearance) and gives the release the whole list.
pub(super) fn accumulate_parties(known: &mut Vec<Value>, release: &mut Value) {
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
pub(super) struct ContractState {
    cap_fen: i64,
    paid_fen: i64,
    accepted: bool,
    complete: bool,
}

/// Tracks the contract an event moves; when it is both accepted and paid in full (payments
/// less reversals reach the signed amount with its add-ons), the release reports it
/// `terminated` as complete; a reversal after that reports it `active` again.
pub(super) fn complete_contract(
    states: &mut HashMap<i64, ContractState>,
    e: &Event,
    r: &mut Value,
) {
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

#[cfg(test)]
mod tests {
    use super::super::{compile, party};
    use super::*;

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
}

//! OCDS packages (release and record) and the compiled release: OCDS's merge rules,
//! simplified for the core schema.

use super::date;
use serde_json::{json, Value};

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
/// schema: objects merge, arrays of objects with ids merge by id, other values are replaced,
/// and a field set to null is removed — "if the value is null, remove the field",
/// <https://standard.open-contracting.org/1.1/en/schema/merging/>). CI compiles the same
/// releases with ocdskit and compares (tests/ocds_compile_check.py).
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
                if v.is_null() {
                    a.remove(k);
                    continue;
                }
                match a.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        a.insert(k.clone(), without_nulls(v));
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
                    None => a.push(without_nulls(item)),
                }
            }
        }
        (slot, v) => *slot = without_nulls(v),
    }
}

/// A value with its objects' null fields removed, as merging leaves them.
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), without_nulls(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
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
        // A null removes the field, at any depth; a new object keeps no null of its own.
        let r4 = json!({ "tender": { "title": null, "status": "complete" },
                         "contracts": [{ "id": "2", "statusDetails": null, "status": "active" }] });
        let c = compile("x", &[c, r4]);
        assert!(c["tender"].get("title").is_none());
        assert_eq!(c["tender"]["status"], "complete");
        assert!(c["contracts"][1].get("statusDetails").is_none());
        assert_eq!(c["contracts"][1]["status"], "active");
    }
}

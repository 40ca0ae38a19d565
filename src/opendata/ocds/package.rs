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

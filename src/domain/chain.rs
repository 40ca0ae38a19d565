//! The audit chain's arithmetic: canonical JSON of an entry, its hash
//! `SHA-256(previous hash ‖ canonical JSON)` and its HMAC under a key kept outside the database,
//! so that someone with database access alone cannot rewrite history and recompute the chain.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// JSON with object keys sorted at every level and no insignificant whitespace: the same value
/// always gives the same text, whatever order it was built in.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(child) = map.get(*k) {
                    write_canonical(child, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

pub fn entry_hash(prev_hash: &str, canonical: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

pub fn entry_hmac(key: &[u8], prev_hash: &str, canonical: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        // HMAC takes keys of any length.
        return String::new();
    };
    mac.update(prev_hash.as_bytes());
    mac.update(canonical.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Equal-time comparison of two hex strings.
pub fn same_hex(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a = json!({"b": 1, "a": {"z": [1, {"y": 2, "x": "中"}], "c": null}});
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"c":null,"z":[1,{"x":"中","y":2}]},"b":1}"#
        );
    }

    #[test]
    fn the_hash_chains_and_the_hmac_needs_the_key() {
        let e = canonical_json(&json!({"seq": 1}));
        let h1 = entry_hash(GENESIS, &e);
        assert_ne!(
            h1,
            entry_hash(&h1, &e),
            "the previous hash is part of the input"
        );
        assert_eq!(h1.len(), 64);
        assert_ne!(
            entry_hmac(b"k1", GENESIS, &e),
            entry_hmac(b"k2", GENESIS, &e)
        );
        assert!(same_hex(&h1, &h1.clone()));
        assert!(!same_hex(&h1, GENESIS));
    }
}

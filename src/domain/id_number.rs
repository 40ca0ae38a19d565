//! The 18-character resident identity number (GB 11643-1999). It is never stored: only a keyed
//! hash of it, so that the same person can be recognised across accounts, memberships and
//! officer terms without keeping the number itself.

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdNumber(***)")
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

impl IdNumber {
    /// Accepts 18 characters: 17 digits and the ISO 7064 MOD 11-2 check character.
    pub fn parse(s: &str) -> Option<Self> {
        let s: String = s.trim().to_uppercase();
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return None;
        }
        let mut sum = 0u32;
        for (c, w) in chars.iter().take(17).zip(WEIGHTS) {
            sum += c.to_digit(10)? * w;
        }
        let expected = CHECK[(sum % 11) as usize];
        (chars[17] == expected).then_some(IdNumber(s))
    }

    /// HMAC-SHA256 of the number under the deployment's identity key, hex encoded.
    pub fn keyed_hash(&self, key: &[u8]) -> String {
        let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
            Ok(m) => m,
            // HMAC accepts keys of any length; this branch cannot be taken.
            Err(_) => return String::new(),
        };
        mac.update(self.0.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::IdNumber;

    #[test]
    fn the_standard_example_passes_and_a_changed_digit_fails() {
        // The worked example of GB 11643-1999.
        assert!(IdNumber::parse("11010519491231002X").is_some());
        assert!(IdNumber::parse("11010519491231002x").is_some());
        assert!(IdNumber::parse("110105194912310021").is_none());
        assert!(IdNumber::parse("1101051949123100").is_none());
        assert!(IdNumber::parse("A1010519491231002X").is_none());
    }

    #[test]
    fn the_hash_depends_on_the_key_and_never_shows_the_number() {
        let id = IdNumber::parse("11010519491231002X");
        let Some(id) = id else {
            panic!("valid example")
        };
        let a = id.keyed_hash(b"key-one");
        assert_eq!(a, id.keyed_hash(b"key-one"));
        assert_ne!(a, id.keyed_hash(b"key-two"));
        assert!(!a.contains("110105"));
        assert_eq!(format!("{id:?}"), "IdNumber(***)");
    }
}

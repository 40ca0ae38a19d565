//! An email address that has been parsed (by lettre's RFC 5321 rules) and normalised to
//! lower case, so that one mailbox maps to one account.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(s: &str) -> Option<Self> {
        let trimmed = s.trim().to_lowercase();
        if trimmed.is_empty() || trimmed.len() > 254 {
            return None;
        }
        trimmed
            .parse::<lettre::Address>()
            .ok()
            .filter(|a| a.domain().contains('.') || a.domain() == "localhost")
            .map(|_| EmailAddress(trimmed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(
            EmailAddress::parse("  Li.Ming@Example.CN ").map(|e| e.to_string()),
            Some("li.ming@example.cn".to_string())
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in ["", "no-at-sign", "a@", "@b.cn", "a b@c.cn", "a@nodot"] {
            assert!(EmailAddress::parse(bad).is_none(), "{bad}");
        }
    }
}

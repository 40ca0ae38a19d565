//! Money: CNY with fen precision, a `Decimal` of scale 2 that is never a float. Stored as BIGINT
//! fen, shown as ¥1,234,567.00, serialised in JSON as a string.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// The largest amount accepted anywhere: ¥999,999,999,999.99.
pub const MAX_FEN: i64 = 99_999_999_999_999;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyError {
    Empty,
    Format,
    /// More than two decimal places: money goes to the fen.
    Decimals,
    Negative,
    TooLarge,
}

impl MoneyError {
    pub fn message_key(self) -> &'static str {
        match self {
            MoneyError::Empty => "err-money-empty",
            MoneyError::Format => "err-money-format",
            MoneyError::Decimals => "err-money-decimals",
            MoneyError::Negative => "err-money-negative",
            MoneyError::TooLarge => "err-money-too-large",
        }
    }
}

/// Accepts `1234`, `1234.5`, `1234.56`, `1,234.56` (commas only between groups of three) and a
/// leading ¥ or full-width digits typed by an input method; refuses fractions of a fen.
fn normalize_input(s: &str) -> Result<String, MoneyError> {
    let s: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' | '。' => '.',
            '，' => ',',
            _ => c,
        })
        .collect();
    let s = s.trim_start_matches(['¥', '￥']).trim();
    if s.is_empty() {
        return Err(MoneyError::Empty);
    }
    let (sign, digits) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        let ok = !groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(MoneyError::Format);
        }
    }
    let int: String = int.chars().filter(|c| *c != ',').collect();
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) {
        return Err(MoneyError::Format);
    }
    if let Some(f) = frac {
        if f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()) {
            return Err(MoneyError::Format);
        }
        if f.len() > 2 {
            return Err(MoneyError::Decimals);
        }
    }
    Ok(match frac {
        Some(f) => format!("{sign}{int}.{f}"),
        None => format!("{sign}{int}"),
    })
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// A non-negative amount as a person types it.
    pub fn parse(s: &str) -> Result<Money, MoneyError> {
        let text = normalize_input(s)?;
        let d = Decimal::from_str(&text).map_err(|_| MoneyError::Format)?;
        if d.is_sign_negative() && !d.is_zero() {
            return Err(MoneyError::Negative);
        }
        // "-0" is zero, shown as 0.00.
        Money::from_decimal(if d.is_zero() { Decimal::ZERO } else { d })
    }

    pub fn from_decimal(d: Decimal) -> Result<Money, MoneyError> {
        if d.scale() > 2 && d.round_dp(2) != d {
            return Err(MoneyError::Decimals);
        }
        let m = Money(d.round_dp(2));
        if m.fen().abs() > MAX_FEN {
            return Err(MoneyError::TooLarge);
        }
        Ok(m)
    }

    pub fn from_fen(fen: i64) -> Money {
        Money(Decimal::new(fen, 2))
    }

    /// Whole yuan.
    pub fn yuan(y: i64) -> Money {
        Money(Decimal::new(y.saturating_mul(100), 2))
    }

    pub fn fen(self) -> i64 {
        let scaled = (self.0 * Decimal::ONE_HUNDRED).round();
        i64::try_from(scaled).unwrap_or(if scaled.is_sign_negative() {
            i64::MIN
        } else {
            i64::MAX
        })
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    pub fn checked_add(self, o: Money) -> Option<Money> {
        Money::from_decimal(self.0.checked_add(o.0)?).ok()
    }

    pub fn checked_sub(self, o: Money) -> Option<Money> {
        Money::from_decimal(self.0.checked_sub(o.0)?).ok()
    }

    /// `1,234,567.00`, the way money is shown in tables.
    pub fn grouped(self) -> String {
        let fen = self.fen();
        let (sign, fen) = if fen < 0 { ("-", -fen) } else { ("", fen) };
        let int = (fen / 100).to_string();
        let mut out = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        format!("{sign}{out}.{:02}", fen % 100)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        let s = String::deserialize(d)?;
        Money::parse(&s).map_err(|e| serde::de::Error::custom(format!("{e:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_people_type_them() {
        assert_eq!(Money::parse("1234").map(|m| m.fen()), Ok(123_400));
        assert_eq!(Money::parse(" 1,234.5 ").map(|m| m.fen()), Ok(123_450));
        assert_eq!(Money::parse("¥30,000.00").map(|m| m.fen()), Ok(3_000_000));
        assert_eq!(Money::parse("１２３．４５").map(|m| m.fen()), Ok(12_345));
        assert_eq!(
            Money::parse("999,999,999.99").map(|m| m.grouped()),
            Ok("999,999,999.99".into())
        );
    }

    #[test]
    fn what_is_refused_says_why() {
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
        assert_eq!(Money::parse("abc"), Err(MoneyError::Format));
        assert_eq!(Money::parse("1,000.005"), Err(MoneyError::Decimals));
        assert_eq!(Money::parse("1,00.00"), Err(MoneyError::Format));
        assert_eq!(Money::parse("1e5"), Err(MoneyError::Format));
        assert_eq!(Money::parse("-5"), Err(MoneyError::Negative));
        assert_eq!(
            Money::parse("-0").map(|m| m.to_string()),
            Ok("0.00".to_string())
        );
        assert_eq!(Money::parse("1."), Err(MoneyError::Format));
        assert_eq!(Money::parse("1000000000000000"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn arithmetic_is_exact() {
        let a = Money::parse("0.10").unwrap_or_default();
        let b = Money::parse("0.20").unwrap_or_default();
        assert_eq!(a.checked_add(b), Money::parse("0.30").ok());
        assert_eq!(Money::from_fen(123_456_789).to_string(), "1234567.89");
        assert_eq!(Money::from_fen(123_456_789).grouped(), "1,234,567.89");
        assert_eq!(Money::yuan(30_000).fen(), 3_000_000);
        assert_eq!(
            serde_json::to_string(&Money::from_fen(30)).unwrap_or_default(),
            "\"0.30\""
        );
    }
}

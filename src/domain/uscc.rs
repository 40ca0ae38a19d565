//! The Unified Social Credit Code (统一社会信用代码, GB 32100-2015), DOMAIN §3: 18 characters
//! from a 31-character set; position 1 the registering department, 2 the type, 3–8 the division
//! code of the registering authority, 9–17 the subject identifier (8 body characters and a
//! GB 11714 check character), 18 the GB 32100 check character. `Uscc::parse` accepts only codes
//! whose two check characters are right; `Uscc::parse_legacy` keeps an imported code that fails
//! them, flagged, never rewritten.

use serde::{Serialize, Serializer};
use std::fmt;

pub const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 3^(i-1) mod 31 for i = 1..17.
const WEIGHTS_18: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const WEIGHTS_11714: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsccError {
    Length,
    /// A character outside the code's set (I, O, Z, S, V and lower case are not used).
    Character,
    /// Positions 3–8 are not a six-digit division code.
    Division,
    /// The GB 11714 check character (position 17) is wrong.
    SubjectCheck,
    /// The GB 32100 check character (position 18) is wrong.
    Check,
}

impl UsccError {
    pub fn message_key(self) -> &'static str {
        match self {
            UsccError::Length => "err-uscc-length",
            UsccError::Character => "err-uscc-character",
            UsccError::Division => "err-uscc-division",
            UsccError::SubjectCheck | UsccError::Check => "err-uscc-check",
        }
    }
}

fn value(c: char) -> Option<u32> {
    CHARSET.find(c).map(|i| i as u32)
}

/// The GB 32100 check character of the first 17 characters.
pub fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(WEIGHTS_18) {
        sum += value(c)? * w;
    }
    let v = (31 - sum % 31) % 31;
    CHARSET.chars().nth(v as usize)
}

/// The GB 11714 check character of an 8-character body (digits, and letters A=10 … Z=35).
pub fn subject_check_char(body8: &str) -> Option<char> {
    let mut sum = 0u32;
    let mut n = 0;
    for (c, w) in body8.chars().zip(WEIGHTS_11714) {
        let v = match c {
            '0'..='9' => c.to_digit(10)?,
            'A'..='Z' => u32::from(c) - u32::from('A') + 10,
            _ => return None,
        };
        sum += v * w;
        n += 1;
    }
    if n != 8 {
        return None;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10)?,
    })
}

/// Type digit (position 2) under civil affairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CivilType {
    SocialGroup,
    ServiceInstitution,
    Foundation,
    Other,
}

impl CivilType {
    pub fn digit(self) -> char {
        match self {
            CivilType::SocialGroup => '1',
            CivilType::ServiceInstitution => '2',
            CivilType::Foundation => '3',
            CivilType::Other => '9',
        }
    }
}

fn shape(s: &str) -> Result<(), UsccError> {
    if s.chars().count() != 18 {
        return Err(UsccError::Length);
    }
    if !s.chars().all(|c| CHARSET.contains(c)) {
        return Err(UsccError::Character);
    }
    if !s[2..8].chars().all(|c| c.is_ascii_digit()) {
        return Err(UsccError::Division);
    }
    Ok(())
}

impl Uscc {
    /// A code with both check characters right.
    pub fn parse(s: &str) -> Result<Uscc, UsccError> {
        let s = s.trim().to_string();
        shape(&s)?;
        if subject_check_char(&s[8..16]) != s[16..17].chars().next() {
            return Err(UsccError::SubjectCheck);
        }
        if check_char(&s[..17]) != s[17..].chars().next() {
            return Err(UsccError::Check);
        }
        Ok(Uscc(s))
    }

    /// An imported code: well-formed, checksums not required. Returns the code and whether
    /// its check characters are right (`false`: "legacy code, checksum not valid").
    pub fn parse_legacy(s: &str) -> Result<(Uscc, bool), UsccError> {
        let s = s.trim().to_uppercase();
        shape(&s)?;
        let valid = Uscc::parse(&s).is_ok();
        Ok((Uscc(s), valid))
    }

    /// Issues a code: civil affairs (`5`), the type digit, the authority's division code and an
    /// 8-digit serial from its block, with both check characters computed.
    pub fn issue(kind: CivilType, division: &str, serial: u32) -> Result<Uscc, UsccError> {
        if division.len() != 6 || !division.chars().all(|c| c.is_ascii_digit()) {
            return Err(UsccError::Division);
        }
        if serial > 99_999_999 {
            return Err(UsccError::Length);
        }
        let body = format!("{serial:08}");
        let subject_check = subject_check_char(&body).ok_or(UsccError::Character)?;
        let first17 = format!("5{}{division}{body}{subject_check}", kind.digit());
        let check = check_char(&first17).ok_or(UsccError::Character)?;
        Uscc::parse(&format!("{first17}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Positions 9–17: unique nationwide, never reused.
    pub fn subject_identifier(&self) -> &str {
        &self.0[8..17]
    }

    pub fn division(&self) -> &str {
        &self.0[2..8]
    }

    /// The type at positions 1–2, when the code is a civil-affairs one.
    pub fn civil_type(&self) -> Option<CivilType> {
        match &self.0[..2] {
            "51" => Some(CivilType::SocialGroup),
            "52" => Some(CivilType::ServiceInstitution),
            "53" => Some(CivilType::Foundation),
            "59" => Some(CivilType::Other),
            _ => None,
        }
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Uscc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Appends an issued code to the file named by `HUOBAN_USCC_LOG` (CI checks every one with
/// python-stdnum, an independent implementation).
pub fn log_issued(code: &str) {
    if let Some(path) = std::env::var_os("HUOBAN_USCC_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{code}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_codes_of_domain_section_3_pass() {
        for code in ["53100000500019795A", "51310110501144395U"] {
            let u = Uscc::parse(code);
            assert!(u.is_ok(), "{code}: {u:?}");
        }
        let u = Uscc::parse("53100000500019795A").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(u.civil_type(), Some(CivilType::Foundation));
        assert_eq!(u.division(), "100000");
        assert_eq!(u.subject_identifier(), "500019795");
    }

    #[test]
    fn the_genuine_early_code_fails_the_checksum_but_is_kept_as_legacy() {
        assert_eq!(Uscc::parse("91350100M0001TGQXM"), Err(UsccError::Check));
        let (code, valid) =
            Uscc::parse_legacy("91350100M0001TGQXM").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((code.as_str(), valid), ("91350100M0001TGQXM", false));
        assert_eq!(code.civil_type(), None);
    }

    #[test]
    fn malformed_codes_say_what_is_wrong() {
        assert_eq!(Uscc::parse("5310000050001979"), Err(UsccError::Length));
        assert_eq!(Uscc::parse("53100000500019795I"), Err(UsccError::Character));
        assert_eq!(Uscc::parse("5310000O500019795A"), Err(UsccError::Character));
        assert_eq!(Uscc::parse("531A0000500019795A"), Err(UsccError::Division));
        assert_eq!(
            Uscc::parse("53100000500019796A"),
            Err(UsccError::SubjectCheck)
        );
        assert_eq!(Uscc::parse("53100000500019795B"), Err(UsccError::Check));
        // A retired Ningbo division (江东区 330204) is still a valid code.
        let old = Uscc::issue(CivilType::SocialGroup, "330204", 42).map(|u| u.to_string());
        assert!(old.is_ok_and(|s| s.starts_with("51330204")));
    }

    #[test]
    fn issued_codes_carry_the_type_and_division() {
        let u = Uscc::issue(CivilType::ServiceInstitution, "330203", 1)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(&u.as_str()[..8], "52330203");
        assert_eq!(&u.as_str()[8..16], "00000001");
        assert_eq!(u.civil_type(), Some(CivilType::ServiceInstitution));
        assert_eq!(
            Uscc::issue(CivilType::Foundation, "3302", 1),
            Err(UsccError::Division)
        );
    }

    proptest::proptest! {
        #[test]
        fn every_issued_code_parses_and_distinct_serials_give_distinct_codes(
            serial in 0u32..=99_999_999, other in 0u32..=99_999_999, kind in 0usize..4, district in 0usize..11
        ) {
            let kinds = [CivilType::SocialGroup, CivilType::ServiceInstitution, CivilType::Foundation, CivilType::Other];
            let divisions = ["330200", "330203", "330205", "330206", "330211", "330212", "330213", "330225", "330226", "330281", "330282"];
            let a = Uscc::issue(kinds[kind], divisions[district], serial).unwrap_or_else(|e| panic!("{e:?}"));
            proptest::prop_assert_eq!(Uscc::parse(a.as_str()), Ok(a.clone()));
            proptest::prop_assert_eq!(a.civil_type(), Some(kinds[kind]));
            crate::domain::uscc::log_issued(a.as_str());
            let b = Uscc::issue(kinds[kind], divisions[district], other).unwrap_or_else(|e| panic!("{e:?}"));
            proptest::prop_assert_eq!(a == b, serial == other);
        }
    }
}

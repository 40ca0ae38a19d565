//! Who the parties are (issue 24, item 2): each organization, the buyer and the procuring
//! entity is identified by its own unified social credit code — party id `CN-USCI-<code>` and
//! an `identifier` {scheme `CN-USCI` (org-id.guide's code for the USCC), id, legalName} — and
//! carries an OCDS 1.1 `address` built from what the register holds: the street address (an
//! organization's registered domicile, a unit's office address), the locality and region from
//! its GB/T 2260 division, and the country. A unit without a valid code falls back to an
//! internal id (`HUOBAN-DEPT-<id>`, `HUOBAN-AGENCY-<id>`) with no identifier; no contact
//! person, phone or e-mail is ever published.
//!
//! OCDS 1.1 Organization.address is the core Address object, whose fields (1.1.5 release
//! schema) are streetAddress, locality, region, postalCode and countryName — no country code:
//! <https://standard.open-contracting.org/1.1/en/schema/reference/#address>. The register has
//! no postal code, so none is given.

use crate::domain::division;
use crate::domain::uscc::Uscc;
use serde_json::{json, Map, Value};

/// The org-id.guide scheme of the unified social credit identifier.
pub const USCI: &str = "CN-USCI";

/// A party as the releases name it.
#[derive(Clone, Debug)]
pub struct Party {
    pub id: String,
    pub name: String,
    address: Option<Value>,
}

impl Party {
    /// An organization from the register: known by its USCC when it has one.
    pub fn org(id: i64, uscc: Option<&str>, name: &str, district: &str, street: &str) -> Party {
        let pid = uscc.map_or_else(|| format!("HUOBAN-ORG-{id}"), |u| format!("{USCI}-{u}"));
        Party {
            id: pid,
            name: name.to_string(),
            address: address(street, district),
        }
    }

    /// A purchasing department or agency: known by its own USCC when it has a valid one
    /// (a code failing its check characters is not published as an identifier), else by
    /// `<fallback>-<row id>`.
    pub fn unit(
        fallback: &str,
        id: i64,
        uscc: Option<&str>,
        name: &str,
        district: &str,
        street: &str,
    ) -> Party {
        let code = uscc.and_then(|u| Uscc::parse(u).ok());
        let pid = code.map_or_else(
            || format!("{fallback}-{id}"),
            |u| format!("{USCI}-{}", u.as_str()),
        );
        Party {
            id: pid,
            name: name.to_string(),
            address: address(street, district),
        }
    }

    /// A party known only by its internal id (a row the register no longer has).
    pub fn bare(id: String, name: String) -> Party {
        Party {
            id,
            name,
            address: None,
        }
    }

    /// The party entry with one role.
    pub fn with_role(&self, role: &str) -> Value {
        let mut v = super::party(&self.id, &self.name, role);
        if let Some(a) = &self.address {
            v["address"] = a.clone();
        }
        v
    }

    /// An OrganizationReference (id and name) to the party.
    pub fn reference(&self) -> Value {
        json!({ "id": self.id, "name": self.name })
    }
}

/// GB/T 2260 provinces by the first two digits of a division code.
const PROVINCES: &[(&str, &str)] = &[
    ("11", "北京市"),
    ("12", "天津市"),
    ("13", "河北省"),
    ("14", "山西省"),
    ("15", "内蒙古自治区"),
    ("21", "辽宁省"),
    ("22", "吉林省"),
    ("23", "黑龙江省"),
    ("31", "上海市"),
    ("32", "江苏省"),
    ("33", "浙江省"),
    ("34", "安徽省"),
    ("35", "福建省"),
    ("36", "江西省"),
    ("37", "山东省"),
    ("41", "河南省"),
    ("42", "湖北省"),
    ("43", "湖南省"),
    ("44", "广东省"),
    ("45", "广西壮族自治区"),
    ("46", "海南省"),
    ("50", "重庆市"),
    ("51", "四川省"),
    ("52", "贵州省"),
    ("53", "云南省"),
    ("54", "西藏自治区"),
    ("61", "陕西省"),
    ("62", "甘肃省"),
    ("63", "青海省"),
    ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
];

/// An OCDS Address from a street address and a division code: `region` the province,
/// `locality` the city and district (Ningbo's divisions, the ones the register issues in),
/// `countryName` 中国. `None` when there is neither a street address nor a known division.
pub fn address(street: &str, district: &str) -> Option<Value> {
    let mut a = Map::new();
    let street = street.trim();
    if !street.is_empty() {
        a.insert("streetAddress".into(), json!(street));
    }
    let locality = match (district, division::name_zh(district)) {
        ("330200", Some(city)) => Some(city.to_string()),
        (_, Some(name)) => Some(format!("宁波市{name}")),
        _ => None,
    };
    if let Some(l) = locality {
        a.insert("locality".into(), json!(l));
    }
    let province = district
        .get(..2)
        .and_then(|p| PROVINCES.iter().find(|(c, _)| *c == p))
        .map(|(_, name)| *name);
    if let Some(r) = province {
        a.insert("region".into(), json!(r));
    }
    if a.is_empty() {
        return None;
    }
    a.insert("countryName".into(), json!("中国"));
    Some(Value::Object(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_reads_the_division_and_keeps_what_is_known() {
        let a = address("宁波市海曙区望京路 188 号", "330203").unwrap_or_default();
        assert_eq!(a["streetAddress"], "宁波市海曙区望京路 188 号");
        assert_eq!(a["locality"], "宁波市海曙区");
        assert_eq!(a["region"], "浙江省");
        assert_eq!(a["countryName"], "中国");
        let city = address("", "330200").unwrap_or_default();
        assert_eq!(city["locality"], "宁波市");
        assert!(city.get("streetAddress").is_none());
        // Outside Ningbo: the province, no locality; nothing known: no address.
        let sh = address("", "310101").unwrap_or_default();
        assert_eq!(sh["region"], "上海市");
        assert!(sh.get("locality").is_none());
        assert_eq!(address(" ", ""), None);
        assert_eq!(address("", "99"), None);
    }

    #[test]
    fn a_unit_is_known_by_its_own_valid_code_only() {
        let u = Party::unit(
            "HUOBAN-DEPT",
            3,
            Some("11330200002950018T"),
            "局",
            "330212",
            "",
        );
        assert_eq!(u.id, "CN-USCI-11330200002950018T");
        let v = u.with_role("buyer");
        assert_eq!(v["identifier"]["scheme"], "CN-USCI");
        assert_eq!(v["identifier"]["id"], "11330200002950018T");
        assert_eq!(v["identifier"]["legalName"], "局");
        assert_eq!(v["address"]["locality"], "宁波市鄞州区");
        // One check character wrong, or none at all: the internal id and no identifier.
        for bad in [Some("11330200002950018U"), None] {
            let u = Party::unit("HUOBAN-DEPT", 3, bad, "局", "", "");
            assert_eq!(u.id, "HUOBAN-DEPT-3");
            let v = u.with_role("buyer");
            assert!(v.get("identifier").is_none() && v.get("address").is_none());
        }
    }

    #[test]
    fn the_demo_units_codes_pass_both_check_characters() {
        let demo = include_str!("../../../seeds/demo.toml");
        let codes: Vec<&str> = demo
            .lines()
            .filter_map(|l| l.strip_prefix("uscc = \""))
            .filter_map(|l| l.strip_suffix('"'))
            .collect();
        assert_eq!(codes.len(), 3, "{codes:?}");
        for c in codes {
            assert!(Uscc::parse(c).is_ok(), "{c}");
            let migration = include_str!("../../../migrations/sqlite/0047_unit_identity.sql");
            assert!(migration.contains(c), "{c} in migration 0047");
        }
    }
}

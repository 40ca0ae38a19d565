//! Related suppliers (政府采购法实施条例 art. 18): "单位负责人为同一人或者存在直接控股、管理关系的
//! 不同供应商，不得参加同一合同项下的政府采购活动" — two suppliers whose person in charge is the same
//! person, or where one directly controls or manages the other, may not both take part in the
//! procurement of one contract. Pure: who is related to whom, from what each declared and what
//! the registry knows.

use serde::Serialize;

/// What is known of one bidder: its code, the keyed hashes of its person in charge (declared,
/// and the legal representative the registry holds), and the codes of the units that directly
/// control or manage it and that it directly controls or manages.
#[derive(Debug, Clone, Default)]
pub struct Party {
    pub org: i64,
    pub uscc: Option<String>,
    pub heads: Vec<String>,
    pub controlled_by: Vec<String>,
    pub controls: Vec<String>,
}

/// Why two bidders are related.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// 单位负责人为同一人.
    SameHead,
    /// 直接控股、管理关系 (either way).
    Control,
}

codes!(Relation {
    SameHead => "same_head",
    Control => "control",
});

/// The kinds of declaration an organization makes.
pub const KINDS: [&str; 3] = ["head", "controlled_by", "controls"];

fn controls(a: &Party, b: &Party) -> bool {
    let Some(bu) = b.uscc.as_deref() else {
        return false;
    };
    a.controls.iter().any(|u| u == bu)
        || a.uscc
            .as_deref()
            .is_some_and(|au| b.controlled_by.iter().any(|u| u == au))
}

/// How `a` and `b` are related, if they are (the same person in charge is named first).
pub fn relation(a: &Party, b: &Party) -> Option<Relation> {
    if a.org == b.org {
        return None;
    }
    if a.heads.iter().any(|h| b.heads.contains(h)) {
        return Some(Relation::SameHead);
    }
    if controls(a, b) || controls(b, a) {
        return Some(Relation::Control);
    }
    None
}

/// Every related pair among `parties` (by their index, first < second) with its relation.
pub fn pairs(parties: &[Party]) -> Vec<(usize, usize, Relation)> {
    let mut out = Vec::new();
    for i in 0..parties.len() {
        for j in i + 1..parties.len() {
            if let Some(r) = relation(&parties[i], &parties[j]) {
                out.push((i, j, r));
            }
        }
    }
    out
}

/// A pair flagged on the qualification page.
#[derive(Debug, Clone, Serialize)]
pub struct Flag {
    pub other: String,
    pub relation: Relation,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(org: i64, uscc: &str) -> Party {
        Party {
            org,
            uscc: Some(uscc.into()),
            ..Party::default()
        }
    }

    #[test]
    fn the_same_person_in_charge_relates_two_bidders() {
        let mut a = party(1, "A");
        let mut b = party(2, "B");
        a.heads = vec!["h1".into()];
        b.heads = vec!["h2".into()];
        assert_eq!(relation(&a, &b), None);
        b.heads.push("h1".into());
        assert_eq!(relation(&a, &b), Some(Relation::SameHead));
        assert_eq!(relation(&b, &a), Some(Relation::SameHead));
    }

    #[test]
    fn direct_control_either_way_and_declared_by_either_side_relates_them() {
        let a = party(1, "A");
        let b = party(2, "B");
        assert_eq!(relation(&a, &b), None);
        let mut a1 = a.clone();
        a1.controls = vec!["B".into()];
        assert_eq!(relation(&a1, &b), Some(Relation::Control));
        assert_eq!(relation(&b, &a1), Some(Relation::Control));
        let mut b1 = b.clone();
        b1.controlled_by = vec!["A".into()];
        assert_eq!(relation(&a, &b1), Some(Relation::Control));
        let mut b2 = b.clone();
        b2.controls = vec!["A".into()];
        assert_eq!(relation(&a, &b2), Some(Relation::Control));
        // A unit controlled by a third party is not related to another so controlled
        // (art. 18 names direct control between the two, not common parents).
        let mut x = party(3, "X");
        let mut y = party(4, "Y");
        x.controlled_by = vec!["P".into()];
        y.controlled_by = vec!["P".into()];
        assert_eq!(relation(&x, &y), None);
    }

    #[test]
    fn an_organization_is_not_related_to_itself_and_pairs_are_listed_once() {
        let mut a = party(1, "A");
        a.heads = vec!["h".into()];
        assert_eq!(relation(&a, &a.clone()), None);
        let mut b = party(2, "B");
        b.heads = vec!["h".into()];
        let c = party(3, "C");
        assert_eq!(pairs(&[a, b, c]), vec![(0, 1, Relation::SameHead)]);
    }
}

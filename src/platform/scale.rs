//! `huoban demo --orgs N`: realistic organizations at scale for the directory benchmark. Names
//! are built from real parts (region, a trade name, a field, the form that fits the type) by a
//! mixed-radix counter, so every name is distinct; all 11 districts, the three types, the five
//! categories and realistic statuses appear; every code is an issued USCC. Rows go in as
//! multi-row inserts, and the name index is written in bulk with its counts.

use crate::db::scale::{self as store, Generated};
use crate::db::search::{add_counts, FacetKey};
use crate::db::{Backend, Db};
use crate::domain::division::NINGBO;
use crate::domain::registration::OrgType;
use crate::domain::search::grams;
use crate::domain::uscc::Uscc;
use crate::platform::audit::{Actor, Auditor};
use crate::platform::clock::Clock;
use std::collections::HashMap;

pub(crate) const BRANDS: &[&str] = &[
    "阳光", "乐龄", "爱心", "同心", "德馨", "和美", "善行", "明德", "春晖", "晨曦", "彩虹", "星火",
    "博爱", "仁和", "安康", "惠民", "邻里", "馨园", "暖阳", "朝阳", "启明", "致远", "正心", "怀仁",
    "悦心", "雨露", "甬爱", "甬心", "四明", "天一", "月湖", "三江", "东钱", "梁祝", "海天", "蓝海",
    "青藤", "绿洲", "金桥", "银杏", "红枫", "百合", "兰亭", "书香", "墨香", "清源", "润泽", "嘉禾",
    "丰收", "共享", "共建", "益友", "知行", "弘毅", "崇德", "尚善", "至善", "恒爱", "长青", "常青",
    "康乐", "欢乐", "幸福", "平安", "安心", "暖心", "贴心", "连心", "聚力", "众诚", "诚信", "厚德",
    "载物", "睿智", "慧心", "童心", "童趣", "青苗", "新苗", "雏鹰", "展翅", "远航", "扬帆", "追梦",
    "筑梦", "圆梦", "梦想", "希望", "曙光", "晨光",
];

pub(crate) const FIELDS: &[&str] = &[
    "社会工作",
    "养老",
    "居家养老",
    "助残",
    "青少年",
    "儿童",
    "妇女儿童",
    "家庭",
    "心理健康",
    "社区",
    "邻里互助",
    "志愿服务",
    "环保",
    "文化",
    "体育",
    "健身",
    "教育",
    "科普",
    "法律援助",
    "调解",
    "禁毒",
    "慈善",
    "助学",
    "医疗救助",
    "康复",
    "残疾人",
    "外来务工人员",
    "社区治理",
    "公益",
    "文艺",
    "书画",
    "摄影",
    "非遗传承",
    "海洋文化",
    "电子商务",
    "软件",
    "港航物流",
    "模具",
    "服装",
    "家电",
];

pub(crate) const STREETS: &[&str] = &[
    "",
    "鼓楼街道",
    "月湖街道",
    "白云街道",
    "南门街道",
    "甬江街道",
    "新碶街道",
    "招宝山街道",
    "钟公庙街道",
    "锦屏街道",
    "丹东街道",
    "跃龙街道",
    "阳明街道",
    "白沙路街道",
    "首南街道",
    "庄桥街道",
];

pub(crate) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗",
];
pub(crate) const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
    "超", "秀英", "华", "慧",
];

pub(crate) fn forms(t: OrgType) -> &'static [&'static str] {
    match t {
        OrgType::SocialGroup => &["协会", "促进会", "研究会", "联合会", "商会"],
        OrgType::ServiceInstitution => &[
            "服务中心",
            "社会工作服务中心",
            "服务社",
            "发展中心",
            "培训学校",
        ],
        OrgType::Foundation => &[
            "基金会",
            "公益基金会",
            "慈善基金会",
            "发展基金会",
            "教育基金会",
        ],
    }
}

/// A tiny deterministic generator (splitmix64), so the same N gives the same data.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn generate(i: u64, rng: &mut Rng) -> Result<Generated, String> {
    // Mixed radix over (district, brand, field, street, form): distinct i, distinct name.
    let mut k = i;
    let mut digit = |n: usize| {
        let d = (k % n as u64) as usize;
        k /= n as u64;
        d
    };
    let district = NINGBO[digit(NINGBO.len())];
    let brand = BRANDS[digit(BRANDS.len())];
    let field = FIELDS[digit(FIELDS.len())];
    let street = STREETS[digit(STREETS.len())];
    let form_ix = digit(5);
    let round = k; // beyond the combinations, a numbered branch keeps names distinct
    let roll = rng.below(100);
    let org_type = match roll {
        0..=44 => OrgType::ServiceInstitution,
        45..=91 => OrgType::SocialGroup,
        _ => OrgType::Foundation,
    };
    let form = forms(org_type)[form_ix];
    let region = if district.0 == "330200" {
        "宁波市".to_string()
    } else {
        format!("宁波市{}", district.1)
    };
    let branch = if round > 0 {
        format!("第{}", round + 1)
    } else {
        String::new()
    };
    let name = format!("{region}{street}{brand}{field}{branch}{form}");
    let category = match (org_type, rng.below(10)) {
        (OrgType::SocialGroup, 0..=3) => "industry_association",
        (_, 0..=1) => "science_technology",
        (_, 2..=4) => "charity",
        (_, 5..=8) => "community_service",
        _ => "other",
    };
    let status = match rng.below(100) {
        0..=89 => "registered",
        90..=96 => "deregistered",
        _ => "revoked",
    };
    let year = 2000 + rng.below(27);
    let registered_on = format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28));
    let serial = u32::try_from(1_000_000 + i).map_err(|e| e.to_string())?;
    let uscc =
        Uscc::issue(org_type.civil_type(), district.0, serial).map_err(|e| format!("{e:?}"))?;
    Ok(Generated {
        name,
        org_type,
        category,
        district: district.0,
        status,
        uscc: uscc.to_string(),
        registered_on,
        legal_representative: format!(
            "{}{}",
            SURNAMES[rng.below(SURNAMES.len())],
            GIVEN[rng.below(GIVEN.len())]
        ),
        domicile: format!("{region}{}路{}号", brand, 1 + rng.below(300)),
        charity: category == "charity" && rng.below(2) == 0,
    })
}

/// Organizations per transaction.
const BATCH: usize = 400;
/// Rows per multi-row INSERT. sqlx-sqlite resolves every `$n` by name
/// (`sqlite3_bind_parameter_name`), so a statement's cost grows with the square of its
/// parameters: 8,000 parameters spent 78% of the time there. A few hundred keep it linear.
const ORGS_PER_INSERT: usize = 40;
const PAIRS_PER_INSERT: usize = 80;

/// Adds `n` generated organizations (ids after the current maximum). Returns how many.
pub async fn generate_orgs(
    db: &Db,
    n: u64,
    clock: &Clock,
    auditor: &Auditor,
    progress: impl Fn(u64),
) -> Result<u64, String> {
    let err = |e: sqlx::Error| e.to_string();
    let mut c = db.acquire().await.map_err(err)?;
    let start = store::max_org_id(&mut c).await.map_err(err)?;
    // Generated organization i takes name combination i and serial 1,000,000 + i; starting
    // from the current maximum id keeps a second run's names and codes distinct from the first.
    let offset = u64::try_from(start).unwrap_or(0);
    drop(c);
    let now = clock.now_ms();
    let mut rng = Rng(0x4855_4F42_414E ^ offset);
    let mut counts: HashMap<(String, FacetKey), i64> = HashMap::new();
    let mut done = 0u64;
    while done < n {
        let take = BATCH.min(usize::try_from(n - done).unwrap_or(BATCH));
        let mut orgs = Vec::with_capacity(take);
        for j in 0..take as u64 {
            orgs.push(generate(offset + done + j, &mut rng)?);
        }
        let first_id = start + i64::try_from(done).map_err(|e| e.to_string())? + 1;
        let mut tx = db.begin_write().await.map_err(err)?;
        for (k, chunk) in orgs.chunks(ORGS_PER_INSERT).enumerate() {
            let id = first_id + (k * ORGS_PER_INSERT) as i64;
            store::insert_orgs(&mut tx, id, chunk, now)
                .await
                .map_err(err)?;
        }
        let mut pairs: Vec<(String, i64, usize)> = Vec::with_capacity(orgs.len() * 30);
        for (k, o) in orgs.iter().enumerate() {
            let id = first_id + k as i64;
            let key = FacetKey {
                district_code: o.district.to_string(),
                org_type: o.org_type.code().to_string(),
                status: o.status.to_string(),
                category: o.category.to_string(),
            };
            for g in grams(&o.name) {
                *counts.entry((g.clone(), key.clone())).or_default() += 1;
                pairs.push((g, id, k));
            }
        }
        // In gram order, so the index B-tree is filled in runs rather than at random.
        pairs.sort_unstable();
        for chunk in pairs.chunks(PAIRS_PER_INSERT) {
            store::insert_grams(&mut tx, chunk, &orgs)
                .await
                .map_err(err)?;
        }
        // The counts go in with their rows: an interrupted run leaves a consistent index.
        let batch_counts: Vec<(String, FacetKey, i64)> =
            counts.drain().map(|((g, f), n)| (g, f, n)).collect();
        add_counts(&mut tx, &batch_counts).await.map_err(err)?;
        tx.commit().await.map_err(err)?;
        done += take as u64;
        progress(done);
    }
    let mut tx = db.begin_write().await.map_err(err)?;
    if db.backend == Backend::Postgres {
        store::reset_org_sequence(&mut tx).await.map_err(err)?;
    }
    let summary = serde_json::json!({ "generated": n, "first_id": start + 1 });
    auditor
        .record(
            &mut tx,
            now,
            Actor::Cli,
            "demo.organizations_generated",
            ("demo", "scale".into()),
            summary,
        )
        .await
        .map_err(err)?;
    tx.commit().await.map_err(err)?;
    // Fresh statistics: right after a bulk load PostgreSQL plans with none and picks scans that
    // take 0.2–1.4 s (measured at a million rows) until autovacuum gets to the tables.
    let mut c = db.acquire().await.map_err(err)?;
    crate::db::maintenance::analyze(&mut c, db.backend)
        .await
        .map_err(err)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generated_names_are_distinct_and_cover_every_district_and_type() {
        let mut rng = Rng(1);
        let mut names = HashSet::new();
        let mut districts = HashSet::new();
        let mut types = HashSet::new();
        for i in 0..20_000 {
            let g = generate(i, &mut rng).unwrap_or_else(|e| panic!("{e}"));
            assert!(Uscc::parse(&g.uscc).is_ok());
            assert!(names.insert(g.name.clone()), "duplicate name {}", g.name);
            districts.insert(g.district);
            types.insert(g.org_type);
        }
        assert_eq!(districts.len(), 11);
        assert_eq!(types.len(), 3);
    }
}

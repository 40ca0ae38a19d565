//! New organizations in the city's last months, through the registration service as an
//! applicant and the registrar use it (`/applications`, `/registry`): a draft, its sections,
//! the legal representative, the four documents (stored as an upload is), the submission, the
//! acceptance and the approval, which registers the organization with its code. The last one
//! is submitted the day before the loading day and waits for the registrar.

use super::{step, City, Flow};
use crate::db::applications::{NewAttachment, Value};
use crate::db::directory::{id_by_code, UnitKind};
use crate::db::users;
use crate::domain::application::{mask_id_number, Action};
use crate::domain::id_number::IdNumber;
use crate::domain::registration::{Category, OrgType};
use crate::platform::error::AppError;
use crate::platform::ids::{ApplicationId, UserId};
use crate::registry::{OfficerInput, Registry};
use crate::seed::DemoError;
use crate::web::attachments::{check_bytes, store_checked};

/// One application, as its applicant fills it in.
struct Apply {
    name: &'static str,
    org_type: OrgType,
    category: Category,
    district: &'static str,
    domicile: &'static str,
    funds_yuan: i64,
    individual: i64,
    unit: i64,
    board: i64,
    purpose: &'static str,
    scope: &'static str,
    representative: &'static str,
    /// Days before the loading day the draft is started.
    started: i64,
    /// Submitted and left for the registrar.
    waits: bool,
}

const APPLICATIONS: [Apply; 4] = [
    Apply {
        name: "宁波市鄞州区青禾邻里互助服务中心",
        org_type: OrgType::ServiceInstitution,
        category: Category::CommunityService,
        district: "330212",
        domicile: "宁波市鄞州区首南街道天童南路 588 号 3 楼",
        funds_yuan: 100_000,
        individual: 0,
        unit: 0,
        board: 0,
        purpose: "组织社区居民开展邻里互助，为独居老人、困境家庭提供探访、陪伴和生活照料服务。",
        scope: "邻里互助活动组织、志愿者培训、居家探访、社区融合活动。",
        representative: "沈雨桐",
        started: 150,
        waits: false,
    },
    Apply {
        name: "宁波市镇海区青少年足球运动协会",
        org_type: OrgType::SocialGroup,
        category: Category::ScienceTechnology,
        district: "330211",
        domicile: "宁波市镇海区骆驼街道盛兴路 99 号",
        funds_yuan: 50_000,
        individual: 86,
        unit: 0,
        board: 0,
        purpose: "普及青少年足球运动，组织校园联赛和教练员培训，促进青少年体质健康。",
        scope: "青少年足球赛事组织、教练员与裁判员培训、运动科普。",
        representative: "韩志远",
        started: 110,
        waits: false,
    },
    Apply {
        name: "宁波市江北区春晖助学基金会",
        org_type: OrgType::Foundation,
        category: Category::Charity,
        district: "330205",
        domicile: "宁波市江北区洪塘街道裘市路 36 号",
        funds_yuan: 2_500_000,
        individual: 0,
        unit: 0,
        board: 7,
        purpose: "资助家庭经济困难的中小学生完成学业，支持乡村学校改善教学条件。",
        scope: "助学金发放、乡村学校图书与教具捐赠、志愿支教项目资助。",
        representative: "周慧敏",
        started: 70,
        waits: false,
    },
    Apply {
        name: "宁波市北仑区银龄乐活养老服务中心",
        org_type: OrgType::ServiceInstitution,
        category: Category::CommunityService,
        district: "330206",
        domicile: "宁波市北仑区新碶街道明州路 188 号",
        funds_yuan: 150_000,
        individual: 0,
        unit: 0,
        board: 0,
        purpose: "为社区老年人提供日间照料、文体活动和健康管理服务。",
        scope: "日间照料、老年文体活动、健康讲座、助餐服务。",
        representative: "俞佩华",
        started: 4,
        waits: true,
    },
];

/// The documents every registration attaches (`registry::check`).
/// How many of the city's applications are approved (each a new organization) and how many
/// applicants (each a new account) come in through the registration service.
pub const APPROVED: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < APPLICATIONS.len() {
        if !APPLICATIONS[i].waits {
            n += 1;
        }
        i += 1;
    }
    n
};
pub const APPLICANTS: usize = APPLICATIONS.len();

const DOCUMENTS: [(&str, &str); 4] = [
    ("articles", "章程"),
    ("capital", "验资报告"),
    ("domicile_proof", "住所使用证明"),
    ("representative_id", "法定代表人身份证明"),
];

/// One flow per application (see `timeline`).
pub fn flows(city: &City) -> Vec<Flow<'_>> {
    APPLICATIONS
        .iter()
        .enumerate()
        .map(|(n, a)| Box::pin(one(city, n, a)) as Flow<'_>)
        .collect()
}

/// A valid identity number (GB 11643-1999) for the `n`th representative: the district, a
/// birth day, a sequence and the check character.
fn identity(district: &str, n: usize) -> String {
    let body = format!("{district}1978{:02}{:02}{:03}", 1 + n % 12, 10 + n, 101 + n);
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    format!("{body}{}", CHECK[(sum % 11) as usize])
}

/// A small PDF standing for a document.
fn pdf(title: &str, org: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n% {org} {title}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

async fn one(city: &City, n: usize, a: &Apply) -> Result<(), DemoError> {
    city.at(a.started, 9, 30).await;
    let registry = Registry::of(&city.state);
    let authority = {
        let mut c = city.state.db.acquire().await?;
        id_by_code(&mut c, UnitKind::Authority, "nb-city").await?
    };
    // The representative signs up (an account, as the organizations' people have).
    let email = format!("apply{:02}@ngo.demo.huoban.cn", n + 1);
    let user = {
        let mut tx = city.state.db.begin_write().await?;
        let u =
            users::create_confirmed(&mut tx, &email, a.representative, &city.hash, city.now_ms())
                .await?;
        tx.commit().await?;
        u
    };
    let id = registry
        .start_application(user, authority)
        .await
        .map_err(step("application"))?
        .map_err(|_| DemoError::Invalid("the city's authority".into()))?;
    let sections: [(&str, Vec<(&'static str, Value)>); 4] = [
        (
            "basics",
            vec![
                ("name", Value::Text(a.name.into())),
                ("org_type", Value::Text(a.org_type.code().into())),
                ("category", Value::Text(a.category.code().into())),
                (
                    "charity",
                    Value::Int(i64::from(a.category == Category::Charity)),
                ),
                ("public_fundraising", Value::Int(0)),
                ("supervising_unit", Value::Text(String::new())),
            ],
        ),
        (
            "domicile",
            vec![
                ("district_code", Value::Text(a.district.into())),
                ("domicile", Value::Text(a.domicile.into())),
            ],
        ),
        (
            "funds",
            vec![
                ("funds_fen", Value::OptInt(Some(a.funds_yuan * 100))),
                ("individual_members", Value::Int(a.individual)),
                ("unit_members", Value::Int(a.unit)),
                ("board_size", Value::Int(a.board)),
                ("purpose", Value::Text(a.purpose.into())),
                ("business_scope", Value::Text(a.scope.into())),
            ],
        ),
        (
            "contact",
            vec![
                ("contact_name", Value::Text(a.representative.into())),
                (
                    "contact_phone",
                    Value::Text(format!("0574-8{:03}6{:03}", 200 + n, 310 + n)),
                ),
                ("contact_email", Value::Text(email.clone())),
            ],
        ),
    ];
    for (section, fields) in sections {
        registry
            .save_section(user, id, section, fields)
            .await
            .map_err(step("section"))?;
    }
    city.at(a.started, 10, 10).await;
    let number = identity(a.district, n);
    let idn = IdNumber::parse(&number).ok_or_else(|| DemoError::Invalid("identity".into()))?;
    let keys = &city.state.keys.identity;
    let today = city.day(a.started);
    registry
        .add_officer(
            user,
            id,
            &OfficerInput {
                role: "legal_representative",
                name: a.representative,
                id_hash: &idn.keyed_hash(&keys.bytes),
                key_id: &keys.id,
                id_masked: &mask_id_number(&number),
                term_start: today,
                term_end: today.replace_year(today.year() + 5).unwrap_or(today),
            },
        )
        .await
        .map_err(step("representative"))?;
    registry
        .save_section(user, id, "people", Vec::new())
        .await
        .map_err(step("section"))?;
    city.at(a.started, 10, 40).await;
    for (kind, title) in DOCUMENTS {
        attach(
            city,
            user,
            id,
            kind,
            &format!("{title}.pdf"),
            pdf(title, a.name),
        )
        .await?;
    }
    registry
        .save_section(user, id, "documents", Vec::new())
        .await
        .map_err(step("section"))?;
    // Submitted the next morning.
    city.at(a.started - 1, 9, 0).await;
    let submitted = registry
        .submit_application(user, id)
        .await
        .map_err(step("submission"))?
        .map_err(|app| DemoError::Invalid(format!("{}: not complete", app.name)));
    if let Err(e) = submitted {
        // Say what the check found.
        let mut c = city.state.db.acquire().await?;
        let app = crate::db::applications::by_id(&mut c, id)
            .await?
            .ok_or_else(|| DemoError::Invalid(a.name.into()))?;
        let (problems, _) = crate::registry::check(&mut c, &app, city.now_ms())
            .await
            .map_err(step("check"))?;
        let found: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {} {:?}", p.section, p.key, p.arg))
            .collect();
        return Err(DemoError::Invalid(format!("{e}: {}", found.join("; "))));
    }
    if a.waits {
        return Ok(());
    }
    let registrar = city.user("registrar@demo.huoban.cn")?;
    if !city.when(a.started - 3, 10, 0).await {
        return Ok(());
    }
    registry
        .registrar_act(
            registrar,
            id,
            Action::Accept,
            Vec::new(),
            None,
            city.day(a.started - 3),
        )
        .await
        .map_err(step("acceptance"))?
        .map_err(|_| DemoError::Invalid("acceptance".into()))?;
    if !city.when(a.started - 24, 15, 0).await {
        return Ok(());
    }
    let day = city.day(a.started - 24);
    let approved = registry
        .registrar_act(registrar, id, Action::Approve, Vec::new(), None, day)
        .await;
    // A name like one already registered is approved with the registrar's reason.
    let approved = match approved {
        Err(AppError::Conflict("err-reg-name-reason")) => {
            registry
                .registrar_act(
                    registrar,
                    id,
                    Action::Approve,
                    vec![(
                        "name_accepted_reason",
                        Value::OptText(Some(
                            "经核查，与相近名称的组织业务范围、住所均不同，不致混淆。".into(),
                        )),
                    )],
                    None,
                    day,
                )
                .await
        }
        other => other,
    };
    approved
        .map_err(step("approval"))?
        .map_err(|_| DemoError::Invalid(format!("{}: not approved", a.name)))?;
    Ok(())
}

/// Stores a document as an upload is stored (`web::attachments`) and attaches it.
async fn attach(
    city: &City,
    user: UserId,
    id: ApplicationId,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Result<(), DemoError> {
    let checked = check_bytes(bytes, name.to_string())
        .map_err(|k| DemoError::Invalid(format!("{name}: {k}")))?;
    let (mut stored, kept) = store_checked(&city.state, vec![checked])
        .await
        .map_err(step("document"))?;
    let s = stored
        .pop()
        .ok_or_else(|| DemoError::Invalid(name.into()))?;
    Registry::of(&city.state)
        .add_attachment(
            user,
            NewAttachment {
                application: id,
                kind,
                sha256: &s.sha256,
                content_type: s.content_type,
                size_bytes: s.size_bytes,
                original_name: &s.original_name,
                by: user,
                now: city.now_ms(),
            },
        )
        .await
        .map_err(step("attachment"))?;
    kept.keep();
    Ok(())
}

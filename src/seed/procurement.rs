//! Demo service purchase: an intention published 45 days ago, an open consultation the demo NGO
//! can bid on, and a closed open tender whose three sealed bids were opened at its deadline, so
//! the public opening record shows bidders, prices and digests. Written inside the demo load's
//! transaction, with the bids sealed under the configured bid-sealing key exactly as live bids.
//! Both projects require the qualification documents; the opened bids carry each one, a small
//! PDF sealed and written under the uploads folder like a live bid's file.

use crate::db::bids::{self, NewBid};
use crate::db::projects::{self as store, Criterion, NewIntention, NewProject};
use crate::db::Conn;
use crate::domain::calendar::{iso_date, shanghai_date, SHANGHAI};
use crate::domain::money::Money;
use crate::domain::qualdocs::{QualDoc, Requirement};
use crate::platform::error::{AppError, AppResult};
use crate::procurement::bidding::{record_opening, seal};
use crate::procurement::documents::{self, Change};
use crate::procurement::published_data;
use crate::procurement::sealing::{new_file_id, BidFile, Sealer};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use time::{Duration, Time};

const DAY: i64 = 24 * 3600 * 1000;

/// 09:30 Beijing time, `days` days from the instant `now`.
fn at_0930(now: i64, days: i64) -> i64 {
    let d = shanghai_date(crate::platform::clock::from_ms(now)) + Duration::days(days);
    let t = d
        .with_time(Time::from_hms(9, 30, 0).unwrap_or(Time::MIDNIGHT))
        .assume_offset(SHANGHAI);
    crate::platform::clock::to_ms(t)
}

async fn user_id(c: &mut Conn, email: &str) -> AppResult<i64> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&mut *c)
        .await?
        .ok_or_else(|| AppError::Internal(format!("demo user {email}")))
}

/// A member of the organization to sign its demo bid.
async fn signer(c: &mut Conn, org: i64, fallback: i64) -> AppResult<i64> {
    let u: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(user_id) FROM memberships WHERE org_id = $1 AND user_id IS NOT NULL",
    )
    .bind(org)
    .fetch_one(&mut *c)
    .await?;
    Ok(u.unwrap_or(fallback))
}

fn criteria(list: &[(&str, i64, &str)]) -> Vec<Criterion> {
    list.iter()
        .map(|(name, points, guidance)| Criterion {
            name: (*name).into(),
            max_centi: points * 100,
            guidance: (*guidance).into(),
        })
        .collect()
}

/// The qualification documents of the demo projects: the checklist, and `added` by name.
fn demo_docs(added: &[&str]) -> Vec<Requirement> {
    QualDoc::ALL
        .iter()
        .map(|d| Requirement::Listed(*d))
        .chain(added.iter().map(|n| Requirement::Added((*n).into())))
        .collect()
}

/// A one-page PDF reading `line` (ASCII), standing for a scanned document.
fn demo_pdf(line: &str) -> Vec<u8> {
    let text = line.replace(['(', ')', '\\'], " ");
    let stream = format!("BT /F1 14 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Seals one demo file for each required document of `p` and writes it under
/// `<uploads>/bids`, as a live bid's; the listing goes into the bid's sealed content.
fn demo_files(
    sealer: &Sealer,
    uploads: &Path,
    p: &store::Project,
    docs: &[Requirement],
    org_key: &str,
) -> AppResult<Vec<BidFile>> {
    let dir = uploads.join("bids");
    crate::platform::files::create_dir_private(&dir)
        .map_err(|e| AppError::Internal(format!("demo bid files: {e}")))?;
    let mut out = Vec::new();
    for (i, r) in docs.iter().enumerate() {
        let bytes = demo_pdf(&format!(
            "Demo qualification document {} of {org_key}, {}",
            i + 1,
            p.number
        ));
        let id = new_file_id();
        let sealed = sealer
            .seal_file(p.id, &id, &bytes)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        crate::platform::files::create_new_private(&dir.join(&id))
            .and_then(|mut f| std::io::Write::write_all(&mut f, &sealed))
            .map_err(|e| AppError::Internal(format!("demo bid files: {e}")))?;
        let name = match r {
            Requirement::Listed(d) => format!("{}.pdf", d.code()),
            Requirement::Added(_) => format!("added-{}.pdf", i + 1),
        };
        out.push(BidFile {
            id,
            name,
            content_type: "application/pdf".into(),
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(Sha256::digest(&bytes)),
            requirement: Some(r.key()),
        });
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn project(
    c: &mut Conn,
    p: &NewProject<'_>,
    list: &[Criterion],
    docs: &[Requirement],
    user: i64,
    notice: i64,
) -> AppResult<store::Project> {
    let id = store::create(c, p, user, notice - DAY).await?;
    store::set_criteria(c, id, list).await?;
    crate::db::qual_docs::set(c, id, docs).await?;
    store::add_event(
        c,
        id,
        1,
        "created",
        &json!({ "number": p.number }),
        Some(user),
        notice - DAY,
    )
    .await?;
    // Published through the project's lifecycle, as the purchaser would.
    let draft = store::by_id(c, id).await?.ok_or(AppError::NotFound)?;
    store::advance(c, &draft, crate::domain::project::Action::Publish, notice).await?;
    store::set_notice_at(c, id, notice).await?;
    // The settings in force at the notice, as publication records them (issue 22, item 14).
    let version = crate::db::settings::snapshot(c, notice).await?.version;
    store::set_published_rules(c, id, version, None).await?;
    let row = store::by_id(c, id).await?.ok_or(AppError::NotFound)?;
    store::add_event(
        c,
        id,
        1,
        "published",
        &published_data(&row, list, docs),
        Some(user),
        notice,
    )
    .await?;
    documents::snapshot(c, id, Change::Published, Some(user), notice).await?;
    Ok(row)
}

pub async fn seed(
    c: &mut Conn,
    sealer: &Sealer,
    uploads: &Path,
    orgs: &HashMap<String, i64>,
    department: i64,
    now: i64,
) -> AppResult<()> {
    let purchaser = user_id(c, "purchaser@demo.huoban.cn").await?;
    let org = |k: &str| {
        orgs.get(k)
            .copied()
            .ok_or_else(|| AppError::Internal(format!("demo org {k}")))
    };
    let intention_at = now - 45 * DAY;
    let intention = store::add_intention(
        c,
        &NewIntention {
            department_id: department,
            title: "2027年度居家养老上门服务",
            category_code: "elderly-care",
            budget_fen: Money::yuan(400_000).fen(),
            need: "为辖区内约 300 名高龄独居老人提供上门探访、助餐、助洁和紧急呼叫响应服务，服务期一年。",
            planned_month: &iso_date(shanghai_date(crate::platform::clock::from_ms(now)))[..7],
            published_at: intention_at,
            published_on: &iso_date(shanghai_date(crate::platform::clock::from_ms(intention_at))),
            created_by: purchaser,
        },
    )
    .await?;
    // The open consultation.
    let open_list = criteria(&[
        (
            "服务方案",
            40,
            "需求分析准确，服务内容、频次和质量控制措施完整可行",
        ),
        ("团队与经验", 30, "持证社工比例、同类项目经验和督导安排"),
    ]);
    let consultation = project(
        c,
        &NewProject {
            number: "NBMZ-2026-031",
            kind: "procurement",
            department_id: department,
            title: "2027年度居家养老上门服务项目",
            category_code: "elderly-care",
            requirements: "为辖区内约 300 名高龄独居老人提供上门探访（每周不少于两次）、助餐、助洁和紧急呼叫响应服务；建立服务档案，按月报送服务数据；服务期一年。",
            budget_fen: Money::yuan(400_000).fen(),
            max_price_fen: Some(Money::yuan(390_000).fen()),
            method: "consultation",
            price_weight_pct: 30,
            tie_rule: "random",
            grade_use: "equal_conditions",
            intention_id: Some(intention),
            city_division: None,
            min_grade: None,
            need_inspection: false,
            min_bids: 3,
            notice_at: None,
            deadline_at: Some(at_0930(now, 20)),
            technically_complex: false,
        },
        &open_list,
        &demo_docs(&[]),
        purchaser,
        now - 2 * DAY,
    )
    .await?;
    // Entrusted to the city's procurement centre, which runs its procedure; a bidder's question
    // waits for the agency's answer.
    let agency: i64 = sqlx::query_scalar("SELECT id FROM agencies ORDER BY id LIMIT 1")
        .fetch_one(&mut *c)
        .await?;
    store::entrust(c, consultation.id, Some(agency), now - 2 * DAY).await?;
    store::add_event(
        c,
        consultation.id,
        1,
        "entrusted",
        &json!({ "agency": agency, "before": null }),
        Some(purchaser),
        now - 2 * DAY,
    )
    .await?;
    let asker = org("charity")?;
    let asker_user = signer(c, asker, purchaser).await?;
    crate::db::project_qa::obtain(c, consultation.id, 1, asker, asker_user, 1, now - DAY).await?;
    let question = "服务对象名单是否由采购人提供？上门探访的频次能否按老人需求分级安排？";
    let qid = crate::db::project_qa::ask(
        c,
        consultation.id,
        1,
        asker,
        asker_user,
        question,
        now - DAY / 2,
    )
    .await?;
    store::add_event(
        c,
        consultation.id,
        1,
        "question",
        &json!({ "question": qid, "asker_no": 1, "body": question }),
        None,
        now - DAY / 2,
    )
    .await?;
    // A clarification after the NGO obtained version 1: version 2 of the documents, so the
    // demo shows a newer version with its changes marked.
    amend(c, &consultation, purchaser, now - DAY / 4).await?;
    sqlx::query("INSERT INTO category_follows (org_id, category_code, since) VALUES ($1, 'elderly-care', $2), ($1, 'community-governance', $2)")
        .bind(org("sunshine")?)
        .bind(now)
        .execute(&mut *c)
        .await?;
    // The closed open tender with three bids, opened at its deadline.
    let deadline = at_0930(now, -10);
    let closed_list = criteria(&[
        ("培育方案", 40, "孵化流程、能力建设和陪伴支持设计"),
        ("团队与督导", 25, "专职人员、督导资源"),
        ("同类项目经验", 15, "近三年同类项目及成效"),
    ]);
    let closed_docs = demo_docs(&["社会工作者职业资格证书（项目负责人）"]);
    let p = project(
        c,
        &NewProject {
            number: "NBMZ-2026-018",
            kind: "procurement",
            department_id: department,
            title: "海曙区社区社会组织培育孵化项目",
            category_code: "community-governance",
            requirements: "培育孵化社区社会组织不少于 20 家，开展能力建设培训不少于 12 场，建立社区社会组织数据库并按季度更新；服务期一年。",
            budget_fen: Money::yuan(600_000).fen(),
            max_price_fen: None,
            method: "open_tender",
            price_weight_pct: 20,
            tie_rule: "random",
            grade_use: "criterion",
            intention_id: None,
            city_division: None,
            min_grade: None,
            need_inspection: false,
            min_bids: 3,
            notice_at: None,
            deadline_at: Some(deadline),
            technically_complex: false,
        },
        &closed_list,
        &closed_docs,
        purchaser,
        deadline - 25 * DAY,
    )
    .await?;
    for (i, (key, price)) in [
        ("sunshine", 568_000),
        ("volunteers", 545_500),
        ("charity", 589_000),
    ]
    .into_iter()
    .enumerate()
    {
        let o = org(key)?;
        let (content, sealed) = seal(
            sealer,
            &p,
            o,
            "initial",
            Money::yuan(price),
            "培育孵化服务方案：需求调研、分类孵化、陪伴成长、成效评估四个阶段，配备专职社工与督导。",
            demo_files(sealer, uploads, &p, &closed_docs, key)?,
        )?;
        let user = signer(c, o, purchaser).await?;
        let at = deadline - (3 - i as i64) * DAY;
        let (id, _) = bids::insert(
            c,
            &NewBid {
                project: p.id,
                round: 1,
                org: o,
                envelope: "initial",
                user,
                sealed: &sealed,
                digest: &content.digest(),
                at,
            },
        )
        .await?;
        for f in &content.files {
            bids::add_file(c, &f.id, id, at).await?;
        }
    }
    let sealed = bids::sealed_for_opening(c, p.id, 1, "initial").await?;
    record_opening(c, sealer, &p, &sealed, "initial", deadline + 60_000).await?;
    Ok(())
}

/// A clarification that does not move the deadline, as the purchaser would publish it.
async fn amend(c: &mut Conn, p: &store::Project, user: i64, at: i64) -> AppResult<()> {
    let body = "澄清：服务对象名单由采购人在合同签订后提供；上门探访频次可按老人需求分级安排，但每位老人每周不少于两次。";
    let deadline = p.deadline_at.unwrap_or(at);
    let id = crate::db::project_qa::add_amendment(
        c,
        &crate::db::project_qa::NewAmendment {
            project: p.id,
            round: p.round,
            question_id: None,
            body,
            affects: false,
            published_at: at,
            deadline_before: deadline,
            deadline_after: deadline,
            user,
        },
    )
    .await?;
    store::add_event(
        c,
        p.id,
        p.round,
        "amendment",
        &json!({ "amendment": id, "question": null, "body": body, "affects": false,
                 "deadline_before": deadline, "deadline_after": deadline }),
        Some(user),
        at,
    )
    .await?;
    documents::snapshot(c, p.id, Change::Amendment { id, body }, Some(user), at).await?;
    Ok(())
}

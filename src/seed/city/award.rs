//! From the opening on: qualification, the panel (one expert recused for a conflict and the
//! next candidate seated, on the panel still scoring), its scores, the report, the award,
//! challenges and complaints, the contract; then delivery (`deliver`).

use super::buy::{p_programme, project, Run, Stop, Twist};
use super::deliver;
use super::{refused, step, City};
use crate::platform::ids::UserId;
use crate::procurement::challenge::{Filing, Ruling};
use crate::procurement::Procurement;
use crate::seed::DemoError;
use std::collections::HashMap;

/// From the opening (`opened` days back): qualification, the panel, its scores, the report,
/// the award, challenges, the contract; then delivery.
pub(super) async fn award(city: &City, run: &Run, opened: i64) -> Result<(), DemoError> {
    let pass: HashMap<i64, (bool, String)> = run
        .bids
        .iter()
        .map(|(_, _, b)| (*b, (true, String::new())))
        .collect();
    if run.stop == Stop::Qualify || !city.when(opened - 1, 10, 0).await {
        return Ok(());
    }
    Procurement::of(&city.state)
        .qualify_bids(run.id, &pass, &HashMap::new(), UserId(run.runner))
        .await
        .map_err(step("qualification"))?
        .map_err(|(_, k)| refused("qualification", k))?;
    if run.stop == Stop::Draw || !city.when(opened - 1, 14, 0).await {
        return Ok(());
    }
    Procurement::of(&city.state)
        .draw_panel_of(
            run.id,
            if p_programme(run) { 3 } else { 5 },
            &[run.purchaser],
            UserId(run.runner),
        )
        .await
        .map_err(step("panel"))?
        .map_err(|(_, k)| refused("panel", k))?;
    if run.stop == Stop::Score {
        return recuse_one(city, run, opened).await;
    }
    if !city.when(opened - 3, 9, 0).await {
        return Ok(());
    }
    let seats = seated(city, run).await?;
    // Each bid's quality, as the panel sees it; each expert a little apart.
    let quality: Vec<i64> = run
        .bids
        .iter()
        .map(|_| 60 + city.below(35) as i64)
        .collect();
    for (n, (seat, user)) in seats.iter().enumerate() {
        city.when(opened - 3, 9, 10 + u8::try_from(n).unwrap_or(0) * 5)
            .await;
        let mut scores = Vec::new();
        for ((_, _, bid), q) in run.bids.iter().zip(&quality) {
            let q = (q + city.below(7) as i64 - 3).clamp(40, 100);
            let (a, b) = if p_programme(run) { (60, 40) } else { (40, 30) };
            scores.push((*bid, 0, a * q));
            scores.push((*bid, 1, b * q));
        }
        let svc = Procurement::of(&city.state);
        svc.declare_no_conflict(*seat, UserId(*user))
            .await
            .map_err(step("declaration"))?;
        if n == 0 {
            svc.comply_bids(run.id, &pass, UserId(*user))
                .await
                .map_err(step("compliance"))?
                .map_err(|(_, k)| refused("compliance", k))?;
        }
        svc.submit_scores(*seat, &scores, UserId(*user))
            .await
            .map_err(step("scores"))?;
    }
    Procurement::of(&city.state)
        .deliver_project(run.id)
        .await
        .map_err(step("report"))?;
    if run.stop == Stop::Confirm || !city.when(opened - 5, 10, 0).await {
        return Ok(());
    }
    Procurement::of(&city.state)
        .confirm_award(run.id, UserId(run.purchaser))
        .await
        .map_err(step("confirmation"))?
        .map_err(|(_, k)| refused("confirmation", k))?;
    if matches!(
        run.twist,
        Twist::Challenge | Twist::ComplaintDecided | Twist::ComplaintOpen
    ) {
        challenge(city, run, opened).await?;
    }
    if run.stop == Stop::Sign || !city.when(opened - 12, 10, 0).await {
        return Ok(());
    }
    deliver::contract(city, run, opened - 12).await
}

/// The experts seated on the project's panel: (seat, user), in the draw's order.
async fn seated(city: &City, run: &Run) -> Result<Vec<(i64, i64)>, DemoError> {
    let mut c = city.state.db.acquire().await?;
    let p = project(city, run.id).await?;
    Ok(crate::procurement::panel::panel_of(&mut c, &p)
        .await
        .map_err(step("panel"))?
        .map(|panel| {
            panel
                .members
                .iter()
                .filter(|m| m.status == crate::domain::award::SeatStatus::Seated)
                .map(|m| (m.id, m.user_id))
                .collect()
        })
        .unwrap_or_default())
}

/// On the panel still scoring, an expert of both libraries (who also has the evaluation's
/// sheets to score) reports a conflict with a bidder and is recused; the next candidate in
/// the draw's order takes the seat. So every procurement expert has a sheet waiting.
async fn recuse_one(city: &City, run: &Run, opened: i64) -> Result<(), DemoError> {
    let both = [
        city.staff("expert@demo.huoban.cn")?,
        city.staff("expert2@demo.huoban.cn")?,
        city.staff("expert3@demo.huoban.cn")?,
    ];
    let Some((seat, _)) = seated(city, run)
        .await?
        .into_iter()
        .find(|(_, user)| both.contains(user))
    else {
        return Ok(());
    };
    // Half an hour after the draw.
    if !city.when(opened - 1, 14, 30).await {
        return Ok(());
    }
    Procurement::of(&city.state)
        .recuse_member(
            run.id,
            seat,
            "近三年曾为投标人提供督导服务，存在利害关系，申请回避。",
            UserId(run.runner),
        )
        .await
        .map_err(step("recusal"))?
        .map_err(|(_, k)| refused("recusal", k))?;
    Ok(())
}

/// The second-ranked challenges the result two days after the notice; the answer (by whoever
/// runs the procedure) maintains it; a complaint may follow.
async fn challenge(city: &City, run: &Run, opened: i64) -> Result<(), DemoError> {
    let Some(&(org, admin, _)) = run.bids.get(1) else {
        return Ok(());
    };
    if !city.when(opened - 7, 15, 0).await {
        return Ok(());
    }
    let id = Procurement::of(&city.state)
        .file_challenge_on(
            run.id,
            &Filing {
                org,
                user: admin,
                kind: "challenge",
                target: "result",
                step: "",
                body: "我方服务方案在团队与经验一项的得分明显偏低，与投标文件所附同类项目业绩不符，请予复核。",
            },
        )
        .await
        .map_err(step("challenge"))?
        .map_err(|(_, k)| refused("challenge", k))?;
    if !city.when(opened - 9, 10, 0).await {
        return Ok(());
    }
    Procurement::of(&city.state)
        .answer_challenge_of(
            run.id,
            id,
            "经组织原评审委员会复核，评分符合采购文件规定的评分标准，维持原评审结果。",
            UserId(run.runner),
        )
        .await
        .map_err(step("answer"))?
        .map_err(|(_, k)| refused("answer", k))?;
    if run.twist == Twist::Challenge || !city.when(opened - 11, 11, 0).await {
        return Ok(());
    }
    let complaint = Procurement::of(&city.state)
        .complain_on(
            run.id,
            org,
            id,
            "答复未说明团队与经验一项的具体评分理由，请监督部门依法处理。",
            UserId(admin),
        )
        .await
        .map_err(step("complaint"))?
        .map_err(|(_, k)| refused("complaint", k))?;
    if run.twist == Twist::ComplaintOpen || !city.when(opened - 30, 10, 0).await {
        return Ok(());
    }
    Procurement::of(&city.state)
        .decide_complaint_by_id(
            complaint,
            &Ruling {
                outcome: "dismissed",
                findings: "经调取评审记录，评审委员会按照采购文件规定的评分标准独立评分，评分理由记录完整，未发现违法违规情形。",
                decision: "根据《政府采购质疑和投诉办法》第二十九条，驳回投诉。",
            },
            city.user("supervisor@demo.huoban.cn")?,
        )
        .await
        .map_err(step("complaint decision"))?
        .map_err(|k| refused("complaint decision", k))?;
    Ok(())
}

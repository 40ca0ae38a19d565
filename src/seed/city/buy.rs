//! The year's service purchases by the civil affairs bureau, about a third entrusted to the
//! procurement centre, each through the procurement services on the city's clock: intention,
//! publication, documents obtained and questions, sealed bids by the city's organizations,
//! opening at the deadline, qualification, the panel drawn, declared and scoring, the report
//! delivered, the award confirmed, challenges and complaints, the contract signed and filed,
//! then delivery (`deliver`). A project's steps stop where the loading day is reached, so the
//! newest ones wait where they are: open for bids, to be qualified, scored, confirmed, signed.
//! Some stop on purpose: a cancellation, a failed round re-tendered, one that is never bid for.

use super::award;
use super::{refused, step, City, Flow};
use crate::db::intentions::NewIntention;
use crate::db::projects::{Criterion, NewProject, Project};
use crate::domain::calendar::iso_date;
use crate::domain::money::Money;
use crate::platform::ids::UserId;
use crate::procurement::bidding::BidInput;
use crate::procurement::Procurement;
use crate::seed::DemoError;

/// How many projects the city runs.
pub const PROJECTS: usize = 40;

/// Where a project's history stops on purpose (besides the loading day).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Stop {
    /// Runs as far as the calendar allows.
    None,
    /// An intention only: the project is still being prepared.
    Intention,
    /// Cancelled during bidding, with its reason.
    Cancelled,
    /// Too few bids: the round failed and waits to be re-tendered.
    Failed,
    /// Opened: the qualification check waits.
    Qualify,
    /// Qualified: the panel waits to be drawn.
    Draw,
    /// Drawn: the experts have neither declared nor scored.
    Score,
    /// Reported: the purchaser has not confirmed the award.
    Confirm,
    /// Confirmed: the contract is not signed.
    Sign,
    /// Signed: not yet filed with the finance department.
    File,
}

/// What happens along the way.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Twist {
    Plain,
    /// The first round fails for too few bids; the second is awarded.
    Retender,
    /// The second-ranked challenges the result; the answer maintains it.
    Challenge,
    /// As `Challenge`, then a complaint to the supervisor, decided.
    ComplaintDecided,
    /// As `Challenge`, then a complaint the supervisor has still to decide.
    ComplaintOpen,
    /// Delivery: a payment recorded in error is reversed and recorded again.
    Reversal,
    /// Delivery: the contract is terminated by agreement.
    Terminated,
    /// Delivery: the midterm review is left to the third-party reviewer.
    ReviewWaits,
}

struct Plan {
    /// The notice's day, counted back from the loading day.
    notice: i64,
    /// A special-fund programme (公益创投): requests ranked, funded in order within the budget,
    /// an agreement with each.
    programme: bool,
    stop: Stop,
    twist: Twist,
    entrusted: bool,
}

const TITLES: [(&str, &str, &str); 10] = [
    (
        "elderly-care",
        "居家养老上门服务项目",
        "为辖区高龄独居老人提供上门探访、助餐、助洁和紧急呼叫响应服务，建立服务档案并按月报送服务数据。",
    ),
    (
        "community-governance",
        "社区社会组织培育孵化项目",
        "培育孵化社区社会组织，开展能力建设培训，建立社区社会组织数据库并按季度更新。",
    ),
    (
        "social-work",
        "社会工作服务站运营项目",
        "运营镇（街道）社会工作服务站，配备专职社工，开展困难群众帮扶、个案管理和社区服务。",
    ),
    (
        "elderly-care",
        "老年人助餐服务项目",
        "运营社区老年食堂和助餐点，为 60 周岁以上老人提供午餐，困难老人送餐上门。",
    ),
    (
        "community-governance",
        "社区协商议事能力提升项目",
        "指导社区建立协商议事机制，培训议事骨干，每季度组织议事会并形成协商成果。",
    ),
    (
        "social-work",
        "困境儿童关爱服务项目",
        "为困境儿童建立成长档案，开展学业辅导、心理支持和家庭监护能力提升服务。",
    ),
    (
        "elderly-care",
        "失能老人家庭照护培训项目",
        "为失能老人家庭照护者提供照护技能培训和喘息服务，培训不少于 400 人次。",
    ),
    (
        "social-work",
        "社会救助对象帮扶服务项目",
        "为低保、特困对象提供需求评估、政策链接和个案帮扶服务，建立一户一档。",
    ),
    (
        "community-governance",
        "志愿服务站点运营项目",
        "运营志愿服务站点，招募培训志愿者，组织常态化志愿服务活动并记录服务时长。",
    ),
    (
        "elderly-care",
        "老年认知障碍友好社区建设项目",
        "开展认知障碍筛查、家属支持小组和社区宣传活动，建设认知障碍友好社区。",
    ),
];

/// The forty projects' fates, oldest first: notices from about 500 days back to a few days
/// ago, the last ones stopped where each demo identity finds work waiting.
fn plans() -> Vec<Plan> {
    use Stop as S;
    use Twist as T;
    let fates: [(S, T); PROJECTS] = [
        (S::None, T::Plain),
        (S::None, T::Reversal),
        (S::None, T::Challenge),
        (S::None, T::Plain),
        (S::None, T::Terminated),
        (S::None, T::Retender),
        (S::None, T::Plain),
        (S::None, T::ComplaintDecided),
        (S::Cancelled, T::Plain),
        (S::None, T::Plain),
        (S::None, T::Plain),
        (S::None, T::Challenge),
        (S::None, T::Plain),
        (S::None, T::Plain),
        (S::None, T::ReviewWaits),
        (S::None, T::Plain),
        (S::Failed, T::Plain),
        (S::None, T::Plain),
        (S::None, T::Retender),
        (S::None, T::Plain),
        (S::None, T::Plain),
        (S::None, T::ReviewWaits),
        (S::None, T::Plain),
        (S::Cancelled, T::Plain),
        (S::None, T::Plain),
        (S::None, T::Plain),
        (S::None, T::ComplaintOpen),
        (S::File, T::Plain),
        (S::None, T::Plain),
        (S::Sign, T::Plain),
        (S::Confirm, T::Plain),
        (S::Score, T::Plain),
        (S::Draw, T::Plain),
        (S::Qualify, T::Plain),
        (S::Qualify, T::Plain),
        (S::None, T::Plain),
        (S::None, T::Plain),
        (S::Intention, T::Plain),
        (S::None, T::Plain),
        (S::Intention, T::Plain),
    ];
    let n = fates.len() as i64;
    fates
        .into_iter()
        .enumerate()
        .map(|(i, (stop, twist))| {
            let i = i as i64;
            // 500 days back to 5, more densely towards the present.
            let mut notice = 500 - (i * 495) / (n - 1);
            notice = match stop {
                // Each stop is placed where the calendar has just reached it.
                S::File => 40,
                S::Sign => 38,
                S::Confirm => 35,
                S::Score => 31,
                S::Draw => 30,
                S::Qualify => 29,
                _ => notice,
            };
            Plan {
                notice,
                programme: matches!(i, 3 | 13 | 24),
                stop,
                twist,
                // The procurement centre runs every third procedure, and the one waiting to be
                // qualified last.
                entrusted: i % 3 == 1 || (stop == S::Qualify && i % 2 == 0),
            }
        })
        .collect()
}

/// A project being run: the service, the staff, its id and plan.
pub(crate) struct Run {
    pub id: i64,
    pub number: String,
    pub purchaser: i64,
    pub runner: i64,
    pub twist: Twist,
    pub stop: Stop,
    /// The city's bidders on it: (organization, its administrator, bid).
    pub bids: Vec<(i64, i64, i64)>,
}

/// One flow per project (see `timeline`): the procurement's side of the history.
pub async fn flows(city: &City) -> Result<Vec<Flow<'_>>, DemoError> {
    let purchaser = city.staff("purchaser@demo.huoban.cn")?;
    let agency_user = city.staff("agency@demo.huoban.cn")?;
    let (department, agency) = {
        use crate::db::directory::{id_by_code, UnitKind};
        let mut c = city.state.db.acquire().await?;
        (
            id_by_code(&mut c, UnitKind::Department, "nb-civil-affairs").await?,
            id_by_code(&mut c, UnitKind::Agency, "nb-procurement-centre").await?,
        )
    };
    let department = department.ok_or_else(|| DemoError::Invalid("department".into()))?;
    let agency = agency.ok_or_else(|| DemoError::Invalid("agency".into()))?;
    let who = Who {
        department,
        agency,
        purchaser,
        agency_user,
    };
    Ok(plans()
        .into_iter()
        .enumerate()
        .map(|(i, plan)| Box::pin(flow(city, i, plan, who)) as Flow<'_>)
        .collect())
}

/// Who buys: the department, the agency it may entrust, and their users.
#[derive(Clone, Copy)]
struct Who {
    department: i64,
    agency: i64,
    purchaser: i64,
    agency_user: i64,
}

/// A project from its intention on.
async fn flow(city: &City, i: usize, plan: Plan, who: Who) -> Result<(), DemoError> {
    let Who {
        department,
        agency,
        purchaser,
        agency_user,
    } = who;
    let (category, what, need) = TITLES[i % TITLES.len()];
    // The places of Ningbo, in the divisions' order (the city first).
    let places = crate::domain::division::NINGBO;
    let place = places[(i * 7) % places.len()].1;
    let title = if plan.programme {
        format!("{place}社区公益创投（{what}）")
    } else {
        format!("{place}{what}")
    };
    let budget = Money::yuan(200_000 + 10_000 * i64::try_from(city.below(70)).unwrap_or(0));
    // The intention 40 days before the notice (the law asks for 30).
    city.at(plan.notice + 40, 9, 0).await;
    let notice_day = city.day(plan.notice);
    let intention = Procurement::of(&city.state)
        .add_intention(
            &NewIntention {
                department_id: department,
                title: &title,
                category_code: category,
                budget_fen: budget.fen(),
                need,
                planned_month: &iso_date(notice_day)[..7],
                published_at: city.now_ms(),
                published_on: &iso_date(city.day(plan.notice + 40)),
                created_by: purchaser,
            },
            UserId(purchaser),
        )
        .await
        .map_err(step("intention"))?;
    if plan.stop == Stop::Intention {
        return Ok(());
    }
    city.at(plan.notice, 9, 0).await;
    let number = if plan.programme {
        format!("NBGY-{}-{:03}", notice_day.year(), 101 + i)
    } else {
        format!("NBMZ-{}-{:03}", notice_day.year(), 101 + i)
    };
    let deadline = city.instant(plan.notice - 25, 9, 30);
    let (solution, team) = if plan.programme { (60, 40) } else { (40, 30) };
    let criteria = vec![
        criterion(
            "服务方案",
            solution,
            "需求分析准确，服务内容、频次和质量控制措施完整可行",
        ),
        criterion("团队与经验", team, "持证社工比例、同类项目经验和督导安排"),
    ];
    let requirements = format!("{need}服务期一年。");
    let new = NewProject {
        number: &number,
        kind: if plan.programme {
            "programme"
        } else {
            "procurement"
        },
        department_id: department,
        title: &title,
        category_code: category,
        requirements: &requirements,
        budget_fen: budget.fen(),
        max_price_fen: None,
        method: if plan.programme {
            "programme"
        } else {
            "open_tender"
        },
        price_weight_pct: if plan.programme { 0 } else { 30 },
        tie_rule: "random",
        grade_use: "equal_conditions",
        intention_id: Some(intention),
        city_division: None,
        min_grade: None,
        need_inspection: false,
        min_bids: 3,
        notice_at: None,
        deadline_at: Some(deadline),
        technically_complex: false,
    };
    let svc = Procurement::of(&city.state);
    let id = svc
        .create_project(&new, &criteria, &[], UserId(purchaser))
        .await
        .map_err(step("project"))?
        .map_err(|k| refused("project", k))?;
    let runner = if plan.entrusted {
        svc.entrust(id, Some(agency), purchaser)
            .await
            .map_err(step("entrust"))?
            .map_err(|k| refused("entrust", k))?;
        agency_user
    } else {
        purchaser
    };
    let deadline = publish(city, id, &new, &criteria, purchaser).await?;
    city.count(|s| s.projects += 1);
    let mut run = Run {
        id,
        number: number.clone(),
        purchaser,
        runner,
        twist: plan.twist,
        stop: plan.stop,
        bids: Vec::new(),
    };
    let bidders = if plan.stop == Stop::Failed || plan.twist == Twist::Retender {
        2
    } else {
        3 + city.below(3)
    };
    if !tender(city, &mut run, plan.notice, deadline, bidders, budget).await? {
        return Ok(());
    }
    let opened = deadline;
    if plan.twist == Twist::Retender {
        // Failed for too few bids; published again two days later with three weeks and
        // more for the new bids.
        if !city.when(opened - 2, 10, 0).await {
            return Ok(());
        }
        let svc = Procurement::of(&city.state);
        svc.republish_project(id, UserId(runner))
            .await
            .map_err(step("re-tender"))?;
        let again = NewProject {
            deadline_at: Some(city.instant(opened - 27, 9, 30)),
            ..new
        };
        svc.save_draft(id, &again, &criteria, &[], UserId(purchaser))
            .await
            .map_err(step("re-tender draft"))?;
        let deadline = publish(city, id, &again, &criteria, purchaser).await?;
        run.bids.clear();
        if !tender(city, &mut run, opened - 2, deadline, 4, budget).await? {
            return Ok(());
        }
        award::award(city, &run, deadline).await?;
    } else {
        award::award(city, &run, opened).await?;
    }
    Ok(())
}

/// Publishes the draft. When a holiday moves the earliest lawful deadline past the planned
/// one, the purchaser sets the deadline to 09:30 the day after the earliest (as the form's
/// refusal suggests) and publishes again. Returns the deadline's day, counted back.
async fn publish(
    city: &City,
    id: i64,
    new: &NewProject<'_>,
    criteria: &[Criterion],
    purchaser: i64,
) -> Result<i64, DemoError> {
    use crate::procurement::publication::PublishRefusal;
    let svc = Procurement::of(&city.state);
    match svc
        .publish_project(id, None, UserId(purchaser))
        .await
        .map_err(step("publish"))?
    {
        Ok(()) => {}
        Err(PublishRefusal::Deadline(earliest)) => {
            let day = super::beijing_day(earliest);
            let back = (city.today - day).whole_days() - 1;
            let later = NewProject {
                deadline_at: Some(city.instant(back, 9, 30)),
                ..*new
            };
            svc.save_draft(id, &later, criteria, &[], UserId(purchaser))
                .await
                .map_err(step("draft"))?;
            svc.publish_project(id, None, UserId(purchaser))
                .await
                .map_err(step("publish"))?
                .map_err(|r| DemoError::Invalid(format!("publish {}: {r:?}", new.number)))?;
        }
        Err(r) => return Err(DemoError::Invalid(format!("publish {}: {r:?}", new.number))),
    }
    let p = project(city, id).await?;
    let at = p
        .deadline_at
        .ok_or_else(|| DemoError::Invalid("no deadline".into()))?;
    Ok((city.today - super::beijing_day(crate::platform::clock::from_ms(at))).whole_days())
}

fn criterion(name: &str, points: i64, guidance: &str) -> Criterion {
    Criterion {
        name: name.into(),
        max_centi: points * 100,
        guidance: guidance.into(),
    }
}

/// Bidding from the notice (`notice` days back) to the opening after the deadline: documents
/// obtained, a question asked and answered, `n` sealed bids. False when the history stops
/// before or at the opening (still open, cancelled or failed).
async fn tender(
    city: &City,
    run: &mut Run,
    notice: i64,
    deadline: i64,
    n: usize,
    budget: Money,
) -> Result<bool, DemoError> {
    let live: Vec<(i64, i64)> = city
        .orgs()
        .iter()
        .filter(|o| o.status == "registered")
        .map(|o| (o.id, o.admin))
        .collect();
    let mut chosen: Vec<(i64, i64)> = Vec::new();
    while chosen.len() < n {
        let o = live[city.below(live.len())];
        if !chosen.contains(&o) {
            chosen.push(o);
        }
    }
    for (k, (org, admin)) in chosen.iter().enumerate() {
        let day = notice - 3 - 4 * i64::try_from(k).unwrap_or(0);
        if !city.when(day, 10 + u8::try_from(k).unwrap_or(0), 15).await {
            return Ok(false);
        }
        let p = project(city, run.id).await?;
        let svc = Procurement::of(&city.state);
        svc.obtain_documents(&p, *org, UserId(*admin))
            .await
            .map_err(step("obtain documents"))?;
        if k == 0 {
            svc.ask_question(
                &p,
                *org,
                UserId(*admin),
                "服务对象名单是否由采购人提供？服务频次能否按对象需求分级安排？",
            )
            .await
            .map_err(step("question"))?;
            if city.when(day - 1, 16, 0).await {
                let q = question_of(city, run.id).await?;
                Procurement::of(&city.state)
                    .answer_question(
                        run.id,
                        q,
                        "服务对象名单由采购人在合同签订后提供；服务频次可按需求分级安排，但不得低于采购需求的最低频次。",
                        false,
                        UserId(run.runner),
                    )
                    .await
                    .map_err(step("answer"))?;
            } else {
                return Ok(false);
            }
            city.when(day, 10, 15).await;
        }
        if run.stop == Stop::Cancelled && k == 1 {
            city.when(day - 1, 11, 0).await;
            Procurement::of(&city.state)
                .cancel_project(
                    run.id,
                    "因采购需求发生重大变化（服务对象已纳入市级统一项目），本项目终止采购。",
                    UserId(run.purchaser),
                )
                .await
                .map_err(step("cancel"))?;
            return Ok(false);
        }
        // A programme's applicants request a share of its fund; a tender's bid near the budget.
        let share = if p_programme(run) {
            22 + city.below(12) as i64
        } else {
            86 + city.below(13) as i64
        };
        let price = Money::from_fen(budget.fen() / 100 * share / 100 * 100);
        let p = project(city, run.id).await?;
        let receipt = Procurement::of(&city.state)
            .submit_bid(
                &p,
                *org,
                *admin,
                "initial",
                BidInput {
                    price,
                    proposal: "服务方案：需求调研、分类服务、过程督导、成效评估四个阶段，配备专职社工与督导，按月报送服务数据。".into(),
                    files: Vec::new(),
                },
            )
            .await
            .map_err(step("bid"))?
            .map_err(|k| refused("bid", k))?;
        run.bids.push((*org, *admin, receipt.bid_id));
    }
    // Opened by the job one minute after the deadline.
    if !city.when(deadline, 9, 31).await {
        return Ok(false);
    }
    let opened = Procurement::of(&city.state)
        .open(run.id)
        .await
        .map_err(step("opening"))?;
    // A re-tender goes on from its failed first round.
    let failed = opened.is_none_or(|o| o.outcome == "failed");
    Ok(run.stop != Stop::Failed
        && (!failed || (run.twist == Twist::Retender && run.bids.len() < 3)))
}

pub(super) fn p_programme(run: &Run) -> bool {
    run.number.starts_with("NBGY-")
}

pub(crate) async fn project(city: &City, id: i64) -> Result<Project, DemoError> {
    let mut c = city.state.db.acquire().await?;
    crate::db::projects::by_id(&mut c, id)
        .await?
        .ok_or_else(|| DemoError::Invalid(format!("project {id}")))
}

async fn question_of(city: &City, project: i64) -> Result<i64, DemoError> {
    let mut c = city.state.db.acquire().await?;
    Ok(
        sqlx::query_scalar("SELECT MAX(id) FROM project_questions WHERE project_id = $1")
            .bind(project)
            .fetch_one(&mut *c)
            .await?,
    )
}

//! The procurement documents (采购文件) as numbered, immutable versions (issue 21 item 4).
//! Publishing a project freezes version 1; each amendment and each file the purchaser
//! attaches freezes the next. A version's content is the canonical JSON of
//! `domain::procurement_docs::DocContent`, its SHA-256 taken over exactly that text, which is
//! served as it was stored so anyone can recompute it. Obtaining the documents records the
//! version obtained.

use crate::db::project_docs::{self as docs, NewFile, NewVersion, Version};
use crate::db::project_qa as qa;
use crate::db::projects::{self as store, Project};
use crate::db::Conn;
use crate::domain::procurement_docs::DocQualDoc;
use crate::domain::procurement_docs::{
    self as rules, Change as DocChange, DocAmendment, DocContent, DocCriterion, DocFile, Marks,
    Purchaser,
};
use crate::domain::qualdocs::Requirement;
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::procurement::procedure::Refused;
use crate::procurement::Procurement;
use serde::Serialize;
use serde_json::json;

/// Why a new version is published.
pub enum Change<'a> {
    Published,
    Amendment { id: i64, body: &'a str },
    Attachment { description: &'a str },
}

impl Change<'_> {
    fn doc(&self) -> DocChange {
        let (kind, amendment, note) = match self {
            Change::Published => ("published", None, None),
            Change::Amendment { id, body } => ("amendment", Some(*id), Some(body.to_string())),
            Change::Attachment { description } => {
                ("attachment", None, Some(description.to_string()))
            }
        };
        DocChange {
            kind: kind.into(),
            amendment,
            note,
        }
    }
}

/// Freezes the next version of the project's documents as the project stands in `c` now.
pub async fn snapshot(
    c: &mut Conn,
    project: i64,
    change: Change<'_>,
    by: Option<i64>,
    at: i64,
) -> AppResult<Version> {
    let p = store::by_id(c, project).await?.ok_or(AppError::NotFound)?;
    let criteria = store::criteria(c, p.id).await?;
    let amendments = qa::amendments(c, p.id).await?;
    // The files of this round's documents (a republished round starts from its own).
    let files: Vec<_> = docs::files(c, p.id)
        .await?
        .into_iter()
        .filter(|f| f.round == p.round)
        .collect();
    let contact = crate::db::users::by_id(c, UserId(p.created_by)).await?;
    let category = store::categories(c)
        .await?
        .into_iter()
        .find(|k| k.code == p.category_code)
        .map(|k| k.name_zh)
        .unwrap_or_default();
    let previous = docs::latest(c, p.id).await?;
    let version = previous.as_ref().map_or(1, |v| v.version + 1);
    let doc_no = rules::doc_number(&p.number, version);
    let content = DocContent {
        format: rules::FORMAT.into(),
        doc_no: doc_no.clone(),
        project: p.number.clone(),
        round: p.round,
        version,
        previous_sha256: previous.map(|v| v.sha256),
        published_at: at,
        change: change.doc(),
        title: p.title.clone(),
        kind: p.kind.clone(),
        method: p.method.clone(),
        category_code: p.category_code.clone(),
        category_zh: category,
        purchaser: Purchaser {
            department_zh: p.department_zh.clone(),
            department_en: p.department_en.clone(),
            contact_name: contact
                .as_ref()
                .map(|u| u.display_name.clone())
                .unwrap_or_default(),
            contact_phone: contact.as_ref().and_then(|u| u.phone.clone()),
            contact_email: contact.map(|u| u.email).unwrap_or_default(),
            agency_zh: p.agency_zh.clone(),
            agency_en: p.agency_en.clone(),
        },
        notice_at: p.notice_at,
        deadline_at: p.deadline_at,
        opening_at: p.deadline_at,
        budget_fen: p.budget_fen,
        max_price_fen: p.max_price_fen,
        price_weight_pct: p.price_weight_pct,
        tie_rule: p.tie_rule.clone(),
        grade_use: p.grade_use.clone(),
        city_division: p.city_division.clone(),
        min_grade: p.min_grade.clone(),
        need_inspection: p.need_inspection,
        min_bids: p.min_bids,
        requirements: p.requirements.clone(),
        criteria: criteria
            .into_iter()
            .map(|k| DocCriterion {
                name: k.name,
                max_centi: k.max_centi,
                guidance: k.guidance,
            })
            .collect(),
        amendments: amendments
            .into_iter()
            .filter(|a| a.round == p.round)
            .map(|a| DocAmendment {
                id: a.id,
                published_at: a.published_at,
                body: a.body,
                affects: a.affects,
                deadline_before: a.deadline_before,
                deadline_after: a.deadline_after,
            })
            .collect(),
        attachments: files
            .into_iter()
            .map(|f| DocFile {
                id: f.id,
                name: f.name,
                description: f.description,
                content_type: f.content_type,
                size_bytes: f.size_bytes,
                sha256: f.sha256,
                version: f.version,
            })
            .collect(),
        qual_docs: crate::db::qual_docs::of_project(c, p.id)
            .await?
            .into_iter()
            .map(|r| {
                let (code, name) = match &r {
                    Requirement::Listed(d) => (Some(d.code().to_string()), None),
                    Requirement::Added(n) => (None, Some(n.clone())),
                };
                DocQualDoc {
                    key: r.key(),
                    code,
                    name,
                }
            })
            .collect(),
    };
    let text = content.to_json();
    let sha256 = rules::sha256_hex(&text);
    let amendment_id = content.change.amendment;
    let id = docs::insert(
        c,
        &NewVersion {
            project: p.id,
            round: p.round,
            version,
            doc_no: &doc_no,
            content: &text,
            sha256: &sha256,
            published_at: at,
            change_kind: &content.change.kind,
            amendment_id,
            by,
        },
    )
    .await?;
    Ok(Version {
        id,
        round: p.round,
        version,
        doc_no,
        sha256,
        published_at: at,
        change_kind: content.change.kind,
        amendment_id,
    })
}

/// The current version of the published round, freezing version 1 first for a project
/// published before versions existed.
pub async fn current(c: &mut Conn, p: &Project, at: i64) -> AppResult<i64> {
    match docs::latest(c, p.id).await? {
        Some(v) if v.round == p.round => Ok(v.version),
        _ => Ok(snapshot(c, p.id, Change::Published, None, at)
            .await?
            .version),
    }
}

/// One version as its pages show it: the row, the content, the exact text its SHA-256
/// covers and the marks against the version before it in the same round.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub v: Version,
    pub d: DocContent,
    #[serde(skip)]
    pub text: String,
    pub marks: Marks,
}

/// Version `n` of the project, if published.
pub async fn shown(c: &mut Conn, project: i64, n: i64) -> AppResult<Option<Shown>> {
    let Some((v, text)) = docs::content(c, project, n).await? else {
        return Ok(None);
    };
    let d = DocContent::parse(&text)
        .ok_or_else(|| AppError::Internal(format!("documents {} unreadable", v.doc_no)))?;
    let prev = match n > 1 {
        true => docs::content(c, project, n - 1)
            .await?
            .filter(|(pv, _)| pv.round == v.round)
            .and_then(|(_, t)| DocContent::parse(&t)),
        false => None,
    };
    let marks = rules::marks(prev.as_ref(), &d);
    Ok(Some(Shown { v, d, text, marks }))
}

/// A file the purchaser attaches: already stored under its digest.
pub struct Attached<'a> {
    pub sha256: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
}

impl Procurement<'_> {
    /// Attaches a file to the published documents before the deadline: the next version,
    /// announced to everyone who obtained the documents. A refusal writes nothing.
    pub async fn attach_document_file(
        &self,
        id: i64,
        file: &Attached<'_>,
        user: UserId,
    ) -> AppResult<Result<Version, Refused>> {
        let mut tx = self.db.begin_write().await?;
        let p = store::lock(&mut tx, id, self.db.for_update())
            .await?
            .ok_or(AppError::NotFound)?;
        let now = self.clock.now_ms();
        let open = p.status == crate::domain::project::Status::Published
            && p.deadline_at.is_some_and(|d| now < d);
        if !open {
            drop(tx);
            return Ok(Err((p, "err-docfile-closed")));
        }
        let before = current(&mut tx, &p, now).await?;
        // A file added to the documents modifies them (87号令 art. 27): like an amendment that
        // affects bid preparation, it keeps the method's margin before the deadline, moving
        // the deadline when less is left.
        let deadline_before = p.deadline_at.unwrap_or(now);
        let cal = self.calendars.exact(&mut tx).await?;
        let deadline_after =
            crate::platform::clock::to_ms(crate::domain::procurement::deadline_after_amendment(
                &cal,
                Self::method(&p)?,
                crate::platform::clock::from_ms(deadline_before),
                crate::platform::clock::from_ms(now),
                true,
            ));
        if deadline_after != deadline_before {
            store::set_deadline(&mut tx, p.id, deadline_after, now).await?;
            store::add_event(
                &mut tx,
                p.id,
                p.round,
                "documents_file_deadline",
                &json!({ "deadline_before": deadline_before, "deadline_after": deadline_after }),
                Some(user.0),
                now,
            )
            .await?;
        }
        docs::add_file(
            &mut tx,
            &NewFile {
                project: p.id,
                round: p.round,
                version: before + 1,
                sha256: file.sha256,
                name: file.name,
                description: file.description,
                content_type: file.content_type,
                size_bytes: file.size_bytes,
                at: now,
                by: user.0,
            },
        )
        .await?;
        let v = snapshot(
            &mut tx,
            p.id,
            Change::Attachment {
                description: file.description,
            },
            Some(user.0),
            now,
        )
        .await?;
        self.audit(
            &mut tx,
            Actor::User(user),
            "project.documents_file_added",
            ("project", p.id),
            json!({ "version": v.version, "sha256": file.sha256, "size": file.size_bytes }),
        )
        .await?;
        // Everyone who obtained the documents is told, one mail each, as with an amendment.
        for (_, u) in qa::obtained_by(&mut tx, p.id, p.round).await? {
            self.mail(
                &mut tx,
                u,
                json!({ "event": "documents_file", "title": p.title, "number": p.number,
                        "file": file.description, "doc_no": v.doc_no,
                        "moved": deadline_after != deadline_before,
                        "deadline": crate::procurement::shanghai_time(deadline_after),
                        "link": format!("projects/{}", p.number) }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(v))
    }
}

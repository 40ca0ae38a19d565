//! Qualification documents (issue 21 item 3): the documents a project requires (its list,
//! frozen at publication), the check of a bid's files against it before sealing, and, after
//! the opening, each opened bid's documents for the qualification check. Which file is which
//! document is inside the sealed content, so nothing about it shows before the opening; the
//! files themselves are read through `reading`, which records every read.

use super::sealing::BidFile;
use super::Procurement;
use crate::db::projects::Project;
use crate::db::{bid_reads, bids, qual_docs as store, Conn};
use crate::domain::qualdocs::{missing, Requirement};
use crate::platform::error::AppResult;
use serde::Serialize;
use std::collections::HashMap;

/// One required document of an opened bid: the file it attached, or none (missing).
#[derive(Debug, Clone, Serialize)]
pub struct DocLine {
    pub requirement: Requirement,
    pub file: Option<BidFile>,
}

/// A bid's files against the required documents, in the project's order.
pub fn lines(required: &[Requirement], files: &[BidFile]) -> Vec<DocLine> {
    required
        .iter()
        .map(|r| DocLine {
            requirement: r.clone(),
            file: files
                .iter()
                .find(|f| f.requirement.as_deref() == Some(r.key().as_str()))
                .cloned(),
        })
        .collect()
}

impl Procurement<'_> {
    /// The documents the project requires of its bidders, in its order.
    pub async fn required_docs(&self, c: &mut Conn, p: &Project) -> AppResult<Vec<Requirement>> {
        Ok(store::of_project(c, p.id).await?)
    }

    /// The required documents a bid in `envelope` whose files name `attached` lacks. Only the
    /// responses carry them: a consultation's final quote is a price.
    pub async fn missing_docs<'k>(
        &self,
        c: &mut Conn,
        p: &Project,
        envelope: &str,
        attached: impl IntoIterator<Item = &'k str>,
    ) -> AppResult<Vec<Requirement>> {
        if envelope != "initial" {
            return Ok(Vec::new());
        }
        let required = self.required_docs(c, p).await?;
        Ok(missing(&required, attached).into_iter().cloned().collect())
    }

    /// For the qualification check: each of `opened` (bids of `p`) with its required documents.
    /// A bid not opened is left out: its content stays sealed. Listing names and digests is
    /// not recorded as a read (it would record every page view); opening a file is, through
    /// the reading route its link goes to.
    pub async fn opened_bid_docs(
        &self,
        c: &mut Conn,
        p: &Project,
        opened: &[i64],
    ) -> AppResult<HashMap<i64, Vec<DocLine>>> {
        let required = self.required_docs(c, p).await?;
        let mut out = HashMap::new();
        for id in opened {
            let Some(b) = bids::by_id(c, *id).await?.filter(|b| b.project_id == p.id) else {
                continue;
            };
            if !bid_reads::opened(c, b.id).await? {
                continue;
            }
            // One bid that does not open (a retired key, an altered row) leaves its documents
            // unlisted ("—") and is logged; the rest of the procedure's page still works, and
            // the bid's own reading route reports the fault.
            let content =
                match self
                    .sealer
                    .open_bid(p.id, b.round, b.org_id, &b.envelope, &b.sealed)
                {
                    Ok(content) => content,
                    Err(e) => {
                        log::error!(
                            "bid {} does not open for the qualification listing: {e}",
                            b.id
                        );
                        continue;
                    }
                };
            out.insert(b.id, lines(&required, &content.files));
        }
        Ok(out)
    }
}

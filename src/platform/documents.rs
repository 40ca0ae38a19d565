//! Notices as official documents (issue 21 item 6): each notice the system prints carries its
//! document number (文号), its issue date and its issuing body with the body's contact. A
//! decision made from now on gets its number in the transaction that makes it (a complaint
//! decision); a notice issued before numbers existed, or one whose issue is a state reached
//! by the registry's and the evaluation's own steps, gets the next number of its kind and
//! year when it is first printed, dated its own issue date. Either way the number never
//! changes afterwards (the register is append-only).

use crate::db::documents::{self, IssuerRef};
use crate::domain::docnum::{DocKind, DocNumber};
use crate::platform::app::AppState;
use crate::platform::error::AppResult;
use serde::Serialize;

pub use crate::db::documents::Issuer;

/// What the notice template prints at its head and foot.
#[derive(Debug, Clone, Serialize)]
pub struct Official {
    pub number: String,
    pub issued_on: String,
    pub issuer: Issuer,
}

/// The notice's number (given now if it has none) and its issuer's name and contact.
/// `fallback` names the issuer when its row is missing (an issuing body not yet set up).
pub async fn official(
    state: &AppState,
    kind: DocKind,
    subject: i64,
    prefix: &str,
    issued_on: &str,
    who: IssuerRef,
    fallback: Issuer,
) -> AppResult<Official> {
    let (found, issuer) = {
        let mut c = state.db.acquire().await?;
        (
            documents::find(&mut c, kind, subject).await?,
            documents::issuer(&mut c, who).await?,
        )
    };
    let DocNumber { number, issued_on } = match found {
        Some(n) => n,
        None => {
            let mut tx = state.db.begin_write().await?;
            let n = documents::assign(
                &mut tx,
                kind,
                subject,
                prefix,
                issued_on,
                state.clock.now_ms(),
            )
            .await?;
            tx.commit().await?;
            n
        }
    };
    Ok(Official {
        number,
        issued_on,
        issuer: issuer.unwrap_or(fallback),
    })
}

/// The Beijing calendar day (`YYYY-MM-DD`) of an instant, the issue date of a notice dated by
/// the moment it was sent.
pub fn day_of(ms: i64) -> String {
    use crate::domain::calendar::{iso_date, shanghai_date};
    iso_date(shanghai_date(crate::platform::clock::from_ms(ms)))
}

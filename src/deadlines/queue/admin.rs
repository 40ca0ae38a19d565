//! The administrator's work: mail that could not be delivered (to look at the address and
//! send it again from `/admin/mail`), and the working-day tables the statutory clocks count
//! on that are not loaded (this year's, and next year's once the State Council publishes it
//! in November).

use super::Push;
use crate::db::Conn;
use crate::deadlines::store::queue as store;
use crate::domain::calendar::Calendar;
use time::Date;

/// The years whose working-day table must be loaded by `today`: this year, and from November
/// the next one too.
pub fn calendar_years_due(today: Date) -> (i32, i32) {
    let last = if u8::from(today.month()) >= 11 {
        today.year() + 1
    } else {
        today.year()
    };
    (today.year(), last)
}

pub(super) async fn admin(
    c: &mut Conn,
    cal: &Calendar,
    p: &mut Push<'_>,
) -> Result<(), sqlx::Error> {
    let failed = store::failed_mail(c).await?;
    for (id, to, subject) in p.capped("queue-mail-failed", "/admin/mail", failed) {
        p.add(
            "queue-mail-failed",
            id,
            format!("{to} · {subject}"),
            None,
            format!("/admin/mail#mail-{id}"),
        );
    }
    let (from, to) = calendar_years_due(p.today);
    for year in cal.missing_years(from, to) {
        p.add(
            "queue-calendar-missing",
            i64::from(year),
            year.to_string(),
            None,
            format!("/admin/calendar?year={year}#load"),
        );
    }
    Ok(())
}

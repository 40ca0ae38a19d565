//! Figures that are costly to compute at a nation's scale, kept (issue 26): the public
//! statistics (`opendata::figures`) and the home page's counts. Each key's value is kept with
//! the data version and Beijing day it was computed at and the instant it is of. A visitor gets
//! the kept value while the data and the day are unchanged; after a change, a value that was
//! quick to compute (`inline`) is computed again while the visitor waits, and a slow one is
//! redone in the background (at most one computation at a time, and at most once per ten times
//! the last computation's duration) while the visitor gets the value kept, with its instant.

use crate::db::Db;
use crate::domain::calendar::{iso_date, shanghai_date};
use crate::platform::clock::Clock;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A value with what it is of.
#[derive(Debug)]
pub struct Snapshot<V> {
    pub value: V,
    /// The data version it was computed at.
    pub version: i64,
    /// Beijing's day it was computed on.
    pub today: String,
    /// When it was computed (epoch ms).
    pub as_of_ms: i64,
    /// How long the computation took.
    pub took: Duration,
}

/// What computes a key's value: the database, the key and Beijing's day.
pub type Compute<K, V> =
    fn(Db, K, String) -> Pin<Box<dyn Future<Output = Result<V, sqlx::Error>> + Send>>;

struct Slot<V> {
    snap: Option<Arc<Snapshot<V>>>,
    refreshing: bool,
}

impl<V> Default for Slot<V> {
    fn default() -> Self {
        Slot {
            snap: None,
            refreshing: false,
        }
    }
}

/// Kept values per key, computed by `compute`.
pub struct Kept<K, V> {
    slots: Mutex<HashMap<K, Slot<V>>>,
    /// One computation at a time: a burst of first visits waits for one, not many.
    computing: tokio::sync::Mutex<()>,
    compute: Compute<K, V>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What to do with the kept value.
#[derive(Debug, PartialEq, Eq)]
enum Use {
    /// Current: serve it.
    Serve,
    /// Out of date and slow to compute: serve it, and compute again in the background.
    ServeAndRefresh,
    /// Out of date but not yet due again (or already being computed): serve it.
    ServeStale,
    /// None kept, or quick to compute: compute now.
    Compute,
}

/// The rule, pure: the kept value's version, day, instant and duration (`None`: none kept),
/// whether a background computation runs, against the data `version`, `today` and `now_ms`.
fn decide(
    kept: Option<(i64, &str, i64, Duration)>,
    refreshing: bool,
    version: i64,
    today: &str,
    now_ms: i64,
    inline: Duration,
) -> Use {
    let Some((v, day, as_of_ms, took)) = kept else {
        return Use::Compute;
    };
    if v == version && day == today {
        return Use::Serve;
    }
    if took <= inline {
        return Use::Compute;
    }
    let due = as_of_ms
        .saturating_add(i64::try_from(took.as_millis().saturating_mul(10)).unwrap_or(i64::MAX));
    if refreshing || now_ms < due {
        Use::ServeStale
    } else {
        Use::ServeAndRefresh
    }
}

/// What a computation needs, owned (a background one outlives the request).
#[derive(Clone)]
pub struct Source {
    pub db: Db,
    pub clock: Clock,
    pub version: i64,
}

impl Source {
    fn today(&self) -> String {
        iso_date(shanghai_date(self.clock.now()))
    }
}

impl<K, V> Kept<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    pub fn new(compute: Compute<K, V>) -> Self {
        Kept {
            slots: Mutex::default(),
            computing: tokio::sync::Mutex::new(()),
            compute,
        }
    }

    /// The value of `key` to show now.
    pub async fn get(
        self: &Arc<Self>,
        src: Source,
        key: K,
        inline: Duration,
    ) -> Result<Arc<Snapshot<V>>, sqlx::Error> {
        let today = src.today();
        let now_ms = src.clock.now_ms();
        {
            let mut slots = lock(&self.slots);
            let slot = slots.entry(key.clone()).or_default();
            let snap = slot.snap.clone();
            let kept = snap
                .as_deref()
                .map(|s| (s.version, s.today.as_str(), s.as_of_ms, s.took));
            match decide(kept, slot.refreshing, src.version, &today, now_ms, inline) {
                Use::Serve | Use::ServeStale => {
                    if let Some(s) = snap {
                        return Ok(s);
                    }
                }
                Use::ServeAndRefresh => {
                    slot.refreshing = true;
                    let me = self.clone();
                    let (src, key) = (src.clone(), key.clone());
                    tokio::spawn(async move {
                        if let Err(e) = me.compute(&src, key.clone()).await {
                            log::warn!("computing kept figures again failed: {e}");
                        }
                        lock(&me.slots).entry(key).or_default().refreshing = false;
                    });
                    if let Some(s) = snap {
                        return Ok(s);
                    }
                }
                Use::Compute => {}
            }
        }
        self.compute(&src, key).await
    }

    /// Computes the value of `key` (one computation at a time; if another finished the same
    /// value while this one waited, that one is used) and keeps it.
    pub async fn compute(&self, src: &Source, key: K) -> Result<Arc<Snapshot<V>>, sqlx::Error> {
        let _one = self.computing.lock().await;
        let today = src.today();
        if let Some(s) = lock(&self.slots).get(&key).and_then(|s| s.snap.clone()) {
            if s.version == src.version && s.today == today {
                return Ok(s);
            }
        }
        let started = Instant::now();
        let value = (self.compute)(src.db.clone(), key.clone(), today.clone()).await?;
        let snap = Arc::new(Snapshot {
            value,
            version: src.version,
            today,
            as_of_ms: src.clock.now_ms(),
            took: started.elapsed(),
        });
        lock(&self.slots).entry(key).or_default().snap = Some(snap.clone());
        Ok(snap)
    }
}

/// The value of `key` of `kept` to show now, against the application's current data version
/// and its `figures_inline_ms`.
pub async fn current<K, V>(
    state: &crate::platform::app::AppState,
    kept: &Arc<Kept<K, V>>,
    key: K,
) -> crate::platform::error::AppResult<Arc<Snapshot<V>>>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    let src = Source {
        db: state.db.clone(),
        clock: state.clock.clone(),
        version: state.page_cache.version(&state.db).await?,
    };
    let inline = Duration::from_millis(state.config.figures_inline_ms);
    Ok(kept.get(src, key, inline).await?)
}

/// At lift-off, computes `key` of the kept values `pick` chooses from the application state in
/// the background, so that the first visitor does not wait for it.
pub fn warm_up<K, V>(
    name: &'static str,
    pick: fn(&crate::platform::app::AppState) -> Arc<Kept<K, V>>,
    key: K,
) -> rocket::fairing::AdHoc
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    rocket::fairing::AdHoc::on_liftoff(name, move |rocket| {
        Box::pin(async move {
            let Some(state) = rocket.state::<crate::platform::app::AppState>() else {
                return;
            };
            let kept = pick(state);
            let db = state.db.clone();
            let clock = state.clock.clone();
            tokio::spawn(async move {
                let version = match db.acquire().await {
                    Ok(mut c) => crate::db::audit::data_version(&mut c).await,
                    Err(e) => Err(e),
                };
                let done = match version {
                    Ok(version) => kept
                        .compute(&Source { db, clock, version }, key)
                        .await
                        .map(|_| ()),
                    Err(e) => Err(e),
                };
                if let Err(e) = done {
                    log::warn!("{name}: computing them at start-up failed: {e}");
                }
            });
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INLINE: Duration = Duration::from_millis(250);
    const DAY: &str = "2026-12-06";

    fn kept(version: i64, day: &str, took_ms: u64) -> Option<(i64, &str, i64, Duration)> {
        Some((version, day, 0, Duration::from_millis(took_ms)))
    }

    #[test]
    fn a_kept_value_is_served_while_the_data_and_the_day_are_unchanged() {
        assert_eq!(
            decide(kept(7, DAY, 9000), false, 7, DAY, 1, INLINE),
            Use::Serve
        );
        assert_eq!(decide(None, false, 7, DAY, 1, INLINE), Use::Compute);
    }

    #[test]
    fn quick_values_are_computed_again_at_once_and_slow_ones_in_the_background() {
        // At the inline limit: computed while the visitor waits; a millisecond over: not.
        assert_eq!(
            decide(kept(7, DAY, 250), false, 8, DAY, 1, INLINE),
            Use::Compute
        );
        let slow = kept(7, DAY, 251);
        // Due again after ten times its duration: 2,510 ms.
        assert_eq!(decide(slow, false, 8, DAY, 2509, INLINE), Use::ServeStale);
        assert_eq!(
            decide(slow, false, 8, DAY, 2510, INLINE),
            Use::ServeAndRefresh
        );
        // Never two background computations of the same value.
        assert_eq!(decide(slow, true, 8, DAY, 9999, INLINE), Use::ServeStale);
        // A new day is a change too (grades in force, counts of what is in force).
        assert_eq!(
            decide(slow, false, 7, "2026-12-07", 2510, INLINE),
            Use::ServeAndRefresh
        );
        assert_eq!(
            decide(kept(7, DAY, 250), false, 7, "2026-12-07", 1, INLINE),
            Use::Compute
        );
    }
}

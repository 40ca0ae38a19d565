//! The city's timelines run side by side in time order. Each project, the evaluation rounds,
//! the annual reports and the admin's mail are a flow of their own; a flow waits for the
//! instant of its next step (`City::at`, `City::when`), and the step whose instant is
//! earliest runs next, alone, with the clock set to it. So the services write the history in
//! the order it happened: the audit chain's times never go back along its order, and the
//! order is the same on every run (ties go to the flow that asked first).
//!
//! One flow runs at a time: a flow that waits hands over; when every flow waits (or is done),
//! the earliest wait is granted. A flow that asks for an instant before the one it stands at
//! goes on at its own (it cannot act in the past).

use crate::platform::clock::{from_ms, Clock};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

/// A flow: its steps, awaited in turn.
pub(crate) type Flow<'a, E> = Pin<Box<dyn Future<Output = Result<(), E>> + Send + 'a>>;

#[derive(Default)]
pub(crate) struct Timeline {
    inner: Mutex<Sched>,
}

#[derive(Default)]
struct Sched {
    /// Flows running (not waiting, not done).
    active: usize,
    next: u64,
    /// The waits by (instant, ticket): the earliest is granted next.
    waiting: BTreeMap<(i64, u64), Option<Waker>>,
    /// The ticket allowed to go on.
    granted: Option<u64>,
}

impl Sched {
    /// Grants the earliest wait when no flow runs: the clock moves to its instant.
    fn grant(&mut self, clock: &Clock) {
        if self.active > 0 || self.granted.is_some() {
            return;
        }
        let Some(((at, ticket), waker)) = self.waiting.pop_first() else {
            return;
        };
        clock.set(from_ms(at));
        self.granted = Some(ticket);
        self.active += 1;
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl Timeline {
    fn lock(&self) -> std::sync::MutexGuard<'_, Sched> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs the flows side by side (each first waits for `start`, which may lie before the
    /// clock: no flow's first step is earlier), in time order; the first error, once every
    /// flow has ended.
    pub async fn run<'a, E>(
        &self,
        clock: &Clock,
        start: i64,
        flows: Vec<Flow<'a, E>>,
    ) -> Result<(), E> {
        self.lock().active = flows.len();
        let all = flows.into_iter().map(|f| async move {
            Wait {
                timeline: self,
                clock,
                at: start,
                ticket: None,
                first: true,
            }
            .await;
            let r = f.await;
            let mut s = self.lock();
            s.active -= 1;
            s.grant(clock);
            r
        });
        rocket::futures::future::join_all(all)
            .await
            .into_iter()
            .collect::<Result<Vec<()>, E>>()
            .map(|_| ())
    }

    /// Waits until every step before `at` ran; then the clock stands at `at` (or where the
    /// flow stood, if later).
    pub fn wait<'a>(&'a self, clock: &'a Clock, at: i64) -> Wait<'a> {
        Wait {
            timeline: self,
            clock,
            at,
            ticket: None,
            first: false,
        }
    }
}

pub(crate) struct Wait<'a> {
    timeline: &'a Timeline,
    clock: &'a Clock,
    at: i64,
    ticket: Option<u64>,
    /// A flow's first wait, before it stands anywhere.
    first: bool,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut s = this.timeline.lock();
        let ticket = match this.ticket {
            Some(t) => t,
            None => {
                let t = s.next;
                s.next += 1;
                this.ticket = Some(t);
                // Not before where this flow stands (the clock it was granted).
                let at = if this.first {
                    this.at
                } else {
                    this.at.max(this.clock.now_ms())
                };
                s.waiting.insert((at, t), Some(cx.waker().clone()));
                s.active -= 1;
                s.grant(this.clock);
                t
            }
        };
        if s.granted == Some(ticket) {
            s.granted = None;
            return Poll::Ready(());
        }
        for ((_, t), w) in s.waiting.iter_mut() {
            if *t == ticket {
                *w = Some(cx.waker().clone());
            }
        }
        Poll::Pending
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::Timeline;
    use crate::platform::clock::{from_ms, Clock};
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Mutex;

    #[tokio::test]
    async fn flows_interleave_in_time_order() {
        let clock = Clock::fixed(from_ms(0));
        let t = Timeline::default();
        let log = Mutex::new(Vec::new());
        let flow = |steps: Vec<i64>, name: &'static str| {
            let (t, clock, log) = (&t, &clock, &log);
            Box::pin(async move {
                for at in steps {
                    t.wait(clock, at).await;
                    tokio::task::yield_now().await;
                    log.lock().unwrap().push((clock.now_ms(), name));
                }
                Ok::<(), ()>(())
            }) as Pin<Box<dyn Future<Output = Result<(), ()>> + Send + '_>>
        };
        let flows = vec![
            flow(vec![10, 40, 30], "a"),
            flow(vec![20, 25], "b"),
            flow(vec![5, 50], "c"),
        ];
        t.run(&clock, 1, flows).await.unwrap();
        let log = log.into_inner().unwrap();
        assert_eq!(
            log,
            vec![
                (5, "c"),
                (10, "a"),
                (20, "b"),
                (25, "b"),
                (40, "a"),
                // "a" asked for 30 after 40: it goes on where it stands.
                (40, "a"),
                (50, "c"),
            ]
        );
    }
}

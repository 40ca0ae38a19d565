//! Where the draws the law asks for take their seed (a panel of experts from the library,
//! a tie in the ranking): the operating system's generator in production; a fixed sequence
//! for the demo's city, so its history (who sat on which panel, and so every score and
//! award after) comes out the same on every run. The seed drawn is recorded with the draw
//! either way, so any draw can be re-done from its record.

use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Default)]
pub struct Draws {
    /// The sequence's state (splitmix64); `None` draws from the operating system.
    seeded: Option<Arc<Mutex<u64>>>,
}

impl Draws {
    /// The operating system's generator.
    pub fn os() -> Draws {
        Draws { seeded: None }
    }

    /// A fixed sequence from `seed`: the same draws in the same order on every run.
    pub fn seeded(seed: u64) -> Draws {
        Draws {
            seeded: Some(Arc::new(Mutex::new(seed))),
        }
    }

    /// The next draw's seed.
    pub fn next_seed(&self) -> u64 {
        match &self.seeded {
            None => rand::RngCore::next_u64(&mut rand::rngs::OsRng),
            Some(m) => {
                let mut s = m.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let mut rng = crate::platform::scale::Rng(*s);
                let v = rng.next();
                *s = rng.0;
                v
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Draws;

    #[test]
    fn a_seeded_sequence_repeats_and_the_system_one_does_not() {
        let (a, b) = (Draws::seeded(7), Draws::seeded(7));
        let xs: Vec<u64> = (0..5).map(|_| a.next_seed()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_seed()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs[0], xs[1]);
        // A clone goes on with the same sequence (each service holds one): the next draw.
        let c = a.clone();
        assert_eq!(c.next_seed(), b.next_seed());
        assert_eq!(a.next_seed(), b.next_seed());
        let os = Draws::os();
        assert_ne!(os.next_seed(), os.next_seed());
    }
}

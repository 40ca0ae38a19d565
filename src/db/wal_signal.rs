//! Whether anything has been committed to a SQLite database (in WAL mode) since an earlier
//! look, without a query: the header of its wal-index, the `-shm` file every connection maps.
//! The header (layout in <https://www.sqlite.org/walformat.html>, "The WAL-Index Header",
//! version 3007000 since SQLite 3.7.0) holds a counter incremented by every write transaction
//! (`iChange`), the last frame of the log and the log's salts; each commit rewrites it, in two
//! copies (second first), before the commit returns. So two reads of the same file with equal
//! headers mean no commit in between, from this process or any other, and a page cached at a
//! version read in between is still current.
//!
//! Two cases where equal headers would prove nothing are excluded:
//! - a header SQLite has just rebuilt (a new or reset file) always reads the same, with a
//!   counter of 0, whatever the data: such a header gives no mark (`Look::Rebuilt`; the page
//!   cache then commits one small write, after which looks give marks again);
//! - a file SQLite deleted (it does when the last connection to the database closes) and made
//!   again: each opening of the file is a new generation, part of the mark.
//!
//! Anything unexpected (no file, another version, copies that differ because a commit is
//! writing them right now) gives no mark either, and the caller asks the database instead.
//!
//! SQLite locks this file with POSIX advisory locks, which a process loses on the whole file
//! when it closes *any* descriptor of it. So a descriptor of the file in use is never closed:
//! one is replaced only once its file is deleted, and a signal dropped while its file is still
//! in place leaves its descriptor open.

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const HEADER: usize = 48;
const WALINDEX_VERSION: u32 = 3_007_000;

/// The wal-index header as last written (48 bytes: version .. checksum), and which opening of
/// the file it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    generation: u64,
    header: [u8; HEADER],
}

/// What a look at the header found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// A header that proves no commit happened while it stays the same.
    Mark(Mark),
    /// A header SQLite rebuilt and nothing has been committed since: the same whatever the
    /// data. One commit (of anything) makes the next look a mark.
    Rebuilt,
    /// No file, another format, or a commit writing the header right now.
    Unknown,
}

#[derive(Debug)]
struct Kept {
    file: File,
    generation: u64,
    /// Found deleted after a read: the next look opens the file again.
    deleted: AtomicBool,
}

#[derive(Debug, Default)]
struct Open {
    kept: Option<Arc<Kept>>,
    openings: u64,
}

#[derive(Debug)]
pub struct WalSignal {
    shm: PathBuf,
    open: Mutex<Open>,
}

impl WalSignal {
    /// The signal of the database at `url`, if it is a SQLite file.
    pub fn for_url(url: &str) -> Option<WalSignal> {
        let db = super::sqlite_file(url)?;
        let mut shm = db.into_os_string();
        shm.push("-shm");
        Some(WalSignal {
            shm: PathBuf::from(shm),
            open: Mutex::default(),
        })
    }

    /// The current header, if it can be read whole and proves something.
    pub fn mark(&self) -> Option<Mark> {
        match self.look() {
            Look::Mark(m) => Some(m),
            _ => None,
        }
    }

    /// What the header says now.
    pub fn look(&self) -> Look {
        self.read().unwrap_or(Look::Unknown)
    }

    fn read(&self) -> Option<Look> {
        let kept = self.current()?;
        let mut both = [0u8; 2 * HEADER];
        read_at(&kept.file, &mut both)?;
        // Checked after reading: what was read came from the file in use (a deleted file is
        // never put back).
        if !linked(&kept.file)? {
            kept.deleted.store(true, Ordering::SeqCst);
            return None;
        }
        let (first, second) = both.split_at(HEADER);
        let word = |at: usize| -> Option<u32> {
            Some(u32::from_ne_bytes(first.get(at..at + 4)?.try_into().ok()?))
        };
        let version = word(0)?;
        let changes = word(8)?;
        let initialised = first.get(12) == Some(&1);
        if first != second || version != WALINDEX_VERSION || !initialised {
            return None;
        }
        if changes == 0 {
            return Some(Look::Rebuilt);
        }
        Some(Look::Mark(Mark {
            generation: kept.generation,
            header: first.try_into().ok()?,
        }))
    }

    /// The file as kept, opened now if it is not open yet or was found deleted.
    fn current(&self) -> Option<Arc<Kept>> {
        let mut open = self.open.lock().ok()?;
        if let Some(kept) = &open.kept {
            if !kept.deleted.load(Ordering::SeqCst) {
                return Some(kept.clone());
            }
        }
        // Dropping the old descriptor is safe: its file is deleted, no connection uses it.
        open.kept = None;
        let file = File::open(&self.shm).ok()?;
        open.openings += 1;
        let kept = Arc::new(Kept {
            file,
            generation: open.openings,
            deleted: AtomicBool::new(false),
        });
        open.kept = Some(kept.clone());
        Some(kept)
    }
}

impl Drop for WalSignal {
    fn drop(&mut self) {
        let kept = self.open.get_mut().ok().and_then(|o| o.kept.take());
        if let Some(Ok(kept)) = kept.map(Arc::try_unwrap) {
            if linked(&kept.file) != Some(false) {
                // Closing it would release this process's SQLite locks on the file.
                std::mem::forget(kept);
            }
        }
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8]) -> Option<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, 0).ok()
}

#[cfg(unix)]
fn linked(file: &File) -> Option<bool> {
    use std::os::unix::fs::MetadataExt;
    Some(file.metadata().ok()?.nlink() > 0)
}

#[cfg(not(unix))]
fn read_at(_file: &File, _buf: &mut [u8]) -> Option<()> {
    None
}

#[cfg(not(unix))]
fn linked(_file: &File) -> Option<bool> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sqlite_files_have_a_signal() {
        let s = WalSignal::for_url("sqlite://data/huoban.sqlite3?mode=rwc");
        assert_eq!(
            s.map(|s| s.shm.clone()),
            Some(PathBuf::from("data/huoban.sqlite3-shm"))
        );
        assert!(WalSignal::for_url("sqlite:file:x?mode=memory&cache=shared").is_none());
        assert!(WalSignal::for_url("postgres://u@h/db").is_none());
    }
}

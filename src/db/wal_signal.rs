//! Whether anything has been committed to a SQLite database (in WAL mode) since an earlier
//! look, without a query: the header of its wal-index, the `-shm` file every connection maps.
//! The header (layout in <https://www.sqlite.org/walformat.html>, "The WAL-Index Header",
//! version 3007000 since SQLite 3.7.0) holds a counter incremented by every write transaction,
//! the last frame of the log and the log's salts; each commit rewrites it, in two copies (second
//! first), before the commit returns. So two reads with equal headers mean no commit in between,
//! from this process or any other, and a page cached at a version read in between is still
//! current. Anything unexpected (no file, another version, copies that differ because a commit
//! is writing them right now) gives no mark, and the caller asks the database instead.

use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The wal-index header as last written (48 bytes: version .. checksum).
pub type Mark = [u8; 48];

const HEADER: usize = 48;
const WALINDEX_VERSION: u32 = 3_007_000;

#[derive(Debug)]
pub struct WalSignal {
    shm: PathBuf,
    /// The file as last opened; reopened when SQLite has deleted it.
    open: Mutex<Option<Arc<File>>>,
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

    /// The current header, if it can be read whole.
    pub fn mark(&self) -> Option<Mark> {
        let mut both = [0u8; 2 * HEADER];
        let kept = self.open.lock().ok()?.clone();
        let read = kept.and_then(|f| read_live(&f, &mut both));
        if read.is_none() {
            // Not open yet, or SQLite deleted the file (it does when the last connection to the
            // database closes) and may have made a new one.
            let file = Arc::new(File::open(&self.shm).ok()?);
            *self.open.lock().ok()? = Some(file.clone());
            read_live(&file, &mut both)?;
        }
        let (first, second) = both.split_at(HEADER);
        let version = u32::from_ne_bytes(first.get(0..4)?.try_into().ok()?);
        let initialised = first.get(12) == Some(&1);
        (first == second && version == WALINDEX_VERSION && initialised)
            .then(|| first.try_into().ok())
            .flatten()
    }
}

/// Reads the start of `file` if it is still the file SQLite uses: checked after reading, so
/// what was read came from a file that was in place (a deleted file is never put back).
#[cfg(unix)]
fn read_live(file: &File, buf: &mut [u8]) -> Option<()> {
    use std::os::unix::fs::{FileExt, MetadataExt};
    file.read_exact_at(buf, 0).ok()?;
    (file.metadata().ok()?.nlink() > 0).then_some(())
}

#[cfg(not(unix))]
fn read_live(_file: &File, _buf: &mut [u8]) -> Option<()> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sqlite_files_have_a_signal() {
        let s = WalSignal::for_url("sqlite://data/huoban.sqlite3?mode=rwc");
        assert_eq!(
            s.map(|s| s.shm),
            Some(PathBuf::from("data/huoban.sqlite3-shm"))
        );
        assert!(WalSignal::for_url("sqlite:file:x?mode=memory&cache=shared").is_none());
        assert!(WalSignal::for_url("postgres://u@h/db").is_none());
    }
}

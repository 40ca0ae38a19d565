//! Files the service writes are private to the service user: the process runs under umask 077
//! (set first thing in `main`), and what is created explicitly is created 0700 (folders) or 0600
//! (files), so a different umask in a test or an embedding program does not widen them.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Clears the group and other bits of every file and folder this process creates from now on
/// (the database, its WAL, backups, uploads, the heads file). Unix only; a no-op elsewhere.
pub fn restrict_umask() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// `create_dir_all` with mode 0700 for every folder it creates.
pub fn create_dir_private(path: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path)
}

fn private(o: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// A new file, mode 0600; fails if it exists.
pub fn create_new_private(path: &Path) -> io::Result<File> {
    private(OpenOptions::new().write(true).create_new(true)).open(path)
}

/// A file opened for appending, created with mode 0600 if missing.
pub fn open_append_private(path: &Path) -> io::Result<File> {
    private(OpenOptions::new().create(true).append(true)).open(path)
}

/// Narrows an existing file or folder to the service user (0600 for files, 0700 for folders).
pub fn make_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if path.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

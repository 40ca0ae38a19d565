//! The `huoban` binary: parses the command line and hands over to the library.

use clap::Parser;

/// mimalloc instead of the system allocator: allocation and freeing were a tenth of the CPU a
/// cached public page costs with glibc's (perf, `bench/portal.sh`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[rocket::main]
async fn main() {
    // Before anything is created: the data folder, the database and its WAL, backups, uploads
    // and the heads file are the service user's alone.
    huoban::platform::files::restrict_umask();
    let cli = huoban::platform::cli::Cli::parse();
    if let Err(e) = huoban::platform::cli::run(cli).await {
        eprintln!("huoban: {e}");
        std::process::exit(1);
    }
}

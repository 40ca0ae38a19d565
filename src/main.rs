//! The `huoban` binary: parses the command line and hands over to the library.

use clap::Parser;

#[rocket::main]
async fn main() {
    let cli = huoban::cli::Cli::parse();
    if let Err(e) = huoban::cli::run(cli).await {
        eprintln!("huoban: {e}");
        std::process::exit(1);
    }
}

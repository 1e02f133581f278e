//! `liangxin serve`: the workbench in a browser (the `liangxin-server` crate), on the pack
//! library given or the bundled packs.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pack library: a folder of packs, edited through the workbench and kept as a git
    /// repository (made one if it is not; a new or empty folder gets a copy of the bundled
    /// packs). Without it the bundled packs are served read-only.
    #[arg(long)]
    pub library: Option<PathBuf>,
    /// The address to listen on. Other than a loopback address only when the library has
    /// accounts (`liangxin user add`).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
}

pub fn run(args: Args) -> Exit {
    let config = liangxin_server::Config {
        read_only: args.library.is_none(),
        library: args.library.unwrap_or_else(super::packs::policies_dir),
        addr: args.addr,
        ..liangxin_server::Config::default()
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the server: {e}");
            return Exit::Usage;
        }
    };
    match runtime.block_on(liangxin_server::serve(config)) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Usage
        }
    }
}

//! `liangxin serve`: the workbench in a browser (the `liangxin-server` crate), on the pack
//! library given or the bundled packs.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pack library: a folder of packs, only read (default: the bundled packs).
    #[arg(long)]
    pub library: Option<PathBuf>,
    /// The address to listen on; only loopback addresses until sign-in is built.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
}

pub fn run(args: Args) -> Exit {
    let config = liangxin_server::Config {
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

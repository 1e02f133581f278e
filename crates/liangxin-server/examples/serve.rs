//! Starts the workbench: `cargo run -p liangxin-server --example serve -- [--library DIR]
//! [--addr 127.0.0.1:8080]`. (The `liangxin serve` subcommand comes with the workspace split.)

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let mut config = liangxin_server::Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--library", Some(dir)) => config.library = dir.into(),
            ("--addr", Some(addr)) => match addr.parse() {
                Ok(addr) => config.addr = addr,
                Err(e) => {
                    eprintln!("error: --addr {addr}: {e}");
                    return ExitCode::from(2);
                }
            },
            _ => {
                eprintln!("usage: serve [--library DIR] [--addr 127.0.0.1:8080]");
                return ExitCode::from(2);
            }
        }
    }
    match liangxin_server::serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

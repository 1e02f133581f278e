//! `liangxin list`: the bundled packs.

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use liangxin::{FsLoader, prepare_at};

use super::{Exit, packs};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Exit {
    let dirs = match packs::bundled() {
        Ok(d) => d,
        Err(e) => {
            eprintln!(
                "error: cannot list bundled packs in {}: {e}",
                packs::policies_dir().display()
            );
            return Exit::Usage;
        }
    };
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header(["pack", "名称 name", "地区 region", "subject", "version"]);
    let mut exit = Exit::Ok;
    // As `eval` reads them by default: dated params and relative dates need a day.
    let today = super::date::today();
    for dir in dirs {
        let id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match prepare_at(&FsLoader, &dir, Some(&today)) {
            Ok(p) => {
                let m = &p.policy.policy.meta;
                table.add_row([
                    id,
                    m.name.clone(),
                    m.region.clone(),
                    m.subject.to_string(),
                    m.version.clone(),
                ]);
            }
            Err(_) => {
                exit = Exit::Findings;
                table.add_row([
                    id,
                    "(invalid: run `liangxin check`)".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
        }
    }
    say!("{table}");
    exit
}

//! `liangxin user add|remove|passwd|list`: the accounts of a library's workbench. Passwords are
//! read from the terminal without echo (twice, to catch a typo), or as one line from standard
//! input when it is not a terminal (for scripts); never from the command line, where they would
//! stay in the shell's history.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use liangxin_server::accounts::{Accounts, Role, accounts_path};

use super::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
    /// The pack library whose workbench the accounts are for (they are kept in its
    /// `.liangxin/users.json`, outside the packs' history).
    #[arg(long, global = true, default_value = ".")]
    pub library: PathBuf,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Add an account; its password is asked for.
    Add {
        /// The sign-in name (letters of any script, digits, `-`, `_`, `.`).
        name: String,
        /// viewer (查看: read, evaluate, compare), editor (修订: also edit and restore packs) or
        /// admin (管理: also accounts).
        #[arg(long, default_value = "viewer")]
        role: Role,
    },
    /// Remove an account.
    Remove {
        /// The account's name.
        name: String,
    },
    /// Set an account's password; the new one is asked for.
    Passwd {
        /// The account's name.
        name: String,
    },
    /// List the accounts and their roles.
    List,
}

fn password(name: &str) -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("{name} 的密码 / password: "))
            .map_err(|e| e.to_string())?;
        let again =
            rpassword::prompt_password("再输入一次 / again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords differ / 两次输入的密码不同".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    }
}

pub fn run(args: Args) -> Exit {
    let path = accounts_path(&args.library);
    let mut accounts = match Accounts::read(&path) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let done = match &args.action {
        Action::List => {
            for a in &accounts.users {
                println!("{}\t{:?}\t{}", a.name, a.role, a.role.zh());
            }
            return Exit::Ok;
        }
        Action::Add { name, role } => password(name)
            .and_then(|p| accounts.add(name, *role, &p).map_err(|e| e.to_string()))
            .map(|()| format!("added {name} ({role:?}) / 已添加账号")),
        Action::Remove { name } => accounts
            .remove(name)
            .map_err(|e| e.to_string())
            .map(|()| format!("removed {name} / 已删除账号")),
        Action::Passwd { name } => password(name)
            .and_then(|p| accounts.set_password(name, &p).map_err(|e| e.to_string()))
            .map(|()| format!("password of {name} changed / 已修改密码")),
    };
    match done.and_then(|msg| {
        accounts
            .write(&path)
            .map(|()| msg)
            .map_err(|e| e.to_string())
    }) {
        Ok(msg) => {
            eprintln!("{msg} ({})", path.display());
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Usage
        }
    }
}

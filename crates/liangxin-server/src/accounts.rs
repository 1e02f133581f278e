//! Accounts: who may sign in and with which role. Kept in `<library>/.liangxin/users.json`
//! (outside the packs' history: the folder is excluded from the library's git repository),
//! passwords hashed with Argon2id and never stored or logged in clear.

use std::path::{Path, PathBuf};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde::{Deserialize, Serialize};

/// What an account may do. Each role may do everything the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read packs, evaluate, compare, see history.
    Viewer,
    /// Also edit packs and restore versions.
    Editor,
    /// Also manage accounts.
    Admin,
}

impl Role {
    /// The role in Chinese, as pages show it.
    pub fn zh(self) -> &'static str {
        match self {
            Role::Viewer => "查看",
            Role::Editor => "修订",
            Role::Admin => "管理",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "viewer" | "查看" => Ok(Role::Viewer),
            "editor" | "修订" => Ok(Role::Editor),
            "admin" | "管理" => Ok(Role::Admin),
            _ => Err(format!(
                "unknown role `{s}`: viewer (查看), editor (修订) or admin (管理)"
            )),
        }
    }
}

/// One account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// The sign-in name (also the author name of the commits it makes).
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The password's Argon2id hash in PHC form (`$argon2id$v=19$...`).
    pub hash: String,
}

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The accounts file could not be read or written.
    #[error("cannot read or write the accounts file {0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// The accounts file is not what this program writes.
    #[error("the accounts file {0} cannot be read: {1}")]
    Corrupt(PathBuf, String),
    /// A name that cannot be an account name.
    #[error(
        "`{0}` cannot be an account name: 1 to 64 letters, digits, `-`, `_` or `.` (Chinese letters allowed)"
    )]
    BadName(String),
    /// The account exists already (add) or does not (remove, passwd).
    #[error("{0}")]
    Exists(String),
    /// A password shorter than 8 characters.
    #[error("a password needs at least 8 characters")]
    WeakPassword,
    /// Hashing failed (out of memory for Argon2's working memory).
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// The accounts of a library, as stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Accounts {
    /// Every account, in the order added.
    pub users: Vec<Account>,
}

/// Where a library keeps its accounts.
pub fn accounts_path(library: &Path) -> PathBuf {
    library.join(".liangxin").join("users.json")
}

impl Accounts {
    /// Reads the accounts file; a missing file is no accounts.
    ///
    /// # Errors
    /// When the file exists but cannot be read or parsed.
    pub fn read(path: &Path) -> Result<Accounts, AccountError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| AccountError::Corrupt(path.to_path_buf(), e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Accounts::default()),
            Err(e) => Err(AccountError::Io(path.to_path_buf(), e)),
        }
    }

    /// Writes the accounts file whole (a temporary file renamed over it, readable by its owner
    /// only), so a crash never leaves it half-written.
    ///
    /// # Errors
    /// When the folder or file cannot be written.
    pub fn write(&self, path: &Path) -> Result<(), AccountError> {
        let io = |e| AccountError::Io(path.to_path_buf(), e);
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| AccountError::Corrupt(path.to_path_buf(), e.to_string()))?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io)?;
        file.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }

    /// The account named `name`.
    pub fn find(&self, name: &str) -> Option<&Account> {
        self.users.iter().find(|a| a.name == name)
    }

    /// Adds an account.
    ///
    /// # Errors
    /// A bad or taken name, a short password.
    pub fn add(&mut self, name: &str, role: Role, password: &str) -> Result<(), AccountError> {
        if !valid_name(name) {
            return Err(AccountError::BadName(name.to_string()));
        }
        if self.find(name).is_some() {
            return Err(AccountError::Exists(format!(
                "an account named `{name}` exists already (liangxin user passwd to change its password)"
            )));
        }
        let hash = hash_password(password)?;
        self.users.push(Account {
            name: name.to_string(),
            role,
            hash,
        });
        Ok(())
    }

    /// Removes an account.
    ///
    /// # Errors
    /// No such account.
    pub fn remove(&mut self, name: &str) -> Result<(), AccountError> {
        let before = self.users.len();
        self.users.retain(|a| a.name != name);
        if self.users.len() == before {
            return Err(no_account(name));
        }
        Ok(())
    }

    /// Sets an account's password.
    ///
    /// # Errors
    /// No such account, a short password.
    pub fn set_password(&mut self, name: &str, password: &str) -> Result<(), AccountError> {
        let hash = hash_password(password)?;
        let account = self
            .users
            .iter_mut()
            .find(|a| a.name == name)
            .ok_or_else(|| no_account(name))?;
        account.hash = hash;
        Ok(())
    }

    /// The account if `password` is its password. Takes as long for an unknown name as for a
    /// known one (a hash is checked either way), so names cannot be probed by timing.
    pub fn verify(&self, name: &str, password: &str) -> Option<&Account> {
        let account = self.find(name);
        let hash = account.map_or(dummy_hash(), |a| a.hash.as_str());
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), hash)
            .is_ok();
        account.filter(|_| ok)
    }
}

fn no_account(name: &str) -> AccountError {
    AccountError::Exists(format!("there is no account named `{name}`"))
}

/// An Argon2id hash of a password nobody knows, checked when the name is unknown so that the
/// answer takes as long as for a known name.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut secret = [0u8; 32];
        // Without randomness the dummy is still a valid hash; its password stays unguessable
        // enough for its one purpose (it is never an account's).
        let _ = getrandom::fill(&mut secret);
        Argon2::default()
            .hash_password(&secret)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < 8 {
        return Err(AccountError::WeakPassword);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Whether `name` can be an account name: 1 to 64 letters (any script), digits, `-`, `_`, `.`.
pub fn valid_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=64).contains(&n)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_and_a_wrong_one_does_not() {
        let mut accounts = Accounts::default();
        accounts
            .add("王科长", Role::Editor, "correct horse")
            .unwrap();
        assert!(accounts.users[0].hash.starts_with("$argon2id$"));
        assert!(!accounts.users[0].hash.contains("correct horse"));
        assert_eq!(
            accounts.verify("王科长", "correct horse").map(|a| a.role),
            Some(Role::Editor)
        );
        assert!(accounts.verify("王科长", "wrong horse").is_none());
        assert!(accounts.verify("nobody", "correct horse").is_none());
        assert!(matches!(
            accounts.add("王科长", Role::Viewer, "another one"),
            Err(AccountError::Exists(_))
        ));
        assert!(matches!(
            accounts.add("a b", Role::Viewer, "another one"),
            Err(AccountError::BadName(_))
        ));
        assert!(matches!(
            accounts.add("li", Role::Viewer, "short"),
            Err(AccountError::WeakPassword)
        ));
        accounts.set_password("王科长", "new password").unwrap();
        assert!(accounts.verify("王科长", "correct horse").is_none());
        assert!(accounts.verify("王科长", "new password").is_some());
        accounts.remove("王科长").unwrap();
        assert!(accounts.remove("王科长").is_err());
    }
}

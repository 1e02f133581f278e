//! The audit log: every sign-in (and failed attempt), sign-out, save and restore, one JSON
//! object per line in `<library>/.liangxin/audit.log`, with the time in China (+08:00). An
//! action whose entry cannot be written is refused, so nothing changes unrecorded.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

/// The audit log of a library.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    // One writer at a time, so lines never interleave.
    lock: Mutex<()>,
}

/// One entry.
#[derive(Debug, Serialize)]
pub struct Entry<'a> {
    /// What happened: `sign-in`, `sign-in-failed`, `sign-out`, `save`, `restore`.
    pub action: &'a str,
    /// Who: the account name (for a failed sign-in, the name tried).
    pub user: &'a str,
    /// The pack concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pack: Option<&'a str>,
    /// The commit made, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<&'a str>,
    /// The message given, or more about what happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'a str>,
}

impl AuditLog {
    /// The audit log of the library at `library`.
    pub fn new(library: &Path) -> AuditLog {
        AuditLog {
            path: library.join(".liangxin").join("audit.log"),
            lock: Mutex::new(()),
        }
    }

    /// Appends an entry, stamped with the time in China.
    ///
    /// # Errors
    /// When the log cannot be written.
    pub fn record(&self, entry: &Entry<'_>) -> std::io::Result<()> {
        let time = jiff::tz::offset(8)
            .to_datetime(jiff::Timestamp::now())
            .strftime("%Y-%m-%dT%H:%M:%S+08:00")
            .to_string();
        let mut line = serde_json::json!({ "time": time });
        // A name typed at sign-in is at most 64 characters here, whatever was sent.
        let user: String = entry.user.chars().take(64).collect();
        let entry = &Entry {
            user: &user,
            ..*entry
        };
        if let (Some(object), Ok(serde_json::Value::Object(fields))) =
            (line.as_object_mut(), serde_json::to_value(entry))
        {
            object.extend(fields);
        }
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        // Readable by the workbench's own user only, like the accounts.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.path)?;
        writeln!(file, "{line}")
    }
}

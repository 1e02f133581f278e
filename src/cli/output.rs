//! Writing results: to stdout, or to a file that is either written whole or not at all.

use std::io::Write;
use std::path::Path;

/// Writes `text` to `path` atomically (a temporary file in the same folder, then a rename),
/// or to stdout when there is no path.
pub fn write(path: Option<&Path>, text: &str) -> std::io::Result<()> {
    let Some(path) = path else {
        let mut out = std::io::stdout().lock();
        return match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            // A closed pipe (`| head`) is not an error worth reporting.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        };
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::write(&temp, text).and_then(|_| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

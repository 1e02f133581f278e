//! The progress bar on stderr, for runs that take a while: only on a terminal, never with
//! `--quiet`, and only once the run has taken a second (a quick run prints nothing extra).
//!
//! One bar per process, held here, so the library can report through a plain function pointer
//! (`StreamOptions::progress`) without knowing about terminals.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

static QUIET: AtomicBool = AtomicBool::new(false);
static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// `--quiet`: no progress bar.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Starts the bar, hidden for its first second: over `total` bytes when the input's size is
/// known, else a spinner with the phase's message.
pub fn start(total: Option<u64>, message: &str) {
    if QUIET.load(Ordering::Relaxed) || !std::io::stderr().is_terminal() {
        return;
    }
    let bar = match total {
        Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
            .with_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()).with_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.set_message(message.to_owned());
    if let Ok(mut slot) = BAR.lock() {
        *slot = Some(bar);
    }
    // Shown once the run has taken a second.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(1));
        if let Ok(slot) = BAR.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
        }
    });
}

/// Bytes of the input read so far (the stream's `progress` hook).
pub fn bytes_read(done: u64) {
    if let Ok(slot) = BAR.lock()
        && let Some(bar) = slot.as_ref()
    {
        bar.set_position(done);
    }
}

/// What the run is doing now.
pub fn phase(message: String) {
    if let Ok(slot) = BAR.lock()
        && let Some(bar) = slot.as_ref()
    {
        bar.set_message(message);
    }
}

/// Removes the bar, leaving the terminal as it was.
pub fn finish() {
    if let Ok(mut slot) = BAR.lock()
        && let Some(bar) = slot.take()
    {
        bar.finish_and_clear();
    }
}

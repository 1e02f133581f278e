//! The liangxin workbench (两新测评工作台): the standards library, evaluation and a JSON API,
//! served over HTTP for policy staff working in a browser and for other systems.
//!
//! It serves (with sign-in when the library has accounts, else for the local user on a
//! loopback address only):
//!
//! - `GET /`: 标准库, the packs of the library folder;
//! - `GET /packs/{id}`: one pack as a readable document, built from the validated policy;
//! - `GET /evaluate` and `POST /evaluate`: upload a ledger (any format the CLI reads), pick a
//!   pack and an as-of date, and get the evaluation as the HTML report `eval --format html`
//!   writes;
//! - `GET /compare` and `POST /compare`: choose several packs of one subject, upload a ledger
//!   and get what `liangxin compare --format html` writes; without a ledger, the standards side
//!   by side by dimension;
//! - `GET /explain?record=ID`, `GET /evaluate/download?format=xlsx|csv|html`: a record of the
//!   session's current ledger explained, the evaluation as a file;
//! - `GET/POST /packs/{id}/edit` (+ `/check`, `/preview`): 修订, a form generated from the pack,
//!   checked as typed, previewed on the current ledger and the pack's cases, saved as a commit;
//! - `GET /packs/{id}/history`, `POST /packs/{id}/history/restore`: 历史, versions, their
//!   differences as text and outcomes, restore;
//! - `GET /archive` (档案) and `POST /archive/publish`: the session's evaluation published
//!   (editors), the publications, a record year over year (`/archive/record?id=`), moves
//!   between two periods (`/archive/moves`), an organization's stars (`/archive/org`),
//!   follow-ups with deadlines (`/archive/followups`) and the printable 公示
//!   (`/archive/notice`); see the `liangxin-archive` crate;
//! - `GET /packs/{id}/board?period=YYYY` (+ `/events`, `/roster`, `/entries`): 积分排行榜, a
//!   live leaderboard of a pack with an item catalog, pushed to open browsers as server-sent
//!   events; `GET /api/packs/{id}/board`, `POST /api/packs/{id}/entries`;
//! - `GET/POST /sign-in`, `POST /sign-out`, `POST /api/session`: sign-in;
//! - `/api/...`: JSON endpoints (list, check, evaluate, explain, compare, diff, session) and
//!   their OpenAPI document at `GET /api/openapi.json`.
//!
//! The server uses only the public API of the `liangxin` library: it is one more front end
//! over the same pipeline as the CLI.
//!
//! ```no_run
//! # async fn run() -> Result<(), liangxin_server::ServeError> {
//! let config = liangxin_server::Config::default();
//! liangxin_server::serve(config).await
//! # }
//! ```

pub mod accounts;
mod api;
mod archive;
mod audit;
mod board;
mod cache;
mod compare;
mod diff;
mod download;
mod edit;
mod errors;
mod history;
mod input;
mod library;
mod pages;
mod rejection;
mod repo;
mod session;
#[cfg(test)]
mod testing;
mod upload;
mod work;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use tokio::sync::Semaphore;

pub use library::default_library;
pub(crate) use work::blocking;

/// How the server is started.
#[derive(Debug, Clone)]
pub struct Config {
    /// The pack library: a folder of packs, each a folder with a `policy.yaml` (default: the
    /// bundled `policies/`, see [`default_library`]).
    pub library: PathBuf,
    /// Whether the library is only read (the bundled packs): no editing, no history. An
    /// editable library is a git repository, made one (filled with the bundled packs when
    /// empty) at start.
    pub read_only: bool,
    /// The address to listen on. Without accounts only a loopback address is accepted.
    pub addr: SocketAddr,
    /// The largest request body (an uploaded ledger, a JSON array of records), in bytes;
    /// larger requests get 413.
    pub body_limit: usize,
    /// How long one request may take; a request that takes longer gets 503.
    pub timeout: Duration,
    /// How many CPU-bound jobs (preparing a pack, reading a ledger, evaluating) run at once;
    /// the others wait for a slot, within their time limit (default: the number of cores).
    pub eval_slots: usize,
    /// How many prepared packs, by pack and as-of date, are kept between requests.
    pub pack_cache: usize,
    /// How often at most a kept pack's files are compared with what it was prepared from: a
    /// pack changed on disk by someone else is seen within this time.
    pub pack_recheck: Duration,
}

/// The default body limit: 64 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The default time limit per request: 60 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The default number of prepared packs kept: every bundled pack at several as-of dates.
pub const DEFAULT_PACK_CACHE: usize = 64;

/// The default recheck interval of a kept pack's files: one second.
pub const DEFAULT_PACK_RECHECK: Duration = Duration::from_secs(1);

/// The number of cores: one CPU-bound job per core runs at full speed.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

impl Default for Config {
    fn default() -> Config {
        Config {
            library: default_library(),
            read_only: true,
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit: DEFAULT_BODY_LIMIT,
            timeout: DEFAULT_TIMEOUT,
            eval_slots: cores(),
            pack_cache: DEFAULT_PACK_CACHE,
            pack_recheck: DEFAULT_PACK_RECHECK,
        }
    }
}

/// What the handlers share: the library, its history, the sessions, the limits, the prepared
/// packs and the slots for CPU-bound work.
#[derive(Debug)]
pub struct AppState {
    /// The pack library folder.
    pub library: PathBuf,
    /// The library's git repository; `None` when the library is read-only.
    repo: Option<repo::Repo>,
    /// One git operation at a time.
    repo_lock: tokio::sync::Mutex<()>,
    /// The accounts file when the library has accounts (sign-in required); `None`: the local
    /// user only.
    accounts: Option<PathBuf>,
    /// Whether the server listens on a loopback address (the `Host` header is then checked).
    loopback: bool,
    sessions: session::Sessions,
    /// The accounts as last read, and the file's modification time then.
    accounts_read: std::sync::Mutex<(Option<std::time::SystemTime>, accounts::Accounts)>,
    audit: audit::AuditLog,
    /// The largest request body, in bytes.
    pub body_limit: usize,
    /// The time limit per request.
    pub timeout: Duration,
    /// Prepared packs by pack and as-of date.
    packs: cache::PackCache,
    /// One permit per CPU-bound job allowed to run.
    slots: Arc<Semaphore>,
    /// The number of cores, asked once: the standard library asks the kernel (and on Linux reads
    /// the cgroup's files) every time, which costs more than evaluating one record.
    cores: usize,
    /// The live leaderboards opened so far.
    boards: board::Boards,
}

impl AppState {
    /// The state a [`Config`] describes: opens (or makes) the library's git repository unless
    /// the library is read-only, and reads whether it has accounts.
    ///
    /// # Errors
    /// When the library cannot be made a repository or its accounts file cannot be read.
    pub fn new(config: &Config) -> Result<AppState, ServeError> {
        let repo = if config.read_only {
            None
        } else {
            let seed = default_library();
            let seed = (seed != config.library && seed.is_dir()).then_some(seed);
            Some(
                repo::Repo::open_or_init(&config.library, seed.as_deref())
                    .map_err(|e| ServeError::Repo(config.library.clone(), e.to_string()))?,
            )
        };
        let accounts_file = accounts::accounts_path(&config.library);
        let accounts = accounts::Accounts::read(&accounts_file)
            .map_err(|e| ServeError::Repo(config.library.clone(), e.to_string()))?;
        Ok(AppState {
            library: config.library.clone(),
            repo,
            repo_lock: tokio::sync::Mutex::new(()),
            accounts: (!accounts.users.is_empty()).then_some(accounts_file),
            loopback: config.addr.ip().is_loopback(),
            sessions: session::Sessions::default(),
            accounts_read: std::sync::Mutex::new((None, accounts::Accounts::default())),
            audit: audit::AuditLog::new(&config.library),
            body_limit: config.body_limit,
            timeout: config.timeout,
            packs: cache::PackCache::new(config.pack_cache, config.pack_recheck),
            // At least one slot: with none, every request would wait until its time limit.
            slots: Arc::new(Semaphore::new(config.eval_slots.max(1))),
            cores: cores(),
            boards: board::Boards::default(),
        })
    }

    /// Whether packs can be edited (the library is a git repository, not the read-only
    /// bundled packs).
    pub fn editable(&self) -> bool {
        self.repo.is_some()
    }

    /// The account `name` as the accounts file says now (read again when the file changes, so
    /// `liangxin user remove|passwd` takes effect on the next request).
    pub(crate) fn account(&self, name: &str) -> Option<accounts::Account> {
        let path = self.accounts.as_ref()?;
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let mut read = self.accounts_read.lock().unwrap_or_else(|e| e.into_inner());
        if read.0.is_none() || read.0 != modified {
            // An unreadable file signs everyone out rather than keeping stale rights.
            let now = accounts::Accounts::read(path).unwrap_or_default();
            *read = (modified, now);
        }
        read.1.find(name).cloned()
    }

    /// A name typed at sign-in as the audit log records it: an account's name, or
    /// `(未知账号)` (what was typed may be a password typed in the wrong box).
    pub(crate) fn logged_name<'a>(&self, typed: &'a str) -> &'a str {
        if self.account(typed).is_some() {
            typed
        } else {
            "(未知账号 unknown name)"
        }
    }

    /// Whether sign-in is required (the library has accounts).
    pub fn signs_in(&self) -> bool {
        self.accounts.is_some()
    }

    /// Says that packs of the library were changed (saved or reverted through the server):
    /// every prepared pack is forgotten before this returns, so the next request reads the
    /// files again. Changes made on disk by others are seen without it, within the
    /// [`Config::pack_recheck`] interval.
    pub fn packs_changed(&self) {
        self.packs.clear();
    }
}

/// Why the server could not start or stopped.
#[derive(Debug)]
pub enum ServeError {
    /// The address is not a loopback address and the library has no accounts: without
    /// sign-in the server may not be reached from other machines.
    NotLoopback(SocketAddr),
    /// The library could not be made or opened as a git repository, or its accounts not read.
    Repo(PathBuf, String),
    /// The library folder cannot be read.
    Library(PathBuf, std::io::Error),
    /// The address cannot be bound (in use, not permitted).
    Bind(SocketAddr, std::io::Error),
    /// The server stopped on an I/O error.
    Io(std::io::Error),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::NotLoopback(addr) => write!(
                f,
                "refusing to listen on {addr}: the library has no accounts, so the workbench only \
                 listens on a loopback address (127.0.0.1 or ::1); add one with `liangxin user add \
                 NAME --role admin --library DIR` / 标准库尚无账号，只能在本机地址上运行；请先用 \
                 liangxin user add 添加账号"
            ),
            ServeError::Repo(path, e) => {
                write!(
                    f,
                    "cannot open the pack library {} for editing: {e}",
                    path.display()
                )
            }
            ServeError::Library(path, e) => {
                write!(f, "cannot read the pack library {}: {e}", path.display())
            }
            ServeError::Bind(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
            ServeError::Io(e) => write!(f, "the server stopped: {e}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// Starts the server and serves until the process ends. Refuses an address that is not a
/// loopback address when the library has no accounts, and a library folder that cannot be
/// read; prints the address once listening.
pub async fn serve(config: Config) -> Result<(), ServeError> {
    let state = AppState::new(&config)?;
    if !config.addr.ip().is_loopback() && !state.signs_in() {
        return Err(ServeError::NotLoopback(config.addr));
    }
    library::list(&config.library).map_err(|e| ServeError::Library(config.library.clone(), e))?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| ServeError::Bind(config.addr, e))?;
    let addr = listener.local_addr().map_err(ServeError::Io)?;
    println!(
        "liangxin 两新测评工作台: http://{addr}/  (packs from {}, {}{})",
        config.library.display(),
        if config.read_only {
            "read-only 只读"
        } else {
            "editable, a git repository 可修订"
        },
        if state.signs_in() {
            ", sign-in required 需登录"
        } else {
            ", local user, no sign-in 本机用户"
        }
    );
    axum::serve(listener, app(state))
        .await
        .map_err(ServeError::Io)
}

/// The application: every route, the body limit and the time limit. Tests call it in-process.
pub fn app(state: AppState) -> Router {
    app_on(Arc::new(state))
}

/// [`app`] on a state the caller keeps a handle of (to call [`AppState::packs_changed`], say).
pub fn app_on(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(pages::library))
        .route("/packs/{id}", get(pages::pack))
        .route("/evaluate", get(pages::evaluate_form).post(pages::evaluate))
        .route("/compare", get(compare::form).post(compare::page))
        .route("/evaluate/download", get(download::download))
        .route("/explain", get(pages::explain))
        .route("/sign-in", get(pages::sign_in_form).post(pages::sign_in))
        .route("/sign-out", post(pages::sign_out))
        .route("/packs/{id}/edit", get(edit::form).post(edit::save))
        .route("/packs/{id}/edit/check", post(edit::check))
        .route("/packs/{id}/edit/preview", post(edit::preview))
        .route("/packs/{id}/history", get(history::page))
        .route("/packs/{id}/history/restore", post(history::restore))
        .route("/archive", get(archive::index))
        .route("/archive/{id}", get(archive::publication))
        .route("/archive/record", get(archive::record))
        .route("/archive/org", get(archive::organization))
        .route("/archive/moves", get(archive::moves))
        .route("/archive/followups", get(archive::followups))
        .route("/archive/notice", get(archive::notice))
        .route("/archive/publish", post(archive::publish))
        .route("/packs/{id}/board", get(board::routes::page))
        .route("/packs/{id}/board/events", get(board::routes::events))
        .route("/packs/{id}/board/roster", post(board::routes::roster))
        .route(
            "/packs/{id}/board/entries",
            post(board::routes::entries_upload),
        )
        .route("/api/packs/{id}/board", get(board::routes::api_board))
        .route("/api/packs/{id}/entries", post(board::routes::api_entries))
        .route("/api/session", post(api::sign_in))
        .route("/schema/policy.schema.json", get(api::policy_schema))
        .route("/api/packs", get(api::packs))
        .route("/api/packs/{id}/check", post(api::check))
        .route("/api/packs/{id}/evaluate", post(api::evaluate))
        .route("/api/packs/{id}/explain", post(api::explain))
        .route("/api/compare", post(compare::api))
        .route("/api/diff", post(diff::api))
        .route("/api/openapi.json", get(api::openapi))
        .fallback(errors::not_found)
        .layer(DefaultBodyLimit::max(state.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            time_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rejection::in_our_words,
        ))
        .with_state(state)
}

/// Answers 503 when a request takes longer than the time limit.
async fn time_limit(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let api = errors::is_api(request.uri().path());
    match tokio::time::timeout(state.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => errors::Failure::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!(
                "请求超过时间限制（{} 秒）/ the request took longer than {} s",
                state.timeout.as_secs(),
                state.timeout.as_secs()
            ),
        )
        .respond(api),
    }
}

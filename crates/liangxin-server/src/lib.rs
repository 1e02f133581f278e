//! The liangxin workbench (两新测评工作台): the standards library, evaluation and a JSON API,
//! served over HTTP for policy staff working in a browser and for other systems.
//!
//! This first slice serves, on a loopback address only (sign-in is not built yet):
//!
//! - `GET /`: 标准库, the packs of the library folder;
//! - `GET /packs/{id}`: one pack as a readable document, built from the validated policy;
//! - `GET /evaluate` and `POST /evaluate`: upload a ledger (any format the CLI reads), pick a
//!   pack and an as-of date, and get the evaluation as the HTML report `eval --format html`
//!   writes;
//! - `GET /compare` and `POST /compare`: choose several packs of one subject, upload a ledger
//!   and get what `liangxin compare --format html` writes; without a ledger, the standards side
//!   by side by dimension;
//! - `/api/...`: JSON endpoints (list, check, evaluate, explain, compare, diff) and their
//!   OpenAPI document at `GET /api/openapi.json`.
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

mod api;
mod compare;
mod diff;
mod errors;
mod input;
mod library;
mod pages;
mod upload;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};

pub use library::default_library;

/// How the server is started.
#[derive(Debug, Clone)]
pub struct Config {
    /// The pack library: a folder of packs, each a folder with a `policy.yaml` (default: the
    /// bundled `policies/`, see [`default_library`]). It is only read, never written.
    pub library: PathBuf,
    /// The address to listen on. Only loopback addresses are accepted in this version.
    pub addr: SocketAddr,
    /// The largest request body (an uploaded ledger, a JSON array of records), in bytes;
    /// larger requests get 413.
    pub body_limit: usize,
    /// How long one request may take; a request that takes longer gets 503.
    pub timeout: Duration,
}

/// The default body limit: 64 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The default time limit per request: 60 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

impl Default for Config {
    fn default() -> Config {
        Config {
            library: default_library(),
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit: DEFAULT_BODY_LIMIT,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// What the handlers share: the library folder and the limits.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The pack library folder.
    pub library: PathBuf,
    /// The largest request body, in bytes.
    pub body_limit: usize,
    /// The time limit per request.
    pub timeout: Duration,
}

impl AppState {
    /// The state a [`Config`] describes.
    pub fn new(config: &Config) -> AppState {
        AppState {
            library: config.library.clone(),
            body_limit: config.body_limit,
            timeout: config.timeout,
        }
    }
}

/// Why the server could not start or stopped.
#[derive(Debug)]
pub enum ServeError {
    /// The address is not a loopback address: without sign-in the server may not be reached
    /// from other machines.
    NotLoopback(SocketAddr),
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
                "refusing to listen on {addr}: sign-in is not built yet, so the workbench only \
                 listens on a loopback address (127.0.0.1 or ::1) / 尚无登录功能，只能在本机地址上运行"
            ),
            ServeError::Library(path, e) => {
                write!(f, "cannot read the pack library {}: {e}", path.display())
            }
            ServeError::Bind(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
            ServeError::Io(e) => write!(f, "the server stopped: {e}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// Starts the server and serves until the process ends. Refuses any address that is not a
/// loopback address, and a library folder that cannot be read; prints the address once
/// listening.
pub async fn serve(config: Config) -> Result<(), ServeError> {
    if !config.addr.ip().is_loopback() {
        return Err(ServeError::NotLoopback(config.addr));
    }
    library::list(&config.library).map_err(|e| ServeError::Library(config.library.clone(), e))?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| ServeError::Bind(config.addr, e))?;
    let addr = listener.local_addr().map_err(ServeError::Io)?;
    println!(
        "liangxin 两新测评工作台: http://{addr}/  (packs from {})",
        config.library.display()
    );
    axum::serve(listener, app(AppState::new(&config)))
        .await
        .map_err(ServeError::Io)
}

/// The application: every route, the body limit and the time limit. Tests call it in-process.
pub fn app(state: AppState) -> Router {
    let state = Arc::new(state);
    Router::new()
        .route("/", get(pages::library))
        .route("/packs/{id}", get(pages::pack))
        .route("/evaluate", get(pages::evaluate_form).post(pages::evaluate))
        .route("/compare", get(compare::form).post(compare::page))
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
            time_limit,
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

/// Runs CPU-bound work (reading a ledger, evaluating) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, errors::Failure> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        errors::Failure::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("内部错误 / internal error: {e}"),
        )
    })
}

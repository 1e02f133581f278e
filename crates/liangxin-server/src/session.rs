//! Who is asking: sessions, sign-in, roles and the checks every request passes.
//!
//! - **Without accounts** (no `users.json` in the library) the workbench runs for one person on
//!   a loopback address: everyone who reaches it is the local user, with every right.
//! - **With accounts** every page and endpoint but the sign-in ones needs a signed-in session.
//!
//! Either way: a session is a random 256-bit token in an `HttpOnly; SameSite=Lax` cookie (Lax,
//! so a link from an e-mail or a chat keeps the person signed in; a POST from another site
//! carries no cookie),
//! kept in memory (a restart signs everyone out); every state-changing request carries the
//! session's CSRF token (a form's `_csrf` field or the `x-csrf-token` header); a request whose
//! `Origin` is another site is refused; on a loopback address a `Host` other than a loopback
//! name is refused (DNS rebinding).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;
use crate::accounts::Role;
use crate::errors::{Failure, is_api};

/// The session cookie's name.
pub const COOKIE: &str = "liangxin_session";

/// A session is forgotten after this long without a request.
const IDLE: Duration = Duration::from_secs(8 * 60 * 60);

/// The sessions' current ledgers together are kept under this many bytes (see
/// [`Sessions::set_ledger`]).
pub const LEDGER_BUDGET: usize = 512 * 1024 * 1024;

/// At most this many sessions without a signed-in user are kept.
const MAX_ANONYMOUS: usize = 5_000;

/// At most this many sessions are kept; beyond it the least recently used go first.
const MAX_SESSIONS: usize = 10_000;

/// A signed-in person (or the local user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The account name; the author of the commits this person makes.
    pub name: String,
    /// What this person may do.
    pub role: Role,
    /// The account's password hash when signing in: a session ends when the account is
    /// removed or its password changed.
    pub hash: String,
}

/// The ledger last evaluated in a session: what the edit preview and history compare on.
#[derive(Debug)]
pub struct CurrentLedger {
    /// The file name as uploaded (cleaned).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// The pack it was evaluated under.
    pub pack: String,
    /// The as-of date it was evaluated at.
    pub as_of: String,
    /// The field its report was grouped by, if any.
    pub group_by: Option<String>,
    /// The library's version it was evaluated under ([`crate::library::version`]).
    pub library_version: u64,
    /// The entry ledger summed into it (the ledger is then the roster), if one was uploaded.
    pub entries: Option<Arc<UploadedEntries>>,
}

impl CurrentLedger {
    /// The bytes it holds: the ledger's and its entries'.
    pub fn size(&self) -> usize {
        self.bytes.len() + self.entries.as_ref().map_or(0, |e| e.bytes.len())
    }
}

/// An entry ledger uploaded with a roster, and the period its entries are summed over.
#[derive(Debug)]
pub struct UploadedEntries {
    /// The file name as uploaded (cleaned).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// The period, as the form gave it: a year, or two dates.
    pub period: liangxin::entries::Period,
}

#[derive(Debug, Clone)]
struct Session {
    user: Option<User>,
    csrf: String,
    last: Instant,
    ledger: Option<Arc<CurrentLedger>>,
}

/// The sessions of the running server.
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    /// Failed sign-ins by name: how many, since when.
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new session (for `user`, or anonymous), its token.
    fn create(&self, user: Option<User>) -> Result<(String, Session), Failure> {
        let session = Session {
            user,
            csrf: token()?,
            last: Instant::now(),
            ledger: None,
        };
        let id = token()?;
        let signed_in = session.user.is_some();
        let mut map = self.lock();
        let now = Instant::now();
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| now.duration_since(s.last) < IDLE);
        }
        // Anonymous sessions (anyone can make them) never push out a signed-in one: past the
        // limit the least recently used tenth of the anonymous ones go.
        let anonymous = map.values().filter(|s| s.user.is_none()).count();
        if anonymous >= MAX_ANONYMOUS || map.len() >= MAX_SESSIONS {
            let mut ages: Vec<(Instant, String)> = map
                .iter()
                .filter(|(_, s)| s.user.is_none() || (signed_in && map.len() >= MAX_SESSIONS))
                .map(|(k, s)| (s.last, k.clone()))
                .collect();
            ages.sort();
            for (_, k) in ages.into_iter().take(MAX_ANONYMOUS / 10) {
                map.remove(&k);
            }
        }
        map.insert(id.clone(), session.clone());
        Ok((id, session))
    }

    fn touch(&self, id: &str) -> Option<Session> {
        let mut map = self.lock();
        let now = Instant::now();
        match map.get_mut(id) {
            Some(s) if now.duration_since(s.last) < IDLE => {
                s.last = now;
                Some(s.clone())
            }
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        }
    }

    fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    /// The CSRF token of the session `id`.
    pub fn csrf(&self, id: &str) -> Option<String> {
        self.lock().get(id).map(|s| s.csrf.clone())
    }

    /// Keeps `ledger` as the session's current ledger. The current ledgers of all sessions
    /// together are kept under [`LEDGER_BUDGET`] bytes: past it, the least recently used
    /// sessions' ledgers are let go (their next preview asks for an upload again).
    pub fn set_ledger(&self, id: &str, ledger: CurrentLedger) {
        self.set_ledger_within(id, ledger, LEDGER_BUDGET);
    }

    fn set_ledger_within(&self, id: &str, ledger: CurrentLedger, budget: usize) {
        let mut map = self.lock();
        if let Some(s) = map.get_mut(id) {
            s.ledger = Some(Arc::new(ledger));
        }
        let mut held: Vec<(Instant, String, usize)> = map
            .iter()
            .filter_map(|(k, s)| s.ledger.as_ref().map(|l| (s.last, k.clone(), l.size())))
            .collect();
        let mut total: usize = held.iter().map(|h| h.2).sum();
        held.sort();
        for (_, key, size) in held {
            if total <= budget {
                break;
            }
            if key != id
                && let Some(s) = map.get_mut(&key)
            {
                s.ledger = None;
                total -= size;
            }
        }
    }
}

/// A random 256-bit token in hex.
fn token() -> Result<String, Failure> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "random",
            format!("无法生成会话 / no randomness for a session: {e}"),
        )
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares two tokens in time independent of where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The request's session as handlers see it.
#[derive(Debug, Clone)]
pub struct Current {
    /// The session's token (empty for an API request without a session).
    pub session: String,
    /// Who is asking: the signed-in user, the local user, or nobody.
    pub user: Option<User>,
    /// The token state-changing requests must carry.
    pub csrf: String,
    /// The session's current ledger, if one was evaluated.
    pub ledger: Option<Arc<CurrentLedger>>,
    /// The `x-csrf-token` header, for programs and scripts (forms send `_csrf`).
    pub csrf_header: Option<String>,
}

impl Current {
    /// Refuses a state-changing request without this session's CSRF token.
    ///
    /// # Errors
    /// 403 when the token is missing or another session's.
    pub fn check_csrf(&self, given: Option<&str>) -> Result<(), Failure> {
        match given.or(self.csrf_header.as_deref()) {
            Some(t) if !self.csrf.is_empty() && same_token(t, &self.csrf) => Ok(()),
            _ => Err(Failure::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "请求缺少有效的表单令牌，请刷新页面后重试 / the request lacks this session's CSRF token; reload the page and try again",
            )),
        }
    }

    /// The user, if their role is at least `role`.
    ///
    /// # Errors
    /// 403 naming the role needed.
    pub fn require(&self, role: Role) -> Result<&User, Failure> {
        match &self.user {
            Some(u) if u.role >= role => Ok(u),
            Some(u) => Err(Failure::new(
                StatusCode::FORBIDDEN,
                "role",
                format!(
                    "账号 {} 的权限为「{}」，此操作需要「{}」权限 / the account {} may not do this: it needs the {:?} role",
                    u.name,
                    u.role.zh(),
                    role.zh(),
                    u.name,
                    role
                ),
            )),
            None => Err(Failure::new(
                StatusCode::UNAUTHORIZED,
                "sign_in",
                "请先登录 / sign in first",
            )),
        }
    }
}

/// The session cookie's value in the request, if any.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == COOKIE).then(|| v.to_string())
        })
}

/// The `Set-Cookie` header for a session token.
pub fn set_cookie(id: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Paths open without signing in.
fn public(path: &str) -> bool {
    matches!(path, "/sign-in" | "/api/session" | "/api/openapi.json")
}

/// Whether a `Host` header names this machine: a loopback name or address, any port.
fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The authority (`host:port`) of an `Origin` header's URL.
fn origin_authority(origin: &str) -> &str {
    origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/')
}

/// The guard every request passes: host and origin checks, the session, sign-in.
pub async fn guard(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let api = is_api(&path);
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    if state.loopback
        && let Some(host) = &host
        && !loopback_host(host)
    {
        return Failure::new(
            StatusCode::FORBIDDEN,
            "host",
            format!("本工作台只在本机访问，不接受主机名 {host} / the workbench answers to loopback host names only"),
        )
        .respond(api);
    }
    let changes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if changes
        && let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok())
        && host.as_deref() != Some(origin_authority(origin))
    {
        return Failure::new(
            StatusCode::FORBIDDEN,
            "origin",
            "拒绝来自其他网站的请求 / a request from another site is refused",
        )
        .respond(api);
    }
    let found = cookie(headers).and_then(|id| state.sessions.touch(&id).map(|s| (id, s)));
    let mut new_cookie = None;
    let (id, session) = match found {
        Some(found) => (found.0, Some(found.1)),
        // Pages get a session at once, so their forms carry a CSRF token; the API's hot path
        // (one record evaluated per request) makes none.
        None if !api || path == "/api/session" => match state.sessions.create(None) {
            Ok((id, s)) => {
                new_cookie = Some(id.clone());
                (id, Some(s))
            }
            Err(f) => return f.respond(api),
        },
        None => (String::new(), None),
    };
    let user = match &state.accounts {
        None => Some(User {
            name: "本机用户".into(),
            role: Role::Admin,
            hash: String::new(),
        }),
        // The account as it is now: removed, or with a new password, ends the session; a new
        // role applies at once.
        Some(_) => session.as_ref().and_then(|s| s.user.clone()).and_then(|u| {
            let now = state.account(&u.name)?;
            (now.hash == u.hash).then_some(User {
                role: now.role,
                ..u
            })
        }),
    };
    if user.is_none() && !public(&path) {
        let mut response = if api {
            Failure::new(
                StatusCode::UNAUTHORIZED,
                "sign_in",
                "请先登录：POST /api/session / sign in first: POST /api/session",
            )
            .respond(true)
        } else {
            let next = request
                .uri()
                .path_and_query()
                .map_or("/".to_string(), |p| p.to_string());
            Redirect::to(&format!("/sign-in?next={}", encode(&next))).into_response()
        };
        if let Some(id) = &new_cookie {
            response
                .headers_mut()
                .insert(header::SET_COOKIE, set_cookie(id));
        }
        return response;
    }
    let csrf_header = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    request.extensions_mut().insert(Current {
        csrf_header,
        session: id,
        user,
        csrf: session.as_ref().map(|s| s.csrf.clone()).unwrap_or_default(),
        ledger: session.and_then(|s| s.ledger),
    });
    let mut response = next.run(request).await;
    if let Some(id) = new_cookie
        && !response.headers().contains_key(header::SET_COOKIE)
    {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, set_cookie(&id));
    }
    response
}

/// Percent-encodes a path for a query value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Signs `name` in with `password`: a new session (the old one is dropped, so a token seen
/// before sign-in is worthless after), its token; `None` for a wrong name or password.
pub fn sign_in(
    state: &AppState,
    old: &str,
    name: &str,
    password: &str,
) -> Result<Option<String>, Failure> {
    let Some(path) = &state.accounts else {
        return Ok(None);
    };
    if state.sessions.locked(name) {
        return Err(Failure::new(
            StatusCode::TOO_MANY_REQUESTS,
            "locked",
            format!(
                "账号 {name} 连续登录失败 {MAX_FAILURES} 次，请 15 分钟后再试 / too many failed sign-ins for this name: try again in 15 minutes"
            ),
        ));
    }
    let accounts = crate::accounts::Accounts::read(path)
        .map_err(|e| Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "accounts", e.to_string()))?;
    let Some(account) = accounts.verify(name, password) else {
        state.sessions.failed(name);
        return Ok(None);
    };
    let (id, _) = state.sessions.create(Some(User {
        name: account.name.clone(),
        role: account.role,
        hash: account.hash.clone(),
    }))?;
    state.sessions.remove(old);
    Ok(Some(id))
}

/// Failed sign-ins of one name within [`LOCKOUT`] that lock it for the rest of that time.
pub const MAX_FAILURES: u32 = 5;

/// How long failed sign-ins are counted, and a locked name stays locked.
const LOCKOUT: Duration = Duration::from_secs(15 * 60);

impl Sessions {
    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `name` has failed to sign in [`MAX_FAILURES`] times within [`LOCKOUT`].
    fn locked(&self, name: &str) -> bool {
        self.failures()
            .get(name)
            .is_some_and(|(n, first)| *n >= MAX_FAILURES && first.elapsed() < LOCKOUT)
    }

    fn failed(&self, name: &str) {
        let mut failures = self.failures();
        if failures.len() > 10_000 {
            failures.retain(|_, (_, first)| first.elapsed() < LOCKOUT);
        }
        let entry = failures
            .entry(name.chars().take(64).collect())
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= LOCKOUT {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }
}

/// Ends a session.
pub fn sign_out(state: &AppState, id: &str) {
    state.sessions.remove(id);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_least_recently_used_ledgers_go_first_past_the_budget() {
        use super::{CurrentLedger, Sessions};
        let sessions = Sessions::default();
        let ids: Vec<String> = (0..3).map(|_| sessions.create(None).unwrap().0).collect();
        let ledger = || CurrentLedger {
            name: "l.csv".into(),
            bytes: vec![0; 100],
            pack: "p".into(),
            as_of: "2024-06-30".into(),
            group_by: None,
            library_version: 0,
            entries: None,
        };
        for id in &ids {
            std::thread::sleep(std::time::Duration::from_millis(2));
            sessions.touch(id);
            sessions.set_ledger_within(id, ledger(), 250);
        }
        let kept: Vec<bool> = ids
            .iter()
            .map(|id| sessions.touch(id).unwrap().ledger.is_some())
            .collect();
        assert_eq!(kept, [false, true, true]);
    }

    #[test]
    fn hosts_and_origins() {
        use super::{loopback_host, origin_authority};
        for ok in [
            "127.0.0.1:8080",
            "localhost:1",
            "[::1]:80",
            "localhost",
            "127.0.0.2",
        ] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in ["evil.example:8080", "10.0.0.1", "127.0.0.1.evil.example"] {
            assert!(!loopback_host(bad), "{bad}");
        }
        assert_eq!(origin_authority("http://127.0.0.1:8080"), "127.0.0.1:8080");
    }
}

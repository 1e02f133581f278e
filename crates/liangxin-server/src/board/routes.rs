//! The board's routes: the page, its events, the roster and entry uploads, and the JSON API.
//!
//! Viewers watch; editors upload a roster and add entries. A form carries the session's CSRF
//! token; a JSON request with a session carries it in `x-csrf-token` (without a session, on
//! the local user's loopback workbench, a JSON body is what a page of another site cannot
//! send: that needs a CORS preflight this server never grants).

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use futures_util::stream::{self, Stream};
use liangxin::entries::{EntryError, Period, entry_schema};
use liangxin::{Ledger, Prepared, RecordError};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::live::{Accepted, Board, Conflict, RECEIVED, no_catalog};
use super::{Held, MAX_WATCHERS, Slot, Store, page};
use crate::accounts::Role;
use crate::errors::{ApiFailure, Failure, PageFailure};
use crate::session::Current;
use crate::{AppState, audit, blocking, library, upload};

/// `?period=2024`: the year the board counts (default: this year in China).
#[derive(Debug, Deserialize)]
pub struct PeriodQuery {
    pub period: Option<String>,
}

/// A pack of the library, a year, and the board's slot.
struct Target {
    pack: String,
    dir: PathBuf,
    year: String,
    slot: Arc<Slot>,
}

fn this_year() -> String {
    library::today().chars().take(4).collect()
}

/// The year asked for: four digits, from 2000 to next year (a board per year ever asked for
/// would let anyone fill the memory).
fn year(given: Option<&str>) -> Result<String, Failure> {
    let now: u32 = this_year().parse().unwrap_or(2000);
    let given = given.map(str::trim).filter(|y| !y.is_empty());
    let year = given.map_or_else(this_year, |y| y.trim_end_matches('年').to_owned());
    match year.parse::<u32>() {
        Ok(y) if year.len() == 4 && (2000..=now + 1).contains(&y) => Ok(year),
        _ => Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "period",
            format!(
                "排行榜按年度设立，年度应为 2000 至 {} 之间的四位数字 / the period `{year}` is not a year from 2000 to {}",
                now + 1,
                now + 1
            ),
        )),
    }
}

fn target(
    state: &AppState,
    pack: &str,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Target, Failure> {
    let Query(q) =
        query.map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "query", e.body_text()))?;
    let dir = library::find(state, pack)?;
    let year = year(q.period.as_deref())?;
    let store = state
        .editable()
        .then(|| Store::new(&state.library, pack, &year));
    let slot = state.boards.slot(pack, &year, store);
    Ok(Target {
        pack: pack.to_owned(),
        dir,
        year,
        slot,
    })
}

/// The date a year's board reads dated params at: today within the year, else its last day
/// (a past year) or first day (next year).
fn as_of(year: &str) -> String {
    let today = library::today();
    if today.starts_with(year) {
        today
    } else if year < today.as_str() {
        format!("{year}-12-31")
    } else {
        format!("{year}-01-01")
    }
}

fn conflict(c: Conflict) -> Failure {
    Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "roster", c.0)
}

/// Runs `work` on the board (opened from its store, and rebuilt when its pack changed) on a
/// blocking thread. Blocking: the pack may be prepared and the board evaluated.
async fn with_board<T: Send + 'static>(
    state: &Arc<AppState>,
    t: &Target,
    work: impl FnOnce(&mut Held, &Arc<Prepared>, &Period) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let shared = state.clone();
    let (pack, dir, year, slot) = (
        t.pack.clone(),
        t.dir.clone(),
        t.year.clone(),
        t.slot.clone(),
    );
    blocking(state, move || {
        let prepared = shared.prepare(&pack, &dir, &as_of(&year))?;
        if prepared.policy.policy.catalog.is_none() {
            return Err(Failure::new(
                StatusCode::NOT_FOUND,
                "no_catalog",
                no_catalog(&pack),
            ));
        }
        let period =
            Period::year(&year).map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "period", e))?;
        let mut held = slot.held.lock().unwrap_or_else(|e| e.into_inner());
        if !held.opened {
            held.board = open(&slot, &prepared, &period)?;
            held.opened = true;
        }
        if let Some(board) = &held.board
            && !Arc::ptr_eq(&board.prepared, &prepared)
        {
            let rebuilt = board.rebuilt(prepared.clone()).map_err(conflict)?;
            let _ = slot.events.send(Arc::new(page::event(&rebuilt.view())));
            held.board = Some(rebuilt);
        }
        work(&mut held, &prepared, &period)
    })
    .await?
}

/// The board kept in the slot's store, if any.
fn open(slot: &Slot, prepared: &Arc<Prepared>, period: &Period) -> Result<Option<Board>, Failure> {
    let Some(store) = &slot.store else {
        return Ok(None);
    };
    let damaged = |e: String| {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "board_store",
            format!("无法打开保存的排行榜 / the stored board cannot be opened: {e}"),
        )
    };
    let stored = store.open().map_err(|e| damaged(e.to_string()))?;
    let Some(roster) = &stored.roster else {
        return Ok(None);
    };
    let schema = &prepared.policy.policy.schema;
    let options = liangxin::ledger::ReadOptions::default();
    let roster = Ledger::read_with(roster, schema, &options).map_err(|e| damaged(e.to_string()))?;
    let (mut entries, mut unread) = (Vec::new(), Vec::new());
    if let Some(path) = &stored.entries {
        let ledger = Ledger::read_with(path, &entry_schema(schema), &options)
            .map_err(|e| damaged(e.to_string()))?;
        let received = ledger.extra_columns.iter().position(|c| c == RECEIVED);
        unread = ledger.errors.clone();
        entries = ledger
            .records
            .into_iter()
            .map(|record| Accepted {
                received: received
                    .and_then(|i| record.extra.get(i).cloned())
                    .unwrap_or_default(),
                record,
            })
            .collect();
    }
    *slot.notices.lock().unwrap_or_else(|e| e.into_inner()) = stored.notices;
    Board::build(period.clone(), prepared.clone(), roster, entries, unread)
        .map(Some)
        .map_err(conflict)
}

impl Held {
    /// The board's view, or an empty one before a roster is uploaded.
    pub fn board_view(&self) -> Option<super::View> {
        self.board.as_ref().map(Board::view)
    }
}

/// Now in China, as the entry ledger's 录入时间 keeps it.
fn now() -> String {
    jiff::tz::offset(8)
        .to_datetime(jiff::Timestamp::now())
        .strftime("%Y-%m-%dT%H:%M:%S+08:00")
        .to_string()
}

/// Checks, stores and counts a batch of entries, then tells every open board. A refused
/// batch is a 422 listing each refused entry, and nothing of it is counted or stored.
fn add(
    slot: &Slot,
    held: &mut Held,
    records: Vec<liangxin::Record>,
) -> Result<(usize, super::View), Failure> {
    let Some(board) = held.board.as_mut() else {
        return Err(no_roster());
    };
    if records.is_empty() {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "entries",
            "没有积分记录 / no entries were sent",
        ));
    }
    let batch = board.check(records, &now()).map_err(refused)?;
    if let Some(store) = &slot.store
        && let Err(e) = store.append(&board.header(), &board.rows(&batch))
    {
        board.forget();
        return Err(Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "board_store",
            format!(
                "积分记录未能保存，未计入 / the entries could not be stored and were not counted: {e}"
            ),
        ));
    }
    let count = batch.len();
    board.commit(batch);
    let view = board.view();
    // No watcher is not an error.
    let _ = slot.events.send(Arc::new(page::event(&view)));
    Ok((count, view))
}

/// Entries read with the board's entry schema (a row that is no entry refuses them all),
/// 记录人 filled with `by` where empty, then added.
fn read_and_add(
    slot: &Slot,
    held: &mut Held,
    by: &str,
    read: impl FnOnce(&liangxin::Schema) -> Result<Ledger, Failure>,
) -> Result<(usize, super::View), Failure> {
    let board = held.board.as_ref().ok_or_else(no_roster)?;
    let schema = board.entry_schema().clone();
    let ledger = read(&schema)?;
    unreadable(&ledger.errors)?;
    let mut records = ledger.records;
    recorded_by(&mut records, &schema, by);
    add(slot, held, records)
}

fn no_roster() -> Failure {
    Failure::new(
        StatusCode::CONFLICT,
        "no_roster",
        "此排行榜尚无名册：请先在排行榜页上传名册 / the board has no roster yet: upload one first",
    )
}

fn refused(errors: Vec<EntryError>) -> Failure {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("第 {} 条 / entry {}: {}", e.row, e.row, e.message))
        .collect();
    Failure::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "entries",
        format!(
            "{} 条积分记录未被接受，本批记录均未计入 / {} entries refused; none of the batch was counted:\n{}",
            errors.len(),
            errors.len(),
            lines.join("\n")
        ),
    )
    .with_details(serde_json::to_value(&errors).unwrap_or_default())
}

/// Rows of an entry ledger that are no entry refuse the whole upload, each named.
fn unreadable(errors: &[RecordError]) -> Result<(), Failure> {
    if errors.is_empty() {
        return Ok(());
    }
    Err(refused(
        errors
            .iter()
            .map(|e| EntryError {
                row: e.row,
                record: e.record.clone(),
                message: e.message.clone(),
            })
            .collect(),
    ))
}

/// The entries' 记录人, when a request leaves it empty: who is signed in.
fn recorded_by(records: &mut [liangxin::Record], schema: &liangxin::Schema, user: &str) {
    let Some(i) = schema.index_of("recorded_by") else {
        return;
    };
    for r in records {
        let empty = match r.cells.get(i) {
            Some(liangxin::ledger::Cell::Value(liangxin::value::Value::Str(s))) => {
                s.trim().is_empty()
            }
            _ => true,
        };
        if empty && let Some(cell) = r.cells.get_mut(i) {
            *cell = liangxin::ledger::Cell::Value(liangxin::value::Value::Str(user.to_owned()));
        }
    }
}

fn audit(state: &AppState, user: &str, pack: &str, detail: &str) -> Result<(), Failure> {
    if !state.editable() {
        return Ok(());
    }
    state
        .audit
        .record(&audit::Entry {
            action: "board",
            user,
            pack: Some(pack),
            commit: None,
            detail: Some(detail),
        })
        .map_err(Failure::audit)
}

/// `GET /packs/{id}/board`: the board, rendered whole (it works without scripts); a small
/// script then follows its events.
pub async fn page(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Path(id): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Response, PageFailure> {
    let t = target(&state, &id, query)?;
    let slot = t.slot.clone();
    let (view, name) = with_board(&state, &t, |held, prepared, _| {
        Ok((held.board_view(), prepared.policy.policy.meta.name.clone()))
    })
    .await?;
    let notices = slot
        .notices
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let can_edit = current
        .user
        .as_ref()
        .is_some_and(|u| u.role >= Role::Editor);
    let html = page::render(&page::Context {
        current: &current,
        pack: &t.pack,
        name: &name,
        year: &t.year,
        view: view.as_ref(),
        notices: &notices,
        kept: state.editable(),
        can_edit,
    });
    Ok(Html(html).into_response())
}

/// `GET /packs/{id}/board/events`: the board as server-sent events, the current board first,
/// then the whole board again after every change; a comment every 15 s keeps proxies from
/// closing the connection.
pub async fn events(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Response, PageFailure> {
    let t = target(&state, &id, query)?;
    if t.slot.events.receiver_count() >= MAX_WATCHERS {
        return Err(Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "watchers",
            format!("此排行榜已有 {MAX_WATCHERS} 个页面在看，请稍后再试 / {MAX_WATCHERS} browsers already watch this board"),
        )
        .into());
    }
    // Subscribed before the current board is read: a change in between is sent, not lost.
    let receiver = t.slot.events.subscribe();
    let first = with_board(&state, &t, |held, _, _| Ok(held.board_view())).await?;
    let first = first.map(|v| Arc::new(page::event(&v)));
    Ok(Sse::new(stream(first, receiver))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

fn stream(
    first: Option<Arc<String>>,
    receiver: tokio::sync::broadcast::Receiver<Arc<String>>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold((first, receiver), |(first, mut receiver)| async move {
        let data = match first {
            Some(data) => data,
            None => loop {
                match receiver.recv().await {
                    Ok(data) => break data,
                    // Every message is the whole board: the next one makes up for those missed.
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
            },
        };
        let event = Event::default()
            .event("board")
            .retry(Duration::from_secs(2))
            .data(data.as_str());
        Some((Ok(event), (None, receiver)))
    })
}

/// An uploaded file and the form's other fields.
struct Upload {
    csrf: Option<String>,
    file: Option<(String, Bytes)>,
}

async fn read_form(state: &AppState, mut form: Multipart) -> Result<Upload, Failure> {
    let limit = state.body_limit;
    let failed = Failure::multipart(limit);
    let mut upload = Upload {
        csrf: None,
        file: None,
    };
    while let Some(field) = form.next_field().await.map_err(failed)? {
        match field.name() {
            Some("_csrf") => upload.csrf = Some(field.text().await.map_err(failed)?),
            Some("file") => {
                let name = field.file_name().unwrap_or("ledger.csv").to_owned();
                upload.file = Some((name, field.bytes().await.map_err(failed)?));
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// What both upload forms check first: an editor, the board, the form's token and its file.
struct EditorUpload {
    user: String,
    target: Target,
    name: String,
    bytes: Bytes,
}

async fn editor_upload(
    state: &AppState,
    current: &Current,
    id: &str,
    query: Result<Query<PeriodQuery>, QueryRejection>,
    form: Multipart,
    what: &str,
) -> Result<EditorUpload, Failure> {
    let user = current.require(Role::Editor)?.name.clone();
    let target = target(state, id, query)?;
    let upload = read_form(state, form).await?;
    current.check_csrf(upload.csrf.as_deref())?;
    let (name, bytes) = upload.file.ok_or_else(|| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "upload",
            format!("请选择{what}文件 / the form lacks the file"),
        )
    })?;
    Ok(EditorUpload {
        user,
        target,
        name,
        bytes,
    })
}

fn board_url(pack: &str, year: &str) -> String {
    format!("/packs/{pack}/board?period={year}")
}

/// `POST /packs/{id}/board/roster`: an editor uploads the roster (one row per member, without
/// the columns the entries fill); the board is built again with the entries so far.
pub async fn roster(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Path(id): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
    form: Multipart,
) -> Result<Response, PageFailure> {
    let EditorUpload {
        user,
        target: t,
        name,
        bytes,
    } = editor_upload(&state, &current, &id, query, form, "名册").await?;
    let slot = t.slot.clone();
    let members = with_board(&state, &t, move |held, prepared, period| {
        let roster = upload::read_ledger(&bytes, &name, &prepared.policy.policy.schema)?;
        if !roster.errors.is_empty() {
            let lines: Vec<String> = roster.errors.iter().map(ToString::to_string).collect();
            return Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "roster",
                format!("名册有无法读取的行，未采用 / the roster has rows that cannot be read; it was not used:\n{}", lines.join("\n")),
            ));
        }
        let (entries, unread) = held.board.as_ref().map(Board::entries).unwrap_or_default();
        let members = roster.records.len();
        let mut board = Board::build(period.clone(), prepared.clone(), roster, entries, unread)
            .map_err(conflict)?;
        if let Some(old) = &held.board {
            board.version = old.version + 1;
        }
        if let Some(store) = &slot.store {
            let ext = upload::clean_name(&name)
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
                .unwrap_or_else(|| "csv".to_owned());
            store.put_roster(&ext, &bytes).map_err(|e| {
                Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "board_store", format!("名册未能保存 / the roster could not be stored: {e}"))
            })?;
        }
        let _ = slot.events.send(Arc::new(page::event(&board.view())));
        held.board = Some(board);
        Ok(members)
    })
    .await?;
    audit(
        &state,
        &user,
        &t.pack,
        &format!("{} roster, {members} members", t.year),
    )?;
    Ok(Redirect::to(&board_url(&t.pack, &t.year)).into_response())
}

/// `POST /packs/{id}/board/entries`: an editor uploads an entry ledger (the columns `liangxin
/// eval --entries` reads); all of it is counted, or none.
pub async fn entries_upload(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Path(id): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
    form: Multipart,
) -> Result<Response, PageFailure> {
    let EditorUpload {
        user,
        target: t,
        name,
        bytes,
    } = editor_upload(&state, &current, &id, query, form, "积分记录").await?;
    let slot = t.slot.clone();
    let by = user.clone();
    let (count, _) = with_board(&state, &t, move |held, _, _| {
        read_and_add(&slot, held, &by, |schema| {
            upload::read_ledger(&bytes, &name, schema)
        })
    })
    .await?;
    audit(
        &state,
        &user,
        &t.pack,
        &format!("{} entries uploaded: {count}", t.year),
    )?;
    Ok(Redirect::to(&board_url(&t.pack, &t.year)).into_response())
}

/// `GET /api/packs/{id}/board`: the board as JSON.
pub async fn api_board(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Response, ApiFailure> {
    let t = target(&state, &id, query)?;
    let view = with_board(&state, &t, |held, _, _| {
        held.board_view().ok_or_else(no_roster)
    })
    .await?;
    Ok(Json(json!({ "pack": t.pack, "period": t.year, "board": view })).into_response())
}

/// `POST /api/packs/{id}/entries`: one entry (an object) or several (an array), keyed by the
/// entry ledger's Chinese headers or their ids; all are counted, or none (422 naming each
/// refused entry by its place in the request).
pub async fn api_entries(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Path(id): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    let user = current.require(Role::Editor)?.name.clone();
    if !current.session.is_empty() {
        current.check_csrf(None)?;
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::too_large(state.body_limit)
        } else {
            Failure::new(StatusCode::BAD_REQUEST, "body", e.body_text())
        }
    })?;
    let t = target(&state, &id, query)?;
    let slot = t.slot.clone();
    let by = user.clone();
    let (count, view) = with_board(&state, &t, move |held, _, _| {
        read_and_add(&slot, held, &by, |schema| {
            let one = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
            let text = if one {
                [b"[".as_slice(), &body, b"]"].concat()
            } else {
                body.to_vec()
            };
            upload::read_records(&text, schema)
        })
    })
    .await?;
    audit(
        &state,
        &user,
        &t.pack,
        &format!("{} entries added: {count}", t.year),
    )?;
    Ok(
        Json(json!({ "pack": t.pack, "period": t.year, "accepted": count, "board": view }))
            .into_response(),
    )
}

//! 积分排行榜 over real HTTP: a server on a loopback port, a roster and entries uploaded as
//! staff upload them, entries added through the API, the board's events read off the socket,
//! refusals, roles and CSRF, a restart, and the stored files evaluated by the core as
//! `liangxin eval --entries` evaluates them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use liangxin_server::accounts::{Accounts, Role, accounts_path};
use liangxin_server::{AppState, Config, app_on};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PACK: &str = "longwen-points";
const BOARD: &str = "/packs/longwen-points/board?period=2022";
const API_BOARD: &str = "/api/packs/longwen-points/board?period=2022";
const API_ENTRIES: &str = "/api/packs/longwen-points/entries?period=2022";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A server on a free loopback port over `library` (editable), with these accounts.
async fn serve(library: &Path, accounts: &[(&str, Role)]) -> String {
    if !accounts.is_empty() && !accounts_path(library).exists() {
        let mut all = Accounts::default();
        for (name, role) in accounts {
            all.add(name, *role, "password-123").unwrap();
        }
        all.write(&accounts_path(library)).unwrap();
    }
    let state = AppState::new(&Config {
        library: library.to_path_buf(),
        read_only: false,
        ..Config::default()
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let app = app_on(Arc::new(state));
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A client that keeps its session cookie and CSRF token, as a browser or a program does.
struct Client {
    addr: String,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl Client {
    fn new(addr: &str) -> Client {
        Client {
            addr: addr.to_owned(),
            cookie: None,
            csrf: None,
        }
    }

    async fn send(&mut self, method: &str, path: &str, kind: &str, body: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(&self.addr).await.unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if !kind.is_empty() {
            head.push_str(&format!("Content-Type: {kind}\r\n"));
        }
        if let Some(c) = &self.cookie {
            head.push_str(&format!("Cookie: {c}\r\n"));
        }
        if let Some(t) = &self.csrf {
            head.push_str(&format!("x-csrf-token: {t}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (headers, body) = text.split_once("\r\n\r\n").unwrap();
        let status = headers[9..12].parse().unwrap();
        if let Some(at) = headers.find("set-cookie: ") {
            let value = &headers[at + 12..];
            self.cookie = Some(value.split(';').next().unwrap().to_owned());
        }
        let body = if headers.contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_owned()
        };
        Reply {
            status,
            headers: headers.to_owned(),
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.send("GET", path, "", b"").await
    }

    async fn post_json(&mut self, path: &str, body: &Value) -> Reply {
        let bytes = body.to_string().into_bytes();
        self.send("POST", path, "application/json", &bytes).await
    }

    /// The page's form token: a session is made by the first page.
    async fn form_token(&mut self) -> String {
        let page = self.get(BOARD).await;
        let marker = "name=\"_csrf\" value=\"";
        let at = page.body.find(marker).expect("a form on the board page") + marker.len();
        page.body[at..at + page.body[at..].find('"').unwrap()].to_owned()
    }

    /// Uploads a file through one of the board page's forms.
    async fn upload(&mut self, path: &str, csrf: Option<&str>, name: &str, bytes: &[u8]) -> Reply {
        let boundary = "----board-test";
        let mut body = Vec::new();
        if let Some(token) = csrf {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n").as_bytes());
        }
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes());
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
        let kind = format!("multipart/form-data; boundary={boundary}");
        self.send("POST", path, &kind, &body).await
    }

    async fn sign_in(&mut self, name: &str) {
        let reply = self
            .post_json(
                "/api/session",
                &json!({ "name": name, "password": "password-123" }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        self.csrf = Some(reply.json()["csrf"].as_str().unwrap().to_owned());
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(root().join("fixtures/longwen").join(name)).unwrap()
}

/// A board with the Longwen roster and its 2022 entries, uploaded through the page's forms.
async fn board_with_the_year(client: &mut Client) {
    let csrf = client.form_token().await;
    let roster = "/packs/longwen-points/board/roster?period=2022";
    let reply = client
        .upload(
            roster,
            Some(&csrf),
            "roster-2022.csv",
            &fixture("roster-2022.csv"),
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let entries = "/packs/longwen-points/board/entries?period=2022";
    let reply = client
        .upload(
            entries,
            Some(&csrf),
            "entries-2022.csv",
            &fixture("entries-2022.csv"),
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    // The page's session now sends its token with JSON too, as the page's script would.
    client.csrf = Some(csrf);
}

/// Per member id: (rank, score), as the board says.
fn ranks(board: &Value) -> Vec<(String, Option<u64>, Option<f64>)> {
    let mut rows: Vec<_> = board["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["rank"].as_u64(),
                r["score"].as_f64(),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

/// The stored roster and entries evaluated by the core, as `liangxin eval --entries` does.
fn core_ranks(library: &Path) -> Vec<(String, Option<u64>, Option<f64>)> {
    let dir = library.join(".liangxin/boards/longwen-points/2022");
    let loader = liangxin::FsLoader;
    let prepared = liangxin::prepare_at(&loader, &library.join(PACK), Some("2022-12-31")).unwrap();
    let compiled = &prepared.policy;
    let schema = &compiled.policy.schema;
    let mut roster = liangxin::Ledger::read(&dir.join("roster.csv"), schema).unwrap();
    let catalog = compiled.policy.catalog.as_ref().unwrap();
    let period = liangxin::entries::Period::year("2022").unwrap();
    let mut aggregator = liangxin::entries::Aggregator::new(catalog, period, &roster, schema);
    let entries =
        liangxin::Ledger::read(&dir.join("entries.csv"), aggregator.entry_schema()).unwrap();
    aggregator.add_ledger(&entries).unwrap();
    aggregator.apply(&mut roster, schema).unwrap();
    let evaluation = compiled.evaluate_ledger(&roster);
    assert!(evaluation.errors.is_empty(), "{:?}", evaluation.errors);
    let mut rows: Vec<_> = evaluation
        .outcomes
        .iter()
        .map(|o| (o.record.clone(), o.rank.map(|r| r as u64), o.score))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

/// The first-ranked member and a deduction that moves them down.
fn deduction(board: &Value) -> (String, Value) {
    let first = &board["rows"][0];
    assert_eq!(first["rank"], 1);
    let id = first["id"].as_str().unwrap().to_owned();
    let entry = json!({
        "党员编号": id, "姓名": first["name"], "日期": "2022-12-30",
        "积分项目": "较大工作失误", "分值": 100, "说明": "测试：较大工作失误",
    });
    (id, entry)
}

/// Reads server-sent events off the socket until one whose data satisfies `wanted`, within
/// a few seconds.
async fn next_event(
    stream: &mut TcpStream,
    seen: &mut String,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        while let Some(end) = seen.find("\n\n") {
            let block: String = seen.drain(..end + 2).collect();
            let data: String = block
                .lines()
                .filter_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))
                .collect();
            if block.contains("event: board")
                && let Ok(value) = serde_json::from_str::<Value>(&data)
                && wanted(&value)
            {
                return value;
            }
        }
        let mut buffer = [0u8; 65536];
        let read = tokio::time::timeout_at(deadline, stream.read(&mut buffer))
            .await
            .expect("the event within 10 s")
            .unwrap();
        assert!(read > 0, "the event stream ended");
        // Chunk sizes interleave the text; they never hold "\n\n" or a `data:` line.
        seen.push_str(&String::from_utf8_lossy(&buffer[..read]).replace("\r\n", "\n"));
    }
}

/// The rank shown in an event's rows for a member.
fn rank_in(rows_html: &str, id: &str) -> String {
    let at = rows_html.find(&format!("data-id=\"{id}\"")).unwrap();
    let cell = &rows_html[at..];
    let start = cell.find("rank\">").unwrap() + 6;
    cell[start..start + cell[start..].find('<').unwrap()].to_owned()
}

#[tokio::test]
async fn an_entry_through_the_api_moves_its_member_on_the_board_and_open_boards_are_told() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("标准库");
    let addr = serve(&library, &[]).await;
    let mut client = Client::new(&addr);
    board_with_the_year(&mut client).await;
    let before = client.get(API_BOARD).await.json();
    assert_eq!(before["board"]["entries"], 1287);
    assert_eq!(ranks(&before["board"]), core_ranks(&library));
    let (id, entry) = deduction(&before["board"]);

    // A browser watching the board, before the entry arrives.
    let mut watch = TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "GET /packs/longwen-points/board/events?period=2022 HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    );
    watch.write_all(request.as_bytes()).await.unwrap();
    let mut seen = String::new();
    let first = next_event(&mut watch, &mut seen, |_| true).await;
    assert!(seen.is_empty() || !seen.contains("event: board"));
    assert_eq!(rank_in(first["rows"].as_str().unwrap(), &id), "1");

    // A program adds the entry; the page's session is not the program's: no cookie, JSON.
    let mut program = Client::new(&addr);
    let reply = program.post_json(API_ENTRIES, &entry).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["accepted"], 1);
    let after = client.get(API_BOARD).await.json();
    let row = after["board"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(row["rank"].as_u64().unwrap() > 1, "{row}");
    assert_eq!(
        row["entries"].as_u64().unwrap(),
        before["board"]["rows"][0]["entries"].as_u64().unwrap() + 1
    );
    assert_eq!(after["board"]["latest"][0]["id"], id.as_str());
    assert_eq!(after["board"]["latest"][0]["item"], "较大工作失误");
    // A deduction's points are written positive, as its field is: shown with the field.
    assert_eq!(after["board"]["latest"][0]["points"], "100");
    assert_eq!(after["board"]["latest"][0]["field"], "工作失误扣分");
    assert_eq!(after["board"]["latest"][0]["recorded_by"], "本机用户");
    // Only the member was evaluated again, and the board is what the core makes of the files.
    assert_eq!(ranks(&after["board"]), core_ranks(&library));

    let moved = next_event(&mut watch, &mut seen, |v| {
        v["version"].as_u64() > first["version"].as_u64()
    })
    .await;
    let shown = rank_in(moved["rows"].as_str().unwrap(), &id);
    assert_eq!(
        shown,
        row["rank"].to_string(),
        "the event shows the new rank"
    );
    assert!(moved["latest"].as_str().unwrap().contains("较大工作失误"));

    // The page itself, rendered whole, shows the same.
    let page = client.get(BOARD).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("积分排行榜") && page.body.contains("最新记录"));
    assert_eq!(rank_in(&page.body, &id), row["rank"].to_string());
}

#[tokio::test]
async fn a_refused_entry_is_422_naming_why_and_nothing_of_its_batch_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("标准库");
    let addr = serve(&library, &[]).await;
    let mut client = Client::new(&addr);
    board_with_the_year(&mut client).await;
    let stored = library.join(".liangxin/boards/longwen-points/2022/entries.csv");
    let before_file = std::fs::read(&stored).unwrap();
    let before = client.get(API_BOARD).await.json();
    let good = json!({ "党员编号": "LW2022001", "日期": "2022-06-01", "积分项目": "参加志愿服务", "说明": "新的一次" });
    let cases = [
        (
            json!({ "党员编号": "LW2022001", "日期": "2022-06-01", "积分项目": "喝茶" }),
            "is not an item of the catalog",
        ),
        (
            json!({ "党员编号": "LW2022001", "日期": "2023-01-01", "积分项目": "参加志愿服务" }),
            "outside the period",
        ),
        (
            json!({ "党员编号": "LW2099999", "日期": "2022-06-01", "积分项目": "参加志愿服务" }),
            "is not in the roster",
        ),
        (
            json!({ "党员编号": "LW2022001", "日期": "2022-06-01", "积分项目": "违反纪律规定", "分值": 5 }),
            "分值 says 5",
        ),
        (
            json!([good, { "党员编号": "LW2022001", "日期": "2022-06-01", "积分项目": "喝茶" }]),
            "第 2 条",
        ),
        (json!([good, good]), "the same entry as row"),
    ];
    for (body, says) in &cases {
        let reply = client.post_json(API_ENTRIES, body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.body);
        let message = reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(says), "{body}: {message}");
        assert!(message.contains("本批记录均未计入"), "{message}");
    }
    // Nothing counted, nothing stored, the board unchanged.
    assert_eq!(std::fs::read(&stored).unwrap(), before_file);
    assert_eq!(client.get(API_BOARD).await.json(), before);
    // The good entry alone is counted, once.
    assert_eq!(client.post_json(API_ENTRIES, &good).await.status, 200);
    let again = client.post_json(API_ENTRIES, &good).await;
    assert_eq!(again.status, 422);
    assert!(
        again.body.contains("the same entry as row 1289"),
        "{}",
        again.body
    );
}

#[tokio::test]
async fn a_restart_on_the_same_library_shows_the_same_board() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("标准库");
    let addr = serve(&library, &[]).await;
    let mut client = Client::new(&addr);
    board_with_the_year(&mut client).await;
    let (_, entry) = deduction(&client.get(API_BOARD).await.json()["board"]);
    assert_eq!(client.post_json(API_ENTRIES, &entry).await.status, 200);
    let before = client.get(API_BOARD).await.json();

    let again = serve(&library, &[]).await;
    let after = Client::new(&again).get(API_BOARD).await.json();
    assert_eq!(ranks(&after["board"]), ranks(&before["board"]));
    assert_eq!(after["board"]["entries"], 1288);
    assert_eq!(after["board"]["latest"], before["board"]["latest"]);
    // The stored entry ledger reads as the CLI reads one, 录入时间 an extra column.
    let text =
        std::fs::read_to_string(library.join(".liangxin/boards/longwen-points/2022/entries.csv"))
            .unwrap();
    assert!(
        text.starts_with("党员编号,姓名,日期,积分项目,分值,次数,说明,记录人,录入时间\n"),
        "{}",
        &text[..80]
    );
}

#[tokio::test]
async fn viewers_watch_editors_add_and_every_change_carries_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("标准库");
    let addr = serve(
        &library,
        &[("王科长", Role::Editor), ("小李", Role::Viewer)],
    )
    .await;
    let anonymous = Client::new(&addr).get(API_BOARD).await;
    assert_eq!(anonymous.status, 401);

    let mut editor = Client::new(&addr);
    editor.sign_in("王科长").await;
    // Without the form's token (nor the header) the roster is refused.
    let roster = "/packs/longwen-points/board/roster?period=2022";
    let token = editor.csrf.take();
    let reply = editor
        .upload(roster, None, "roster-2022.csv", &fixture("roster-2022.csv"))
        .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(reply.body.contains("令牌"), "{}", reply.body);
    board_with_the_year(&mut editor).await;
    // A program's request with the session but without x-csrf-token is refused.
    editor.csrf = None;
    let entry =
        json!({ "党员编号": "LW2022001", "日期": "2022-06-01", "积分项目": "参加志愿服务" });
    let reply = editor.post_json(API_ENTRIES, &entry).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.json()["error"]["kind"], "csrf");
    editor.csrf = token;
    let reply = editor.post_json(API_ENTRIES, &entry).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["board"]["latest"][0]["recorded_by"], "王科长");

    let mut viewer = Client::new(&addr);
    viewer.sign_in("小李").await;
    assert_eq!(viewer.get(API_BOARD).await.status, 200);
    let page = viewer.get(BOARD).await;
    assert!(page.body.contains("积分排行榜") && !page.body.contains("上传积分记录"));
    let reply = viewer.post_json(API_ENTRIES, &entry).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.json()["error"]["kind"], "role");
    let events = viewer.send(
        "GET",
        "/packs/longwen-points/board/events?period=2022",
        "",
        b"",
    );
    // The stream never ends by itself: its head is enough.
    let events = tokio::time::timeout(Duration::from_millis(500), events).await;
    assert!(events.is_err(), "a viewer's event stream stays open");

    // A pack without a catalog has no board; a year out of range, no pack, are refused.
    let none = viewer
        .get("/api/packs/longwen-stars/board?period=2022")
        .await;
    assert_eq!(none.status, 404, "{}", none.body);
    assert!(none.body.contains("catalog"), "{}", none.body);
    assert_eq!(
        viewer
            .get("/api/packs/longwen-points/board?period=1999")
            .await
            .status,
        400
    );
    assert_eq!(
        viewer
            .get("/api/packs/no-such-pack/board?period=2022")
            .await
            .status,
        404
    );
    let headers = viewer.get("/packs/no-such-pack/board/events").await.headers;
    assert!(!headers.contains("text/event-stream"), "{headers}");
}

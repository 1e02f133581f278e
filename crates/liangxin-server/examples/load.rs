//! The workbench under load: starts `liangxin serve` on a loopback port, sends it requests from
//! many clients at once for a bounded count and time, checks every answer, and reports
//! requests/s, latency, errors and the server's peak memory, beside a baseline measured in the
//! same run: the same work done in-process through the library, on one thread.
//!
//! ```sh
//! cargo build --release --bin liangxin
//! cargo run --release -p liangxin-server --example load
//! cargo run --release -p liangxin-server --example load -- --scenario single --requests 2000 --seconds 5
//! ```
//!
//! Scenarios (32 clients by default, each on one keep-alive connection, keeping the session
//! cookie the server sets as a browser does):
//!
//! - `single`: `POST /api/packs/longwen-points/evaluate` with a one-record JSON array (the Longwen
//!   fixture's LW2022002); an answer is right when it is 200 and its body is byte for byte the
//!   JSON the library gives for that record.
//! - `upload`: `POST /evaluate`, the staff's upload form, with a 10,000-row ledger (the CSV
//!   `liangxin gen --subject member --rows 10000 --seed 1` writes, made here by the same library
//!   function); an answer is right when it is 200 and the HTML report names the ledger's record
//!   count, its first and last records and the count of each grade the library gives.
//!
//! Why an example of the server crate and a child process: the example is built and linted with
//! the workspace (`cargo test`, `cargo clippy --all-targets`) but is not part of what staff
//! install; the server runs as staff run it (the `liangxin` binary, with its allocator), in its
//! own process, so its peak memory (`VmHWM` of `/proc/PID/status`) is its own and the two
//! processes share the cores as a browser and a server on one machine would. The client is a
//! small HTTP/1.1 client over tokio's `TcpStream` on one thread (no new dependency).
//!
//! Safety of the target: the server is started on `127.0.0.1:0`, read-only on the packs it is
//! given (so the run leaves them as they were), and the address it prints is checked to be a
//! loopback address; `--target` (a server already running) takes only an IP
//! address and port and refuses anything but loopback. Every run is bounded in requests and in
//! seconds (no request is sent after either runs out; one in flight then has at most its own time
//! limit, 30 s, to finish), and the server is stopped (killed through the handle of the process
//! this program started) when the run ends, however it ends.
//!
//! Exit status: 0 when every answer was right, 1 when any was wrong or failed, 2 on a usage or
//! setup problem.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const AS_OF: &str = "2024-06-30";
const PACK: &str = "longwen-points";
/// No one request may take longer than this; past it, it is an error and the run goes on.
const REQUEST_LIMIT: Duration = Duration::from_secs(30);
const BOUNDARY: &str = "liangxin-load-boundary";

struct Options {
    server: PathBuf,
    library: PathBuf,
    target: Option<SocketAddr>,
    scenarios: Vec<Scenario>,
    clients: usize,
    requests: u64,
    seconds: f64,
    upload_requests: u64,
    upload_seconds: f64,
    rows: u64,
    baseline_seconds: f64,
}

#[derive(Clone, Copy, PartialEq)]
enum Scenario {
    Single,
    Upload,
}

fn usage() -> &'static str {
    "usage: load [--scenario single|upload|all] [--clients N] [--requests N] [--seconds S]\n\
     \x20           [--upload-requests N] [--upload-seconds S] [--rows N] [--baseline-seconds S]\n\
     \x20           [--server PATH-TO-liangxin] [--library DIR] [--target 127.0.0.1:PORT]"
}

fn parse_options() -> Result<Options, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // target/<profile>/examples/load → target/<profile>/liangxin: the binary of the same build.
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("liangxin")));
    let mut o = Options {
        server: beside.unwrap_or_else(|| PathBuf::from("liangxin")),
        library: root.join("policies"),
        target: None,
        scenarios: vec![Scenario::Single, Scenario::Upload],
        clients: 32,
        requests: 100_000,
        seconds: 20.0,
        upload_requests: 320,
        upload_seconds: 60.0,
        rows: 10_000,
        baseline_seconds: 3.0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| -> Result<f64, String> {
            v.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n > 0.0)
                .ok_or_else(|| format!("{flag}: `{v}` is not a positive number"))
        };
        match flag.as_str() {
            "--server" => o.server = PathBuf::from(value),
            "--library" => o.library = PathBuf::from(value),
            "--target" => {
                let addr: SocketAddr = value.parse().map_err(|_| {
                    format!("--target takes an IP address and port (127.0.0.1:8080), not `{value}`")
                })?;
                o.target = Some(addr);
            }
            "--scenario" => {
                o.scenarios = match value.as_str() {
                    "single" => vec![Scenario::Single],
                    "upload" => vec![Scenario::Upload],
                    "all" => vec![Scenario::Single, Scenario::Upload],
                    _ => return Err(format!("--scenario: single, upload or all, not `{value}`")),
                }
            }
            "--clients" => o.clients = number(&value)? as usize,
            "--requests" => o.requests = number(&value)? as u64,
            "--seconds" => o.seconds = number(&value)?,
            "--upload-requests" => o.upload_requests = number(&value)? as u64,
            "--upload-seconds" => o.upload_seconds = number(&value)?,
            "--rows" => o.rows = number(&value)? as u64,
            "--baseline-seconds" => o.baseline_seconds = number(&value)?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if let Some(addr) = o.target
        && !addr.ip().is_loopback()
    {
        return Err(format!(
            "refusing {addr}: the load test only sends requests to this machine's loopback \
             addresses (127.0.0.0/8, ::1)"
        ));
    }
    Ok(o)
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{}", usage());
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the scenarios asked for; whether every answer was right.
fn run(o: &Options) -> Result<bool, String> {
    let prepared = liangxin::prepare_at(&liangxin::FsLoader, &o.library.join(PACK), Some(AS_OF))
        .map_err(|e| format!("cannot prepare {PACK}: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the client runtime: {e}"))?;
    println!(
        "liangxin workbench load test: {} clients, {} cores, server {}",
        o.clients,
        std::thread::available_parallelism().map_or(1, usize::from),
        o.target
            .map_or_else(|| o.server.display().to_string(), |a| a.to_string())
    );
    let mut all_right = true;
    for &scenario in &o.scenarios {
        let job = match scenario {
            Scenario::Single => single(o, &prepared)?,
            Scenario::Upload => upload(o, &prepared)?,
        };
        println!("\n== {} ==", job.title);
        println!(
            "baseline, in-process on 1 thread ({}): {} per s",
            job.baseline_what,
            rate(job.baseline_per_s)
        );
        if let Some(unkept) = job.unkept_per_s {
            println!(
                "the same with the pack prepared each time: {} per s",
                rate(unkept)
            );
        }
        let server = match o.target {
            Some(addr) => Target::Running(addr),
            None => Target::Started(Server::start(&o.server, &o.library)?),
        };
        let addr = server.addr();
        let request = Arc::new(job.request(addr));
        let check = Arc::new(job.check);
        // One request per client first, not counted: connections opened and the pack prepared.
        let warm = runtime.block_on(drive(
            addr,
            request.clone(),
            check.clone(),
            o.clients,
            o.clients as u64,
            Duration::from_secs(120),
        ));
        if warm.errors > 0 {
            println!(
                "warm-up: {} of {} wrong; first: {}",
                warm.errors,
                warm.latencies.len() as u64 + warm.errors,
                warm.first_error.as_deref().unwrap_or("")
            );
            return Ok(false);
        }
        let (requests, seconds) = (job.requests, job.seconds);
        let result = runtime.block_on(drive(
            addr,
            request,
            check,
            o.clients,
            requests,
            Duration::from_secs_f64(seconds),
        ));
        let peak = server.peak_memory();
        drop(server);
        let report = result.report(job.baseline_per_s, peak);
        println!("{report}");
        all_right &= result.errors == 0 && !result.latencies.is_empty();
    }
    Ok(all_right)
}

/// One scenario: what is sent, how an answer is checked, its baseline and its bounds.
struct Job {
    title: String,
    path: String,
    content_type: String,
    body: Vec<u8>,
    check: Check,
    baseline_what: &'static str,
    baseline_per_s: f64,
    /// The same in-process work with the pack prepared each time, as every request did before
    /// the server kept prepared packs.
    unkept_per_s: Option<f64>,
    requests: u64,
    seconds: f64,
}

impl Job {
    /// The request, the same for every request of the run but for a client's cookie.
    fn request(&self, addr: SocketAddr) -> Outgoing {
        Outgoing {
            head: format!(
                "POST {} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
                self.path,
                self.content_type,
                self.body.len()
            ),
            body: self.body.clone(),
        }
    }
}

/// A request: its head (without the blank line that ends it) and its body.
struct Outgoing {
    head: String,
    body: Vec<u8>,
}

/// What a right answer is.
enum Check {
    /// These exact bytes.
    Exactly(Vec<u8>),
    /// Every one of these texts somewhere in the body.
    Contains(Vec<String>),
}

impl Check {
    fn wrong(&self, body: &[u8]) -> Option<String> {
        match self {
            Check::Exactly(expected) if body != expected.as_slice() => Some(format!(
                "the body is not the library's JSON ({} bytes, {} expected): {}",
                body.len(),
                expected.len(),
                String::from_utf8_lossy(&body[..body.len().min(300)])
            )),
            Check::Exactly(_) => None,
            Check::Contains(texts) => {
                let body = String::from_utf8_lossy(body);
                texts
                    .iter()
                    .find(|t| !body.contains(t.as_str()))
                    .map(|t| format!("the report lacks `{t}`"))
            }
        }
    }
}

/// A rate with three significant digits or more: `10121`, `12.3`, `1.25`.
fn rate(per_s: f64) -> String {
    match per_s {
        r if r >= 100.0 => format!("{r:.0}"),
        r if r >= 10.0 => format!("{r:.1}"),
        r => format!("{r:.2}"),
    }
}

/// A `Fn` run on one thread for at most `seconds` and `most` times; how many times per second.
fn per_second(seconds: f64, most: u64, mut work: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut done = 0u64;
    while done < most && start.elapsed().as_secs_f64() < seconds {
        work();
        done += 1;
    }
    done as f64 / start.elapsed().as_secs_f64()
}

fn single(o: &Options, prepared: &liangxin::Prepared) -> Result<Job, String> {
    let pack = o.library.join(PACK);
    let fixture = o.library.join("../fixtures/longwen/members.json");
    let text = std::fs::read_to_string(&fixture)
        .map_err(|e| format!("cannot read {}: {e}", fixture.display()))?;
    let members: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", fixture.display()))?;
    let record = serde_json::to_string(&[&members[1]]).map_err(|e| e.to_string())?;
    let compiled = &prepared.policy;
    // What the server does for the request, less HTTP and the pack: read the JSON, evaluate,
    // write the report's JSON.
    let respond = || -> Result<Vec<u8>, String> {
        let ledger = liangxin::Ledger::from_json_str(&record, "request", &compiled.policy.schema)
            .map_err(|e| e.to_string())?;
        let evaluation = compiled.evaluate_ledger(&ledger);
        let report = liangxin::report::EvalReport {
            evaluation: &evaluation,
            grouping: None,
            top: None,
            traces: None,
            summary_only: false,
        };
        let mut out = Vec::new();
        report.write_json(&mut out).map_err(|e| e.to_string())?;
        Ok(out)
    };
    let expected = respond()?;
    if !String::from_utf8_lossy(&expected).contains("\"score\"") {
        return Err("the library's answer has no score".to_owned());
    }
    let baseline = per_second(o.baseline_seconds, 1_000_000, || {
        std::hint::black_box(respond().ok());
    });
    let unkept = per_second(o.baseline_seconds, 1_000_000, || {
        let fresh = liangxin::prepare_at(&liangxin::FsLoader, &pack, Some(AS_OF));
        std::hint::black_box(fresh.ok());
        std::hint::black_box(respond().ok());
    });
    Ok(Job {
        title: format!("single-record evaluate: POST /api/packs/{PACK}/evaluate, 1 record"),
        path: format!("/api/packs/{PACK}/evaluate?as_of={AS_OF}"),
        content_type: "application/json".to_owned(),
        body: record.into_bytes(),
        check: Check::Exactly(expected),
        baseline_what: "read the JSON record, evaluate, write the JSON",
        baseline_per_s: baseline,
        unkept_per_s: Some(unkept),
        requests: o.requests,
        seconds: o.seconds,
    })
}

fn upload(o: &Options, prepared: &liangxin::Prepared) -> Result<Job, String> {
    let schema = liangxin::Schema::builtin(liangxin::Subject::Member);
    let mut csv = Vec::new();
    liangxin::generate::write_ledger(
        &schema,
        liangxin::generate::Spec {
            rows: o.rows,
            seed: 1,
        },
        &mut csv,
    )
    .map_err(|e| e.to_string())?;
    let compiled = &prepared.policy;
    let evaluate = || -> Result<liangxin::Evaluation, String> {
        let ledger = liangxin::Ledger::from_csv_bytes(
            csv.as_slice(),
            "members.csv",
            &compiled.policy.schema,
        )
        .map_err(|e| e.to_string())?;
        Ok(compiled.evaluate_ledger(&ledger))
    };
    let evaluation = evaluate()?;
    let (Some(first), Some(last)) = (evaluation.outcomes.first(), evaluation.outcomes.last())
    else {
        return Err("the generated ledger has no records".to_owned());
    };
    // The report's facts as its HTML shows them: the record and error counts, the first and
    // last records, and each grade's count in the distribution chart.
    let mut expected = vec![
        format!(
            "<dt>records 记录</dt><dd>{}</dd>",
            evaluation.summary.records
        ),
        format!("<dt>errors 错误</dt><dd>{}</dd>", evaluation.errors.len()),
        format!(">{}<", first.record),
        format!(">{}<", last.record),
    ];
    for (grade, count) in grade_counts(&evaluation) {
        expected.push(format!(">{grade}</text>"));
        expected.push(format!(">{count} ("));
    }
    // What the server does for the upload, less HTTP, the multipart form and the temporary
    // file: read the CSV, evaluate, render the HTML report as the upload page does.
    let report = || -> Result<Vec<u8>, String> {
        let evaluation = evaluate()?;
        let report = liangxin::report::EvalReport {
            evaluation: &evaluation,
            grouping: None,
            top: compiled.policy.ranking.as_ref().map(|_| 10),
            traces: None,
            summary_only: false,
        };
        liangxin::report::render(
            || report.document(),
            || report.json(),
            liangxin::report::Format::Html,
            liangxin::report::Options::default(),
        )
        .map_err(|e| e.to_string())
    };
    let baseline = per_second(o.baseline_seconds, 1_000, || {
        std::hint::black_box(report().ok());
    });
    let mut body = Vec::new();
    for (name, value) in [("pack", PACK), ("as_of", AS_OF)] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"ledger\"; \
             filename=\"members-{}.csv\"\r\nContent-Type: text/csv\r\n\r\n",
            o.rows
        )
        .as_bytes(),
    );
    body.extend_from_slice(&csv);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Ok(Job {
        title: format!(
            "ledger upload: POST /evaluate, {} rows ({} KiB of CSV), HTML report",
            o.rows,
            csv.len() / 1024
        ),
        path: "/evaluate".to_owned(),
        content_type: format!("multipart/form-data; boundary={BOUNDARY}"),
        body,
        check: Check::Contains(expected),
        baseline_what: "read the CSV, evaluate, render the HTML report",
        baseline_per_s: baseline,
        unkept_per_s: None,
        requests: o.upload_requests,
        seconds: o.upload_seconds,
    })
}

/// Each grade's label and how many records have it.
fn grade_counts(evaluation: &liangxin::Evaluation) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for o in &evaluation.outcomes {
        let Some(grade) = o.grade_label.as_deref() else {
            continue;
        };
        match counts.iter_mut().find(|(g, _)| g == grade) {
            Some((_, n)) => *n += 1,
            None => counts.push((grade.to_owned(), 1)),
        }
    }
    counts
}

/// The server: started here (and stopped when dropped), or one already running.
enum Target {
    Started(Server),
    Running(SocketAddr),
}

impl Target {
    fn addr(&self) -> SocketAddr {
        match self {
            Target::Started(s) => s.addr,
            Target::Running(a) => *a,
        }
    }

    /// The server's peak resident memory, when it is this program's child on Linux.
    fn peak_memory(&self) -> Option<u64> {
        let Target::Started(server) = self else {
            return None;
        };
        let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kib| kib * 1024)
    }
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// `liangxin serve --addr 127.0.0.1:0`, and the address it says it listens on.
    fn start(binary: &Path, library: &Path) -> Result<Server, String> {
        // The library is named through `LIANGXIN_POLICIES`, not `--library`: `serve` makes a
        // library named with `--library` an editable git repository (`git init` in it), and a
        // load test must leave the packs it reads as they were. So the server runs read-only.
        let mut child = Command::new(binary)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("LIANGXIN_POLICIES", library)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start {} (build it: cargo build --release --bin liangxin; or name it \
                     with --server): {e}",
                    binary.display()
                )
            })?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err("the server's output cannot be read".to_owned());
        };
        // The first line says where it listens; the rest is read and dropped so the server never
        // waits on a full pipe.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = std::io::BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| "the server did not say where it listens within 60 s".to_owned())?;
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|a| a.parse::<SocketAddr>().ok())
            .ok_or_else(|| format!("cannot read the server's address from `{line}`"))?;
        if !addr.ip().is_loopback() {
            return Err(format!(
                "the server listens on {addr}, not a loopback address"
            ));
        }
        if !line.contains("read-only") {
            return Err(format!(
                "the server is not read-only, so it may write the library: `{line}`"
            ));
        }
        server.addr = addr;
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The process this program started, by its handle; nothing else is stopped.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a run measured.
#[derive(Default)]
struct Outcome {
    /// Each right answer's time, in microseconds.
    latencies: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
    elapsed: Duration,
}

impl Outcome {
    fn report(&self, baseline_per_s: f64, peak: Option<u64>) -> String {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let at = |q: f64| -> f64 {
            if sorted.is_empty() {
                return f64::NAN;
            }
            let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
            sorted[i] as f64 / 1000.0
        };
        let done = sorted.len() as u64 + self.errors;
        let per_s = sorted.len() as f64 / self.elapsed.as_secs_f64();
        let mut text = format!(
            "requests: {done} in {:.2} s, {} right, {} errors\n\
             throughput: {} requests/s ({:.2}x the in-process baseline of {}/s)\n\
             latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.elapsed.as_secs_f64(),
            sorted.len(),
            self.errors,
            rate(per_s),
            per_s / baseline_per_s,
            rate(baseline_per_s),
            at(0.50),
            at(0.99),
            at(1.0),
        );
        match peak {
            Some(bytes) => text.push_str(&format!(
                "\nserver peak memory (VmHWM): {:.1} MiB",
                bytes as f64 / (1024.0 * 1024.0)
            )),
            None => text.push_str("\nserver peak memory: not known (not a child on Linux)"),
        }
        if let Some(e) = &self.first_error {
            text.push_str(&format!("\nfirst error: {e}"));
        }
        text
    }
}

/// `clients` connections sending `request` until `most` requests are sent or `seconds` pass.
async fn drive(
    addr: SocketAddr,
    request: Arc<Outgoing>,
    check: Arc<Check>,
    clients: usize,
    most: u64,
    seconds: Duration,
) -> Outcome {
    let start = Instant::now();
    let deadline = start + seconds;
    let sent = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (request, check, sent) = (request.clone(), check.clone(), sent.clone());
        tasks.spawn(async move {
            let mut outcome = Outcome::default();
            let mut conn: Option<Connection> = None;
            // Kept as a browser keeps it: the upload page gives each client one session,
            // which holds its current ledger, rather than one session per request.
            let mut cookie: Option<String> = None;
            while Instant::now() < deadline && sent.fetch_add(1, Ordering::Relaxed) < most {
                let began = Instant::now();
                let answer = tokio::time::timeout(REQUEST_LIMIT, async {
                    if conn.is_none() {
                        conn = Some(Connection::open(addr).await?);
                    }
                    match conn.as_mut() {
                        Some(c) => c.exchange(&request, &mut cookie).await,
                        None => Err("no connection".to_owned()),
                    }
                })
                .await
                .unwrap_or_else(|_| Err(format!("no answer within {} s", REQUEST_LIMIT.as_secs())));
                let wrong = match answer {
                    Ok((200, body)) => check.wrong(&body),
                    Ok((status, body)) => Some(format!(
                        "status {status}: {}",
                        String::from_utf8_lossy(&body[..body.len().min(300)])
                    )),
                    Err(e) => {
                        conn = None;
                        Some(e)
                    }
                };
                match wrong {
                    None => outcome.latencies.push(began.elapsed().as_micros() as u64),
                    Some(e) => {
                        outcome.errors += 1;
                        outcome.first_error.get_or_insert(e);
                    }
                }
            }
            outcome
        });
    }
    let mut total = Outcome::default();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(o) => {
                total.latencies.extend(o.latencies);
                total.errors += o.errors;
                if total.first_error.is_none() {
                    total.first_error = o.first_error;
                }
            }
            Err(e) => {
                total.errors += 1;
                total.first_error.get_or_insert(e.to_string());
            }
        }
    }
    total.elapsed = start.elapsed();
    total
}

/// One keep-alive HTTP/1.1 connection: a request written whole, the answer read by its
/// `Content-Length` or its chunks.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> Result<Connection, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(Connection {
            stream,
            buffer: Vec::with_capacity(64 * 1024),
        })
    }

    /// Sends `request` with the cookie, if any; the answer's status and body. A cookie the
    /// answer sets is kept for the next request.
    async fn exchange(
        &mut self,
        request: &Outgoing,
        cookie: &mut Option<String>,
    ) -> Result<(u16, Vec<u8>), String> {
        let mut out = Vec::with_capacity(request.head.len() + request.body.len() + 128);
        out.extend_from_slice(request.head.as_bytes());
        if let Some(cookie) = cookie.as_deref() {
            out.extend_from_slice(format!("Cookie: {cookie}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&request.body);
        self.stream
            .write_all(&out)
            .await
            .map_err(|e| format!("cannot send: {e}"))?;
        self.buffer.clear();
        let head_end = loop {
            if let Some(i) = find(&self.buffer, b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buffer[..head_end])
            .map_err(|_| "the answer's head is not text".to_owned())?
            .to_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| format!("not an HTTP answer: {head}"))?;
        let mut length = None;
        let mut chunked = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("set-cookie")
                && let Some(pair) = value.split(';').next()
            {
                *cookie = Some(pair.trim().to_owned());
            }
        }
        let body = if chunked {
            self.chunks(head_end).await?
        } else {
            let length = length.ok_or("the answer has no Content-Length")?;
            while self.buffer.len() < head_end + length {
                self.fill().await?;
            }
            self.buffer[head_end..head_end + length].to_vec()
        };
        Ok((status, body))
    }

    /// A chunked body starting at `at` of the buffer.
    async fn chunks(&mut self, mut at: usize) -> Result<Vec<u8>, String> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = find(&self.buffer[at..], b"\r\n") {
                    break at + i;
                }
                self.fill().await?;
            };
            let size_text = std::str::from_utf8(&self.buffer[at..line_end]).unwrap_or("");
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| format!("a bad chunk size `{size_text}`"))?;
            let data = line_end + 2;
            while self.buffer.len() < data + size + 2 {
                self.fill().await?;
            }
            if size == 0 {
                return Ok(body);
            }
            body.extend_from_slice(&self.buffer[data..data + size]);
            at = data + size + 2;
        }
    }

    async fn fill(&mut self) -> Result<(), String> {
        let mut chunk = [0u8; 64 * 1024];
        let n = self
            .stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("cannot read the answer: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection".to_owned());
        }
        self.buffer.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

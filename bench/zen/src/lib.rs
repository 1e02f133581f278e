//! What the peer benchmark's binaries share: reading a Longwen member ledger (the csv crate with
//! serde, the eight columns the rule needs), splitting it at row boundaries for threads, and
//! writing `党员编号,等次` per row, so the floor and zen-engine differ only in how a row is
//! graded.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::time::Instant;

/// The grades of the Longwen points pack, in the order counts are printed.
pub const GRADES: [&str; 4] = ["优先推荐", "合格", "帮扶教育", "一票否决"];

/// The Longwen columns both binaries read.
#[derive(serde::Deserialize)]
pub struct Row {
    #[serde(rename = "党员编号")]
    pub id: String,
    #[serde(rename = "组织生活")]
    pub org_life: i64,
    #[serde(rename = "创先争优")]
    pub excellence: i64,
    #[serde(rename = "服务职工")]
    pub serve_workers: i64,
    #[serde(rename = "遵纪守法")]
    pub law_abiding: i64,
    #[serde(rename = "群众反映")]
    pub feedback: i64,
    #[serde(rename = "创新工作加分")]
    pub innovation: i64,
    #[serde(rename = "工作失误扣分")]
    pub mistakes: i64,
    #[serde(rename = "一票否决")]
    pub veto: String,
}

/// The command line both binaries take.
pub struct Args {
    pub ledger: PathBuf,
    pub output: PathBuf,
    pub threads: usize,
}

impl Args {
    /// From the process's arguments.
    pub fn parse(usage: &str) -> Result<Args, String> {
        Args::parse_from(std::env::args().skip(1), usage)
    }

    /// From `args` (without the program's name).
    pub fn parse_from(args: impl IntoIterator<Item = String>, usage: &str) -> Result<Args, String> {
        let mut positional = Vec::new();
        let mut threads = 1;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--threads" => {
                    let value = args.next().ok_or("--threads needs a number")?;
                    threads = match value.as_str() {
                        "all" => std::thread::available_parallelism().map_or(1, |n| n.get()),
                        n => n
                            .parse()
                            .map_err(|_| format!("--threads {n}: not a number"))?,
                    };
                }
                "-h" | "--help" => return Err(usage.to_owned()),
                _ => positional.push(PathBuf::from(arg)),
            }
        }
        match <[PathBuf; 2]>::try_from(positional) {
            Ok([ledger, output]) => Ok(Args {
                ledger,
                output,
                threads: threads.max(1),
            }),
            Err(_) => Err(usage.to_owned()),
        }
    }
}

/// What grading a ledger gave: the count per grade (in [`GRADES`] order) and the rows that did
/// not read or grade.
#[derive(Default)]
pub struct Tally {
    pub grades: [u64; 4],
    pub errors: u64,
    pub first_error: Option<String>,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        for (a, b) in self.grades.iter_mut().zip(other.grades) {
            *a += b;
        }
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
    }

    /// The machine-readable result line: one JSON object.
    pub fn line(&self, engine: &str, threads: usize, seconds: f64) -> String {
        let counts: Vec<String> = GRADES
            .iter()
            .zip(self.grades)
            .map(|(g, n)| format!("\"{g}\":{n}"))
            .collect();
        format!(
            "{{\"engine\":\"{engine}\",\"threads\":{threads},\"rows\":{},\"errors\":{},\"counts\":{{{}}},\"seconds\":{seconds:.3}}}",
            self.grades.iter().sum::<u64>(),
            self.errors,
            counts.join(",")
        )
    }
}

/// Grades every row of `args.ledger` into `args.output` (`党员编号,等次`, in the ledger's order)
/// on `args.threads` threads, each with a grader of its own made by `grader` (a zen-engine
/// decision is not `Send`, so each thread loads its own). With more than one thread the file is
/// cut at line starts into as many byte ranges (the generated ledgers quote no line breaks),
/// each thread parses and grades its range into memory, and the parts are written in order.
/// Prints the result line and returns the tally.
pub fn run<G, F>(engine: &str, args: &Args, grader: F) -> Result<Tally, String>
where
    F: Fn() -> Result<G, String> + Sync,
    G: FnMut(&Row) -> Result<usize, String>,
{
    let start = Instant::now();
    let (headers, body) = header(args)?;
    let len = std::fs::metadata(&args.ledger)
        .map_err(|e| format!("{}: {e}", args.ledger.display()))?
        .len();
    let ranges = split(args, body, len)?;
    let file = File::create(&args.output).map_err(|e| format!("{}: {e}", args.output.display()))?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    out.write_all("党员编号,等次\n".as_bytes())
        .map_err(|e| e.to_string())?;
    let mut tally = Tally::default();
    if ranges.len() == 1 {
        let mut grade = grader()?;
        let (out, part) = grade_range(args, &headers, ranges[0], &mut grade, out)?;
        tally.add(part);
        out.into_inner().map_err(|e| e.to_string())?;
    } else {
        let parts: Vec<Result<(Vec<u8>, Tally), String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = ranges
                .iter()
                .map(|&range| {
                    let (headers, grader) = (&headers, &grader);
                    scope.spawn(move || {
                        let mut grade = grader()?;
                        grade_range(args, headers, range, &mut grade, Vec::new())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("a thread panicked".into())))
                .collect()
        });
        for part in parts {
            let (bytes, part) = part?;
            out.write_all(&bytes).map_err(|e| e.to_string())?;
            tally.add(part);
        }
        out.flush().map_err(|e| e.to_string())?;
    }
    let seconds = start.elapsed().as_secs_f64();
    println!("{}", tally.line(engine, ranges.len(), seconds));
    if let Some(e) = &tally.first_error {
        eprintln!("{} rows not graded; the first: {e}", tally.errors);
    }
    Ok(tally)
}

/// The ledger's header and the byte offset of its first record.
fn header(args: &Args) -> Result<(csv::StringRecord, u64), String> {
    let file = File::open(&args.ledger).map_err(|e| format!("{}: {e}", args.ledger.display()))?;
    let mut line = Vec::new();
    BufReader::new(file)
        .read_until(b'\n', &mut line)
        .map_err(|e| e.to_string())?;
    let body = line.len() as u64;
    let text = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&line);
    let headers = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text)
        .records()
        .next()
        .ok_or("the ledger is empty")?
        .map_err(|e| e.to_string())?;
    Ok((headers, body))
}

/// `args.threads` byte ranges of the body, each starting at a line start.
fn split(args: &Args, body: u64, len: u64) -> Result<Vec<(u64, u64)>, String> {
    let n = args.threads as u64;
    let mut cuts = vec![body];
    let mut reader = BufReader::new(File::open(&args.ledger).map_err(|e| e.to_string())?);
    for i in 1..n {
        let at = body + (len - body) * i / n;
        if at <= *cuts.last().unwrap_or(&body) {
            continue;
        }
        reader
            .seek(SeekFrom::Start(at))
            .map_err(|e| e.to_string())?;
        let mut skipped = Vec::new();
        let read = reader
            .read_until(b'\n', &mut skipped)
            .map_err(|e| e.to_string())?;
        let cut = at + read as u64;
        if cut < len && cut > *cuts.last().unwrap_or(&body) {
            cuts.push(cut);
        }
    }
    cuts.push(len);
    Ok(cuts.windows(2).map(|w| (w[0], w[1])).collect())
}

/// Parses and grades the rows in `range`, writing `党员编号,等次` for each to `out`.
fn grade_range<W: Write, G>(
    args: &Args,
    headers: &csv::StringRecord,
    (from, to): (u64, u64),
    grade: &mut G,
    out: W,
) -> Result<(W, Tally), String>
where
    G: FnMut(&Row) -> Result<usize, String>,
{
    let mut file = File::open(&args.ledger).map_err(|e| e.to_string())?;
    file.seek(SeekFrom::Start(from))
        .map_err(|e| e.to_string())?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .buffer_capacity(1 << 16)
        .from_reader(file.take(to - from));
    let mut writer = csv::Writer::from_writer(out);
    let mut record = csv::StringRecord::new();
    let mut tally = Tally::default();
    let fail = |tally: &mut Tally, e: String| {
        tally.errors += 1;
        tally.first_error.get_or_insert(e);
    };
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) if e.is_io_error() => return Err(e.to_string()),
            Err(e) => {
                fail(&mut tally, e.to_string());
                continue;
            }
        }
        let row: Row = match record.deserialize(Some(headers)) {
            Ok(row) => row,
            Err(e) => {
                fail(&mut tally, e.to_string());
                continue;
            }
        };
        match grade(&row) {
            Ok(g) => {
                tally.grades[g] += 1;
                writer
                    .write_record([row.id.as_str(), GRADES[g]])
                    .map_err(|e| e.to_string())?;
            }
            Err(e) => fail(&mut tally, format!("{}: {e}", row.id)),
        }
    }
    let out = writer.into_inner().map_err(|e| e.to_string())?;
    Ok((out, tally))
}

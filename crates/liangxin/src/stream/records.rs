//! Every record's outcome written, for a CSV ledger of any size, in bounded memory.
//!
//! Two passes, the second over temporary files rather than the input (which may be stdin):
//!
//! 1. **Evaluate.** A reader thread cuts the input into blocks of whole rows and types them
//!    ([`super::Blocks`], the CSV reader); worker threads, each with its own evaluator, evaluate
//!    a block, render each outcome in the output's format with a hole for its rank
//!    ([`crate::report::records`]) and count what the summary needs. This thread takes the
//!    blocks back in ledger order: it appends the rendered records to the spool, adds up the
//!    counts, the number of records per score (for ranks), the leaders (for `--top`) and each
//!    record id's fingerprint (for ids met twice).
//! 2. **Write.** Once every record is counted, each record's competition rank is one more than
//!    the number of records scoring above it. The spool is copied to the output with the ranks
//!    filled in and only the columns the ledger turned out to have.
//!
//! Memory holds a few blocks, the counts per score and grade, the leaders, and up to
//! [`StreamOptions::ids_in_memory`] fingerprints (more go to sorted runs on disk, merged at the end); the
//! spool stays in memory up to [`StreamOptions::spool_in_memory`] bytes, then moves to an unnamed temporary
//! file that the system removes whatever happens. Nothing is written to the output before the
//! whole input is read: a ledger that cannot be evaluated leaves no half-written output.
//!
//! What this path cannot do is refused up front, before anything is read, as
//! [`StreamError::NotStreamable`] (the caller reads such a ledger whole): a quota (it changes
//! grades once every record is known; `lead` and `rate` group rules are folded block by block);
//! and, met on the way, a percent column whose form changes after records were counted, or,
//! found at the end, an id on two rows (its rows named: read whole, neither row is graded and
//! the others are).

use std::collections::{BTreeMap, BinaryHeap};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};

use super::{Leaderboard, Score, StreamOptions, keep};
use crate::compile::CompiledPolicy;
use crate::evaluate::{Evaluation, Outcome, RuleFold, Tally, not_final};
use crate::ledger::{CsvRows, LedgerError, Record, RecordError, fingerprint, records_with_errors};
use crate::report::EvalReport;
use crate::report::records::{RecordFormat, RecordRenderer, RecordWriter, Seen};

/// Different scores a ranked ledger may have: ranks need a count per score.
pub const MAX_SCORES: usize = 4 << 20;

/// Why a ledger's records could not be streamed.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The ledger cannot be read (nothing was written).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The ledger can be evaluated, but not as a stream: read it whole. Nothing was written.
    #[error("ledger {path}: {message}")]
    NotStreamable {
        /// The ledger's name.
        path: String,
        /// Why, in words.
        message: String,
    },
    /// The temporary files of the second pass could not be written (a full disk, say).
    /// Nothing was written to the output.
    #[error(
        "cannot write a temporary file in {dir}: {source}; free space there, or name another folder with TMPDIR"
    )]
    Spool {
        /// The folder of the temporary files.
        dir: String,
        /// What failed.
        #[source]
        source: io::Error,
    },
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    Output(#[source] io::Error),
}

/// What one worker made of one block.
struct Block<'a> {
    seq: u64,
    /// The rendered records, each `[u8 ranked][f64 score][fields]`.
    spool: Vec<u8>,
    tally: Tally,
    /// Ranked records per score.
    counts: BTreeMap<Score, usize>,
    seen: Seen,
    /// Each record's id fingerprint and row.
    ids: Vec<(u64, u64)>,
    /// Records that may place in the top (with `--top`).
    leaders: Vec<Outcome>,
    /// The group rules' counts over the block.
    folds: Vec<RuleFold<'a>>,
    errors: Vec<RecordError>,
}

/// Evaluates the CSV ledger `input` under `compiled` and writes every record's outcome to `out`
/// in `format`, in bounded memory, on `options.threads` threads (one more reads). Returns the
/// evaluation without its outcomes (with `options.top`, the leaders, ranked), its errors the
/// first `options.max_errors` (the summary counts all).
///
/// # Errors
///
/// [`StreamError::NotStreamable`] for what must be read whole (see the module's notes);
/// [`StreamError::Ledger`] when the input is not a ledger; [`StreamError::Spool`] when the
/// temporary files cannot be written. In these cases nothing was written to `out`.
/// [`StreamError::Output`] when writing `out` fails.
pub fn write_records(
    compiled: &CompiledPolicy,
    input: impl Read + Send,
    name: &str,
    options: StreamOptions,
    format: RecordFormat,
    out: &mut dyn Write,
) -> Result<Evaluation, StreamError> {
    if let Some(why) = not_streamable(compiled) {
        return Err(StreamError::NotStreamable {
            path: name.to_owned(),
            message: why,
        });
    }
    let policy = &compiled.policy;
    let schema = &policy.schema;
    let ranking = policy.ranking.as_ref();
    let exclude_vetoed = ranking.is_some_and(|r| r.exclude_vetoed);
    let skeleton = Evaluation::new(compiled, Vec::new(), Vec::new(), Vec::new());
    let dir = options.spool_dir.clone().unwrap_or_else(std::env::temp_dir);
    let spool_error = |source: io::Error| StreamError::Spool {
        dir: dir.display().to_string(),
        source,
    };
    let threads = options.threads.max(1);
    let top = options.top;
    let max_errors = options.max_errors;
    // The lowest score that can still place in the top, shared with the workers so they send
    // only records that can (it only rises, so one read late is safe).
    let cutoff = AtomicU64::new(f64::NEG_INFINITY.to_bits());

    let mut tally = Tally::new(policy);
    let mut counts: BTreeMap<Score, usize> = BTreeMap::new();
    let mut seen = Seen::default();
    let mut board = Leaderboard::new(compiled, top);
    let mut errors: Vec<RecordError> = Vec::new();
    let (mut failed_records, mut total_errors) = (0usize, 0usize);
    let mut spool = Spool::new(&dir, options.spool_in_memory);
    let mut ids = Ids::new(&dir, options.ids_in_memory);
    let mut trouble: Option<StreamError> = None;
    // The group rules' results, built block by block (no quota: refused above).
    let mut folds = compiled.group_folds().unwrap_or_default();

    let (send_work, work) = mpsc::sync_channel::<(u64, Vec<Record>, Vec<RecordError>)>(threads);
    let work = Mutex::new(work);
    // Block buffers written to the spool's file come back to the workers, so the pages they
    // touched are reused rather than fresh pages zeroed by the kernel for every block.
    let (send_free, free) = mpsc::channel::<Vec<u8>>();
    let free = Mutex::new(free);
    let read = std::thread::scope(|scope| -> Result<CsvRows<'_>, LedgerError> {
        let (send_done, done) = mpsc::sync_channel::<Block<'_>>(threads * 2);
        let reader = scope.spawn(move || {
            let mut seq = 0u64;
            super::read_blocks(input, name, &options, compiled, true, |records, errors| {
                seq += 1;
                send_work.send((seq - 1, records, errors)).is_ok()
            })
        });
        for _ in 0..threads {
            let send_done = send_done.clone();
            let (work, free, skeleton, cutoff) = (&work, &free, &skeleton, &cutoff);
            scope.spawn(move || {
                let mut evaluator = compiled.evaluator();
                let renderer = RecordRenderer::new(format, skeleton);
                loop {
                    // The lock is held only to take a block; a poisoned one means a worker
                    // died, and the run ends with the blocks taken so far missing (reported).
                    let job = match work.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => break,
                    };
                    let Ok((seq, records, mut block_errors)) = job else {
                        break;
                    };
                    let mut block = Block {
                        seq,
                        spool: free
                            .lock()
                            .ok()
                            .and_then(|f| f.try_recv().ok())
                            .map(|mut b| {
                                b.clear();
                                b
                            })
                            .unwrap_or_else(|| Vec::with_capacity(records.len() * 160)),
                        tally: Tally::new(policy),
                        counts: BTreeMap::new(),
                        seen: Seen::default(),
                        ids: Vec::with_capacity(records.len()),
                        leaders: Vec::new(),
                        folds: compiled.group_folds().unwrap_or_default(),
                        errors: Vec::new(),
                    };
                    let floor = f64::from_bits(cutoff.load(Ordering::Relaxed));
                    for mut record in records {
                        block.ids.push((fingerprint(&record.id), record.row as u64));
                        let mut o = match evaluator.evaluate(&record) {
                            Ok(o) => o,
                            Err(mut e) => {
                                block_errors.append(&mut e);
                                continue;
                            }
                        };
                        o.extra = std::mem::take(&mut record.extra);
                        let score = o.score.filter(|_| ranking.is_some());
                        let ranked = score.filter(|_| !(exclude_vetoed && o.vetoed));
                        block.seen.add(&o, ranked.is_some());
                        block.tally.add(&o);
                        for fold in &mut block.folds {
                            fold.add(&o);
                        }
                        if let Some(s) = ranked {
                            *block.counts.entry(Score::of(s)).or_default() += 1;
                        }
                        block.spool.push(u8::from(ranked.is_some()));
                        block
                            .spool
                            .extend_from_slice(&ranked.unwrap_or(0.0).to_le_bytes());
                        renderer.render(&mut o, &mut block.spool);
                        if top.is_some() && ranked.is_some_and(|s| s >= floor) {
                            block.leaders.push(o);
                        }
                    }
                    block_errors.sort_by_key(|e| e.row);
                    block.errors = block_errors;
                    if send_done.send(block).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send_done);
        // Blocks come back in any order; they are taken in ledger order.
        let mut waiting: BTreeMap<u64, Block> = BTreeMap::new();
        let mut next = 0u64;
        for block in done {
            waiting.insert(block.seq, block);
            while let Some(block) = waiting.remove(&next) {
                next += 1;
                if trouble.is_some() {
                    continue;
                }
                match spool.push(block.spool) {
                    Ok(Some(buffer)) => {
                        // The workers may all have ended: then the buffer is dropped.
                        let _ = send_free.send(buffer);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        trouble = Some(spool_error(e));
                        continue;
                    }
                }
                if let Err(e) = ids.add(&block.ids) {
                    trouble = Some(spool_error(e));
                    continue;
                }
                tally.merge(block.tally);
                for (score, n) in block.counts {
                    *counts.entry(score).or_default() += n;
                }
                if counts.len() > MAX_SCORES {
                    trouble = Some(StreamError::NotStreamable {
                        path: name.to_owned(),
                        message: format!(
                            "more than {MAX_SCORES} different scores: ranks are counted per score, which a stream holds in memory"
                        ),
                    });
                    continue;
                }
                seen.merge(block.seen);
                for (fold, later) in folds.iter_mut().zip(block.folds) {
                    fold.merge(later);
                }
                board.add(block.leaders);
                cutoff.store(board.cutoff().to_bits(), Ordering::Relaxed);
                failed_records += records_with_errors(&block.errors);
                total_errors += block.errors.len();
                keep(&mut errors, block.errors, max_errors);
            }
        }
        match reader.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    let read = read.map_err(|e| match e {
        LedgerError::Unstreamable { path, message } => StreamError::NotStreamable { path, message },
        other => StreamError::Ledger(other),
    });
    if let Some(trouble) = trouble {
        return Err(trouble);
    }
    let ledger = read?.finish()?;

    let twice = ids.repeated().map_err(spool_error)?;
    if let Some(&(first, again)) = twice.first() {
        let id = &schema.fields[&schema.id_field];
        let more = match twice.len() {
            1 => String::new(),
            n => format!(" ({} ids are on more than one row)", n),
        };
        return Err(StreamError::NotStreamable {
            path: name.to_owned(),
            message: format!(
                "rows {first} and {again} have the same {} ({}){more}; read whole, neither row is graded until one is corrected",
                id.label, id.id
            ),
        });
    }

    let mut notes = ledger.notes;
    if total_errors > errors.len() {
        notes.push(format!(
            "streamed: the first {} of {total_errors} record errors are listed ({failed_records} records could not be evaluated)",
            errors.len()
        ));
    }
    let mut evaluation = Evaluation::new(compiled, board.finish(), errors, notes);
    evaluation.summary = tally.summary(policy, failed_records, policy.budget.as_ref());
    evaluation.extra_columns = ledger.extra_columns;
    evaluation.group_rules = folds.into_iter().map(RuleFold::finish).collect();
    not_final(&mut evaluation.group_rules, failed_records);

    // Pass 2: the ranks, then the spool copied out with them.
    let ranks = Ranks::new(&counts);
    let report = EvalReport {
        evaluation: &evaluation,
        grouping: None,
        top,
        traces: None,
        summary_only: false,
    };
    let mut writer = RecordWriter::new(format, &report, seen);
    let output = StreamError::Output;
    let mut out = BufWriter::with_capacity(1 << 20, out);
    writer.head(&mut out).map_err(output)?;
    spool
        .for_each(|block| {
            let mut fields: Vec<&[u8]> = Vec::with_capacity(32);
            let mut at = 0;
            while at < block.len() {
                let ranked = block[at] == 1;
                let score = f64::from_le_bytes(take::<8>(block, at + 1)?);
                at += 9;
                fields.clear();
                let count = u16::from_le_bytes(take::<2>(block, at)?);
                at += 2;
                for _ in 0..count {
                    let len = u32::from_le_bytes(take::<4>(block, at)?) as usize;
                    at += 4;
                    let field = block
                        .get(at..at + len)
                        .ok_or_else(|| io::Error::other("the spool is cut short"))?;
                    fields.push(field);
                    at += len;
                }
                let rank = ranked.then(|| ranks.of(score));
                writer.record(&fields, rank, &mut out)?;
                fields.clear();
            }
            Ok(())
        })
        .map_err(output)?;
    writer.tail(&mut out).map_err(output)?;
    out.flush().map_err(output)?;
    Ok(evaluation)
}

/// Why a pack's records cannot be streamed, if they cannot.
pub(super) fn not_streamable(compiled: &CompiledPolicy) -> Option<String> {
    let rule = compiled
        .policy
        .group_rules
        .iter()
        .find(|r| matches!(r.kind, crate::policy::GroupKind::Quota { .. }))?;
    Some(format!(
        "the pack's quota `{}` changes grades once every record is known",
        rule.id
    ))
}

/// `N` bytes of `block` from `at`.
fn take<const N: usize>(block: &[u8], at: usize) -> io::Result<[u8; N]> {
    block
        .get(at..at + N)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| io::Error::other("the spool is cut short"))
}

/// Competition ranks by score: one more than the number of records scoring higher.
struct Ranks {
    /// Scores, highest first, with their rank.
    by_score: Vec<(f64, usize)>,
}

impl Ranks {
    fn new(counts: &BTreeMap<Score, usize>) -> Ranks {
        let mut above = 0;
        let by_score = counts
            .iter()
            .rev()
            .map(|(score, n)| {
                let rank = above + 1;
                above += n;
                (score.0, rank)
            })
            .collect();
        Ranks { by_score }
    }

    fn of(&self, score: f64) -> usize {
        let score = Score::of(score).0;
        let at = self.by_score.partition_point(|(s, _)| *s > score);
        self.by_score.get(at).map_or(1, |(_, rank)| *rank)
    }
}

/// The rendered records between the passes: the blocks as the workers made them, in memory up
/// to a limit, then in an unnamed temporary file (removed by the system when closed, whatever
/// happens).
struct Spool {
    dir: PathBuf,
    limit: usize,
    blocks: Vec<Vec<u8>>,
    held: usize,
    file: Option<BufWriter<File>>,
}

impl Spool {
    fn new(dir: &Path, limit: usize) -> Spool {
        Spool {
            dir: dir.to_owned(),
            limit,
            blocks: Vec::new(),
            held: 0,
            file: None,
        }
    }

    /// Takes one block; gives the block's buffer back once it is written to the file.
    fn push(&mut self, block: Vec<u8>) -> io::Result<Option<Vec<u8>>> {
        if self.file.is_none() && self.held + block.len() <= self.limit {
            self.held += block.len();
            self.blocks.push(block);
            return Ok(None);
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => {
                let mut file = BufWriter::with_capacity(1 << 20, tempfile::tempfile_in(&self.dir)?);
                for held in std::mem::take(&mut self.blocks) {
                    write_block(&mut file, &held)?;
                }
                self.file.insert(file)
            }
        };
        write_block(file, &block)?;
        Ok(Some(block))
    }

    /// Hands each block, in order, to `each`.
    fn for_each(self, mut each: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        let Some(file) = self.file else {
            for block in &self.blocks {
                each(block)?;
            }
            return Ok(());
        };
        let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.rewind()?;
        let mut file = BufReader::with_capacity(1 << 20, file);
        let mut block = Vec::new();
        loop {
            let mut len = [0u8; 8];
            match file.read_exact(&mut len) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            }
            let len = u64::from_le_bytes(len) as usize;
            block.clear();
            block
                .try_reserve(len)
                .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
            file.by_ref().take(len as u64).read_to_end(&mut block)?;
            each(&block)?;
        }
    }
}

/// Writes one block to the spool's file, framed by its length.
fn write_block(file: &mut impl Write, block: &[u8]) -> io::Result<()> {
    file.write_all(&(block.len() as u64).to_le_bytes())?;
    file.write_all(block)
}

/// Record ids' fingerprints with their rows, to find an id on two rows without holding every
/// id: up to a limit in memory, then sorted runs in a temporary file, merged at the end.
struct Ids {
    dir: PathBuf,
    limit: usize,
    memory: Vec<(u64, u64)>,
    runs: Option<(tempfile::NamedTempFile, Vec<(u64, u64)>)>,
}

impl Ids {
    fn new(dir: &Path, limit: usize) -> Ids {
        Ids {
            dir: dir.to_owned(),
            limit: limit.max(1),
            memory: Vec::new(),
            runs: None,
        }
    }

    fn add(&mut self, ids: &[(u64, u64)]) -> io::Result<()> {
        self.memory
            .try_reserve(ids.len())
            .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
        self.memory.extend_from_slice(ids);
        if self.memory.len() >= self.limit {
            self.spill()?;
        }
        Ok(())
    }

    /// Writes the ids in memory as one sorted run.
    fn spill(&mut self) -> io::Result<()> {
        self.memory.sort_unstable();
        if self.runs.is_none() {
            self.runs = Some((tempfile::NamedTempFile::new_in(&self.dir)?, Vec::new()));
        }
        let Some((file, runs)) = &mut self.runs else {
            return Ok(());
        };
        let start = file.as_file_mut().seek(io::SeekFrom::End(0))?;
        let mut out = BufWriter::with_capacity(1 << 20, file.as_file_mut());
        for (fingerprint, row) in &self.memory {
            out.write_all(&fingerprint.to_le_bytes())?;
            out.write_all(&row.to_le_bytes())?;
        }
        out.flush()?;
        runs.push((start, self.memory.len() as u64));
        self.memory.clear();
        Ok(())
    }

    /// The pairs of rows whose ids share a fingerprint (an id on two rows), by the later row.
    fn repeated(mut self) -> io::Result<Vec<(u64, u64)>> {
        let mut twice = Vec::new();
        let mut check = |previous: &mut Option<(u64, u64)>, (fingerprint, row): (u64, u64)| {
            if let Some((f, first)) = *previous
                && f == fingerprint
            {
                twice.push((first.min(row), first.max(row)));
            } else {
                *previous = Some((fingerprint, row));
            }
        };
        let mut previous = None;
        if self.runs.is_none() {
            self.memory.sort_unstable();
            for &pair in &self.memory {
                check(&mut previous, pair);
            }
        } else {
            if !self.memory.is_empty() {
                self.spill()?;
            }
            let Some((file, runs)) = &self.runs else {
                return Ok(twice);
            };
            // A k-way merge of the sorted runs, each read through its own handle.
            let mut readers = Vec::with_capacity(runs.len());
            for &(start, len) in runs {
                let mut handle = file.reopen()?;
                handle.seek(io::SeekFrom::Start(start))?;
                readers.push((BufReader::with_capacity(64 << 10, handle), len));
            }
            let next =
                |(reader, left): &mut (BufReader<File>, u64)| -> io::Result<Option<(u64, u64)>> {
                    if *left == 0 {
                        return Ok(None);
                    }
                    *left -= 1;
                    let pair = take_pair(reader)?;
                    Ok(Some(pair))
                };
            let mut heap = BinaryHeap::new();
            for (i, reader) in readers.iter_mut().enumerate() {
                if let Some(pair) = next(reader)? {
                    heap.push(std::cmp::Reverse((pair, i)));
                }
            }
            while let Some(std::cmp::Reverse((pair, i))) = heap.pop() {
                check(&mut previous, pair);
                if let Some(pair) = next(&mut readers[i])? {
                    heap.push(std::cmp::Reverse((pair, i)));
                }
            }
        }
        twice.sort_unstable_by_key(|&(first, again)| (again, first));
        Ok(twice)
    }
}

fn take_pair(reader: &mut impl Read) -> io::Result<(u64, u64)> {
    let mut bytes = [0u8; 16];
    reader.read_exact(&mut bytes)?;
    let (f, r) = bytes.split_at(8);
    Ok((
        u64::from_le_bytes(f.try_into().map_err(io::Error::other)?),
        u64::from_le_bytes(r.try_into().map_err(io::Error::other)?),
    ))
}

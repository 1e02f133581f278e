//! A CSV entry ledger summed as it is read, for ledgers too large to hold: a province's year of
//! entries is tens of millions of rows, and the totals need only one tally per member.
//!
//! The input is cut into blocks of whole rows and typed by the ledger reader itself, exactly
//! as a ledger read whole is (encodings, title rows, 合计 rows, quotes), so every entry is
//! checked and refused as [`Aggregator::add`] does when read whole, at the same row. With two
//! threads or more one reads and types blocks while the other adds the previous block. Memory
//! then holds a few blocks, the roster's tallies and the duplicate check's fingerprints,
//! whatever the ledger's length; those that grow with the ledger are reserved before each
//! block, so memory running out is a located error, not an abort.

use std::io::Read;
use std::sync::mpsc;

use super::aggregate::Aggregator;
use crate::ledger::{CsvRows, LedgerError, Record, RecordError};
use crate::stream::StreamOptions;

/// Adds every entry of the CSV entry ledger `input` (a file or stdin, named `name` in
/// messages) to `aggregator` without holding the ledger; returns the reader's notes on it
/// (its encoding, rows that are not entries). `options.threads` above 1 reads on a thread of
/// its own; `top`, `max_errors` and the column choices do not apply (every refused entry is
/// kept, with its row).
///
/// # Errors
///
/// [`LedgerError::Io`] when `input` fails; [`LedgerError::Format`] when it is not an entry
/// ledger (no header, not text), or memory runs out for the entries read so far.
pub fn add_csv(
    aggregator: &mut Aggregator,
    input: impl Read + Send,
    name: &str,
    options: &StreamOptions,
) -> Result<Vec<String>, LedgerError> {
    aggregator.set_file(name);
    // The schema is the aggregator's; the reader borrows a copy so the aggregator can be
    // written to while blocks are read.
    let schema = aggregator.entry_schema().clone();
    let rows = if options.threads > 1 {
        std::thread::scope(|scope| -> Result<CsvRows<'_>, LedgerError> {
            // Two blocks in flight keep both sides busy.
            let (send, receive) = mpsc::sync_channel::<(Vec<Record>, Vec<RecordError>)>(2);
            let reader = scope.spawn(|| {
                read_blocks(input, name, &schema, options, move |block| {
                    send.send(block).is_ok()
                })
            });
            let mut added = Ok(());
            for block in receive {
                added = add_block(aggregator, name, block);
                if added.is_err() {
                    // Dropping the receiver stops the reader at its next block.
                    break;
                }
            }
            let read = match reader.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            added.and(read)
        })?
    } else {
        let mut added = Ok(());
        let rows = read_blocks(input, name, &schema, options, |block| {
            added = add_block(aggregator, name, block);
            added.is_ok()
        })?;
        added?;
        rows
    };
    Ok(rows.finish()?.notes)
}

/// Reads `input` block by block, handing each block's records and row errors to `each` until
/// it says stop; returns the reader, for its notes.
fn read_blocks<'s>(
    input: impl Read,
    name: &str,
    schema: &'s crate::Schema,
    options: &StreamOptions,
    mut each: impl FnMut((Vec<Record>, Vec<RecordError>)) -> bool,
) -> Result<CsvRows<'s>, LedgerError> {
    let rows = CsvRows::new(name, schema);
    crate::stream::read_rows(input, name, options, rows, |records, errors| {
        each((records, errors))
    })
}

/// Adds one block's entries, in row order; memory for them is reserved first.
fn add_block(
    aggregator: &mut Aggregator,
    name: &str,
    (records, errors): (Vec<Record>, Vec<RecordError>),
) -> Result<(), LedgerError> {
    if aggregator
        .try_reserve(records.len() + errors.len())
        .is_err()
    {
        let row = records.first().map_or(0, |r| r.row);
        return Err(LedgerError::Format {
            path: name.to_owned(),
            message: format!(
                "row {row}: not enough memory to check the entries from here on for repeats ({} entries counted so far): free memory, or sum the ledger in parts (--from/--to)",
                aggregator.entries()
            ),
        });
    }
    aggregator.has_columns(name, &records)?;
    aggregator.add_row_errors(&errors);
    for record in &records {
        aggregator.add(record);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entries::Period;
    use crate::entries::generate::{EntrySpec, YEAR, write_entries, write_roster};
    use crate::ledger::Ledger;

    fn longwen() -> crate::Prepared {
        let pack = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/longwen-points");
        crate::prepare(&crate::FsLoader, std::path::Path::new(pack)).unwrap()
    }

    /// The roster after summing `entries` whole and streamed (blocks of `block_bytes`, on
    /// `threads`): both must be the same, records and errors.
    fn both_ways(entries: &[u8], block_bytes: usize, threads: usize) -> (Ledger, Ledger) {
        let prepared = longwen();
        let policy = &prepared.policy.policy;
        let catalog = policy.catalog.as_ref().unwrap();
        let spec = EntrySpec {
            members: 50,
            per_member: 12,
            seed: 3,
        };
        let mut roster = Vec::new();
        write_roster(&policy.schema, catalog, spec, &mut roster).unwrap();
        let roster = Ledger::from_csv_bytes(&roster, "roster.csv", &policy.schema).unwrap();
        let period = || Period::year(&YEAR.to_string()).unwrap();

        let mut whole = roster.clone();
        let mut aggregator = Aggregator::new(catalog, period(), &whole, &policy.schema);
        let ledger =
            Ledger::from_csv_bytes(entries, "entries.csv", aggregator.entry_schema()).unwrap();
        aggregator.add_ledger(&ledger).unwrap();
        aggregator.apply(&mut whole, &policy.schema).unwrap();

        let mut streamed = roster;
        let mut aggregator = Aggregator::new(catalog, period(), &streamed, &policy.schema);
        let options = StreamOptions {
            threads,
            block_bytes,
            ..Default::default()
        };
        add_csv(&mut aggregator, entries, "entries.csv", &options).unwrap();
        aggregator.apply(&mut streamed, &policy.schema).unwrap();
        (whole, streamed)
    }

    fn generated() -> Vec<u8> {
        let prepared = longwen();
        let policy = &prepared.policy.policy;
        let mut out = Vec::new();
        let spec = EntrySpec {
            members: 50,
            per_member: 12,
            seed: 3,
        };
        write_entries(
            &policy.schema,
            policy.catalog.as_ref().unwrap(),
            spec,
            &mut out,
        )
        .unwrap();
        out
    }

    #[test]
    fn streamed_in_small_blocks_on_one_or_two_threads_the_totals_are_those_read_whole() {
        let entries = generated();
        for threads in [1, 2] {
            let (whole, streamed) = both_ways(&entries, 300, threads);
            assert!(whole.errors.is_empty());
            assert_eq!(
                format!("{:?}", whole.records),
                format!("{:?}", streamed.records)
            );
            assert_eq!(whole.errors, streamed.errors);
        }
    }

    #[test]
    fn bad_entries_are_refused_at_the_same_rows_as_read_whole() {
        let mut text = String::from_utf8(generated()).unwrap();
        let first = text.lines().nth(1).unwrap().to_owned();
        // The same entry twice, a member not in the roster, an unknown item, a date outside
        // the period, points out of range, and a row that is no entry (no id), spread over
        // blocks.
        text.push_str(&format!("{first}\n"));
        text.push_str("DY999999999,,2024-03-01,按时参加组织生活,,,,陈书记\n");
        text.push_str("DY000000002,,2024-03-01,按时参加组织生,,,,陈书记\n");
        text.push_str("DY000000003,,2023-12-31,按时参加组织生活,,,,陈书记\n");
        text.push_str("DY000000004,,2024-05-01,组织生活表现评议,11,,,陈书记\n");
        text.push_str(",,2024-05-01,组织生活表现评议,1,,,陈书记\n");
        let (whole, streamed) = both_ways(text.as_bytes(), 200, 2);
        // The two that name no record of the roster are errors of their own; the four others
        // leave their member in the roster, not graded (a total it cannot read).
        assert_eq!(whole.errors.len(), 2, "{:#?}", whole.errors);
        let refused = whole
            .records
            .iter()
            .filter(|r| {
                r.cells
                    .iter()
                    .any(|c| matches!(c, crate::ledger::Cell::Invalid(_)))
            })
            .count();
        assert_eq!(refused, 4);
        assert_eq!(whole.errors, streamed.errors);
        assert_eq!(
            format!("{:?}", whole.records),
            format!("{:?}", streamed.records)
        );
        // What each refusal said: in the errors, or in the cell of the member it ungrades.
        let mut messages: Vec<&str> = streamed.errors.iter().map(|e| e.message.as_str()).collect();
        for record in &streamed.records {
            for cell in &record.cells {
                if let crate::ledger::Cell::Invalid(why) = cell {
                    messages.push(why);
                }
            }
        }
        for said in [
            "the same entry as row 2",
            "not in the roster",
            "did you mean 按时参加组织生活",
            "outside the period",
            "is given -10 to 10 points",
        ] {
            assert!(messages.iter().any(|m| m.contains(said)), "{said}");
        }
    }

    #[test]
    fn an_input_that_is_no_entry_ledger_is_an_error_not_an_empty_sum() {
        let prepared = longwen();
        let policy = &prepared.policy.policy;
        let roster = Ledger::from_csv_bytes(
            "党员编号,姓名\nDY000000001,王伟\n".as_bytes(),
            "roster.csv",
            &policy.schema,
        )
        .unwrap();
        let period = Period::year("2024").unwrap();
        let catalog = policy.catalog.as_ref().unwrap();
        for input in ["", "a,b,c\n1,2,3\n"] {
            let mut aggregator = Aggregator::new(catalog, period.clone(), &roster, &policy.schema);
            let options = StreamOptions::default();
            assert!(add_csv(&mut aggregator, input.as_bytes(), "e.csv", &options).is_err());
        }
    }
}

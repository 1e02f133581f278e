//! Points through the year: entry ledgers summed into the fields a pack's rules read.
//!
//! A pack may declare an item catalog (积分细则, `catalog:` in `policy.yaml`): each item with its
//! id and Chinese label, the field its points add to, its worth per occurrence (fixed points, a
//! range the recorder chooses within, or a one-vote veto) and its cap per period; and caps on
//! each field's total. Staff then keep a *roster* (one row per record: 党员编号, 姓名, 所在组织)
//! and an *entry ledger* (one row per entry: 党员编号, 日期, 积分项目, 分值, 次数, 说明, 记录人),
//! and [`Aggregator`] sums a period's entries per record into the roster's cells. The rules
//! read those cells exactly as they read a ledger summed by hand, so a pack runs unchanged on
//! either shape of input.
//!
//! ```text
//! roster + entry ledger -> Aggregator (checked, capped) -> roster with totals -> evaluate
//! ```
//!
//! Every entry is counted or refused with its row: an unknown record or item, a date outside
//! the period, points outside the item's range, a name that is not the roster's, the same entry
//! twice. A record with an entry refused is not graded (its total would be wrong); the others
//! are. A record without entries keeps every total at 0 (a member keeps the base score).

mod aggregate;
mod catalog;
pub mod generate;
mod period;
mod read;
mod stream;

pub use aggregate::{Aggregator, EntryError, RecordTotals};
pub use catalog::{Catalog, Item, Total, Worth};
pub use period::Period;
pub use read::entry_schema;
pub use stream::add_csv;

//! 积分排行榜: a live leaderboard per pack with an item catalog and per year. A roster is
//! uploaded once; entries arrive through the API (`POST /api/packs/{id}/entries`) or as an
//! uploaded entry ledger, are checked by the core's `Aggregator` (a refused entry is answered
//! with why and never counted), stored, and pushed to every open board as server-sent events.
//!
//! - `live.rs`: one board, evaluated as `liangxin eval --entries` evaluates, then member by
//!   member;
//! - `store.rs`: the board on disk in an editable library (`.liangxin/boards/`), so a restart
//!   loses nothing; in memory only for the read-only bundled packs;
//! - `routes.rs`: the page, the events, the uploads and the JSON API;
//! - `page.rs`: the page for a big screen.

mod live;
mod page;
pub mod routes;
mod store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

pub use live::{Board, View};
pub use store::Store;

/// At most this many browsers watch one board: a big screen and a few officers, not a crowd.
pub const MAX_WATCHERS: usize = 256;

/// A board as held in memory: opened from its store at the first request, `None` until a
/// roster is uploaded.
#[derive(Debug, Default)]
pub struct Held {
    pub opened: bool,
    pub board: Option<Board>,
}

/// A board and the channel its changes are announced on.
#[derive(Debug)]
pub struct Slot {
    pub held: Mutex<Held>,
    /// Each message is the whole board, rendered: a browser that misses some loses nothing.
    pub events: broadcast::Sender<Arc<String>>,
    /// Where the board is kept; `None` in a read-only library (kept in memory).
    pub store: Option<Store>,
    /// What opening the stored board found (an unconfirmed append set aside).
    pub notices: Mutex<Vec<String>>,
}

/// Every board the server has opened, by pack and year.
#[derive(Debug, Default)]
pub struct Boards {
    slots: Mutex<HashMap<(String, String), Arc<Slot>>>,
}

impl Boards {
    /// The slot of a board, made (empty) when first asked for.
    pub fn slot(&self, pack: &str, year: &str, store: Option<Store>) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots
            .entry((pack.to_owned(), year.to_owned()))
            .or_insert_with(|| {
                Arc::new(Slot {
                    held: Mutex::new(Held::default()),
                    events: broadcast::channel(16).0,
                    store,
                    notices: Mutex::new(Vec::new()),
                })
            })
            .clone()
    }
}

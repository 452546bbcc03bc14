//! Schedules' ticks (`Store::claim_tick`): each fired once, whichever store on the file (or
//! node on the database) asks. Every body runs on SQLite (stores on one file) and PostgreSQL
//! (stores on one database).

use crate::backends::{Backend, TempDatabase};
use crate::common::{self, new_id, new_run};
use flow_store::{ManualClock, SqliteStore, Store, Tick};
use std::sync::Arc;

/// `n` stores sharing one place, and what to clean up after.
struct Shared {
    stores: Vec<Box<dyn Store>>,
    dir: Option<std::path::PathBuf>,
    _db: Option<TempDatabase>,
}

fn shared(backend: Backend, n: usize) -> Shared {
    match backend {
        Backend::Sqlite => {
            let dir = common::temp_dir("ticks");
            let path = dir.join("state.db");
            let stores = (0..n)
                .map(|_| Box::new(SqliteStore::open(&path).unwrap()) as Box<dyn Store>)
                .collect();
            Shared {
                stores,
                dir: Some(dir),
                _db: None,
            }
        }
        Backend::Postgres => {
            let db = TempDatabase::create();
            let stores = (0..n)
                .map(|_| {
                    Box::new(db.open(Arc::new(ManualClock::at_system_time()))) as Box<dyn Store>
                })
                .collect();
            Shared {
                stores,
                dir: None,
                _db: Some(db),
            }
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.stores.clear();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

crate::backends::on_both!(
    a_tick_is_fired_once_by_two_stores,
    racing_stores_fire_each_tick_once
);

fn a_tick_is_fired_once_by_two_stores(backend: Backend) {
    let shared = shared(backend, 2);
    let (a, b) = (&shared.stores[0], &shared.stores[1]);
    // A first start notes where the schedule stands and fires nothing.
    assert_eq!(
        a.claim_tick(&new_run(&new_id(), "nightly"), 1_000, false)
            .unwrap(),
        Tick::Recorded
    );
    assert_eq!(a.queue_depth().unwrap(), vec![]);
    // The next tick: the first node to ask fires it, the other finds it taken.
    assert_eq!(
        a.claim_tick(&new_run(&new_id(), "nightly"), 2_000, true)
            .unwrap(),
        Tick::Fired
    );
    assert_eq!(
        b.claim_tick(&new_run(&new_id(), "nightly"), 2_000, true)
            .unwrap(),
        Tick::Taken
    );
    // An older tick is taken too; another flow has its own ticks.
    assert_eq!(
        b.claim_tick(&new_run(&new_id(), "nightly"), 1_500, true)
            .unwrap(),
        Tick::Taken
    );
    assert_eq!(
        b.claim_tick(&new_run(&new_id(), "hourly"), 2_000, true)
            .unwrap(),
        Tick::Fired
    );
    let depth = b.queue_depth().unwrap();
    let queued: Vec<(&str, u64)> = depth.iter().map(|d| (d.flow.as_str(), d.depth)).collect();
    assert_eq!(queued, [("hourly", 1), ("nightly", 1)]);
}

fn racing_stores_fire_each_tick_once(backend: Backend) {
    let shared = shared(backend, 4);
    let stores = &shared.stores;
    let fired = std::sync::atomic::AtomicUsize::new(0);
    // All four ask for each tick together (as nodes whose clocks agree do).
    let together = std::sync::Barrier::new(stores.len());
    std::thread::scope(|s| {
        for store in stores {
            let (fired, together) = (&fired, &together);
            s.spawn(move || {
                for tick in 1..=20 {
                    together.wait();
                    let run = new_run(&new_id(), "every-second");
                    if store.claim_tick(&run, tick * 1000, true).unwrap() == Tick::Fired {
                        fired.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            });
        }
    });
    // Every tick fired, none twice: 20 runs queued among four stores.
    assert_eq!(fired.into_inner(), 20);
    assert_eq!(stores[0].queue_depth().unwrap()[0].depth, 20);
}

//! Schedules' ticks (`Store::claim_tick`): each fired once, whichever store on the file asks.

use crate::common::{self, new_id, new_run};
use flow_store::{SqliteStore, Store, Tick};

#[test]
fn a_tick_is_fired_once_by_two_stores_on_one_file() {
    let dir = common::temp_dir("ticks");
    let path = dir.join("state.db");
    let a = SqliteStore::open(&path).unwrap();
    let b = SqliteStore::open(&path).unwrap();
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
    drop((a, b));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn racing_stores_fire_each_tick_once() {
    let dir = common::temp_dir("ticks-race");
    let path = dir.join("state.db");
    let stores: Vec<SqliteStore> = (0..4).map(|_| SqliteStore::open(&path).unwrap()).collect();
    let fired = std::sync::atomic::AtomicUsize::new(0);
    // All four ask for each tick together (as nodes whose clocks agree do).
    let together = std::sync::Barrier::new(stores.len());
    std::thread::scope(|s| {
        for store in &stores {
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
    drop(stores);
    std::fs::remove_dir_all(&dir).unwrap();
}

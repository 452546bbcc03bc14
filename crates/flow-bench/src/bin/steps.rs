//! `flowctl-steps RUNS FLOW`: runs a flow (`chain` or `mixed`) RUNS times in dry run, for counting the engine's
//! instructions per step under callgrind (`scripts/step-cost.sh` runs it twice and takes the
//! difference, so start-up and compiling cancel out).
//!
//! - `chain`: 100 `object.construct` steps, each reading the previous one, and a return;
//! - `mixed`: 20 groups of four independent pure steps and a `flow.call` of a one-step helper
//!   (each call waits for every step above it), and a return.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use flow_bench::{LEAF, chain_flow, dry_engine, mixed_flow};
use flow_runtime::{RunInput, RunOptions};
use serde_json::json;

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .expect("usage: flowctl-steps RUNS chain|mixed");
    let name = std::env::args()
        .nth(2)
        .expect("usage: flowctl-steps RUNS chain|mixed");
    let chain = chain_flow(100);
    let mixed = mixed_flow(20);
    let project = flow_compile::compile_str(
        None,
        &[
            ("chain.yaml", &chain),
            ("mixed.yaml", &mixed),
            ("leaf.yaml", LEAF),
        ],
        &flow_cards::registry(),
    )
    .unwrap();
    let flow = *project.by_name.get(&name).expect("chain or mixed");
    let engine = dry_engine(project, false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut steps = 0;
    for _ in 0..runs {
        let rec = rt.block_on(engine.run(
            flow,
            RunInput::Inputs(json!({ "x": 1 })),
            RunOptions::default(),
        ));
        assert!(rec.error.is_none(), "{:?}", rec.error);
        steps += rec.steps.len();
    }
    println!("{steps}");
}

//! Property tests: random and mutated documents go through the loader and the compiler without
//! panicking; problems come back as diagnostics.

use proptest::prelude::*;

const MAIN: &str = include_str!("../../../../flows/oort-failing-check.yaml");
const HELPER: &str = include_str!("../../../../flows/demo-dispatcher.yaml");
const CONFIG: &str = include_str!("../../../../flowctl.yaml");

fn compile(main: &str) {
    let _ = flow_compile::compile_str(
        Some(CONFIG),
        &[("main.yaml", main), ("helper.yaml", HELPER)],
        &flow_cards::registry(),
    );
}

/// A mutation of a valid flow: delete, insert or replace a short run of characters.
fn mutated() -> impl Strategy<Value = String> {
    let chars: Vec<char> = MAIN.chars().collect();
    let n = chars.len();
    (0..n, 0usize..6, "[ -~\\n]{0,6}", 0u8..3).prop_map(move |(at, len, insert, op)| {
        let mut c = chars.clone();
        let end = (at + len).min(n);
        match op {
            0 => {
                c.drain(at..end);
            }
            1 => {
                let ins: Vec<char> = insert.chars().collect();
                c.splice(at..at, ins);
            }
            _ => {
                let ins: Vec<char> = insert.chars().collect();
                c.splice(at..end, ins);
            }
        }
        c.into_iter().collect()
    })
}

proptest! {
    // 300 cases in optimised builds, 64 in debug builds (CI).
    #![proptest_config(ProptestConfig { cases: if cfg!(debug_assertions) { 64 } else { 300 }, .. ProptestConfig::default() })]

    #[test]
    fn mutated_flows_never_panic(text in mutated()) {
        compile(&text);
    }

    #[test]
    fn random_documents_never_panic(text in "[a-z_:{}\\[\\]\"'#&*!|>,. 0-9\\n-]{0,300}") {
        compile(&text);
    }

    #[test]
    fn random_unicode_never_panics(text in "\\PC{0,200}") {
        compile(&text);
    }
}

//! The one scheduler of a step graph, shared by the compiler (a plan's run order, which `graph`
//! and dry runs show) and the engine: a step is ready once every step it waits for is released;
//! among ready steps the one written first goes first; and outcomes settle in file order, so
//! the step that ends a run is the first one *written* that ends it, however the steps raced.
//!
//! It decides nothing about what a step does; the engine runs the steps and tells it how each
//! finished ([`Schedule::finish`]).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Where a step is, as far as ordering goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not finished (waiting, ready or running).
    Open,
    /// Finished and released the steps that wait for it.
    Released,
    /// Finished in a way that ends the run (failed, stopped, returned); its dependents stay
    /// waiting.
    Ends,
}

/// Ready steps and settled outcomes of one run of a plan.
#[derive(Debug)]
pub struct Schedule<'p> {
    dependents: &'p [Vec<usize>],
    waiting: Vec<u32>,
    ready: BinaryHeap<Reverse<usize>>,
    state: Vec<State>,
    /// Steps `[0, settled)` finished without ending the run.
    settled: usize,
}

impl<'p> Schedule<'p> {
    /// A schedule for a graph given as, for each step, the steps it waits for (`deps`) and the
    /// steps that wait for it (`dependents`). Both lists hold each step at most once.
    pub fn new(deps: &[Vec<usize>], dependents: &'p [Vec<usize>]) -> Self {
        let waiting: Vec<u32> = deps
            .iter()
            .map(|d| u32::try_from(d.len()).unwrap_or(u32::MAX))
            .collect();
        let ready = waiting
            .iter()
            .enumerate()
            .filter(|(_, w)| **w == 0)
            .map(|(i, _)| Reverse(i))
            .collect();
        Schedule {
            dependents,
            waiting,
            ready,
            state: vec![State::Open; deps.len()],
            settled: 0,
        }
    }

    /// The ready step written first, taken off the ready set.
    pub fn next_ready(&mut self) -> Option<usize> {
        self.ready.pop().map(|Reverse(i)| i)
    }

    /// Records that step `i` finished. Unless it `ends_run`, the steps waiting for it are
    /// released (and may become ready). Returns the step whose end of the run is now settled:
    /// the first step in file order that ended the run, once every step above it finished
    /// without ending it.
    pub fn finish(&mut self, i: usize, ends_run: bool) -> Option<usize> {
        if ends_run {
            self.state[i] = State::Ends;
        } else {
            self.state[i] = State::Released;
            for &d in &self.dependents[i] {
                self.waiting[d] -= 1;
                if self.waiting[d] == 0 {
                    self.ready.push(Reverse(d));
                }
            }
        }
        while self.state.get(self.settled) == Some(&State::Released) {
            self.settled += 1;
        }
        (self.state.get(self.settled) == Some(&State::Ends)).then_some(self.settled)
    }

    /// The first step in file order that ended the run, whether or not every step above it
    /// finished (for when nothing else can run: a step above may wait, through `after`, for
    /// one below that ended the run).
    pub fn first_end(&self) -> Option<usize> {
        self.state.iter().position(|s| *s == State::Ends)
    }

    /// The order in which the steps run when each finishes before the next starts and none
    /// ends the run: the plan's run order.
    pub fn run_order(deps: &[Vec<usize>], dependents: &'p [Vec<usize>]) -> Vec<usize> {
        let mut s = Schedule::new(deps, dependents);
        let mut order = Vec::with_capacity(deps.len());
        while let Some(i) = s.next_ready() {
            order.push(i);
            s.finish(i, false);
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 0 → 2, 1 → 2, 3 independent.
    fn graph() -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
        (
            vec![vec![], vec![], vec![0, 1], vec![]],
            vec![vec![2], vec![2], vec![], vec![]],
        )
    }

    #[test]
    fn ready_steps_go_in_file_order() {
        let (deps, dependents) = graph();
        assert_eq!(Schedule::run_order(&deps, &dependents), vec![0, 1, 2, 3]);
        // 0 waits for 2 (`after`): 1 and 2 go first, then 0 before 3.
        let deps = vec![vec![2], vec![], vec![], vec![]];
        let dependents = vec![vec![], vec![], vec![0], vec![]];
        assert_eq!(Schedule::run_order(&deps, &dependents), vec![1, 2, 0, 3]);
    }

    /// Takes every ready step, as an engine starting them all would.
    fn start_all(s: &mut Schedule<'_>) -> Vec<usize> {
        std::iter::from_fn(|| s.next_ready()).collect()
    }

    #[test]
    fn a_step_waits_for_every_dependency() {
        let (deps, dependents) = graph();
        let mut s = Schedule::new(&deps, &dependents);
        assert_eq!(s.next_ready(), Some(0));
        assert_eq!(s.next_ready(), Some(1));
        assert_eq!(s.next_ready(), Some(3));
        assert_eq!(s.next_ready(), None);
        assert_eq!(s.finish(0, false), None);
        assert_eq!(s.next_ready(), None);
        assert_eq!(s.finish(1, false), None);
        assert_eq!(s.next_ready(), Some(2));
    }

    #[test]
    fn an_end_below_settles_only_once_the_steps_above_finish() {
        let (deps, dependents) = graph();
        let mut s = Schedule::new(&deps, &dependents);
        assert_eq!(start_all(&mut s), vec![0, 1, 3]);
        // Step 3 fails first; steps 0 and 1 are still running.
        assert_eq!(s.finish(3, true), None);
        assert_eq!(s.finish(1, false), None);
        assert_eq!(s.finish(0, false), None);
        // Step 2 is released by 0 and 1 and runs; when it finishes, 3's end settles.
        assert_eq!(s.next_ready(), Some(2));
        assert_eq!(s.finish(2, false), Some(3));
    }

    #[test]
    fn the_first_end_written_wins_whatever_finished_first() {
        let (deps, dependents) = graph();
        let mut s = Schedule::new(&deps, &dependents);
        assert_eq!(start_all(&mut s), vec![0, 1, 3]);
        assert_eq!(s.finish(3, true), None);
        assert_eq!(s.finish(1, true), None);
        assert_eq!(s.finish(0, false), Some(1));
        // 1 ended the run: 2 is never released.
        assert_eq!(s.next_ready(), None);
        assert_eq!(s.first_end(), Some(1));
    }
}

//! Progress reporting: quiet for short work, throttled lines for long work, a count that is exact under rayon.
use std::time::Duration;

use demystify_resnet::progress::{Progress, Sink, EVERY, PREFIX, QUIET_FOR};
use rayon::prelude::*;

#[test]
fn lines_are_throttled_and_short_work_is_quiet() {
    let p = Progress::new("unit test", 100);
    let long = QUIET_FOR + Duration::from_secs(1);
    // Nothing before QUIET_FOR, whatever the progress.
    assert!(!p.due(QUIET_FOR / 2, EVERY * 2, 9, 0));
    // Afterwards (outside a terminal, as under cargo test): a new tenth, or EVERY since the last line.
    assert!(p.due(long, Duration::from_millis(10), 3, 2));
    assert!(!p.due(long, Duration::from_millis(10), 3, 3));
    assert!(p.due(long, EVERY, 3, 3));
    assert_eq!(
        p.describe(25, Duration::from_millis(6100)),
        "unit test: 25/100 (25 %), 6.1 s"
    );
    assert!(PREFIX.starts_with("progress"));
}

#[test]
fn the_count_is_exact_across_threads() {
    let p = Progress::new("parallel", 1000);
    (0..1000).into_par_iter().for_each(|_| p.tick());
    p.finish();
    assert_eq!(p.done(), 1000);
}

/// In a notebook kernel progress goes to standard output, which JupyterLab draws as plain text (standard error is
/// painted red, and a student would read it as an error); in a terminal a bar on standard error; elsewhere lines
/// on standard error. Under `cargo test` (no kernel, no terminal for stderr) it is a log.
#[test]
fn progress_in_a_kernel_is_not_drawn_as_an_error() {
    assert_eq!(Sink::choose(true, false), Sink::Notebook);
    assert_eq!(Sink::choose(true, true), Sink::Notebook);
    assert_eq!(Sink::choose(false, true), Sink::Terminal);
    assert_eq!(Sink::choose(false, false), Sink::Log);
    if std::env::var_os(demystify_resnet::progress::KERNEL_ENV).is_none() {
        assert_ne!(Progress::new("here", 1).sink(), Sink::Notebook);
    }
}

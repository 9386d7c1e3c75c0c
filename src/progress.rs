//! Progress of long analyses. An analysis that runs longer than a couple of seconds reports how far it is:
//! in a terminal (the examples) as one line redrawn in place, a bar; in a notebook kernel as a throttled line on
//! **standard output**, which JupyterLab draws like printed text (it paints standard error red, and a student
//! would read progress there as an error); in a log (no terminal, no kernel) as the same throttled lines on
//! standard error. Each line starts with [`PREFIX`] and comes every few seconds or every 10 %; nothing is printed
//! for work that finishes within [`QUIET_FOR`]. Set `DEMYSTIFY_PROGRESS=0` to silence it. The report builder
//! (`scripts/run_notebooks.py`) drops these lines from the exported reports; any other standard-error output
//! still fails a notebook.
//!
//! evcxr forwards a cell's output line by line as it arrives, and it turns only the display blocks of a cell's
//! final value into rich output, so a display that updates in place (Jupyter's `update_display_data`) is not
//! available from a cell: a throttled line is the least noisy form that works.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Every progress line starts with this, so that tools can tell progress from errors.
pub const PREFIX: &str = "progress: ";
/// The environment variable that turns progress off (`0`, `false`).
pub const ENV: &str = "DEMYSTIFY_PROGRESS";
/// Work that finishes sooner prints nothing.
pub const QUIET_FOR: Duration = Duration::from_secs(2);
/// Lines (outside a terminal) are at least this far apart, unless a further 10 % is done.
pub const EVERY: Duration = Duration::from_secs(5);
/// The environment variable evcxr sets in the process that runs notebook cells.
pub const KERNEL_ENV: &str = "EVCXR_IS_RUNTIME";

/// Where progress goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// A terminal: one bar on standard error, redrawn in place.
    Terminal,
    /// A notebook kernel (evcxr): throttled lines on standard output, drawn as plain text.
    Notebook,
    /// Anything else (a log, `cargo test`): throttled lines on standard error.
    Log,
}

impl Sink {
    /// The sink for a process that `in_kernel` (evcxr's [`KERNEL_ENV`] is set) and whose standard error
    /// `stderr_is_terminal`: the kernel wins, then the terminal.
    pub fn choose(in_kernel: bool, stderr_is_terminal: bool) -> Self {
        if in_kernel {
            Sink::Notebook
        } else if stderr_is_terminal {
            Sink::Terminal
        } else {
            Sink::Log
        }
    }

    /// The sink of this process.
    pub fn detect() -> Self {
        Self::choose(
            std::env::var_os(KERNEL_ENV).is_some(),
            std::io::stderr().is_terminal(),
        )
    }
}

/// A counter of done work items that prints throttled progress to standard error (see the module docs). Shared by
/// reference between rayon workers: [`Progress::tick`] is lock-free except when a line is due.
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: usize,
    done: AtomicUsize,
    enabled: bool,
    sink: Sink,
    started: Instant,
    /// (time of the last line, tenths done at the last line, items done at the last line; 0 = nothing printed).
    last: Mutex<(Instant, usize, usize)>,
}

impl Progress {
    /// Progress of `total` items of work called `label` (e.g. `"training grid, round 1"`).
    pub fn new(label: impl Into<String>, total: usize) -> Self {
        let enabled =
            std::env::var(ENV).map_or(true, |v| !(v == "0" || v.eq_ignore_ascii_case("false")));
        let now = Instant::now();
        Self {
            label: label.into(),
            total,
            done: AtomicUsize::new(0),
            enabled,
            sink: Sink::detect(),
            started: now,
            last: Mutex::new((now, 0, 0)),
        }
    }

    /// The line (without the prefix) describing `done` of the total after `elapsed`.
    pub fn describe(&self, done: usize, elapsed: Duration) -> String {
        let pct = if self.total == 0 {
            100
        } else {
            100 * done / self.total
        };
        format!(
            "{}: {done}/{} ({pct} %), {:.1} s",
            self.label,
            self.total,
            elapsed.as_secs_f64()
        )
    }

    /// Whether a line is due: after [`QUIET_FOR`], when [`EVERY`] has passed since the last line or a further
    /// tenth of the work is done (in a terminal, at most every 200 ms).
    pub fn due(
        &self,
        elapsed: Duration,
        since_last: Duration,
        tenths: usize,
        last_tenths: usize,
    ) -> bool {
        if elapsed < QUIET_FOR {
            return false;
        }
        if self.sink == Sink::Terminal {
            return since_last >= Duration::from_millis(200);
        }
        since_last >= EVERY || tenths > last_tenths
    }

    /// Marks one more item done, printing a line if one is due.
    pub fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let elapsed = now - self.started;
        if elapsed < QUIET_FOR {
            return;
        }
        let tenths = if self.total == 0 {
            10
        } else {
            10 * done / self.total
        };
        let Ok(mut last) = self.last.try_lock() else {
            return; // another worker is printing
        };
        if self.due(elapsed, now - last.0, tenths, last.1) {
            self.print(done, elapsed);
            *last = (now, tenths, done);
        }
    }

    fn print(&self, done: usize, elapsed: Duration) {
        match self.sink {
            Sink::Terminal => {
                let width = 30;
                let filled = if self.total == 0 {
                    width
                } else {
                    width * done.min(self.total) / self.total
                };
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r[{}{}] {}",
                    "#".repeat(filled),
                    ".".repeat(width - filled),
                    self.describe(done, elapsed)
                );
                let _ = err.flush();
            }
            Sink::Notebook => self.line(&mut std::io::stdout().lock(), done, elapsed),
            Sink::Log => self.line(&mut std::io::stderr().lock(), done, elapsed),
        }
    }

    /// One `progress: …` line on `out`.
    fn line(&self, out: &mut dyn Write, done: usize, elapsed: Duration) {
        let _ = writeln!(out, "{PREFIX}{}", self.describe(done, elapsed));
        let _ = out.flush();
    }

    /// Where this progress is printed.
    pub fn sink(&self) -> Sink {
        self.sink
    }

    /// Ends the report: if anything was printed, a final line unless the last one already said everything
    /// (and the terminal's newline).
    pub fn finish(&self) {
        if !self.enabled {
            return;
        }
        let last_done = self.last.lock().map(|l| l.2).unwrap_or(0);
        let done = self.done.load(Ordering::Relaxed);
        if last_done > 0 {
            if last_done != done {
                self.print(done, self.started.elapsed());
            }
            if self.sink == Sink::Terminal {
                let _ = writeln!(std::io::stderr());
            }
        }
    }

    /// Items done so far.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }
}

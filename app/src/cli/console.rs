//! Output of the headless commands. Writing never fails the command: a
//! reader that went away (`stormflow fmt --check *.ron | head -1`) or a
//! full disk behind stderr only ends the output, quietly; the work goes on
//! and the exit status says how the work went, the same whoever reads.
//! Text that comes from a file or a user is shown on one line, escaped
//! ([`stormflow_core::text::one_line`]), so no name can forge a line.

use std::fmt;
use std::io::{self, Write};

/// Standard output and error that tolerate being closed.
pub struct Console {
    out: io::Stdout,
    err: io::Stderr,
    out_open: bool,
    err_open: bool,
}

impl Default for Console {
    fn default() -> Self {
        Self {
            out: io::stdout(),
            err: io::stderr(),
            out_open: true,
            err_open: true,
        }
    }
}

impl Console {
    /// A line on standard output.
    pub fn out(&mut self, line: impl fmt::Display) {
        if self.out_open && writeln!(self.out.lock(), "{line}").is_err() {
            self.out_open = false;
        }
    }

    /// A line on standard error.
    pub fn err(&mut self, line: impl fmt::Display) {
        if self.err_open && writeln!(self.err.lock(), "{line}").is_err() {
            self.err_open = false;
        }
    }

    /// Standard output as a writer for serialisers; what cannot be written
    /// is dropped.
    pub fn out_writer(&mut self) -> OutWriter<'_> {
        OutWriter(self)
    }

    /// Flushes standard output (a closed one is ignored).
    pub fn flush(&mut self) {
        if self.out_open && self.out.flush().is_err() {
            self.out_open = false;
        }
    }
}

/// Standard output as an [`io::Write`] that never fails.
pub struct OutWriter<'c>(&'c mut Console);

impl Write for OutWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.0.out_open && self.0.out.write_all(buf).is_err() {
            self.0.out_open = false;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush();
        Ok(())
    }
}

/// Text from a file or a user, on one line (see the module documentation).
pub fn one_line(text: &str) -> String {
    stormflow_core::text::one_line(text)
}

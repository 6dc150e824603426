//! The progress line on stderr (a terminal): drawn only once a run has gone on for a while,
//! never to the terminal's last column, and cleared when the run's output starts or a signal
//! ends it.
//!
//! indicatif pads each line it draws with spaces to the terminal's right edge, leaving the
//! cursor there. The `^C` a terminal echoes for Ctrl-C then wraps onto the next line, below
//! the line, where clearing "the current line" from the signal thread cleared only the echo
//! and left the line for the shell's prompt to follow. So the line is drawn to a width two
//! columns short of the terminal's ([`NarrowStderr`]): the echo lands beside it, on the same line,
//! and one `\r\x1b[2K` clears both ([`crate::output::line_drawn_on_stderr`]).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use std::io::{self, Write};
use std::sync::{Mutex, PoisonError};

/// How long a run goes before its line on stderr shows: a run that ends sooner (most runs on
/// a day's logs) draws nothing, not a bar flashed and cleared. Cargo waits as long.
const SHOW_BAR_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

/// Columns left free at the right edge: room for the `^C` a terminal echoes.
const ECHO_ROOM: u16 = 2;

/// How often the line is redrawn at most (indicatif's own default for stderr).
const REDRAWS_PER_SECOND: u8 = 20;

/// A line on stderr drawn with `template`, once [`SHOW_BAR_AFTER`] has passed and unless it
/// has been finished by then.
pub(super) fn delayed_bar(template: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    bar.set_style(style(template));
    let shown = bar.clone();
    // A thread of its own, not waited for: the run may end first. Setting the target draws
    // nothing, so a bar finished (and cleared) just before is never drawn again.
    std::thread::spawn(move || {
        std::thread::sleep(SHOW_BAR_AFTER);
        let _shown_alone = SHOWING.lock().unwrap_or_else(PoisonError::into_inner);
        if !shown.is_finished() {
            // Said before it draws: a signal then clears the line.
            crate::output::line_drawn_on_stderr(true);
            shown.set_draw_target(ProgressDrawTarget::term_like_with_hz(
                Box::new(NarrowStderr),
                REDRAWS_PER_SECOND,
            ));
        }
    });
    bar
}

/// Held while a line is shown or cleared: the line is never said drawn after [`cleared`] said
/// it was not (a signal would then clear a line of the output).
static SHOWING: Mutex<()> = Mutex::new(());

/// Clears `bar`'s line (if it was drawn) for good.
pub(super) fn cleared(bar: &ProgressBar) {
    let _cleared_alone = SHOWING.lock().unwrap_or_else(PoisonError::into_inner);
    bar.finish_and_clear();
    crate::output::line_drawn_on_stderr(false);
}

/// The reading's line: files and bytes so far.
pub(super) fn reading_bar() -> ProgressBar {
    let bar = delayed_bar("{spinner} read {msg}, {bytes} ({bytes_per_sec}) {elapsed}");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// The line's style: `template`, or a bare spinner should it not parse.
pub(super) fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// Standard error as indicatif draws on it, [`ECHO_ROOM`] columns narrower than the terminal.
#[derive(Debug)]
struct NarrowStderr;

impl NarrowStderr {
    fn size() -> Option<(u16, u16)> {
        terminal_size::terminal_size_of(io::stderr()).map(|(width, height)| (width.0, height.0))
    }

    fn write(text: &str) -> io::Result<()> {
        io::stderr().write_all(text.as_bytes())
    }

    fn code(n: usize, letter: char) -> io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        NarrowStderr::write(&format!("\x1b[{n}{letter}"))
    }
}

impl TermLike for NarrowStderr {
    fn width(&self) -> u16 {
        NarrowStderr::size().map_or(80, |(width, _)| width.saturating_sub(ECHO_ROOM).max(1))
    }

    fn height(&self) -> u16 {
        NarrowStderr::size().map_or(24, |(_, height)| height)
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        NarrowStderr::code(n, 'A')
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        NarrowStderr::code(n, 'B')
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        NarrowStderr::code(n, 'C')
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        NarrowStderr::code(n, 'D')
    }

    fn write_line(&self, line: &str) -> io::Result<()> {
        NarrowStderr::write(&format!("{line}\n"))
    }

    fn write_str(&self, text: &str) -> io::Result<()> {
        NarrowStderr::write(text)
    }

    fn clear_line(&self) -> io::Result<()> {
        NarrowStderr::write("\r\x1b[2K")
    }

    fn flush(&self) -> io::Result<()> {
        io::stderr().flush()
    }
}

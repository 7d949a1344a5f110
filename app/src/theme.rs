//! The app's own colours, named by what they mean, so that a palette
//! change is one edit here and no call site spells out a colour.
//!
//! What lives here: the colours of the app's chrome and feedback — errors
//! and warnings in panels, the board's selection, hover and highlight, the
//! minimap, toasts, the run's trace and timeline. What does not: the drawing
//! facts the board shares with the SVG export (stickies, frames, arrows,
//! run badges), which stay in [`stormflow_core::style`] so that a picture
//! and the screen agree. Where an app colour means the same as one of those,
//! it is defined from core's value here rather than repeated.
//!
//! Colours that follow the light or dark theme are functions of `dark`
//! (`ui.visuals().dark_mode`).

use egui::Color32;
use stormflow_core::style;

/// A [`style`] colour as an egui constant: core keeps the bytes, the app
/// names its use. (`board::draw::color` does the same, but not in a const.)
const fn from_style(rgb: [u8; 3]) -> Color32 {
    Color32::from_rgb(rgb[0], rgb[1], rgb[2])
}

// ---- Problems and messages in words -----------------------------------------

/// An error said in words: a form's refusal beside its field, an error
/// problem, a trace's line for an attempt that lost its message, a run the
/// engine stopped.
pub const ERROR: Color32 = Color32::from_rgb(0xE5, 0x39, 0x35);

/// A warning: a warning problem (in the list and as a sticky's badge), an
/// attempt after which the message goes round again, a truncated trace.
pub const WARNING: Color32 = Color32::from_rgb(0xF5, 0x9E, 0x0B);

/// An informational problem.
pub const INFO: Color32 = Color32::from_rgb(0x42, 0x8B, 0xCA);

/// The badge on a sticky with error problems: deeper than [`ERROR`], so its
/// white count reads on it.
pub const ERROR_BADGE: Color32 = Color32::from_rgb(0xD3, 0x2F, 0x2F);

// ---- The board: selection, hover, highlight ---------------------------------

/// What the user is acting on: the selection outline, the connect handle and
/// line, the lasso, the minimap's view box and its hovered fold button.
pub const SELECTION: Color32 = Color32::from_rgb(0x1E, 0x88, 0xE5);

/// The outline of a sticky highlighted by a trace or a tour step.
pub const HIGHLIGHT_STICKY: Color32 = Color32::from_rgb(0xFF, 0xD5, 0x00);

/// A highlighted arrow: a traced message's path, the selected arrow.
pub const HIGHLIGHT_ARROW: Color32 = Color32::from_rgb(0xFF, 0xB3, 0x00);

/// The outline of the sticky under the pointer: strong ink on either theme.
pub fn hover_outline(dark: bool) -> Color32 {
    Color32::from_gray(if dark { 220 } else { 60 })
}

/// Behind a frame's title: the board's background, slightly see-through, so
/// the title reads over whatever it crosses.
pub fn frame_title_backdrop(dark: bool) -> Color32 {
    let [r, g, b] = style::background_rgb(dark);
    Color32::from_rgba_unmultiplied(r, g, b, 190)
}

/// The arrows zoomed out so far they are drawn as plain lines (level of detail).
pub fn far_arrow(dark: bool) -> Color32 {
    Color32::from_gray(if dark { 110 } else { 150 })
}

/// The board's dot grid: faint against [`style::background_rgb`].
pub fn grid_dot(dark: bool) -> Color32 {
    Color32::from_gray(if dark { 52 } else { 208 })
}

/// An edit the board refuses or an error it reports at the pointer: an
/// error toast's background, the connect line over a target it cannot reach.
pub const REFUSED: Color32 = Color32::from_rgb(0xC6, 0x28, 0x28);

/// An edit the board accepts: a confirming toast's background, the connect
/// line over a target it can reach.
pub const ACCEPTED: Color32 = Color32::from_rgb(0x2E, 0x7D, 0x32);

/// A toast's edge: a faint line that sets it off from the board behind.
pub fn toast_edge(dark: bool) -> Color32 {
    if dark {
        Color32::from_white_alpha(60)
    } else {
        Color32::from_black_alpha(60)
    }
}

/// The ring round a moving message's dot on the board (and its legend).
pub const MESSAGE_DOT_OUTLINE: Color32 = Color32::from_black_alpha(120);

// ---- The minimap ---------------------------------------------------------------

/// The minimap's and its folded tab's border.
pub const MINIMAP_BORDER: Color32 = Color32::from_gray(120);

/// The minimap's fold button when not hovered (hovered, it is [`SELECTION`]).
pub const MINIMAP_FOLD: Color32 = Color32::from_gray(150);

/// Behind the minimap and its tab: translucent, so the board shows through.
pub fn minimap_fill(dark: bool) -> Color32 {
    if dark {
        Color32::from_black_alpha(170)
    } else {
        Color32::from_white_alpha(220)
    }
}

// ---- The palette and the legend -------------------------------------------------

/// The outline of the pivotal-event swatch in the palette: core's pivotal
/// bar colour, so the swatch looks like the sticky it makes.
pub const PIVOTAL: Color32 = from_style(style::PIVOTAL_BAR_RGB);

/// The thin outline of a sticky swatch in the legend.
pub const LEGEND_SWATCH_OUTLINE: Color32 = Color32::from_black_alpha(90);

/// The arrow a sample message dot rides on in the legend.
pub const LEGEND_ARROW: Color32 = Color32::from_gray(140);

/// The sample message dot in the legend: on the board a dot takes its
/// message type's colour; any one that reads on both themes will do here.
pub const LEGEND_MESSAGE_DOT: Color32 = Color32::from_rgb(0x42, 0xA5, 0xF5);

// ---- The run: trace and timeline ---------------------------------------------

/// A dead-lettered message: its dot on the board and the trace's
/// dead-letter line. Core's alarm red, the corner dot of a sticky that
/// dead-lettered something, so the message and its sticky agree.
pub const DEAD_LETTER: Color32 = from_style(style::ALARM_RGB);

/// A waterfall bar of an attempt that processed its message.
pub const ATTEMPT_PROCESSED: Color32 = Color32::from_rgb(0x3C, 0xB4, 0x4B);

/// A waterfall bar of an attempt that ended its message unprocessed
/// (dead-lettered, dropped, or stopping its partition): core's alarm red,
/// as on the sticky where it happened.
pub const ATTEMPT_LOST: Color32 = from_style(style::ALARM_RGB);

/// A waterfall bar of an attempt after which the message goes round again
/// (retried, redelivered, aborted): a warning, not a loss.
pub const ATTEMPT_RETRIED: Color32 = WARNING;

/// The thin edge of a waterfall bar, so neighbouring bars stay apart.
pub const WATERFALL_BAR_OUTLINE: Color32 = Color32::from_black_alpha(80);

/// A "down" fault on the timeline: core's cross over a down sticky.
pub const FAULT_DOWN: Color32 = from_style(style::DOWN_CROSS_RGB);

/// A "slow" fault on the timeline: core's outline of a degraded sticky.
pub const FAULT_SLOW: Color32 = from_style(style::DEGRADED_RGB);

/// A "failing" fault on the timeline.
pub const FAULT_FAILING: Color32 = Color32::from_rgb(0xEF, 0x6C, 0x00);

/// A "rate" fault (a source's new rate) on the timeline.
pub const FAULT_RATE: Color32 = Color32::from_rgb(0x1E, 0x88, 0xE5);

/// A "replay" fault on the timeline.
pub const FAULT_REPLAY: Color32 = Color32::from_rgb(0x8E, 0x24, 0xAA);

/// The timeline's empty track, behind the progress and the faults.
pub fn timeline_track(dark: bool) -> Color32 {
    Color32::from_gray(if dark { 45 } else { 220 })
}

/// The part of the timeline the run has covered: a see-through blue, so
/// the faults on it still read.
pub fn run_progress() -> Color32 {
    Color32::from_rgb(0x1E, 0x88, 0xE5).gamma_multiply(0.55)
}

/// The timeline's scrubber: the moment the board shows.
pub const SCRUBBER: Color32 = Color32::from_rgb(0xFF, 0xB3, 0x00);

/// A run on a real NATS server in progress (the run toolbar's "● NATS").
pub const LIVE: Color32 = ACCEPTED;

/// Message types' colours (dots on the board), ten that stay apart from
/// each other on both themes; a type takes one by its index.
pub const MESSAGE_TYPES: [Color32; 10] = [
    Color32::from_rgb(0xE6, 0x19, 0x4B),
    Color32::from_rgb(0x3C, 0xB4, 0x4B),
    Color32::from_rgb(0x43, 0x63, 0xD8),
    Color32::from_rgb(0xF5, 0x82, 0x31),
    Color32::from_rgb(0x91, 0x1E, 0xB4),
    Color32::from_rgb(0x42, 0xD4, 0xF4),
    Color32::from_rgb(0xF0, 0x32, 0xE6),
    Color32::from_rgb(0xBF, 0xEF, 0x45),
    Color32::from_rgb(0x46, 0x99, 0x90),
    Color32::from_rgb(0x9A, 0x63, 0x24),
];

/// The lines of one plot, in order.
pub const PLOT_SERIES: [Color32; 8] = [
    Color32::from_rgb(0x1E, 0x88, 0xE5),
    Color32::from_rgb(0xE5, 0x39, 0x35),
    Color32::from_rgb(0x43, 0xA0, 0x47),
    Color32::from_rgb(0xFB, 0x8C, 0x00),
    Color32::from_rgb(0x8E, 0x24, 0xAA),
    Color32::from_rgb(0x00, 0xAC, 0xC1),
    Color32::from_rgb(0xD8, 0x1B, 0x60),
    Color32::from_rgb(0x6D, 0x4C, 0x41),
];

/// A plot's "others" line (the sum or most of the series not drawn alone).
pub const PLOT_OTHERS: Color32 = Color32::GRAY;

/// In the trace's waterfall, a caller's wait for its synchronous answer.
pub const SYNC_WAIT: Color32 = Color32::GRAY;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_taken_from_core_draw_as_the_board_draws_them() {
        // The board converts core's colours with `draw::color`; a constant
        // made from the same bytes must give the same pixels.
        for rgb in [
            style::PIVOTAL_BAR_RGB,
            style::ALARM_RGB,
            style::DOWN_CROSS_RGB,
            style::DEGRADED_RGB,
        ] {
            assert_eq!(from_style(rgb), crate::board::draw::color(rgb));
        }
    }
}

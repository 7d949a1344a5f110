//! How the run panels share the window with the board: the dock's height
//! as the user left it, whether it is open, and the board's minimum share.
//!
//! The app shows the toolbar, the timeline and the dock in its own panels;
//! the dock's content decides the dock's height (an egui panel takes the
//! size of what it holds), so the height lives here, in the egui memory of
//! the session: it survives a new seed or a new run, as a panel size does.

use egui::{Context, Id};

use super::DockTab;

/// The least share of the room between the run toolbar and the status bar
/// that the board keeps, however tall the dock is dragged.
pub const BOARD_MIN_SHARE: f32 = 0.4;
/// The dock's height before the user sizes it, at most this share of the room.
pub const DOCK_DEFAULT_SHARE: f32 = 0.35;
/// The dock's height before the user sizes it, on a large window (points).
pub const DOCK_DEFAULT_HEIGHT: f32 = 270.0;
/// The least height of an open dock (points): its tabs and a few rows.
pub const DOCK_MIN_HEIGHT: f32 = 110.0;
/// The height of the dock's tab strip, all a closed dock shows (points).
pub const DOCK_TABS_HEIGHT: f32 = 24.0;

/// The height between the board and the dock's content before it is
/// measured: the timeline and the panels' margins (points).
const BETWEEN_ESTIMATE: f32 = 50.0;

/// What the plots show of virtual time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PlotWindow {
    /// The last this many microseconds before now.
    Recent(u64),
    /// From 0 to now.
    Whole,
}

impl PlotWindow {
    /// The windows offered, with their names.
    pub const CHOICES: [(&'static str, PlotWindow); 4] = [
        ("last 10 s", PlotWindow::Recent(10_000_000)),
        ("last 30 s", PlotWindow::Recent(30_000_000)),
        ("last 2 min", PlotWindow::Recent(120_000_000)),
        ("whole run", PlotWindow::Whole),
    ];

    /// Its name in the menu.
    pub fn name(self) -> &'static str {
        Self::CHOICES
            .iter()
            .find(|(_, w)| *w == self)
            .map_or("whole run", |(name, _)| name)
    }

    /// The virtual time the plots start at, with the clock at `now_us`.
    pub fn start_us(self, now_us: u64) -> u64 {
        match self {
            PlotWindow::Recent(span_us) => now_us.saturating_sub(span_us),
            PlotWindow::Whole => 0,
        }
    }
}

impl Default for PlotWindow {
    fn default() -> Self {
        PlotWindow::Recent(30_000_000)
    }
}

/// The run panels' layout for the session (in egui's memory).
#[derive(Clone, Debug)]
pub struct RunChrome {
    /// The dock's content height the user chose by dragging (points);
    /// none: the default for the window.
    pub dock_height: Option<f32>,
    /// Whether the dock shows its tab's content (closed: only the tabs).
    pub dock_open: bool,
    /// The content height the dock drew last frame (to tell an egui panel
    /// edge being dragged from the height the dock chose itself).
    pub dock_drawn: Option<f32>,
    /// The height the Trace tab needs to show its story without scrolling.
    pub trace_wanted: f32,
    /// Where the run toolbar ends (screen y), measured this frame.
    pub toolbar_bottom: f32,
    /// The room between the toolbar and the dock's bottom (board, timeline
    /// and dock together), measured this frame.
    pub room: f32,
    /// The timeline's content height, measured last frame.
    pub timeline_drawn: Option<f32>,
    /// Where the timeline's content starts (screen y), measured last frame.
    pub timeline_top: Option<f32>,
    /// The height between the board and the dock's content: the timeline
    /// with its panel's margins and the dock's (points), measured.
    pub between: Option<f32>,
    /// What the plots show of virtual time.
    pub window: PlotWindow,
    /// Widths of the toolbar's groups, measured when last shown (points):
    /// the always-shown ones together, then each one that can move into
    /// the overflow menu, by [`super::toolbar::Optional`].
    pub toolbar_widths: [f32; 5],
}

impl Default for RunChrome {
    fn default() -> Self {
        Self {
            dock_height: None,
            dock_open: true,
            dock_drawn: None,
            trace_wanted: 0.0,
            toolbar_bottom: 0.0,
            room: 0.0,
            timeline_drawn: None,
            timeline_top: None,
            between: None,
            window: PlotWindow::default(),
            // Estimates until measured: the first frame decides with these.
            toolbar_widths: [520.0, 120.0, 215.0, 120.0, 390.0],
        }
    }
}

fn chrome_id() -> Id {
    Id::unique("stormflow-run-chrome")
}

impl RunChrome {
    /// The session's layout (the default before the first run).
    pub fn load(ctx: &Context) -> Self {
        ctx.data(|d| d.get_temp::<RunChrome>(chrome_id()))
            .unwrap_or_default()
    }

    /// Keeps the layout for the next frame.
    pub fn store(self, ctx: &Context) {
        ctx.data_mut(|d| d.insert_temp(chrome_id(), self));
    }

    /// The dock's content height this frame: the user's choice (or the
    /// default), taller on the Trace tab when its story needs it, never
    /// so tall that the board keeps less than its share. `room` is the
    /// height between the toolbar and the dock's bottom (board, timeline
    /// and dock together).
    pub fn dock_height_for(&self, room: f32, tab: DockTab) -> f32 {
        let timeline = self.between.unwrap_or(BETWEEN_ESTIMATE);
        let limits = DockLimits::of(room, timeline);
        if !self.dock_open {
            return DOCK_TABS_HEIGHT;
        }
        let chosen = self.dock_height.unwrap_or(limits.default);
        let wanted = if tab == DockTab::Trace {
            chosen.max(self.trace_wanted)
        } else {
            chosen
        };
        limits.clamp(wanted)
    }

    /// Follows a drag of the board's edge by `delta_y` points (up is
    /// negative: the dock grows). Dragging a closed dock up opens it;
    /// dragging an open one below its least height closes it.
    pub fn drag_dock_edge(&mut self, delta_y: f32, room: f32, tab: DockTab) {
        let current = self.dock_height_for(room, tab);
        let target = current - delta_y;
        let limits = DockLimits::of(room, self.between.unwrap_or(BETWEEN_ESTIMATE));
        if !self.dock_open {
            if target > DOCK_TABS_HEIGHT + 12.0 {
                self.dock_open = true;
                self.dock_height = Some(limits.clamp(target));
            }
            return;
        }
        if target < DOCK_MIN_HEIGHT - 40.0 {
            self.dock_open = false;
            return;
        }
        self.dock_height = Some(limits.clamp(target));
    }
}

/// The heights an open dock may take in a given room.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DockLimits {
    /// The least (points).
    pub min: f32,
    /// Before the user sizes it.
    pub default: f32,
    /// The most: what leaves the board its share.
    pub max: f32,
}

impl DockLimits {
    /// The limits for `room` points between the toolbar and the dock's
    /// bottom, with the timeline `timeline` points tall.
    pub fn of(room: f32, timeline: f32) -> Self {
        let room = room.max(0.0);
        let max = (room * (1.0 - BOARD_MIN_SHARE) - timeline).max(DOCK_MIN_HEIGHT);
        let default = (room * DOCK_DEFAULT_SHARE)
            .min(DOCK_DEFAULT_HEIGHT)
            .clamp(DOCK_MIN_HEIGHT, max);
        Self {
            min: DOCK_MIN_HEIGHT,
            default,
            max,
        }
    }

    /// `height` brought within the limits.
    pub fn clamp(self, height: f32) -> f32 {
        height.clamp(self.min, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_board_keeps_its_share_however_tall_the_dock_is_asked_to_be() {
        // 800x600: about 520 points between the toolbar and the status bar.
        let limits = DockLimits::of(520.0, 44.0);
        let board = 520.0 - 44.0 - limits.clamp(10_000.0);
        assert!(board >= 520.0 * BOARD_MIN_SHARE - 0.5, "board {board}");
        assert!(
            limits.default < 200.0,
            "a small window starts with a smaller dock"
        );
        // 1600x1000: the default is the usual 270.
        assert_eq!(DockLimits::of(920.0, 44.0).default, DOCK_DEFAULT_HEIGHT);
    }

    #[test]
    fn dragging_the_edge_resizes_closes_and_opens_the_dock() {
        let mut chrome = RunChrome::default();
        let room = 920.0;
        let start = chrome.dock_height_for(room, DockTab::Metrics);
        chrome.drag_dock_edge(-100.0, room, DockTab::Metrics);
        assert_eq!(
            chrome.dock_height_for(room, DockTab::Metrics),
            start + 100.0
        );
        chrome.drag_dock_edge(10_000.0, room, DockTab::Metrics);
        assert!(
            !chrome.dock_open,
            "dragged down past its least height, it closes"
        );
        assert_eq!(
            chrome.dock_height_for(room, DockTab::Metrics),
            DOCK_TABS_HEIGHT
        );
        chrome.drag_dock_edge(-200.0, room, DockTab::Metrics);
        assert!(chrome.dock_open);
        assert_eq!(
            chrome.dock_height_for(room, DockTab::Metrics),
            DOCK_TABS_HEIGHT + 200.0
        );
    }

    #[test]
    fn the_trace_tab_grows_the_dock_to_its_story_within_the_limit() {
        let mut chrome = RunChrome {
            trace_wanted: 380.0,
            ..RunChrome::default()
        };
        let room = 920.0;
        assert_eq!(chrome.dock_height_for(room, DockTab::Trace), 380.0);
        assert_eq!(
            chrome.dock_height_for(room, DockTab::Metrics),
            DOCK_DEFAULT_HEIGHT,
            "the other tabs keep the chosen height"
        );
        chrome.trace_wanted = 5_000.0;
        assert_eq!(
            chrome.dock_height_for(room, DockTab::Trace),
            DockLimits::of(room, BETWEEN_ESTIMATE).max
        );
    }

    #[test]
    fn a_plot_window_starts_its_span_before_now_and_whole_starts_at_zero() {
        assert_eq!(
            PlotWindow::Recent(30_000_000).start_us(100_000_000),
            70_000_000
        );
        assert_eq!(PlotWindow::Recent(30_000_000).start_us(5_000_000), 0);
        assert_eq!(PlotWindow::Whole.start_us(100_000_000), 0);
    }
}

//! Every user action is one variant of [`Command`]. Menus, shortcuts,
//! buttons, the board and the command palette all send these; the app
//! applies them in one place ([`crate::app::StormflowApp::apply`]), which is
//! also where undo is recorded.

use std::path::PathBuf;

use egui::{Key, KeyboardShortcut, Modifiers};
use stormflow_core::model::{Element, ElementId, ElementKind, Flow, FlowKey, Level, Pos};

pub use stormflow_core::edit::{Align, Axis};

/// Side panels that can be shown or hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelKind {
    /// The palette of sticky kinds.
    Palette,
    /// The selected element's properties.
    Inspector,
    /// The checks' findings.
    Problems,
}

/// Where a board of a comparison comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum ComparisonSource {
    /// A built-in sample, by file name.
    Sample(&'static str),
    /// A file.
    Path(PathBuf),
    /// The board open now.
    Current,
}

/// A user action.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Start a new, empty board.
    NewModel,
    /// Ask for a file and open it.
    Open,
    /// Open this file.
    OpenPath(PathBuf),
    /// Open a built-in sample by file name.
    OpenSample(&'static str),
    /// Save to the current file (asks for one if there is none).
    Save,
    /// Ask for a file and save to it.
    SaveAs,
    /// Close the window.
    Quit,
    /// Take back the last change.
    Undo,
    /// Do again what was taken back.
    Redo,
    /// Copy the selection to the clipboard as `.ron` text, then delete it.
    Cut,
    /// Copy the selection to the clipboard as `.ron` text.
    Copy,
    /// Paste `.ron` text (from the clipboard).
    Paste(String),
    /// Copy and paste the selection in one go.
    Duplicate,
    /// Delete the selection.
    Delete,
    /// Select every element.
    SelectAll,
    /// Rename the selected sticky in place.
    Rename,
    /// Create a sticky and start typing its name.
    Create {
        /// What kind.
        kind: ElementKind,
        /// A pivotal event (Big Picture).
        pivotal: bool,
        /// Top-left corner on the board.
        at: Pos,
    },
    /// Take back a sticky created a moment ago whose naming was cancelled.
    CancelCreate(ElementId),
    /// Create a sticky of the same kind to the right of this one (Tab).
    CreateNextTo(ElementId),
    /// Set a sticky's name.
    SetName {
        /// Which.
        id: ElementId,
        /// The new name.
        name: String,
    },
    /// Move stickies by a delta (one undo step per drag).
    MoveBy {
        /// Which.
        ids: Vec<ElementId>,
        /// Delta in board units.
        dx: i32,
        /// Delta in board units.
        dy: i32,
    },
    /// Replace elements with edited copies (same ids), from the inspector.
    UpdateElements {
        /// The edited elements.
        elements: Vec<Element>,
        /// Changes with the same gesture join one undo step.
        gesture: Option<String>,
    },
    /// Connect two stickies with the flow their kinds imply.
    Connect {
        /// From.
        from: ElementId,
        /// To.
        to: ElementId,
    },
    /// Change a flow (kind or `on` filter).
    UpdateFlow {
        /// The flow as it is.
        key: FlowKey,
        /// The flow as it should be.
        flow: Flow,
    },
    /// Change the kind of the selected stickies.
    ChangeKind(ElementKind),
    /// Line the selected stickies up.
    Align(Align),
    /// Space the selected stickies evenly.
    Distribute(Axis),
    /// Put a bounded-context frame around the selection.
    GroupIntoFrame,
    /// Lay the board out left to right along causality.
    AutoLayout,
    /// Change the board's workshop level (what the palette offers).
    SetLevel(Level),
    /// Change the board's name and notes.
    SetModelInfo {
        /// Title.
        name: String,
        /// Notes.
        notes: String,
    },
    /// Select one element and bring it into view.
    Focus(ElementId),
    /// Select one flow.
    SelectFlow(FlowKey),
    /// Zoom in around the centre.
    ZoomIn,
    /// Zoom out around the centre.
    ZoomOut,
    /// Zoom to 100%.
    ZoomReset,
    /// Fit the whole board in view.
    ZoomToFit,
    /// Fit the selection in view.
    ZoomToSelection,
    /// Snap moved stickies to the grid.
    ToggleSnap,
    /// Show or hide the minimap.
    ToggleMinimap,
    /// Switch between light and dark.
    ToggleTheme,
    /// Show or hide the legend.
    ToggleLegend,
    /// Show or hide the keyboard shortcuts.
    ToggleShortcuts,
    /// Open the command palette.
    OpenCommandPalette,
    /// Show or hide a side panel.
    TogglePanel(PanelKind),
    /// Start a run of the board (if none) and play it.
    RunPlay,
    /// Pause the run.
    RunPause,
    /// Run one engine event (starting a run if none).
    RunStep,
    /// Run until this element makes or receives its next message.
    RunStepElement(ElementId),
    /// Run until this virtual time, then pause.
    RunUntil(u64),
    /// Replay the run to this virtual time (the time machine).
    RunSeek(u64),
    /// Change how fast virtual time runs.
    RunSetSpeed(crate::run::runner::Speed),
    /// Restart the run with another seed.
    RunSetSeed(u64),
    /// Leave the run and edit the board again.
    RunStop,
    /// Write the run's trace or metrics to a file (asks where).
    RunExport(crate::run::runner::ExportFormat),
    /// Schedule a fault now, in the run and in the model's fault schedule.
    InjectFault(stormflow_core::model::Fault),
    /// Select a message of the run and show its story.
    SelectMessage(u64),
    /// Show step N of the board's guided tour.
    TourGo(usize),
    /// Open two boards side by side, run in lockstep (left, right).
    OpenComparison(ComparisonSource, ComparisonSource),
    /// Ask for a board and open it side by side with this one.
    CompareWithFile,
    /// Close the side-by-side view.
    CloseComparison,
    /// Side by side: take this element down in both runs, now.
    TakeDownInBoth(ElementId),
    /// Ask for AsyncAPI documents or Kafka Streams topologies and open them
    /// as a new board.
    Import,
    /// Ask for a folder of AsyncAPI documents (one linked system) and open it.
    ImportFolder,
    /// Import this file or folder as a new board (a drop on the window).
    ImportPath(PathBuf),
    /// Ask for documents and merge them into this board (one undo step).
    ImportInto,
    /// Ask the clipboard for a Kafka Streams topology (or AsyncAPI text) and
    /// open it as a board.
    PasteTopology,
    /// Import this text (a paste) as a new board.
    ImportText(String),
    /// Export the board: asks where, then writes the format.
    Export(ExportRequest),
    /// Keep the faults taken during this run in the board's own schedule
    /// (one undo step), so every run of the file has them.
    KeepRunFaults,
    /// Full screen, panels hidden, board fitted (F11); again to leave.
    TogglePresentation,
    /// Open the What-if panel: sweep the selected stickies' capacity.
    OpenWhatIf,
    /// Open the variant of a sweep at this grid position as a new board.
    OpenVariant(usize),
    /// Ask where a NATS server is and run the board on it.
    OpenLiveDialog,
    /// Set the kind that double-click creates.
    SetCurrentKind {
        /// The kind.
        kind: ElementKind,
        /// A pivotal event.
        pivotal: bool,
    },
}

/// A way out of the board (File → Export).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// A picture as SVG.
    Svg,
    /// A picture as PNG (drawn headless, 2x).
    Png,
    /// A Mermaid flowchart.
    Mermaid,
    /// A Graphviz DOT graph.
    Dot,
    /// AsyncAPI 3.0 documents, one per application (a folder).
    AsyncApi,
    /// One AsyncAPI 3.0 document for the whole board.
    AsyncApiSingle,
    /// An EventCatalog (a folder).
    EventCatalog,
    /// The model as JSON.
    Json,
}

impl ExportKind {
    /// Every kind, in menu order.
    pub const ALL: [ExportKind; 8] = [
        ExportKind::Svg,
        ExportKind::Png,
        ExportKind::Mermaid,
        ExportKind::Dot,
        ExportKind::AsyncApi,
        ExportKind::AsyncApiSingle,
        ExportKind::EventCatalog,
        ExportKind::Json,
    ];

    /// The menu entry.
    pub fn label(self) -> &'static str {
        match self {
            ExportKind::Svg => "Picture (SVG)…",
            ExportKind::Png => "Picture (PNG)…",
            ExportKind::Mermaid => "Mermaid flowchart…",
            ExportKind::Dot => "Graphviz DOT…",
            ExportKind::AsyncApi => "AsyncAPI 3.0, a document per application…",
            ExportKind::AsyncApiSingle => "AsyncAPI 3.0, one document…",
            ExportKind::EventCatalog => "EventCatalog folder…",
            ExportKind::Json => "JSON…",
        }
    }

    /// The file extension (none: a folder).
    pub fn extension(self) -> Option<&'static str> {
        match self {
            ExportKind::Svg => Some("svg"),
            ExportKind::Png => Some("png"),
            ExportKind::Mermaid => Some("mmd"),
            ExportKind::Dot => Some("dot"),
            ExportKind::AsyncApiSingle => Some("yaml"),
            ExportKind::Json => Some("json"),
            ExportKind::AsyncApi | ExportKind::EventCatalog => None,
        }
    }

    /// Whether it is a picture (with a view and a theme to choose).
    pub fn is_picture(self) -> bool {
        matches!(self, ExportKind::Svg | ExportKind::Png)
    }
}

/// What File → Export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportRequest {
    /// The format.
    pub kind: ExportKind,
    /// Pictures: only what the board shows now (else the whole board).
    pub current_view: bool,
    /// Pictures: the dark theme (else light).
    pub dark: bool,
}

/// A command the palette, the menus and the shortcut sheet can list.
#[derive(Clone, Debug)]
pub struct Action {
    /// What it is called.
    pub name: &'static str,
    /// Where it belongs.
    pub group: &'static str,
    /// Its keyboard shortcuts, the first one shown.
    pub shortcuts: &'static [KeyboardShortcut],
    /// The command it sends.
    pub command: fn() -> Command,
}

const fn key(modifiers: Modifiers, key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(modifiers, key)
}

const CMD: Modifiers = Modifiers::COMMAND;
const CMD_SHIFT: Modifiers = Modifiers {
    alt: false,
    ctrl: false,
    shift: true,
    mac_cmd: false,
    command: true,
};
const NONE: Modifiers = Modifiers::NONE;
const SHIFT: Modifiers = Modifiers::SHIFT;

/// Every action with a fixed command, in menu order.
pub const ACTIONS: &[Action] = &[
    Action {
        name: "New board",
        group: "File",
        shortcuts: &[key(CMD, Key::N)],
        command: || Command::NewModel,
    },
    Action {
        name: "Open…",
        group: "File",
        shortcuts: &[key(CMD, Key::O)],
        command: || Command::Open,
    },
    Action {
        name: "Save",
        group: "File",
        shortcuts: &[key(CMD, Key::S)],
        command: || Command::Save,
    },
    Action {
        name: "Save as…",
        group: "File",
        shortcuts: &[key(CMD_SHIFT, Key::S)],
        command: || Command::SaveAs,
    },
    Action {
        name: "Import AsyncAPI or Kafka Streams…",
        group: "File",
        shortcuts: &[key(CMD, Key::I)],
        command: || Command::Import,
    },
    Action {
        name: "Import a folder of AsyncAPI documents…",
        group: "File",
        shortcuts: &[],
        command: || Command::ImportFolder,
    },
    Action {
        name: "Import into this board…",
        group: "File",
        shortcuts: &[key(CMD_SHIFT, Key::I)],
        command: || Command::ImportInto,
    },
    Action {
        name: "Paste a topology",
        group: "Edit",
        shortcuts: &[key(CMD_SHIFT, Key::V)],
        command: || Command::PasteTopology,
    },
    Action {
        name: "Quit",
        group: "File",
        shortcuts: &[key(CMD, Key::Q)],
        command: || Command::Quit,
    },
    Action {
        name: "Undo",
        group: "Edit",
        shortcuts: &[key(CMD, Key::Z)],
        command: || Command::Undo,
    },
    Action {
        name: "Redo",
        group: "Edit",
        shortcuts: &[key(CMD_SHIFT, Key::Z), key(CMD, Key::Y)],
        command: || Command::Redo,
    },
    Action {
        name: "Cut",
        group: "Edit",
        shortcuts: &[key(CMD, Key::X)],
        command: || Command::Cut,
    },
    Action {
        name: "Copy",
        group: "Edit",
        shortcuts: &[key(CMD, Key::C)],
        command: || Command::Copy,
    },
    Action {
        name: "Duplicate",
        group: "Edit",
        shortcuts: &[key(CMD, Key::D)],
        command: || Command::Duplicate,
    },
    Action {
        name: "Delete",
        group: "Edit",
        shortcuts: &[key(NONE, Key::Delete), key(NONE, Key::Backspace)],
        command: || Command::Delete,
    },
    Action {
        name: "Select all",
        group: "Edit",
        shortcuts: &[key(CMD, Key::A)],
        command: || Command::SelectAll,
    },
    Action {
        name: "Rename",
        group: "Edit",
        shortcuts: &[key(NONE, Key::F2)],
        command: || Command::Rename,
    },
    Action {
        name: "Group into a frame",
        group: "Arrange",
        shortcuts: &[key(CMD, Key::G)],
        command: || Command::GroupIntoFrame,
    },
    Action {
        name: "Auto-layout along causality",
        group: "Arrange",
        shortcuts: &[key(CMD_SHIFT, Key::L)],
        command: || Command::AutoLayout,
    },
    Action {
        name: "Align left",
        group: "Arrange",
        shortcuts: &[],
        command: || Command::Align(Align::Left),
    },
    Action {
        name: "Align centre",
        group: "Arrange",
        shortcuts: &[],
        command: || Command::Align(Align::Center),
    },
    Action {
        name: "Align right",
        group: "Arrange",
        shortcuts: &[],
        command: || Command::Align(Align::Right),
    },
    Action {
        name: "Align top",
        group: "Arrange",
        shortcuts: &[],
        command: || Command::Align(Align::Top),
    },
    Action {
        name: "Align middle",
        group: "Arrange",
        shortcuts: &[],
        command: || Command::Align(Align::Middle),
    },
    Action {
        name: "Align bottom",
        group: "Arrange",
        shortcuts: &[],
        command: || Command::Align(Align::Bottom),
    },
    Action {
        name: "Distribute horizontally",
        group: "Arrange",
        shortcuts: &[],
        command: || Command::Distribute(Axis::Horizontal),
    },
    Action {
        name: "Distribute vertically",
        group: "Arrange",
        shortcuts: &[],
        command: || Command::Distribute(Axis::Vertical),
    },
    Action {
        name: "Snap to grid",
        group: "Arrange",
        shortcuts: &[],
        command: || Command::ToggleSnap,
    },
    Action {
        name: "Zoom in",
        group: "View",
        shortcuts: &[key(CMD, Key::Plus), key(CMD, Key::Equals)],
        command: || Command::ZoomIn,
    },
    Action {
        name: "Zoom out",
        group: "View",
        shortcuts: &[key(CMD, Key::Minus)],
        command: || Command::ZoomOut,
    },
    Action {
        name: "Zoom to 100%",
        group: "View",
        shortcuts: &[key(CMD, Key::Num0)],
        command: || Command::ZoomReset,
    },
    Action {
        name: "Zoom to fit",
        group: "View",
        shortcuts: &[key(CMD, Key::Num1)],
        command: || Command::ZoomToFit,
    },
    Action {
        name: "Zoom to selection",
        group: "View",
        shortcuts: &[key(CMD, Key::Num2)],
        command: || Command::ZoomToSelection,
    },
    Action {
        name: "Minimap",
        group: "View",
        shortcuts: &[key(CMD, Key::M)],
        command: || Command::ToggleMinimap,
    },
    Action {
        name: "Light / dark theme",
        group: "View",
        shortcuts: &[key(CMD_SHIFT, Key::T)],
        command: || Command::ToggleTheme,
    },
    Action {
        name: "Legend",
        group: "View",
        shortcuts: &[key(NONE, Key::F3)],
        command: || Command::ToggleLegend,
    },
    Action {
        name: "Keyboard shortcuts",
        group: "View",
        shortcuts: &[key(NONE, Key::F1)],
        command: || Command::ToggleShortcuts,
    },
    Action {
        name: "Command palette",
        group: "View",
        shortcuts: &[key(CMD, Key::K), key(CMD_SHIFT, Key::P)],
        command: || Command::OpenCommandPalette,
    },
    Action {
        name: "Palette panel",
        group: "View",
        shortcuts: &[key(CMD, Key::Num7)],
        command: || Command::TogglePanel(PanelKind::Palette),
    },
    Action {
        name: "Inspector panel",
        group: "View",
        shortcuts: &[key(CMD, Key::Num8)],
        command: || Command::TogglePanel(PanelKind::Inspector),
    },
    Action {
        name: "Problems panel",
        group: "View",
        shortcuts: &[key(CMD, Key::Num9)],
        command: || Command::TogglePanel(PanelKind::Problems),
    },
    Action {
        name: "Run / pause",
        group: "Run",
        shortcuts: &[key(NONE, Key::F5)],
        command: || Command::RunPlay,
    },
    Action {
        name: "Step one event",
        group: "Run",
        shortcuts: &[key(NONE, Key::F6)],
        command: || Command::RunStep,
    },
    Action {
        name: "Reset the run to time 0",
        group: "Run",
        shortcuts: &[key(CMD, Key::F5)],
        command: || Command::RunSeek(0),
    },
    Action {
        name: "Stop the run and edit",
        group: "Run",
        shortcuts: &[key(SHIFT, Key::F5)],
        command: || Command::RunStop,
    },
    Action {
        name: "Keep this run's faults in the board",
        group: "Run",
        shortcuts: &[],
        command: || Command::KeepRunFaults,
    },
    Action {
        name: "What-if: sweep capacity…",
        group: "Run",
        shortcuts: &[],
        command: || Command::OpenWhatIf,
    },
    Action {
        name: "Run on NATS…",
        group: "Run",
        shortcuts: &[],
        command: || Command::OpenLiveDialog,
    },
    Action {
        name: "Presentation mode",
        group: "View",
        shortcuts: &[key(NONE, Key::F11)],
        command: || Command::TogglePresentation,
    },
    Action {
        name: "Level: Big Picture",
        group: "Board",
        shortcuts: &[],
        command: || Command::SetLevel(Level::BigPicture),
    },
    Action {
        name: "Level: Process",
        group: "Board",
        shortcuts: &[],
        command: || Command::SetLevel(Level::Process),
    },
    Action {
        name: "Level: Design",
        group: "Board",
        shortcuts: &[],
        command: || Command::SetLevel(Level::Design),
    },
];

/// Shortcuts that are not commands of their own, for the shortcut sheet.
pub const GESTURES: &[(&str, &str)] = &[
    (
        "Double-click the board",
        "create a sticky of the current kind and type its name",
    ),
    ("Enter", "confirm the name"),
    ("Tab", "confirm and create the next sticky to the right"),
    ("Escape", "cancel typing, or clear the selection"),
    ("Double-click a sticky", "rename it"),
    ("Drag a sticky", "move it (Shift: no snapping)"),
    (
        "Drag from a sticky's handle ●",
        "connect it to another sticky",
    ),
    ("Drag on empty board", "select with a rubber band"),
    ("Shift-click", "add to or remove from the selection"),
    ("Middle-drag, Space+drag or scroll", "pan"),
    ("Ctrl+scroll or pinch", "zoom around the pointer"),
    (
        "Ctrl+V",
        "paste stickies copied as .ron text (also from another window)",
    ),
    (
        "Right-click a sticky",
        "its menu (during a run: take it down, slow it, make it fail)",
    ),
    (
        "Drop files on the window",
        "a .ron board opens; AsyncAPI (.yaml, .yml, .json), a topology (.txt) or a folder is imported",
    ),
    (
        "1 … 9 (nothing selected)",
        "pick the kind double-click creates",
    ),
];

/// The first shortcut of the action that sends `command`, as text, for a
/// tooltip or a menu ("F5"): the one table of actions says it, nowhere else.
pub fn shortcut_of(command: &Command) -> Option<String> {
    ACTIONS
        .iter()
        .find(|a| (a.command)() == *command)
        .and_then(|a| a.shortcuts.first())
        .map(shortcut_text)
}

/// A tooltip with the shortcut of `command` after it: "Run (F5)".
pub fn hint(text: &str, command: &Command) -> String {
    match shortcut_of(command) {
        Some(keys) => format!("{text} ({keys})"),
        None => text.to_string(),
    }
}

/// The text a shortcut is shown with ("Ctrl+Shift+Z").
pub fn shortcut_text(shortcut: &KeyboardShortcut) -> String {
    let mut parts = Vec::new();
    if shortcut.modifiers.command || shortcut.modifiers.ctrl {
        parts.push("Ctrl".to_string());
    }
    if shortcut.modifiers.alt {
        parts.push("Alt".to_string());
    }
    if shortcut.modifiers.shift {
        parts.push("Shift".to_string());
    }
    parts.push(shortcut.logical_key.symbol_or_name().to_string());
    parts.join("+")
}

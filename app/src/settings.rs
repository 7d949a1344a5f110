//! What the user expects back next time: theme, recent files, the last
//! board, panel and board preferences. Window size and position are kept by
//! eframe itself.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Most recent files remembered.
pub const MAX_RECENT: usize = 10;

/// The storage key.
pub const KEY: &str = "stormflow-settings";

/// Persisted preferences.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Dark theme (else light).
    pub dark: bool,
    /// Recently opened or saved files, newest first.
    pub recent: Vec<PathBuf>,
    /// The board open when the app last closed.
    pub last_opened: Option<PathBuf>,
    /// Snap moved stickies to the grid.
    pub snap: bool,
    /// Show the minimap.
    pub minimap: bool,
    /// Show the palette panel.
    pub show_palette: bool,
    /// Show the inspector panel.
    pub show_inspector: bool,
    /// Show the problems panel.
    pub show_problems: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dark: true,
            recent: Vec::new(),
            last_opened: None,
            snap: true,
            minimap: true,
            show_palette: true,
            show_inspector: true,
            show_problems: true,
        }
    }
}

impl Settings {
    /// Puts a file at the top of the recent list.
    pub fn remember(&mut self, path: &Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path.clone());
        self.recent.truncate(MAX_RECENT);
        self.last_opened = Some(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_files_are_unique_newest_first_and_bounded() {
        let mut settings = Settings::default();
        for i in 0..15 {
            settings.remember(Path::new(&format!("/nonexistent/{i}.ron")));
        }
        settings.remember(Path::new("/nonexistent/3.ron"));
        assert_eq!(settings.recent.len(), MAX_RECENT);
        assert_eq!(settings.recent[0], PathBuf::from("/nonexistent/3.ron"));
        assert_eq!(
            settings
                .recent
                .iter()
                .filter(|p| p.ends_with("3.ron"))
                .count(),
            1
        );
    }

    #[test]
    fn settings_survive_a_ron_round_trip_and_missing_fields() {
        let settings = Settings {
            dark: false,
            ..Settings::default()
        };
        let text = ron::to_string(&settings).expect("encodes");
        assert_eq!(ron::from_str::<Settings>(&text).expect("decodes"), settings);
        let partial: Settings = ron::from_str("(dark: false)").expect("missing fields default");
        assert!(partial.snap);
    }
}

//! `stormflow FILE --screenshot OUT.png` opens a real window, renders the
//! board and writes it. Needs a display: under Xvfb (`.ci/run` starts one).

use std::process::Command;

use stormflow_tests::{samples_dir, stormflow_binary};

#[test]
fn screenshot_writes_a_png_of_the_board() {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!(
            "\n*** SKIPPED screenshot test: no DISPLAY; run under Xvfb (apt-get install -y xvfb; Xvfb :99 & export DISPLAY=:99) ***\n"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("board.png");
    let status = Command::new(stormflow_binary())
        .arg(samples_dir().join("online-shop.ron"))
        .arg("--screenshot")
        .arg(&out)
        .args(["--size", "1000x700"])
        .env("STORMFLOW_STATE_DIR", dir.path())
        .status()
        .expect("the binary runs");
    assert!(status.success(), "stormflow --screenshot failed: {status}");
    let image = image::open(&out).expect("a PNG was written").to_rgba8();
    assert!(
        image.width() >= 1000 && image.height() >= 700,
        "{}x{}",
        image.width(),
        image.height()
    );
    // The board is drawn: the legend's event orange and command blue appear.
    let has = |rgb: [u8; 3]| {
        image
            .pixels()
            .any(|p| p.0[..3].iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= 3))
    };
    let event = stormflow_core::ElementKind::Event.legend_rgb();
    let command = stormflow_core::ElementKind::Command.legend_rgb();
    assert!(
        has(event) && has(command),
        "no sticky colours in the screenshot"
    );
}

//! Shared helpers for the end-to-end tests.

use std::path::PathBuf;

/// The repository's `samples/` directory.
pub fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("samples")
}

/// Every `.ron` file in `samples/`, sorted.
pub fn sample_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples_dir())
        .expect("the samples directory exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "ron"))
        .collect();
    files.sort();
    files
}

/// The `stormflow` binary of this build (`target/<profile>/stormflow`).
/// `cargo test --workspace` builds it, because the app crate has
/// integration tests; when a single crate's tests run alone it may be
/// missing, and this says how to build it.
pub fn stormflow_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows where it runs");
    // target/<profile>/deps/<test> -> target/<profile>/stormflow
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("tests run from target/<profile>/deps");
    let binary = profile_dir.join(format!("stormflow{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build -p stormflow` (or `cargo test --workspace`, which builds it)",
        binary.display()
    );
    binary
}

//! Every sample loads, checks without errors and round-trips byte-identically.

use stormflow_core::{Severity, check, format};
use stormflow_tests::sample_files;

#[test]
fn there_are_samples_and_the_default_one_is_online_shop() {
    let files = sample_files();
    assert!(files.len() >= 2, "found {files:?}");
    assert!(files.iter().any(|f| f.ends_with("online-shop.ron")));
    assert!(files.iter().any(|f| f.ends_with("big-picture.ron")));
}

#[test]
fn every_sample_loads_and_checks_without_errors() {
    for file in sample_files() {
        let model = format::load(&file).unwrap_or_else(|e| panic!("{e}"));
        let errors: Vec<_> = check(&model)
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
    }
}

#[test]
fn every_sample_round_trips_byte_identically() {
    for file in sample_files() {
        let text = std::fs::read_to_string(&file).expect("readable");
        let model =
            format::from_ron_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let written = format::to_ron_string(&model).expect("encodes");
        assert_eq!(
            written,
            text,
            "{} is not in canonical form: run `stormflow fmt {}`",
            file.display(),
            file.display()
        );
        let again = format::from_ron_str(&written).expect("decodes");
        assert_eq!(
            again,
            model,
            "{}: load -> save -> load changed the model",
            file.display()
        );
    }
}

#[test]
fn saving_into_a_read_only_directory_leaves_the_old_file_intact() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shop.ron");
    let original = std::fs::read_to_string(stormflow_tests::samples_dir().join("online-shop.ron"))
        .expect("sample");
    std::fs::write(&path, &original).expect("write");
    let mut model = format::from_ron_str(&original).expect("loads");
    model.name = "Changed".into();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let result = format::save(&path, &model);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod back");
    // Root may write anywhere; then the save succeeds and is complete instead.
    match result {
        Err(error) => {
            assert!(error.to_string().contains("unchanged"), "{error}");
            assert_eq!(std::fs::read_to_string(&path).expect("read"), original);
        }
        Ok(()) => assert_eq!(format::load(&path).expect("loads").name, "Changed"),
    }
    let leftovers = std::fs::read_dir(dir.path()).expect("list").count();
    assert_eq!(leftovers, 1, "no temporary file is left behind");
}

#[test]
fn every_sample_runs_to_its_horizon_with_conservation_holding() {
    use stormflow_core::sim::{Sim, SimOptions};
    for file in sample_files() {
        let model = format::load(&file).unwrap_or_else(|e| panic!("{e}"));
        let mut sim = Sim::new(&model, &SimOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let step = (model.run.horizon_us / 20).max(1);
        let mut t = 0;
        while t < model.run.horizon_us {
            t = (t + step).min(model.run.horizon_us);
            sim.run_until(t);
            let totals = sim.totals();
            assert!(
                totals.conserved(),
                "{} at {t} us: {totals:?}",
                file.display()
            );
        }
    }
}

#[test]
fn every_sample_says_what_to_try_and_its_tour_points_at_real_elements() {
    for file in sample_files() {
        let model = format::load(&file).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            model.notes.contains("Try"),
            "{}: the notes say what to try",
            file.display()
        );
        for step in &model.tour {
            if let Some(id) = &step.element {
                assert!(
                    model.contains(id),
                    "{}: tour step names `{id}`",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn the_app_carries_every_sample_on_disk() {
    let built_in: Vec<&str> = stormflow_app::samples::SAMPLES
        .iter()
        .map(|s| s.file)
        .collect();
    for file in sample_files() {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a file name");
        assert!(
            built_in.contains(&name),
            "{name} is not in app/src/samples.rs"
        );
        let text = std::fs::read_to_string(&file).expect("readable");
        let sample = stormflow_app::samples::sample(name).expect("built in");
        assert_eq!(sample.text, text, "{name}: the built-in copy is the file");
    }
}

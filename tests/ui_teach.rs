//! Teaching views, driven through egui_kittest: the purchase pair side by
//! side, and a sample's guided tour.

use std::time::{Duration, Instant};

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stormflow_app::app::StormflowApp;
use stormflow_app::command::{Command, ComparisonSource};
use stormflow_app::files::ScriptedDialogs;
use stormflow_app::settings::Settings;

/// The app as it starts, on the sample it opens first.
fn harness() -> Harness<'static, StormflowApp> {
    crate::harness::harness(StormflowApp::with(
        Settings::default(),
        Box::new(ScriptedDialogs::default()),
        None,
    ))
}

#[test]
fn the_purchase_pair_opens_side_by_side_from_the_command_palette() {
    let mut h = harness();
    h.key_press_modifiers(Modifiers::COMMAND, Key::K);
    h.run_steps(2);
    h.event(egui::Event::Text("side by side".into()));
    h.run_steps(2);
    h.key_press(Key::Enter);
    h.run_steps(4);
    let comparison = h
        .state()
        .comparison
        .as_ref()
        .expect("the comparison is open");
    assert_eq!(comparison.panes[0].name, "purchase-event-command.ron");
    assert_eq!(comparison.panes[1].name, "purchase-event-first.ron");
    assert_eq!(
        h.query_all_by_label("Purchasing App").count(),
        2,
        "both boards are shown"
    );
    h.get_by_label("▶ Run both").click();
    let deadline = Instant::now() + Duration::from_secs(30);
    while h
        .state()
        .comparison
        .as_ref()
        .is_some_and(|c| c.panes.iter().any(|p| p.run.now() < 500_000))
    {
        assert!(Instant::now() < deadline, "both runs advance");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    let comparison = h.state().comparison.as_ref().expect("open");
    let (a, b) = (comparison.panes[0].run.now(), comparison.panes[1].run.now());
    assert!(a.abs_diff(b) < 200_000, "in lockstep: {a} vs {b}");
    h.get_by_label("✕ Close").click();
    h.run_steps(3);
    assert!(h.state().comparison.is_none());
}

#[test]
fn side_by_side_the_run_keys_drive_both_runs_and_the_hidden_board_is_not_edited() {
    let mut h = harness();
    let elements = h.state().doc.model().element_count();
    let (a, b) = stormflow_app::samples::PURCHASE_PAIR;
    let ctx = h.ctx.clone();
    h.state_mut().apply(
        Command::OpenComparison(ComparisonSource::Sample(a), ComparisonSource::Sample(b)),
        &ctx,
    );
    h.run_steps(3);
    assert!(h.state().comparison.is_some());
    h.key_press(Key::F5);
    let deadline = Instant::now() + Duration::from_secs(30);
    while h
        .state()
        .comparison
        .as_ref()
        .is_some_and(|c| c.panes.iter().any(|p| p.run.now() < 200_000))
    {
        assert!(Instant::now() < deadline, "F5 runs both");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(h.state().run.is_none(), "and not the board underneath");
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.key_press(Key::Delete);
    h.run_steps(2);
    assert_eq!(
        h.state().doc.model().element_count(),
        elements,
        "keys do not edit the hidden board"
    );
    h.key_press_modifiers(Modifiers::SHIFT, Key::F5);
    h.run_steps(2);
    assert!(
        h.state().comparison.is_none(),
        "Shift+F5 goes back to the board"
    );
}

#[test]
fn the_tour_advances_and_does_what_its_step_says() {
    let mut h = harness();
    h.state_mut().open_sample("purchase-event-first.ron");
    h.run_steps(3);
    h.get_by_label_contains("step 1 of 4");
    assert!(
        h.state()
            .board
            .overlay
            .highlight
            .contains(&"purchasing-app".into()),
        "the step's element is highlighted"
    );
    h.get_by_label("Next ▶").click();
    h.run_steps(3);
    assert_eq!(h.state().tour_step, 1);
    h.get_by_label_contains("step 2 of 4");
    h.get_by_label("Next ▶").click();
    h.run_steps(3);
    h.get_by_label("◀ Back").click();
    h.run_steps(3);
    assert_eq!(h.state().tour_step, 1);
    h.get_by_label("Next ▶").click();
    h.run_steps(3);
    // Step 3 asks to take Shipping down: its button starts the run and schedules it.
    h.get_by_label_contains("Do it: take it down for 10s")
        .click();
    h.run_steps(3);
    let run = h.state().run.as_ref().expect("the run started");
    assert_eq!(run.model.faults.len(), 1);
    assert_eq!(run.model.faults[0].element.as_str(), "shipping");
    assert!(
        h.state().doc.model().faults.is_empty(),
        "the tour's outage is the run's, not the file's"
    );
}

//! Running the board in the app, driven through egui_kittest: the messages
//! table fills, the trace view tells a message's story, a fault shows on the
//! badges, the time machine replays exactly, and exports parse.

use std::time::{Duration, Instant};

use egui::{Key, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stormflow_app::app::StormflowApp;
use stormflow_app::command::Command;
use stormflow_app::files::ScriptedDialogs;
use stormflow_app::run::DockTab;
use stormflow_app::run::runner::ExportFormat;
use stormflow_core::format;
use stormflow_core::sim::{Sim, SimOptions};

use crate::harness::{app_with, painted_texts, shop};

fn harness(dialogs: ScriptedDialogs) -> Harness<'static, StormflowApp> {
    harness_with(dialogs, shop(), [1600.0, 1000.0])
}

fn harness_with(
    dialogs: ScriptedDialogs,
    model: stormflow_core::Model,
    size: [f32; 2],
) -> Harness<'static, StormflowApp> {
    crate::harness::harness_sized(app_with(model, dialogs), size)
}

/// Steps frames until `done` holds (the worker runs on its own thread).
fn wait_until(h: &mut Harness<StormflowApp>, what: &str, done: impl Fn(&StormflowApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(h.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(2));
    }
    h.step();
}

fn apply(h: &mut Harness<StormflowApp>, command: Command) {
    let ctx = h.ctx.clone();
    h.state_mut().apply(command, &ctx);
    h.step();
}

fn run_to(h: &mut Harness<StormflowApp>, seconds: u64) {
    apply(
        h,
        Command::RunSetSpeed(stormflow_app::run::runner::Speed::Max),
    );
    apply(h, Command::RunUntil(seconds * 1_000_000));
    wait_until(h, "the run to reach its time", |app| {
        app.run
            .as_ref()
            .is_some_and(|r| !r.running && r.now() >= seconds * 1_000_000)
    });
}

#[test]
fn run_then_step_fills_the_messages_table() {
    let mut h = harness(ScriptedDialogs::default());
    h.key_press(Key::F6);
    wait_until(&mut h, "a run to start", |app| app.run.is_some());
    for _ in 0..40 {
        h.key_press(Key::F6);
        h.step();
    }
    wait_until(&mut h, "messages", |app| {
        app.run.as_ref().is_some_and(|r| r.trace.len() >= 3)
    });
    h.get_by_label("Messages").click();
    h.run_steps(3);
    let run = h.state().run.as_ref().expect("running");
    assert_eq!(run.tab, DockTab::Messages);
    assert!(run.filtered.len() >= 3, "the table lists the messages");
    assert!(
        h.query_all_by_value("m0").count() >= 1,
        "the first message's row is shown"
    );
    // A click anywhere on a row, its text included, opens that message's story.
    h.get_all_by_value("m0").next().expect("m0's row").click();
    h.run_steps(3);
    let run = h.state().run.as_ref().expect("running");
    assert_eq!(run.selected, Some(0));
    assert_eq!(run.tab, DockTab::Trace);
    // Editing is refused while the run is shown, with the reason.
    h.key_press(Key::Delete);
    h.step();
    apply(&mut h, Command::SelectAll);
    apply(&mut h, Command::Delete);
    assert!(
        h.state()
            .board
            .toast_text()
            .is_some_and(|t| t.contains("Stop"))
    );
    assert_eq!(
        h.state().doc.model().element_count(),
        shop().element_count()
    );
}

#[test]
fn a_dead_lettered_message_tells_each_delivery_and_leads_to_its_dead_letter() {
    let mut h = harness(ScriptedDialogs::default());
    apply(&mut h, Command::RunStep);
    run_to(&mut h, 5);
    let run = h.state().run.as_ref().expect("running");
    // An order whose payment failed every attempt (the shop's payment
    // provider fails a third of its calls).
    let (original, letter) = (0..run.trace.len() as u64)
        .find_map(|id| {
            let header = run.trace.dead_letter(id)?;
            Some((header.original, id))
        })
        .expect("a dead letter within 5 s");
    apply(&mut h, Command::SelectMessage(original));
    h.run_steps(3);
    let attempts = h
        .state()
        .run
        .as_ref()
        .expect("running")
        .trace
        .attempts_of(original);
    assert!(
        h.query_all_by_label_contains(&format!("Deliveries ({})", attempts.len()))
            .count()
            == 1
    );
    assert_eq!(
        h.query_all_by_label_contains("· dead-lettered: ").count(),
        1,
        "the last attempt says it was dead-lettered, and why"
    );
    assert!(
        h.query_all_by_label_contains("crashed while processing")
            .count()
            >= 2,
        "each failed attempt carries its error"
    );
    h.get_by_label_contains("→ its dead letter").click();
    h.run_steps(3);
    assert_eq!(
        h.state().run.as_ref().and_then(|r| r.selected),
        Some(letter)
    );
}

#[test]
fn selecting_a_message_shows_its_causation_chain_as_the_core_computes_it() {
    let mut h = harness(ScriptedDialogs::default());
    apply(&mut h, Command::RunStep);
    run_to(&mut h, 3);
    let run = h.state().run.as_ref().expect("running");
    // A message deep in a chain: something Billing emitted.
    let billing = run.index(&"billing".into()).expect("billing");
    let deep = (0..run.trace.len() as u64)
        .filter_map(|id| run.trace.message(id))
        .find(|m| m.source == billing && m.causation != stormflow_core::sim::NO_MSG)
        .expect("billing emitted something")
        .id;
    apply(&mut h, Command::SelectMessage(deep));
    h.run_steps(3);
    let run = h.state().run.as_ref().expect("running");
    assert_eq!(run.tab, DockTab::Trace);
    let mut expected = run.trace.ancestors(deep);
    expected.reverse();
    assert!(
        expected.len() >= 3,
        "customer -> order -> billing: {expected:?}"
    );
    assert_eq!(run.chain(), expected);
    for id in &expected {
        assert!(
            h.query_all_by_label_contains(&format!("m{id} ")).count() >= 1,
            "m{id} is listed"
        );
    }
    // "Why did this happen?" walks one step back.
    h.get_by_label("Why did this happen? (one step back)")
        .click();
    h.run_steps(3);
    assert_eq!(
        h.state().run.as_ref().and_then(|r| r.selected),
        Some(expected[expected.len() - 2])
    );
    // The path is highlighted on the board.
    assert!(
        h.state()
            .board
            .overlay
            .highlight
            .contains(&"customer".into())
    );
}

#[test]
fn taking_billing_down_grows_its_lag_and_it_recovers_after() {
    let mut h = harness(ScriptedDialogs::default());
    apply(&mut h, Command::RunStep);
    run_to(&mut h, 2);
    let lag = |h: &Harness<StormflowApp>| -> u64 {
        let run = h.state().run.as_ref().expect("running");
        let orders = run.index(&"orders".into()).expect("topic");
        let billing = run.index(&"billing".into()).expect("billing");
        run.snapshot
            .topics
            .iter()
            .find(|t| t.element == orders)
            .and_then(|t| t.groups.iter().find(|g| g.consumer == billing))
            .map_or(0, |g| g.lag.iter().sum())
    };
    // Right-click Billing and take it down from the menu.
    crate::harness::right_click_sticky(&mut h, "billing");
    h.get_by_label_contains("Take down for").click();
    h.run_steps(3);
    // The fault is the run's: the file is not edited, nothing to undo.
    assert!(h.state().doc.model().faults.is_empty());
    assert!(!h.state().is_dirty());
    assert_eq!(
        h.state().run.as_ref().map(|r| r.model.faults.len()),
        Some(1),
        "scheduled in the run"
    );
    run_to(&mut h, 8);
    let during = lag(&h);
    assert!(
        during > 40,
        "billing's lag grows while it is down: {during}"
    );
    let badge = &h.state().board.overlay.badges[&"orders".into()];
    assert!(badge.partitions.iter().any(|(group, lags)| group.starts_with("billing") && lags.iter().sum::<u64>() == during));
    assert!(h.state().board.overlay.badges[&"billing".into()].down);
    // Down from 2 s to 12 s; Billing drains about 24 orders/s faster than
    // they arrive, so the backlog is gone well before 30 s.
    run_to(&mut h, 30);
    // Without the fault, Billing's lag hovers between 0 and about 11 (each
    // order waits on a 20-120 ms payment call): back to that level.
    let after = lag(&h);
    assert!(
        after <= 12 && after * 4 < during,
        "and drains after it comes back: {during} -> {after}"
    );
}

#[test]
fn the_elements_table_lists_what_emits_or_works_not_topics_or_message_types() {
    let mut h = harness(ScriptedDialogs::default());
    apply(&mut h, Command::RunStep);
    run_to(&mut h, 2);
    let count = |h: &Harness<StormflowApp>, name: &str| h.query_all_by_value(name).count();
    let before: Vec<usize> = ["Billing", "Customer", "orders-dlq", "Order Placed"]
        .iter()
        .map(|name| count(&h, name))
        .collect();
    h.get_by_label("Elements").click();
    h.run_steps(3);
    assert_eq!(
        h.state().run.as_ref().expect("running").tab,
        DockTab::Elements
    );
    let after: Vec<usize> = ["Billing", "Customer", "orders-dlq", "Order Placed"]
        .iter()
        .map(|name| count(&h, name))
        .collect();
    assert_eq!(after[0], before[0] + 1, "a service has a row");
    assert_eq!(after[1], before[1] + 1, "a source has a row");
    assert_eq!(after[2], before[2], "a topic has none");
    assert_eq!(after[3], before[3], "an event type has none");
}

#[test]
fn scrubbing_back_gives_the_counters_of_a_fresh_run_stopped_there() {
    let mut h = harness(ScriptedDialogs::default());
    apply(&mut h, Command::RunStep);
    run_to(&mut h, 6);
    apply(&mut h, Command::RunSeek(2_500_000));
    wait_until(&mut h, "the replay", |app| {
        app.run.as_ref().is_some_and(|r| r.now() == 2_500_000)
    });
    let mut fresh = Sim::new(&shop(), &SimOptions::default()).expect("runs");
    fresh.run_until(2_500_000);
    let run = h.state().run.as_ref().expect("running");
    let counters: Vec<_> = run
        .snapshot
        .elements
        .iter()
        .map(|e| e.counters.clone())
        .collect();
    let expected: Vec<_> = fresh
        .snapshot()
        .elements
        .iter()
        .map(|e| e.counters.clone())
        .collect();
    assert_eq!(counters, expected);
    assert_eq!(
        run.trace.digest(),
        fresh.trace().digest(),
        "the mirror is the trace of a fresh run"
    );
}

#[test]
fn exports_write_files_that_parse() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<_> = ["perfetto.json", "otlp.json", "metrics.csv", "metrics.json"]
        .iter()
        .map(|n| dir.path().join(n))
        .collect();
    let dialogs = ScriptedDialogs {
        saves: paths.iter().cloned().collect(),
        ..ScriptedDialogs::default()
    };
    let mut h = harness(dialogs);
    apply(&mut h, Command::RunStep);
    run_to(&mut h, 2);
    for format in [
        ExportFormat::Chrome,
        ExportFormat::Otlp,
        ExportFormat::MetricsCsv,
        ExportFormat::MetricsJson,
    ] {
        apply(&mut h, Command::RunExport(format));
    }
    wait_until(&mut h, "the exports", |_| {
        paths.iter().all(|p| p.exists())
            && std::fs::read(&paths[3]).is_ok_and(|b| b.ends_with(b"\n"))
    });
    let json = |p: &std::path::Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).expect("written")).expect("valid JSON")
    };
    assert!(json(&paths[0])["traceEvents"].is_array());
    assert!(json(&paths[1])["resourceSpans"][0]["scopeSpans"][0]["spans"].is_array());
    let csv = std::fs::read_to_string(&paths[2]).expect("written");
    assert!(csv.starts_with("element,kind,in,out,processed"));
    assert!(csv.lines().any(|l| l.starts_with("billing,aggregate,")));
    let metrics = json(&paths[3]);
    assert_eq!(metrics["virtual_time_us"], 2_000_000);
    assert!(metrics["trace_hash"].is_string());
}

/// Drags from `from` to `to` in a few frames, holding the primary button.
fn drag(h: &mut Harness<StormflowApp>, from: Pos2, to: Pos2) {
    h.hover_at(from);
    h.step();
    h.drag_at(from);
    h.step();
    for i in 1..=5 {
        h.hover_at(from + (to - from) * (i as f32 / 5.0));
        h.step();
    }
    h.drop_at(to);
    h.run_steps(4);
}

#[test]
fn at_800x600_the_toolbar_keeps_one_row_and_the_board_keeps_its_share() {
    let mut h = harness_with(ScriptedDialogs::default(), shop(), [800.0, 600.0]);
    apply(&mut h, Command::RunStep);
    run_to(&mut h, 3);
    h.run_steps(4);
    // What does not fit goes into a menu instead of a second row.
    let more = h.get_by_label("More…").rect();
    let stop = h.get_by_label("■ Stop").rect();
    let reset = h.get_by_label("⟲ Reset").rect();
    assert!(
        (stop.center().y - reset.center().y).abs() < 2.0
            && (more.center().y - stop.center().y).abs() < 2.0,
        "one row: reset {reset:?}, more {more:?}, stop {stop:?}"
    );
    assert!(stop.right() <= 800.0 && more.right() < stop.left());
    let board = |h: &Harness<StormflowApp>| {
        h.get_by_label("Resize the run panels").rect().top()
            - h.get_by_label("■ Stop").rect().bottom()
    };
    let start = board(&h);
    assert!(start > 0.4 * 520.0, "the board starts with room: {start}");
    // Dragging the handle far up grows the dock, but the board keeps its share.
    let grip = h.get_by_label("Resize the run panels").rect().center();
    drag(&mut h, grip, Pos2::new(grip.x, 20.0));
    assert!(board(&h) < start - 20.0, "the dock grew: {}", board(&h));
    assert!(
        board(&h) >= 0.4 * 500.0,
        "the board keeps its share: {}",
        board(&h)
    );
    // Hiding the dock's content gives the board the room; the tabs stay.
    h.get_by_label("Hide dock").click();
    h.run_steps(4);
    assert!(
        board(&h) > 0.7 * 520.0,
        "the board takes the room: {}",
        board(&h)
    );
    h.get_by_label("Show dock").click();
    h.run_steps(4);
    assert!(h.query_by_label("Hide dock").is_some(), "shown again");
}

#[test]
fn play_stops_at_the_horizon_and_says_so() {
    let mut model = shop();
    model.run.horizon_us = 2_000_000;
    let mut h = harness_with(ScriptedDialogs::default(), model, [1600.0, 1000.0]);
    apply(&mut h, Command::RunStep);
    apply(
        &mut h,
        Command::RunSetSpeed(stormflow_app::run::runner::Speed::Max),
    );
    apply(&mut h, Command::RunPlay);
    wait_until(&mut h, "the run to end", |app| {
        app.run
            .as_ref()
            .is_some_and(|r| !r.running && r.now() > 1_000)
    });
    h.run_steps(3);
    assert_eq!(h.state().run.as_ref().map(|r| r.now()), Some(2_000_000));
    assert!(
        h.query_by_label_contains("The run reached its horizon")
            .is_some(),
        "the banner says why the run stopped"
    );
    run_to(&mut h, 3);
    assert_eq!(
        h.state().run.as_ref().map(|r| r.now()),
        Some(3_000_000),
        "Run until goes past it"
    );
}

#[test]
fn plots_say_no_data_yet_before_the_first_sample() {
    let mut h = harness(ScriptedDialogs::default());
    apply(&mut h, Command::RunStep);
    h.run_steps(3);
    assert!(
        h.query_all_by_label_contains("no data yet").count() >= 1,
        "an empty plot says so instead of drawing axes around nothing"
    );
}

#[test]
fn the_trace_waterfall_has_a_time_axis() {
    let mut h = harness(ScriptedDialogs::default());
    apply(&mut h, Command::RunStep);
    run_to(&mut h, 2);
    apply(&mut h, Command::SelectMessage(0));
    h.run_steps(3);
    assert!(h.query_by_label_contains("Waterfall axis:").is_some());
}

/// Two policies with a service time that trigger each other: the engine
/// stops the run when the chain gets endless.
const ENDLESS_POLICIES: &str = r#"(version: 1, name: "loop", run: (horizon_us: 60000000),
  elements: [
    (id: "user", kind: Actor, name: "User", pos: (x: 0, y: 0),
     workload: (arrival: Constant(per_sec: 1.0), keys: 1)),
    (id: "start", kind: Command, name: "Start", pos: (x: 200, y: 0)),
    (id: "engine", kind: Aggregate, name: "Engine", pos: (x: 400, y: 0),
     service: (service_time: Fixed(us: 100))),
    (id: "started", kind: Event, name: "Started", pos: (x: 600, y: 0)),
    (id: "again", kind: Policy, name: "Again", pos: (x: 800, y: 0),
     service: (service_time: Fixed(us: 100))),
  ],
  flows: [
    (from: "user", to: "start", kind: Issues),
    (from: "start", to: "engine", kind: HandledBy),
    (from: "engine", to: "started", kind: Emits),
    (from: "started", to: "again", kind: ConsumedBy),
    (from: "again", to: "start", kind: Triggers),
  ])"#;

#[test]
fn a_run_the_engine_stops_shows_why_and_stays_responsive() {
    let model = format::from_ron_str(ENDLESS_POLICIES).expect("loads");
    let mut h = harness_with(ScriptedDialogs::default(), model, [1600.0, 1000.0]);
    apply(&mut h, Command::RunStep);
    apply(
        &mut h,
        Command::RunSetSpeed(stormflow_app::run::runner::Speed::Max),
    );
    apply(&mut h, Command::RunPlay);
    wait_until(&mut h, "the engine to stop the run", |app| {
        app.run
            .as_ref()
            .is_some_and(|r| r.stopped.is_some() && !r.running)
    });
    h.run_steps(3);
    assert!(h.query_by_label_contains("Stopped by the engine").is_some());
    apply(&mut h, Command::RunSeek(0));
    wait_until(&mut h, "the replay to time 0", |app| {
        app.run
            .as_ref()
            .is_some_and(|r| r.now() == 0 && r.stopped.is_none())
    });
    h.run_steps(3);
    assert!(h.query_by_label_contains("Stopped by the engine").is_none());
}

#[test]
fn the_big_picture_says_there_is_nothing_to_simulate() {
    let model =
        format::load(&stormflow_tests::samples_dir().join("big-picture.ron")).expect("loads");
    let mut h = harness_with(ScriptedDialogs::default(), model, [1600.0, 1000.0]);
    apply(&mut h, Command::RunStep);
    h.run_steps(3);
    assert!(h.query_all_by_label_contains("Nothing to simulate").count() >= 1);
}

#[test]
fn adding_a_workload_from_the_run_view_restarts_the_run_with_traffic() {
    let mut model = shop();
    let ids: Vec<_> = model.ids().cloned().collect();
    for id in ids {
        if let Some(e) = model.element_mut(&id) {
            e.workload = None;
        }
    }
    let mut h = harness_with(ScriptedDialogs::default(), model, [1600.0, 1000.0]);
    apply(&mut h, Command::RunStep);
    h.run_steps(3);
    let customer = stormflow_core::ElementId::from("customer");
    let name = h
        .state()
        .doc
        .model()
        .element(&customer)
        .expect("in the sample")
        .name
        .clone();
    h.get_all_by_label(&format!("Add a workload to {name}"))
        .next()
        .expect("offered")
        .click();
    h.run_steps(3);
    assert!(
        h.state()
            .doc
            .model()
            .element(&customer)
            .is_some_and(|e| e.workload.is_some()),
        "the workload was added"
    );
    assert!(
        h.state().run.as_ref().is_some_and(|r| r.running),
        "and the run goes on"
    );
    apply(&mut h, Command::RunStop);
    apply(&mut h, Command::Undo);
    assert!(
        h.state()
            .doc
            .model()
            .element(&customer)
            .is_some_and(|e| e.workload.is_none()),
        "one undo step takes it back"
    );
}

#[test]
fn run_badges_at_fit_are_legible_and_cover_no_sticky() {
    // A projector, and the size the README's screenshots use, a few
    // seconds into the run (the figures' widths change as they count up).
    for (size, seconds) in [([1920.0, 1080.0], 3), ([1600.0, 1000.0], 5)] {
        badges_at_fit_are_legible_and_placed_well(size, seconds);
    }
}

fn badges_at_fit_are_legible_and_placed_well(size: [f32; 2], seconds: u64) {
    use egui_kittest::kittest::NodeT;
    let mut h = harness_with(ScriptedDialogs::default(), shop(), size);
    apply(&mut h, Command::RunStep);
    run_to(&mut h, seconds);
    apply(&mut h, Command::ZoomToFit);
    h.run_steps(15);
    let board = &h.state().board;
    let to_screen = board.view.screen_from_board(board.canvas());
    let model = h.state().doc.model().clone();
    let rect_of =
        |e: &stormflow_core::Element| to_screen.mul_rect(stormflow_app::board::element_rect(e));
    // Legible: every badge line at 11 px or more.
    let lines: Vec<(String, f32)> = painted_texts(&h)
        .into_iter()
        .filter(|(text, _, _)| text.contains("busy ") || text.contains("done "))
        .map(|(text, size, _)| (text, size))
        .collect();
    assert!(lines.len() >= 4, "badges are drawn: {lines:?}");
    for (text, size) in &lines {
        assert!(*size >= 11.0, "{text:?} at {size} px");
    }
    // Placed: inside the sticky's frame, off every other sticky and box.
    let boxes: Vec<(String, egui::Rect)> = h
        .query_all_by_label_contains(" figures: ")
        .map(|node| {
            // A label's text is its value to accesskit.
            let ak = node.accesskit_node();
            let label = ak.label().or_else(|| ak.value()).unwrap_or_default();
            let name = label
                .split(" figures: ")
                .next()
                .unwrap_or_default()
                .to_string();
            (name, node.rect())
        })
        .collect();
    assert!(
        boxes.len() >= 8,
        "every running sticky has figures: {boxes:?}"
    );
    // Pinned: no box covers a sticky, and no two boxes touch (they would
    // read as one). Where a frame is too tight at fit for every sticky's
    // figures (online-shop's Billing frame), a box may cross the frame's
    // border rather than that; placement tries inside the frame first.
    for (i, (name, at)) in boxes.iter().enumerate() {
        for (other, theirs) in &boxes[i + 1..] {
            assert!(
                !at.intersects(*theirs),
                "{name}'s figures {at:?} touch {other}'s {theirs:?}"
            );
        }
    }
    for (name, at) in &boxes {
        let owner = model
            .elements()
            .find(|e| !e.kind.is_frame() && &e.name == name)
            .unwrap_or_else(|| panic!("{name} is a sticky"));
        for other in model.elements().filter(|e| e.id != owner.id) {
            let r = rect_of(other);
            if !other.kind.is_frame() {
                assert!(
                    !r.intersects(*at),
                    "{name}'s figures {at:?} cover {} {r:?}",
                    other.id
                );
            }
        }
    }
}

#[test]
fn every_metrics_cell_sits_in_the_dock_in_reading_order() {
    // At 1600x1000 the latency plot once sat thousands of points off to
    // the right (a grid kept a column as wide as an earlier frame's legend).
    let mut h = harness(ScriptedDialogs::default());
    apply(&mut h, Command::RunStep);
    run_to(&mut h, 5);
    h.run_steps(5);
    let texts = painted_texts(&h);
    let at = |wanted: &str| {
        texts
            .iter()
            .find(|(text, _, _)| text == wanted)
            .map(|(_, _, rect)| *rect)
            .unwrap_or_else(|| panic!("`{wanted}` is painted"))
    };
    for (text, _, rect) in texts.iter().filter(|(text, _, _)| !text.trim().is_empty()) {
        assert!(
            rect.max.x <= 1600.0,
            "`{text}` is painted off the window's right edge at {rect:?}"
        );
    }
    // Totals, throughput, latency along the first row.
    let (totals, throughput, p99) = (at("Totals"), at("throughput"), at("p99"));
    assert!(totals.max.x < throughput.min.x && throughput.max.x < p99.min.x);
    assert!(
        (totals.min.y - p99.min.y).abs() < 40.0,
        "one row: {totals:?} {p99:?}"
    );
    // At the dock's first height every cell is seen whole: the five time
    // axes and the totals' last line are inside what the dock shows (the
    // second row's axes were once cut off by the status bar).
    let visible = visible_texts(&h);
    let axes: Vec<_> = visible
        .iter()
        .filter(|(text, _)| text == "virtual time (s)")
        .collect();
    assert_eq!(axes.len(), 5, "every plot's time axis is painted: {axes:?}");
    for (text, shown) in axes.iter().chain(
        visible
            .iter()
            .filter(|(text, _)| text == "every delivery accounted for")
            .collect::<Vec<_>>()
            .iter(),
    ) {
        assert!(*shown, "`{text}` is cut off by the dock's edge");
    }
}

#[test]
fn at_800x600_the_totals_are_whole_in_their_cell() {
    // Two totals to a row need five rows and the closing line; a cell of
    // the plots' least height cut off the last row and the conservation line.
    let mut h = harness_with(ScriptedDialogs::default(), shop(), [800.0, 600.0]);
    apply(&mut h, Command::RunStep);
    run_to(&mut h, 5);
    h.run_steps(5);
    let visible = visible_texts(&h);
    for wanted in [
        "Totals",
        "retries",
        "replayed",
        "every delivery accounted for",
    ] {
        assert!(
            visible.iter().any(|(text, shown)| text == wanted && *shown),
            "`{wanted}` is seen whole at 800x600: {visible:?}"
        );
    }
}

#[test]
fn the_what_if_panel_runs_the_sweep_it_offers_and_opens_a_variant() {
    // The panel offered each run's length as `1m00s` (the board's 60 s
    // horizon, written the app's way) and then refused it as no duration.
    let mut h = harness(ScriptedDialogs::default());
    apply(&mut h, Command::OpenWhatIf);
    h.run_steps(2);
    h.get_by_label("▶ Run the sweep").click();
    h.run_steps(2);
    let deadline = Instant::now() + Duration::from_secs(120);
    while h.query_all_by_label("Open").next().is_none() {
        for refusal in ["not a duration", "unknown unit"] {
            assert!(
                h.query_by_label_contains(refusal).is_none(),
                "the panel refused its own run length"
            );
        }
        assert!(Instant::now() < deadline, "timed out waiting for the sweep");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.run_steps(2);
    // A row per variant: customer's rate 10..80 in steps of 10.
    assert_eq!(h.query_all_by_label("Open").count(), 8);
    h.get_by_label("saturated first");
    h.query_all_by_label("Open")
        .next()
        .expect("a variant")
        .click();
    h.run_steps(3);
    let title = h.state().title();
    assert!(
        title.contains("Online Shop (customer.rate=10)"),
        "the first variant opens as a board of its own: {title}"
    );
    assert!(h.state_mut().start_run(None), "the variant runs");
}

/// Every text painted last frame, and whether it is wholly inside the
/// area it may be painted in (a scrolled-away or cut-off text is not).
fn visible_texts(h: &Harness<StormflowApp>) -> Vec<(String, bool)> {
    fn walk(shape: &egui::Shape, clip: egui::Rect, out: &mut Vec<(String, bool)>) {
        match shape {
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, clip, out)),
            egui::Shape::Text(text) => {
                let rect = text.visual_bounding_rect();
                out.push((
                    text.galley.text().to_string(),
                    clip.expand(0.5).contains_rect(rect),
                ));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &h.output().shapes {
        walk(&clipped.shape, clipped.clip_rect, &mut out);
    }
    out
}

//! The runner's tests: commands in, frames out, the mirror equal to a
//! direct run, the horizon, the engine's stop reasons and shutdown.

use super::*;

fn shop() -> Model {
    stormflow_core::format::from_ron_str(crate::samples::default_sample().text)
        .expect("sample loads")
}

/// Waits for frames until `done` says so (or fails after a few seconds).
fn until_frame(runner: &Runner, mut done: impl FnMut(&Frame) -> bool) -> Box<Frame> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(RunnerEvent::Frame(frame)) = runner.recv_timeout(Duration::from_millis(100))
            && done(&frame)
        {
            return frame;
        }
    }
    panic!("no matching frame in time");
}

#[test]
fn commands_in_frames_out() {
    let runner = Runner::start(&shop(), 7).expect("starts");
    let first = until_frame(&runner, |_| true);
    assert_eq!(first.snapshot.now, 0);
    assert!(!first.running);
    runner.send(RunnerCommand::Step);
    until_frame(&runner, |f| f.snapshot.events >= 1);
    runner.send(RunnerCommand::SetSpeed(Speed::Max));
    runner.send(RunnerCommand::RunUntil(5_000_000));
    let done = until_frame(&runner, |f| !f.running && f.snapshot.now >= 5_000_000);
    assert_eq!(done.snapshot.now, 5_000_000);
    assert!(done.snapshot.totals.conserved());
}

#[test]
fn the_mirror_built_from_frames_equals_a_direct_run() {
    let model = shop();
    let runner = Runner::start(&model, 7).expect("starts");
    runner.send(RunnerCommand::SetSpeed(Speed::Max));
    runner.send(RunnerCommand::RunUntil(3_000_000));
    let mut mirror = stormflow_core::sim::Trace::default();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "the run did not finish");
        let Some(RunnerEvent::Frame(frame)) = runner.recv_timeout(Duration::from_millis(100))
        else {
            continue;
        };
        assert!(mirror.apply(&frame.trace), "deltas arrive in order");
        if !frame.running && frame.snapshot.now >= 3_000_000 {
            break;
        }
    }
    let mut direct = Sim::new(
        &model,
        &SimOptions {
            seed: Some(7),
            ..SimOptions::default()
        },
    )
    .expect("runs");
    direct.run_until(3_000_000);
    assert_eq!(
        mirror.digest(),
        direct.trace().digest(),
        "same seed, same trace, byte for byte"
    );
}

#[test]
fn seeking_back_replays_to_the_same_state() {
    let model = shop();
    let runner = Runner::start(&model, 3).expect("starts");
    runner.send(RunnerCommand::SetSpeed(Speed::Max));
    runner.send(RunnerCommand::RunUntil(4_000_000));
    until_frame(&runner, |f| !f.running && f.snapshot.now >= 4_000_000);
    runner.send(RunnerCommand::SeekTo(1_500_000));
    let back = until_frame(&runner, |f| f.generation == 1);
    let mut fresh = Sim::new(
        &model,
        &SimOptions {
            seed: Some(3),
            ..SimOptions::default()
        },
    )
    .expect("runs");
    fresh.run_until(1_500_000);
    assert_eq!(back.snapshot, fresh.snapshot());
}

#[test]
fn the_worker_ends_when_the_ui_drops_the_receiver_side() {
    let runner = Runner::start(&shop(), 1).expect("starts");
    runner.send(RunnerCommand::SetSpeed(Speed::Max));
    runner.send(RunnerCommand::Play);
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    drop(runner);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "no deadlock on shutdown"
    );
}

#[test]
fn a_worker_whose_ui_went_away_stops_by_itself() {
    let model = shop();
    let sim = Sim::new(&model, &SimOptions::default()).expect("runs");
    let (command_tx, command_rx) = unbounded();
    let (event_tx, event_rx) = bounded(1);
    let mut worker = Worker::new(sim, model, SimOptions::default(), event_tx);
    worker.speed = Speed::Max;
    let handle = std::thread::spawn(move || worker.run(&command_rx));
    command_tx
        .send(RunnerCommand::Play)
        .expect("worker listens");
    drop(event_rx);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !handle.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(handle.is_finished(), "the worker noticed the UI was gone");
    drop(command_tx);
}

#[test]
fn stepping_to_an_element_stops_at_its_next_message() {
    let model = shop();
    let shipping = model
        .ids()
        .position(|id| id.as_str() == "shipping")
        .expect("in the sample") as u32;
    let runner = Runner::start(&model, 5).expect("starts");
    runner.send(RunnerCommand::StepElement("shipping".into()));
    let mut mirror = stormflow_core::sim::Trace::default();
    let deadline = Instant::now() + Duration::from_secs(20);
    let frame = loop {
        assert!(Instant::now() < deadline, "the step did not stop");
        let Some(RunnerEvent::Frame(frame)) = runner.recv_timeout(Duration::from_millis(100))
        else {
            continue;
        };
        mirror.apply(&frame.trace);
        if !frame.running && frame.snapshot.events > 0 {
            break frame;
        }
    };
    let last_attempt = mirror.attempt(mirror.attempt_count() - 1);
    let last_message = mirror.message(mirror.len() as u64 - 1);
    let acted = last_attempt.is_some_and(|a| a.consumer == shipping)
        || last_message.is_some_and(|m| m.source == shipping);
    assert!(
        acted,
        "the run stopped right after shipping did something (at {} us)",
        frame.snapshot.now
    );
}

#[test]
fn play_stops_at_the_horizon_and_only_run_until_goes_past_it() {
    let mut model = shop();
    model.run.horizon_us = 2_000_000;
    let runner = Runner::start(&model, 7).expect("starts");
    runner.send(RunnerCommand::SetSpeed(Speed::Max));
    runner.send(RunnerCommand::Play);
    let end = until_frame(&runner, |f| f.snapshot.now > 0 && !f.running);
    assert_eq!(end.snapshot.now, 2_000_000, "Play ends at the horizon");
    // Play again at the horizon: nothing moves.
    runner.send(RunnerCommand::Play);
    std::thread::sleep(Duration::from_millis(100));
    let again = until_frame(&runner, |_| true);
    assert!(!again.running);
    assert_eq!(again.snapshot.now, 2_000_000);
    runner.send(RunnerCommand::RunUntil(3_000_000));
    let further = until_frame(&runner, |f| !f.running && f.snapshot.now >= 3_000_000);
    assert_eq!(further.snapshot.now, 3_000_000, "Run until goes past it");
}

/// Two policies with a service time that trigger each other: the checks
/// only warn (a policy may decide to stop), and the engine stops the run
/// when the chain gets endless.
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
fn a_run_the_engine_stops_says_why_in_its_frames_and_stops_advancing() {
    let model = stormflow_core::format::from_ron_str(ENDLESS_POLICIES).expect("loads");
    let runner = Runner::start(&model, 1).expect("the checks only warn");
    runner.send(RunnerCommand::SetSpeed(Speed::Max));
    runner.send(RunnerCommand::Play);
    let stopped = until_frame(&runner, |f| f.stopped.is_some() && !f.running);
    let reason = stopped.stopped.as_ref().map(ToString::to_string);
    assert!(
        matches!(stopped.stopped, Some(StopReason::EndlessLoop { .. })),
        "{reason:?}"
    );
    assert!(stopped.snapshot.now < model.run.horizon_us);
    // The worker stays responsive: Play does nothing, a seek replays to the
    // same stop, and every frame still carries the reason.
    runner.send(RunnerCommand::Play);
    runner.send(RunnerCommand::SeekTo(0));
    let replayed = until_frame(&runner, |f| f.generation == 1);
    assert!(!replayed.running);
    assert!(
        replayed.stopped.is_none(),
        "at 0 the run has not stopped yet"
    );
    runner.send(RunnerCommand::RunUntil(model.run.horizon_us));
    let again = until_frame(&runner, |f| {
        f.generation == 1 && !f.running && f.snapshot.now > 0
    });
    assert_eq!(
        again.stopped, stopped.stopped,
        "the same stop, deterministically"
    );
    assert_eq!(again.snapshot.now, stopped.snapshot.now);
}

//! Run → Run on NATS… driven through the UI against a real `nats-server`
//! (started by the window's "start a local server", on loopback, stopped
//! with the run): the board and the run panels show a run on the broker as
//! they show a simulated one. Skips with a reason without `nats-server`,
//! unless STORMFLOW_REQUIRE_NATS=1.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stormflow_app::app::StormflowApp;
use stormflow_app::command::Command;
use stormflow_app::files::ScriptedDialogs;
use stormflow_app::run::{DockTab, RunView};

use crate::harness::{app_with, apply, harness, painted_texts, shop};

fn nats_or_skip(test: &str) -> bool {
    if stormflow_live::nats_server_available() {
        return true;
    }
    if std::env::var("STORMFLOW_REQUIRE_NATS").as_deref() == Ok("1") {
        panic!("{test}: nats-server is not on PATH and STORMFLOW_REQUIRE_NATS=1");
    }
    eprintln!("{test}: skipped: nats-server is not on PATH (Debian: apt-get install nats-server)");
    false
}

/// Frames until `done` holds of the run view, or panics after `limit`.
fn frames_until(
    h: &mut Harness<StormflowApp>,
    what: &str,
    limit: Duration,
    done: impl Fn(&RunView) -> bool,
) {
    let start = Instant::now();
    loop {
        h.run_steps(2);
        if h.state().run.as_ref().is_some_and(&done) {
            return;
        }
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(40));
    }
}

#[test]
fn a_run_on_nats_shows_badges_dots_plots_and_trace_and_takes_an_element_down_for_real() {
    if !nats_or_skip("ui_live") {
        return;
    }
    let mut h = harness(app_with(shop(), ScriptedDialogs::default()));
    apply(&mut h, Command::OpenLiveDialog);
    h.get_by_label("▶ Run on NATS").click();
    h.run_steps(3);
    assert!(
        h.state()
            .run
            .as_ref()
            .is_some_and(|run| run.live_feed().is_some()),
        "the run on NATS shows in the run view"
    );
    // The timeline spans the 20 s the dialog asked for, not the board's 60 s.
    h.run_steps(2);
    let labels: Vec<String> = painted_texts(&h)
        .into_iter()
        .map(|(text, _, _)| text)
        .collect();
    assert!(
        labels.iter().any(|t| t == "20s") && !labels.iter().any(|t| t == "1m00s"),
        "the timeline ends at the run's 20 s: {labels:?}"
    );

    // Real messages arrive: badges and dots on the board, points to plot,
    // messages in the trace.
    frames_until(
        &mut h,
        "messages processed on NATS",
        Duration::from_secs(30),
        |run| {
            run.snapshot.totals.processed >= 20
                && run.series.points.len() >= 3
                && run.trace.len() > 5
        },
    );
    frames_until(
        &mut h,
        "a message on its way",
        Duration::from_secs(10),
        |run| !run.overlay(&run.model).dots.is_empty(),
    );
    let overlay = &h.state().board.overlay;
    assert!(
        !overlay.badges.is_empty(),
        "the board carries the run's badges"
    );
    assert!(
        overlay
            .read_only
            .as_deref()
            .is_some_and(|why| why.contains("NATS")),
        "the board is read-only while it runs on NATS"
    );
    // The metrics tab plots the broker's figures, not "no data yet".
    apply(&mut h, Command::SelectMessage(0));
    assert_eq!(h.state().run.as_ref().map(|r| r.tab), Some(DockTab::Trace));
    h.run_steps(3);
    assert!(
        !h.query_all_by_label_contains("Deliveries (")
            .collect::<Vec<_>>()
            .is_empty(),
        "the trace tab tells the first message's deliveries"
    );

    // Right-click Billing on the board: on NATS the menu offers taking it
    // down (for real; its lag on `orders` grows in JetStream) and nothing
    // the broker cannot do.
    crate::harness::right_click_sticky(&mut h, "billing");
    assert!(
        h.query_by_label_contains("Slow down").is_none(),
        "a simulated fault is not offered on NATS"
    );
    h.get_by_label_contains("Take down for").click();
    h.run_steps(3);
    assert!(
        h.state()
            .run
            .as_ref()
            .and_then(RunView::live_feed)
            .is_some_and(|feed| feed.is_down(&"billing".into())),
        "billing is down on NATS"
    );
    frames_until(
        &mut h,
        "billing down with a lag",
        Duration::from_secs(30),
        |run| {
            let Some(billing) = run.index(&"billing".into()) else {
                return false;
            };
            let down = run
                .snapshot
                .elements
                .get(billing as usize)
                .is_some_and(|e| e.down);
            let lag: u64 = run
                .snapshot
                .topics
                .iter()
                .flat_map(|t| &t.groups)
                .filter(|g| g.consumer == billing)
                .flat_map(|g| &g.lag)
                .sum();
            down && lag > 0
        },
    );
    // What cannot apply to a real broker says so instead of doing nothing.
    apply(&mut h, Command::RunSeek(0));
    assert!(
        h.state()
            .run
            .as_ref()
            .and_then(|r| r.notice.as_deref())
            .is_some_and(|n| n.contains("real time")),
        "going back in time on NATS is refused in words"
    );

    // Stop ends the run and keeps it on screen with its balance; Close leaves.
    apply(&mut h, Command::RunStop);
    frames_until(
        &mut h,
        "the run on NATS to end",
        Duration::from_secs(60),
        |run| run.live_feed().is_some_and(|f| f.outcome.is_some()),
    );
    let run = h
        .state()
        .run
        .as_ref()
        .expect("the ended run stays on screen");
    let outcome = run
        .live_feed()
        .and_then(|f| f.outcome.as_ref())
        .expect("ended");
    let outcome = outcome.as_ref().expect("the run on NATS succeeds");
    assert!(
        outcome.conservation.holds,
        "every message accounted for: {:?}",
        outcome.conservation.problems
    );
    assert_eq!(
        run.snapshot.totals.processed, outcome.report.totals.processed,
        "the view's last snapshot is the run's final state"
    );
    h.run_steps(3);
    assert!(
        !h.query_all_by_label_contains("every message is accounted for")
            .collect::<Vec<_>>()
            .is_empty(),
        "the run toolbar says the books balance"
    );
    apply(&mut h, Command::RunStop);
    assert!(h.state().run.is_none(), "Close leaves the run");
}

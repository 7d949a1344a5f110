//! `stormflow check` and friends, run as a real process: exit codes and the
//! output format editors and CI parse.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn stormflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stormflow"))
        .args(args)
        .output()
        .expect("the stormflow binary runs")
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(name)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn check_passes_the_samples_with_exit_zero() {
    let shop = sample("online-shop.ron");
    let big = sample("big-picture.ron");
    let output = stormflow(&[
        "check",
        shop.to_str().expect("utf-8"),
        big.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    // Infos are still printed, in the documented format.
    let text = stdout(&output);
    assert!(
        text.lines()
            .any(|l| l.contains(": info[hotspot-open] payment-fails-twice: ")),
        "{text}"
    );
}

#[test]
fn a_model_with_errors_exits_one_and_names_rule_and_element() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.ron");
    std::fs::write(
        &path,
        r#"(version: 1, name: "x", elements: [
    (id: "place-order", kind: Command, name: "Place Order", pos: (x: 0, y: 0)),
])"#,
    )
    .expect("write");
    let output = stormflow(&["check", path.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    let expected = format!("{}: error[command-handler] place-order: ", path.display());
    assert!(
        stdout(&output).starts_with(&expected),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_file_that_does_not_parse_exits_two_with_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("syntax.ron");
    std::fs::write(
        &path,
        "(version: 1,\n  name: \"x\",\n  elements: [ (id: ] )\n",
    )
    .expect("write");
    let output = stormflow(&["check", path.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2));
    let text = stdout(&output);
    let prefix = format!("{}:3:", path.display());
    assert!(
        text.starts_with(&prefix) && text.contains(": error: "),
        "{text}"
    );
}

#[test]
fn a_missing_file_exits_two() {
    let output = stormflow(&["check", "/nonexistent/model.ron"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("/nonexistent/model.ron: error: cannot read the file"));
}

#[test]
fn unreadable_files_win_over_model_errors_in_the_exit_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.ron");
    std::fs::write(&path, r#"(version: 1, name: "x", elements: [(id: "c", kind: Command, name: "Do It", pos: (x: 0, y: 0))])"#)
        .expect("write");
    let output = stormflow(&["check", path.to_str().expect("utf-8"), "/nonexistent.ron"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn help_describes_the_subcommands() {
    let output = stormflow(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.contains("event-storming board that runs"), "{text}");
    assert!(text.contains("check"), "{text}");
    let output = stormflow(&["check", "--help"]);
    let text = stdout(&output);
    assert!(
        text.contains("SEVERITY[RULE-ID]") && text.contains("Exit status"),
        "{text}"
    );
}

#[test]
fn fmt_check_reports_a_non_canonical_file_and_fmt_fixes_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("messy.ron");
    std::fs::write(&path, r#"(version:1,name:"x",elements:[(id:"b",kind:Event,name:"B Happened",pos:(x:0,y:0)),(id:"a",kind:Event,name:"A Happened",pos:(x:0,y:0))])"#)
        .expect("write");
    let p = path.to_str().expect("utf-8");
    assert_eq!(stormflow(&["fmt", "--check", p]).status.code(), Some(1));
    assert_eq!(stormflow(&["fmt", p]).status.code(), Some(0));
    assert_eq!(stormflow(&["fmt", "--check", p]).status.code(), Some(0));
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        text.find("id: \"a\"") < text.find("id: \"b\""),
        "elements are sorted by id"
    );
}

#[test]
fn run_json_has_the_documented_fields_and_conservation_holds() {
    let shop = sample("online-shop.ron");
    let output = stormflow(&[
        "run",
        shop.to_str().expect("utf-8"),
        "--until",
        "10s",
        "--json",
        "--seed",
        "7",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(report["seed"], 7);
    assert_eq!(report["virtual_time_us"], 10_000_000);
    let totals = &report["totals"];
    let field = |name: &str| {
        totals[name]
            .as_u64()
            .unwrap_or_else(|| panic!("totals.{name}"))
    };
    for name in ["messages_produced", "duplicates"] {
        field(name);
    }
    assert_eq!(
        field("deliveries_expected"),
        field("processed")
            + field("queued")
            + field("in_flight")
            + field("dead_lettered")
            + field("dropped")
    );
    assert!(report["elements"]["billing"]["latency_us"]["p99"].is_u64());
    assert!(report["elements"]["billing"]["lag"]["orders/billing"].is_u64());
    assert!(report["read_models"]["order-history"]["consistency_window_us"]["p50"].is_u64());
    let hash = report["trace_hash"].as_str().expect("trace_hash");
    assert!(hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()));
}

#[test]
fn run_is_byte_for_byte_repeatable_and_the_seed_matters() {
    let shop = sample("online-shop.ron");
    let path = shop.to_str().expect("utf-8");
    let run =
        |seed: &str| stormflow(&["run", path, "--until", "5s", "--json", "--seed", seed]).stdout;
    assert_eq!(run("1"), run("1"));
    assert_ne!(run("1"), run("2"));
}

#[test]
fn run_writes_chrome_and_otlp_traces() {
    let shop = sample("online-shop.ron");
    let dir = tempfile::tempdir().expect("temp dir");
    for (format, key) in [("chrome", "traceEvents"), ("otlp", "resourceSpans")] {
        let path = dir.path().join(format!("trace-{format}.json"));
        let output = stormflow(&[
            "run",
            shop.to_str().expect("utf-8"),
            "--until",
            "2s",
            "--trace",
            path.to_str().expect("utf-8"),
            "--trace-format",
            format,
        ]);
        assert_eq!(output.status.code(), Some(0));
        assert!(stdout(&output).contains("trace written to"));
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("written")).expect("JSON");
        assert!(doc[key].is_array(), "{format}");
    }
}

#[test]
fn run_refuses_a_model_with_errors_and_bad_arguments_clearly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.ron");
    std::fs::write(&path, r#"(version: 1, name: "x", elements: [(id: "c", kind: Command, name: "Do It", pos: (x: 0, y: 0))])"#)
        .expect("write");
    let output = stormflow(&["run", path.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot run") && stderr.contains("command-handler"),
        "{stderr}"
    );

    let shop = sample("online-shop.ron");
    let output = stormflow(&["run", shop.to_str().expect("utf-8"), "--until", "5 parsecs"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown unit"), "{stderr}");
}

#[test]
fn the_windows_fault_needs_a_run_and_a_well_formed_outage() {
    // Refused before any window opens, so these need no display.
    let shop = sample("online-shop.ron");
    let shop = shop.to_str().expect("utf-8");
    let output = stormflow(&[shop, "--fault", "shipping@1s+1s"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--run-until"), "{stderr}");
    let output = stormflow(&[shop, "--run-until", "5s", "--fault", "shipping"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ELEMENT@T+DURATION"), "{stderr}");
}

#[test]
fn compare_shows_the_purchase_pair_decoupled_and_resilient() {
    let command = sample("purchase-event-command.ron");
    let first = sample("purchase-event-first.ron");
    let output = stormflow(&[
        "compare",
        command.to_str().expect("utf-8"),
        first.to_str().expect("utf-8"),
        "--fault",
        "shipping@10s+10s",
        "--until",
        "40s",
        "--json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let (ec, ef) = (&report["models"][0], &report["models"][1]);
    for key in [
        "file",
        "emitter_coupling",
        "sync_depth",
        "change_impact",
        "latency_p50_us",
        "latency_p99_us",
        "failed_during_outage",
        "queued_during_outage",
        "recovery_us",
        "messages",
        "consistency_window_p99_us",
    ] {
        assert!(
            ec.get(key).is_some() && ef.get(key).is_some(),
            "missing {key}"
        );
    }
    // Five downstream services, called synchronously; none known to the event-first emitter.
    assert_eq!(ec["emitter_coupling"], 5);
    assert_eq!(ec["change_impact"], 5);
    assert_eq!(ef["emitter_coupling"], 0);
    assert_eq!(ef["change_impact"], 0);
    assert!(ec["sync_depth"].as_u64() > ef["sync_depth"].as_u64());
    // Under the outage, event-command fails requests; event-first fails none and queues, then drains.
    assert!(
        ec["failed_during_outage"].as_u64().expect("number") >= 100,
        "{ec}"
    );
    assert_eq!(ef["failed_during_outage"], 0, "{ef}");
    assert!(
        ef["queued_during_outage"].as_u64().expect("number") >= 100,
        "{ef}"
    );
    assert!(
        ef["recovery_us"].as_u64().is_some(),
        "the queue drains after the outage: {ef}"
    );
    // Without --json, the table reads side by side.
    let output = stormflow(&[
        "compare",
        command.to_str().expect("utf-8"),
        first.to_str().expect("utf-8"),
        "--fault",
        "shipping@10s+10s",
    ]);
    let text = stdout(&output);
    assert!(
        text.contains("emitter coupling") && text.contains("purchase-event-first.ron"),
        "{text}"
    );
    // A fault on an element one model lacks is a clear error.
    let output = stormflow(&[
        "compare",
        command.to_str().expect("utf-8"),
        first.to_str().expect("utf-8"),
        "--fault",
        "nowhere@1s+1s",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nowhere"));
}

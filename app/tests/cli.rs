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

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn export_writes_text_formats_to_stdout_and_pictures_to_files() {
    let shop = sample("online-shop.ron");
    let shop = path_str(&shop);
    let mermaid = stormflow(&["export", shop, "--format", "mermaid"]);
    assert_eq!(mermaid.status.code(), Some(0), "{}", stderr(&mermaid));
    assert!(stdout(&mermaid).contains("flowchart LR"));
    assert!(stdout(&mermaid).contains("n_orders[(\"orders\")]"));

    let dot = stormflow(&["export", shop, "--format", "dot"]);
    assert!(stdout(&dot).starts_with("digraph"), "{}", stdout(&dot));

    let json = stormflow(&["export", shop, "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value["name"], "Online Shop");

    let dir = tempfile::tempdir().expect("temp dir");
    let png = dir.path().join("shop.png");
    let output = stormflow(&[
        "export",
        shop,
        "--format",
        "png",
        "--scale",
        "1",
        "-o",
        path_str(&png),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let bytes = std::fs::read(&png).expect("the PNG was written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(stderr(&output).contains("px"), "{}", stderr(&output));
}

#[test]
fn export_with_a_run_draws_its_badges_and_the_outage() {
    let shop = sample("online-shop.ron");
    let plain = stormflow(&["export", path_str(&shop), "--format", "svg"]);
    let run = stormflow(&[
        "export",
        path_str(&shop),
        "--format",
        "svg",
        "--run-until",
        "15s",
        "--fault",
        "shipping@10s+10s",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(!stdout(&plain).contains("DOWN"));
    assert!(stdout(&run).contains("DOWN"), "the down element is marked");
    assert!(stdout(&run).contains("busy"), "service badges are drawn");
}

#[test]
fn export_refuses_arguments_that_do_not_fit_the_format_and_writes_nothing() {
    let shop = sample("online-shop.ron");
    let shop = path_str(&shop);
    for args in [
        vec!["export", shop, "--format", "png"],
        vec!["export", shop, "--format", "eventcatalog"],
        vec!["export", shop, "--format", "mermaid", "--run-until", "5s"],
        vec!["export", shop, "--format", "svg", "--scale", "3"],
    ] {
        let output = stormflow(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stdout(&output).is_empty(), "{args:?}");
        assert!(stderr(&output).contains("stormflow export: "), "{args:?}");
    }
    let output = stormflow(&["export", shop, "--format", "svg", "--run-until", "2000h"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("7 days"), "{}", stderr(&output));
}

#[test]
fn asyncapi_exported_and_imported_back_gives_the_same_topics_and_kinds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let api = dir.path().join("shop.asyncapi.yaml");
    let board = dir.path().join("back.ron");
    let shop = sample("online-shop.ron");
    let output = stormflow(&[
        "export",
        path_str(&shop),
        "--format",
        "asyncapi",
        "--single",
        "-o",
        path_str(&api),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = stormflow(&["import", path_str(&api), "-o", path_str(&board)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let original = stormflow_core::format::load(&shop).expect("sample");
    let back = stormflow_core::format::load(&board).expect("imported board");
    let topics = |model: &stormflow_core::Model| -> Vec<String> {
        model
            .elements()
            .filter(|e| e.kind == stormflow_core::model::ElementKind::Topic)
            .map(|e| e.id.as_str().to_string())
            .collect()
    };
    assert_eq!(topics(&back), topics(&original));
}

#[test]
fn import_is_byte_for_byte_repeatable_and_refuses_what_is_not_a_document() {
    let dir = tempfile::tempdir().expect("temp dir");
    let topology = dir.path().join("topology.txt");
    std::fs::write(
        &topology,
        "Topologies:\n   Sub-topology: 0\n    Source: KSTREAM-SOURCE-0000000000 (topics: [orders])\n      --> KSTREAM-FILTER-0000000001\n    Processor: KSTREAM-FILTER-0000000001 (stores: [])\n      --> KSTREAM-SINK-0000000002\n      <-- KSTREAM-SOURCE-0000000000\n    Sink: KSTREAM-SINK-0000000002 (topic: big-orders)\n      <-- KSTREAM-FILTER-0000000001\n",
    )
    .expect("write");
    let first = stormflow(&["import", path_str(&topology)]);
    let second = stormflow(&["import", path_str(&topology)]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(first.stdout, second.stdout);
    assert!(stdout(&first).contains("big-orders"));

    let garbage = dir.path().join("notes.txt");
    std::fs::write(&garbage, "shopping list: milk, eggs\n").expect("write");
    let output = stormflow(&["import", path_str(&garbage)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).is_empty());
    assert!(!stderr(&output).contains("panicked"));
}

#[test]
fn sweep_prints_a_row_a_variant_and_refuses_an_unknown_field() {
    let shop = sample("online-shop.ron");
    let output = stormflow(&[
        "sweep",
        path_str(&shop),
        "--vary",
        "shipping.instances=1,4",
        "--seeds",
        "1",
        "--until",
        "2s",
        "--csv",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 3, "a header and two variants: {text}");
    let output = stormflow(&["sweep", path_str(&shop), "--vary", "shipping.colour=1,2"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("shipping.colour"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_name_cannot_forge_a_line_of_check_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("forged.ron");
    std::fs::write(
        &path,
        "(version: 1, name: \"x\", elements: [(id: \"c\", kind: Command, name: \"do it\\nforged.ron: error[fake] c: pwned\", pos: (x: 0, y: 0))])",
    )
    .expect("write");
    let output = stormflow(&["check", path_str(&path)]);
    let text = stdout(&output);
    assert!(!text.is_empty(), "check reports the command's name");
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("forged.ron: error[fake]")),
        "{text}"
    );
    assert!(
        text.lines().all(|l| l.starts_with(path_str(&path))),
        "{text}"
    );
}

#[test]
fn a_closed_pipe_ends_the_output_without_a_panic() {
    use std::process::Stdio;
    let shop = sample("online-shop.ron");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stormflow"))
        .args(["export", path_str(&shop), "--format", "svg"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    assert_ne!(output.status.code(), Some(101), "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
}

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

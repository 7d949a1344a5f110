//! Round trips between the exporter and the importer: the AsyncAPI documents
//! a board exports (per application and single, YAML and JSON) import back
//! to the same topics, applications, messages and flows, with the same ids
//! and kinds; the JSON model imports as the same model.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{Value, json};

use stormflow_core::check::{Severity, check};
use stormflow_core::export::{AsyncApiOptions, ExportedFile, to_asyncapi, write_folder};
use stormflow_core::format::{load, to_json_string, to_ron_string};
use stormflow_core::import::{ImportFormat, Imported, import_paths, import_text};
use stormflow_core::model::{
    Element, ElementId, ElementKind as K, FlowKind as F, Model, US_PER_SEC,
};
use stormflow_core::sim::{Sim, SimOptions};

fn samples() -> Vec<(String, Model)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("samples folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "ron"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "{paths:?}");
    paths
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let model = load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (name, model)
        })
        .collect()
}

fn is_application(kind: K) -> bool {
    matches!(
        kind,
        K::Aggregate | K::ExternalSystem | K::Processor | K::Policy | K::ReadModel
    )
}

fn is_message(kind: K) -> bool {
    matches!(kind, K::Event | K::Command | K::Query)
}

/// What a round trip must give back: (id, kind) of topics, applications and
/// messages, and the (from, to, kind) of the flows between them.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    topics: BTreeSet<(String, K)>,
    applications: BTreeSet<(String, K)>,
    messages: BTreeSet<(String, K)>,
    flows: BTreeSet<(String, String, F)>,
}

/// The shape of the elements `keep` admits (of the compared kinds).
fn shape(model: &Model, keep: &dyn Fn(&Element) -> bool) -> Shape {
    let kept = |kinds: &dyn Fn(K) -> bool| -> BTreeSet<(String, K)> {
        model
            .elements()
            .filter(|e| kinds(e.kind) && keep(e))
            .map(|e| (e.id.to_string(), e.kind))
            .collect()
    };
    let topics = kept(&|k| k == K::Topic);
    let applications = kept(&is_application);
    let messages = kept(&is_message);
    let compared: BTreeSet<&str> = topics
        .iter()
        .chain(&applications)
        .chain(&messages)
        .map(|(id, _)| id.as_str())
        .collect();
    let flows = model
        .flows()
        .filter(|f| compared.contains(f.from.as_str()) && compared.contains(f.to.as_str()))
        .map(|f| (f.from.to_string(), f.to.to_string(), f.kind))
        .collect();
    Shape {
        topics,
        applications,
        messages,
        flows,
    }
}

/// What per-application documents describe. There is one document per
/// application with a flow, holding the channels it uses: the topics joined
/// to it or its emitted events' topics, and the messages on those channels.
/// A topic or message no application touches (a dead-letter topic, the
/// unconnected events of a Big Picture board) is in none of them.
fn in_application_documents(model: &Model) -> BTreeSet<ElementId> {
    let kind = |id: &ElementId| model.element(id).map(|e| e.kind);
    let mut carried: BTreeSet<ElementId> = model
        .elements()
        .filter(|e| is_application(e.kind))
        .filter(|e| !model.incoming(&e.id).is_empty() || !model.outgoing(&e.id).is_empty())
        .map(|e| e.id.clone())
        .collect();
    let apps = carried.clone();
    for flow in model.flows() {
        for (end, other) in [(&flow.from, &flow.to), (&flow.to, &flow.from)] {
            let joined = kind(end).is_some_and(|k| k == K::Topic || is_message(k));
            if joined && apps.contains(other) {
                carried.insert(end.clone());
            }
        }
    }
    for flow in model.flows() {
        // An emitted event is sent to every topic it is published to.
        let emitted = model
            .incoming(&flow.from)
            .iter()
            .any(|f| f.kind == F::Emits && apps.contains(&f.from));
        if flow.kind == F::PublishedTo && emitted {
            carried.insert(flow.to.clone());
        }
    }
    for flow in model.flows() {
        // A topic's channel lists every event published to it.
        if flow.kind == F::PublishedTo && carried.contains(&flow.to) {
            carried.insert(flow.from.clone());
        }
    }
    carried
}

fn import_folder(files: &[ExportedFile], what: &str) -> Imported {
    let temp = tempfile::tempdir().expect("temporary folder");
    let dir = temp.path().join("documents");
    write_folder(&dir, files).unwrap_or_else(|e| panic!("{what}: {e}"));
    import_paths(&[dir], ImportFormat::Auto).unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn import_file(file: &ExportedFile, what: &str) -> Imported {
    let temp = tempfile::tempdir().expect("temporary folder");
    let path = temp.path().join(&file.path);
    std::fs::write(&path, &file.contents).expect("writes");
    import_paths(&[path], ImportFormat::Auto).unwrap_or_else(|e| panic!("{what}: {e}"))
}

#[test]
fn every_sample_comes_back_from_its_asyncapi_export_with_the_same_ids_kinds_and_flows() {
    for (name, model) in samples() {
        for single in [true, false] {
            for json in [false, true] {
                let what = format!("{name} (single: {single}, json: {json})");
                let files = to_asyncapi(&model, &AsyncApiOptions { single, json })
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                let expected = if single {
                    shape(&model, &|_| true)
                } else {
                    let carried = in_application_documents(&model);
                    shape(&model, &|e| carried.contains(&e.id))
                };
                if files.is_empty() {
                    // No application sends or receives: nothing to describe.
                    assert!(!single, "{what}: a single document is always written");
                    assert_eq!(expected.applications, BTreeSet::new(), "{what}");
                    continue;
                }
                let imported = if single {
                    assert_eq!(files.len(), 1, "{what}");
                    import_file(&files[0], &what)
                } else {
                    import_folder(&files, &what)
                };
                let actual = shape(&imported.model, &|_| true);
                assert_eq!(actual.topics, expected.topics, "{what}: topics");
                assert_eq!(
                    actual.applications, expected.applications,
                    "{what}: applications"
                );
                assert_eq!(actual.messages, expected.messages, "{what}: messages");
                assert_eq!(actual.flows, expected.flows, "{what}: flows");
                assert!(
                    imported.warnings.is_empty(),
                    "{what}: {:#?}",
                    imported.warnings
                );
                // Importing the same documents again gives the same file.
                let again = if single {
                    import_file(&files[0], &what)
                } else {
                    import_folder(&files, &what)
                };
                assert_eq!(
                    to_ron_string(&imported.model).expect("writes"),
                    to_ron_string(&again.model).expect("writes"),
                    "{what}: re-import"
                );
            }
        }
    }
}

#[test]
fn an_imported_export_has_no_check_errors_and_runs_as_its_board_does() {
    for (name, model) in samples() {
        for single in [true, false] {
            let options = AsyncApiOptions {
                single,
                json: false,
            };
            let files = to_asyncapi(&model, &options).expect("exports");
            if files.is_empty() {
                continue;
            }
            let what = format!("{name} (single: {single})");
            let imported = import_folder(&files, &what);
            let errors: Vec<String> = check(&imported.model)
                .into_iter()
                .filter(|p| p.severity == Severity::Error)
                .map(|p| format!("[{}] {}", p.rule, p.message))
                .collect();
            assert!(errors.is_empty(), "{what}: {errors:#?}");
            // A board with flows moves messages; the run parameters are the
            // importer's defaults, so only that, not the figures, compares.
            if model.flow_count() > 0 {
                let mut sim = Sim::new(&imported.model, &SimOptions::default())
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                sim.run_until(3 * US_PER_SEC);
                let totals = sim.totals();
                assert!(totals.processed > 0, "{what}: {totals:?}");
                assert!(totals.conserved(), "{what}: {totals:?}");
            }
        }
    }
}

#[test]
fn the_people_an_export_leaves_out_come_back_as_one_actor_issuing_their_requests() {
    let (_, model) = samples()
        .into_iter()
        .find(|(name, _)| name == "online-shop")
        .expect("online-shop sample");
    let files = to_asyncapi(&model, &AsyncApiOptions::default()).expect("exports");
    let imported = import_folder(&files, "online-shop");
    let board = &imported.model;
    let actors: Vec<&Element> = board.elements().filter(|e| e.kind == K::Actor).collect();
    assert_eq!(actors.len(), 1, "{actors:#?}");
    let actor = actors[0];
    assert!(actor.workload.is_some(), "the stand-in actor sends");
    let issued: BTreeSet<(&str, F)> = board
        .outgoing(&actor.id)
        .iter()
        .map(|f| (f.to.as_str(), f.kind))
        .collect();
    // The customer of the board issued both; nothing else asks for them.
    assert_eq!(
        issued,
        BTreeSet::from([
            ("orders-of-customer", F::Issues),
            ("place-order", F::Issues)
        ])
    );
}

#[test]
fn one_application_document_alone_keeps_its_ids_and_warns_about_what_it_does_not_describe() {
    let (_, model) = samples()
        .into_iter()
        .find(|(name, _)| name == "online-shop")
        .expect("online-shop sample");
    let files = to_asyncapi(&model, &AsyncApiOptions::default()).expect("exports");
    let billing = files
        .iter()
        .find(|f| f.path == "billing.asyncapi.yaml")
        .expect("billing's document");
    let imported = import_text(
        &billing.contents,
        "billing.asyncapi.yaml",
        ImportFormat::Auto,
    )
    .expect("imports");
    let board = &imported.model;
    for (id, kind) in [
        ("billing", K::Aggregate),
        ("orders", K::Topic),
        ("order-placed", K::Event),
        ("payment-taken", K::Event),
    ] {
        assert_eq!(
            board.element(&ElementId::new(id)).map(|e| e.kind),
            Some(kind),
            "{id}"
        );
    }
    // The call goes to the Payment Provider, whose document is not imported.
    assert!(!board.contains(&ElementId::new("payment-provider")));
    assert!(
        imported
            .warnings
            .iter()
            .any(|w| w.message.contains("`payment-provider`") && w.at.line.is_some()),
        "{:#?}",
        imported.warnings
    );
    // Nobody here emits Order Placed: the outside senders do, so it runs.
    let senders: Vec<&str> = board
        .incoming(&ElementId::new("order-placed"))
        .iter()
        .filter(|f| f.kind == F::Emits)
        .map(|f| f.from.as_str())
        .collect();
    assert_eq!(senders, ["outside-senders"]);
}

#[test]
fn every_sample_comes_back_from_its_json_export_as_the_same_model() {
    for (name, model) in samples() {
        let json = to_json_string(&model).unwrap_or_else(|e| panic!("{name}: {e}"));
        let pasted = import_text(&json, &format!("{name}.json"), ImportFormat::Auto)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(pasted.model == model, "{name}: pasted JSON");
        let file = ExportedFile {
            path: format!("{name}.json"),
            contents: json,
        };
        let opened = import_file(&file, &name);
        assert!(opened.model == model, "{name}: JSON file");
        assert!(opened.warnings.is_empty(), "{name}: {:#?}", opened.warnings);
    }
}

/// Where the `x-stormflow-*` members and everything inside them are, as
/// JSON pointers.
fn extension_pointers(value: &Value, at: &str, inside: bool, found: &mut Vec<String>) {
    if inside {
        found.push(at.to_string());
    }
    match value {
        Value::Object(members) => {
            for (key, child) in members {
                let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                let extension = inside || key.starts_with("x-stormflow-");
                extension_pointers(child, &pointer, extension, found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                extension_pointers(child, &format!("{at}/{i}"), inside, found);
            }
        }
        _ => {}
    }
}

/// Values an edited or hostile export might hold where an extension is.
fn junk(choice: u8) -> Value {
    match choice % 12 {
        0 => Value::Null,
        1 => json!(42),
        2 => json!(""),
        3 => json!("Not An Id"),
        4 => json!("x".repeat(200)),
        5 => json!([]),
        6 => json!({}),
        7 => json!("Topic"),
        8 => json!("Emits"),
        9 => json!("orders"),
        10 => json!({"from": "orders", "to": "orders", "kind": "PublishedTo", "on": ["orders"]}),
        _ => json!(["order", "orders", "billing", "order"]),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
    ))]

    #[test]
    fn an_export_with_mangled_extensions_imports_or_fails_cleanly(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
        single in any::<bool>(),
    ) {
        let model = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/online-shop.ron"))
            .expect("online-shop sample");
        let files = to_asyncapi(&model, &AsyncApiOptions { single, json: true }).expect("exports");
        let mut docs: Vec<Value> = files
            .iter()
            .map(|f| serde_json::from_str(&f.contents).expect("JSON"))
            .collect();
        for (at, choice) in edits {
            let doc = at % docs.len();
            let mut pointers = Vec::new();
            extension_pointers(&docs[doc], "", false, &mut pointers);
            if let Some(pointer) = pointers.get(at / docs.len() % pointers.len().max(1))
                && let Some(target) = docs[doc].pointer_mut(pointer)
            {
                *target = junk(choice);
            }
        }
        let mangled: Vec<ExportedFile> = files
            .iter()
            .zip(&docs)
            .map(|(file, doc)| ExportedFile {
                path: file.path.clone(),
                contents: doc.to_string(),
            })
            .collect();
        let temp = tempfile::tempdir().expect("temporary folder");
        let dir = temp.path().join("documents");
        write_folder(&dir, &mangled).expect("writes");
        match import_paths(&[dir], ImportFormat::Auto) {
            Ok(imported) => {
                for id in imported.model.ids() {
                    prop_assert!(id.validate().is_ok(), "{id}");
                }
                let _ = check(&imported.model);
            }
            // An error is about the input, never an inconsistent board.
            Err(error) => prop_assert!(!error.to_string().contains("please report"), "{error}"),
        }
    }
}

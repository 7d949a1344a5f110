//! The importers: AsyncAPI 2.x/3.x and Kafka Streams descriptions become
//! boards that check clean and run; folders link into one system; bad input
//! is a located error, never a panic.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use stormflow_core::check::{Severity, check};
use stormflow_core::format::{from_json_str, to_json_string, to_ron_string};
use stormflow_core::import::{
    ImportError, ImportFormat, Imported, import_paths, import_text, merge_into,
};
use stormflow_core::model::{
    ElementId, ElementKind as K, FlowKey, FlowKind as F, Model, Operator, Pos, US_PER_SEC,
};
use stormflow_core::sim::{Sim, SimOptions};
use stormflow_core::{Element, Rule};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(path)
}

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/interop"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: the interop corpus is not at {}", dir.display());
        None
    }
}

fn import(paths: &[&str]) -> Imported {
    let paths: Vec<PathBuf> = paths.iter().map(|p| fixture(p)).collect();
    import_paths(&paths, ImportFormat::Auto).unwrap_or_else(|e| panic!("{e}"))
}

fn id(text: &str) -> ElementId {
    ElementId::new(text)
}

fn element<'m>(model: &'m Model, text: &str) -> &'m Element {
    model.element(&id(text)).unwrap_or_else(|| {
        panic!(
            "no `{text}` among {:?}",
            model.ids().map(|i| i.as_str()).collect::<Vec<_>>()
        )
    })
}

fn has_flow(model: &Model, from: &str, to: &str, kind: F) -> bool {
    model
        .flow(&FlowKey {
            from: id(from),
            to: id(to),
            kind,
        })
        .is_some()
}

/// No check errors, `Sim::new` accepts it, and three seconds of run
/// process deliveries.
fn assert_ready_to_run(model: &Model, what: &str) {
    let errors: Vec<String> = check(model)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| format!("[{}] {}", p.rule, p.message))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
    let mut sim = Sim::new(model, &SimOptions::default()).unwrap_or_else(|e| panic!("{what}: {e}"));
    sim.run_until(3 * US_PER_SEC);
    let totals = sim.totals();
    assert!(
        totals.processed > 0,
        "{what}: nothing processed: {totals:?}"
    );
    assert!(totals.conserved(), "{what}: {totals:?}");
}

// ---------------------------------------------------------------- AsyncAPI

#[test]
fn a_3_0_channel_becomes_a_topic_named_by_its_address_with_parameters_kept() {
    let model = import(&["orders-3.0.yaml"]).model;
    let topic = element(&model, "orders-orderid-placed");
    assert_eq!(topic.kind, K::Topic);
    assert_eq!(topic.name, "orders/{orderId}/placed");
    assert!(
        topic.notes.contains("Parameter {orderId}: The order's id."),
        "{}",
        topic.notes
    );
    assert_eq!(topic.topic.as_ref().map(|t| t.partitions), Some(8));
}

#[test]
fn a_channel_without_an_address_is_named_by_its_id() {
    let text = "asyncapi: 3.0.0\ninfo: {title: Tick, version: '1'}\nchannels:\n  clock:\n    messages:\n      Ticked: {title: Ticked}\noperations:\n  tick: {action: send, channel: {$ref: '#/channels/clock'}}\n";
    let model = import_text(text, "clipboard", ImportFormat::Auto)
        .expect("imports")
        .model;
    assert_eq!(element(&model, "clock").name, "clock");
}

#[test]
fn in_2_x_publish_means_the_application_receives_and_subscribe_that_it_sends() {
    let model = import(&["orders-2.6.yaml"]).model;
    assert!(has_flow(
        &model,
        "orders-orderid-placed",
        "order-service",
        F::ConsumedBy
    ));
    assert!(has_flow(&model, "order-service", "order-shipped", F::Emits));
    assert!(has_flow(
        &model,
        "order-shipped",
        "orders-shipped",
        F::PublishedTo
    ));
}

#[test]
fn the_2_6_document_and_its_3_0_conversion_import_to_the_same_board() {
    let old = import(&["orders-2.6.yaml"]).model;
    let new = import(&["orders-3.0.yaml"]).model;
    assert!(old.elements().eq(new.elements()), "{old:#?}\n{new:#?}");
    assert_eq!(old.sorted_flows(), new.sorted_flows());
    assert_eq!(old.name, new.name);
}

#[test]
fn a_receiver_is_a_service_consuming_in_a_group_named_after_it() {
    let model = import(&["orders-3.0.yaml"]).model;
    let app = element(&model, "order-service");
    assert_eq!(app.kind, K::Aggregate);
    assert_eq!(
        app.service.as_ref().and_then(|s| s.group.as_deref()),
        Some("order-service")
    );
}

#[test]
fn an_application_that_only_sends_is_an_external_system_with_a_workload() {
    let text = "asyncapi: 3.0.0\ninfo: {title: Sensor, version: '1'}\nchannels:\n  t:\n    address: temperatures\n    messages:\n      Measured: {title: Temperature Measured}\noperations:\n  send: {action: send, channel: {$ref: '#/channels/t'}}\n";
    let model = import_text(text, "clipboard", ImportFormat::AsyncApi)
        .expect("imports")
        .model;
    let sensor = element(&model, "sensor");
    assert_eq!(sensor.kind, K::ExternalSystem);
    assert!(sensor.workload.is_some());
    assert!(
        model.notes.contains("Sensor sends 5 messages/s"),
        "{}",
        model.notes
    );
    // Nothing in the import receives: the API's clients do.
    assert!(has_flow(
        &model,
        "temperatures",
        "outside-receivers",
        F::ConsumedBy
    ));
    assert_ready_to_run(&model, "sensor");
}

#[test]
fn a_correlation_id_is_noted_on_the_message() {
    let model = import(&["orders-3.0.yaml"]).model;
    let event = element(&model, "order-placed");
    assert_eq!(event.kind, K::Event);
    assert!(
        event
            .notes
            .contains("Correlation id: $message.header#/orderId"),
        "{}",
        event.notes
    );
}

#[test]
fn what_nobody_in_the_system_sends_comes_from_the_outside_senders() {
    let model = import(&["orders-3.0.yaml"]).model;
    let outside = element(&model, "outside-senders");
    assert_eq!(outside.kind, K::ExternalSystem);
    assert!(has_flow(
        &model,
        "outside-senders",
        "order-placed",
        F::Emits
    ));
    assert!(
        model.notes.contains("Outside Senders send"),
        "{}",
        model.notes
    );
    assert_ready_to_run(&model, "orders-3.0.yaml");
}

#[test]
fn a_folder_imports_as_one_linked_system() {
    let imported = import(&["system"]);
    let model = &imported.model;
    assert_eq!(model.name, "system");
    // Both documents name `orders`: one topic, a flow from Shop to Payments.
    assert_eq!(model.elements().filter(|e| e.name == "orders").count(), 1);
    assert!(has_flow(model, "shop", "order-placed", F::Emits));
    assert!(has_flow(model, "order-placed", "orders", F::PublishedTo));
    assert!(has_flow(model, "orders", "payments", F::ConsumedBy));
    assert!(has_flow(model, "payments", "payment-confirmed", F::Emits));
    assert!(has_flow(model, "payments-topic", "shop", F::ConsumedBy));
    // The message came from common/messages.yaml through relative $refs.
    assert!(
        element(model, "payment-confirmed")
            .notes
            .contains("$message.header#/paymentId")
    );
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    assert_ready_to_run(model, "system/");
}

#[test]
fn a_topic_left_unconsumed_after_linking_is_reported_by_the_checks() {
    let model = import(&["system/shop"]).model;
    let unlinked: Vec<String> = check(&model)
        .into_iter()
        .filter(|p| p.rule == Rule::TopicUnlinked)
        .map(|p| p.message)
        .collect();
    assert!(
        unlinked
            .iter()
            .any(|m| m.starts_with("nobody consumes topic `/ (cartUpdates)`")),
        "{unlinked:?}"
    );
    assert!(
        unlinked
            .iter()
            .any(|m| m.starts_with("nobody consumes topic `orders`"))
    );
}

#[test]
fn channels_sharing_an_address_in_one_document_stay_separate_topics() {
    let model = import(&["system"]).model;
    let slash: Vec<&str> = model
        .elements()
        .filter(|e| e.kind == K::Topic && e.name.starts_with("/ "))
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(slash, ["/ (cartCommands)", "/ (cartUpdates)"]);
}

#[test]
fn a_request_with_a_reply_is_a_call_to_a_query_its_responder_handles() {
    let model = import(&["system"]).model;
    let request = element(&model, "get-stock-level");
    assert_eq!(request.kind, K::Query);
    assert!(
        request.notes.contains("Reply: Stock Level."),
        "{}",
        request.notes
    );
    assert!(has_flow(&model, "shop", "get-stock-level", F::Call));
    assert!(has_flow(&model, "get-stock-level", "stock", F::HandledBy));
    // Request and reply channels are the call, not topics.
    assert!(!model.elements().any(|e| e.name.starts_with("stock/")));
}

#[test]
fn a_sender_that_also_receives_sends_only_at_its_own_rate() {
    let model = import(&["loop"]).model;
    let emits = model
        .flow(&FlowKey {
            from: id("ping"),
            to: id("pinged"),
            kind: F::Emits,
        })
        .expect("ping emits pinged");
    assert_eq!(emits.on, vec![id("ping")]);
    assert_ready_to_run(&model, "loop/");
    // Ping and Pong each send 5 messages/s; a reaction loop would multiply them.
    let mut sim = Sim::new(&model, &SimOptions::default()).expect("runs");
    sim.run_until(10 * US_PER_SEC);
    let produced = sim.totals().messages_produced;
    assert!(
        (40..=200).contains(&produced),
        "{produced} messages in 10 s"
    );
}

#[test]
fn circular_and_remote_references_are_warnings_not_failures() {
    let imported = import(&["refs-broken.yaml"]);
    let warnings: Vec<String> = imported.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings.iter().any(|w| w.contains("circular")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("remote") && w.contains("refs-broken.yaml:15:16:")),
        "{warnings:?}"
    );
    assert_ready_to_run(&imported.model, "refs-broken.yaml");
}

#[test]
fn pasted_text_reports_relative_references_it_cannot_follow() {
    let text = std::fs::read_to_string(fixture("system/payments/asyncapi.yaml")).expect("fixture");
    let imported = import_text(&text, "clipboard", ImportFormat::Auto).expect("imports");
    assert!(
        imported
            .warnings
            .iter()
            .any(|w| w.message.contains("pasted text")),
        "{:?}",
        imported.warnings
    );
    // The message keeps the name its reference gives it, made readable.
    assert_eq!(
        element(&imported.model, "order-placed").name,
        "Order Placed"
    );
    assert!(
        imported.model.contains(&id("order-placed")),
        "{:?}",
        imported.model.ids().collect::<Vec<_>>()
    );
}

#[test]
fn an_unknown_version_is_an_error_at_its_line() {
    let err = import_text(
        "info: {title: X}\nasyncapi: 4.0.0\n",
        "x.yaml",
        ImportFormat::Auto,
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::Unsupported { .. }), "{err}");
    assert!(err.to_string().starts_with("x.yaml:2:1: "), "{err}");
    assert!(err.to_string().contains("4.0.0"), "{err}");
}

#[test]
fn a_yaml_syntax_error_names_file_line_and_column() {
    let err = import_text(
        "asyncapi: 3.0.0\ninfo:\n  title: [unclosed\n",
        "bad.yaml",
        ImportFormat::Auto,
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::Syntax { .. }), "{err}");
    let at = err.location().expect("located");
    assert_eq!(at.origin, "bad.yaml");
    assert!(at.line.is_some() && at.col.is_some(), "{err}");
}

#[test]
fn text_that_is_no_known_format_is_an_error() {
    let err = import_text("just: a mapping\n", "notes.yaml", ImportFormat::Auto).unwrap_err();
    assert!(err.to_string().contains("not recognised"), "{err}");
    let err = import_text("just: a mapping\n", "notes.yaml", ImportFormat::AsyncApi).unwrap_err();
    assert!(
        err.to_string().contains("not an AsyncAPI document"),
        "{err}"
    );
}

#[test]
fn a_yaml_alias_bomb_is_refused() {
    let mut text = String::from("asyncapi: 3.0.0\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let items = vec![format!("*l{}", level - 1); 10].join(", ");
        text.push_str(&format!("l{level}: &l{level} [{items}]\n"));
    }
    let err = import_text(&text, "bomb.yaml", ImportFormat::Auto).unwrap_err();
    assert!(err.to_string().contains("expands"), "{err}");
}

#[test]
fn a_stormflow_json_model_imports_as_it_is() {
    let mut model = Model::new("Exported");
    model
        .add_element(Element::new("a", K::Actor, "A", Pos::default()))
        .expect("fresh");
    let json = to_json_string(&model).expect("writes");
    let imported = import_text(&json, "board.json", ImportFormat::Auto).expect("imports");
    assert_eq!(imported.model, from_json_str(&json).expect("loads"));
}

#[test]
fn importing_the_same_input_twice_gives_the_same_file() {
    for input in ["system", "orders-2.6.yaml", "kafka-streams"] {
        let first = to_ron_string(&import(&[input]).model).expect("writes");
        let second = to_ron_string(&import(&[input]).model).expect("writes");
        assert_eq!(first, second, "{input}");
    }
}

// ----------------------------------------------------------- Kafka Streams

#[test]
fn a_topology_maps_sources_sinks_and_processors() {
    let model = import(&["kafka-streams/word-count.txt"]).model;
    let repartition = element(&model, "word-counts-repartition");
    assert_eq!(repartition.kind, K::Topic);
    assert_eq!(repartition.name, "word-counts-repartition (internal)");
    assert!(repartition.notes.contains("Internal repartition topic"));
    let flat = element(&model, "kstream-flatmapvalues-0000000001");
    assert_eq!(flat.name, "flatMapValues 1");
    assert_eq!(flat.operator(), Operator::Map);
    assert!(matches!(
        element(&model, "kstream-filter-0000000006").operator(),
        Operator::Filter { keep_percent: 50 }
    ));
    assert!(matches!(
        element(&model, "kstream-aggregate-0000000004").operator(),
        Operator::Aggregate { .. }
    ));
    assert!(has_flow(
        &model,
        "text-lines",
        "kstream-flatmapvalues-0000000001",
        F::ConsumedBy
    ));
    assert!(has_flow(
        &model,
        "kstream-flatmapvalues-0000000001-forwarded",
        "kstream-key-select-0000000002",
        F::ConsumedBy
    ));
    assert!(has_flow(
        &model,
        "kstream-filter-0000000006-forwarded",
        "word-counts-repartition",
        F::PublishedTo
    ));
    assert!(has_flow(
        &model,
        "word-counts-repartition",
        "kstream-aggregate-0000000004",
        F::ConsumedBy
    ));
    assert!(
        element(&model, "kstream-aggregate-0000000004")
            .notes
            .contains("State stores: word-counts.")
    );
    assert!(model.notes.contains("Filters keep 50%"), "{}", model.notes);
    assert_ready_to_run(&model, "word-count.txt");
}

#[test]
fn a_logged_topology_with_a_join_a_branch_and_a_global_store_imports() {
    let imported = import(&["kafka-streams/enrich-logged.log"]);
    let model = &imported.model;
    let join = element(model, "kstream-join-0000000004");
    assert_eq!(
        join.operator(),
        Operator::Join {
            table: id("customers")
        }
    );
    assert!(has_flow(
        model,
        "customers",
        "kstream-join-0000000004",
        F::ConsumedBy
    ));
    assert_eq!(
        element(model, "kstream-branch-0000000005").operator(),
        Operator::Split
    );
    assert!(
        element(model, "ktable-source-0000000011")
            .notes
            .contains("regions-store (global)")
    );
    assert!(
        model.notes.contains("Windowed aggregates"),
        "{}",
        model.notes
    );
    assert!(
        imported
            .warnings
            .iter()
            .any(|w| w.message.contains("chooses its topic per record")),
        "{:?}",
        imported.warnings
    );
    assert_ready_to_run(model, "enrich-logged.log");
}

#[test]
fn a_source_written_straight_to_a_sink_is_a_pass_through_processor() {
    let model = import(&["kafka-streams/copy-one-line.txt"]).model;
    let source = element(&model, "kstream-source-0000000000");
    assert_eq!(source.kind, K::Processor);
    assert!(has_flow(
        &model,
        "raw-events",
        "kstream-source-0000000000",
        F::ConsumedBy
    ));
    assert!(has_flow(
        &model,
        "kstream-source-0000000000-forwarded",
        "events-copy",
        F::PublishedTo
    ));
    assert_ready_to_run(&model, "copy-one-line.txt");
}

#[test]
fn an_unparsable_topology_is_an_error_with_line_and_column() {
    let err = import_text(
        "Topologies:\n   Sub-topology: 0\n    Processor: (stores: [])\n",
        "topology.txt",
        ImportFormat::KafkaStreams,
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("topology.txt:3:16: "), "{err}");
}

#[test]
fn a_renamed_processor_keeps_its_name_when_the_topology_is_merged_in_again() {
    let first = import(&["kafka-streams/word-count.txt"]).model;
    let mut board = first.clone();
    let sticky = board
        .element_mut(&id("kstream-flatmapvalues-0000000001"))
        .expect("imported");
    sticky.name = "Split Into Words".into();
    sticky.pos = Pos { x: -500, y: -500 };
    let again = import(&["kafka-streams/word-count.txt"]).model;
    let merged = merge_into(&board, &again);
    let kept = element(&merged, "kstream-flatmapvalues-0000000001");
    assert_eq!(kept.name, "Split Into Words");
    assert_eq!(kept.pos, Pos { x: -500, y: -500 });
    assert_eq!(merged.element_count(), first.element_count());
    assert_eq!(merged.flow_count(), first.flow_count());
}

#[test]
fn merging_places_new_stickies_to_the_right_and_adds_their_flows() {
    let board = import(&["orders-3.0.yaml"]).model;
    let extra = import(&["kafka-streams/word-count.txt"]).model;
    let merged = merge_into(&board, &extra);
    let right_edge = board
        .elements()
        .map(|e| e.pos.x + e.size_or_default().w as i32)
        .max()
        .expect("not empty");
    for element in extra.elements().filter(|e| !board.contains(&e.id)) {
        assert!(
            element_at(&merged, &element.id).pos.x > right_edge,
            "{}",
            element.id
        );
    }
    for flow in extra.sorted_flows() {
        assert!(merged.flow(&flow.key()).is_some(), "{flow}");
    }
    let existing = element(&board, "order-service");
    assert_eq!(element(&merged, "order-service"), existing);
}

fn element_at<'m>(model: &'m Model, id: &ElementId) -> &'m Element {
    model.element(id).expect("present")
}

// ------------------------------------------------------------------ corpus

#[test]
fn every_corpus_asyncapi_example_imports_clean_and_runs() {
    let Some(dir) = corpus() else { return };
    let mut files = Vec::new();
    for version in ["2.6", "3.0"] {
        for entry in std::fs::read_dir(dir.join("asyncapi").join(version)).expect("corpus") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 15, "{files:?}");
    for file in files {
        let imported = import_paths(std::slice::from_ref(&file), ImportFormat::Auto)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_ready_to_run(&imported.model, &file.display().to_string());
    }
}

#[test]
fn the_corpus_social_media_folder_is_one_system_of_five_services() {
    let Some(dir) = corpus() else { return };
    let folder = dir.join("asyncapi/2.6/social-media");
    let imported = import_paths(std::slice::from_ref(&folder), ImportFormat::Auto)
        .unwrap_or_else(|e| panic!("{e}"));
    let model = &imported.model;
    let services: Vec<&str> = model
        .elements()
        .filter(|e| {
            matches!(e.kind, K::Aggregate | K::ExternalSystem) && e.id.as_str() != "outside-senders"
        })
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(
        services,
        [
            "Comments Service",
            "Notifications Service",
            "Public API",
            "Website Backend",
            "Website WebSocket Client"
        ]
    );
    for channel in [
        "comment/liked",
        "like/comment",
        "comment/{commentId}/changed",
        "update/comment/likes",
    ] {
        assert_eq!(
            model
                .elements()
                .filter(|e| e.kind == K::Topic && e.name == channel)
                .count(),
            1,
            "{channel}"
        );
    }
    // The message `commentLiked` reads "Comment Liked" and has the id
    // `comment-liked`, so the topic `comment/liked` gets its kind appended.
    assert_eq!(element(model, "comment-liked").name, "Comment Liked");
    assert!(has_flow(
        model,
        "website-backend",
        "comment-liked",
        F::Emits
    ));
    for consumer in ["comments-service", "notifications-service", "public-api"] {
        assert!(
            has_flow(model, "comment-liked-topic", consumer, F::ConsumedBy),
            "{consumer}"
        );
    }
    assert!(
        !model.contains(&id("outside-senders")),
        "every message has a sender inside"
    );
    assert_ready_to_run(model, "social-media/");
    let again = import_paths(&[folder], ImportFormat::Auto).expect("imports");
    assert_eq!(
        to_ron_string(model).expect("writes"),
        to_ron_string(&again.model).expect("writes")
    );
}

#[test]
fn the_corpus_streetlights_2_6_and_3_0_import_to_the_same_stickies() {
    let Some(dir) = corpus() else { return };
    let load = |path: &str| {
        import_paths(&[dir.join(path)], ImportFormat::Auto)
            .unwrap_or_else(|e| panic!("{e}"))
            .model
    };
    let old = load("asyncapi/2.6/streetlights-kafka.yml");
    let new = load("asyncapi/3.0/streetlights-kafka-asyncapi.yml");
    let shape = |m: &Model| {
        m.elements()
            .map(|e| (e.id.clone(), e.kind, e.name.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&old), shape(&new));
    assert_eq!(old.sorted_flows(), new.sorted_flows());
}

#[test]
fn the_whole_corpus_imports_as_one_system_that_runs() {
    let Some(dir) = corpus() else { return };
    let imported = import_paths(&[dir], ImportFormat::Auto).unwrap_or_else(|e| panic!("{e}"));
    assert_ready_to_run(&imported.model, "interop/");
}

#[test]
fn every_corpus_kafka_streams_text_imports_clean_and_runs() {
    let Some(dir) = corpus() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("kafka-streams"))
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 3);
    for file in files {
        let imported = import_paths(std::slice::from_ref(&file), ImportFormat::Auto)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_ready_to_run(&imported.model, &file.display().to_string());
        let again = import_paths(&[file], ImportFormat::Auto).expect("imports");
        assert_eq!(
            to_ron_string(&imported.model).expect("writes"),
            to_ron_string(&again.model).expect("writes")
        );
    }
}

// --------------------------------------------------------------- robustness

fn mutate(text: &str, op: u8, at: usize, other: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    match op % 3 {
        // Truncation at a character boundary.
        0 => {
            let mut cut = at % (text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_string()
        }
        // A deleted line.
        1 => {
            let skip = at % lines.len().max(1);
            lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n")
        }
        // Two lines swapped (keys moved to other objects).
        _ => {
            let mut lines = lines;
            if !lines.is_empty() {
                let (a, b) = (at % lines.len(), other % lines.len());
                lines.swap(a, b);
            }
            lines.join("\n")
        }
    }
}

fn seeds() -> Vec<String> {
    [
        "orders-3.0.yaml",
        "orders-2.6.yaml",
        "system/shop/asyncapi.yaml",
        "refs-broken.yaml",
    ]
    .iter()
    .map(|p| std::fs::read_to_string(fixture(p)).expect("fixture"))
    .collect()
}

fn topology_seeds() -> Vec<String> {
    [
        "kafka-streams/word-count.txt",
        "kafka-streams/enrich-logged.log",
        "kafka-streams/copy-one-line.txt",
    ]
    .iter()
    .map(|p| std::fs::read_to_string(fixture(p)).expect("fixture"))
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
    ))]

    #[test]
    fn mutated_asyncapi_never_panics(seed in 0usize..4, op in any::<u8>(), at in any::<usize>(), other in any::<usize>()) {
        let text = mutate(&seeds()[seed], op, at, other);
        for format in [ImportFormat::Auto, ImportFormat::AsyncApi] {
            if let Ok(imported) = import_text(&text, "mutated.yaml", format) {
                prop_assert!(imported.model.element_count() < 10_000);
            }
        }
    }

    #[test]
    fn mutated_topologies_never_panic(seed in 0usize..3, op in any::<u8>(), at in any::<usize>(), other in any::<usize>()) {
        let text = mutate(&topology_seeds()[seed], op, at, other);
        for format in [ImportFormat::Auto, ImportFormat::KafkaStreams] {
            if let Ok(imported) = import_text(&text, "mutated.txt", format) {
                // A mutation can wire a processor back into its own
                // upstream: the board then really loops, and check says so
                // with a loop rule. Any other error is the importer's fault.
                let loop_rules = [Rule::ZeroTimeLoop, Rule::MultiplyingLoop, Rule::EndlessLoop];
                let errors: Vec<String> = check(&imported.model)
                    .into_iter()
                    .filter(|p| p.severity == Severity::Error && !loop_rules.contains(&p.rule))
                    .map(|p| p.message)
                    .collect();
                prop_assert!(errors.is_empty(), "{:?}", errors);
            }
        }
    }
}

//! The board exporters on every sample: goldens pinned per format
//! (`STORMFLOW_BLESS=1` rewrites them), every sticky and arrow present,
//! hostile names survive every format, the pictures render (resvg, and
//! `rsvg-convert` and Graphviz `dot` when installed) with the legend colours
//! where the stickies are, and every AsyncAPI document validates against the
//! official AsyncAPI 3.0.0 schema when the interop corpus is present.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use stormflow_core::export::{
    self, AsyncApiOptions, ExportedFile, PictureOptions, Theme, svg_to_png, to_asyncapi, to_dot,
    to_eventcatalog, to_mermaid, to_svg,
};
use stormflow_core::model::{Element, ElementKind, Fault, FaultKind, Flow, FlowKind, Model, Pos};
use stormflow_core::sim::{Sim, SimOptions};
use stormflow_core::style;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every sample: (file stem, model), in name order.
fn samples() -> Vec<(String, Model)> {
    let dir = manifest_dir().join("../samples");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("samples folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "the samples are there");
    paths
        .into_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let model = stormflow_core::format::load(&path).expect("sample loads");
            (stem, model)
        })
        .collect()
}

fn blessing() -> bool {
    std::env::var("STORMFLOW_BLESS").is_ok_and(|v| v == "1")
}

/// Compares `actual` with the golden file `name`, or rewrites it when blessing.
fn golden(name: &str, actual: &[u8]) {
    let path = manifest_dir().join("tests/golden").join(name);
    if blessing() {
        std::fs::create_dir_all(path.parent().expect("folder")).expect("golden folder");
        std::fs::write(&path, actual).expect("golden written");
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|_| {
        panic!(
            "no golden {}; run with STORMFLOW_BLESS=1 and review it",
            path.display()
        )
    });
    if expected != actual {
        let shown = String::from_utf8_lossy(actual);
        panic!(
            "{name} differs from its golden {} (STORMFLOW_BLESS=1 rewrites it after review); got:\n{}",
            path.display(),
            &shown[..shown.len().min(2_000)]
        );
    }
}

/// Files of a multi-file export as one text, for one golden.
fn joined(files: &[ExportedFile]) -> String {
    files
        .iter()
        .map(|f| format!("==> {} <==\n{}", f.path, f.contents))
        .collect::<Vec<_>>()
        .join("\n")
}

fn which(tool: &str) -> bool {
    Command::new(tool)
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty())
}

#[test]
fn every_format_matches_its_golden_on_every_sample() {
    for (name, model) in samples() {
        let svg = to_svg(&model, &PictureOptions::default());
        golden(&format!("{name}.svg"), svg.as_bytes());
        let png = svg_to_png(&svg, 1.0).expect("renders");
        golden(&format!("{name}.png"), &png.bytes);
        golden(&format!("{name}.mmd"), to_mermaid(&model).as_bytes());
        golden(&format!("{name}.dot"), to_dot(&model).as_bytes());
        let single = AsyncApiOptions {
            single: true,
            json: false,
        };
        let docs = to_asyncapi(&model, &single).expect("AsyncAPI");
        golden(
            &format!("{name}.asyncapi.yaml"),
            docs[0].contents.as_bytes(),
        );
        let apps = to_asyncapi(&model, &AsyncApiOptions::default()).expect("AsyncAPI");
        golden(
            &format!("{name}.asyncapi-apps.txt"),
            joined(&apps).as_bytes(),
        );
        let catalog = to_eventcatalog(&model).expect("EventCatalog");
        golden(
            &format!("{name}.eventcatalog.txt"),
            joined(&catalog).as_bytes(),
        );
    }
}

/// The online shop after 4 s with Shipping down from 1 s for 2 s.
fn online_shop_run() -> (Model, stormflow_core::sim::Snapshot) {
    let path = manifest_dir().join("../samples/online-shop.ron");
    let mut model = stormflow_core::format::load(&path).expect("sample loads");
    model.faults.push(Fault {
        element: "shipping".into(),
        at_us: 1_000_000,
        kind: FaultKind::Down { for_us: 5_000_000 },
    });
    let mut sim = Sim::new(&model, &SimOptions::default()).expect("runs");
    sim.run_until(4_000_000);
    let snapshot = sim.snapshot();
    (model, snapshot)
}

#[test]
fn live_badges_are_drawn_from_a_run_and_pinned_in_both_themes() {
    let (model, snapshot) = online_shop_run();
    for theme in [Theme::Light, Theme::Dark] {
        let svg = to_svg(
            &model,
            &PictureOptions {
                theme,
                view: None,
                live: Some(&snapshot),
            },
        );
        assert!(svg.contains(">DOWN</text>"), "Shipping is down");
        assert!(
            svg.contains("msgs · 6 partitions"),
            "the orders topic's badge"
        );
        assert!(svg.contains("busy "), "service queue lines");
        let suffix = if theme == Theme::Dark {
            "dark"
        } else {
            "light"
        };
        golden(&format!("online-shop.live.{suffix}.svg"), svg.as_bytes());
        let png = svg_to_png(&svg, 1.0).expect("renders");
        golden(&format!("online-shop.live.{suffix}.png"), &png.bytes);
    }
}

#[test]
fn every_sticky_and_every_arrow_appears_in_every_format() {
    for (name, model) in samples() {
        let svg = to_svg(&model, &PictureOptions::default());
        let mermaid = to_mermaid(&model);
        let dot = to_dot(&model);
        for element in model.elements() {
            assert!(
                svg.contains(&format!("id=\"sticky.{}\"", element.id)),
                "{name}: {} not in the SVG",
                element.id
            );
            if !element.kind.is_frame() {
                assert!(
                    dot.contains(&format!("\"{}\" [label=", element.id)),
                    "{name}: {} not a DOT node",
                    element.id
                );
            }
        }
        let flows = model.flow_count();
        assert_eq!(
            svg.matches("<g class=\"flow ").count(),
            flows,
            "{name}: SVG arrows"
        );
        assert_eq!(
            mermaid
                .lines()
                .filter(|l| l.contains("-->|") || l.contains("-.->|"))
                .count(),
            flows,
            "{name}: Mermaid edges"
        );
        assert_eq!(dot.matches(" -> ").count(), flows, "{name}: DOT edges");
        let nodes = mermaid
            .lines()
            .filter(|l| l.trim_start().starts_with("n_") && l.contains('"'))
            .filter(|l| !l.contains("-->|") && !l.contains("-.->|"))
            .count();
        let stickies = model.elements().filter(|e| !e.kind.is_frame()).count();
        assert_eq!(nodes, stickies, "{name}: Mermaid nodes");
    }
}

#[test]
fn every_sample_picture_renders_with_the_legend_colours_where_the_stickies_are() {
    for (name, model) in samples() {
        let svg = to_svg(&model, &PictureOptions::default());
        let png = svg_to_png(&svg, 2.0).expect("renders");
        let pixmap = export_pixmap(&png.bytes);
        // The picture's origin: the viewBox's top-left corner.
        let view: Vec<f32> = svg
            .split("viewBox=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("viewBox")
            .split(' ')
            .map(|n| n.parse().expect("number"))
            .collect();
        let mut checked = 0;
        for element in model.elements() {
            if element.kind.is_frame() || style::tilt_rad(element.kind) != 0.0 {
                continue;
            }
            let rect = style::element_rect(element);
            // Just above the bottom edge, in the padding below the text.
            let x = (rect.center().x - view[0]) * png.scale;
            let y = (rect.max.y - 3.5 - view[1]) * png.scale;
            let Some(pixel) = pixmap.pixel(x as u32, y as u32) else {
                continue;
            };
            let covered = model.elements().any(|other| {
                other.id != element.id && !other.kind.is_frame() && {
                    let r = style::element_rect(other);
                    let p = style::Point::new(rect.center().x, rect.max.y - 3.5);
                    p.x >= r.min.x - 12.0
                        && p.x <= r.max.x + 12.0
                        && p.y >= r.min.y - 12.0
                        && p.y <= r.max.y + 12.0
                }
            });
            if covered {
                continue;
            }
            let expected = element.rgb();
            let got = [pixel.red(), pixel.green(), pixel.blue()];
            let close = got
                .iter()
                .zip(expected)
                .all(|(g, e)| (i16::from(*g) - i16::from(e)).abs() <= 2);
            assert!(
                close,
                "{name}: {} drawn {got:?}, legend {expected:?}",
                element.id
            );
            checked += 1;
        }
        assert!(checked >= 5, "{name}: only {checked} stickies checked");
    }
}

fn export_pixmap(png: &[u8]) -> resvg::tiny_skia::Pixmap {
    resvg::tiny_skia::Pixmap::decode_png(png).expect("the PNG decodes")
}

#[test]
fn rsvg_convert_renders_every_sample_when_installed() {
    if !which("rsvg-convert") {
        eprintln!("skipped: rsvg-convert is not on PATH (Debian: librsvg2-bin)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut models = samples();
    models.push(("hostile".into(), hostile()));
    for (name, model) in models {
        let svg_path = dir.path().join(format!("{name}.svg"));
        std::fs::write(&svg_path, to_svg(&model, &PictureOptions::default())).expect("write");
        let out = Command::new("rsvg-convert")
            .arg(&svg_path)
            .arg("-o")
            .arg(dir.path().join(format!("{name}.png")))
            .output()
            .expect("rsvg-convert runs");
        assert!(
            out.status.success(),
            "{name}: rsvg-convert failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn graphviz_renders_every_sample_dot_when_installed() {
    if !which("dot") {
        eprintln!("skipped: Graphviz `dot` is not on PATH (Debian: graphviz)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut models = samples();
    models.push(("hostile".into(), hostile()));
    for (name, model) in models {
        let path = dir.path().join(format!("{name}.dot"));
        std::fs::write(&path, to_dot(&model)).expect("write");
        let out = Command::new("dot")
            .arg("-Tsvg")
            .arg(&path)
            .output()
            .expect("dot runs");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{name}: dot failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rendered = String::from_utf8_lossy(&out.stdout);
        if name == "hostile" {
            assert!(
                rendered.contains("&lt;script&gt;"),
                "the name is text: {rendered}"
            );
        }
    }
}

/// Names and ids that break naive writers.
fn hostile() -> Model {
    let mut model = Model::new("Board \"<script>\" # . --> ]\nnext");
    model.notes = "notes {x} <b>".into();
    let names = [
        ("a", ElementKind::Aggregate, "<script>alert(1)</script>"),
        ("b.c", ElementKind::Event, "Quote \" and ' and `tick` --> ]"),
        ("d-e", ElementKind::Topic, "#hash; semi; & amp"),
        ("f_g", ElementKind::Policy, "line\nbreak\r\nand\ttab"),
        ("h~i", ElementKind::Command, "]]> <!-- x --> {{ }}"),
        ("j", ElementKind::ReadModel, "ünïcødé 日本語 🙂"),
        ("k", ElementKind::Query, "back\\slash \\N \\l"),
        ("l", ElementKind::ExternalSystem, ""),
    ];
    for (i, (id, kind, name)) in names.into_iter().enumerate() {
        model
            .add_element(Element::new(
                id,
                kind,
                name,
                Pos {
                    x: i as i32 * 300,
                    y: 0,
                },
            ))
            .expect("fresh id");
    }
    for (from, to, kind) in [
        ("a", "b.c", FlowKind::Emits),
        ("b.c", "d-e", FlowKind::PublishedTo),
        ("d-e", "f_g", FlowKind::ConsumedBy),
        ("f_g", "h~i", FlowKind::Triggers),
        ("h~i", "a", FlowKind::HandledBy),
        ("b.c", "j", FlowKind::Updates),
        ("k", "j", FlowKind::Reads),
        ("l", "k", FlowKind::Issues),
        ("f_g", "l", FlowKind::Call),
    ] {
        model.connect(Flow::new(from, to, kind)).expect("allowed");
    }
    model
}

#[test]
fn hostile_names_survive_every_format() {
    let model = hostile();
    let svg = to_svg(&model, &PictureOptions::default());
    assert!(!svg.contains("<script"));
    assert!(!svg.contains("<!--"));
    svg_to_png(&svg, 1.0).expect("the SVG parses and renders");

    let mermaid = to_mermaid(&model);
    for line in mermaid.lines().filter(|l| l.trim_start().starts_with("n_")) {
        if line.contains("-->|") || line.contains("-.->|") {
            continue;
        }
        assert_eq!(line.matches('"').count(), 2, "one quoted label: {line}");
        assert!(!line.contains("-->") && !line.contains("<script"), "{line}");
    }

    let dot = to_dot(&model);
    assert!(dot.contains(r#""k" [label="back\\slash \\N \\l""#), "{dot}");

    for options in [
        AsyncApiOptions {
            single: true,
            json: false,
        },
        AsyncApiOptions {
            single: false,
            json: true,
        },
    ] {
        for doc in to_asyncapi(&model, &options).expect("AsyncAPI") {
            let value: Value = if options.json {
                serde_json::from_str(&doc.contents).expect("JSON")
            } else {
                serde_norway::from_str(&doc.contents).expect("YAML")
            };
            let titles: Vec<&str> = value["components"]["messages"]
                .as_object()
                .map(|m| m.values().filter_map(|v| v["title"].as_str()).collect())
                .unwrap_or_default();
            for title in titles {
                assert!(
                    model.elements().any(|e| e.name == title),
                    "{title:?} comes back exactly"
                );
            }
        }
    }

    let catalog = to_eventcatalog(&model).expect("EventCatalog");
    for file in &catalog {
        let (_, body) = file.contents[4..].split_once("\n---\n").expect("a body");
        assert!(
            !body.contains('<') || body.contains("<NodeGraph />"),
            "{body}"
        );
        assert!(!body.replace("<NodeGraph />", "").contains('<'), "{body}");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    export::write_folder(&dir.path().join("catalog"), &catalog).expect("writes");
    assert!(dir.path().join("catalog/commands/h~i/index.mdx").is_file());
}

/// The official AsyncAPI 3.0.0 JSON Schema from the interop corpus.
fn asyncapi_schema() -> Option<Value> {
    let path = manifest_dir().join("../../shared/interop/schemas/asyncapi-3.0.0.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "skipped: {} is absent (the interop corpus is not checked out beside the repository)",
            path.display()
        );
        return None;
    };
    Some(serde_json::from_str(&text).expect("the schema is JSON"))
}

#[test]
fn every_asyncapi_document_validates_against_the_official_schema() {
    let Some(schema) = asyncapi_schema() else {
        return;
    };
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let mut models = samples();
    models.push(("hostile".into(), hostile()));
    let mut validated = 0;
    for (name, model) in models {
        for single in [false, true] {
            for json in [false, true] {
                let options = AsyncApiOptions { single, json };
                for doc in to_asyncapi(&model, &options).expect("AsyncAPI") {
                    let value: Value = if json {
                        serde_json::from_str(&doc.contents).expect("JSON")
                    } else {
                        serde_norway::from_str(&doc.contents).expect("YAML")
                    };
                    let errors: Vec<String> = validator
                        .iter_errors(&value)
                        .map(|e| format!("{}: {e}", e.instance_path()))
                        .collect();
                    assert!(
                        errors.is_empty(),
                        "{name} {}:\n{}",
                        doc.path,
                        errors.join("\n")
                    );
                    validated += 1;
                }
            }
        }
    }
    assert!(validated > 40, "{validated} documents validated");
}

#[test]
fn exports_are_byte_identical_run_to_run() {
    let (_, model) = samples().remove(0);
    assert_eq!(
        to_svg(&model, &PictureOptions::default()),
        to_svg(&model, &PictureOptions::default())
    );
    assert_eq!(to_mermaid(&model), to_mermaid(&model));
    assert_eq!(
        to_asyncapi(&model, &AsyncApiOptions::default()).expect("a"),
        to_asyncapi(&model, &AsyncApiOptions::default()).expect("b")
    );
}

/// What an importer reading the `x-stormflow-*` extensions gets back from a
/// single-document export: (topics, applications, messages with kinds, flows).
type Recovered = (
    BTreeSet<String>,
    BTreeSet<String>,
    BTreeSet<(String, String)>,
    BTreeSet<(String, String, String)>,
);

fn recover(doc: &Value) -> Recovered {
    let text = |v: &Value| v.as_str().expect("a string").to_string();
    let mut topics = BTreeSet::new();
    let mut flows = BTreeSet::new();
    for channel in doc["channels"]
        .as_object()
        .into_iter()
        .flat_map(|c| c.values())
    {
        if channel["x-stormflow-kind"] != "Topic" {
            continue;
        }
        let topic = text(&channel["x-stormflow-id"]);
        topics.insert(topic.clone());
        for message in channel["messages"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
        {
            let target = text(&message["$ref"]);
            let key = target.rsplit('/').next().expect("a key");
            let id = text(&doc["components"]["messages"][key]["x-stormflow-id"]);
            flows.insert((id, topic.clone(), "PublishedTo".to_string()));
        }
    }
    let apps = doc["info"]["x-stormflow-applications"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| text(&a["id"]))
        .collect();
    let messages = doc["components"]["messages"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .map(|m| (text(&m["x-stormflow-id"]), text(&m["x-stormflow-kind"])))
        .collect();
    for op in doc["operations"]
        .as_object()
        .into_iter()
        .flat_map(|o| o.values())
    {
        let flow = &op["x-stormflow-flow"];
        flows.insert((text(&flow["from"]), text(&flow["to"]), text(&flow["kind"])));
    }
    (topics, apps, messages, flows)
}

#[test]
fn a_single_asyncapi_document_carries_every_topic_application_message_and_flow_by_id() {
    for (name, model) in samples() {
        let options = AsyncApiOptions {
            single: true,
            json: true,
        };
        let docs = to_asyncapi(&model, &options).expect("AsyncAPI");
        let doc: Value = serde_json::from_str(&docs[0].contents).expect("JSON");
        let (topics, apps, messages, flows) = recover(&doc);
        let ids = |keep: &dyn Fn(ElementKind) -> bool| -> BTreeSet<String> {
            model
                .elements()
                .filter(|e| keep(e.kind))
                .map(|e| e.id.to_string())
                .collect()
        };
        assert_eq!(topics, ids(&|k| k == ElementKind::Topic), "{name}: topics");
        assert_eq!(
            apps,
            ids(&|k| matches!(
                k,
                ElementKind::Aggregate
                    | ElementKind::ExternalSystem
                    | ElementKind::Processor
                    | ElementKind::Policy
                    | ElementKind::ReadModel
            )),
            "{name}: applications"
        );
        let expected_messages: BTreeSet<(String, String)> = model
            .elements()
            .filter(|e| {
                matches!(
                    e.kind,
                    ElementKind::Event | ElementKind::Command | ElementKind::Query
                )
            })
            .map(|e| (e.id.to_string(), ron_name(&e.kind)))
            .collect();
        assert_eq!(messages, expected_messages, "{name}: messages and kinds");
        // Every flow between applications, messages and topics comes back;
        // people (actors) and annotations are not in AsyncAPI.
        let board_flows: BTreeSet<(String, String, String)> = model
            .flows()
            .map(|f| (f.from.to_string(), f.to.to_string(), ron_name(&f.kind)))
            .collect();
        for flow in model.flows() {
            let outside = [&flow.from, &flow.to].iter().any(|id| {
                model
                    .element(id)
                    .is_none_or(|e| e.kind == ElementKind::Actor || e.kind.is_annotation())
            });
            if outside {
                continue;
            }
            let key = (
                flow.from.to_string(),
                flow.to.to_string(),
                ron_name(&flow.kind),
            );
            assert!(
                flows.contains(&key),
                "{name}: {flow} is not in the document"
            );
        }
        assert!(flows.is_subset(&board_flows), "{name}: no invented flows");
    }
}

/// The name a kind is written with in the `.ron` file and the extensions.
fn ron_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

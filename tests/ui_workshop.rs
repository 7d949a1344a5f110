//! What a facilitator or a teacher hits in a first session: samples that
//! are never overwritten, saving with no desktop file dialog, faults that
//! belong to a run, the Problems shortcut and presentation mode.

use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use stormflow_app::command::Command;
use stormflow_app::files::ScriptedDialogs;
use stormflow_core::model::{ElementId, Fault, FaultKind};

use crate::harness::{app_with, apply, harness, press, shop};

#[test]
fn a_sample_file_opens_as_an_untitled_copy_and_ctrl_s_asks_where() {
    let path = stormflow_tests::samples_dir().join("online-shop.ron");
    let before = std::fs::read(&path).expect("the sample is on disk");
    let dir = tempfile::tempdir().expect("temp dir");
    let chosen = dir.path().join("my-shop.ron");
    let dialogs = ScriptedDialogs {
        saves: [chosen.clone()].into(),
        ..ScriptedDialogs::default()
    };
    let mut app = app_with(shop(), dialogs);
    app.open_path(&path).expect("the sample opens");
    assert_eq!(app.doc.path, None, "the sample is untitled");
    assert_eq!(app.doc.model().name, "Online Shop");
    let mut h = harness(app);
    // Save asks where (the scripted dialog answers), and writes there.
    press(&mut h, Modifiers::COMMAND, Key::S);
    assert_eq!(h.state().doc.path.as_deref(), Some(chosen.as_path()));
    assert!(
        chosen.is_file(),
        "the board is written where the user chose"
    );
    assert_eq!(std::fs::read(&path).expect("still there"), before);
}

#[test]
fn a_changed_copy_of_a_sample_opens_as_the_users_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("online-shop.ron");
    let mut model = shop();
    model.name = "My Shop".into();
    stormflow_core::format::save(&path, &model).expect("save");
    let mut app = app_with(shop(), ScriptedDialogs::default());
    app.open_path(&path).expect("opens");
    assert_eq!(app.doc.path.as_deref(), Some(path.as_path()));
}

#[test]
fn with_no_desktop_dialog_save_shows_the_in_app_dialog() {
    let dialogs = ScriptedDialogs {
        unavailable: true,
        ..ScriptedDialogs::default()
    };
    let mut h = harness(app_with(shop(), dialogs));
    press(&mut h, Modifiers::COMMAND, Key::S);
    assert!(
        matches!(
            h.state().modal,
            Some(stormflow_app::app::Modal::File { .. })
        ),
        "the in-app file dialog is open"
    );
    h.get_by_label("Cancel");
}

#[test]
fn taking_an_element_down_in_a_run_is_not_an_edit_until_kept() {
    let mut h = harness(app_with(shop(), ScriptedDialogs::default()));
    assert!(h.state_mut().start_run(None));
    h.run_steps(2);
    let fault = Fault {
        element: ElementId::new("shipping"),
        at_us: 1_000_000,
        kind: FaultKind::Down { for_us: 5_000_000 },
    };
    apply(&mut h, Command::InjectFault(fault.clone()));
    assert!(
        !h.state().is_dirty(),
        "a run's fault does not mark the file"
    );
    assert!(h.state().doc.model().faults.is_empty());
    assert_eq!(h.state().doc.undo_label(), None, "no undo step");

    apply(&mut h, Command::KeepRunFaults);
    assert!(h.state().is_dirty());
    assert_eq!(h.state().doc.model().faults, vec![fault]);
    assert!(
        h.state().doc.undo_label().is_some(),
        "kept in one undo step"
    );
}

#[test]
fn ctrl_9_focuses_the_open_problems_panel_then_hides_it() {
    let mut h = harness(app_with(shop(), ScriptedDialogs::default()));
    assert!(h.state().settings.show_problems, "open by default");
    press(&mut h, Modifiers::COMMAND, Key::Num9);
    assert!(
        h.state().settings.show_problems,
        "the first press focuses it"
    );
    assert!(
        h.ctx.memory(|m| m.focused()).is_some(),
        "a widget of the panel has the keyboard focus"
    );
    press(&mut h, Modifiers::COMMAND, Key::Num9);
    assert!(
        !h.state().settings.show_problems,
        "the second press hides it"
    );
    press(&mut h, Modifiers::COMMAND, Key::Num9);
    assert!(
        h.state().settings.show_problems,
        "and the third opens it again"
    );
}

#[test]
fn f11_presents_the_board_alone_and_escape_leaves() {
    let mut h = harness(app_with(shop(), ScriptedDialogs::default()));
    assert!(h.query_by_label("Palette").is_some());
    press(&mut h, Modifiers::NONE, Key::F11);
    assert!(h.state().presenting);
    assert!(h.query_by_label("Palette").is_none(), "panels are hidden");
    assert!(h.query_by_label("File").is_none(), "the menu bar is hidden");
    press(&mut h, Modifiers::NONE, Key::Escape);
    assert!(!h.state().presenting);
    assert!(h.query_by_label("File").is_some());
}

const ASYNCAPI: &str = "asyncapi: 3.0.0
info:
  title: Billing
  version: 1.0.0
channels:
  invoices:
    address: invoices
    messages:
      invoiceIssued:
        name: InvoiceIssued
operations:
  issueInvoice:
    action: send
    channel:
      $ref: '#/channels/invoices'
";

const TOPOLOGY: &str = "Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000000 (topics: [orders])
      --> KSTREAM-FILTER-0000000001
    Processor: KSTREAM-FILTER-0000000001 (stores: [])
      --> KSTREAM-SINK-0000000002
      <-- KSTREAM-SOURCE-0000000000
    Sink: KSTREAM-SINK-0000000002 (topic: big-orders)
      <-- KSTREAM-FILTER-0000000001
";

#[test]
fn ctrl_i_imports_an_asyncapi_document_as_a_new_unsaved_board() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("billing.yaml");
    std::fs::write(&path, ASYNCAPI).expect("write");
    let dialogs = ScriptedDialogs {
        opens: [path].into(),
        ..ScriptedDialogs::default()
    };
    let mut h = harness(app_with(shop(), dialogs));
    press(&mut h, Modifiers::COMMAND, Key::I);
    let model = h.state().doc.model();
    assert!(
        model.contains(&ElementId::new("invoices")),
        "the channel is a topic"
    );
    assert!(
        model.contains(&ElementId::new("billing")),
        "the app is a sticky"
    );
    assert_eq!(
        h.state().doc.path,
        None,
        "an import is a new, untitled board"
    );
    assert!(h.state().is_dirty(), "and it is not saved yet");
}

#[test]
fn pasting_a_kafka_streams_topology_imports_it() {
    let mut h = harness(app_with(shop(), ScriptedDialogs::default()));
    h.event(egui::Event::Paste(TOPOLOGY.into()));
    h.run_steps(3);
    let model = h.state().doc.model();
    assert!(
        model.contains(&ElementId::new("big-orders")),
        "{:?}",
        model.name
    );
    assert!(!model.contains(&ElementId::new("shipping")), "a new board");
}

#[test]
fn file_export_writes_each_format_where_the_user_chose() {
    use stormflow_app::command::{ExportKind, ExportRequest};
    let dir = tempfile::tempdir().expect("temp dir");
    let kinds = [
        (ExportKind::Svg, "shop.svg"),
        (ExportKind::Png, "shop.png"),
        (ExportKind::Mermaid, "shop.mmd"),
        (ExportKind::Dot, "shop.dot"),
        (ExportKind::Json, "shop.json"),
        (ExportKind::AsyncApiSingle, "shop.asyncapi.yaml"),
        (ExportKind::AsyncApi, "apis"),
        (ExportKind::EventCatalog, "catalog"),
    ];
    let dialogs = ScriptedDialogs {
        saves: kinds
            .iter()
            .map(|(_, name)| dir.path().join(name))
            .collect(),
        ..ScriptedDialogs::default()
    };
    let mut h = harness(app_with(shop(), dialogs));
    for (kind, _) in &kinds {
        let request = ExportRequest {
            kind: *kind,
            current_view: false,
            dark: true,
        };
        apply(&mut h, Command::Export(request));
        assert!(
            h.state().error_shown().is_none(),
            "{kind:?}: {:?}",
            h.state().error_shown().map(ToString::to_string)
        );
    }
    let read = |name: &str| std::fs::read(dir.path().join(name)).expect(name);
    assert!(String::from_utf8_lossy(&read("shop.svg")).contains("<svg"));
    assert_eq!(&read("shop.png")[..4], b"\x89PNG");
    assert!(String::from_utf8_lossy(&read("shop.mmd")).contains("flowchart LR"));
    assert!(String::from_utf8_lossy(&read("shop.dot")).starts_with("digraph"));
    assert!(String::from_utf8_lossy(&read("shop.asyncapi.yaml")).contains("asyncapi: 3.0.0"));
    assert!(dir.path().join("apis").join(".stormflow-export").is_file());
    assert!(
        dir.path()
            .join("catalog")
            .join(".stormflow-export")
            .is_file()
    );
    assert!(!h.state().is_dirty(), "an export does not touch the board");
}

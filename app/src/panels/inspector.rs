//! The inspector: every property of the selected element or flow, the
//! simulation parameters included, with units in the labels. Edits are
//! checked with the file format's own limits as they are made; an invalid
//! value is shown in red and not applied. With several elements selected,
//! the properties they share are edited together.
//!
//! Why this file is long (960 lines): each kind of sticky has its own
//! section of fields (workload, service, topic, processor, read model),
//! and they share the validation and multi-selection helpers at the bottom.

use egui::{DragValue, RichText, Ui};
use stormflow_core::format::{Limits, check_element};
use stormflow_core::model::{
    Arrival, Backoff, Element, ElementId, ElementKind, EventPattern, EventSpec, Flow, FlowKey,
    Guarantee, Level, Model, OnExhausted, Operator, ProcessorSpec, Retention, Service, ServiceTime,
    TopicSpec, Workload, allowed_flows,
};

use crate::board::Selection;
use crate::command::Command;
use crate::theme;

/// What the inspector remembers between frames.
#[derive(Default)]
pub struct InspectorState {
    /// The last validation error, per element.
    error: Option<(ElementId, String)>,
}

/// Draws the inspector for the selection.
pub fn inspector_ui(
    ui: &mut Ui,
    model: &Model,
    selection: &Selection,
    state: &mut InspectorState,
) -> Vec<Command> {
    let mut commands = Vec::new();
    egui::ScrollArea::vertical()
        .auto_shrink([false; 2])
        .show(ui, |ui| {
            if let Some(key) = &selection.flow {
                if let Some(flow) = model.flow(key) {
                    flow_ui(ui, model, key, flow, &mut commands);
                }
                return;
            }
            let selected: Vec<&Element> = selection
                .elements
                .iter()
                .filter_map(|id| model.element(id))
                .collect();
            match selected.as_slice() {
                [] => board_ui(ui, model, &mut commands),
                [one] => element_ui(ui, model, one, state, &mut commands),
                many => shared_ui(ui, model, many, &mut commands),
            }
        });
    commands
}

fn board_ui(ui: &mut Ui, model: &Model, commands: &mut Vec<Command>) {
    ui.heading("Board");
    let mut name = model.name.clone();
    let mut notes = model.notes.clone();
    ui.label("Name");
    let name_changed = ui
        .add(egui::TextEdit::singleline(&mut name).hint_text("Board name"))
        .changed();
    ui.label("Notes (what the board is about, what to try)");
    let notes_changed = ui
        .add(
            egui::TextEdit::multiline(&mut notes)
                .desired_rows(6)
                .hint_text("Notes"),
        )
        .changed();
    if name_changed || notes_changed {
        commands.push(Command::SetModelInfo { name, notes });
    }
    ui.separator();
    ui.label("Workshop level");
    ui.horizontal_wrapped(|ui| {
        for level in Level::ALL {
            if ui
                .selectable_label(model.level == level, level.label())
                .clicked()
                && model.level != level
            {
                commands.push(Command::SetLevel(level));
            }
        }
    });
    ui.separator();
    ui.label(
        RichText::new(format!(
            "{} elements, {} flows. Select a sticky or an arrow to edit it.",
            model.element_count(),
            model.flow_count()
        ))
        .weak(),
    );
}

/// Tracks which field a widget changed, for undo coalescing.
struct Changes {
    field: Option<&'static str>,
}

impl Changes {
    fn note(&mut self, response: &egui::Response, field: &'static str) {
        if response.changed() {
            self.field = Some(field);
        }
    }
}

fn element_ui(
    ui: &mut Ui,
    model: &Model,
    element: &Element,
    state: &mut InspectorState,
    commands: &mut Vec<Command>,
) {
    let mut edited = element.clone();
    let mut changes = Changes { field: None };
    ui.heading(format!("{} · {}", element.kind.label(), element.id));
    ui.label("Name");
    let r = ui.add(egui::TextEdit::singleline(&mut edited.name).hint_text("Name on the sticky"));
    changes.note(&r, "name");
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::new("inspector-kind", "kind")
            .selected_text(edited.kind.label())
            .show_ui(ui, |ui| {
                for kind in ElementKind::ALL {
                    if ui
                        .selectable_value(&mut edited.kind, kind, kind.label())
                        .changed()
                    {
                        changes.field = Some("kind");
                    }
                }
            });
    });
    ui.label("Notes");
    let r = ui.add(
        egui::TextEdit::multiline(&mut edited.notes)
            .desired_rows(3)
            .hint_text("Notes"),
    );
    changes.note(&r, "notes");
    ui.horizontal_wrapped(|ui| {
        let r = ui.add(
            DragValue::new(&mut edited.pos.x)
                .prefix("x ")
                .suffix(" units"),
        );
        changes.note(&r, "x");
        let r = ui.add(
            DragValue::new(&mut edited.pos.y)
                .prefix("y ")
                .suffix(" units"),
        );
        changes.note(&r, "y");
    });
    ui.horizontal_wrapped(|ui| {
        let mut size = edited.size_or_default();
        let r1 = ui.add(
            DragValue::new(&mut size.w)
                .range(20..=20_000)
                .prefix("w ")
                .suffix(" units"),
        );
        let r2 = ui.add(
            DragValue::new(&mut size.h)
                .range(20..=20_000)
                .prefix("h ")
                .suffix(" units"),
        );
        if r1.changed() || r2.changed() {
            edited.size = Some(size);
            changes.field = Some("size");
        }
    });
    ui.horizontal_wrapped(|ui| {
        let mut rgb = edited.rgb();
        let r = ui
            .color_edit_button_srgb(&mut rgb)
            .on_hover_text("Colour override");
        if r.changed() {
            edited.color = Some(format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]));
            changes.field = Some("color");
        }
        ui.label("colour");
        if edited.color.is_some() && ui.small_button("legend colour").clicked() {
            edited.color = None;
            changes.field = Some("color");
        }
    });
    match edited.kind {
        ElementKind::Event => {
            let r = ui.checkbox(
                &mut edited.pivotal,
                "Pivotal event (a turning point of the timeline)",
            );
            changes.note(&r, "pivotal");
            event_ui(ui, &mut edited, &mut changes);
        }
        ElementKind::Hotspot => {
            let r = ui.checkbox(&mut edited.resolved, "Resolved (the workshop answered it)");
            changes.note(&r, "resolved");
        }
        ElementKind::Topic => topic_ui(ui, &mut edited, &mut changes),
        _ => {}
    }
    if edited.kind == ElementKind::Processor {
        processor_ui(ui, model, &mut edited, &mut changes);
    }
    if edited.kind.is_source() {
        workload_ui(ui, model, &mut edited, &mut changes);
    }
    if edited.kind.is_service() {
        service_ui(ui, model, &mut edited, &mut changes);
    }
    if let Some((id, error)) = &state.error
        && id == &element.id
    {
        ui.colored_label(theme::ERROR, error);
    }
    if let Some(field) = changes.field
        && edited != *element
    {
        match check_element(&edited, &Limits::default()) {
            Ok(()) => {
                state.error = None;
                commands.push(Command::UpdateElements {
                    elements: vec![edited],
                    gesture: Some(format!("inspector:{}:{field}", element.id)),
                });
            }
            Err(error) => state.error = Some((element.id.clone(), error)),
        }
    }
}

fn event_ui(ui: &mut Ui, edited: &mut Element, changes: &mut Changes) {
    ui.separator();
    ui.strong("Message pattern");
    let mut spec = edited.event_or_default();
    let before = spec.clone();
    ui.horizontal_wrapped(|ui| {
        for pattern in EventPattern::ALL {
            let label = match pattern {
                EventPattern::Notification => "EN notification",
                EventPattern::CarriedState => "ECS carried state",
                EventPattern::Sourced => "ES sourced",
            };
            ui.selectable_value(&mut spec.pattern, pattern, label);
        }
    });
    ui.label(
        RichText::new(match spec.pattern {
            EventPattern::Notification => {
                "Thin message: consumers call back to the source for the state."
            }
            EventPattern::CarriedState => "The whole state travels: bigger messages, no callbacks.",
            EventPattern::Sourced => "A small delta on a ledger: replay rebuilds the views.",
        })
        .small()
        .weak(),
    );
    let mut bytes = spec.payload_bytes();
    if ui
        .add(
            DragValue::new(&mut bytes)
                .range(1..=10_000_000)
                .prefix("payload ")
                .suffix(" bytes"),
        )
        .changed()
    {
        spec.payload_bytes = Some(bytes);
    }
    if spec != before {
        edited.event = Some(EventSpec { ..spec });
        changes.field = Some("event");
    }
}

fn topic_ui(ui: &mut Ui, edited: &mut Element, changes: &mut Changes) {
    ui.separator();
    ui.strong("Broker");
    let mut spec = edited.topic_or_default();
    let before = spec.clone();
    ui.add(
        DragValue::new(&mut spec.partitions)
            .range(1..=1024)
            .suffix(" partitions"),
    );
    ui.horizontal_wrapped(|ui| {
        ui.label("Retention");
        let forever = matches!(spec.retention, Retention::Forever);
        let compact = matches!(spec.retention, Retention::Compact);
        let timed = matches!(spec.retention, Retention::Time { .. });
        if ui.selectable_label(forever, "forever").clicked() {
            spec.retention = Retention::Forever;
        }
        if ui.selectable_label(timed, "time").clicked() && !timed {
            spec.retention = Retention::Time {
                max_age_us: 60_000_000,
            };
        }
        if ui.selectable_label(compact, "compact").clicked() {
            spec.retention = Retention::Compact;
        }
    });
    if let Retention::Time { max_age_us } = &mut spec.retention {
        let mut ms = *max_age_us / 1_000;
        if ui
            .add(
                DragValue::new(&mut ms)
                    .range(1..=604_800_000)
                    .prefix("keep ")
                    .suffix(" ms"),
            )
            .changed()
        {
            *max_age_us = ms * 1_000;
        }
    }
    if spec != before {
        edited.topic = Some(TopicSpec { ..spec });
        changes.field = Some("topic");
    }
}

fn topic_ids(model: &Model) -> Vec<&ElementId> {
    model
        .elements()
        .filter(|e| e.kind == ElementKind::Topic)
        .map(|e| &e.id)
        .collect()
}

fn processor_ui(ui: &mut Ui, model: &Model, edited: &mut Element, changes: &mut Changes) {
    ui.separator();
    ui.strong("Operator");
    let mut operator = edited.operator();
    let before = operator.clone();
    egui::ComboBox::new("inspector-operator", "operator")
        .selected_text(format!("{} {}", operator.symbol(), operator.label()))
        .show_ui(ui, |ui| {
            let first_topic = topic_ids(model)
                .first()
                .map(|id| (*id).clone())
                .unwrap_or_else(|| ElementId::new("table"));
            for option in [
                Operator::Map,
                Operator::Filter { keep_percent: 50 },
                Operator::Enrich,
                Operator::Aggregate {
                    window_us: 1_000_000,
                },
                Operator::Join { table: first_topic },
                Operator::Split,
                Operator::Merge,
            ] {
                let same = std::mem::discriminant(&option) == std::mem::discriminant(&operator);
                if ui
                    .selectable_label(same, format!("{} {}", option.symbol(), option.label()))
                    .clicked()
                    && !same
                {
                    operator = option;
                }
            }
        });
    match &mut operator {
        Operator::Filter { keep_percent } => {
            ui.add(
                egui::Slider::new(keep_percent, 0..=100)
                    .text("kept")
                    .suffix(" %"),
            );
        }
        Operator::Aggregate { window_us } => {
            let mut ms = *window_us / 1_000;
            if ui
                .add(
                    DragValue::new(&mut ms)
                        .range(1..=86_400_000)
                        .prefix("tumbling window ")
                        .suffix(" ms"),
                )
                .changed()
            {
                *window_us = ms * 1_000;
            }
        }
        Operator::Join { table } => {
            ui.horizontal_wrapped(|ui| {
                egui::ComboBox::new("inspector-join-table", "table topic")
                    .selected_text(table.as_str())
                    .show_ui(ui, |ui| {
                        for id in topic_ids(model) {
                            ui.selectable_value(table, id.clone(), id.as_str());
                        }
                    });
            });
        }
        Operator::Enrich => {
            ui.label(
                RichText::new("Looks each message up through this processor's call flow.")
                    .small()
                    .weak(),
            );
        }
        _ => {}
    }
    if operator != before {
        edited.processor = Some(ProcessorSpec { operator });
        changes.field = Some("operator");
    }
}

fn workload_ui(ui: &mut Ui, model: &Model, edited: &mut Element, changes: &mut Changes) {
    ui.separator();
    let mut enabled = edited.workload.is_some();
    if ui
        .checkbox(
            &mut enabled,
            RichText::new("Generates load in a run").strong(),
        )
        .changed()
    {
        edited.workload = enabled.then(Workload::default);
        changes.field = Some("workload");
    }
    let Some(workload) = &mut edited.workload else {
        return;
    };
    let before = workload.clone();
    let mut rate = workload.arrival.mean_per_sec();
    ui.horizontal_wrapped(|ui| {
        ui.label("Arrivals");
        let (constant, poisson, bursts) = (
            matches!(workload.arrival, Arrival::Constant { .. }),
            matches!(workload.arrival, Arrival::Poisson { .. }),
            matches!(workload.arrival, Arrival::Bursts { .. }),
        );
        if ui.selectable_label(constant, "constant").clicked() {
            workload.arrival = Arrival::Constant {
                per_sec: rate.max(0.001),
            };
        }
        if ui.selectable_label(poisson, "Poisson").clicked() {
            workload.arrival = Arrival::Poisson {
                per_sec: rate.max(0.001),
            };
        }
        if ui.selectable_label(bursts, "bursts").clicked() && !bursts {
            workload.arrival = Arrival::Bursts {
                every_us: 1_000_000,
                size: 10,
            };
        }
    });
    match &mut workload.arrival {
        Arrival::Constant { per_sec } | Arrival::Poisson { per_sec } => {
            if ui
                .add(
                    DragValue::new(&mut rate)
                        .range(0.001..=1_000_000.0)
                        .speed(0.5)
                        .max_decimals(3)
                        .prefix("rate ")
                        .suffix(" /s"),
                )
                .changed()
            {
                *per_sec = rate;
            }
        }
        Arrival::Bursts { every_us, size } => {
            ui.add(
                DragValue::new(size)
                    .range(1..=1_000_000)
                    .prefix("burst of ")
                    .suffix(" messages"),
            );
            let mut ms = *every_us / 1_000;
            if ui
                .add(
                    DragValue::new(&mut ms)
                        .range(1..=86_400_000)
                        .prefix("every ")
                        .suffix(" ms"),
                )
                .changed()
            {
                *every_us = ms * 1_000;
            }
        }
    }
    ui.add(
        DragValue::new(&mut workload.keys)
            .range(1..=10_000_000)
            .prefix("key space ")
            .suffix(" keys"),
    );
    ui.horizontal_wrapped(|ui| {
        ui.label("Key prefix");
        let mut prefix = workload.key_prefix.clone().unwrap_or_default();
        if ui
            .add(
                egui::TextEdit::singleline(&mut prefix)
                    .desired_width(120.0)
                    .hint_text(edited.id.as_str()),
            )
            .changed()
        {
            workload.key_prefix = (!prefix.trim().is_empty()).then(|| prefix.trim().to_string());
        }
    });
    let mut poison = workload.poison_rate * 100.0;
    if ui
        .add(
            egui::Slider::new(&mut poison, 0.0..=100.0)
                .text("poison")
                .suffix(" %"),
        )
        .changed()
    {
        workload.poison_rate = poison / 100.0;
    }
    let mut start_ms = workload.start_us / 1_000;
    if ui
        .add(
            DragValue::new(&mut start_ms)
                .range(0..=604_800_000)
                .prefix("starts at ")
                .suffix(" ms"),
        )
        .changed()
    {
        workload.start_us = start_ms * 1_000;
    }
    let targets: Vec<ElementId> = model
        .outgoing(&edited.id)
        .iter()
        .map(|f| f.to.clone())
        .collect();
    if targets.len() > 1 {
        ui.label("Mix (relative weight of each target)");
        for target in targets {
            let mut weight = workload
                .mix
                .iter()
                .find(|(id, _)| id == &target)
                .map_or(1, |(_, w)| *w);
            if ui
                .add(
                    DragValue::new(&mut weight)
                        .range(0..=1_000)
                        .prefix(format!("{target} ×")),
                )
                .changed()
            {
                workload.mix.retain(|(id, _)| id != &target);
                workload.mix.push((target.clone(), weight));
                workload.mix.sort();
            }
        }
    }
    if *workload != before {
        changes.field = Some("workload");
    }
}

fn service_ui(ui: &mut Ui, model: &Model, edited: &mut Element, changes: &mut Changes) {
    ui.separator();
    ui.strong("Processing");
    let mut service = edited.service_or_default();
    let before = service.clone();
    ui.add(
        DragValue::new(&mut service.instances)
            .range(1..=1024)
            .suffix(" instances"),
    );
    ui.horizontal_wrapped(|ui| {
        ui.label("Service time");
        let current = match service.service_time {
            ServiceTime::Fixed { .. } => 0,
            ServiceTime::Uniform { .. } => 1,
            ServiceTime::Exponential { .. } => 2,
        };
        let mean = service.service_time.mean_us();
        for (i, name) in ["fixed", "uniform", "exponential"].into_iter().enumerate() {
            if ui.selectable_label(current == i, name).clicked() && current != i {
                service.service_time = match i {
                    0 => ServiceTime::Fixed { us: mean },
                    1 => ServiceTime::Uniform {
                        min_us: mean / 2,
                        max_us: mean * 3 / 2,
                    },
                    _ => ServiceTime::Exponential { mean_us: mean },
                };
            }
        }
    });
    match &mut service.service_time {
        ServiceTime::Fixed { us } => drag_us(ui, us, "takes "),
        ServiceTime::Uniform { min_us, max_us } => {
            drag_us(ui, min_us, "from ");
            drag_us(ui, max_us, "to ");
        }
        ServiceTime::Exponential { mean_us } => drag_us(ui, mean_us, "mean "),
    }
    let mut failure = service.failure_rate * 100.0;
    if ui
        .add(
            egui::Slider::new(&mut failure, 0.0..=100.0)
                .text("crash rate")
                .suffix(" %"),
        )
        .on_hover_text("Probability that an attempt crashes after its effect and before its commit")
        .changed()
    {
        service.failure_rate = failure / 100.0;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Guarantee");
        for guarantee in Guarantee::ALL {
            ui.selectable_value(&mut service.guarantee, guarantee, guarantee.label());
        }
    });
    ui.add(
        DragValue::new(&mut service.retry.max_attempts)
            .range(1..=100)
            .prefix("at most ")
            .suffix(" attempts"),
    );
    ui.horizontal_wrapped(|ui| {
        ui.label("Backoff");
        let exponential = matches!(service.retry.backoff, Backoff::Exponential { .. });
        if ui.selectable_label(!exponential, "fixed").clicked() && exponential {
            service.retry.backoff = Backoff::Fixed { delay_us: 100_000 };
        }
        if ui.selectable_label(exponential, "exponential").clicked() && !exponential {
            service.retry.backoff = Backoff::Exponential {
                initial_us: 100_000,
                max_us: 5_000_000,
            };
        }
    });
    match &mut service.retry.backoff {
        Backoff::Fixed { delay_us } => drag_us(ui, delay_us, "wait "),
        Backoff::Exponential { initial_us, max_us } => {
            drag_us(ui, initial_us, "first wait ");
            drag_us(ui, max_us, "longest wait ");
        }
    }
    ui.horizontal_wrapped(|ui| {
        let current = match &service.on_exhausted {
            OnExhausted::Drop => "drop it",
            OnExhausted::DeadLetter(_) => "dead-letter it",
            OnExhausted::StopPartition => "stop the partition",
        };
        egui::ComboBox::new("inspector-exhausted", "when retries run out")
            .selected_text(current)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(matches!(service.on_exhausted, OnExhausted::Drop), "drop it")
                    .clicked()
                {
                    service.on_exhausted = OnExhausted::Drop;
                }
                for topic in topic_ids(model) {
                    let selected = service.on_exhausted == OnExhausted::DeadLetter(topic.clone());
                    if ui
                        .selectable_label(selected, format!("dead-letter it to {topic}"))
                        .clicked()
                    {
                        service.on_exhausted = OnExhausted::DeadLetter(topic.clone());
                    }
                }
                if ui
                    .selectable_label(
                        matches!(service.on_exhausted, OnExhausted::StopPartition),
                        "stop the partition",
                    )
                    .clicked()
                {
                    service.on_exhausted = OnExhausted::StopPartition;
                }
            });
    });
    if let OnExhausted::DeadLetter(target) = &service.on_exhausted
        && model
            .element(target)
            .is_none_or(|e| e.kind != ElementKind::Topic)
    {
        ui.colored_label(theme::ERROR, format!("`{target}` is not a topic: pick one"));
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Consumer group");
        let mut group = service.group.clone().unwrap_or_default();
        if ui
            .add(
                egui::TextEdit::singleline(&mut group)
                    .desired_width(140.0)
                    .hint_text(edited.id.as_str()),
            )
            .changed()
        {
            service.group = (!group.trim().is_empty()).then(|| group.trim().to_string());
        }
    });
    drag_us(ui, &mut service.call_timeout_us, "calls time out after ");
    if service != before {
        edited.service = Some(Service { ..service });
        changes.field = Some("service");
    }
}

/// A duration field shown in milliseconds (with microsecond precision).
fn drag_us(ui: &mut Ui, us: &mut u64, prefix: &str) {
    let mut ms = *us as f64 / 1_000.0;
    if ui
        .add(
            DragValue::new(&mut ms)
                .range(0.0..=604_800_000.0)
                .speed(1.0)
                .max_decimals(3)
                .prefix(prefix)
                .suffix(" ms"),
        )
        .changed()
    {
        *us = (ms * 1_000.0).round() as u64;
    }
}

fn shared_ui(ui: &mut Ui, model: &Model, many: &[&Element], commands: &mut Vec<Command>) {
    ui.heading(format!("{} elements", many.len()));
    // By kind, however many: "12 domain events, 3 policies".
    let mut kinds: std::collections::BTreeMap<ElementKind, usize> = Default::default();
    for element in many {
        *kinds.entry(element.kind).or_default() += 1;
    }
    let summary: Vec<String> = kinds
        .iter()
        .map(|(kind, n)| stormflow_core::text::plural(*n, kind.label()))
        .collect();
    ui.label(summary.join(", "));
    if many.len() <= 12 {
        let ids: Vec<&str> = many.iter().map(|e| e.id.as_str()).collect();
        ui.label(RichText::new(ids.join(", ")).small().weak());
    }
    let mut edited: Vec<Element> = many.iter().map(|e| (*e).clone()).collect();
    let mut field: Option<&'static str> = None;
    let shared_kind = many
        .iter()
        .all(|e| e.kind == many[0].kind)
        .then_some(many[0].kind);
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::new("inspector-shared-kind", "kind")
            .selected_text(shared_kind.map_or("(mixed)", |k| k.label()))
            .show_ui(ui, |ui| {
                for kind in ElementKind::ALL {
                    if ui
                        .selectable_label(shared_kind == Some(kind), kind.label())
                        .clicked()
                    {
                        edited.iter_mut().for_each(|e| e.kind = kind);
                        field = Some("kind");
                    }
                }
            });
    });
    ui.horizontal_wrapped(|ui| {
        let mut rgb = many[0].rgb();
        if ui
            .color_edit_button_srgb(&mut rgb)
            .on_hover_text("Colour of all selected")
            .changed()
        {
            let hex = format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
            edited.iter_mut().for_each(|e| e.color = Some(hex.clone()));
            field = Some("color");
        }
        ui.label(if many.iter().all(|e| e.color == many[0].color) {
            "colour"
        } else {
            "colour (mixed)"
        });
    });
    if many.iter().all(|e| e.kind.is_service()) {
        ui.separator();
        ui.strong("Processing (all selected)");
        let services: Vec<Service> = many.iter().map(|e| e.service_or_default()).collect();
        let mut instances = services[0].instances;
        let mixed = if services.iter().all(|s| s.instances == instances) {
            ""
        } else {
            " (mixed)"
        };
        if ui
            .add(
                DragValue::new(&mut instances)
                    .range(1..=1024)
                    .suffix(format!(" instances{mixed}")),
            )
            .changed()
        {
            for e in &mut edited {
                let mut s = e.service_or_default();
                s.instances = instances;
                e.service = Some(s);
            }
            field = Some("instances");
        }
        let shared_guarantee = services
            .iter()
            .all(|s| s.guarantee == services[0].guarantee)
            .then_some(services[0].guarantee);
        ui.horizontal_wrapped(|ui| {
            ui.label("Guarantee");
            for guarantee in Guarantee::ALL {
                if ui
                    .selectable_label(shared_guarantee == Some(guarantee), guarantee.label())
                    .clicked()
                {
                    for e in &mut edited {
                        let mut s = e.service_or_default();
                        s.guarantee = guarantee;
                        e.service = Some(s);
                    }
                    field = Some("guarantee");
                }
            }
        });
        let mut failure = services[0].failure_rate * 100.0;
        if ui
            .add(
                egui::Slider::new(&mut failure, 0.0..=100.0)
                    .text("crash rate")
                    .suffix(" %"),
            )
            .changed()
        {
            for e in &mut edited {
                let mut s = e.service_or_default();
                s.failure_rate = failure / 100.0;
                e.service = Some(s);
            }
            field = Some("failure");
        }
    }
    if many.iter().all(|e| e.kind == ElementKind::Topic) {
        let mut partitions = many[0].topic_or_default().partitions;
        if ui
            .add(
                DragValue::new(&mut partitions)
                    .range(1..=1024)
                    .suffix(" partitions"),
            )
            .changed()
        {
            for e in &mut edited {
                let mut t = e.topic_or_default();
                t.partitions = partitions;
                e.topic = Some(t);
            }
            field = Some("partitions");
        }
    }
    ui.separator();
    ui.label(
        RichText::new(
            "Align, distribute and group from the Arrange menu or the command palette (Ctrl+K).",
        )
        .small()
        .weak(),
    );
    if let Some(field) = field {
        let ids: Vec<&str> = many.iter().map(|e| e.id.as_str()).collect();
        commands.push(Command::UpdateElements {
            elements: edited,
            gesture: Some(format!("inspector:{}:{field}", ids.join(","))),
        });
    }
    let _ = model;
}

fn flow_ui(ui: &mut Ui, model: &Model, key: &FlowKey, flow: &Flow, commands: &mut Vec<Command>) {
    ui.heading("Flow");
    let name = |id: &ElementId| {
        model.element(id).map_or_else(
            || id.to_string(),
            |e| format!("{} ({})", e.name, e.kind.label()),
        )
    };
    ui.label(format!("from {}", name(&flow.from)));
    ui.label(format!("to {}", name(&flow.to)));
    let Some((from_kind, to_kind)) = model.flow_kinds(flow) else {
        return;
    };
    let allowed = allowed_flows(from_kind, to_kind);
    let mut edited = flow.clone();
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::new("inspector-flow-kind", "flow kind")
            .selected_text(edited.kind.label())
            .show_ui(ui, |ui| {
                for kind in &allowed {
                    ui.selectable_value(&mut edited.kind, *kind, kind.label());
                }
            });
    });
    if !allowed.contains(&flow.kind) {
        ui.colored_label(
            theme::ERROR,
            stormflow_core::model::refusal_reason(from_kind, to_kind),
        );
    }
    if matches!(
        flow.kind,
        stormflow_core::FlowKind::Emits
            | stormflow_core::FlowKind::Triggers
            | stormflow_core::FlowKind::Call
    ) {
        let inputs: Vec<ElementId> = model
            .incoming(&flow.from)
            .iter()
            .filter(|f| {
                matches!(
                    f.kind,
                    stormflow_core::FlowKind::HandledBy
                        | stormflow_core::FlowKind::ConsumedBy
                        | stormflow_core::FlowKind::Webhook
                        | stormflow_core::FlowKind::Call
                )
            })
            .map(|f| f.from.clone())
            .collect();
        if !inputs.is_empty() {
            ui.label("Only when handling (none ticked: every input)");
            for input in inputs {
                let mut on = edited.on.contains(&input);
                if ui.checkbox(&mut on, name(&input)).changed() {
                    if on {
                        edited.on.push(input.clone());
                        edited.on.sort();
                    } else {
                        edited.on.retain(|i| i != &input);
                    }
                }
            }
        }
    }
    if edited != *flow {
        commands.push(Command::UpdateFlow {
            key: key.clone(),
            flow: edited,
        });
    }
}

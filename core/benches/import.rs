//! How long importing a large AsyncAPI document takes: 1,000 channels, each
//! with its message and an operation, half sent and half received, with
//! `$ref`s from operations to channels and from channels to components.

use std::fmt::Write;

use criterion::{Criterion, criterion_group, criterion_main};
use stormflow_core::import::{ImportFormat, import_text};

/// An AsyncAPI 3.0 document with `channels` channels.
fn document(channels: usize) -> String {
    let mut text =
        String::from("asyncapi: 3.0.0\ninfo:\n  title: Big Service\n  version: 1.0.0\nchannels:\n");
    for i in 0..channels {
        let _ = write!(
            text,
            "  channel{i}:\n    address: 'domain/{i}/{{entityId}}/changed'\n    \
             parameters:\n      entityId:\n        description: The entity.\n    \
             bindings:\n      kafka:\n        partitions: {}\n    messages:\n      \
             Changed{i}:\n        $ref: '#/components/messages/Changed{i}'\n",
            1 + i % 8
        );
    }
    text.push_str("operations:\n");
    for i in 0..channels {
        let action = if i % 2 == 0 { "send" } else { "receive" };
        let _ = write!(
            text,
            "  op{i}:\n    action: {action}\n    channel:\n      $ref: '#/channels/channel{i}'\n    \
             messages:\n      - $ref: '#/channels/channel{i}/messages/Changed{i}'\n"
        );
    }
    text.push_str("components:\n  messages:\n");
    for i in 0..channels {
        let _ = write!(
            text,
            "    Changed{i}:\n      name: Changed{i}\n      title: Entity {i} Changed\n      \
             correlationId:\n        location: $message.header#/id\n      payload:\n        \
             type: object\n        properties:\n          id:\n            type: string\n"
        );
    }
    text
}

fn import(c: &mut Criterion) {
    let text = document(1_000);
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.bench_function("asyncapi_1000_channels", |b| {
        b.iter(|| {
            let imported = import_text(std::hint::black_box(&text), "big.yaml", ImportFormat::Auto)
                .expect("imports");
            assert!(imported.model.element_count() > 2_000);
            imported
        });
    });
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);

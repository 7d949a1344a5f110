//! The sample models, built into the binary so the app always has a board to
//! open, whatever the working directory.

/// A sample model: its file name and its text.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// File name under `samples/`.
    pub file: &'static str,
    /// Menu title.
    pub title: &'static str,
    /// The `.ron` text.
    pub text: &'static str,
}

/// Every sample, the default first.
pub const SAMPLES: &[Sample] = &[
    Sample {
        file: "online-shop.ron",
        title: "Online shop (Design level)",
        text: include_str!("../../samples/online-shop.ron"),
    },
    Sample {
        file: "big-picture.ron",
        title: "Big Picture workshop",
        text: include_str!("../../samples/big-picture.ron"),
    },
    Sample {
        file: "purchase-event-command.ron",
        title: "Purchase: event-command (REST)",
        text: include_str!("../../samples/purchase-event-command.ron"),
    },
    Sample {
        file: "purchase-event-first.ron",
        title: "Purchase: event-first",
        text: include_str!("../../samples/purchase-event-first.ron"),
    },
    Sample {
        file: "shopping-cart.ron",
        title: "Shopping cart stream",
        text: include_str!("../../samples/shopping-cart.ron"),
    },
    Sample {
        file: "customer-cqrs.ron",
        title: "Customer CQRS",
        text: include_str!("../../samples/customer-cqrs.ron"),
    },
    Sample {
        file: "notification-vs-carried-state.ron",
        title: "Event Notification vs Event-Carried State",
        text: include_str!("../../samples/notification-vs-carried-state.ron"),
    },
    Sample {
        file: "event-sourced-ledger.ron",
        title: "Event-sourced ledger",
        text: include_str!("../../samples/event-sourced-ledger.ron"),
    },
    Sample {
        file: "iot-temperature.ron",
        title: "IoT temperature (windows, dead letters)",
        text: include_str!("../../samples/iot-temperature.ron"),
    },
    Sample {
        file: "webhooks-and-pubsub.ron",
        title: "Webhooks and pub-sub",
        text: include_str!("../../samples/webhooks-and-pubsub.ron"),
    },
];

/// The pair a teacher compares side by side.
pub const PURCHASE_PAIR: (&str, &str) = ("purchase-event-command.ron", "purchase-event-first.ron");

/// A sample by file name.
pub fn sample(file: &str) -> Option<&'static Sample> {
    SAMPLES.iter().find(|s| s.file == file)
}

/// The sample the app opens when started without a file.
pub fn default_sample() -> &'static Sample {
    &SAMPLES[0]
}

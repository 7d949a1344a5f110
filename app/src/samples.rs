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
];

/// The sample the app opens when started without a file.
pub fn default_sample() -> &'static Sample {
    &SAMPLES[0]
}

//! Key spaces: keys are named `{prefix}-{n}`; sources that share a prefix
//! share a space, so "user-3" is one key wherever it comes from. Keys are
//! numbered densely across spaces in prefix order.

use std::collections::BTreeMap;

use crate::model::Model;

/// The key spaces of a model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySpaces {
    /// (first key index, size, prefix), in prefix order.
    ranges: Vec<(u32, u32, String)>,
}

impl KeySpaces {
    /// The spaces of every workload in `model`.
    pub fn of(model: &Model) -> Self {
        let mut sizes: BTreeMap<String, u32> = BTreeMap::new();
        for element in model.elements() {
            if let Some(workload) = &element.workload {
                let prefix = workload
                    .key_prefix
                    .clone()
                    .unwrap_or_else(|| element.id.to_string());
                let size = sizes.entry(prefix).or_default();
                *size = (*size).max(workload.keys.max(1));
            }
        }
        let mut base = 0u32;
        let ranges = sizes
            .into_iter()
            .map(|(prefix, size)| {
                let range = (base, size, prefix);
                base = base.saturating_add(size);
                range
            })
            .collect();
        Self { ranges }
    }

    /// The first key index of a prefix's space.
    pub fn base(&self, prefix: &str) -> Option<u32> {
        self.ranges
            .iter()
            .find(|(_, _, p)| p == prefix)
            .map(|(base, _, _)| *base)
    }

    /// Keys in all spaces.
    pub fn total(&self) -> u32 {
        self.ranges
            .last()
            .map_or(0, |(base, size, _)| base.saturating_add(*size))
    }

    /// The readable name of key index `key` (`customer-17`).
    pub fn name(&self, key: u32) -> String {
        let i = self.ranges.partition_point(|(base, _, _)| *base <= key);
        match i.checked_sub(1).and_then(|i| self.ranges.get(i)) {
            Some((base, size, prefix)) if key - base < *size => format!("{prefix}-{}", key - base),
            _ => format!("key-{key}"),
        }
    }
}

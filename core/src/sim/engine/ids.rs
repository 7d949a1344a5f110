//! Typed indices into the engine's tables, so a topic index cannot be used
//! where a node index is meant. Each is a `u32` with the same layout as the
//! raw index it replaces; `NONE` (`u32::MAX`) marks "no such thing".

use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub(crate) struct $name(pub(crate) u32);

        // Not every index kind has a "none" in use; the macro gives all one.
        #[allow(dead_code)]
        impl $name {
            /// No such thing.
            pub(crate) const NONE: Self = Self(u32::MAX);

            /// Whether this is [`Self::NONE`].
            #[inline]
            pub(crate) fn is_none(self) -> bool {
                self.0 == u32::MAX
            }
        }

        impl From<usize> for $name {
            #[inline]
            fn from(i: usize) -> Self {
                Self(i as u32)
            }
        }

        impl From<$name> for usize {
            #[inline]
            fn from(ix: $name) -> usize {
                ix.0 as usize
            }
        }
    };
}

index_type!(
    /// An element at run time (its position in id order; the public API's
    /// element index).
    NodeIx
);
index_type!(
    /// A topic's runtime log.
    TopicIx
);
index_type!(
    /// A subscription: one consumer group of one consumer on one topic.
    SubIx
);
index_type!(
    /// An attempt in progress.
    SlotIx
);
index_type!(
    /// A workload source.
    SourceIx
);
index_type!(
    /// A delivery parked for a retry.
    ParkIx
);

/// A vector indexed by one kind of typed index.
#[derive(Clone, Debug)]
pub(crate) struct Table<I, T> {
    items: Vec<T>,
    index: PhantomData<fn(I) -> I>,
}

impl<I, T> Default for Table<I, T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            index: PhantomData,
        }
    }
}

impl<I: From<usize> + Into<usize> + Copy, T> Table<I, T> {
    /// A table of these items, indexed from 0.
    pub(crate) fn from_vec(items: Vec<T>) -> Self {
        Self {
            items,
            index: PhantomData,
        }
    }

    /// Items in the table.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Adds an item; returns its index.
    pub(crate) fn push(&mut self, item: T) -> I {
        self.items.push(item);
        I::from(self.items.len() - 1)
    }

    /// The item at `ix`, if any.
    #[inline]
    pub(crate) fn get(&self, ix: I) -> Option<&T> {
        self.items.get(ix.into())
    }

    /// The item at `ix`, to change, if any.
    #[inline]
    pub(crate) fn get_mut(&mut self, ix: I) -> Option<&mut T> {
        self.items.get_mut(ix.into())
    }

    /// Items in index order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// Items in index order, to change.
    pub(crate) fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }

    /// (index, item) pairs in index order.
    pub(crate) fn enumerate(&self) -> impl Iterator<Item = (I, &T)> + '_ {
        self.items.iter().enumerate().map(|(i, t)| (I::from(i), t))
    }

    /// Every index, in order.
    pub(crate) fn indices(&self) -> impl Iterator<Item = I> + use<I, T> {
        (0..self.items.len()).map(I::from)
    }
}

impl<I: Into<usize>, T> Index<I> for Table<I, T> {
    type Output = T;
    #[inline]
    fn index(&self, ix: I) -> &T {
        &self.items[ix.into()]
    }
}

impl<I: Into<usize>, T> IndexMut<I> for Table<I, T> {
    #[inline]
    fn index_mut(&mut self, ix: I) -> &mut T {
        &mut self.items[ix.into()]
    }
}

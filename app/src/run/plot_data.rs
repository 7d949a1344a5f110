//! What the plots draw, worked out from the sampled series: the points in
//! the window of time shown, the few series worth a line (the rest summed
//! or maxed into one "others" line), names in natural order, and no more
//! points than the plot has pixels for.

use std::cmp::Ordering;
use std::ops::Range;

/// Compares names as people read them: digits as numbers, so `step-2`
/// comes before `step-10`; letters ignoring case, and case only between
/// names otherwise equal.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    natural_walk(a, b, true).then_with(|| natural_walk(a, b, false))
}

/// [`natural_cmp`] in one pass, letters folded to lower case or not.
fn natural_walk(a: &str, b: &str, fold_case: bool) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let digits_a = a.len() - a.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let digits_b = b.len() - b.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let order = if digits_a > 0 && digits_b > 0 {
            let (na, nb) = (&a[..digits_a], &b[..digits_b]);
            let (ta, tb) = (na.trim_start_matches('0'), nb.trim_start_matches('0'));
            let order = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb));
            // Equal numbers: fewer leading zeros first, so the order is total.
            let order = order.then_with(|| na.len().cmp(&nb.len()));
            a = &a[digits_a..];
            b = &b[digits_b..];
            order
        } else {
            let (Some(ca), Some(cb)) = (a.chars().next(), b.chars().next()) else {
                return Ordering::Equal;
            };
            a = &a[ca.len_utf8()..];
            b = &b[cb.len_utf8()..];
            if fold_case {
                ca.to_lowercase().cmp(cb.to_lowercase())
            } else {
                ca.cmp(&cb)
            }
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

/// How an "others" line combines the series it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Others {
    /// Their sum (counts: queued, lag).
    Sum,
    /// Their largest (times: a p99 summed means nothing).
    Max,
}

/// The series a plot draws: the `keep` with the highest peak inside
/// `window` (ties by name), listed in natural name order, and the rest.
/// Series whose peak is `0` only make the plot when `keep_zeros`.
pub struct Picked {
    /// Indices of the series drawn, in natural order of their names.
    pub shown: Vec<usize>,
    /// Indices of the series folded into the "others" line.
    pub others: Vec<usize>,
}

/// Picks the series worth a line of their own; see [`Picked`].
pub fn pick_series(
    names: &[String],
    columns: &[&[u32]],
    window: Range<usize>,
    keep: usize,
    keep_zeros: bool,
) -> Picked {
    let peak = |i: usize| -> u32 {
        columns
            .get(i)
            .and_then(|c| c.get(window.start.min(c.len())..window.end.min(c.len())))
            .and_then(|values| values.iter().copied().max())
            .unwrap_or(0)
    };
    let name = |i: usize| names.get(i).map_or("", String::as_str);
    let mut ranked: Vec<(u32, usize)> = (0..columns.len())
        .map(|i| (peak(i), i))
        .filter(|(peak, _)| keep_zeros || *peak > 0)
        .collect();
    ranked.sort_by(|(pa, a), (pb, b)| pb.cmp(pa).then_with(|| natural_cmp(name(*a), name(*b))));
    let mut shown: Vec<usize> = ranked.iter().take(keep).map(|(_, i)| *i).collect();
    let mut others: Vec<usize> = ranked.iter().skip(keep).map(|(_, i)| *i).collect();
    shown.sort_by(|a, b| natural_cmp(name(*a), name(*b)));
    others.sort_unstable();
    Picked { shown, others }
}

/// One value per sample point of `window`, combining the `others` columns.
pub fn combine(
    columns: &[&[u32]],
    others: &[usize],
    window: Range<usize>,
    how: Others,
) -> Vec<u32> {
    window
        .map(|k| {
            let values = others
                .iter()
                .filter_map(|i| columns.get(*i).and_then(|c| c.get(k)).copied());
            match how {
                Others::Sum => values.fold(0u32, u32::saturating_add),
                Others::Max => values.max().unwrap_or(0),
            }
        })
        .collect()
}

/// At most about `max_points` points, keeping each stretch's highest value
/// (so a short spike, the thing to see, survives the thinning). A value of
/// NaN means "no data at that sample"; a stretch with no data stays NaN.
pub fn thin(points: Vec<[f64; 2]>, max_points: usize) -> Vec<[f64; 2]> {
    let max_points = max_points.max(2);
    if points.len() <= max_points {
        return points;
    }
    let stride = points.len().div_ceil(max_points);
    points
        .chunks(stride)
        .filter_map(|chunk| {
            let first = chunk.first()?;
            // `f64::max` passes over NaN, so a stretch keeps its highest value.
            let peak = chunk.iter().map(|p| p[1]).fold(f64::NAN, f64::max);
            Some([first[0], peak])
        })
        .collect()
}

/// The runs of points that have a value, split where a sample has none
/// (NaN): a line is drawn through each run and not across the gaps.
pub fn segments(points: &[[f64; 2]]) -> Vec<&[[f64; 2]]> {
    points
        .split(|p| !p[1].is_finite())
        .filter(|run| !run.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_naturally() {
        let mut names = vec!["step-10", "step-100", "Step-2", "step-0", "step-1", "alpha"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["alpha", "step-0", "step-1", "Step-2", "step-10", "step-100"]
        );
        assert_eq!(natural_cmp("a01", "a1"), Ordering::Greater);
        assert_eq!(natural_cmp("a1", "a1"), Ordering::Equal);
        assert_eq!(natural_cmp("", "a"), Ordering::Less);
        assert_eq!(natural_cmp("é2", "é10"), Ordering::Less);
    }

    #[test]
    fn the_highest_series_get_lines_in_name_order_and_the_rest_are_others() {
        let names: Vec<String> = (0..12).map(|i| format!("step-{i}")).collect();
        let data: Vec<Vec<u32>> = (0..12u32).map(|i| vec![0, i % 5, 0]).collect();
        let columns: Vec<&[u32]> = data.iter().map(Vec::as_slice).collect();
        let picked = pick_series(&names, &columns, 0..3, 3, true);
        // Peaks of 4 at steps 4 and 9, then 3 at steps 3 and 8: step-3 by name.
        assert_eq!(picked.shown, [3, 4, 9]);
        assert_eq!(picked.others.len(), 9);
        let sum = combine(&columns, &picked.others, 0..3, Others::Sum);
        // The others at t = 1: steps 1, 2, 6, 7, 8, 11 (1 + 2 + 1 + 2 + 3 + 1).
        assert_eq!(sum, [0, 10, 0]);
        let max = combine(&columns, &picked.others, 0..3, Others::Max);
        assert_eq!(max, [0, 3, 0]);
    }

    #[test]
    fn only_the_window_counts_and_zeros_can_be_left_out() {
        let names: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let data = [vec![9, 0, 0], vec![0, 1, 0]];
        let columns: Vec<&[u32]> = data.iter().map(Vec::as_slice).collect();
        let picked = pick_series(&names, &columns, 1..3, 1, false);
        assert_eq!(picked.shown, [1], "a's peak is before the window");
        assert!(picked.others.is_empty(), "a is all zeros in the window");
        let picked = pick_series(&names, &columns, 1..10, 5, true);
        assert_eq!(
            picked.shown,
            [0, 1],
            "a window past the end is cut, not a panic"
        );
    }

    #[test]
    fn thinning_keeps_the_spike() {
        let mut points: Vec<[f64; 2]> = (0..10_000).map(|i| [f64::from(i), 1.0]).collect();
        points[5_003][1] = 50.0;
        let thinned = thin(points, 500);
        assert!(thinned.len() <= 500);
        assert!(thinned.iter().any(|p| p[1] == 50.0));
        assert_eq!(thin(vec![[0.0, 1.0]], 500).len(), 1);
    }

    #[test]
    fn samples_without_data_are_gaps_that_thinning_keeps() {
        // A p99 of 3 ms, no request finished at samples 4 and 5, then 5 ms.
        let value = |k: usize| match k {
            0..4 => 3.0,
            4 | 5 => f64::NAN,
            _ => 5.0,
        };
        let points: Vec<[f64; 2]> = (0..8).map(|k| [k as f64, value(k)]).collect();
        let runs = segments(&points);
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!(runs[0].len(), 4);
        assert_eq!(runs[1], &[[6.0, 5.0], [7.0, 5.0]]);
        // Two samples to a point: (4, 5) has no data and stays a gap; no
        // sample without data becomes a zero.
        let thinned = thin(points, 4);
        assert_eq!(thinned[..2], [[0.0, 3.0], [2.0, 3.0]]);
        assert!(thinned[2][1].is_nan(), "{thinned:?}");
        assert_eq!(thinned[3], [6.0, 5.0]);
        assert_eq!(segments(&thinned).len(), 2);
        // A stretch with some data keeps its value.
        let mut one_missing = vec![[0.0, f64::NAN], [1.0, 2.0], [2.0, 1.0], [3.0, 1.0]];
        one_missing = thin(one_missing, 2);
        assert_eq!(one_missing, [[0.0, 2.0], [2.0, 1.0]]);
    }
}

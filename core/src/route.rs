//! Where an arrow runs: straight from border to border when nothing is in
//! the way, else an orthogonal detour around the stickies in between. Plain
//! geometry in board units, for the board and the SVG export alike.
//!
//! [`Obstacles`] indexes the stickies on a coarse grid, so a route (and a
//! badge or a title looking for a free spot, see [`crate::placement`]) only
//! looks at its neighbourhood: routing every arrow of a board of thousands
//! of stickies stays quick.

use std::collections::BTreeMap;

use crate::style::{BoardRect, Point, flow_ends};

/// How far a detour keeps from the stickies it goes around, in board units.
pub const CLEARANCE: f32 = 18.0;

/// What a bend costs, in board units of length: of two clear routes, one
/// with fewer bends wins unless it is much longer.
const BEND_COST: f32 = 60.0;

/// Side of a grid cell of the index, in board units.
const CELL: f32 = 400.0;

/// A rectangle spanning more cells than this is kept in a list checked
/// every time, not in the cells.
const MAX_CELLS_PER_RECT: i64 = 64;

/// Detours are worked out around at most this many stickies: past it an
/// arrow stays straight rather than keep the board waiting.
const MAX_AROUND: usize = 400;

/// Stickies that arrows go around and labels keep clear of, indexed by a
/// coarse grid.
#[derive(Clone, Debug, Default)]
pub struct Obstacles {
    rects: Vec<BoardRect>,
    cells: BTreeMap<(i64, i64), Vec<u32>>,
    /// Rectangles too big for the cells.
    large: Vec<u32>,
}

fn cell_of(v: f32) -> i64 {
    // Coordinates are bounded by the format's limits; `as` saturates anyway.
    (v / CELL).floor() as i64
}

impl Obstacles {
    /// Indexes `rects` (non-finite or empty ones are left out).
    pub fn new(rects: Vec<BoardRect>) -> Self {
        let mut cells: BTreeMap<(i64, i64), Vec<u32>> = BTreeMap::new();
        let mut large = Vec::new();
        for (i, r) in rects.iter().enumerate() {
            let finite = [r.min.x, r.min.y, r.max.x, r.max.y]
                .iter()
                .all(|v| v.is_finite());
            if !finite || r.width() < 0.0 || r.height() < 0.0 {
                continue;
            }
            let (x0, x1) = (cell_of(r.min.x), cell_of(r.max.x));
            let (y0, y1) = (cell_of(r.min.y), cell_of(r.max.y));
            let span = (x1 - x0 + 1).saturating_mul(y1 - y0 + 1);
            let Ok(i) = u32::try_from(i) else { break };
            if span > MAX_CELLS_PER_RECT {
                large.push(i);
                continue;
            }
            for x in x0..=x1 {
                for y in y0..=y1 {
                    cells.entry((x, y)).or_default().push(i);
                }
            }
        }
        Self {
            rects,
            cells,
            large,
        }
    }

    /// The indexed rectangles, in the order given.
    pub fn rects(&self) -> &[BoardRect] {
        &self.rects
    }

    /// Indices of the rectangles that may overlap `area`, each once, sorted.
    pub fn near(&self, area: &BoardRect) -> Vec<usize> {
        let mut found: Vec<usize> = self.large.iter().map(|&i| i as usize).collect();
        let (x0, x1) = (cell_of(area.min.x), cell_of(area.max.x));
        let (y0, y1) = (cell_of(area.min.y), cell_of(area.max.y));
        let span = (x1.saturating_sub(x0) + 1).saturating_mul(y1.saturating_sub(y0) + 1);
        if span > self.cells.len() as i64 {
            // A huge area: walking the cells that exist is cheaper.
            for ((x, y), list) in &self.cells {
                if (x0..=x1).contains(x) && (y0..=y1).contains(y) {
                    found.extend(list.iter().map(|&i| i as usize));
                }
            }
        } else {
            for x in x0..=x1 {
                for y in y0..=y1 {
                    if let Some(list) = self.cells.get(&(x, y)) {
                        found.extend(list.iter().map(|&i| i as usize));
                    }
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found.retain(|&i| self.rects[i].intersects(area));
        found
    }

    /// Whether any rectangle, other than those `skip` accepts, overlaps the
    /// inside of `area` (touching edges do not count).
    pub fn overlaps(&self, area: &BoardRect, skip: &dyn Fn(&BoardRect) -> bool) -> bool {
        self.near(area).into_iter().any(|i| {
            let r = &self.rects[i];
            !skip(r) && overlap_inside(r, area)
        })
    }

    /// Whether the path runs through a rectangle other than those `skip`
    /// accepts, each grown by `margin` first.
    fn blocked(&self, path: &[Point], margin: f32, skip: &dyn Fn(&BoardRect) -> bool) -> bool {
        path.windows(2).any(|pair| {
            let (a, b) = (pair[0], pair[1]);
            let bbox = BoardRect {
                min: Point::new(a.x.min(b.x), a.y.min(b.y)),
                max: Point::new(a.x.max(b.x), a.y.max(b.y)),
            }
            .expand(margin);
            self.near(&bbox).into_iter().any(|i| {
                let r = &self.rects[i];
                !skip(r) && segment_crosses(a, b, &r.expand(margin))
            })
        })
    }

    /// The path of an arrow from the sticky at `from` to the sticky at
    /// `to`: at least two points, the first on `from`'s border and the last
    /// on `to`'s. Straight when it crosses no other sticky; else the
    /// shortest orthogonal detour (fewest bends breaking ties) that crosses
    /// none; else, when every detour is blocked, straight. Stickies that
    /// overlap either end are not in the way.
    pub fn route(&self, from: &BoardRect, to: &BoardRect) -> Vec<Point> {
        let (start, end) = flow_ends(from, to);
        let straight = vec![start, end];
        let skip = |r: &BoardRect| r.intersects(from) || r.intersects(to);
        // A straight arrow may pass close by; a detour keeps its distance.
        if from.intersects(to) || !self.blocked(&straight, 0.0, &skip) {
            return straight;
        }
        let mut corridor = from
            .union(to)
            .expand(from.width().max(to.width()) + CLEARANCE);
        for _ in 0..3 {
            let near = self.near(&corridor);
            if near.len() > MAX_AROUND {
                break;
            }
            let mut candidates: Vec<(f32, Vec<Point>)> = detours(from, to, &near, self.rects())
                .into_iter()
                .map(|path| (cost(&path), path))
                .collect();
            // Stable: of equal costs, the first made wins, every time.
            candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((_, path)) = candidates
                .into_iter()
                .find(|(_, path)| !self.blocked(path, CLEARANCE / 2.0, &skip))
            {
                return path;
            }
            corridor = corridor.expand(corridor.width().max(corridor.height()));
        }
        straight
    }
}

/// Whether two rectangles share some area (not just an edge).
fn overlap_inside(a: &BoardRect, b: &BoardRect) -> bool {
    a.min.x < b.max.x && b.min.x < a.max.x && a.min.y < b.max.y && b.min.y < a.max.y
}

/// Whether the segment from `a` to `b` runs through the inside of `r`
/// (touching an edge or a corner does not count).
pub fn segment_crosses(a: Point, b: Point, r: &BoardRect) -> bool {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (mut t0, mut t1) = (0.0_f32, 1.0_f32);
    for (p, q) in [
        (-dx, a.x - r.min.x),
        (dx, r.max.x - a.x),
        (-dy, a.y - r.min.y),
        (dy, r.max.y - a.y),
    ] {
        if p == 0.0 {
            if q <= 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    t1 - t0 > 1e-4
}

/// A path's length plus what its bends cost.
fn cost(path: &[Point]) -> f32 {
    length(path) + BEND_COST * path.len().saturating_sub(2) as f32
}

/// Orthogonal detours from `from` to `to` around the obstacles `near`
/// (indices into `rects`): Z-shaped through a free column or row, and
/// U-shaped over or under whatever is in between.
fn detours(
    from: &BoardRect,
    to: &BoardRect,
    near: &[usize],
    rects: &[BoardRect],
) -> Vec<Vec<Point>> {
    let (fc, tc) = (from.center(), to.center());
    let mut paths = Vec::new();
    let others = near.iter().map(|&i| rects[i]);
    // Rows and columns just clear of everything around.
    let mut xs: Vec<f32> = vec![(fc.x + tc.x) / 2.0];
    let mut ys: Vec<f32> = vec![(fc.y + tc.y) / 2.0];
    for r in others.chain([*from, *to]) {
        xs.extend([r.min.x - CLEARANCE, r.max.x + CLEARANCE]);
        ys.extend([r.min.y - CLEARANCE, r.max.y + CLEARANCE]);
    }
    for v in [&mut xs, &mut ys] {
        v.sort_by(f32::total_cmp);
        v.dedup();
    }
    // Leaving sideways, entering sideways.
    let (exit_x, enter_x, dir_x) = if tc.x >= fc.x {
        (from.max.x, to.min.x, 1.0)
    } else {
        (from.min.x, to.max.x, -1.0)
    };
    let (sp, ep) = (Point::new(exit_x, fc.y), Point::new(enter_x, tc.y));
    if (enter_x - exit_x) * dir_x > 2.0 * CLEARANCE {
        for &x in &xs {
            if (x - exit_x) * dir_x >= CLEARANCE && (enter_x - x) * dir_x >= CLEARANCE {
                paths.push(vec![sp, Point::new(x, sp.y), Point::new(x, ep.y), ep]);
            }
        }
    }
    let (x1, x2) = (exit_x + dir_x * CLEARANCE, enter_x - dir_x * CLEARANCE);
    for &y in &ys {
        paths.push(vec![
            sp,
            Point::new(x1, sp.y),
            Point::new(x1, y),
            Point::new(x2, y),
            Point::new(x2, ep.y),
            ep,
        ]);
    }
    // Leaving up or down, entering from above or below.
    let (exit_y, enter_y, dir_y) = if tc.y >= fc.y {
        (from.max.y, to.min.y, 1.0)
    } else {
        (from.min.y, to.max.y, -1.0)
    };
    let (sp, ep) = (Point::new(fc.x, exit_y), Point::new(tc.x, enter_y));
    if (enter_y - exit_y) * dir_y > 2.0 * CLEARANCE {
        for &y in &ys {
            if (y - exit_y) * dir_y >= CLEARANCE && (enter_y - y) * dir_y >= CLEARANCE {
                paths.push(vec![sp, Point::new(sp.x, y), Point::new(ep.x, y), ep]);
            }
        }
    }
    let (y1, y2) = (exit_y + dir_y * CLEARANCE, enter_y - dir_y * CLEARANCE);
    for &x in &xs {
        paths.push(vec![
            sp,
            Point::new(sp.x, y1),
            Point::new(x, y1),
            Point::new(x, y2),
            Point::new(ep.x, y2),
            ep,
        ]);
    }
    // An L: sideways out, then down or up into the target (and the reverse).
    let side = Point::new(exit_x, fc.y);
    if (tc.x - exit_x) * dir_x >= CLEARANCE && (enter_y - fc.y) * dir_y >= CLEARANCE {
        paths.push(vec![
            side,
            Point::new(tc.x, fc.y),
            Point::new(tc.x, enter_y),
        ]);
    }
    if (tc.y - exit_y) * dir_y >= CLEARANCE && (enter_x - fc.x) * dir_x >= CLEARANCE {
        paths.push(vec![
            Point::new(fc.x, exit_y),
            Point::new(fc.x, tc.y),
            Point::new(enter_x, tc.y),
        ]);
    }
    paths
}

/// A path's length.
pub fn length(path: &[Point]) -> f32 {
    path.windows(2).map(|p| distance(p[0], p[1])).sum()
}

fn distance(a: Point, b: Point) -> f32 {
    ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt()
}

/// The point a fraction `t` (0..1) of the way along `path`.
pub fn point_along(path: &[Point], t: f32) -> Option<Point> {
    let first = *path.first()?;
    let total = length(path);
    if total.is_nan() || total <= 0.0 {
        return Some(first);
    }
    let mut left = total * t.clamp(0.0, 1.0);
    for pair in path.windows(2) {
        let d = distance(pair[0], pair[1]);
        if left <= d && d > 0.0 {
            let f = left / d;
            return Some(Point::new(
                pair[0].x + (pair[1].x - pair[0].x) * f,
                pair[0].y + (pair[1].y - pair[0].y) * f,
            ));
        }
        left -= d;
    }
    path.last().copied()
}

/// Where an arrow's label goes: the middle of the path's longest segment,
/// and that segment's length (the room the label has).
pub fn label_spot(path: &[Point]) -> Option<(Point, f32)> {
    path.windows(2)
        .map(|p| {
            let mid = Point::new((p[0].x + p[1].x) / 2.0, (p[0].y + p[1].y) / 2.0);
            (mid, distance(p[0], p[1]))
        })
        .fold(None, |best: Option<(Point, f32)>, (mid, d)| match best {
            Some((_, b)) if b >= d => best,
            _ => Some((mid, d)),
        })
}

/// The shortest distance from `p` to the path.
pub fn distance_to_path(p: Point, path: &[Point]) -> f32 {
    if let [only] = path {
        return distance(p, *only);
    }
    path.windows(2)
        .map(|pair| {
            let (a, b) = (pair[0], pair[1]);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len_sq = dx * dx + dy * dy;
            let t = if len_sq < 1e-6 {
                0.0
            } else {
                (((p.x - a.x) * dx + (p.y - a.y) * dy) / len_sq).clamp(0.0, 1.0)
            };
            distance(p, Point::new(a.x + dx * t, a.y + dy * t))
        })
        .fold(f32::INFINITY, f32::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: f32, y: f32, w: f32, h: f32) -> BoardRect {
        BoardRect::from_min_size(Point::new(x, y), w, h)
    }

    fn crosses_any(path: &[Point], rects: &[BoardRect]) -> bool {
        path.windows(2)
            .any(|p| rects.iter().any(|r| segment_crosses(p[0], p[1], r)))
    }

    #[test]
    fn an_arrow_with_nothing_in_the_way_runs_straight() {
        let (a, b) = (rect(0.0, 0.0, 160.0, 110.0), rect(400.0, 0.0, 160.0, 110.0));
        let obstacles = Obstacles::new(vec![a, b, rect(0.0, 400.0, 160.0, 110.0)]);
        assert_eq!(
            obstacles.route(&a, &b),
            vec![Point::new(160.0, 55.0), Point::new(400.0, 55.0)]
        );
    }

    #[test]
    fn an_arrow_goes_around_a_sticky_in_between() {
        let (a, middle, b) = (
            rect(0.0, 0.0, 160.0, 110.0),
            rect(300.0, 0.0, 160.0, 110.0),
            rect(600.0, 0.0, 160.0, 110.0),
        );
        let obstacles = Obstacles::new(vec![a, middle, b]);
        let path = obstacles.route(&a, &b);
        assert!(path.len() > 2, "a detour: {path:?}");
        assert!(!crosses_any(&path, &[middle]), "{path:?}");
        assert_eq!(path.first().map(|p| p.x), Some(160.0), "leaves a's border");
        assert_eq!(path.last().map(|p| p.x), Some(600.0), "enters b's border");
        // Every bend is square.
        for pair in path.windows(2) {
            assert!(pair[0].x == pair[1].x || pair[0].y == pair[1].y, "{path:?}");
        }
    }

    #[test]
    fn a_detour_clears_a_wall_of_stickies_and_the_one_behind_it() {
        let (a, b) = (
            rect(0.0, 0.0, 100.0, 100.0),
            rect(900.0, 300.0, 100.0, 100.0),
        );
        let mut rects = vec![a, b];
        for i in 0..5 {
            rects.push(rect(400.0, -200.0 + i as f32 * 130.0, 120.0, 110.0));
        }
        rects.push(rect(650.0, 250.0, 100.0, 200.0));
        let obstacles = Obstacles::new(rects.clone());
        let path = obstacles.route(&a, &b);
        assert!(!crosses_any(&path, &rects[2..]), "{path:?}");
    }

    #[test]
    fn stickies_overlapping_an_end_are_not_in_the_way() {
        let (a, b) = (rect(0.0, 0.0, 160.0, 110.0), rect(400.0, 0.0, 160.0, 110.0));
        let on_a = rect(100.0, 20.0, 100.0, 60.0);
        let obstacles = Obstacles::new(vec![a, b, on_a]);
        assert_eq!(obstacles.route(&a, &b).len(), 2);
    }

    #[test]
    fn routes_are_the_same_every_time() {
        let rects: Vec<BoardRect> = (0..60)
            .map(|i| {
                rect(
                    (i % 10) as f32 * 200.0,
                    (i / 10) as f32 * 180.0,
                    160.0,
                    110.0,
                )
            })
            .collect();
        let obstacles = Obstacles::new(rects.clone());
        let first = obstacles.route(&rects[0], &rects[59]);
        assert_eq!(
            first,
            Obstacles::new(rects.clone()).route(&rects[0], &rects[59])
        );
        assert!(!crosses_any(&first, &rects[1..59]), "{first:?}");
    }

    #[test]
    fn the_index_finds_neighbours_and_huge_rectangles() {
        let huge = rect(-1e6, -1e6, 2e6, 2e6);
        let obstacles = Obstacles::new(vec![
            rect(0.0, 0.0, 10.0, 10.0),
            rect(5000.0, 0.0, 10.0, 10.0),
            huge,
            rect(f32::NAN, 0.0, 1.0, 1.0),
        ]);
        assert_eq!(obstacles.near(&rect(-5.0, -5.0, 20.0, 20.0)), vec![0, 2]);
        assert_eq!(obstacles.near(&rect(-1e7, -1e7, 2e7, 2e7)), vec![0, 1, 2]);
    }

    #[test]
    fn points_along_a_path_and_its_label_spot() {
        let path = [
            Point::new(0.0, 0.0),
            Point::new(100.0, 0.0),
            Point::new(100.0, 300.0),
        ];
        assert_eq!(length(&path), 400.0);
        assert_eq!(point_along(&path, 0.5), Some(Point::new(100.0, 100.0)));
        assert_eq!(point_along(&path, 2.0), Some(Point::new(100.0, 300.0)));
        assert_eq!(label_spot(&path), Some((Point::new(100.0, 150.0), 300.0)));
        assert_eq!(distance_to_path(Point::new(50.0, 10.0), &path), 10.0);
        assert_eq!(point_along(&[], 0.5), None);
    }
}

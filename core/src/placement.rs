//! Where the small things on a board go so that they hide nothing and
//! cross no border: a sticky's run badges stay inside its frame or lane and
//! off its neighbours, and a frame's title sits where no sticky covers it.
//! Plain geometry, in any one unit (the board works in screen points, an
//! export in board units).

use crate::route::Obstacles;
use crate::style::{BoardRect, Point};

/// Whether `inner` lies within `outer` (edges may touch).
fn inside(inner: &BoardRect, outer: &BoardRect) -> bool {
    inner.min.x >= outer.min.x
        && inner.min.y >= outer.min.y
        && inner.max.x <= outer.max.x
        && inner.max.y <= outer.max.y
}

/// Whether two rectangles share some area (not just an edge).
fn overlap(a: &BoardRect, b: &BoardRect) -> bool {
    a.min.x < b.max.x && b.min.x < a.max.x && a.min.y < b.max.y && b.min.y < a.max.y
}

/// Where a box of `size` (width, height) of run badges goes next to the
/// sticky drawn at `sticky`, `gap` away from it. Tried in turn: below it,
/// below it aligned right, above it, right of it, left of it, then further
/// below and above in steps of its height. The first
/// that stays inside `frame` (the frame or lane the sticky is in, if any)
/// and covers neither another sticky nor a box in `taken` wins; when none
/// does, the first anywhere that covers no sticky and no box, then the
/// first inside the frame that covers no sticky, then the first anywhere
/// that covers no sticky, then the first inside the frame; else below.
pub fn badge_spot(
    sticky: &BoardRect,
    size: (f32, f32),
    gap: f32,
    frame: Option<&BoardRect>,
    stickies: &Obstacles,
    taken: &[BoardRect],
) -> BoardRect {
    let (w, h) = size;
    let at = |x: f32, y: f32| BoardRect::from_min_size(Point::new(x, y), w, h);
    let mut candidates = vec![
        at(sticky.min.x, sticky.max.y + gap),
        at(sticky.max.x - w, sticky.max.y + gap),
        at(sticky.min.x, sticky.min.y - gap - h),
        at(sticky.max.x - w, sticky.min.y - gap - h),
        at(sticky.max.x + gap, sticky.min.y),
        at(sticky.min.x - gap - w, sticky.min.y),
    ];
    // Beside the sticky, level with its bottom or its middle.
    let middle = (sticky.min.y + sticky.max.y - h) / 2.0;
    candidates.extend([
        at(sticky.max.x + gap, sticky.max.y - h),
        at(sticky.min.x - gap - w, sticky.max.y - h),
        at(sticky.max.x + gap, middle),
        at(sticky.min.x - gap - w, middle),
    ]);
    // A box wider than its sticky may reach under a neighbour: then it
    // goes further down, a step at a time, below the neighbour's edge.
    for step in 1..=4 {
        let down = sticky.max.y + gap + step as f32 * h;
        let up = sticky.min.y - gap - (step + 1) as f32 * h;
        candidates.extend([
            at(sticky.min.x, down),
            at(sticky.max.x - w, down),
            at(sticky.min.x, up),
            at(sticky.max.x - w, up),
        ]);
    }
    let in_frame = |r: &BoardRect| frame.is_none_or(|f| inside(r, f));
    // The sticky itself (as given, or as drawn before it grew) is no obstacle.
    let own = |r: &BoardRect| inside(r, sticky);
    let off_stickies = |r: &BoardRect| !stickies.overlaps(r, &own);
    // Boxes keep a gap between them too, so two never touch.
    let off_boxes = |r: &BoardRect| !taken.iter().any(|t| overlap(&t.expand(gap), r));
    candidates
        .iter()
        .find(|r| in_frame(r) && off_stickies(r) && off_boxes(r))
        // Covering a sticky's name, or running into another box (two boxes
        // that touch read as one), is worse than crossing a frame's border.
        .or_else(|| candidates.iter().find(|r| off_stickies(r) && off_boxes(r)))
        .or_else(|| candidates.iter().find(|r| in_frame(r) && off_stickies(r)))
        .or_else(|| candidates.iter().find(|r| off_stickies(r)))
        .or_else(|| candidates.iter().find(|r| in_frame(r)))
        .copied()
        .unwrap_or(candidates[0])
}

/// Where the title of the frame at `frame` goes: a box of `size` (width,
/// height), `inset` in from the frame's edges. Tried in turn: the top-left
/// corner (where workshops write it), along the top edge just right of
/// each sticky in the way, the top-right corner, the bottom corners. The
/// first that covers no sticky wins; when every one does, the top-left
/// corner (the board then draws the title over the stickies, on a
/// background of its own).
pub fn frame_title_spot(
    frame: &BoardRect,
    size: (f32, f32),
    inset: Point,
    stickies: &Obstacles,
) -> BoardRect {
    let (w, h) = size;
    let at = |x: f32, y: f32| BoardRect::from_min_size(Point::new(x, y), w, h);
    let top = frame.min.y + inset.y;
    let bottom = frame.max.y - inset.y - h;
    let first = at(frame.min.x + inset.x, top);
    let mut candidates = vec![first];
    let band = BoardRect {
        min: Point::new(frame.min.x, top),
        max: Point::new(frame.max.x, top + h),
    };
    let mut in_the_way: Vec<f32> = stickies
        .near(&band)
        .into_iter()
        .map(|i| stickies.rects()[i].max.x + inset.x)
        .collect();
    in_the_way.sort_by(f32::total_cmp);
    candidates.extend(in_the_way.into_iter().map(|x| at(x, top)));
    candidates.extend([
        at(frame.max.x - inset.x - w, top),
        at(frame.min.x + inset.x, bottom),
        at(frame.max.x - inset.x - w, bottom),
    ]);
    let free = |r: &BoardRect| inside(r, frame) && !stickies.overlaps(r, &|_| false);
    candidates.into_iter().find(free).unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: f32, y: f32, w: f32, h: f32) -> BoardRect {
        BoardRect::from_min_size(Point::new(x, y), w, h)
    }

    #[test]
    fn badges_go_below_a_sticky_when_there_is_room() {
        let sticky = rect(100.0, 100.0, 160.0, 110.0);
        let spot = badge_spot(
            &sticky,
            (120.0, 40.0),
            3.0,
            Some(&rect(0.0, 0.0, 1000.0, 1000.0)),
            &Obstacles::new(vec![sticky]),
            &[],
        );
        assert_eq!(spot, rect(100.0, 213.0, 120.0, 40.0));
    }

    #[test]
    fn badges_at_the_bottom_of_a_lane_stay_in_it() {
        let lane = rect(0.0, 0.0, 1000.0, 260.0);
        let sticky = rect(100.0, 130.0, 160.0, 110.0);
        let spot = badge_spot(
            &sticky,
            (120.0, 40.0),
            3.0,
            Some(&lane),
            &Obstacles::new(vec![sticky]),
            &[],
        );
        assert!(inside(&spot, &lane), "{spot:?}");
        assert!(!overlap(&spot, &sticky), "{spot:?}");
    }

    #[test]
    fn badges_keep_off_the_sticky_below() {
        let sticky = rect(100.0, 100.0, 160.0, 110.0);
        let below = rect(100.0, 230.0, 160.0, 110.0);
        let stickies = Obstacles::new(vec![sticky, below]);
        let spot = badge_spot(&sticky, (120.0, 40.0), 3.0, None, &stickies, &[]);
        assert!(
            !overlap(&spot, &below) && !overlap(&spot, &sticky),
            "{spot:?}"
        );
    }

    #[test]
    fn a_title_moves_along_the_top_past_the_sticky_in_its_corner() {
        let frame = rect(0.0, 0.0, 900.0, 500.0);
        let corner = rect(5.0, 5.0, 160.0, 110.0);
        let title = frame_title_spot(
            &frame,
            (200.0, 20.0),
            Point::new(10.0, 8.0),
            &Obstacles::new(vec![corner]),
        );
        assert_eq!(title, rect(175.0, 8.0, 200.0, 20.0));
        let free = frame_title_spot(
            &frame,
            (200.0, 20.0),
            Point::new(10.0, 8.0),
            &Obstacles::new(vec![]),
        );
        assert_eq!(free, rect(10.0, 8.0, 200.0, 20.0));
    }
}

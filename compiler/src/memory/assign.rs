//! Placing buffers in one arena: greedy best fit, largest buffers first.
//!
//! Two buffers may share bytes only if their live intervals are disjoint. Buffers are
//! placed in order of decreasing size; each goes into the smallest gap (between the
//! buffers already placed that are live at the same time) that holds it, or after the
//! last of them. Sizes are multiples of the alignment, so every offset is aligned.

/// A buffer to place: its size (aligned) and live steps (inclusive).
#[derive(Clone, Copy, Debug)]
pub struct Request {
    pub size: u64,
    pub first: usize,
    pub last: usize,
}

fn overlap(a: &Request, b: &Request) -> bool {
    a.first <= b.last && b.first <= a.last
}

/// The offset of each buffer.
pub fn best_fit(reqs: &[Request]) -> Vec<u64> {
    let mut by_size: Vec<usize> = (0..reqs.len()).collect();
    by_size.sort_by_key(|&i| (std::cmp::Reverse(reqs[i].size), reqs[i].first, i));
    let mut offset: Vec<Option<u64>> = vec![None; reqs.len()];
    for &i in &by_size {
        let r = &reqs[i];
        let mut busy: Vec<(u64, u64)> = (0..reqs.len())
            .filter_map(|j| offset[j].filter(|_| reqs[j].size > 0 && overlap(r, &reqs[j])).map(|o| (o, o.saturating_add(reqs[j].size))))
            .collect();
        busy.sort_unstable();
        let (mut cursor, mut best): (u64, Option<(u64, u64)>) = (0, None); // best: (gap size, offset)
        for (start, end) in busy {
            if start > cursor {
                let gap = start - cursor;
                if gap >= r.size && best.is_none_or(|(g, _)| gap < g) {
                    best = Some((gap, cursor));
                }
            }
            cursor = cursor.max(end);
        }
        offset[i] = Some(best.map_or(cursor, |(_, o)| o));
    }
    offset.into_iter().map(|o| o.unwrap_or(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_fitting_gap_wins() {
        // Three long-lived buffers with short ones between them; once the short ones are
        // dead, gaps of 128 and 64 bytes open, and a 64-byte buffer takes the smaller.
        let reqs = [
            Request { size: 256, first: 0, last: 9 }, // at 0
            Request { size: 128, first: 0, last: 1 }, // at 256
            Request { size: 64, first: 0, last: 9 },  // at 384
            Request { size: 64, first: 0, last: 1 },  // at 448
            Request { size: 64, first: 0, last: 9 },  // at 512
            Request { size: 64, first: 5, last: 6 },  // gaps: 256..384 and 448..512
        ];
        assert_eq!(best_fit(&reqs), vec![0, 256, 384, 448, 512, 448]);
    }

    #[test]
    fn disjoint_lifetimes_share_offset_zero() {
        let reqs = [Request { size: 64, first: 0, last: 1 }, Request { size: 64, first: 2, last: 3 }];
        assert_eq!(best_fit(&reqs), vec![0, 0]);
    }
}

//! Listed times in the server's own zone: the offset a clear majority of files share, found
//! the same way wherever two sets of times are compared (the planner's same-size twins, the
//! upload mirror's records against a listing, the download mirror's records against the next
//! listing after a DST change).

/// One hour, in seconds: zone offsets and DST shifts come in whole hours.
pub const HOUR: i64 = 3600;
/// The largest offset taken for a zone (UTC-12 to UTC+14, with room).
pub const MAX_OFFSET: i64 = 26 * HOUR;

/// The drift (listed minus known time) a clear majority of `drifts` share, when it is a zone
/// offset (a whole number of hours, up to a day; 0 included) and at least `min_samples`
/// files show it; None when no drift has more than half of the votes. A drift that is no
/// zone offset (an edit, minutes off) votes against every offset: one real edit among many
/// files neither hides the offset nor is hidden by it.
pub fn majority_offset(drifts: impl IntoIterator<Item = i64>, min_samples: usize) -> Option<i64> {
    let mut counts: Vec<(i64, usize)> = Vec::new();
    let mut total = 0;
    for drift in drifts {
        total += 1;
        if !is_zone_offset(drift) {
            continue;
        }
        match counts.iter_mut().find(|(d, _)| *d == drift) {
            Some((_, count)) => *count += 1,
            None => counts.push((drift, 1)),
        }
    }
    let (offset, count) = counts.into_iter().max_by_key(|&(_, count)| count)?;
    (count >= min_samples.max(1) && count * 2 > total).then_some(offset)
}

/// A whole number of hours, up to [`MAX_OFFSET`] either way.
pub fn is_zone_offset(drift: i64) -> bool {
    drift % HOUR == 0 && drift.abs() <= MAX_OFFSET
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_of_a_clear_majority() {
        let h = HOUR;
        // (drifts, min samples, offset)
        let table: &[(&[i64], usize, Option<i64>)] = &[
            (&[h, h, h], 2, Some(h)),
            (&[], 1, None),
            (&[h], 2, None),
            (&[h], 1, Some(h)),
            // One real edit among 28 files: the offset stands.
            (&[[-3 * h; 27].as_slice(), &[17]].concat(), 2, Some(-3 * h)),
            (&[[2 * h; 27].as_slice(), &[5 * h]].concat(), 2, Some(2 * h)),
            // Most files unchanged: no offset (0 is an offset like any other).
            (&[0, 0, 0, h], 2, Some(0)),
            // A tie is no majority.
            (&[h, h, 2 * h, 2 * h], 2, None),
            // Edits vote against: half is not more than half.
            (&[h, h, 7, 9], 2, None),
            (&[h, h, h, 7, 9], 2, Some(h)),
            // Not a zone: minutes, or more than a day.
            (&[60, 60, 60], 2, None),
            (&[30 * h, 30 * h], 2, None),
        ];
        for (drifts, min, want) in table {
            assert_eq!(
                majority_offset(drifts.iter().copied(), *min),
                *want,
                "{drifts:?}"
            );
        }
    }
}

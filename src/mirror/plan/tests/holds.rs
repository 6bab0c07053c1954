//! Rule 10: a hold lasts until the user lifts it. Deletes held by an earlier pass stay held
//! whatever the pass after looks like; new deletes are weighed on their own; only a
//! confirmation (or a higher `--max-delete` for its own holds) lets held deletes run.

use super::*;

const GUARD: HoldReason = HoldReason::NearlyAll {
    doomed: 3,
    remote_files: 3,
};
const LIMIT: HoldReason = HoldReason::TooMany {
    planned: 3,
    limit: 2,
};
const FOUR_OVER_THREE: HoldReason = HoldReason::TooMany {
    planned: 4,
    limit: 3,
};

struct Row {
    name: &'static str,
    local: &'static [&'static str],
    remote: &'static [&'static str],
    /// Held by earlier passes.
    before: &'static [(&'static str, HoldReason)],
    /// Confirmed by the user (`mirror confirm`, `--allow-mass-delete` over held ones).
    confirmed: &'static [&'static str],
    max_delete: Option<usize>,
    allow_mass_delete: bool,
    delete: bool,
    /// The actions, in walk order (see `phased`).
    want: &'static [&'static str],
    /// What the pass says is held (None: nothing).
    held: Option<(usize, HoldReason)>,
    /// Held after the pass (what the job keeps).
    after: &'static [(&'static str, HoldReason)],
}

const ROW: Row = Row {
    name: "",
    local: &[],
    remote: &[],
    before: &[],
    confirmed: &[],
    max_delete: None,
    allow_mass_delete: false,
    delete: true,
    want: &[],
    held: None,
    after: &[],
};

/// Three site files held by the guard at the first pass: the site was uploaded beside
/// them, so they are now 3 of the remote's 6 (50 %: no guard would fire today).
const HELD_THREE: &[(&str, HoldReason)] = &[("old1", GUARD), ("old2", GUARD), ("old3", GUARD)];
const SITE: &[&str] = &["f new1 1 1", "f new2 1 1", "f new3 1 1"];
const SITE_AND_OLD: &[&str] = &[
    "f new1 1 1",
    "f new2 1 1",
    "f new3 1 1",
    "f old1 1 1",
    "f old2 1 1",
    "f old3 1 1",
];

#[test]
fn rule10_a_hold_lasts_until_the_user_lifts_it() {
    let rows = [
        Row {
            name: "first pass: every remote file would go: held, uploads go on",
            local: SITE,
            remote: &["f old1 1 1", "f old2 1 1", "f old3 1 1"],
            want: &["up new1 1 1", "up new2 1 1", "up new3 1 1"],
            held: Some((3, GUARD)),
            after: HELD_THREE,
            ..ROW
        },
        Row {
            name: "the pass after: the share fell to 50 %, the deletes stay held",
            local: SITE,
            remote: SITE_AND_OLD,
            before: HELD_THREE,
            want: &[],
            held: Some((3, GUARD)),
            after: HELD_THREE,
            ..ROW
        },
        Row {
            name: "after an unrelated edit: the edit is sent, the deletes stay held",
            local: &["f new1 1 1", "f new2 2 2", "f new3 1 1"],
            remote: SITE_AND_OLD,
            before: HELD_THREE,
            want: &["up new2 2 2"],
            held: Some((3, GUARD)),
            after: HELD_THREE,
            ..ROW
        },
        Row {
            name: "confirmed: the held deletes run, nothing is held any more",
            local: SITE,
            remote: SITE_AND_OLD,
            before: HELD_THREE,
            confirmed: &["old1", "old2", "old3"],
            want: &["rm old1", "rm old2", "rm old3"],
            ..ROW
        },
        Row {
            name: "confirmed deletes are not weighed by the guard, even all of them",
            local: &["d empty"],
            remote: &["f old1 1 1", "f old2 1 1", "f old3 1 1"],
            before: HELD_THREE,
            confirmed: &["old1", "old2", "old3"],
            want: &["mkdir empty", "rm old1", "rm old2", "rm old3"],
            ..ROW
        },
        Row {
            name: "--allow-mass-delete alone (a running job's flag) does not release a hold",
            local: SITE,
            remote: SITE_AND_OLD,
            before: HELD_THREE,
            allow_mass_delete: true,
            want: &[],
            held: Some((3, GUARD)),
            after: HELD_THREE,
            ..ROW
        },
        Row {
            name: "a new delete of another kind is weighed on its own: it runs",
            local: &["f new1 1 1", "f new2 1 1"],
            remote: SITE_AND_OLD,
            before: HELD_THREE,
            want: &["rm new3"],
            held: Some((3, GUARD)),
            after: HELD_THREE,
            ..ROW
        },
        Row {
            name: "a held file LOCAL holds again is no delete any more: dropped",
            local: &["f new1 1 1", "f new2 1 1", "f new3 1 1", "f old2 1 1"],
            remote: SITE_AND_OLD,
            before: HELD_THREE,
            want: &[],
            held: Some((2, GUARD)),
            after: &[("old1", GUARD), ("old3", GUARD)],
            ..ROW
        },
        Row {
            name: "a held file gone from the remote (someone else deleted it): dropped",
            local: SITE,
            remote: &["f new1 1 1", "f new2 1 1", "f new3 1 1", "f old1 1 1"],
            before: HELD_THREE,
            want: &[],
            held: Some((1, GUARD)),
            after: &[("old1", GUARD)],
            ..ROW
        },
        Row {
            name: "the folder of a held file is kept; its other new extras go",
            local: &["f keep 1 1", "f more 1 1"],
            remote: &["f keep 1 1", "f more 1 1", "d a", "f a/x 1 1", "f a/y 1 1"],
            before: &[("a/x", GUARD)],
            want: &["rm a/y"],
            held: Some((1, GUARD)),
            after: &[("a/x", GUARD)],
            ..ROW
        },
        Row {
            name: "in a held folder nothing is deleted, however new",
            local: &["f keep 1 1", "f more 1 1"],
            remote: &["f keep 1 1", "f more 1 1", "d a", "f a/z 1 1"],
            before: &[("a", GUARD)],
            want: &[],
            held: Some((1, GUARD)),
            after: &[("a", GUARD)],
            ..ROW
        },
        Row {
            name: "a type change at a held path is left alone with what it would create",
            local: &["f keep 1 1", "f more 1 1", "d p", "f p/q 1 1"],
            remote: &["f keep 1 1", "f more 1 1", "f p 1 1"],
            before: &[("p", GUARD)],
            want: &[],
            held: Some((1, GUARD)),
            after: &[("p", GUARD)],
            ..ROW
        },
        Row {
            name: "new deletes that trip the guard join the holds; the newest reason is said",
            local: &["f keep 1 1"],
            remote: &["f keep 1 1", "f old1 1 1", "f x 1 1", "f y 1 1"],
            before: &[("old1", GUARD)],
            max_delete: Some(1),
            want: &[],
            held: Some((
                3,
                HoldReason::TooMany {
                    planned: 2,
                    limit: 1,
                },
            )),
            after: &[
                ("old1", GUARD),
                (
                    "x",
                    HoldReason::TooMany {
                        planned: 2,
                        limit: 1,
                    },
                ),
                (
                    "y",
                    HoldReason::TooMany {
                        planned: 2,
                        limit: 1,
                    },
                ),
            ],
            ..ROW
        },
        Row {
            name: "--max-delete: every delete held, uploads go on",
            local: &["f keep 1 1", "f new 1 1"],
            remote: &["f keep 1 1", "f a 1 1", "f b 1 1", "f c 1 1"],
            max_delete: Some(2),
            allow_mass_delete: true,
            want: &["up new 1 1"],
            held: Some((3, LIMIT)),
            after: &[("a", LIMIT), ("b", LIMIT), ("c", LIMIT)],
            ..ROW
        },
        Row {
            name: "held by --max-delete 2, a run with the same limit: still held",
            local: &["f keep 1 1"],
            remote: &["f keep 1 1", "f a 1 1", "f b 1 1"],
            before: &[("a", LIMIT), ("b", LIMIT), ("c", LIMIT)],
            max_delete: Some(2),
            want: &[],
            held: Some((2, LIMIT)),
            after: &[("a", LIMIT), ("b", LIMIT)],
            ..ROW
        },
        Row {
            name: "held by --max-delete 2, a run without a limit: still held",
            local: &["f keep 1 1", "f k2 1 1"],
            remote: &["f keep 1 1", "f k2 1 1", "f a 1 1", "f b 1 1", "f c 1 1"],
            before: &[("a", LIMIT), ("b", LIMIT), ("c", LIMIT)],
            want: &[],
            held: Some((3, LIMIT)),
            after: &[("a", LIMIT), ("b", LIMIT), ("c", LIMIT)],
            ..ROW
        },
        Row {
            name: "held by --max-delete 2, a run with --max-delete 3: weighed again, run",
            local: &["f keep 1 1", "f k2 1 1"],
            remote: &["f keep 1 1", "f k2 1 1", "f a 1 1", "f b 1 1", "f c 1 1"],
            before: &[("a", LIMIT), ("b", LIMIT), ("c", LIMIT)],
            max_delete: Some(3),
            want: &["rm a", "rm b", "rm c"],
            ..ROW
        },
        Row {
            name: "weighed again with the new deletes: together over the new limit, held",
            local: &["f keep 1 1", "f k2 1 1"],
            remote: &[
                "f keep 1 1",
                "f k2 1 1",
                "f a 1 1",
                "f b 1 1",
                "f d 1 1",
                "f e 1 1",
            ],
            before: &[("a", LIMIT), ("b", LIMIT)],
            max_delete: Some(3),
            want: &[],
            held: Some((4, FOUR_OVER_THREE)),
            after: &[
                ("a", FOUR_OVER_THREE),
                ("b", FOUR_OVER_THREE),
                ("d", FOUR_OVER_THREE),
                ("e", FOUR_OVER_THREE),
            ],
            ..ROW
        },
        Row {
            name: "--no-delete: nothing is deleted nor said; the holds are kept",
            local: SITE,
            remote: SITE_AND_OLD,
            before: HELD_THREE,
            delete: false,
            want: &[],
            after: HELD_THREE,
            ..ROW
        },
    ];
    for row in &rows {
        let filter = Filter::new(6, &[]).unwrap();
        let opts = PlanOptions {
            delete: row.delete,
            max_delete: row.max_delete,
            allow_mass_delete: row.allow_mass_delete,
            ..PlanOptions::default()
        };
        let (local, remote, none) = (snap(row.local), rtree(row.remote), HashSet::new());
        let before: Holds = row
            .before
            .iter()
            .map(|(p, w)| (p.to_string(), *w))
            .collect();
        let confirmed: HashSet<String> = row.confirmed.iter().map(|p| p.to_string()).collect();
        let made = made_except(&remote, &[]);
        let got = plan(&Inputs {
            holds: &before,
            confirmed: &confirmed,
            ..inputs(&local, &remote, &filter, opts, &none, &made)
        });
        let actions: Vec<String> = got.actions().map(show).collect();
        assert_eq!(actions, phased(row.want), "{}", row.name);
        let held = got.held.map(|h| (h.deletes, h.why));
        assert_eq!(held, row.held, "{}: held", row.name);
        let after: Holds = row.after.iter().map(|(p, w)| (p.to_string(), *w)).collect();
        assert_eq!(got.holds, after, "{}: kept", row.name);
    }
}

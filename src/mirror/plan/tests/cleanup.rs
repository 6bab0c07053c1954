//! Planner tables: temporaries, deletes, overall order, the mass-delete guard.

use super::*;

// ---- rule 5: temporary uploads -------------------------------------------------------

/// A temporary named for this very version of a local file (size, mtime and identity in its
/// name) is what an interrupted upload of it left: the upload continues it.
#[test]
fn rule5_interrupted_uploads_resume() {
    check(&[
        Case {
            name: "another process's young temp of this version (a killed ftpsh): resumed",
            local: &["f a 100 5 i7"],
            remote: &["f .ftpsh-part-9x1-0-~-a 40 100000"],
            want: Ok(&["up a 100 5 from .ftpsh-part-9x1-0-~-a"]),
            ..BASE
        },
        Case {
            name: "an old one, or our own, too; the remote's old version is replaced",
            local: &["f a 100 5 i7", "f b 100 5 i8"],
            remote: &[
                "f .ftpsh-part-9x1-0-~-a 40 1",
                "f .ftpsh-part-1x1-3-~-b 40 100000",
                "f b 90 3",
            ],
            want: Ok(&[
                "up a 100 5 from .ftpsh-part-9x1-0-~-a",
                "up b 100 5 from .ftpsh-part-1x1-3-~-b",
            ]),
            ..BASE
        },
        Case {
            name: "in a folder, and complete (killed before its rename): continued by 0 bytes",
            local: &["d d", "f d/a 100 5 i7"],
            remote: &["d d", "f d/.ftpsh-part-9x1-0-~-a 100 1"],
            want: Ok(&["up d/a 100 5 from d/.ftpsh-part-9x1-0-~-a"]),
            ..BASE
        },
        Case {
            name: "the local file changed since (another fingerprint): sent from byte 0",
            local: &["f a 100 5 i7"],
            remote: &[
                "f .ftpsh-part-9x1-0-0000000000000000-a 40 1",
                "f .ftpsh-part-9x1-1-0000000000000000-a 40 100000",
            ],
            want: Ok(&["rmtemp .ftpsh-part-9x1-0-0000000000000000-a", "up a 100 5"]),
            foreign: &[".ftpsh-part-9x1-1-0000000000000000-a"],
            ..BASE
        },
        Case {
            name: "longer than the file, or empty: not a start of it",
            local: &["f a 100 5 i7", "f b 100 5 i8"],
            remote: &[
                "f .ftpsh-part-9x1-0-~-a 101 1",
                "f .ftpsh-part-9x1-1-~-b 0 1",
            ],
            want: Ok(&[
                "rmtemp .ftpsh-part-9x1-0-~-a",
                "rmtemp .ftpsh-part-9x1-1-~-b",
                "up a 100 5",
                "up b 100 5",
            ]),
            ..BASE
        },
        Case {
            name: "several: the biggest is continued, the others cleaned as usual",
            local: &["f a 100 5 i7"],
            remote: &[
                "f .ftpsh-part-1x1-0-~-a 10 1",
                "f .ftpsh-part-7x1-0-~-a 60 100000",
                "f .ftpsh-part-8x1-0-~-a 50 1",
            ],
            want: Ok(&[
                "rmtemp .ftpsh-part-1x1-0-~-a",
                "rmtemp .ftpsh-part-8x1-0-~-a",
                "up a 100 5 from .ftpsh-part-7x1-0-~-a",
            ]),
            ..BASE
        },
        Case {
            name: "nothing to send (the remote copy is right): a temp like any other",
            local: &["f a 100 5", "f b 100 5"],
            remote: &[
                "f a 100 5",
                "f b 100 5",
                "f .ftpsh-part-9x1-0-~-a 40 1",
                "f .ftpsh-part-9x1-1-~-b 40 100000",
            ],
            want: Ok(&["rmtemp .ftpsh-part-9x1-0-~-a"]),
            foreign: &[".ftpsh-part-9x1-1-~-b"],
            ..BASE
        },
        Case {
            name: "an excluded file is not sent, so not resumed",
            local: &["f a.tmp 100 5"],
            remote: &["f .ftpsh-part-9x1-0-~-a.tmp 40 1"],
            excludes: &["*.tmp"],
            want: Ok(&["rmtemp .ftpsh-part-9x1-0-~-a.tmp"]),
            ..BASE
        },
        Case {
            name: "not made and recorded by ftpsh (planted, or its writer killed before a \
                   cut): not continued, cleaned as stale, sent from byte 0",
            local: &["f a 100 5 i7", "f b 100 5 i8"],
            remote: &[
                "f .ftpsh-part-9x1-0-~-a 40 1",
                "f .ftpsh-part-9x1-1-~-b 40 100000",
            ],
            unmade: &[".ftpsh-part-9x1-0-~-a", ".ftpsh-part-9x1-1-~-b"],
            want: Ok(&["rmtemp .ftpsh-part-9x1-0-~-a", "up a 100 5", "up b 100 5"]),
            foreign: &[".ftpsh-part-9x1-1-~-b"],
            ..BASE
        },
        Case {
            name: "of several, the biggest ftpsh recorded",
            local: &["f a 100 5 i7"],
            remote: &[
                "f .ftpsh-part-7x1-0-~-a 60 1",
                "f .ftpsh-part-8x1-0-~-a 50 1",
            ],
            unmade: &[".ftpsh-part-7x1-0-~-a"],
            want: Ok(&[
                "rmtemp .ftpsh-part-7x1-0-~-a",
                "up a 100 5 from .ftpsh-part-8x1-0-~-a",
            ]),
            ..BASE
        },
        Case {
            name: "a file moved aside (old) is never continued",
            local: &["f a 100 5"],
            remote: &["f .ftpsh-part-9x1-0-old-a 40 1", "f a 30 1"],
            want: Ok(&["rmtemp .ftpsh-part-9x1-0-old-a", "up a 100 5"]),
            ..BASE
        },
    ]);
}

#[test]
fn rule5_temps() {
    check(&[
        Case {
            name: "leftover temp removed even with delete=false",
            local: &["f a 1 1"],
            remote: &["f .ftpsh-part-x-a 1 1", "f a 1 1"],
            delete: false,
            want: Ok(&["rmtemp .ftpsh-part-x-a"]),
            ..BASE
        },
        Case {
            name: "local temp names are never uploaded",
            local: &[
                "f .ftpsh-part-x-a 1 1",
                "d .ftpsh-part-y-d",
                "f .ftpsh-part-y-d/z 1 1",
            ],
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "temp removed even when its name matches an exclude",
            remote: &["d d", "f d/.ftpsh-part-1-a 1 1"],
            excludes: &[".*"],
            delete: false,
            want: Ok(&["rmtemp d/.ftpsh-part-1-a"]),
            ..BASE
        },
        Case {
            name: "temps in excluded or too-deep dirs are left alone",
            remote: &[
                "d build",
                "f build/.ftpsh-part-1-a 1 1",
                "d a",
                "f a/.ftpsh-part-1-b 1 1",
            ],
            excludes: &["build"],
            max_depth: 1,
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "temp-named remote dir is not ours: kept, and keeps its parent",
            remote: &[
                "d p",
                "d p/.ftpsh-part-1-q",
                "f p/.ftpsh-part-1-q/f 1 1",
                "f p/x 1 1",
            ],
            want: Ok(&["rm p/x"]),
            ..BASE
        },
        Case {
            name: "temps first, then the dir holding them can go",
            remote: &["d old", "f old/.ftpsh-part-1-x 1 1"],
            want: Ok(&["rmtemp old/.ftpsh-part-1-x", "rmdir old"]),
            ..BASE
        },
        Case {
            name: "temp carried by a dir rename into reach is removed right after it",
            local: &["d q i1"],
            remote: &["d p", "d p/a i1", "f p/a/.ftpsh-part-1-x 1 1"],
            max_depth: 2,
            want: Ok(&["mv p/a q", "rmtemp q/.ftpsh-part-1-x", "rmdir p"]),
            ..BASE
        },
        Case {
            name: "another process's young temp is left alone, and keeps its folder",
            remote: &[
                "d p",
                "f p/.ftpsh-part-9x1-1-0123456789abcdef-a 1 100000",
                "f p/x 1 1",
            ],
            want: Ok(&["rm p/x"]),
            foreign: &["p/.ftpsh-part-9x1-1-~-a"],
            ..BASE
        },
        Case {
            name: "our own young temp is a leftover of our own attempt: removed",
            remote: &["f .ftpsh-part-1x1-7-0123456789abcdef-a 1 100000"],
            want: Ok(&["rmtemp .ftpsh-part-1x1-7-~-a"]),
            ..BASE
        },
        Case {
            name: "another process's temp dated TEMP_MIN_AGE ago or more is stale: removed",
            remote: &["f .ftpsh-part-9-a 1 99400", "f .ftpsh-part-9-b 1 99401"],
            want: Ok(&["rmtemp .ftpsh-part-9-a"]),
            foreign: &[".ftpsh-part-9-b"],
            ..BASE
        },
        Case {
            name: "a young temp of a form this version does not parse is not ours: spared",
            remote: &["f .ftpsh-part-1x1-a 1 100000"],
            foreign: &[".ftpsh-part-1x1-a"],
            ..BASE
        },
        Case {
            name: "an undated temp is taken as stale",
            remote: &["f .ftpsh-part-9-a 1 ?"],
            want: Ok(&["rmtemp .ftpsh-part-9-a"]),
            ..BASE
        },
        Case {
            name: "a young foreign temp carried into reach by a dir rename stays",
            local: &["d q i1"],
            remote: &["d p", "d p/a i1", "f p/a/.ftpsh-part-9-x 1 100000"],
            max_depth: 2,
            want: Ok(&["mv p/a q", "rmdir p"]),
            foreign: &["p/a/.ftpsh-part-9-x"],
            ..BASE
        },
        Case {
            name: "RemoveTemp does not count against max_delete",
            remote: &["f .ftpsh-part-1-a 1 1", "f .ftpsh-part-2-b 1 1"],
            max_delete: Some(0),
            want: Ok(&["rmtemp .ftpsh-part-1-a", "rmtemp .ftpsh-part-2-b"]),
            ..BASE
        },
    ]);
}

// ---- rule 6: deletes -------------------------------------------------------------------

#[test]
fn rule6_deletes() {
    check(&[
        Case {
            name: "deletes last, deepest first, files before dirs",
            local: &["f z 1 1"],
            remote: &["d a", "d a/b", "f a/b/c 1 1", "f a/d 1 1", "f e 1 1"],
            want: Ok(&[
                "up z 1 1",
                "rm a/b/c",
                "rm a/d",
                "rmdir a/b",
                "rm e",
                "rmdir a",
            ]),
            ..BASE
        },
        Case {
            name: "delete=false: nothing deleted",
            local: &["f z 1 1"],
            remote: &["d a", "f a/d 1 1"],
            delete: false,
            want: Ok(&["up z 1 1"]),
            ..BASE
        },
        Case {
            name: "max_delete exceeded",
            remote: &["f a 1 1", "f b 1 1"],
            max_delete: Some(1),
            want: Ok(&[]),
            held: Some((
                2,
                HoldReason::TooMany {
                    planned: 2,
                    limit: 1,
                },
            )),
            ..BASE
        },
        Case {
            name: "max_delete reached exactly is fine",
            remote: &["f a 1 1", "f b 1 1"],
            max_delete: Some(2),
            want: Ok(&["rm a", "rm b"]),
            ..BASE
        },
        Case {
            name: "max_delete is ignored with delete=false",
            remote: &["f a 1 1", "f b 1 1"],
            delete: false,
            max_delete: Some(0),
            want: Ok(&[]),
            ..BASE
        },
    ]);
}

// ---- rule 7: overall order -------------------------------------------------------------

#[test]
fn rule7_overall_order() {
    check(&[Case {
        name: "temps, then mkdir/rename/upload by path, then deletes",
        local: &[
            "d docs i1",
            "f docs/a 1 1",
            "d img",
            "f img/p.png 7 7 i9",
            "f readme 2 2",
            "d src",
            "f src/main 3 3",
        ],
        remote: &[
            "f .ftpsh-part-1-readme 2 2",
            "d doc i1",
            "f doc/a 1 1",
            "f doc/b 1 1",
            "f p.png 7 7 i9",
            "f readme 1 1",
            "d old",
            "f old/x 1 1",
        ],
        want: Ok(&[
            "rmtemp .ftpsh-part-1-readme",
            "mv doc docs",
            "mkdir img",
            "mv p.png img/p.png",
            "up readme 2 2",
            "mkdir src",
            "up src/main 3 3",
            "rm docs/b",
            "rm old/x",
            "rmdir old",
        ]),
        ..BASE
    }]);
}

#[test]
fn rule7_deterministic() {
    let case = Case {
        local: &["d b i1", "f b/x 1 1 i2", "f c 1 1 i3", "f d 1 1 i4"],
        remote: &[
            "d a i1",
            "f a/x 1 1 i2",
            "f y 1 1 i3",
            "f z 1 1 i4",
            "f w 1 1",
        ],
        ..BASE
    };
    let first = run(&case);
    assert_eq!(
        first,
        vec![
            "mv a b".to_string(),
            "mv y c".to_string(),
            "mv z d".to_string(),
            "rm w".to_string(),
        ]
    );
    for _ in 0..20 {
        assert_eq!(run(&case), first);
    }
}

// ---- rule 8: empty local -----------------------------------------------------------------

#[test]
fn rule8_empty_local() {
    check(&[
        Case {
            name: "empty local deletes everything included",
            remote: &["d a", "f a/x 1 1", "f b 1 1", "f c.keep 1 1"],
            excludes: &["*.keep"],
            want: Ok(&["rm a/x", "rm b", "rmdir a"]),
            ..BASE
        },
        Case {
            name: "max_delete 0 with a non-empty remote",
            remote: &["f b 1 1"],
            max_delete: Some(0),
            want: Ok(&[]),
            held: Some((
                1,
                HoldReason::TooMany {
                    planned: 1,
                    limit: 0,
                },
            )),
            ..BASE
        },
        Case {
            name: "max_delete 0 with an empty remote",
            max_delete: Some(0),
            want: Ok(&[]),
            ..BASE
        },
    ]);
}

// ---- rule 9: a vanished source is not an empty source ------------------------------

struct Guard {
    name: &'static str,
    local: &'static [&'static str],
    remote: &'static [&'static str],
    root_moved: bool,
    /// Actions, and the held deletes with their reason (None: nothing held).
    want: (&'static [&'static str], Option<(usize, HoldReason)>),
}

/// `n` remote files `f0`..`f{n-1}` (as DSL lines, leaked: tests only).
fn remote_files(n: usize) -> &'static [&'static str] {
    let lines: Vec<&'static str> = (0..n)
        .map(|i| &*Box::leak(format!("f f{i} 1 1").into_boxed_str()))
        .collect();
    Box::leak(lines.into_boxed_slice())
}

#[test]
fn rule9_mass_delete_guard() {
    let ten = remote_files(10);
    let cases = [
        Guard {
            name: "local holds no file: deletes held, nothing else to do",
            local: &["d emptydir"],
            remote: &["d a", "f a/x 1 1", "f b 1 1"],
            root_moved: false,
            want: (
                &["mkdir emptydir"],
                Some((3, HoldReason::LocalEmpty { remote_files: 2 })),
            ),
        },
        Guard {
            name: "local root on another device: deletes held, uploads go on",
            local: &["f new 1 1"],
            remote: &["f old 1 1", "f keep 1 1"],
            root_moved: true,
            want: (&["up new 1 1"], Some((2, HoldReason::RootMoved))),
        },
        Guard {
            name: "root moved but nothing to delete: nothing held",
            local: &["f a 1 1"],
            remote: &["f a 1 1"],
            root_moved: true,
            want: (&[], None),
        },
        Guard {
            name: "9 of 10 remote files deleted: held",
            local: &["f f0 1 1"],
            remote: ten,
            root_moved: false,
            want: (
                &[],
                Some((
                    9,
                    HoldReason::NearlyAll {
                        doomed: 9,
                        remote_files: 10,
                    },
                )),
            ),
        },
        Guard {
            name: "8 of 10: an ordinary pass",
            local: &["f f0 1 1", "f f1 1 1"],
            remote: ten,
            root_moved: false,
            want: (
                &[
                    "rm f2", "rm f3", "rm f4", "rm f5", "rm f6", "rm f7", "rm f8", "rm f9",
                ],
                None,
            ),
        },
        Guard {
            name: "every remote file deleted, however few: held",
            local: &["f new 1 1"],
            remote: &["f old 1 1"],
            root_moved: false,
            want: (
                &["up new 1 1"],
                Some((
                    1,
                    HoldReason::NearlyAll {
                        doomed: 1,
                        remote_files: 1,
                    },
                )),
            ),
        },
        Guard {
            name: "1 of 2 remote files deleted: an ordinary pass",
            local: &["f new 1 1", "f keep 1 1"],
            remote: &["f old 1 1", "f keep 1 1"],
            root_moved: false,
            want: (&["up new 1 1", "rm old"], None),
        },
        Guard {
            name: "only empty remote folders deleted: an ordinary pass",
            local: &["f keep 1 1"],
            remote: &["f keep 1 1", "d gone"],
            root_moved: false,
            want: (&["rmdir gone"], None),
        },
        Guard {
            name: "excluded and too-deep remote files do not count either way",
            local: &["f a 1 1"],
            remote: &["f a 1 1", "f b 1 1", "f c.keep 1 1"],
            root_moved: false,
            want: (&["rm b"], None),
        },
    ];
    for case in &cases {
        let filter = Filter::new(6, &["*.keep".to_string()]).unwrap();
        let mut opts = PlanOptions {
            delete: true,
            max_delete: None,
            allow_mass_delete: false,
            root_moved: case.root_moved,
            ..PlanOptions::default()
        };
        let (local, remote, none) = (snap(case.local), rtree(case.remote), HashSet::new());
        let made = made_except(&remote, &[]);
        let got = plan(&inputs(&local, &remote, &filter, opts, &none, &made));
        let actions: Vec<String> = got.actions().map(show).collect();
        let held = got.held.map(|h| (h.deletes, h.why));
        assert_eq!(
            (actions.as_slice(), held),
            (phased(case.want.0).as_slice(), case.want.1),
            "case {:?}",
            case.name
        );
        // Confirmed: the same plan with its deletes, nothing held.
        opts.allow_mass_delete = true;
        let confirmed = plan(&inputs(&local, &remote, &filter, opts, &none, &made));
        assert_eq!(confirmed.held, None, "case {:?}", case.name);
        let deletes = confirmed
            .actions()
            .filter(|a| matches!(a, Action::DeleteFile(_) | Action::RemoveDir(_)))
            .count();
        if let Some((count, _)) = &case.want.1 {
            assert_eq!(deletes, *count, "case {:?} confirmed", case.name);
        }
    }
    let held = Held {
        deletes: 3,
        why: HoldReason::LocalEmpty { remote_files: 2 },
    };
    assert_eq!(
        held.to_string(),
        "3 remote deletes held: the local folder holds no file while the remote holds 2; \
         uploads go on (mirror --allow-mass-delete confirms)"
    );
}

#[test]
fn a_hold_says_why_and_how_to_let_the_deletes_run() {
    let guard = HoldReason::NearlyAll {
        doomed: 223,
        remote_files: 223,
    };
    let limit = HoldReason::TooMany {
        planned: 8,
        limit: 5,
    };
    // (held, why, download, job, text)
    let cases = [
        (
            263,
            guard,
            false,
            0,
            "263 remote deletes held: the pass would delete 223 of the remote's 223 files; \
             uploads go on (mirror --allow-mass-delete confirms)",
        ),
        (
            263,
            guard,
            false,
            2,
            "263 remote deletes held: the pass would delete 223 of the remote's 223 files; \
             uploads go on (mirror confirm 2 runs them, as does a new run with \
             --allow-mass-delete)",
        ),
        (
            8,
            limit,
            false,
            0,
            "8 remote deletes held: the pass would delete 8 remote entries (limit is 5); \
             uploads go on (a run with --max-delete 8 or --allow-mass-delete runs them)",
        ),
        (
            9,
            limit,
            true,
            1,
            "9 local deletes held: the pass would delete 8 local entries (limit is 5); \
             downloads go on (mirror confirm 1 runs them, as does a new run with \
             --max-delete 9 or --allow-mass-delete)",
        ),
        (
            2,
            HoldReason::RootMoved,
            false,
            0,
            "2 remote deletes held: the local folder is on another device than at the last \
             pass (unmounted?); uploads go on (mirror --allow-mass-delete confirms)",
        ),
        (
            1,
            HoldReason::TooMany {
                planned: 1,
                limit: 0,
            },
            false,
            0,
            "1 remote delete held: the pass would delete 1 remote entry (limit is 0); \
             uploads go on (a run with --max-delete 1 or --allow-mass-delete runs them)",
        ),
    ];
    for (deletes, why, download, job, text) in cases {
        let held = Held { deletes, why };
        assert_eq!(held.describe(download, job), text);
    }
}

//! Planner tables: the filter, mkdir/upload, times that prove nothing, phases, kind changes.

use super::*;

// ---- rule 1: the filter applies to both sides ----------------------------------------

#[test]
fn rule1_filter_on_both_sides() {
    check(&[
        Case {
            name: "excluded local file is not uploaded",
            local: &["f a.tmp 1 1", "f b 1 1"],
            excludes: &["*.tmp"],
            want: Ok(&["up b 1 1"]),
            ..BASE
        },
        Case {
            name: "excluded remote file is not deleted",
            remote: &["f x.tmp 1 1", "f y 1 1"],
            excludes: &["*.tmp"],
            want: Ok(&["rm y"]),
            ..BASE
        },
        Case {
            name: "excluded dir: nothing under it is touched on either side",
            local: &["d build", "f build/new 1 1"],
            remote: &["d build", "f build/old 1 1"],
            excludes: &["build"],
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "too-deep local entries are not uploaded",
            local: &["d a", "d a/b", "f a/b/c 1 1", "f a/x 1 1"],
            max_depth: 2,
            want: Ok(&["mkdir a", "mkdir a/b", "up a/x 1 1"]),
            ..BASE
        },
        Case {
            name: "remote dir holding an excluded entry is kept",
            remote: &["d a", "f a/keep.tmp 1 1", "f a/x 1 1", "d b"],
            excludes: &["*.tmp"],
            want: Ok(&["rm a/x", "rmdir b"]),
            ..BASE
        },
        Case {
            name: "remote dirs holding a too-deep entry are kept (with their ancestors)",
            remote: &["d a", "d a/b", "f a/b/c 1 1", "f a/y 1 1"],
            max_depth: 2,
            want: Ok(&["rm a/y"]),
            ..BASE
        },
        Case {
            name: "no rename into an excluded path",
            local: &["f new.tmp 1 1 i5"],
            remote: &["f old 1 1 i5"],
            excludes: &["*.tmp"],
            want: Ok(&["rm old"]),
            ..BASE
        },
        Case {
            name: "no rename from an excluded path",
            local: &["f new 1 1 i5"],
            remote: &["f old.tmp 1 1 i5"],
            excludes: &["*.tmp"],
            want: Ok(&["up new 1 1"]),
            ..BASE
        },
        Case {
            name: "max_depth 0 considers nothing",
            local: &["f a 1 1"],
            remote: &["f b 1 1", "f .ftpsh-part-1-b 1 1"],
            max_depth: 0,
            want: Ok(&[]),
            ..BASE
        },
    ]);
}

// ---- rule 1b: folders not fully known -------------------------------------------------

#[test]
fn rule1b_no_deletes_where_the_listing_was_not_read_whole() {
    check(&[
        Case {
            name: "uploads still go in; nothing in it is deleted; elsewhere deletes go on",
            local: &["d a", "f a/new 1 1"],
            remote: &["d a", "f a/old 1 1", "d b", "f b/x 1 1", "f gone 1 1"],
            kept: &["a"],
            want: Ok(&["up a/new 1 1", "rm b/x", "rm gone", "rmdir b"]),
            ..BASE
        },
        Case {
            name: "nothing below it either; it and the folders holding it stay",
            remote: &[
                "d p",
                "d p/a",
                "f p/a/x 1 1",
                "d p/a/sub",
                "f p/a/sub/y 1 1",
                "f p/z 1 1",
            ],
            kept: &["p/a"],
            want: Ok(&["rm p/z"]),
            ..BASE
        },
        Case {
            name: "type conflicts inside it are left alone",
            local: &["d a", "f a/p 1 1", "d a/q", "f a/q/r 1 1"],
            remote: &["d a", "d a/p", "f a/p/z 1 1", "f a/q 1 1"],
            kept: &["a"],
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "a root not read whole deletes nothing at all",
            local: &["f n 1 1"],
            remote: &["f o 1 1", "d d"],
            kept: &[""],
            want: Ok(&["up n 1 1"]),
            ..BASE
        },
    ]);
}

// ---- rule 1d: folders the server would not list -------------------------------------

#[test]
fn rule1d_nothing_sent_or_deleted_where_the_contents_are_unknown() {
    check(&[
        Case {
            name: "not taken as empty: nothing sent into it; elsewhere the pass goes on",
            local: &["d a", "f a/same 1 1", "f a/new 1 1", "f top 1 1"],
            // What the listing could not show: `a` holds `same` and an extra.
            remote: &["d a", "f gone 1 1"],
            unknown: &["a"],
            want: Ok(&["up top 1 1", "rm gone"]),
            ..BASE
        },
        Case {
            name: "the record of it, kept in the believed tree, is not acted on",
            local: &["d a", "f a/x 2 2"],
            remote: &["d a", "f a/x 1 1", "f a/extra 1 1"],
            unknown: &["a"],
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "gone locally: it and the folders holding it stay",
            local: &[],
            remote: &["d p", "d p/a", "f p/z 1 1"],
            unknown: &["p/a"],
            want: Ok(&["rm p/z"]),
            ..BASE
        },
        Case {
            name: "a file locally where a folder is unknown remotely: left alone",
            local: &["f a 1 1"],
            remote: &["d a"],
            unknown: &["a"],
            want: Ok(&[]),
            ..BASE
        },
    ]);
}

// ---- rule 2: mkdir / upload / identical -----------------------------------------------

#[test]
fn rule2_mkdir_upload_identical() {
    check(&[
        Case {
            name: "mkdirs in sorted order, parents first",
            local: &["d b", "d a/c", "d a", "d a-x"],
            want: Ok(&["mkdir a", "mkdir a-x", "mkdir a/c", "mkdir b"]),
            ..BASE
        },
        Case {
            name: "missing file uploads after its dir",
            local: &["d a", "f a/x 3 100"],
            want: Ok(&["mkdir a", "up a/x 3 100"]),
            ..BASE
        },
        Case {
            name: "size differs",
            local: &["f x 4 100"],
            remote: &["f x 3 100"],
            want: Ok(&["up x 4 100"]),
            ..BASE
        },
        Case {
            name: "mtime differs",
            local: &["f x 3 101"],
            remote: &["f x 3 100"],
            want: Ok(&["up x 3 101"]),
            ..BASE
        },
        Case {
            name: "remote mtime unknown",
            local: &["f x 3 100"],
            remote: &["f x 3 ?"],
            want: Ok(&["up x 3 100"]),
            ..BASE
        },
        Case {
            name: "identical files and dirs: nothing (a dir's inode does not matter)",
            local: &["d a i1", "f a/x 3 100 i2", "f y 0 5"],
            remote: &["d a i9", "f a/x 3 100 i2", "f y 0 5"],
            want: Ok(&[]),
            ..BASE
        },
    ]);
}

// ---- rule 2b: times that prove nothing -------------------------------------------------

#[test]
fn rule2b_untrusted_times() {
    check(&[
        Case {
            name: "sent in its mtime second and edited since: sent again",
            local: &["f x 3 100"],
            remote: &["f x 3 100"],
            untrusted: &["x"],
            want: Ok(&["up x 3 100"]),
            ..BASE
        },
        Case {
            name: "the others are still trusted",
            local: &["f x 3 100", "f y 3 100"],
            remote: &["f x 3 100", "f y 3 100"],
            untrusted: &["x"],
            want: Ok(&["up x 3 100"]),
            ..BASE
        },
        Case {
            name: "no rename from a file whose time proves nothing",
            local: &["f b 3 100 i7"],
            remote: &["f a 3 100 i7"],
            untrusted: &["a"],
            want: Ok(&["up b 3 100", "rm a"]),
            ..BASE
        },
        Case {
            name: "an untrusted path the remote does not hold changes nothing",
            local: &["f x 1 1"],
            untrusted: &["x", "gone"],
            want: Ok(&["up x 1 1"]),
            ..BASE
        },
    ]);
}

// ---- what a plan leaves unmirrored is said ---------------------------------------------

#[test]
fn rule3_kind_changes_left_alone_are_named() {
    // (local, remote, delete, excludes, compare, left out)
    type Row = (
        &'static [&'static str],
        &'static [&'static str],
        bool,
        &'static [&'static str],
        Compare,
        &'static [&'static str],
    );
    let table: &[Row] = &[
        (
            &["f p 1 1"],
            &["d p", "f p/x 1 1"],
            true,
            &[],
            Compare::Exact,
            &[],
        ),
        (
            &["f p 1 1"],
            &["d p", "f p/x 1 1"],
            false,
            &[],
            Compare::Exact,
            &["p"],
        ),
        (
            &["d p", "f p/y 1 1"],
            &["f p 1 1"],
            false,
            &[],
            Compare::Exact,
            &["p"],
        ),
        // The remote folder holds an excluded file: never deleted, so the file stays out.
        (
            &["f p 1 1"],
            &["d p", "f p/x.tmp 1 1"],
            true,
            &["*.tmp"],
            Compare::Exact,
            &["p"],
        ),
        (
            &["f p 1 1"],
            &["d p"],
            true,
            &[],
            Compare::IgnoreExisting,
            &["p"],
        ),
        (&["f q 1 1"], &["d p"], false, &[], Compare::Exact, &[]),
    ];
    for (local, remote, delete, excludes, compare, want) in table {
        let case = Case {
            local,
            remote,
            delete: *delete,
            excludes,
            compare: *compare,
            ..BASE
        };
        let plan = run_plan(&case);
        let got: Vec<&str> = plan.left_out.iter().map(RelPath::as_str).collect();
        assert_eq!(got, *want, "{local:?} over {remote:?}, delete {delete}");
    }
}

// ---- phases: what runs where ------------------------------------------------------------

#[test]
fn phases_hand_over_structure_uploads_then_deletes() {
    let case = Case {
        local: &["d a", "f a/x 1 1", "d b", "f b/y 1 1", "d c", "f t 1 1"],
        remote: &[
            "f .ftpsh-part-1-t 1 1",
            "f c 1 1",
            "d old",
            "f old/z 1 1",
            "d old/deep",
            "d t",
            "f t/in 1 1",
        ],
        ..BASE
    };
    let plan = run_plan(&case);
    let show_all = |actions: &[Action]| actions.iter().map(show).collect::<Vec<_>>();
    assert_eq!(
        show_all(&plan.structure),
        [
            "rmtemp .ftpsh-part-1-t",
            "mkdir a",
            "mkdir b",
            "rm c",
            "mkdir c",
            "rm t/in",
            "rmdir t"
        ],
        "temps, mkdirs, renames and type-change deletes, in walk order"
    );
    assert_eq!(
        show_all(&plan.uploads),
        ["up a/x 1 1", "up b/y 1 1", "up t 1 1"]
    );
    assert_eq!(show_all(&plan.file_deletes), ["rm old/z"]);
    assert_eq!(show_all(&plan.dir_deletes), ["rmdir old/deep", "rmdir old"]);
    assert_eq!(plan.held, None);
    assert!(plan.foreign_temps.is_empty());
}

// ---- rule 3: kind changed ------------------------------------------------------------

#[test]
fn rule3_kind_changed() {
    check(&[
        Case {
            name: "local file replaces remote dir tree",
            local: &["f p 1 1"],
            remote: &["d p", "d p/s", "f p/s/x 1 1", "f p/y 1 1"],
            want: Ok(&["rm p/s/x", "rm p/y", "rmdir p/s", "rmdir p", "up p 1 1"]),
            ..BASE
        },
        Case {
            name: "local dir replaces remote file",
            local: &["d p", "f p/x 2 2"],
            remote: &["f p 1 1"],
            want: Ok(&["rm p", "mkdir p", "up p/x 2 2"]),
            ..BASE
        },
        Case {
            name: "delete=false: dir-over-file conflict skipped with children",
            local: &["d p", "f p/x 2 2", "f q 1 1"],
            remote: &["f p 1 1"],
            delete: false,
            want: Ok(&["up q 1 1"]),
            ..BASE
        },
        Case {
            name: "delete=false: file-over-dir conflict skipped with children",
            local: &["f p 1 1"],
            remote: &["d p", "f p/x 1 1"],
            delete: false,
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "remote dir holding excluded data is not replaced by a file",
            local: &["f p 1 1"],
            remote: &["d p", "d p/.git", "f p/x 1 1"],
            excludes: &[".git"],
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "conflict deletes count against max_delete",
            local: &["f p 1 1"],
            remote: &["d p", "f p/x 1 1"],
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
    ]);
}

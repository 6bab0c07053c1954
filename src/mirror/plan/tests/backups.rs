//! Planner tables: `--backup-dir` (deletes and replacements become moves), and the filter
//! rules that depend on an entry's kind (ignore files, `--include`).

use super::*;

// ---- rule 4: with a backup folder, nothing leaves the site but by a move ---------------

#[test]
fn rule4_backups_instead_of_deletes_and_overwrites() {
    check(&[
        Case {
            name: "a file gone locally is moved to the backup folder",
            local: &["f a 1 1"],
            remote: &["f a 1 1", "f b 1 1"],
            backup: true,
            want: Ok(&["bak b"]),
            ..BASE
        },
        Case {
            name: "a changed file keeps the old one",
            local: &["f a 2 2"],
            remote: &["f a 1 1"],
            backup: true,
            want: Ok(&["up a 2 2 keep"]),
            ..BASE
        },
        Case {
            name: "a new file has nothing to keep",
            local: &["f n 1 1"],
            backup: true,
            want: Ok(&["up n 1 1"]),
            ..BASE
        },
        Case {
            name: "an unchanged file stays where it is",
            local: &["f a 1 1"],
            remote: &["f a 1 1"],
            backup: true,
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "a folder gone: its files moved, deepest first, then the emptied folders removed",
            remote: &["d d", "f d/x 1 1", "d d/e", "f d/e/y 1 1", "f keep 1 1"],
            local: &["f keep 1 1"],
            backup: true,
            want: Ok(&["bak d/e/y", "bak d/x", "rmdir d/e", "rmdir d"]),
            ..BASE
        },
        Case {
            name: "a file replaced by a folder: the file is moved first",
            local: &["d a", "f a/x 1 1"],
            remote: &["f a 1 1"],
            backup: true,
            want: Ok(&["bak a", "mkdir a", "up a/x 1 1"]),
            ..BASE
        },
        Case {
            name: "a folder replaced by a file: its files are moved, then the file sent",
            local: &["f a 1 1"],
            remote: &["d a", "f a/x 1 1"],
            backup: true,
            want: Ok(&["bak a/x", "rmdir a", "up a 1 1"]),
            ..BASE
        },
        Case {
            name: "a local move is still a rename",
            local: &["f new 1 1 i5"],
            remote: &["f old 1 1 i5"],
            backup: true,
            want: Ok(&["mv old new"]),
            ..BASE
        },
        Case {
            name: "--no-delete: only replacements are kept",
            local: &["f a 2 2"],
            remote: &["f a 1 1", "f b 1 1"],
            backup: true,
            delete: false,
            want: Ok(&["up a 2 2 keep"]),
            ..BASE
        },
        Case {
            name: "--max-delete counts the moves as deletes",
            remote: &["f a 1 1", "f b 1 1"],
            local: &["d x"],
            backup: true,
            max_delete: Some(1),
            want: Ok(&["mkdir x"]),
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
            name: "a backup folder inside the mirror is neither sent to nor deleted from",
            local: &["d .old", "f .old/local 1 1", "f y 1 1"],
            remote: &[
                "d .old",
                "d .old/t1",
                "f .old/t1/x 1 1",
                "f y 1 1",
                "f z 1 1",
            ],
            protected: &[".old"],
            backup: true,
            want: Ok(&["bak z"]),
            ..BASE
        },
        Case {
            name: "without the option, deletes and overwrites are as ever",
            local: &["f a 2 2"],
            remote: &["f a 1 1", "f b 1 1"],
            want: Ok(&["up a 2 2", "rm b"]),
            ..BASE
        },
    ]);
}

// ---- rule 1c: ignore files and includes, which look at an entry's kind ----------------

#[test]
fn rule1c_ignore_files_and_includes_on_both_sides() {
    check(&[
        Case {
            name: "a folder-only pattern spares a remote file of that name, not the folders",
            remote: &["f build 1 1", "d x", "d x/build", "f x/build/o 1 1"],
            local: &["f keep 1 1"],
            ignore: "build/\n",
            want: Ok(&["up keep 1 1", "rm build"]),
            ..BASE
        },
        Case {
            name: "a folder-only pattern leaves a local folder out, a local file of that name in",
            local: &[
                "d a",
                "d a/build",
                "f a/build/o 1 1",
                "d b",
                "f b/build 1 1",
            ],
            ignore: "build/\n",
            want: Ok(&["mkdir a", "mkdir b", "up b/build 1 1"]),
            ..BASE
        },
        Case {
            name: "a negated name is mirrored, the rest of its pattern left alone on both sides",
            local: &["f a.log 1 1", "f keep.log 1 1"],
            remote: &["f old.log 1 1"],
            ignore: "*.log\n!keep.log\n",
            want: Ok(&["up keep.log 1 1"]),
            ..BASE
        },
        Case {
            name: "ignored remote-only files (.env, node_modules) are never deleted",
            local: &["f index.html 1 1"],
            remote: &["f .env 1 1", "d node_modules", "f node_modules/x.js 1 1"],
            ignore: ".env\nnode_modules/\n",
            want: Ok(&["up index.html 1 1"]),
            ..BASE
        },
        Case {
            name: "includes: matching files only, folders kept, others left alone remotely",
            local: &["d a", "f a/i.html 1 1", "f a/s.css 1 1"],
            remote: &["f r.css 1 1", "f old.html 1 1"],
            includes: &["*.html"],
            want: Ok(&["mkdir a", "up a/i.html 1 1", "rm old.html"]),
            ..BASE
        },
    ]);
}

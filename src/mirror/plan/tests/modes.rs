//! Planner tables: permission bits kept (`chmod` actions, modes carried by uploads) and the
//! comparison modes (`--size-only`, `--update`, `--ignore-existing`).

use super::*;

const PERMS: Case = Case {
    perms: true,
    ..BASE
};

#[test]
fn modes_kept() {
    check(&[
        Case {
            name: "a new file gets its bits with its upload",
            local: &["f a 1 1 m755", "f b 1 1 m600"],
            want: Ok(&["up a 1 1 m755", "up b 1 1 m600"]),
            ..PERMS
        },
        Case {
            name: "a new folder: mkdir, then its bits (sent only if the server's differ)",
            local: &["d d m750"],
            want: Ok(&["mkdir d", "chmod+ d 750"]),
            ..PERMS
        },
        Case {
            name: "a folder keeps owner rwx on the server (the mirror writes into it)",
            local: &["d ro m555", "d ro/x m500", "d ro/y m055"],
            remote: &["d ro m755", "d ro/x m700"],
            want: Ok(&["mkdir ro/y", "chmod+ ro/y 755"]),
            ..PERMS
        },
        Case {
            name: "an unchanged file listed with other bits: chmod only",
            local: &["f secret.php 1 1 m600", "f run.sh 1 1 m755"],
            remote: &["f secret.php 1 1 m644", "f run.sh 1 1 m644"],
            want: Ok(&["chmod run.sh 755", "chmod secret.php 600"]),
            ..PERMS
        },
        Case {
            name: "bits that match: nothing (a no-op pass sends nothing)",
            local: &["d d m755", "f d/a 1 1 m644", "f b 1 1 m755"],
            remote: &["d d m755", "f d/a 1 1 m644", "f b 1 1 m755"],
            want: Ok(&[]),
            ..PERMS
        },
        Case {
            name: "a server that lists no bits: nothing asked (unknown is no difference)",
            local: &["d d m700", "f d/a 1 1 m600"],
            remote: &["d d", "f d/a 1 1"],
            want: Ok(&[]),
            ..PERMS
        },
        Case {
            name: "setuid, setgid and sticky are not kept (servers drop them)",
            local: &["d d m2775", "f a 1 1 m4755"],
            remote: &["d d m775", "f a 1 1 m755"],
            want: Ok(&[]),
            ..PERMS
        },
        Case {
            name: "a changed file: the upload carries the bits, no chmod of its own",
            local: &["f a 2 2 m755"],
            remote: &["f a 1 1 m644"],
            want: Ok(&["up a 2 2 m755"]),
            ..PERMS
        },
        Case {
            name: "an existing folder with other bits",
            local: &["d d m750"],
            remote: &["d d m755"],
            want: Ok(&["chmod d 750"]),
            ..PERMS
        },
        Case {
            name: "a moved file keeps its bits: chmod after the rename where they differ",
            local: &["f b 1 1 i5 m600", "f d 1 1 i6 m644"],
            remote: &["f a 1 1 i5 m644", "f c 1 1 i6 m644"],
            want: Ok(&["mv a b", "chmod b 600", "mv c d"]),
            ..PERMS
        },
        Case {
            name: "a local side without bits (Windows): nothing",
            local: &["f a 1 1", "f new 1 1"],
            remote: &["f a 1 1 m600"],
            want: Ok(&["up new 1 1"]),
            ..PERMS
        },
        Case {
            name: "--no-perms: no chmod, uploads carry no bits",
            local: &["d d m700", "f a 1 1 m600", "f b 1 1 m755"],
            remote: &["f a 1 1 m644"],
            want: Ok(&["mkdir d", "up b 1 1"]),
            ..BASE
        },
        Case {
            name: "a file replaced by a folder: the folder's bits after its mkdir",
            local: &["d x m700"],
            remote: &["f x 1 1 m644"],
            want: Ok(&["rm x", "mkdir x", "chmod+ x 700"]),
            ..PERMS
        },
    ]);
}

#[test]
fn compare_size_only() {
    let size_only = Case {
        compare: Compare::SizeOnly,
        ..BASE
    };
    check(&[
        Case {
            name: "same size, other time or identity: left alone",
            local: &["f a 5 100", "f b 5 1 i7"],
            remote: &["f a 5 ?", "f b 5 1 i8"],
            want: Ok(&[]),
            ..size_only
        },
        Case {
            name: "another size: replaced; missing: sent; extra: deleted",
            local: &["f a 6 1", "f new 1 1"],
            remote: &["f a 5 1", "f old 1 1"],
            want: Ok(&["up a 6 1", "up new 1 1", "rm old"]),
            ..size_only
        },
    ]);
}

#[test]
fn compare_update() {
    let update = Case {
        compare: Compare::Update,
        ..BASE
    };
    check(&[
        Case {
            name: "a remote file newer than the local one is never replaced",
            local: &["f a 1 100", "f b 2 100"],
            remote: &["f a 1 200", "f b 9 101"],
            want: Ok(&[]),
            ..update
        },
        Case {
            name: "an older remote file is replaced",
            local: &["f a 2 100"],
            remote: &["f a 1 50"],
            want: Ok(&["up a 2 100"]),
            ..update
        },
        Case {
            name: "unknown time, not sent by ftpsh: may be newer, left alone",
            local: &["f a 2 100"],
            remote: &["f a 1 ?"],
            want: Ok(&[]),
            ..update
        },
        Case {
            name: "unknown time of a file ftpsh sent (recorded identity): replaced when changed",
            local: &["f a 2 100 i5"],
            remote: &["f a 1 ? i5"],
            want: Ok(&["up a 2 100"]),
            ..update
        },
        Case {
            name: "a file ftpsh sent, edited locally since: replaced",
            local: &["f a 2 300 i5"],
            remote: &["f a 1 100 i5"],
            want: Ok(&["up a 2 300"]),
            ..update
        },
        Case {
            name: "missing files are sent, unchanged ones left alone",
            local: &["f a 1 1", "f new 1 1"],
            remote: &["f a 1 1"],
            want: Ok(&["up new 1 1"]),
            ..update
        },
    ]);
}

#[test]
fn compare_ignore_existing() {
    let ignore = Case {
        compare: Compare::IgnoreExisting,
        ..BASE
    };
    check(&[
        Case {
            name: "an existing file is never replaced, whatever its size or time",
            local: &["f a 9 100", "f b 1 1"],
            remote: &["f a 1 ?", "f b 1 1"],
            want: Ok(&[]),
            ..ignore
        },
        Case {
            name: "missing files and folders are sent; deletes as usual",
            local: &["f a 9 100", "d d", "f d/x 1 1"],
            remote: &["f a 1 1", "f gone 1 1"],
            want: Ok(&["mkdir d", "up d/x 1 1", "rm gone"]),
            ..ignore
        },
        Case {
            name: "a kind change is a replacement too: left alone with what is under it",
            local: &["d a", "f a/x 1 1", "f b 1 1"],
            remote: &["f a 1 1", "d b", "f b/y 1 1"],
            want: Ok(&[]),
            ..ignore
        },
        Case {
            name: "with modes kept, an existing file still gets its bits",
            local: &["f a 9 100 m600"],
            remote: &["f a 1 1 m644"],
            want: Ok(&["chmod a 600"]),
            perms: true,
            ..ignore
        },
    ]);
}

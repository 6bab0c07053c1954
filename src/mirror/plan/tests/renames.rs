//! Planner tables: local moves sent as renames, identity, the server's zone offset.

use super::*;

// ---- rule 4: renames -----------------------------------------------------------------

#[test]
fn rule4_file_renames() {
    check(&[
        Case {
            name: "moved file is renamed",
            local: &["f new.txt 5 100 i7"],
            remote: &["f old.txt 5 100 i7"],
            want: Ok(&["mv old.txt new.txt"]),
            ..BASE
        },
        Case {
            name: "rename also with delete=false",
            local: &["f new.txt 5 100 i7"],
            remote: &["f old.txt 5 100 i7"],
            delete: false,
            want: Ok(&["mv old.txt new.txt"]),
            ..BASE
        },
        Case {
            name: "rename does not count as a delete",
            local: &["f new.txt 5 100 i7"],
            remote: &["f old.txt 5 100 i7"],
            max_delete: Some(0),
            want: Ok(&["mv old.txt new.txt"]),
            ..BASE
        },
        Case {
            name: "no local inode: never guess",
            local: &["f new.txt 5 100"],
            remote: &["f old.txt 5 100 i7"],
            want: Ok(&["up new.txt 5 100", "rm old.txt"]),
            ..BASE
        },
        Case {
            name: "no remote inode: never guess",
            local: &["f new.txt 5 100 i7"],
            remote: &["f old.txt 5 100"],
            want: Ok(&["up new.txt 5 100", "rm old.txt"]),
            ..BASE
        },
        Case {
            name: "different inode",
            local: &["f new.txt 5 100 i8"],
            remote: &["f old.txt 5 100 i7"],
            want: Ok(&["up new.txt 5 100", "rm old.txt"]),
            ..BASE
        },
        Case {
            name: "same inode but size differs",
            local: &["f new.txt 6 100 i7"],
            remote: &["f old.txt 5 100 i7"],
            want: Ok(&["up new.txt 6 100", "rm old.txt"]),
            ..BASE
        },
        Case {
            name: "same inode but mtime differs or unknown",
            local: &["f a.new 5 101 i7", "f b.new 5 100 i8"],
            remote: &["f a.old 5 100 i7", "f b.old 5 ? i8"],
            want: Ok(&["up a.new 5 101", "up b.new 5 100", "rm a.old", "rm b.old"]),
            ..BASE
        },
        Case {
            name: "hard links (two local paths, one inode) are ambiguous",
            local: &["f x 5 100 i7", "f y 5 100 i7"],
            remote: &["f old 5 100 i7"],
            want: Ok(&["up x 5 100", "up y 5 100", "rm old"]),
            ..BASE
        },
        Case {
            name: "source still present locally is not moved away",
            local: &["f old 5 100 i7", "f new 5 100 i7"],
            remote: &["f old 5 100 i7"],
            want: Ok(&["up new 5 100"]),
            ..BASE
        },
        Case {
            name: "rename into a new dir comes after its mkdir",
            local: &["d n", "f n/a 1 1 i7"],
            remote: &["f a 1 1 i7"],
            want: Ok(&["mkdir n", "mv a n/a"]),
            ..BASE
        },
        Case {
            name: "remote temp with a matching inode is never a rename source",
            local: &["f a 1 1 i7"],
            remote: &["f .ftpsh-part-1-a 1 1 i7"],
            want: Ok(&["rmtemp .ftpsh-part-1-a", "up a 1 1"]),
            ..BASE
        },
        Case {
            name: "no rename out of a remote dir that conflicts with a local file",
            local: &["f p 1 1", "f a 2 2 i7"],
            remote: &["d p", "f p/a 2 2 i7"],
            delete: false,
            want: Ok(&["up a 2 2"]),
            ..BASE
        },
    ]);
}

// ---- rule 4b: identity: content that moved is never lost, content that changed is sent

#[test]
fn rule4_identity() {
    check(&[
        Case {
            name: "a path whose inode changed is changed, even with size and mtime equal",
            local: &["f a 5 100 i2"],
            remote: &["f a 5 100 i1"],
            want: Ok(&["up a 5 100"]),
            ..BASE
        },
        Case {
            name: "unknown remote identity (not uploaded by us): size and mtime decide",
            local: &["f a 5 100 i2"],
            remote: &["f a 5 100"],
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "swap through a temporary name (mv a t; mv b a; mv t b): both sent",
            local: &["f a 5 100 i2", "f b 5 100 i1"],
            remote: &["f a 5 100 i1", "f b 5 100 i2"],
            want: Ok(&["up a 5 100", "up b 5 100"]),
            ..BASE
        },
        Case {
            name: "swap seen half-way (a moved to t): one rename",
            local: &["f b 5 100 i2", "f t 5 100 i1"],
            remote: &["f a 5 100 i1", "f b 5 100 i2"],
            want: Ok(&["mv a t"]),
            ..BASE
        },
        Case {
            name: "swap finished after a pass saw it half-way: both sent, t deleted",
            local: &["f a 5 100 i2", "f b 5 100 i1"],
            remote: &["f b 5 100 i2", "f t 5 100 i1"],
            want: Ok(&["up a 5 100", "up b 5 100", "rm t"]),
            ..BASE
        },
        Case {
            name: "mv a c; mv b a: the old a's content is not taken from a path still present",
            local: &["f a 5 100 i2", "f c 5 100 i1"],
            remote: &["f a 5 100 i1", "f b 5 100 i2"],
            want: Ok(&["up a 5 100", "up c 5 100", "rm b"]),
            ..BASE
        },
        Case {
            name: "rotation of three (a->b->c->a): all sent, none deleted",
            local: &["f a 5 100 i3", "f b 5 100 i1", "f c 5 100 i2"],
            remote: &["f a 5 100 i1", "f b 5 100 i2", "f c 5 100 i3"],
            want: Ok(&["up a 5 100", "up b 5 100", "up c 5 100"]),
            ..BASE
        },
        Case {
            name: "an edit within the recorded second (the nanoseconds moved): sent",
            local: &["f a 5 100.7 i1"],
            remote: &["f a 5 100.2 i1"],
            want: Ok(&["up a 5 100"]),
            ..BASE
        },
        Case {
            name: "the same second and nanoseconds: unchanged",
            local: &["f a 5 100.2 i1"],
            remote: &["f a 5 100.2 i1"],
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "a time recorded in whole seconds (an older record): the seconds decide",
            local: &["f a 5 100.7 i1"],
            remote: &["f a 5 100 i1"],
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "a listed time has no sub-second part: the seconds decide",
            local: &["f a 5 100.7"],
            remote: &["f a 5 100"],
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "no rename from a source whose nanoseconds differ: sent, old deleted",
            local: &["f new 5 100.7 i7"],
            remote: &["f old 5 100.2 i7"],
            want: Ok(&["up new 5 100", "rm old"]),
            ..BASE
        },
        Case {
            name: "a new file under an old name, the old content moved: rename source is gone",
            local: &["f 0 5 100 i1", "f a 5 100 i2"],
            remote: &["f a 5 100 i1"],
            want: Ok(&["up 0 5 100", "up a 5 100"]),
            ..BASE
        },
    ]);
}

// ---- rule 4c: listed times in the server's zone -------------------------------------

#[test]
fn rule4_zone_offset() {
    check(&[
        Case {
            name: "every listed time an hour ahead: nothing to send",
            local: &["f a 5 100", "f b 6 200", "f c 7 300"],
            remote: &["f a 5 3700", "f b 6 3800", "f c 7 3900"],
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "two hours behind, and a changed file still sent",
            local: &["f a 5 8000", "f b 6 9000", "f c 8 9999"],
            remote: &["f a 5 800", "f b 6 1800", "f c 7 1"],
            want: Ok(&["up c 8 9999"]),
            ..BASE
        },
        Case {
            name: "not uniform: no offset, the shifted file is sent",
            local: &["f a 5 100", "f b 6 200", "f c 7 300"],
            remote: &["f a 5 3700", "f b 6 200", "f c 7 300"],
            want: Ok(&["up a 5 100"]),
            ..BASE
        },
        Case {
            name: "one sample proves nothing",
            local: &["f a 5 100"],
            remote: &["f a 5 3700"],
            want: Ok(&["up a 5 100"]),
            ..BASE
        },
        Case {
            name: "not whole hours: no offset",
            local: &["f a 5 100", "f b 6 200"],
            remote: &["f a 5 160", "f b 6 260"],
            want: Ok(&["up a 5 100", "up b 6 200"]),
            ..BASE
        },
        Case {
            name: "one same-size edit among many twins: the offset stands, only the edit sent",
            local: &[
                "f a 5 100",
                "f b 6 200",
                "f c 7 300",
                "f d 8 400",
                "f e 9 500",
                "f g 3 600",
            ],
            remote: &[
                "f a 5 3700",
                "f b 6 3800",
                "f c 7 317",
                "f d 8 4000",
                "f e 9 4100",
                "f g 3 4200",
            ],
            want: Ok(&["up c 7 300"]),
            ..BASE
        },
        Case {
            name: "a file at the old time among shifted twins is sent (it is an hour off)",
            local: &["f a 5 100", "f b 6 200", "f c 7 300"],
            remote: &["f a 5 3700", "f b 6 3800", "f c 7 300"],
            want: Ok(&["up c 7 300"]),
            ..BASE
        },
        Case {
            name: "--update: a local edit an hour newer than the zoned server copy is sent",
            local: &["f a 5 100", "f b 6 200", "f c 9 3700"],
            remote: &["f a 5 7300", "f b 6 7400", "f c 7 7300"],
            compare: Compare::Update,
            want: Ok(&["up c 9 3700"]),
            ..BASE
        },
        Case {
            name: "--update: a server copy newer once the zone is taken off is kept",
            local: &["f a 5 100", "f b 6 200", "f c 9 3700"],
            remote: &["f a 5 7300", "f b 6 7400", "f c 7 14500"],
            compare: Compare::Update,
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "times ftpsh recorded (with identity) are not shifted",
            local: &["f a 5 100", "f b 6 200", "f r 1 50 i4"],
            remote: &["f a 5 3700", "f b 6 3800", "f r 1 3650 i4"],
            want: Ok(&["up r 1 50"]),
            ..BASE
        },
    ]);
}

#[test]
fn rule4_dir_renames() {
    check(&[
        Case {
            name: "moved dir: one rename, children compared under the new name",
            local: &["d b i1", "f b/w 4 4", "f b/x 1 1", "f b/y 9 9"],
            remote: &["d a i1", "f a/x 1 1", "f a/y 2 2", "f a/z 3 3"],
            want: Ok(&["mv a b", "up b/w 4 4", "up b/y 9 9", "rm b/z"]),
            ..BASE
        },
        Case {
            name: "moved dir with delete=false keeps extras",
            local: &["d b i1", "f b/x 1 1"],
            remote: &["d a i1", "f a/x 1 1", "f a/z 3 3"],
            delete: false,
            want: Ok(&["mv a b"]),
            ..BASE
        },
        Case {
            name: "rename target parent is created first",
            local: &["d n", "d n/b i1", "f n/b/x 1 1"],
            remote: &["d a i1", "f a/x 1 1"],
            want: Ok(&["mkdir n", "mv a n/b"]),
            ..BASE
        },
        Case {
            name: "nested dirs moved together: only the top rename",
            local: &["d b i1", "d b/s i2", "f b/s/f 1 1 i3"],
            remote: &["d a i1", "d a/s i2", "f a/s/f 1 1 i3"],
            want: Ok(&["mv a b"]),
            ..BASE
        },
        Case {
            name: "file renamed from its remapped path",
            local: &["d b i1", "f c 1 1 i7"],
            remote: &["d a i1", "f a/f 1 1 i7"],
            want: Ok(&["mv a b", "mv b/f c"]),
            ..BASE
        },
        Case {
            name: "file moved out before its old dir is renamed",
            local: &["f b 1 1 i7", "d z i1"],
            remote: &["d a i1", "f a/f 1 1 i7"],
            want: Ok(&["mv a/f b", "mv a z"]),
            ..BASE
        },
        Case {
            name: "subdir moved out of a dir that was renamed too",
            local: &["d b i1", "d c i2", "f c/x 1 1"],
            remote: &["d a i1", "d a/s i2", "f a/s/x 1 1"],
            want: Ok(&["mv a b", "mv b/s c"]),
            ..BASE
        },
        Case {
            name: "dir without inode is re-created",
            local: &["d b", "f b/x 1 1"],
            remote: &["d a i1", "f a/x 1 1"],
            want: Ok(&["mkdir b", "up b/x 1 1", "rm a/x", "rmdir a"]),
            ..BASE
        },
        Case {
            name: "renamed dir carries a temp (cleaned first) and a type conflict",
            local: &["d b i1", "d b/k", "f b/k/x 1 1"],
            remote: &["d a i1", "f a/.ftpsh-part-9-x 1 1", "f a/k 5 5"],
            want: Ok(&[
                "rmtemp a/.ftpsh-part-9-x",
                "mv a b",
                "rm b/k",
                "mkdir b/k",
                "up b/k/x 1 1",
            ]),
            ..BASE
        },
    ]);
}

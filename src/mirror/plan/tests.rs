use super::*;

// ---- tiny DSL -------------------------------------------------------------------------
// local:  "d PATH [iN]"            | "f PATH SIZE MTIME [iN]"
// remote: "d PATH [iN]"            | "f PATH SIZE MTIME|? [iN]"   ('?' = unknown mtime)
// action: "mkdir P" | "up P SIZE MTIME" | "mv FROM TO" | "rm P" | "rmdir P" | "rmtemp P"

struct Parsed {
    kind: Kind,
    path: String,
    size: u64,
    mtime: Option<i64>,
    inode: Option<u64>,
}

fn parse(spec: &str) -> Parsed {
    let words: Vec<&str> = spec.split_whitespace().collect();
    let kind = match words[0] {
        "f" => Kind::File,
        "d" => Kind::Dir,
        other => panic!("bad kind {other:?} in {spec:?}"),
    };
    let mut rest = &words[2..];
    let (mut size, mut mtime) = (0, Some(0));
    if kind == Kind::File {
        size = rest[0].parse().expect("size");
        mtime = (rest[1] != "?").then(|| rest[1].parse().expect("mtime"));
        rest = &rest[2..];
    }
    let inode = rest
        .first()
        .map(|w| w.strip_prefix('i').expect("iN").parse().expect("inode"));
    Parsed {
        kind,
        path: words[1].to_owned(),
        size,
        mtime,
        inode,
    }
}

fn snap(specs: &[&str]) -> Snapshot {
    specs
        .iter()
        .map(|s| {
            let p = parse(s);
            let mtime = p.mtime.expect("local mtime is always known");
            let entry = LocalEntry {
                kind: p.kind,
                size: p.size,
                mtime,
                inode: p.inode,
            };
            (p.path, entry)
        })
        .collect()
}

fn rtree(specs: &[&str]) -> RemoteTree {
    specs
        .iter()
        .map(|s| {
            let p = parse(s);
            let entry = RemoteEntry {
                kind: p.kind,
                size: p.size,
                mtime: p.mtime,
                inode: p.inode,
            };
            (p.path, entry)
        })
        .collect()
}

fn show(a: &Action) -> String {
    match a {
        Action::Mkdir(p) => format!("mkdir {p}"),
        Action::Upload { path, size, mtime } => format!("up {path} {size} {mtime}"),
        Action::Rename { from, to } => format!("mv {from} {to}"),
        Action::DeleteFile(p) => format!("rm {p}"),
        Action::RemoveDir(p) => format!("rmdir {p}"),
        Action::RemoveTemp(p) => format!("rmtemp {p}"),
    }
}

struct Case {
    name: &'static str,
    local: &'static [&'static str],
    remote: &'static [&'static str],
    excludes: &'static [&'static str],
    max_depth: usize,
    delete: bool,
    max_delete: Option<usize>,
    /// Remote folders whose listing could not be read whole.
    kept: &'static [&'static str],
    /// Files sent within their mtime second whose exact mtime moved since.
    untrusted: &'static [&'static str],
    /// Ok(actions, in walk order: see `phased`) or Err((planned, limit)).
    want: Result<&'static [&'static str], (usize, usize)>,
    /// Other processes' young temporaries the plan leaves alone.
    foreign: &'static [&'static str],
}

/// "Now" for every table: remote temporaries dated 1 are old, those dated `NOW` young.
const NOW: i64 = 100_000;
/// This process's upload tag in the tables.
const OWN_TAG: &str = "own";

/// The tables list a plan's actions in walk order: temps, then mkdir/rename/upload in path
/// order, then the final deletes. A plan hands them over in phases: everything up to the
/// last action that is not a delete is built (its structure in order, then its uploads in
/// order), the rest are the final deletes (files, then folders).
fn phased(flat: &[&str]) -> Vec<String> {
    let is_delete = |a: &&str| a.starts_with("rm ") || a.starts_with("rmdir ");
    let split = flat
        .iter()
        .rposition(|a| !is_delete(a))
        .map_or(0, |i| i + 1);
    let (built, finals) = flat.split_at(split);
    let (uploads, structure): (Vec<&str>, Vec<&str>) =
        built.iter().partition(|a| a.starts_with("up "));
    let (files, dirs): (Vec<&str>, Vec<&str>) = finals.iter().partition(|a| a.starts_with("rm "));
    [structure, uploads, files, dirs]
        .concat()
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn inputs<'a>(
    local: &'a Snapshot,
    remote: &'a RemoteTree,
    filter: &'a Filter,
    options: PlanOptions,
    untrusted: &'a HashSet<String>,
) -> Inputs<'a> {
    Inputs {
        local,
        remote,
        filter,
        options,
        now: NOW,
        own_tag: OWN_TAG,
        untrusted,
    }
}

const BASE: Case = Case {
    name: "",
    local: &[],
    remote: &[],
    excludes: &[],
    max_depth: 6,
    delete: true,
    max_delete: None,
    kept: &[],
    untrusted: &[],
    want: Ok(&[]),
    foreign: &[],
};

fn run(case: &Case) -> Result<Vec<String>, PlanError> {
    run_plan(case).map(|plan| plan.actions().map(show).collect())
}

fn run_plan(case: &Case) -> Result<Plan, PlanError> {
    let excludes: Vec<String> = case.excludes.iter().map(|s| s.to_string()).collect();
    let kept: Vec<String> = case.kept.iter().map(|s| s.to_string()).collect();
    let filter = Filter::new(case.max_depth, &excludes)
        .expect("valid globs")
        .keeping(&kept);
    let opts = PlanOptions {
        delete: case.delete,
        max_delete: case.max_delete,
        allow_mass_delete: true,
        root_moved: false,
    };
    let untrusted = case.untrusted.iter().map(|s| s.to_string()).collect();
    let (local, remote) = (snap(case.local), rtree(case.remote));
    plan(&inputs(&local, &remote, &filter, opts, &untrusted))
}

fn check(cases: &[Case]) {
    for case in cases {
        let got = run_plan(case);
        let want = match case.want {
            Ok(actions) => Ok(phased(actions)),
            Err((planned, limit)) => Err(PlanError::TooManyDeletes { planned, limit }),
        };
        let actions = got
            .as_ref()
            .map(|p| p.actions().map(show).collect())
            .map_err(Clone::clone);
        assert_eq!(actions, want, "case {:?}", case.name);
        let foreign: Vec<&str> = got
            .as_ref()
            .map(|p| p.foreign_temps.iter().map(|t| t.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            foreign, case.foreign,
            "case {:?}: foreign temporaries",
            case.name
        );
    }
}

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
    let plan = run_plan(&case).expect("a plan");
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
            want: Err((2, 1)),
            ..BASE
        },
    ]);
}

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

// ---- rule 5: temporary uploads -------------------------------------------------------

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
            remote: &["d p", "f p/.ftpsh-part-9x1-a 1 100000", "f p/x 1 1"],
            want: Ok(&["rm p/x"]),
            foreign: &["p/.ftpsh-part-9x1-a"],
            ..BASE
        },
        Case {
            name: "our own young temp is a leftover of our own attempt: removed",
            remote: &["f .ftpsh-part-own-a 1 100000"],
            want: Ok(&["rmtemp .ftpsh-part-own-a"]),
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
            want: Err((2, 1)),
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
        Ok(vec![
            "mv a b".to_string(),
            "mv y c".to_string(),
            "mv z d".to_string(),
            "rm w".to_string(),
        ])
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
            want: Err((1, 0)),
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
        };
        let (local, remote, none) = (snap(case.local), rtree(case.remote), HashSet::new());
        let got = plan(&inputs(&local, &remote, &filter, opts, &none)).unwrap();
        let actions: Vec<String> = got.actions().map(show).collect();
        let held = got.held.map(|h| (h.deletes, h.why));
        assert_eq!(
            (actions.as_slice(), held),
            (phased(case.want.0).as_slice(), case.want.1.clone()),
            "case {:?}",
            case.name
        );
        // Confirmed: the same plan with its deletes, nothing held.
        opts.allow_mass_delete = true;
        let confirmed = plan(&inputs(&local, &remote, &filter, opts, &none)).unwrap();
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
fn idle_and_error_text() {
    let err = PlanError::TooManyDeletes {
        planned: 3,
        limit: 1,
    };
    assert_eq!(
        err.to_string(),
        "refusing to delete 3 remote entries (limit is 1)"
    );
    let _: &dyn std::error::Error = &err;
}

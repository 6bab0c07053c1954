//! The planner's table tests: a tiny DSL for trees and actions, and the rules in files
//! `walk` (filter, mkdir/upload, times, phases, kind changes), `renames` (moves, identity,
//! zone offsets), `cleanup` (temporaries, deletes, order, the mass-delete guard), `holds`
//! (what a hold keeps, pass after pass) and `restores` (names an interrupted upload left
//! missing).

use super::*;
use crate::mirror::filter::{IgnoreFile, Rules};
use crate::transfer::ledger;
use crate::transfer::partial::Made;

mod backups;
mod cleanup;
mod holds;
mod modes;
mod renames;
mod restores;
mod walk;

// ---- tiny DSL -------------------------------------------------------------------------
// local:  "d PATH [iN] [mOOO]"     | "f PATH SIZE MTIME [iN] [mOOO]"
// remote: "d PATH [iN] [mOOO]"     | "f PATH SIZE MTIME|? [iN] [mOOO]"   ('?' = unknown mtime)
//         (MTIME: seconds, or seconds.fraction: a time kept to the nanosecond; a local
//         one without a fraction is at .0, a remote one has no sub-second part known)
//         (iN: inode N; mOOO: permission bits, octal)
// action: "mkdir P" | "up P SIZE MTIME [mOOO] [from TEMP]" | "mv FROM TO" | "rm P" | "rmdir P"
//         | "rmtemp P" | "chmod P OOO" | "chmod+ P OOO" (of an entry the pass creates)
// In remote paths, `~` is the fingerprint (see `temp_name`) of the local file a temporary
// is named for: `.ftpsh-part-9x1-0-~-a` is an upload of this very version of local `a`. In
// actions and foreign temporaries, every fingerprint but 0000000000000000 shows as `~`.

struct Parsed {
    kind: Kind,
    path: String,
    size: u64,
    mtime: Option<i64>,
    mtime_ns: Option<u32>,
    inode: Option<u64>,
    mode: Option<u32>,
}

fn parse(spec: &str) -> Parsed {
    let words: Vec<&str> = spec.split_whitespace().collect();
    let kind = match words[0] {
        "f" => Kind::File,
        "d" => Kind::Dir,
        other => panic!("bad kind {other:?} in {spec:?}"),
    };
    let mut rest = &words[2..];
    let (mut size, mut mtime, mut mtime_ns) = (0, Some(0), None);
    if kind == Kind::File {
        size = rest[0].parse().expect("size");
        if rest[1] != "?" {
            let (secs, fraction) = match rest[1].split_once('.') {
                Some((secs, fraction)) => (secs, Some(fraction)),
                None => (rest[1], None),
            };
            mtime = Some(secs.parse().expect("mtime"));
            mtime_ns = fraction.map(|f| format!("{f:0<9}").parse().expect("fraction"));
        } else {
            mtime = None;
        }
        rest = &rest[2..];
    }
    let (mut inode, mut mode) = (None, None);
    for word in rest {
        if let Some(n) = word.strip_prefix('i') {
            inode = Some(n.parse().expect("inode"));
        } else if let Some(bits) = word.strip_prefix('m') {
            mode = Some(u32::from_str_radix(bits, 8).expect("octal mode"));
        } else {
            panic!("bad word {word:?} in {spec:?}");
        }
    }
    Parsed {
        kind,
        path: words[1].to_owned(),
        size,
        mtime,
        mtime_ns,
        inode,
        mode,
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
                mtime_ns: p.mtime_ns.unwrap_or(0),
                inode: p.inode,
                mode: p.mode,
            };
            (p.path, entry)
        })
        .collect()
}

/// A remote path with `~` replaced by the fingerprint of the local file it names.
fn expand(path: &str, local: &Snapshot) -> String {
    let Some((_, name)) = path::file_name(path).split_once("~-") else {
        return path.to_string();
    };
    let target = path::join(path::parent(path), name);
    let l = local.get(&target).expect("a local twin for ~");
    let fingerprint = temp_name::Fingerprint::of(l.size, l.mtime, l.inode);
    path.replace('~', &format!("{:016x}", fingerprint.0))
}

/// A path as the tables show it: fingerprints but 0 as `~`.
fn abbreviate(path: &str) -> String {
    match temp_name::parse(path).map(|t| t.purpose) {
        Some(temp_name::Purpose::Upload(fp)) if fp.0 != 0 => {
            path.replace(&format!("{:016x}", fp.0), "~")
        }
        _ => path.to_string(),
    }
}

fn rtree(specs: &[&str]) -> RemoteTree {
    rtree_beside(specs, &Snapshot::default())
}

fn rtree_beside(specs: &[&str], local: &Snapshot) -> RemoteTree {
    specs
        .iter()
        .map(|s| {
            let mut p = parse(s);
            p.path = expand(&p.path, local);
            let entry = RemoteEntry {
                kind: p.kind,
                size: p.size,
                mtime: p.mtime,
                mtime_ns: p.mtime_ns,
                inode: p.inode,
                mode: p.mode,
            };
            (p.path, entry)
        })
        .collect()
}

fn show(a: &Action) -> String {
    match a {
        Action::Mkdir(p) => format!("mkdir {p}"),
        Action::Upload {
            path,
            size,
            mtime,
            mode,
            resume,
            keep_old,
        } => {
            let mode = mode.map_or_else(String::new, |m| format!(" m{m:o}"));
            let resume = resume
                .as_ref()
                .map_or_else(String::new, |t| format!(" from {}", abbreviate(t)));
            let keep = if *keep_old { " keep" } else { "" };
            format!("up {path} {size} {mtime}{mode}{resume}{keep}")
        }
        Action::Backup(p) => format!("bak {p}"),
        Action::Chmod {
            path,
            mode,
            created,
        } => format!("chmod{} {path} {mode:o}", if *created { "+" } else { "" }),
        Action::Rename { from, to } => format!("mv {from} {to}"),
        Action::DeleteFile(p) => format!("rm {p}"),
        Action::RemoveDir(p) => format!("rmdir {p}"),
        Action::RemoveTemp(p) => format!("rmtemp {}", abbreviate(p)),
        Action::Restore { from, to } => format!("restore {from} {to}"),
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
    /// Remote folders the server would not list: their contents unknown.
    unknown: &'static [&'static str],
    /// Temporaries listed that ftpsh did not make and record (its ledger has every other).
    unmade: &'static [&'static str],
    /// Files sent within their mtime second whose exact mtime moved since.
    untrusted: &'static [&'static str],
    /// The actions, in walk order (see `phased`); never Err (a plan always comes).
    want: Result<&'static [&'static str], std::convert::Infallible>,
    /// The deletes held, and why (None: nothing held).
    held: Option<(usize, HoldReason)>,
    /// Other processes' young temporaries the plan leaves alone.
    foreign: &'static [&'static str],
    /// `--exclude-from`: the ignore file's text.
    ignore: &'static str,
    /// `--include` globs.
    includes: &'static [&'static str],
    /// Paths left out with their subtree (a backup folder inside the mirror).
    protected: &'static [&'static str],
    /// `--backup-dir`.
    backup: bool,
    /// Keep permission bits (`mirror` does by default; off here unless a row says).
    perms: bool,
    compare: Compare,
}

/// "Now" for every table: remote temporaries dated 1 are old, those dated `NOW` young.
const NOW: i64 = 100_000;
/// This process's upload tag in the tables.
const OWN_TAG: &str = "1x1";

/// The tables list a plan's actions in walk order: temps, then mkdir/rename/upload in path
/// order, then the final deletes. A plan hands them over in phases: everything up to the
/// last action that is not a delete is built (its structure in order, then its uploads in
/// order), the rest are the final deletes (files, then folders).
fn phased(flat: &[&str]) -> Vec<String> {
    let is_file_delete = |a: &&str| a.starts_with("rm ") || a.starts_with("bak ");
    let is_delete = |a: &&str| is_file_delete(a) || a.starts_with("rmdir ");
    let split = flat
        .iter()
        .rposition(|a| !is_delete(a))
        .map_or(0, |i| i + 1);
    let (built, finals) = flat.split_at(split);
    let (uploads, structure): (Vec<&str>, Vec<&str>) =
        built.iter().partition(|a| a.starts_with("up "));
    let (files, dirs): (Vec<&str>, Vec<&str>) = finals.iter().partition(|a| is_file_delete(a));
    [structure, uploads, files, dirs]
        .concat()
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// Nothing held before, nothing confirmed.
static NO_HOLDS: std::sync::LazyLock<Holds> = std::sync::LazyLock::new(Holds::default);
static NO_PATHS: std::sync::LazyLock<HashSet<String>> = std::sync::LazyLock::new(HashSet::new);

fn inputs<'a>(
    local: &'a Snapshot,
    remote: &'a RemoteTree,
    filter: &'a Filter,
    options: PlanOptions,
    untrusted: &'a HashSet<String>,
    made: &'a Made,
) -> Inputs<'a> {
    Inputs {
        local,
        remote,
        filter,
        options,
        now: NOW,
        own_tag: OWN_TAG,
        untrusted,
        holds: &NO_HOLDS,
        confirmed: &NO_PATHS,
        made,
    }
}

/// The ledger as the tables assume it: every temporary listed was made and recorded by
/// ftpsh (an upload cut at its listed size, a file moved aside at its size), but `unmade`.
fn made_except(remote: &RemoteTree, unmade: &[String]) -> Made {
    Made::of(
        remote
            .iter()
            .filter(|(path, _)| !unmade.iter().any(|u| u == path))
            .filter_map(|(path, entry)| {
                let kind = match temp_name::parse(path)?.purpose {
                    temp_name::Purpose::Upload(_) => ledger::Kind::Upload,
                    temp_name::Purpose::Aside => ledger::Kind::Aside,
                };
                Some(ledger::Record {
                    kind,
                    place: "alice@h:21".into(),
                    key: crate::ftp::path::file_name(path).into(),
                    size: Some(entry.size),
                    time: None,
                    identity: None,
                    birth: None,
                })
            }),
    )
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
    unknown: &[],
    unmade: &[],
    untrusted: &[],
    want: Ok(&[]),
    held: None,
    foreign: &[],
    ignore: "",
    includes: &[],
    protected: &[],
    backup: false,
    perms: false,
    compare: Compare::Exact,
};

fn run(case: &Case) -> Vec<String> {
    run_plan(case).actions().map(show).collect()
}

fn run_plan(case: &Case) -> Plan {
    let excludes: Vec<String> = case.excludes.iter().map(|s| s.to_string()).collect();
    let kept: Vec<String> = case.kept.iter().map(|s| s.to_string()).collect();
    let protected: Vec<String> = case.protected.iter().map(|s| s.to_string()).collect();
    let unknown: Vec<String> = case.unknown.iter().map(|s| s.to_string()).collect();
    let rules = Rules {
        excludes,
        ignore_files: vec![IgnoreFile {
            path: "test.ignore".into(),
            text: case.ignore.to_string(),
        }],
        includes: case.includes.iter().map(|s| s.to_string()).collect(),
    };
    let filter = Filter::with_rules(case.max_depth, &rules)
        .expect("valid globs")
        .keeping(&kept)
        .protecting(&protected)
        .unknown(&unknown);
    let opts = PlanOptions {
        delete: case.delete,
        max_delete: case.max_delete,
        allow_mass_delete: true,
        root_moved: false,
        backup: case.backup,
        perms: case.perms,
        compare: case.compare,
    };
    let untrusted = case.untrusted.iter().map(|s| s.to_string()).collect();
    let local = snap(case.local);
    let remote = rtree_beside(case.remote, &local);
    let unmade: Vec<String> = case.unmade.iter().map(|u| expand(u, &local)).collect();
    let made = made_except(&remote, &unmade);
    plan(&inputs(&local, &remote, &filter, opts, &untrusted, &made))
}

fn check(cases: &[Case]) {
    for case in cases {
        let got = run_plan(case);
        let actions: Vec<String> = got.actions().map(show).collect();
        let want = case.want.unwrap_or_else(|never| match never {});
        assert_eq!(actions, phased(want), "case {:?}", case.name);
        let held = got.held.map(|h| (h.deletes, h.why));
        assert_eq!(held, case.held, "case {:?}: held", case.name);
        let foreign: Vec<String> = got.foreign_temps.iter().map(|t| abbreviate(t)).collect();
        assert_eq!(
            foreign, case.foreign,
            "case {:?}: foreign temporaries",
            case.name
        );
    }
}

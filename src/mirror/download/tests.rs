//! Table tests of the download mirror's rules.

use super::*;
use crate::mirror::filter::Filter;
use crate::mirror::plan::{self, Inputs, PlanOptions};

fn file(size: u64, mtime: i64) -> Listed {
    Listed {
        kind: Kind::File,
        size,
        mtime: Some(mtime),
        mode: None,
    }
}

fn local(size: u64, mtime: i64, inode: u64) -> LocalEntry {
    LocalEntry {
        kind: Kind::File,
        size,
        mtime,
        mtime_ns: 0,
        inode: Some(inode),
        mode: None,
    }
}

fn recorded(size: u64, mtime: i64, inode: u64) -> RemoteEntry {
    RemoteEntry {
        kind: Kind::File,
        size,
        mtime: Some(mtime),
        mtime_ns: None,
        inode: Some(inode),
        mode: None,
    }
}

/// Plans a download: `remote` listed, `scan` of LOCAL, with the record of what ftpsh wrote.
fn plan_download(
    remote: &[(&str, Listed)],
    scan: &[(&str, LocalEntry)],
    record: &RemoteTree,
    delete: bool,
) -> (Plan, RemoteTree) {
    let source = source_snapshot(remote.iter().copied(), record);
    let scan: Snapshot = scan.iter().copied().collect();
    let dest = destination_tree(&scan, &|_| false);
    let filter = Filter::new(6, &[]).unwrap();
    let inputs = Inputs {
        local: &source,
        remote: &dest,
        filter: &filter,
        options: PlanOptions {
            delete,
            allow_mass_delete: true,
            ..PlanOptions::default()
        },
        now: 1_000_000,
        own_tag: "1x1",
        untrusted: &HashSet::new(),
        holds: &Default::default(),
        confirmed: &HashSet::new(),
        made: &crate::transfer::partial::Made::default(),
    };
    (plan::plan(&inputs), dest)
}

fn verbs(plan: &Plan) -> Vec<String> {
    plan.actions()
        .map(|a| crate::mirror::apply::describe_plan(a, true))
        .collect()
}

#[test]
fn the_planner_run_the_other_way() {
    let rec = |rows: &[(&str, RemoteEntry)]| -> RemoteTree { rows.iter().copied().collect() };
    // (what, remote listing, local scan, record, delete, actions, conflicts)
    type Row<'a> = (
        &'a str,
        Vec<(&'a str, Listed)>,
        Vec<(&'a str, LocalEntry)>,
        RemoteTree,
        bool,
        Vec<&'a str>,
        Vec<&'a str>,
    );
    let table: Vec<Row> = vec![
        (
            "new file fetched",
            vec![("a", file(3, 100))],
            vec![],
            rec(&[]),
            true,
            vec!["RETR a (3 bytes)"],
            vec![],
        ),
        (
            "same size and time: nothing",
            vec![("a", file(3, 100))],
            vec![("a", local(3, 100, 7))],
            rec(&[("a", recorded(3, 100, 7))]),
            true,
            vec![],
            vec![],
        ),
        (
            "same size and time, no record (adopted): nothing",
            vec![("a", file(3, 100))],
            vec![("a", local(3, 100, 7))],
            rec(&[]),
            true,
            vec![],
            vec![],
        ),
        (
            "changed remotely, local as written: fetched",
            vec![("a", file(4, 200))],
            vec![("a", local(3, 100, 7))],
            rec(&[("a", recorded(3, 100, 7))]),
            true,
            vec!["RETR a (4 bytes)"],
            vec![],
        ),
        (
            "edited locally (time): conflict",
            vec![("a", file(3, 100))],
            vec![("a", local(3, 150, 7))],
            rec(&[("a", recorded(3, 100, 7))]),
            true,
            vec!["RETR a (3 bytes)"],
            vec!["a"],
        ),
        (
            "replaced locally (inode): conflict",
            vec![("a", file(4, 200))],
            vec![("a", local(3, 100, 8))],
            rec(&[("a", recorded(3, 100, 7))]),
            true,
            vec!["RETR a (4 bytes)"],
            vec!["a"],
        ),
        (
            "not written by ftpsh, differs: conflict",
            vec![("a", file(4, 200))],
            vec![("a", local(3, 100, 7))],
            rec(&[]),
            true,
            vec!["RETR a (4 bytes)"],
            vec!["a"],
        ),
        (
            "gone remotely, as written: deleted",
            vec![],
            vec![("a", local(3, 100, 7)), ("b", local(1, 1, 9))],
            rec(&[("a", recorded(3, 100, 7))]),
            true,
            vec!["DELE a", "DELE b"],
            vec!["b"],
        ),
        (
            "gone remotely, --no-delete: kept, no conflict",
            vec![],
            vec![("a", local(3, 100, 7))],
            rec(&[]),
            false,
            vec![],
            vec![],
        ),
        (
            "renamed remotely: fetched anew, old deleted",
            vec![("new", file(3, 100))],
            vec![("old", local(3, 100, 7))],
            rec(&[("old", recorded(3, 100, 7))]),
            true,
            vec!["RETR new (3 bytes)", "DELE old"],
            vec![],
        ),
        (
            "remote temporaries are no source",
            vec![(".ftpsh-part-1x2-0-0123456789abcdef-a", file(3, 100))],
            vec![],
            rec(&[]),
            true,
            vec![],
            vec![],
        ),
        (
            "local stale temporary cleaned",
            vec![],
            vec![(".ftpsh-part-9x2-0-0123456789abcdef-a", local(3, 100, 7))],
            rec(&[]),
            false,
            vec!["CLEAN .ftpsh-part-9x2-0-0123456789abcdef-a"],
            vec![],
        ),
        (
            "the listing shifted an hour since (DST): nothing fetched, no conflict",
            vec![
                ("a", file(3, 3700)),
                ("b", file(4, 3800)),
                ("c", file(5, 3900)),
            ],
            vec![
                ("a", local(3, 100, 7)),
                ("b", local(4, 200, 8)),
                ("c", local(5, 300, 9)),
            ],
            rec(&[
                ("a", recorded(3, 100, 7)),
                ("b", recorded(4, 200, 8)),
                ("c", recorded(5, 300, 9)),
            ]),
            true,
            vec![],
            vec![],
        ),
        (
            "shifted an hour, one also edited on the server: only it fetched",
            vec![
                ("a", file(3, 3700)),
                ("b", file(4, 3800)),
                ("c", file(5, 9999)),
            ],
            vec![
                ("a", local(3, 100, 7)),
                ("b", local(4, 200, 8)),
                ("c", local(5, 300, 9)),
            ],
            rec(&[
                ("a", recorded(3, 100, 7)),
                ("b", recorded(4, 200, 8)),
                ("c", recorded(5, 300, 9)),
            ]),
            true,
            vec!["RETR c (5 bytes)"],
            vec![],
        ),
        (
            "one file an hour off, the rest not: it is fetched (no majority shift)",
            vec![
                ("a", file(3, 3700)),
                ("b", file(4, 200)),
                ("c", file(5, 300)),
            ],
            vec![
                ("a", local(3, 100, 7)),
                ("b", local(4, 200, 8)),
                ("c", local(5, 300, 9)),
            ],
            rec(&[
                ("a", recorded(3, 100, 7)),
                ("b", recorded(4, 200, 8)),
                ("c", recorded(5, 300, 9)),
            ]),
            true,
            vec!["RETR a (3 bytes)"],
            vec![],
        ),
        (
            "year 9999 on the server: no time, the recorded copy matches by size",
            vec![("a", file(3, 253_402_300_799))],
            vec![("a", local(3, 100, 7))],
            rec(&[("a", recorded(3, 100, 7))]),
            true,
            vec![],
            vec![],
        ),
        (
            "year 0001 on the server: no time, the recorded copy matches by size",
            vec![("a", file(3, -62_135_596_800))],
            vec![("a", local(3, 100, 7))],
            rec(&[("a", recorded(3, 100, 7))]),
            true,
            vec![],
            vec![],
        ),
    ];
    for (what, remote, scan, record, delete, want, want_conflicts) in table {
        let (plan, dest) = plan_download(&remote, &scan, &record, delete);
        assert_eq!(verbs(&plan), want, "{what}");
        assert_eq!(conflicts(&plan, &dest, &record), want_conflicts, "{what}");
    }
}

#[test]
fn a_server_without_times_is_compared_by_size_once_recorded() {
    let untimed = Listed {
        kind: Kind::File,
        size: 3,
        mtime: None,
        mode: None,
    };
    let record: RemoteTree = [("a", recorded(3, 100, 7))].into_iter().collect();
    let source = source_snapshot([("a", untimed)], &record);
    assert_eq!(source.get("a").unwrap().mtime, 100);
    let source = source_snapshot([("a", untimed)], &RemoteTree::new());
    assert_eq!(source.get("a").unwrap().mtime, i64::MIN);
    // Fetched without a time: recorded at whatever time it got, by size.
    let dest: RemoteTree = [("a", recorded(3, 555, 7))].into_iter().collect();
    assert_eq!(record_of(&source, &dest), ["a"]);
}

fn record_of(source: &Snapshot, dest: &RemoteTree) -> Vec<String> {
    record(source, dest, &RemoteTree::new())
        .keys()
        .map(str::to_owned)
        .collect()
}

#[test]
fn only_files_holding_the_servers_content_are_recorded() {
    let source: Snapshot = [("a", local(3, 100, 0)), ("b", local(3, 100, 0))]
        .into_iter()
        .collect();
    let dest: RemoteTree = [
        ("a", recorded(3, 100, 7)),
        ("b", recorded(3, 101, 8)),
        ("c", recorded(3, 100, 9)),
    ]
    .into_iter()
    .collect();
    assert_eq!(record_of(&source, &dest), ["a"]);
    let keys = |t: RemoteTree| -> Vec<String> { t.keys().map(str::to_owned).collect() };
    // Still as ftpsh left them (--no-delete kept c): still recorded; b changed: not.
    let last: RemoteTree = [("b", recorded(3, 100, 8)), ("c", recorded(3, 100, 9))]
        .into_iter()
        .collect();
    assert_eq!(keys(record(&source, &dest, &last)), ["a", "c"]);
    // What the pass did not see (an exclude, the depth limit) stays recorded.
    let unseen: RemoteTree = [("deep/x", recorded(1, 1, 1))].into_iter().collect();
    assert_eq!(keys(record(&source, &dest, &unseen)), ["a", "deep/x"]);
}

#[test]
fn conflict_names_sort_by_time_and_are_recognised() {
    let table = [
        ("a.txt", 0, "a.txt.ftpsh-conflict-19700101T000000Z"),
        ("d/b", 1_704_067_200, "d/b.ftpsh-conflict-20240101T000000Z"),
    ];
    for (rel, now, want) in table {
        assert_eq!(conflict_name(rel, now), want);
        assert!(is_conflict(want));
        assert!(!is_conflict(rel));
    }
}

#[test]
fn a_shifted_listing_dates_new_files_in_step_with_the_old_ones() {
    let record: RemoteTree = [("a", recorded(3, 100, 7)), ("b", recorded(4, 200, 8))]
        .into_iter()
        .collect();
    let listed = [
        ("a", file(3, 3700)),
        ("b", file(4, 3800)),
        ("new", file(9, 7200)),
    ];
    let source = source_snapshot(listed, &record);
    let times: Vec<i64> = ["a", "b", "new"]
        .iter()
        .map(|rel| source.get(rel).unwrap().mtime)
        .collect();
    assert_eq!(times, [100, 200, 3600]);
    // A time no file system holds is no time: fetched, then compared by size.
    let far = [("x", file(1, 253_402_300_799))];
    assert_eq!(
        source_snapshot(far, &RemoteTree::new())
            .get("x")
            .unwrap()
            .mtime,
        i64::MIN
    );
}

#[test]
fn server_modes_come_less_the_umask_and_a_changed_one_is_a_chmod() {
    assert_eq!(local_mode(0o4755, 0o022), 0o755);
    assert_eq!(local_mode(0o777, 0o022), 0o755);
    assert_eq!(local_mode(0o644, 0o077), 0o600);
    let moded = |size, mtime, mode| Listed {
        mode: Some(mode),
        ..file(size, mtime)
    };
    let record: RemoteTree = [("same", recorded(3, 100, 7)), ("x", recorded(3, 100, 8))]
        .into_iter()
        .collect();
    let remote = [
        ("new", moded(1, 50, 0o755)),
        ("same", moded(3, 100, 0o644)),
        ("x", moded(3, 100, 0o755)),
        ("unsaid", file(3, 100)),
    ];
    let scan: Snapshot = [
        (
            "same",
            LocalEntry {
                mode: Some(0o644),
                ..local(3, 100, 7)
            },
        ),
        (
            "x",
            LocalEntry {
                mode: Some(0o644),
                ..local(3, 100, 8)
            },
        ),
        (
            "unsaid",
            LocalEntry {
                mode: Some(0o600),
                ..local(3, 100, 9)
            },
        ),
    ]
    .into_iter()
    .collect();
    let source = source_snapshot(remote, &record);
    let dest = destination_tree(&scan, &|_| false);
    let filter = Filter::new(6, &[]).unwrap();
    let options = PlanOptions {
        delete: true,
        allow_mass_delete: true,
        perms: true,
        ..PlanOptions::default()
    };
    let plan = plan::plan(&Inputs {
        local: &source,
        remote: &dest,
        filter: &filter,
        options,
        now: 1_000_000,
        own_tag: "1x1",
        untrusted: &HashSet::new(),
        holds: &Default::default(),
        confirmed: &HashSet::new(),
        made: &crate::transfer::partial::Made::default(),
    });
    // A new file comes with its bits; a known one whose bits changed is a chmod, not a
    // fetch; a server that gives no bits leaves the local ones alone.
    assert_eq!(verbs(&plan), ["CHMOD x (755)", "RETR new (1 byte)"]);
    let modes: Vec<Option<u32>> = plan
        .uploads
        .iter()
        .map(|a| match a {
            Action::Upload { mode, .. } => *mode,
            _ => None,
        })
        .collect();
    assert_eq!(modes, [Some(0o755)]);
}

//! Planner tables: a name an interrupted upload left missing gets its old file back.

use super::*;

// ---- rule 5b: an upload stopped between its two renames ---------------------------------

#[test]
fn rule5b_restore_what_an_interrupted_upload_moved_aside() {
    check(&[
        Case {
            name: "a missing name gets its -old- copy back first; the local file is sent again",
            local: &["d d", "f d/x 3 100"],
            remote: &[
                "d d",
                "f d/.ftpsh-part-9x9-1-old-x 3 100000",
                "f d/.ftpsh-part-9x9-2-0123456789abcdef-x 3 100000",
            ],
            want: Ok(&["restore d/.ftpsh-part-9x9-1-old-x d/x", "up d/x 3 100"]),
            foreign: &["d/.ftpsh-part-9x9-2-~-x"],
            ..BASE
        },
        Case {
            name: "nothing local under the name, --no-delete: the copy keeps the name",
            remote: &["f .ftpsh-part-1x1-1-old-x 3 5"],
            delete: false,
            want: Ok(&["restore .ftpsh-part-1x1-1-old-x x"]),
            ..BASE
        },
        Case {
            name: "nothing local under the name, delete: restored, then deleted as an extra",
            local: &["f y 1 1"],
            remote: &["f .ftpsh-part-1x1-1-old-x 3 5", "f y 1 1"],
            want: Ok(&["restore .ftpsh-part-1x1-1-old-x x", "rm x"]),
            ..BASE
        },
        Case {
            name: "the name is there (the new file arrived): the copy is a stale temp",
            local: &["f x 3 5"],
            remote: &["f .ftpsh-part-1x1-1-old-x 3 5", "f x 3 5"],
            want: Ok(&["rmtemp .ftpsh-part-1x1-1-old-x"]),
            ..BASE
        },
        Case {
            name: "two copies: the newest goes back, the other is a stale temp",
            remote: &[
                "f .ftpsh-part-1x1-1-old-x 3 5",
                "f .ftpsh-part-1x1-2-old-x 4 7",
            ],
            delete: false,
            want: Ok(&[
                "restore .ftpsh-part-1x1-2-old-x x",
                "rmtemp .ftpsh-part-1x1-1-old-x",
            ]),
            ..BASE
        },
        Case {
            name: "a folder under the name: the copy is a stale temp",
            local: &["d x"],
            remote: &["d x", "f .ftpsh-part-1x1-1-old-x 3 5"],
            want: Ok(&["rmtemp .ftpsh-part-1x1-1-old-x"]),
            ..BASE
        },
        Case {
            name: "a copy where the walk does not reach stays where it is",
            remote: &["d a", "f a/.ftpsh-part-1x1-1-old-x 3 5"],
            max_depth: 1,
            want: Ok(&[]),
            ..BASE
        },
        Case {
            name: "a copy ftpsh did not move aside (planted) is never put back: a stale \
                   temporary, the name stays missing",
            remote: &[
                "f .ftpsh-part-1x1-1-old-x 3 5",
                "f .ftpsh-part-1x1-2-old-x 4 9",
            ],
            unmade: &[".ftpsh-part-1x1-2-old-x"],
            delete: false,
            want: Ok(&[
                "restore .ftpsh-part-1x1-1-old-x x",
                "rmtemp .ftpsh-part-1x1-2-old-x",
            ]),
            ..BASE
        },
        Case {
            name: "an upload's temporary is never restored, however complete",
            remote: &["f .ftpsh-part-1x1-2-0123456789abcdef-x 3 5"],
            delete: false,
            want: Ok(&["rmtemp .ftpsh-part-1x1-2-~-x"]),
            ..BASE
        },
    ]);
}

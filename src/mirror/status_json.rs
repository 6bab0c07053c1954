//! `mirror status --json`: the jobs as a JSON array, one object per job, for monitoring.

use std::time::SystemTime;

use serde_json::Value;

use super::job::{JobState, JobStatus};
use crate::journal::JsonObject;

/// One job as `mirror status` knows it.
pub struct Row<'a> {
    pub id: usize,
    pub local: &'a str,
    pub remote: &'a str,
    /// `mirror --download`: REMOTE is copied into LOCAL.
    pub download: bool,
    pub status: &'a JobStatus,
}

/// `[{...},\n{...}]`: keys `id`, `state`, `local`, `remote`, `direction` (`upload` or
/// `download`), `passes`, `last_pass` (RFC 3339
/// UTC or null), `last_pass_ms`, `files`, `bytes`, `renamed`, `deleted`, `backed_up`, `errors`,
/// `skipped`, `below_depth`, `held_deletes` (deletes held until the user confirms them),
/// `held` (what the job said about them, or null), `last_error` (or null), `next_check`
/// (RFC 3339 UTC or null).
pub fn render(rows: &[Row]) -> String {
    let time = |t: Option<SystemTime>| t.map_or(Value::Null, |t| crate::clock::rfc3339(t).into());
    let objects: Vec<String> = rows
        .iter()
        .map(|row| {
            let s = row.status;
            let mut object = JsonObject::new();
            object.field("id", row.id.into());
            object.field("state", s.state.to_string().into());
            object.name("local", Some(row.local));
            object.name("remote", Some(row.remote));
            let direction = if row.download { "download" } else { "upload" };
            object.field("direction", direction.into());
            object.field("passes", s.passes.into());
            object.field("last_pass", time(s.last_pass_end));
            let took = u64::try_from(s.last_pass_duration.as_millis()).unwrap_or(u64::MAX);
            object.field("last_pass_ms", took.into());
            object.field("files", s.files_sent.into());
            object.field("bytes", s.bytes_sent.into());
            object.field("renamed", s.renames.into());
            object.field("deleted", s.deletes.into());
            object.field("backed_up", s.backed_up.into());
            object.field("errors", s.errors.into());
            object.field("skipped", s.skipped.into());
            object.field("below_depth", s.below_depth.into());
            object.field("held_deletes", s.held_deletes.into());
            object.field(
                "held",
                s.held
                    .as_deref()
                    .map_or(Value::Null, crate::journal::json_text),
            );
            let last_error = match &s.state {
                JobState::Failed(message) => Some(message.as_str()),
                _ => s.last_error.as_deref(),
            };
            object.field(
                "last_error",
                last_error.map_or(Value::Null, crate::journal::json_text),
            );
            object.field("next_check", time(s.next_check));
            object.finish()
        })
        .collect();
    format!("[{}]", objects.join(",\n"))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn jobs_render_as_a_json_array() {
        assert_eq!(render(&[]), "[]");
        let idle = JobStatus {
            state: JobState::Idle,
            passes: 3,
            last_pass_end: Some(UNIX_EPOCH + Duration::from_secs(1_795_341_601)),
            last_pass_duration: Duration::from_millis(12),
            files_sent: 5,
            bytes_sent: 5120,
            last_error: Some("STOR x: 451 \u{1b}[2Jbusy".into()),
            held_deletes: 263,
            held: Some("263 remote deletes held: why".into()),
            ..JobStatus::default()
        };
        let failed = JobStatus {
            state: JobState::Failed("login refused: 530".into()),
            next_check: Some(UNIX_EPOCH + Duration::from_secs(1_795_341_631)),
            ..JobStatus::default()
        };
        let text = render(&[
            Row {
                id: 1,
                local: "/home/a/site",
                remote: "/www",
                download: false,
                status: &idle,
            },
            Row {
                id: 2,
                local: "/home/a/b",
                remote: "/b",
                download: true,
                status: &failed,
            },
        ]);
        assert!(!text.contains('\u{1b}'), "{text}");
        let Value::Array(jobs) = serde_json::from_str(&text).expect("valid JSON") else {
            panic!("not an array: {text}");
        };
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0]["state"], "idle");
        assert_eq!(jobs[0]["passes"], 3);
        assert_eq!(jobs[0]["last_pass"], "2026-11-22T10:00:01.000000Z");
        assert_eq!(jobs[0]["last_pass_ms"], 12);
        assert_eq!(jobs[0]["bytes"], 5120);
        assert_eq!(jobs[0]["last_error"], "STOR x: 451 \u{1b}[2Jbusy");
        assert_eq!(jobs[0]["next_check"], Value::Null);
        assert_eq!(jobs[0]["direction"], "upload");
        assert_eq!(jobs[0]["held_deletes"], 263);
        assert_eq!(jobs[0]["held"], "263 remote deletes held: why");
        assert_eq!(jobs[1]["held_deletes"], 0);
        assert_eq!(jobs[1]["held"], Value::Null);
        assert_eq!(jobs[1]["direction"], "download");
        assert_eq!(jobs[1]["state"], "failed");
        assert_eq!(jobs[1]["last_error"], "login refused: 530");
        assert_eq!(jobs[1]["last_pass"], Value::Null);
        assert_eq!(jobs[1]["next_check"], "2026-11-22T10:00:31.000000Z");
    }
}

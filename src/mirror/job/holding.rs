//! The deletes a job holds (see `plan::holds`): loaded with its state, kept pass after pass,
//! saved beside the state, shown in `mirror status`, said once, and released only by the
//! user (`--allow-mass-delete` when the job starts, `mirror confirm N` while it runs).

use std::collections::HashSet;
use std::path::Path;

use super::MirrorOptions;
use super::runner::Runner;
use crate::journal::{Entry, Outcome};
use crate::mirror::plan::{Holds, Plan};
use crate::mirror::state;

impl Runner {
    /// The deletes held by earlier runs over this state, and those the user confirms by
    /// starting this one with `--allow-mass-delete` (all of them).
    pub(super) fn load_holds(
        state_file: Option<&Path>,
        options: &MirrorOptions,
    ) -> (Holds, HashSet<String>) {
        let holds = state_file
            .map(|file| state::load_holds(&state::holds_file(file)))
            .unwrap_or_default();
        if options.allow_mass_delete && !options.dry_run {
            (Holds::default(), holds.paths())
        } else if options.allow_mass_delete {
            // A dry run changes nothing, but shows what the confirmation would run.
            let paths = holds.paths();
            (holds, paths)
        } else {
            (holds, HashSet::new())
        }
    }

    /// Before a pass: `mirror confirm` releases what the job holds (journal `CONFIRM`), and
    /// the pass then plans even though nothing changed on disk. The local root's device as
    /// it is now is confirmed too (a hold for a moved root ends).
    pub(super) fn take_confirmation(&mut self) {
        if !self.stopper.take_confirmation() || self.holds.is_empty() {
            return;
        }
        let line = format!("{} held deletes confirmed", self.holds.len());
        self.journal.write(&Entry {
            job: self.id,
            action: "CONFIRM",
            outcome: Some(Outcome::Ok),
            message: Some(&line),
            ..Entry::default()
        });
        self.say(&line);
        self.confirmed.extend(self.holds.paths());
        self.keep_holds(Holds::default());
        self.accepted_device = super::pass::root_device(&self.spec.local);
        self.settled = None;
    }

    /// After planning: the plan's holds are the job's (saved beside its state, shown in its
    /// status), and a hold is said once (journal `HOLD`, terminal), not every pass.
    pub(super) fn after_planning(&mut self, plan: &Plan) {
        let said = plan.held.as_ref().map(|held| {
            let line = held.describe(self.spec.options.download, self.id);
            if self.said_hold.as_ref() != Some(&line) {
                self.journal.write(&Entry {
                    job: self.id,
                    action: "HOLD",
                    outcome: Some(Outcome::Held),
                    message: Some(&line),
                    ..Entry::default()
                });
                self.say(&line);
            }
            line
        });
        if let Ok(mut status) = self.status.lock() {
            status.held_deletes = plan.held.as_ref().map_or(0, |h| h.deletes as u64);
            status.held.clone_from(&said);
        }
        self.said_hold = said;
        if !self.spec.options.dry_run {
            self.keep_holds(plan.holds.clone());
        }
    }

    /// Keeps `holds` as the job's, saved beside its state when they changed.
    fn keep_holds(&mut self, holds: Holds) {
        if holds == self.holds {
            return;
        }
        self.holds = holds;
        if let Some(file) = &self.state_file
            && let Err(err) = state::save_holds(&state::holds_file(file), &self.holds)
        {
            self.report_problems(&[err.to_string()]);
        }
    }
}

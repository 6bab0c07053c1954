//! Which relative paths the mirror considers at all: the depth limit and the exclude globs.
//!
//! Glob syntax is `globset`'s, with `*` and `?` never crossing a '/'. An exclude is classified
//! like rsync / gitignore patterns:
//! - without '/' (`*.tmp`, `.git`): matched against the file name of every component, at any level;
//! - with '/' (`build/out/*`, `**/cache`): matched against the whole relative path;
//! - a leading '/' anchors a pattern at the mirror root (`/build` excludes only the top-level
//!   `build`), a trailing '/' is ignored (`node_modules/` behaves like `node_modules`, also for
//!   files, since the filter does not know kinds); patterns that are empty after that are ignored.
//!
//! Excluding a directory excludes everything under it.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::ftp::path;

/// Depth limit plus exclude globs.
#[derive(Debug, Clone)]
pub struct Filter {
    max_depth: usize,
    /// Patterns without '/', matched against each component's file name.
    names: GlobSet,
    /// Patterns with '/' (or anchored), matched against the whole relative path of each ancestor.
    paths: GlobSet,
    /// Paths (and everything under them) the local walk could not read: neither uploaded nor
    /// deleted, since we do not know what they hold.
    protected: Vec<String>,
    /// Remote folders whose listing could not be read whole: uploads still go in, but
    /// nothing in them (or above them) is deleted, since we do not know all they hold.
    kept: Vec<String>,
}

impl Filter {
    /// `max_depth`: depth 1 = direct children of the mirror root (walkdir's convention).
    pub fn new(max_depth: usize, exclude_globs: &[String]) -> Result<Filter, globset::Error> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for raw in exclude_globs {
            let trimmed = raw.trim_end_matches('/');
            let (pattern, anchored) = match trimmed.strip_prefix('/') {
                Some(rest) => (rest, true),
                None => (trimmed, false),
            };
            if pattern.is_empty() {
                continue;
            }
            let glob = GlobBuilder::new(pattern).literal_separator(true).build()?;
            if anchored || pattern.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        Ok(Filter {
            max_depth,
            names: names.build()?,
            paths: paths.build()?,
            protected: Vec::new(),
            kept: Vec::new(),
        })
    }

    /// This filter, also leaving out `paths` and everything under them.
    pub fn protecting(&self, paths: &[String]) -> Filter {
        let mut filter = self.clone();
        filter.protected.extend(paths.iter().cloned());
        filter
    }

    /// This filter, also deleting nothing in `dirs` (at any depth), nor `dirs` themselves or
    /// the folders holding them.
    pub fn keeping(&self, dirs: &[String]) -> Filter {
        let mut filter = self.clone();
        filter.kept.extend(dirs.iter().cloned());
        filter
    }

    /// False for remote paths the mirror must not delete: in, at or above a kept folder.
    pub fn may_delete(&self, rel: &str) -> bool {
        !self
            .kept
            .iter()
            .any(|k| rel == k || path::is_under(rel, k) || path::is_under(k, rel))
    }

    /// True when `rel` is inside the depth limit (`depth(rel) <= max_depth`) and neither it nor
    /// any ancestor matches an exclude. The root "" is always included.
    pub fn includes(&self, rel: &str) -> bool {
        if rel.is_empty() {
            return true;
        }
        if path::depth(rel) > self.max_depth {
            return false;
        }
        if self
            .protected
            .iter()
            .any(|p| rel == p || path::is_under(rel, p))
        {
            return false;
        }
        if self.names.is_empty() && self.paths.is_empty() {
            return true;
        }
        !std::iter::once(rel)
            .chain(path::ancestors(rel))
            .any(|p| self.names.is_match(path::file_name(p)) || self.paths.is_match(p))
    }

    /// True when the walker should descend into directory `rel` (`depth(rel) < max_depth` and
    /// included). `descend("")` says whether the root itself is walked (`max_depth > 0`).
    pub fn descend(&self, rel: &str) -> bool {
        path::depth(rel) < self.max_depth && self.includes(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(max_depth: usize, excludes: &[&str]) -> Filter {
        let globs: Vec<String> = excludes.iter().map(|s| s.to_string()).collect();
        Filter::new(max_depth, &globs).expect("valid globs")
    }

    /// (max_depth, excludes, path, includes, descend)
    type Row = (usize, &'static [&'static str], &'static str, bool, bool);

    fn check(table: &[Row]) {
        for &(max_depth, excludes, rel, want_inc, want_desc) in table {
            let f = filter(max_depth, excludes);
            assert_eq!(
                f.includes(rel),
                want_inc,
                "includes({rel:?}) depth={max_depth} ex={excludes:?}"
            );
            assert_eq!(
                f.descend(rel),
                want_desc,
                "descend({rel:?}) depth={max_depth} ex={excludes:?}"
            );
        }
    }

    #[test]
    fn depth_limit() {
        check(&[
            (2, &[], "", true, true),
            (2, &[], "a", true, true),
            (2, &[], "a/b", true, false),
            (2, &[], "a/b/c", false, false),
            (1, &[], "a", true, false),
            (1, &[], "a/b", false, false),
            (0, &[], "", true, false),
            (0, &[], "a", false, false),
            (6, &[], "1/2/3/4/5/6", true, false),
            (6, &[], "1/2/3/4/5/6/7", false, false),
        ]);
    }

    #[test]
    fn name_globs_match_at_any_level() {
        check(&[
            (6, &["*.tmp"], "x.tmp", false, false),
            (6, &["*.tmp"], "a/b/x.tmp", false, false),
            (6, &["*.tmp"], "a/x.tmpl", true, true),
            (6, &["*.tmp"], "x.tmp.keep", true, true),
            (6, &[".git"], ".git", false, false),
            (6, &[".git"], "sub/.git", false, false),
            (6, &[".git"], ".gitignore", true, true),
            (6, &[".*"], "a/.hidden", false, false),
            (6, &["a?c"], "x/abc", false, false),
            (6, &["a?c"], "x/abbc", true, true),
        ]);
    }

    #[test]
    fn path_globs_match_whole_path() {
        check(&[
            (6, &["build/out/*"], "build/out/x", false, false),
            (6, &["build/out/*"], "build/out", true, true),
            (6, &["build/out/*"], "build/outx", true, true),
            (6, &["build/out/*"], "a/build/out/x", true, true),
            // `*` does not cross '/', but the excluded ancestor excludes the child.
            (6, &["build/out/*"], "build/out/x/y", false, false),
            (6, &["**/cache"], "cache", false, false),
            (6, &["**/cache"], "a/b/cache/x", false, false),
            (6, &["/build"], "build", false, false),
            (6, &["/build"], "build/x", false, false),
            (6, &["/build"], "src/build", true, true),
            (6, &["node_modules/"], "web/node_modules/x", false, false),
            (6, &["/", ""], "anything", true, true),
        ]);
    }

    #[test]
    fn excluded_ancestor_excludes_descendants() {
        check(&[
            (6, &[".git"], ".git/objects/ab/cdef", false, false),
            (6, &["target"], "crate/target/debug/app", false, false),
            (6, &["target"], "crate/targets/x", true, true),
            (6, &["docs/private"], "docs/private/a/b", false, false),
            (6, &["docs/private"], "docs/public/a", true, true),
        ]);
    }

    #[test]
    fn several_globs_combine() {
        check(&[
            (3, &["*.o", "/tmp", "a/b"], "x.o", false, false),
            (3, &["*.o", "/tmp", "a/b"], "tmp/x", false, false),
            (3, &["*.o", "/tmp", "a/b"], "a/b", false, false),
            (3, &["*.o", "/tmp", "a/b"], "a/c", true, true),
            (3, &["*.o", "/tmp", "a/b"], "a/c/d", true, false),
        ]);
    }

    #[test]
    fn invalid_glob_is_an_error() {
        for bad in ["a[", "{a,b"] {
            assert!(Filter::new(6, &[bad.to_string()]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn protected_paths_are_left_out_with_their_subtree() {
        let filter = Filter::new(6, &[])
            .unwrap()
            .protecting(&["a/locked".to_string()]);
        for (rel, want) in [
            ("a", true),
            ("a/locked", false),
            ("a/locked/x", false),
            ("a/lockedx", true),
        ] {
            assert_eq!(filter.includes(rel), want, "{rel}");
        }
    }
}

//! Which relative paths the mirror (and `put -r`) considers at all: the depth limit, the
//! `--exclude` globs, the `--exclude-from` ignore files and the `--include` globs.
//!
//! `--exclude` glob syntax is `globset`'s, with `*` and `?` never crossing a '/'. An exclude
//! is classified like rsync / gitignore patterns:
//! - without '/' (`*.tmp`, `.git`): matched against the file name of every component, at any level;
//! - with '/' (`build/out/*`, `**/cache`): matched against the whole relative path;
//! - a leading '/' anchors a pattern at the mirror root (`/build` excludes only the top-level
//!   `build`), a trailing '/' is ignored (`node_modules/` behaves like `node_modules`, also for
//!   files); patterns that are empty after that are ignored.
//!
//! `--exclude-from FILE` reads gitignore(5) syntax, through the `ignore` crate's `gitignore`
//! module (ripgrep's: negation `!`, folder-only `dir/`, anchored `/x` and `a/b`, `**`,
//! comments, escapes; last match wins), relative to the mirror root whatever folder FILE is
//! in. As in git, a path under an ignored folder stays ignored whatever a later `!` says (git
//! never looks inside an ignored folder, and neither does the walk).
//!
//! `--include GLOB` (classified like `--exclude`) keeps only the files that match, or that
//! lie in a folder that matches; folders themselves are always walked and kept, so
//! `--include '*.html'` finds pages at any depth. Excludes win over includes.
//!
//! Excluding a directory excludes everything under it. A path that is not considered is
//! neither uploaded nor deleted.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::tree::Kind;
use crate::ftp::path;

/// A filter option the user gave that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("--{option} {pattern:?}: {reason}")]
    Glob {
        option: &'static str,
        pattern: String,
        reason: String,
    },
    #[error("--exclude-from {}: {reason}", crate::escape::local_path(path))]
    IgnoreFile { path: PathBuf, reason: String },
}

/// An ignore file (`--exclude-from`) as read from disk; parsing it is [`Filter::with_rules`]'s.
#[derive(Debug, Clone)]
pub struct IgnoreFile {
    pub path: PathBuf,
    /// Decoded losslessly (`crate::lossless`), as every name is: a pattern holding a
    /// Latin-1 byte matches the name holding that byte.
    pub text: String,
}

impl IgnoreFile {
    /// Reads `path` (the one I/O of the filter, done when a job starts).
    pub fn read(path: &Path) -> std::io::Result<IgnoreFile> {
        let bytes = crate::small_file::read(path)?;
        Ok(IgnoreFile {
            path: path.to_path_buf(),
            text: crate::lossless::decode(&bytes),
        })
    }
}

/// What the user asked to leave out or keep.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub excludes: Vec<String>,
    pub ignore_files: Vec<IgnoreFile>,
    pub includes: Vec<String>,
}

/// Globs classified as file-name globs and whole-path globs.
#[derive(Debug, Clone)]
struct Globs {
    /// Patterns without '/', matched against each component's file name.
    names: GlobSet,
    /// Patterns with '/' (or anchored), matched against the whole relative path.
    paths: GlobSet,
}

impl Globs {
    fn new(option: &'static str, patterns: &[String]) -> Result<Globs, FilterError> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        let invalid = |raw: &String, e: globset::Error| FilterError::Glob {
            option,
            pattern: raw.clone(),
            reason: e.kind().to_string(),
        };
        for raw in patterns {
            let trimmed = raw.trim_end_matches('/');
            let (pattern, anchored) = match trimmed.strip_prefix('/') {
                Some(rest) => (rest, true),
                None => (trimmed, false),
            };
            if pattern.is_empty() {
                continue;
            }
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| invalid(raw, e))?;
            if anchored || pattern.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |set: GlobSetBuilder| {
            set.build().map_err(|e| FilterError::Glob {
                option,
                pattern: patterns.join(" "),
                reason: e.kind().to_string(),
            })
        };
        Ok(Globs {
            names: build(names)?,
            paths: build(paths)?,
        })
    }

    fn is_empty(&self) -> bool {
        self.names.is_empty() && self.paths.is_empty()
    }

    /// `rel` itself matches (its name or its whole path).
    fn matches(&self, rel: &str) -> bool {
        self.names.is_match(path::file_name(rel)) || self.paths.is_match(rel)
    }

    /// `rel` or one of its folders matches.
    fn matches_or_above(&self, rel: &str) -> bool {
        std::iter::once(rel)
            .chain(path::ancestors(rel))
            .any(|p| self.matches(p))
    }
}

/// Depth limit plus exclude globs, ignore files and include globs.
#[derive(Debug, Clone)]
pub struct Filter {
    max_depth: usize,
    excludes: Globs,
    /// The `--exclude-from` files, one matcher (shared: a filter is cloned once per pass).
    ignored: Option<Arc<Gitignore>>,
    /// Empty: every file is kept.
    includes: Globs,
    /// Paths (and everything under them) the local walk could not read: neither uploaded nor
    /// deleted, since we do not know what they hold.
    protected: Vec<String>,
    /// Remote folders whose listing could not be read whole: uploads still go in, but
    /// nothing in them (or above them) is deleted, since we do not know all they hold.
    kept: Vec<String>,
}

impl Filter {
    /// `max_depth`: depth 1 = direct children of the mirror root (walkdir's convention).
    pub fn new(max_depth: usize, exclude_globs: &[String]) -> Result<Filter, FilterError> {
        Filter::with_rules(
            max_depth,
            &Rules {
                excludes: exclude_globs.to_vec(),
                ..Rules::default()
            },
        )
    }

    pub fn with_rules(max_depth: usize, rules: &Rules) -> Result<Filter, FilterError> {
        let ignored = if rules.ignore_files.is_empty() {
            None
        } else {
            // Root "." : patterns are relative to the mirror root, and the crate then strips
            // nothing from the relative paths it is given.
            let mut builder = GitignoreBuilder::new(".");
            for file in &rules.ignore_files {
                let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
                for (number, line) in text.lines().enumerate() {
                    builder
                        .add_line(Some(file.path.clone()), line)
                        .map_err(|e| FilterError::IgnoreFile {
                            path: file.path.clone(),
                            reason: format!("line {}: {e}", number + 1),
                        })?;
                }
            }
            let built = builder.build().map_err(|e| FilterError::IgnoreFile {
                path: rules.ignore_files[0].path.clone(),
                reason: e.to_string(),
            })?;
            Some(Arc::new(built))
        };
        Ok(Filter {
            max_depth,
            excludes: Globs::new("exclude", &rules.excludes)?,
            ignored,
            includes: Globs::new("include", &rules.includes)?,
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

    /// This filter, also leaving remote folders whose contents are unknown (the server
    /// would not list them) wholly alone: nothing sent into them, nothing in them deleted,
    /// nor they or the folders holding them (what they hold is not known to be gone).
    pub fn unknown(&self, dirs: &[String]) -> Filter {
        self.protecting(dirs).keeping(dirs)
    }

    /// False for remote paths the mirror must not delete: in, at or above a kept folder.
    pub fn may_delete(&self, rel: &str) -> bool {
        !self
            .kept
            .iter()
            .any(|k| rel == k || path::is_under(rel, k) || path::is_under(k, rel))
    }

    /// True when `rel`, an entry of `kind`, is inside the depth limit, neither it nor any
    /// folder above it is excluded or ignored, and (for a file, with `--include`) it or a
    /// folder above it matches an include. The root "" is always included.
    pub fn includes(&self, rel: &str, kind: Kind) -> bool {
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
        if !self.excludes.is_empty() && self.excludes.matches_or_above(rel) {
            return false;
        }
        if let Some(ignored) = &self.ignored {
            // Git's rule: each folder above is looked at as a folder, top down in effect
            // (any ignored one hides everything below it), then the entry as what it is.
            let hidden = std::iter::once((rel, kind == Kind::Dir))
                .chain(path::ancestors(rel).map(|p| (p, true)))
                .any(|(p, is_dir)| ignored.matched(Path::new(p), is_dir).is_ignore());
            if hidden {
                return false;
            }
        }
        kind == Kind::Dir || self.includes.is_empty() || self.includes.matches_or_above(rel)
    }

    /// True when the walker should descend into directory `rel` (`depth(rel) < max_depth` and
    /// included). `descend("")` says whether the root itself is walked (`max_depth > 0`).
    pub fn descend(&self, rel: &str) -> bool {
        path::depth(rel) < self.max_depth && self.includes(rel, Kind::Dir)
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
                f.includes(rel, Kind::File),
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
            assert_eq!(filter.includes(rel, Kind::File), want, "{rel}");
        }
    }

    /// Rules from an ignore file's bytes and include globs.
    fn rules(ignore_file: &[u8], includes: &[&str]) -> Rules {
        Rules {
            excludes: Vec::new(),
            ignore_files: vec![IgnoreFile {
                path: PathBuf::from("deploy.ignore"),
                text: crate::lossless::decode(ignore_file),
            }],
            includes: includes.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// (ignore file, path, kind, considered)
    type IgnoreRow = (&'static [u8], &'static str, Kind, bool);

    fn check_ignore(table: &[IgnoreRow]) {
        for &(file, rel, kind, want) in table {
            let filter = Filter::with_rules(6, &rules(file, &[])).expect("valid ignore file");
            assert_eq!(
                filter.includes(rel, kind),
                want,
                "includes({rel:?}, {kind:?}) with {:?}",
                String::from_utf8_lossy(file)
            );
        }
    }

    use Kind::{Dir, File};

    #[test]
    fn ignore_file_folder_only_patterns_spare_files() {
        check_ignore(&[
            (b".git/\n", ".git", Dir, false),
            (b".git/\n", ".git/config", File, false),
            (b".git/\n", "vendor/lib/.git", Dir, false),
            (b".git/\n", ".git", File, true),
            (b".git/\n", ".gitignore", File, true),
            (
                b"node_modules/\n",
                "web/node_modules/react/index.js",
                File,
                false,
            ),
            (b"node_modules/\n", "node_modules", Dir, false),
            (b"node_modules/\n", "docs/node_modules.md", File, true),
        ]);
    }

    #[test]
    fn ignore_file_names_match_at_any_level() {
        check_ignore(&[
            (b".env\n", ".env", File, false),
            (b".env\n", "config/.env", File, false),
            (b".env\n", ".env.example", File, true),
            (b"*.log\n", "a/b/debug.log", File, false),
            (b"*.log\n", "logs", Dir, true),
            (b"*.log\n", "debug.log.txt", File, true),
        ]);
    }

    #[test]
    fn ignore_file_negation_last_match_wins() {
        check_ignore(&[
            (b"*.log\n!keep.log\n", "debug.log", File, false),
            (b"*.log\n!keep.log\n", "keep.log", File, true),
            (b"*.log\n!keep.log\n", "a/keep.log", File, true),
            // Order matters: a later ignore beats an earlier negation.
            (b"!keep.log\n*.log\n", "keep.log", File, false),
            (b".env*\n!.env.example\n", ".env.local", File, false),
            (b".env*\n!.env.example\n", ".env.example", File, true),
            // Git never looks inside an ignored folder: a negation below it stays ignored.
            (b"build/\n!build/keep.txt\n", "build/keep.txt", File, false),
            // A folder's contents (not the folder) ignored: a negation re-includes one.
            (b"/a/*\n!/a/b\n", "a/b/c", File, true),
            (b"/a/*\n!/a/b\n", "a/x", File, false),
            (b"/a/*\n!/a/b\n", "a", Dir, true),
        ]);
    }

    #[test]
    fn ignore_file_anchors_and_double_stars() {
        check_ignore(&[
            (b"/build\n", "build", Dir, false),
            (b"/build\n", "build/x", File, false),
            (b"/build\n", "src/build", Dir, true),
            // A slash inside anchors the pattern at the root too (gitignore(5)).
            (b"doc/*.txt\n", "doc/a.txt", File, false),
            (b"doc/*.txt\n", "x/doc/a.txt", File, true),
            (b"doc/*.txt\n", "doc/sub/a.txt", File, true),
            (b"**/cache\n", "a/b/cache", Dir, false),
            (b"**/cache\n", "cache/x", File, false),
            (b"a/**/z\n", "a/z", File, false),
            (b"a/**/z\n", "a/b/c/z", File, false),
            (b"a/**/z\n", "b/a/z", File, true),
            (b"logs/**\n", "logs/x/y", File, false),
            (b"logs/**\n", "logs", Dir, true),
        ]);
    }

    #[test]
    fn ignore_file_comments_escapes_and_line_ends() {
        check_ignore(&[
            (b"# .env\n\n", ".env", File, true),
            (b"\\#hash\n", "#hash", File, false),
            (b"\\!bang\n", "!bang", File, false),
            (b"secret.txt\r\nother\r\n", "secret.txt", File, false),
            (b"secret.txt\r\nother\r\n", "other", File, false),
            (b"\xef\xbb\xbfsecret.txt\n", "secret.txt", File, false),
            (b"trailing.txt   \n", "trailing.txt", File, false),
            (b"", "anything", File, true),
        ]);
    }

    #[test]
    fn ignore_file_patterns_are_bytes_like_names() {
        // A Latin-1 pattern matches the Latin-1 name (both decoded losslessly).
        let name = crate::lossless::decode(b"r\xe4ksm\xf6rg\xe5s.txt");
        let filter = Filter::with_rules(6, &rules(b"r\xe4ksm*\n", &[])).unwrap();
        assert!(!filter.includes(&name, File));
        assert!(filter.includes("raksmorgas.txt", File));
        // `*` spans stray bytes. (`?` is one byte of UTF-8, as in git, so it does not
        // match a stray byte, which is three bytes in the lossless form.)
        let filter = Filter::with_rules(6, &rules(b"*m\xf6rg*\n", &[])).unwrap();
        assert!(!filter.includes(&name, File));
    }

    #[test]
    fn ignore_file_errors_name_the_file_and_line() {
        let err = Filter::with_rules(6, &rules(b"ok\n# fine\nbad{x\n", &[])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("--exclude-from deploy.ignore: line 3:"),
            "{text}"
        );
        let err = Filter::with_rules(6, &rules(b"", &["{a"])).unwrap_err();
        assert!(err.to_string().starts_with("--include \"{a\":"), "{err}");
    }

    #[test]
    fn ignore_file_keeps_the_depth_limit_and_excludes() {
        let mut both = rules(b"!*.tmp\n", &[]);
        both.excludes = vec!["*.tmp".to_string()];
        let filter = Filter::with_rules(2, &both).unwrap();
        // An exclude is not undone by a negation in the ignore file.
        assert!(!filter.includes("x.tmp", File));
        assert!(!filter.includes("a/b/c", File));
        assert!(filter.includes("a/b", File));
    }

    /// (includes, excludes, path, kind, considered)
    type IncludeRow = (
        &'static [&'static str],
        &'static [&'static str],
        &'static str,
        Kind,
        bool,
    );

    #[test]
    fn includes_keep_only_matching_files() {
        let table: &[IncludeRow] = &[
            (&["*.html"], &[], "index.html", File, true),
            (&["*.html"], &[], "a/b/page.html", File, true),
            (&["*.html"], &[], "style.css", File, false),
            (&["*.html"], &[], "a/b/style.css", File, false),
            // Folders are walked and kept whatever the includes.
            (&["*.html"], &[], "a", Dir, true),
            (&["*.html"], &[], "a/b", Dir, true),
            // A matching folder keeps everything in it.
            (&["assets"], &[], "assets/img/x.png", File, true),
            (&["assets"], &[], "img/x.png", File, false),
            (&["/public/*.css"], &[], "public/site.css", File, true),
            (&["/public/*.css"], &[], "x/public/site.css", File, false),
            (&["*.html", "*.css"], &[], "s.css", File, true),
            (&["*.html", "*.css"], &[], "s.js", File, false),
            // Excludes win.
            (&["*.html"], &["drafts"], "drafts/a.html", File, false),
            (&["*.html"], &["drafts"], "drafts", Dir, false),
            (&["*.html"], &["old.html"], "old.html", File, false),
            // No includes: every file.
            (&[], &[], "any.bin", File, true),
        ];
        for &(includes, excludes, rel, kind, want) in table {
            let filter = Filter::with_rules(
                6,
                &Rules {
                    excludes: excludes.iter().map(|s| s.to_string()).collect(),
                    ignore_files: Vec::new(),
                    includes: includes.iter().map(|s| s.to_string()).collect(),
                },
            )
            .unwrap();
            assert_eq!(
                filter.includes(rel, kind),
                want,
                "includes({rel:?}, {kind:?}) with --include {includes:?} --exclude {excludes:?}"
            );
            if kind == Dir {
                assert_eq!(filter.descend(rel), want, "descend({rel:?})");
            }
        }
    }
}

//! `help` reads help.txt (embedded in the binary): an overview, then one `## ` section per command.

use super::table;

const HELP: &str = include_str!("../../help.txt");

/// Everything before the first command section.
pub fn overview() -> &'static str {
    HELP.split("\n## ").next().unwrap_or(HELP)
}

/// Every other name of a command, from the command table (so none the README promises is
/// missing): `Other names: cwd (cd), list dir (ls), ...`, wrapped.
pub fn aliases() -> String {
    let mut out = String::from("Other names:");
    let mut width = out.len();
    for command in table::COMMANDS.iter().filter(|c| !c.aliases.is_empty()) {
        let item = format!(" {} ({}),", command.aliases.join(" "), command.name);
        if width + item.len() > 90 {
            out.push_str("\n ");
            width = 1;
        }
        out.push_str(&item);
        width += item.len();
    }
    out.trim_end_matches(',').to_string()
}

/// The sections of help.txt as (command name, text).
pub fn sections() -> impl Iterator<Item = (&'static str, &'static str)> {
    HELP.split("\n## ").skip(1).map(|section| {
        let name = section.split_whitespace().next().unwrap_or("");
        (name, section)
    })
}

/// The section of a command, found by name or alias.
pub fn section_for(word: &str) -> Option<String> {
    let name = table::find(word).map_or(word, |c| c.name);
    sections()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| text.to_string())
}

/// The man page's SHELL COMMANDS section (roff), one entry per command of the table: its
/// usage line and its help.txt text, so `--man` documents what `help` does. The table's
/// aliases reach it because each help.txt section names them (`sections_show_usage_and_aliases`).
pub fn man_section() -> String {
    let mut out = String::from(".SH \"SHELL COMMANDS\"\n");
    for line in overview().lines().skip(1).filter(|l| !l.trim().is_empty()) {
        out.push_str(&format!("{}\n.br\n", roff(line.trim())));
    }
    for command in table::COMMANDS {
        out.push_str(&format!(".TP\n\\fB{}\\fR\n", roff(command.usage)));
        let text = section_for(command.name).unwrap_or_default();
        // The section's first line repeats the usage; the rest is the description.
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            out.push_str(&roff(line));
            out.push('\n');
        }
    }
    out
}

/// Text as roff: backslashes escaped, a line starting with `.` or `'` kept from being read
/// as a request.
fn roff(text: &str) -> String {
    let text = text.replace('\\', "\\e");
    match text.starts_with(['.', '\'']) {
        true => format!("\\&{text}"),
        false => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::table::COMMANDS;

    #[test]
    fn the_man_page_documents_every_command_of_the_table() {
        let man = man_section();
        for command in COMMANDS {
            assert!(
                man.contains(&format!(".TP\n\\fB{}\\fR\n", roff(command.usage))),
                "man page lacks {}",
                command.name
            );
            for alias in command.aliases {
                assert!(man.contains(alias), "man page lacks alias {alias}");
            }
        }
        // help.txt's words reach it (a line of put's section), as roff.
        assert!(man.contains("Upload a file"), "{man}");
        assert!(!man.lines().any(|l| l.starts_with('.')
            && !l.starts_with(".TP")
            && !l.starts_with(".SH")
            && !l.starts_with(".br")));
    }

    #[test]
    fn help_lists_every_alias() {
        let words: Vec<String> = aliases()
            .split(|c: char| c.is_whitespace() || "(),".contains(c))
            .map(str::to_string)
            .collect();
        for command in COMMANDS {
            for alias in command.aliases {
                assert!(words.iter().any(|w| w == alias), "help lacks {alias}");
            }
        }
        assert!(words.iter().any(|w| w == "mdelete"));
        assert!(!overview().contains("seed"), "help speaks of a seed");
    }

    #[test]
    fn every_command_has_a_section_and_every_section_a_command() {
        let documented: Vec<&str> = sections().map(|(n, _)| n).collect();
        for command in COMMANDS {
            assert!(
                documented.contains(&command.name),
                "help.txt has no section for {}",
                command.name
            );
        }
        for name in &documented {
            assert!(
                COMMANDS.iter().any(|c| c.name == *name),
                "help.txt documents {name}, which the command table lacks"
            );
        }
    }

    #[test]
    fn sections_show_usage_and_aliases() {
        for command in COMMANDS {
            let text = section_for(command.name).unwrap();
            let first_line = text.lines().next().unwrap_or("");
            assert!(
                first_line.starts_with(command.usage),
                "help.txt section of {} should start with its usage {:?}, got {first_line:?}",
                command.name,
                command.usage
            );
            for alias in command.aliases {
                assert!(
                    text.contains(alias),
                    "help.txt section of {} does not mention alias {alias}",
                    command.name
                );
            }
        }
    }

    #[test]
    fn overview_lists_every_command() {
        for command in COMMANDS {
            assert!(
                overview().contains(command.name),
                "help overview does not list {}",
                command.name
            );
        }
    }
}

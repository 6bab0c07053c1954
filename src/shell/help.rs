//! `help` reads help.txt (embedded in the binary) and the command table: an overview of the
//! table's groups, then one `## ` section per command, its options listed from the table.

use super::table::{self, Group};
use crate::roff::escape as roff;

const HELP: &str = include_str!("../../help.txt");
/// Where an option's description starts in `help mirror`, and where lines end.
const OPTION_COLUMN: usize = 21;
const WIDTH: usize = 90;

/// The text before the first command section, with the table's commands by group after its
/// first paragraph.
pub fn overview() -> String {
    let intro = HELP.split("\n## ").next().unwrap_or(HELP);
    let (head, rest) = intro.split_once("\n\n").unwrap_or((intro, ""));
    format!("{head}\n\n{}\n{rest}", groups())
}

/// `  Session   open bookmark ...`: one line per group, commands in table order.
fn groups() -> String {
    let mut out = String::new();
    for group in Group::ALL {
        let names: Vec<&str> = table::COMMANDS
            .iter()
            .filter(|c| c.group == group)
            .map(|c| c.name)
            .collect();
        out.push_str(&format!(
            "  {:<10}{}\n",
            format!("{group:?}"),
            names.join(" ")
        ));
    }
    out
}

/// A command's options from the table, one per line: `  --max-delete N     refuse ...`,
/// descriptions wrapped at the option column.
fn options_block(command: &table::Command) -> String {
    let mut out = String::new();
    for option in command.options.iter() {
        out.push_str(&wrapped(&option.spelled(), &option.help));
    }
    out
}

/// `  NAME  text...`, the text wrapped at the option column.
fn wrapped(name: &str, text: &str) -> String {
    let mut out = String::new();
    let mut line = format!("  {:<width$} ", name, width = OPTION_COLUMN - 3);
    let mut fresh = true;
    for word in text.split_whitespace() {
        if !fresh && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(OPTION_COLUMN);
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(word);
        fresh = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// Every setting, for `help set`: `  timeout SECS  seconds ... (default 30; 0.1 to 3600)
/// [flag, config, set]`, wrapped as the options are.
fn settings_block() -> String {
    let mut out = String::new();
    for setting in crate::settings::defs::SETTINGS
        .iter()
        .filter(|s| !s.at.is_empty())
    {
        let spelled = match setting.value_name {
            Some(value) => format!("{} {value}", setting.name),
            None => format!("{} on|off", setting.name),
        };
        let places = crate::settings::places(setting).join(", ");
        out.push_str(&wrapped(
            &spelled,
            &format!("{} [{places}]", setting.described()),
        ));
    }
    out
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

/// The section of a command, found by name or alias, its options (from the table) listed
/// after its `Options:` line.
pub fn section_for(word: &str) -> Option<String> {
    let command = table::find(word);
    let name = command.map_or(word, |c| c.name);
    let text = sections().find(|(n, _)| *n == name).map(|(_, text)| text)?;
    match command {
        Some(command) if command.name == "set" => {
            Some(text.replacen("\nSettings:\n", &format!("\n{}", settings_block()), 1))
        }
        Some(command) if !command.options.is_empty() && text.contains("\nOptions:\n") => {
            Some(text.replacen(
                "\nOptions:\n",
                &format!("\nOptions:\n{}", options_block(command)),
                1,
            ))
        }
        _ => Some(text.to_string()),
    }
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

    /// The table is the one source: the overview's groups, each command's options and
    /// sub-commands reach `help` and the man page from it, and help.txt lists no option
    /// by hand.
    #[test]
    fn help_the_table_and_the_man_page_agree() {
        let man = man_section();
        let overview = overview();
        for command in COMMANDS {
            let group = format!("{:?}", command.group);
            let line = overview
                .lines()
                .find(|l| l.split_whitespace().next() == Some(group.as_str()))
                .unwrap_or_else(|| panic!("no {group} line in the overview"));
            assert!(
                line.split_whitespace().skip(1).any(|w| w == command.name),
                "{} not under {group}: {line}",
                command.name
            );
            assert!(man.contains(&roff(line.trim())), "man page lacks {line}");
            let text = section_for(command.name).unwrap();
            for option in command.options.iter() {
                let spelled = option.spelled();
                assert!(
                    text.contains(&spelled),
                    "help {} lacks {spelled}",
                    command.name
                );
                assert!(man.contains(&roff(&spelled)), "man page lacks {spelled}");
                let first = option.help.split_whitespace().next().unwrap_or("");
                assert!(text.contains(&format!("{spelled} ")) && text.contains(first));
            }
            for sub in command.subcommands {
                let typed = format!("{} {sub}", command.name);
                assert!(command.usage.contains(&typed), "usage lacks {typed}");
                assert!(man.contains(&typed), "man page lacks {typed}");
            }
        }
        for (name, raw) in sections() {
            assert!(
                !raw.lines().any(|l| l.trim_start().starts_with("--")),
                "help.txt lists an option of {name} by hand: the table has them"
            );
        }
        // the mirror's options are listed once, under its `Options:` line
        let mirror = section_for("mirror").unwrap();
        assert_eq!(mirror.matches("\n  --once ").count(), 1, "{mirror}");
        assert!(mirror.lines().all(|l| l.len() <= WIDTH), "{mirror}");
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

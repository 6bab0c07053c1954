//! `help` reads help.txt (embedded in the binary): an overview, then one `## ` section per command.

use super::table;

const HELP: &str = include_str!("../../help.txt");

/// Everything before the first command section.
pub fn overview() -> &'static str {
    HELP.split("\n## ").next().unwrap_or(HELP)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::table::COMMANDS;

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

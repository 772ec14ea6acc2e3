//! Groups beyond messages: the directory, topics and renames, archiving,
//! and the creator removing members.

use anyhow::{bail, Result};
use suda_client::{GroupChange, Session};

use crate::{
    commands::{channel, explain, print_json},
    Command,
};

/// Runs one of the group commands.
pub async fn run(session: &Session, server: &str, json: bool, command: Command) -> Result<()> {
    let fail = |e| explain(e, server);
    let change = |c: &suda_client::Channel| {
        let archived = if c.archived { " (archived)" } else { "" };
        match c.topic.as_str() {
            "" => format!("{}{archived}", c.name),
            topic => format!("{}{archived}: {topic}", c.name),
        }
    };
    match command {
        Command::Directory {
            query,
            limit,
            offset,
        } => {
            let query = query.unwrap_or_default();
            let page = session
                .directory(&query, limit, offset)
                .await
                .map_err(fail)?;
            if json {
                return print_json(&page);
            }
            for g in &page.groups {
                let joined = if g.joined { ", joined" } else { "" };
                let members = match g.member_count {
                    1 => "1 member".to_owned(),
                    n => format!("{n} members"),
                };
                println!("{}\t{}\t{members}{joined}\t{}", g.id, g.name, g.topic);
            }
            if page.groups.is_empty() {
                eprintln!("no group found");
            }
            if page.has_more {
                eprintln!("more: --offset {}", offset as usize + page.groups.len());
            }
        }
        Command::Topic {
            channel: given,
            topic,
        } => {
            let id = channel(session, server, &given).await?;
            let change_of = GroupChange {
                topic: Some(topic),
                ..GroupChange::default()
            };
            let c = session.update_group(id, change_of).await.map_err(fail)?;
            eprintln!("{}", change(&c));
        }
        Command::Rename {
            channel: given,
            name,
        } => {
            let id = channel(session, server, &given).await?;
            let change_of = GroupChange {
                name: Some(name),
                ..GroupChange::default()
            };
            let c = session.update_group(id, change_of).await.map_err(fail)?;
            eprintln!("{}", change(&c));
        }
        Command::Archive {
            channel: given,
            undo,
        } => {
            let id = channel(session, server, &given).await?;
            let change_of = GroupChange {
                archived: Some(!undo),
                ..GroupChange::default()
            };
            let c = session.update_group(id, change_of).await.map_err(fail)?;
            eprintln!("{}", change(&c));
        }
        Command::Remove {
            channel: given,
            member,
        } => {
            let id = channel(session, server, &given).await?;
            let who = session.member_id(&member).await.map_err(fail)?;
            session.remove_member(id, who).await.map_err(fail)?;
            eprintln!("removed {member} from {given}");
        }
        _ => bail!("not a group command"),
    }
    Ok(())
}

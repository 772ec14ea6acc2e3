//! `suda`: the Suda chat client on the command line.
//!
//! A thin front end over `suda-client`, for scripts and for trying the
//! server without the desktop app: each command is one call into a
//! `Session`, and `tail` prints the member's event stream.

mod commands;
mod config;
mod groups;
mod show;

use clap::{Parser, Subcommand};

/// Chat on a Suda server from the command line.
#[derive(Debug, Parser)]
#[command(name = "suda", version, about)]
pub struct Cli {
    /// The server's URL [default: from the config file, else http://127.0.0.1:8080].
    #[arg(long, global = true, env = "SUDA_SERVER")]
    server: Option<String>,
    /// The bearer token [default: from `suda login`].
    #[arg(long, global = true, env = "SUDA_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a member and sign in as them.
    Signup {
        /// The member name.
        name: String,
        /// The password [default: read a line from standard input].
        #[arg(long, env = "SUDA_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Sign in and keep the token in the config file.
    Login {
        /// The member name.
        name: String,
        /// The password [default: read a line from standard input].
        #[arg(long, env = "SUDA_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Revoke the token and forget it.
    Logout,
    /// List your channels with unread counts.
    Channels,
    /// Show a channel's latest messages.
    History {
        /// Channel id or name.
        channel: String,
        /// How many events.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Send a message.
    Send {
        /// Channel id or name.
        channel: String,
        /// The text.
        text: String,
    },
    /// Send files, with an optional text: each is uploaded (its progress
    /// on standard error), then one message carries them all.
    Upload {
        /// Channel id or name.
        channel: String,
        /// The files (at most 10).
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// A text to send with them.
        #[arg(long, short, default_value = "")]
        message: String,
    },
    /// Save a file sent in one of your channels (its id from `suda
    /// history`).
    Download {
        /// The file's id.
        id: String,
        /// Where to save it [default: its own name, in this directory].
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
        /// Save an image's thumbnail instead.
        #[arg(long)]
        thumbnail: bool,
    },
    /// Create a group channel (you are its creator).
    Create {
        /// Its name.
        name: String,
        /// Members to add, by name.
        #[arg(long = "member")]
        members: Vec<String>,
        /// What it is about.
        #[arg(long, default_value = "")]
        topic: String,
        /// Neither listed in the directory nor joinable: only invites
        /// bring people in.
        #[arg(long)]
        private: bool,
    },
    /// Browse the directory of public groups, or search it by name or
    /// topic.
    Directory {
        /// Part of a name or topic.
        query: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// How many to skip (the next page starts at the last one's end).
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Set a group's topic ("" clears it).
    Topic {
        /// Channel id or name.
        channel: String,
        /// The topic.
        topic: String,
    },
    /// Rename a group.
    Rename {
        /// Channel id or name.
        channel: String,
        /// Its new name.
        name: String,
    },
    /// Archive a group you created: it is read, never written.
    Archive {
        /// Channel id or name.
        channel: String,
        /// Bring it back from the archive instead.
        #[arg(long)]
        undo: bool,
    },
    /// Take a member out of a group you created.
    Remove {
        /// Channel id or name.
        channel: String,
        /// Their name.
        member: String,
    },
    /// Join a group channel by id.
    Join {
        /// Channel id.
        channel: String,
    },
    /// Leave a group channel.
    Leave {
        /// Channel id or name.
        channel: String,
    },
    /// Reply to a message (its id from `suda history`), in its channel.
    Reply {
        /// The message's id.
        message: String,
        /// The reply's text.
        text: String,
    },
    /// Show a message's thread (and mark it read), or with TEXT reply in
    /// it. MESSAGE is the thread's root (its id from `suda history`) or
    /// any reply in it.
    Thread {
        /// The root's id, or a reply's.
        message: String,
        /// A reply to post in the thread.
        text: Option<String>,
        /// How many replies to show.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Search the messages of your channels, newest first: words (each
    /// matches the words it begins), and `from:NAME`, `in:CHANNEL` (`#group`,
    /// `@member` for a direct one), `before:`, `after:` or `on:` a day
    /// (2026-12-03, today or yesterday, in your time zone).
    Search {
        /// What to look for, e.g. `lunch from:bob on:yesterday`.
        #[arg(required = true)]
        query: Vec<String>,
        /// How many results.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Only results older than this (`next page:` of the last search).
        #[arg(long)]
        before: Option<String>,
    },
    /// Replace the text of one of your messages (its id from `suda
    /// history`).
    Edit {
        /// The message's id.
        message: String,
        /// The new text.
        text: String,
    },
    /// Delete one of your messages: its text is gone for good.
    Delete {
        /// The message's id.
        message: String,
    },
    /// React to a message with one emoji, or take the reaction back.
    React {
        /// The message's id.
        message: String,
        /// One emoji.
        emoji: String,
        /// Take the reaction back instead.
        #[arg(long)]
        off: bool,
    },
    /// Choose what of a channel notifies you, on every device: `all`
    /// messages, only `mentions` of you, or `nothing`.
    Notify {
        /// Channel id or name.
        channel: String,
        /// `all`, `mentions` or `nothing`.
        level: String,
    },
    /// Mark a channel read.
    Read {
        /// Channel id or name.
        channel: String,
    },
    /// Print events as they happen, until interrupted.
    Tail,
    /// List your signed-in sessions (devices).
    Sessions,
    /// End one of your sessions (an id from `suda sessions`): its token
    /// stops working at once.
    EndSession {
        /// The session's id.
        id: String,
    },
    /// Block a member: they can no longer add you to channels, invite you
    /// or message you directly.
    Block {
        /// The member's name.
        name: String,
    },
    /// Unblock a member.
    Unblock {
        /// The member's name.
        name: String,
    },
    /// List the members you have blocked.
    Blocked,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Read here, once: the library's credential store is told, not the
    // environment asked. Scripts and tests set it to keep tokens in files.
    let credentials = suda_client::credentials::CredentialMode::keychain_unless(
        std::env::var_os("SUDA_NO_KEYCHAIN").is_some(),
    );
    match commands::run(cli, credentials).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("suda: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

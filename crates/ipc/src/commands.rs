//! The commands the UI may invoke, with their argument and result types.
//!
//! The list is declared once with the types themselves (so a renamed type
//! does not compile), and generates `ui/src/bindings/commands.ts`: one typed
//! function per command, and the `Commands` map from each command's Tauri
//! name to its argument and result types (what a fake shell implements).
//! The shell's tests invoke every listed command through Tauri's mock
//! runtime, so a command missing from the shell, or taking other arguments,
//! fails there.
//!
//! A command marked `#[bytes]` takes a body of raw bytes (a file the web view
//! holds) instead of JSON: its arguments then travel, as JSON, percent-
//! encoded, in the [`ARGS_HEADER`] header.

use ts_rs::TS;

use crate::types::*;

/// One command: its Tauri name, its argument type (passed as `args`), and
/// what it returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    /// The Rust function's name, as `invoke` takes it.
    pub name: &'static str,
    /// The TypeScript name of the argument type, if it takes one.
    pub args: Option<String>,
    /// The TypeScript type it resolves to.
    pub returns: String,
    /// Whether its body is raw bytes (and its arguments in [`ARGS_HEADER`]).
    pub bytes: bool,
}

/// The header a `bytes` command's arguments come in.
pub const ARGS_HEADER: &str = "suda-args";

fn ts<T: TS>() -> String {
    T::name(&ts_rs::Config::default())
}

macro_rules! commands {
    ($($(#[$bytes:ident])? $name:ident ( $($args:ty)? ) -> $ret:ty;)*) => {
        /// Every command the UI may invoke.
        pub fn command_specs() -> Vec<CommandSpec> {
            vec![$(CommandSpec {
                name: stringify!($name),
                args: None $(.or(Some(ts::<$args>())))?,
                returns: ts::<$ret>(),
                bytes: false $(|| stringify!($bytes) == "bytes")?,
            }),*]
        }
    };
}

commands! {
    snapshot() -> Snapshot;
    sign_in(SignInArgs) -> SessionView;
    sign_up(SignInArgs) -> SessionView;
    sign_out() -> ();
    channels() -> Vec<ChannelView>;
    history(HistoryArgs) -> HistoryPage;
    thread(ThreadArgs) -> ThreadPageView;
    mark_thread_read(ThreadReadArgs) -> ();
    search_messages(SearchArgs) -> SearchPageView;
    send(SendArgs) -> OutboxItem;
    retry_send(OutboxArgs) -> OutboxItem;
    discard_send(OutboxArgs) -> ();
    edit_message(EditArgs) -> ();
    delete_message(MessageArgs) -> ();
    react(ReactArgs) -> ();
    mark_read(MarkReadArgs) -> bool;
    set_notification_level(LevelArgs) -> ChannelView;
    create_group(CreateGroupArgs) -> ChannelView;
    open_direct(MemberArgs) -> ChannelView;
    join(ChannelArgs) -> ChannelView;
    leave(ChannelArgs) -> ();
    invite(InviteArgs) -> ChannelView;
    directory(DirectoryArgs) -> DirectoryView;
    update_group(UpdateGroupArgs) -> ChannelView;
    remove_member(RemoveMemberArgs) -> ();
    members(ChannelArgs) -> Vec<MemberView>;
    settings() -> Settings;
    set_settings(Settings) -> Settings;
    focus_channel(FocusArgs) -> ();
    set_draft(DraftView) -> ();
    retry_now() -> ();
    devices() -> Vec<DeviceView>;
    end_device(DeviceArgs) -> ();
    block(MemberIdArgs) -> ();
    unblock(MemberIdArgs) -> ();
    blocked() -> Vec<MemberView>;
    attachment_limits() -> AttachmentLimitsView;
    choose_files() -> Vec<ChosenFileView>;
    paste_files() -> Vec<ChosenFileView>;
    upload_file(UploadFileArgs) -> AttachmentView;
    #[bytes]
    upload_bytes(UploadBytesArgs) -> AttachmentView;
    cancel_upload(UploadArgs) -> ();
    save_attachment(AttachmentArgs) -> bool;
    set_typing(TypingArgs) -> TypingView;
    presence(PresenceArgs) -> Vec<MemberPresenceView>;
    set_away(AwayArgs) -> ();
    open_attachment(AttachmentArgs) -> ();
}

fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) fn typescript() -> String {
    let specs = command_specs();
    let mut types: Vec<&str> = specs
        .iter()
        .flat_map(|s| {
            s.args
                .as_deref()
                .into_iter()
                .chain(std::iter::once(s.returns.as_str()))
        })
        .flat_map(|t| t.split(|c: char| !c.is_alphanumeric()))
        .filter(|t| t.chars().next().is_some_and(char::is_uppercase) && *t != "Array")
        .collect();
    types.sort_unstable();
    types.dedup();
    let mut out = String::from(crate::HEADER);
    out.push_str("import { invoke } from \"@tauri-apps/api/core\";\n");
    out.push_str(&format!(
        "import type {{ {} }} from \"./ipc\";\n\n",
        types.join(", ")
    ));
    out.push_str("/** Every command of the desktop shell, typed. Rejects with an `AppError`. */\nexport const commands = {\n");
    for s in &specs {
        let returns = if s.returns == "null" {
            "void".to_owned()
        } else {
            s.returns.clone()
        };
        match &s.args {
            Some(args) if s.bytes => out.push_str(&format!(
                "  {}: (args: {args}, bytes: ArrayBuffer) =>\n    invoke<{returns}>(\"{}\", bytes, {{\n      headers: {{ \"{ARGS_HEADER}\": encodeURIComponent(JSON.stringify(args)) }},\n    }}),\n",
                camel(s.name),
                s.name
            )),
            Some(args) => out.push_str(&format!(
                "  {}: (args: {args}) => invoke<{returns}>(\"{}\", {{ args }}),\n",
                camel(s.name),
                s.name
            )),
            None => out.push_str(&format!(
                "  {}: () => invoke<{returns}>(\"{}\"),\n",
                camel(s.name),
                s.name
            )),
        }
    }
    out.push_str("};\n\n");
    out.push_str(
        "/**\n * Every command by its Tauri name: the `args` it takes (`undefined`: none) and\n * what it resolves to (`null` for nothing), for stand-ins of the shell. A\n * command with `bytes` takes them as its body, and its `args` in the\n * `suda-args` header.\n */\n",
    );
    out.push_str("export type Commands = {\n");
    for s in &specs {
        let args = s.args.as_deref().unwrap_or("undefined");
        let bytes = if s.bytes { "; bytes: true" } else { "" };
        out.push_str(&format!(
            "  {}: {{ args: {args}; returns: {}{bytes} }};\n",
            s.name, s.returns
        ));
    }
    out.push_str("};\n");
    out
}

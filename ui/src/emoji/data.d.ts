/** The module the `emojiData` plugin in vite.config.ts makes at build time. */
declare module "virtual:emoji-data" {
  const list: readonly import("./emoji").Emoji[];
  export default list;
}

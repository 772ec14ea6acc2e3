/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { createRequire } from "node:module";
import { defineConfig, type Plugin } from "vite";
import { derive } from "./src/emoji/derive.ts";

const require = createRequire(import.meta.url);

/**
 * `virtual:emoji-data`: the picker's emoji list, cut at build time from
 * emojibase-data (760 kB) down to what it shows, and imported dynamically so
 * it lands in a chunk of its own.
 */
function emojiData(): Plugin {
  const id = "virtual:emoji-data";
  return {
    name: "suda-emoji-data",
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load(resolved) {
      if (resolved !== `\0${id}`) return undefined;
      const list = derive(
        require("emojibase-data/en/data.json"),
        require("emojibase-data/meta/hexcodes.json"),
      );
      return `export default ${JSON.stringify(list)};`;
    },
  };
}

// Tauri serves ui/dist from its own protocol, so every asset path is relative.
export default defineConfig({
  base: "./",
  plugins: [react(), emojiData()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  // No source maps: the build is embedded in the desktop binary, and maps
  // would ship the source in every installer.
  build: { outDir: "dist", target: "es2021", sourcemap: false },
  test: {
    environment: "jsdom",
    setupFiles: ["./test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}", "test/**/*.test.{ts,tsx}"],
  },
});

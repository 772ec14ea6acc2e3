import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // The binding files are generated from Rust and committed as they are.
  { ignores: ["dist", "node_modules", "src/bindings/*.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // The UI never touches the network: the Rust shell owns it.
      "no-restricted-globals": [
        "error",
        { name: "fetch", message: "The UI never touches the network; use commands.*" },
        { name: "EventSource", message: "Events come from the shell via suda://event" },
        { name: "WebSocket", message: "The UI never touches the network" },
        { name: "XMLHttpRequest", message: "The UI never touches the network" },
      ],
      "react/no-danger": "off",
      "no-restricted-syntax": [
        "error",
        {
          selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
          message: "Message text is always rendered as text.",
        },
      ],
    },
  },
  {
    files: ["e2e/**", "test/**", "*.config.{js,ts}", "scripts/**"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: { "no-restricted-globals": "off" },
  },
);

/**
 * What a message row can ask of its conversation: reply, edit, delete,
 * react, jump to an original. Given through context, so the virtualized
 * list between them does not have to carry every handler.
 */
import { createContext, useContext } from "react";
import type { EventView } from "../bindings/ipc";

export interface MessageActions {
  /** The message being edited in place, if any. */
  editingId: string | null;
  reply(event: EventView): void;
  startEdit(event: EventView): void;
  cancelEdit(): void;
  /** Saves an edit; rejects with the shell's error. */
  saveEdit(event: EventView, text: string): Promise<void>;
  /** Asks before deleting. */
  askDelete(event: EventView): void;
  toggleReaction(event: EventView, emoji: string, on: boolean): void;
  /** Opens the emoji picker next to `anchor`. */
  openPicker(event: EventView, anchor: HTMLElement): void;
  jump(messageId: string): void;
  /** Opens the message's thread; absent inside a thread (no thread of a reply). */
  openThread?: (event: EventView) => void;
}

const none = () => undefined;

/** Rows outside a conversation (tests of a lone row) get no actions. */
export const MessageActionsContext = createContext<MessageActions>({
  editingId: null,
  reply: none,
  startEdit: none,
  cancelEdit: none,
  saveEdit: () => Promise.resolve(),
  askDelete: none,
  toggleReaction: none,
  openPicker: none,
  jump: none,
});

export const useMessageActions = () => useContext(MessageActionsContext);

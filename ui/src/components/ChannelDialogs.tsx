import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { createGroup, joinChannel, openDirect } from "../store/store";
import { useSubmit } from "../useSubmit";
import { Dialog } from "./Dialog";

/** A dialog with a form whose submit calls the shell and shows failures in words. */
function FormDialog({
  title,
  submitLabel,
  onClose,
  onSubmit,
  children,
}: {
  title: string;
  submitLabel: string;
  onClose: () => void;
  onSubmit: () => Promise<void>;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const form = useSubmit(async () => {
    await onSubmit();
    onClose();
  }, t("dialogs.failed"));
  return (
    <Dialog title={title} onClose={onClose}>
      <form className="dialog-form" onSubmit={form.onSubmit}>
        {children}
        <p className="form-error" role="alert">
          {form.error}
        </p>
        <div className="dialog-actions">
          <button type="button" className="ghost" onClick={onClose}>
            {t("dialogs.cancel")}
          </button>
          <button type="submit" className="primary" disabled={form.busy}>
            {submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function NewGroupDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState("");
  const [members, setMembers] = useState("");
  const names = members
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  return (
    <FormDialog
      title={t("sidebar.newGroup")}
      submitLabel={t("dialogs.create")}
      onClose={onClose}
      onSubmit={() => createGroup(name.trim(), names)}
    >
      <label>
        <span>{t("dialogs.groupName")}</span>
        <input required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        <span>{t("dialogs.memberNames")}</span>
        <input value={members} onChange={(e) => setMembers(e.target.value)} />
      </label>
    </FormDialog>
  );
}

export function NewDirectDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState("");
  return (
    <FormDialog
      title={t("sidebar.newDirect")}
      submitLabel={t("dialogs.open")}
      onClose={onClose}
      onSubmit={() => openDirect(name.trim())}
    >
      <label>
        <span>{t("dialogs.memberName")}</span>
        <input required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
    </FormDialog>
  );
}

export function JoinDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const [id, setId] = useState("");
  return (
    <FormDialog
      title={t("sidebar.join")}
      submitLabel={t("dialogs.join")}
      onClose={onClose}
      onSubmit={() => joinChannel(id.trim())}
    >
      <label>
        <span>{t("dialogs.channelId")}</span>
        <input required value={id} onChange={(e) => setId(e.target.value)} />
      </label>
    </FormDialog>
  );
}

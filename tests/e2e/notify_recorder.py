#!/usr/bin/env python3
"""A recording notification server for end-to-end tests.

It owns org.freedesktop.Notifications on the (private, test-only) session
bus and appends every Notify call to a JSON-lines file, so a test can see
that a real desktop notification was delivered, with what title, body and
actions. `InvokeAction(id, key)` on the same interface makes it emit
ActionInvoked, as a desktop does when the member clicks the notification.
Every CloseNotification (the app withdrawing one) appends its id to
RECORD_FILE.closed.

    python3 notify_recorder.py RECORD_FILE
"""
import asyncio
import json
import sys

from dbus_next import Variant
from dbus_next.aio import MessageBus
from dbus_next.service import ServiceInterface, method, signal


class Notifications(ServiceInterface):
    def __init__(self, record_path):
        super().__init__("org.freedesktop.Notifications")
        self.record_path = record_path
        self.next_id = 1

    @method()
    def GetCapabilities(self) -> "as":  # noqa: F821
        return ["actions", "body", "body-markup"]

    @method()
    def GetServerInformation(self) -> "ssss":  # noqa: F821
        return ["suda-test-recorder", "suda", "1.0", "1.2"]

    @method()
    def Notify(
        self,
        app_name: "s",  # noqa: F821
        replaces_id: "u",  # noqa: F821
        app_icon: "s",  # noqa: F821
        summary: "s",  # noqa: F821
        body: "s",  # noqa: F821
        actions: "as",  # noqa: F821
        hints: "a{sv}",  # noqa: F821
        expire_timeout: "i",  # noqa: F821
    ) -> "u":  # noqa: F821
        nid = replaces_id or self.next_id
        self.next_id += 1
        record = {
            "id": nid,
            "app_name": app_name,
            "summary": summary,
            "body": body,
            "actions": actions,
            "hints": {k: v.value for k, v in hints.items() if isinstance(v.value, (str, int, bool))},
        }
        with open(self.record_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return nid

    @method()
    def CloseNotification(self, nid: "u"):  # noqa: F821
        with open(self.record_path + ".closed", "a", encoding="utf-8") as f:
            f.write(f"{nid}\n")
        self.NotificationClosed(nid, 3)

    @method()
    def InvokeAction(self, nid: "u", key: "s"):  # noqa: F821
        self.ActionInvoked(nid, key)

    @signal()
    def NotificationClosed(self, nid, reason) -> "uu":  # noqa: F821
        return [nid, reason]

    @signal()
    def ActionInvoked(self, nid, key) -> "us":  # noqa: F821
        return [nid, key]


async def main(record_path):
    bus = await MessageBus().connect()
    bus.export("/org/freedesktop/Notifications", Notifications(record_path))
    await bus.request_name("org.freedesktop.Notifications")
    open(record_path + ".ready", "w").close()
    await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    _ = Variant  # imported for hint values' type
    asyncio.run(main(sys.argv[1]))

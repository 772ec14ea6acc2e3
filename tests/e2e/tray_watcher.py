#!/usr/bin/env python3
"""A recording system-tray host for end-to-end tests.

Linux desktops show tray icons through the StatusNotifierItem protocol: an
app registers its item with org.kde.StatusNotifierWatcher on the session
bus, and the panel reads the item's properties (icon, label, menu) over
D-Bus. This watcher owns that name on the private test bus, says a host is
present (so the app's indicator shows itself rather than falling back to an
XEmbed icon), and appends each registration, with the registering bus name,
to a JSON-lines file. Tests then read the item itself (see helpers.tray).

    python3 tray_watcher.py RECORD_FILE
"""
import asyncio
import json
import sys

from dbus_next.aio import MessageBus
from dbus_next.constants import MessageType, PropertyAccess
from dbus_next.service import ServiceInterface, dbus_property, method, signal


class Watcher(ServiceInterface):
    def __init__(self):
        super().__init__("org.kde.StatusNotifierWatcher")
        self.items = []

    @method()
    def RegisterStatusNotifierItem(self, service: "s"):  # noqa: F821
        self.StatusNotifierItemRegistered(service)

    @method()
    def RegisterStatusNotifierHost(self, service: "s"):  # noqa: F821
        pass

    @dbus_property(access=PropertyAccess.READ)
    def RegisteredStatusNotifierItems(self) -> "as":  # noqa: F821
        return self.items

    @dbus_property(access=PropertyAccess.READ)
    def IsStatusNotifierHostRegistered(self) -> "b":  # noqa: F821
        return True

    @dbus_property(access=PropertyAccess.READ)
    def ProtocolVersion(self) -> "i":  # noqa: F821
        return 0

    @signal()
    def StatusNotifierItemRegistered(self, service) -> "s":  # noqa: F821
        return service

    @signal()
    def StatusNotifierHostRegistered(self):
        pass


async def main(record_path):
    bus = await MessageBus().connect()
    watcher = Watcher()

    def record(message):
        # The method's argument is the item's object path (or a bus name);
        # the sender is the app's connection, which the test talks to.
        if (
            message.message_type == MessageType.METHOD_CALL
            and message.member == "RegisterStatusNotifierItem"
        ):
            service = message.body[0]
            path = service if service.startswith("/") else "/StatusNotifierItem"
            bus_name = message.sender if service.startswith("/") else service
            watcher.items.append(f"{bus_name}{path}")
            with open(record_path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"bus_name": bus_name, "path": path}) + "\n")
        return None  # handled as usual by the exported interface

    bus.add_message_handler(record)
    bus.export("/StatusNotifierWatcher", watcher)
    await bus.request_name("org.kde.StatusNotifierWatcher")
    open(record_path + ".ready", "w").close()
    await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

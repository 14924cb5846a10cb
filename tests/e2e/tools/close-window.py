#!/usr/bin/python3
"""Asks a window to close as a window manager does: a WM_DELETE_WINDOW client message.

Usage: close-window.py PID — closes every top-level window of that process on $DISPLAY.
Exits 0 when at least one window was asked, 1 when the process has none.
"""
import sys

from Xlib import X, display
from Xlib.protocol import event


def windows_of(d, pid):
    net_wm_pid = d.intern_atom("_NET_WM_PID")
    found = []
    stack = [d.screen().root]
    while stack:
        w = stack.pop()
        try:
            prop = w.get_full_property(net_wm_pid, X.AnyPropertyType)
            children = w.query_tree().children
        except Exception:  # a window gone while we looked
            continue
        if prop is not None and prop.value and prop.value[0] == pid:
            found.append(w)
        stack.extend(children)
    return found


def main():
    pid = int(sys.argv[1])
    d = display.Display()
    protocols = d.intern_atom("WM_PROTOCOLS")
    delete = d.intern_atom("WM_DELETE_WINDOW")
    targets = [w for w in windows_of(d, pid) if w.get_wm_name() is not None]
    for w in targets:
        message = event.ClientMessage(
            window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
        )
        w.send_event(message, event_mask=X.NoEventMask)
    d.flush()
    return 0 if targets else 1


if __name__ == "__main__":
    sys.exit(main())

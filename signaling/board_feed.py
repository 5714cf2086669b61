"""The live board pushed to coordinators' sockets: ``board:watch`` subscribes, ``board:update`` follows.

Each node keeps the subscriptions of its own sockets only (a socket lives on one node) and, while any
exist, reads the shared live state once a round (:data:`ROUND_S`), draws one board per scope and sends
it to each watcher whose board changed since the last one it got. Changes made on any node therefore
reach every coordinator within about a round, and an idle board costs no messages: waiting times and
durations are counted on by the client from the times in the board.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from core.accounts import Principal
from core.clock import Clock
from core.logging import log_event
from signaling.calls import Notifier, TaskSpawner
from signaling.live_board import Board, BoardScope, LiveBoard, board_json, board_scope, draw

log = logging.getLogger("rris.board")
ROUND_S = 1.0
UPDATE_EVENT = "board:update"


@dataclass
class _Watcher:
    scope: BoardScope
    last: dict[str, Any]  # the content of the last board this socket got


class BoardFeed:
    def __init__(
        self, board: LiveBoard, notifier: Notifier, clock: Clock, tasks: TaskSpawner, round_s: float = ROUND_S
    ) -> None:
        self._board = board
        self._notify = notifier
        self._clock = clock
        self._tasks = tasks
        self._round_s = round_s
        self._watchers: dict[str, _Watcher] = {}
        self._armed = False

    async def watch(self, who: Principal, sid: str) -> dict[str, Any]:
        """Subscribe socket ``sid`` (coordinators and admins only) and return the board as it is now."""
        scope = board_scope(who)
        board = await self._board.draw(scope)
        self._watchers[sid] = _Watcher(scope, board.content())
        self._arm()
        log_event(log, "board.watched", user=who.user_id)
        return board_json(board)

    def unwatch(self, sid: str) -> None:
        """Stop sending to ``sid``; harmless for a socket that never watched (every closing socket)."""
        self._watchers.pop(sid, None)

    @property
    def watching(self) -> int:
        return len(self._watchers)

    async def push_changes(self) -> None:
        """One round: read the state once, then send each watcher its board if it changed."""
        if not self._watchers:
            return
        state = await self._board.read()
        drawn: dict[BoardScope, tuple[Board, dict[str, Any]]] = {}
        for sid, watcher in list(self._watchers.items()):
            if watcher.scope not in drawn:
                board = draw(state, watcher.scope)
                drawn[watcher.scope] = (board, board.content())
            board, content = drawn[watcher.scope]
            if content == watcher.last or self._watchers.get(sid) is not watcher:
                continue  # unchanged, or unwatched while an earlier send was awaited
            watcher.last = content
            await self._notify.send(sid, UPDATE_EVENT, board_json(board))

    def _arm(self) -> None:
        if self._armed or not self._watchers:
            return
        self._armed = True
        self._clock.call_later(self._round_s, lambda: self._tasks.spawn(self._round_then_rearm()))

    async def _round_then_rearm(self) -> None:
        try:
            await self.push_changes()
        except Exception:  # a store or database hiccup skips one round; the next one tries again
            log.exception("live board round failed")
        finally:
            self._armed = False
            self._arm()

"""Drafts a planner has uploaded and is previewing, kept in the server's memory until accepted,
discarded or expired. Bounded: at most ``max_items`` per app (the oldest goes first), each for
``ttl_s`` seconds. A draft is found by a random token AND the session that uploaded it (a key
kept in the signed session cookie) AND the planner's name: a token seen by anyone else is useless.
No Flask here."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

from ..drafts import StagedDraft

MAX_PENDING = 4
TTL_S = 3600


@dataclass
class PendingDraft:
    token: str
    owner: str  # the uploading session's key
    user: str
    staged: StagedDraft
    notes: list[str]
    created: float
    preview: dict = field(default_factory=dict)  # what the preview page shows, computed once


class PendingDrafts:
    def __init__(self, max_items: int = MAX_PENDING, ttl_s: float = TTL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_items, self.ttl_s, self.clock = max_items, ttl_s, clock
        self._items: OrderedDict[str, PendingDraft] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._items)

    def add(self, owner: str, user: str, staged: StagedDraft, notes: list[str], preview: dict) -> PendingDraft:
        draft = PendingDraft(secrets.token_urlsafe(24), owner, user, staged, list(notes), self.clock(), preview)
        with self._lock:
            self._expire()
            while len(self._items) >= self.max_items:
                self._items.popitem(last=False)
            self._items[draft.token] = draft
        return draft

    def get(self, token: str, owner: str | None, user: str | None) -> PendingDraft | None:
        """The draft, if it is still here and belongs to this session and planner."""
        with self._lock:
            self._expire()
            draft = self._items.get(token)
        if draft is None or not owner or not user:
            return None
        if not hmac.compare_digest(draft.owner, owner) or draft.user != user:
            return None
        return draft

    def pop(self, token: str, owner: str | None, user: str | None) -> PendingDraft | None:
        draft = self.get(token, owner, user)
        if draft is not None:
            with self._lock:
                self._items.pop(token, None)
        return draft

    def expires_at(self, draft: PendingDraft) -> float:
        return draft.created + self.ttl_s

    def _expire(self) -> None:
        now = self.clock()
        for token in [t for t, d in self._items.items() if now - d.created >= self.ttl_s]:
            del self._items[token]

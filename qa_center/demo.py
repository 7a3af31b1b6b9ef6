"""Shared plumbing for ``seed_demo``: the context every app's ``demo.seed`` receives."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache

from django.contrib.auth.hashers import make_password


@dataclass
class DemoContext:
    scale: str
    seed: int
    rng: random.Random
    logins: list[dict] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    # What earlier seeders made, for later ones (e.g. "agents" for calls and tickets).
    data: dict = field(default_factory=dict)

    def add_login(self, *, username: str, password: str, role: str) -> None:
        self.logins.append({"username": username, "password": password, "role": role})

    def report(self, line: str) -> None:
        self.lines.append(line)

    @staticmethod
    @cache
    def password_hash(password: str) -> str:
        # Hash once and reuse: hashing per user would take minutes at --scale large.
        return make_password(password)

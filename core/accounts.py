"""Accounts and roles (账号与角色, issue 13), stored in the ``users`` table of the store.

Passwords are hashed with argon2id (argon2-cffi, pinned in requirements.txt); the hash string
carries its own salt and parameters.  No password is ever stored or logged in plain text.

Roles:
- ``admin`` (区工会管理员): every school, the district page, users, all batches, history;
- ``chair`` (学校工会主席) of one school: its pages, upload, its batches, the congress pack, may reveal
  names in row-level views (each reveal recorded), its part of the history;
- ``viewer`` (委员/经审会) of one school, or of the district when no school is given: figures and
  charts only, names always masked, no upload, manage or reveal.

Without any account the app runs in single-user mode (:data:`LOCAL`): this computer only, no login.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading
import time
from dataclasses import dataclass

import argon2

from core import erasure
from core.labels import t
from core.store import Store

ROLES = ("admin", "chair", "viewer")
ENV_IDLE_MINUTES = "UNION_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 30
FREE_FAILURES = 3  # wrong passwords answered at once; each later one waits twice as long (1, 2, 4 … 30 s)
MAX_DELAY_SECONDS = 30.0

_hasher = argon2.PasswordHasher()
# A hash of a random password, verified for unknown user names so that both answers take as long.


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, checked for unknown names so they take as long as known ones.

    Made on first use, not at import: an argon2 hash costs tens of ms of CPU (more on a busy
    machine), which every start of the app and every test process would otherwise pay."""
    return _hasher.hash(os.urandom(16).hex())


class AccountError(ValueError):
    """A user command that cannot be done (message in Chinese)."""


@dataclass(frozen=True)
class Scope:
    """Who is asking and what they may reach: ``org`` None means every school."""

    user: str | None
    role: str
    org: str | None

    @property
    def single_user(self) -> bool:
        return self.user is None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may(self, what: str) -> bool:
        """Capabilities: upload, manage, report, reveal, compliance, district, history, users, backup, privacy."""
        if self.role == "admin":
            return True
        if self.role == "chair":
            return what in {"upload", "manage", "report", "reveal", "compliance", "history"}
        # viewer: figures and charts only; a district viewer also sees the schools compared (no names).
        return what == "district" and self.org is None

    def allows(self, org: str | None) -> bool:
        """True when a view of ``org`` (None: every school) is inside this scope."""
        return self.org is None or org == self.org

    def clamp(self, org: str | None) -> str | None:
        """``org`` if allowed, else the scope's own school."""
        return org if self.allows(org) else self.org


# Single-user mode (no account in the store): the person at this computer sees everything, as before.
LOCAL = Scope(None, "admin", None)


def idle_minutes() -> float:
    """Minutes of inactivity after which a session ends: $UNION_IDLE_MINUTES, default 30."""
    try:
        value = float(os.environ.get(ENV_IDLE_MINUTES, DEFAULT_IDLE_MINUTES))
    except ValueError:
        return DEFAULT_IDLE_MINUTES
    return value if value > 0 else DEFAULT_IDLE_MINUTES


def accounts_exist(store: Store) -> bool:
    """True once any account exists (then login is required, and other computers may reach the login form)."""
    if not store.has_table("users"):
        return False  # a read-only store made before migration 4
    return bool(store.scalar("SELECT count(*) FROM users"))


def _check(name: str, role: str, org: str | None) -> None:
    if not name or name != name.strip() or len(name) > 64:
        raise AccountError(t("users.bad_name"))
    if role not in ROLES:
        raise AccountError(t("users.bad_role", roles=" / ".join(ROLES)))
    if role == "chair" and not org:
        raise AccountError(t("users.chair_needs_org"))
    if role == "admin" and org:
        raise AccountError(t("users.admin_no_org"))


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise AccountError(t("users.short_password"))


def add_user(store: Store, name: str, role: str, password: str, org: str | None = None) -> None:
    """Create an account (raises AccountError for a taken name, a bad role or a short password)."""
    org = (org or "").strip() or None
    _check(name, role, org)
    _check_password(password)
    with store.transaction() as cur:
        if cur.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
            raise AccountError(t("users.exists", name=name))
        cur.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, NULL)",
            [name, role, org, _hasher.hash(password), dt.datetime.now()],
        )
        erasure.record_history(cur, "user_add", {"role": role}, org=org, obj=name)


def remove_user(store: Store, name: str) -> None:
    """Delete an account (删除账号; raises AccountError when there is none).

    An account name is often a person's name: in a lake the deleted row (name, school, password
    hash) would stay in the files older snapshots name, so the delete runs as an erasure
    (:meth:`core.store.Store.erasing`) and is purged from every file at once.  The audit trail
    (操作记录 ``history``) keeps the line that says the account was removed, by its name.
    """
    with store.erasing(["users"]) as cur:
        row = cur.execute("SELECT org FROM users WHERE name = ?", [name]).fetchone()
        if row is None:
            raise AccountError(t("users.missing", name=name))
        cur.execute("DELETE FROM users WHERE name = ?", [name])
        erasure.record_history(cur, "user_remove", {}, org=row[0], obj=name)


def set_password(store: Store, name: str, password: str) -> None:
    """Replace an account's password (raises AccountError when there is none or it is too short)."""
    _check_password(password)
    with store.transaction() as cur:
        row = cur.execute("SELECT org FROM users WHERE name = ?", [name]).fetchone()
        if row is None:
            raise AccountError(t("users.missing", name=name))
        cur.execute(
            "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE name = ?",
            [_hasher.hash(password), dt.datetime.now(), name],
        )
        erasure.record_history(cur, "user_password", {}, org=row[0], obj=name)


def list_users(store: Store):
    """Accounts without their hashes: name, role, org, created_at, password_changed_at."""
    return store.query("SELECT name, role, org, created_at, password_changed_at FROM users ORDER BY name")


# --- login, with a growing delay after repeated failures ---------------------------------------------

_failures: dict[str, int] = {}
_failures_lock = threading.Lock()


def failure_delay(failures: int) -> float:
    """Seconds to wait before answering after ``failures`` wrong passwords in a row for one name."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(2.0 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)


def failures(name: str) -> int:
    with _failures_lock:
        return _failures.get(name.strip().casefold(), 0)


def authenticate(store: Store, name: str, password: str, *, sleep=time.sleep) -> Scope | None:
    """The account's scope for a right name and password, else None (one answer for both mistakes).

    After :data:`FREE_FAILURES` wrong attempts for a name, each answer waits longer (1, 2, 4 … 30 s),
    which makes guessing slow; a right password resets the count.
    """
    key = name.strip().casefold()
    delay = failure_delay(failures(name))
    if delay:
        sleep(delay)
    row = None
    if accounts_exist(store):
        frame = store.query("SELECT name, role, org, password_hash FROM users WHERE name = ?", [name.strip()])
        row = None if frame.empty else frame.iloc[0]
    try:
        _hasher.verify(row["password_hash"] if row is not None else _dummy_hash(), password)
        ok = row is not None
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        ok = False
    with _failures_lock:
        if ok:
            _failures.pop(key, None)
        else:
            _failures[key] = _failures.get(key, 0) + 1
    if not ok:
        return None
    org = row["org"] if isinstance(row["org"], str) else None
    return Scope(str(row["name"]), str(row["role"]), org)


def current_scope(store: Store, name: str) -> Scope | None:
    """The scope of an account as the store holds it now (None once removed): read on every page run."""
    frame = store.query("SELECT name, role, org FROM users WHERE name = ?", [name])
    if frame.empty:
        return None
    row = frame.iloc[0]
    return Scope(str(row["name"]), str(row["role"]), row["org"] if isinstance(row["org"], str) else None)

"""Files a batch writes beside its output, never through a link someone planted, and a lock on the output.

A batch writes ``FILE.partial``, its resume state ``FILE.partial.json`` and the traces
``DIR/row-NNNNNN.json``. Whoever can write to those folders could plant a symbolic (or hard)
link at one of the names, and a plain ``open(name, "w")`` writes through it, overwriting the
link's target. So here:

- a file is created afresh with ``O_CREAT | O_EXCL | O_NOFOLLOW`` (:func:`create`): anything
  already at the name, a link included, is refused rather than followed;
- a file replaced as a whole (the state, a trace) is written under a new random name beside it and
  renamed over the old one (:func:`replace`): a rename replaces a link itself, never its target; a
  device or pipe named as the output (``/dev/null``) is written to as a stream, never renamed over;
- a file of ours that must already exist (the partial output to resume) is opened with
  ``O_NOFOLLOW`` and must be a regular file with no other name (:func:`open_existing`).

:class:`OutputLock` holds ``FILE.lock`` (``flock``, released by the system if the process dies) for
the length of a run, so a second run into the same output, resumed or not, refuses at once instead
of interleaving its rows with the first run's.

Imports: :mod:`sellerexpert._errors`, :mod:`sellerexpert._i18n`, :mod:`sellerexpert._i18n.messages`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from .._errors import BatchError
from .._i18n import N_
from .._i18n.messages import Msg

LOCK_SUFFIX = ".lock"
"""``FILE.lock`` is locked while a batch writes ``FILE``."""

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO planted at the name must not hang the open
_EXTRA = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
# Linux says ELOOP for a link met with O_NOFOLLOW; FreeBSD and macOS say EMLINK or EFTYPE.
_LINK_ERRNOS = {errno.ELOOP, errno.EMLINK, getattr(errno, "EFTYPE", errno.ELOOP)}

_A_LINK = N_("is a symbolic link, and a batch never writes through one: remove it and run again")
_NOT_REGULAR = N_("is not a regular file, and a batch never writes through one: remove it and run again")
_HARD_LINKED = N_("has another name (a hard link), and a batch never writes through one: remove it and run again")


def _refused(path: Path, exc: OSError) -> OSError | BatchError:
    """A link met with ``O_NOFOLLOW`` said as such; any other failure as it was."""
    if exc.errno in _LINK_ERRNOS and os.path.islink(path):
        return BatchError(Msg(_A_LINK), path=path)
    return exc


def create(path: Path) -> int:
    """Create ``path`` for writing; it must not exist (not even as a link). Returns the descriptor.

    :raises BatchError: when a symbolic link is at the name.
    :raises OSError: when anything else is there (``FileExistsError``) or the folder cannot be written.
    """
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _EXTRA, 0o666)
    except OSError as exc:
        if exc.errno == errno.EEXIST and os.path.islink(path):
            raise BatchError(Msg(_A_LINK), path=path) from None
        raise _refused(path, exc) from None


def special(path: Path) -> bool:
    """Whether ``path`` names something that is there but is neither a regular file nor a folder (following links): a
    device or a pipe (``/dev/null``, ``/dev/stdout``, a FIFO), written to as a stream, never a file to replace
    (renamed over, ``/dev/null`` itself would become a file). A batch's output is told apart the same way."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def replace(path: Path, data: bytes, *, named: bool = False) -> None:
    """Make ``path`` hold ``data``: written under a new random name beside it, then renamed over it in one step.

    Whatever was at ``path`` (a link included) is replaced, never written through; a reader sees
    the old content or the new, never half of it.

    :raises OSError: when the folder cannot be written, or ``path`` is a folder.
    """
    with replacing(path, named=named) as stream:
        stream.write(data)


@contextlib.contextmanager
def replacing(path: Path, *, named: bool = False) -> Iterator[BinaryIO]:
    """:func:`replace`, for output written a piece at a time: the stream writes a new file beside ``path``,
    renamed over it when the block ends without an error, removed when it ends with one (nothing half-written).

    :param named: ``path`` is the output a person named (``-o``): a device or a pipe there (:func:`special`,
        ``-o /dev/null``) is written straight through instead, as a batch's output is (there is no file to leave
        half-written, and a rename would replace the device itself). Files written beside an output (traces, a
        resume state) are not named so: whatever is planted at their names is replaced, a pipe included.

    :raises OSError: when the folder cannot be written, or ``path`` is a folder.
    """
    if named and special(path):
        with os.fdopen(os.open(path, os.O_WRONLY | _EXTRA), "wb") as stream:
            yield stream
        return
    import secrets  # here: it costs a few milliseconds to import, and `--help` never writes a file

    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = create(temporary)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            yield stream
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def open_existing(path: Path, *, write: bool = False) -> int | None:
    """Open a regular file that an earlier run wrote, to read it or to go on writing it; ``None`` when missing.

    :raises BatchError: when ``path`` is a symbolic link, not a regular file, or has another name.
    :raises OSError: when it cannot be opened.
    """
    flags = (os.O_RDWR if write else os.O_RDONLY) | _NOFOLLOW | _NONBLOCK | _EXTRA
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _refused(path, exc) from None
    status = os.fstat(descriptor)
    problem = None if stat.S_ISREG(status.st_mode) else _NOT_REGULAR
    if problem is None and status.st_nlink != 1:
        problem = _HARD_LINKED
    if problem is not None:
        os.close(descriptor)
        raise BatchError(Msg(problem), path=path)
    return descriptor


def remove(path: Path) -> None:
    """Remove ``path`` if it is there (a link itself, never its target)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class OutputLock:
    """``FILE.lock``, held while one batch writes ``FILE`` (and its partial output and state).

    :param output: the output file the lock guards.
    """

    def __init__(self, output: Path) -> None:
        self.output = output
        self.path = output.with_name(output.name + LOCK_SUFFIX)
        self._descriptor: int | None = None

    def acquire(self) -> None:
        """Take the lock, or refuse at once when another run holds it.

        :raises BatchError: naming the output when another batch is writing it, or when the lock file
            cannot be made (a link planted at its name, a read-only folder).
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: the lock is the file's existence
            self._acquire_by_creating()
            return
        for _attempt in range(5):
            descriptor = self._open()
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(descriptor)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise self._busy() from None
                raise BatchError(Msg(N_("cannot lock the output ({reason})"), reason=exc.strerror), path=self.path) from None
            # The run that held it may have removed the file between our open and our lock: then we hold
            # a lock on a file nobody else will find. Only the file still at the name counts.
            if self._still_named(descriptor):
                self._descriptor = descriptor
                return
            os.close(descriptor)
        raise self._busy()

    def _open(self) -> int:
        try:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK | _EXTRA, 0o666)
        except OSError as exc:
            refused = _refused(self.path, exc)
            if isinstance(refused, BatchError):
                raise refused from None
            raise BatchError(Msg(N_("cannot lock the output ({reason})"), reason=exc.strerror), path=self.path) from None
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            raise BatchError(Msg(_NOT_REGULAR), path=self.path)
        return descriptor

    def _still_named(self, descriptor: int) -> bool:
        try:
            named = os.stat(self.path, follow_symlinks=False)
        except FileNotFoundError:
            return False
        held = os.fstat(descriptor)
        return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)

    def _acquire_by_creating(self) -> None:  # pragma: no cover - Windows only
        try:
            self._descriptor = create(self.path)
        except FileExistsError:
            raise self._busy() from None
        except OSError as exc:
            raise BatchError(Msg(N_("cannot lock the output ({reason})"), reason=exc.strerror), path=self.path) from None

    def _busy(self) -> BatchError:
        return BatchError(
            Msg(N_("another batch is writing this output (it holds {lock})"), lock=self.path.name),
            path=self.output,
            suggestion=Msg(N_("wait for it to finish, or choose another --output")),
        )

    def release(self) -> None:
        """Remove the lock file and let go of the lock (removed first, so no one locks a file about to go)."""
        if self._descriptor is None:
            return
        if os.name == "nt":  # pragma: no cover - an open file cannot be removed there
            os.close(self._descriptor)
            self._descriptor = None
            remove(self.path)
            return
        try:
            if self._still_named(self._descriptor):
                remove(self.path)
        finally:
            os.close(self._descriptor)
            self._descriptor = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()

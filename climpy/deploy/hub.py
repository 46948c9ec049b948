"""Helpers for the class JupyterHub (``jupyterhub_config.py``): Unix users, course content, proxy, ports.

What it gives the hub:

- :class:`ClimpySpawner`, a ``LocalProcessSpawner`` that runs each student as their own Unix user,
  created on first spawn as The Littlest JupyterHub does (hub name ``alice`` -> Unix user
  ``jupyter-alice``, home mode 0700), copies the curated notebooks into the home without ever
  overwriting a file the student edited, and links the read-only shared data folder.
- :func:`sync_content`, the copy rule on its own (usable from a script or a test).
- :class:`ClimpyNativeAuthenticator`, NativeAuthenticator fixed for JupyterHub 6, plus a REST API
  over sign-up approvals (``/hub/api/authorizations``).
- :func:`find_configurable_http_proxy` and :func:`free_port` for the proxy set-up.

The two hub classes are built on first attribute access (module ``__getattr__``), so they are not
in ``__all__``.

Only ``jupyterhub_config.py`` imports this module; JupyterHub itself is imported lazily so that
``import climpy.deploy.hub`` works without the ``hub`` extra.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import json
import logging
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from climpy._typing import PathLike
from climpy.exceptions import InputError, MissingDependencyError

__all__ = [
    "discover_oidc",
    "ensure_unix_user",
    "find_configurable_http_proxy",
    "free_port",
    "group_admin_hook",
    "ldap_server",
    "link_shared_data",
    "protect_shared_data",
    "split_setting",
    "student_cgroups",
    "sync_content",
    "sync_course_repo",
    "unix_username",
    "update_course_mirror",
    "write_default_gitconfig",
]

logger = logging.getLogger(__name__)

#: Name of the manifest kept in the student's copy of the content: relative path -> sha256 of the
#: version last delivered. A file whose hash differs from its entry was edited by the student.
MANIFEST = ".climpy-content.json"
#: File-name patterns handed out as course content by default.
CONTENT_PATTERNS = ("*.ipynb", "*.md")
#: Lowest uid a student account may have: never run a student server as a system account.
UID_MIN = 1000
_UNIX_NAME = re.compile(r"^[a-z_][a-z0-9_-]*$")
_MAX_UNIX_NAME = 32


def unix_username(name: str, prefix: str = "jupyter-") -> str:
    """Map a hub user name to a valid Unix user name, as The Littlest JupyterHub does.

    Parameters
    ----------
    name : str
        The JupyterHub user name (already normalised by the authenticator).
    prefix : str
        Prepended to every name, so that students can never collide with system accounts.

    Returns
    -------
    str
        ``prefix + name`` when that is a valid Unix name of at most 32 characters; otherwise a
        sanitised, truncated name ending in a 6-character hash of ``name`` (so it stays unique).

    Examples
    --------
    >>> unix_username("alice")
    'jupyter-alice'
    >>> unix_username("Bob.Smith")[:14]
    'jupyter-bob-sm'
    """
    full = prefix + name
    if _UNIX_NAME.match(full) and len(full) <= _MAX_UNIX_NAME:
        return full
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    safe = re.sub(r"[^a-z0-9_-]", "-", full.lower())
    if not re.match(r"[a-z_]", safe):
        safe = "u" + safe
    return f"{safe[: _MAX_UNIX_NAME - 7]}-{digest}"


def ensure_unix_user(username: str, *, home_mode: int = 0o700, uid_min: int = UID_MIN) -> pwd.struct_passwd:
    """Create a Unix user with a private home folder unless it exists (needs root).

    Parameters
    ----------
    username : str
        A valid Unix user name (see :func:`unix_username`).
    home_mode : int
        Permission bits of the home folder; 0700 keeps other students out.
    uid_min : int
        Refuse an existing account whose uid is below this (a system account).

    Returns
    -------
    pwd.struct_passwd
        The account's password-database entry.

    Raises
    ------
    InputError
        The name is not a valid Unix name, or names a system account.
    PermissionError
        ``useradd`` failed (not root).
    """
    if not _UNIX_NAME.match(username) or len(username) > _MAX_UNIX_NAME:
        raise InputError(
            f"hub user: {username!r} is not a valid Unix user name; "
            "map hub names with climpy.deploy.hub.unix_username()"
        )
    try:
        entry = pwd.getpwnam(username)
    except KeyError:
        logger.info("creating Unix user %s", username)
        cmd = ["useradd", "--create-home", "--shell", "/bin/bash", "--user-group"]
        cmd += ["--comment", "climpy hub student", username]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise PermissionError(
                f"useradd {username} failed ({proc.returncode}): {proc.stderr.strip()}; "
                "the hub must run as root to create student accounts"
            ) from None
        entry = pwd.getpwnam(username)
    if entry.pw_uid < uid_min:
        raise InputError(
            f"hub user: Unix account {username!r} has uid {entry.pw_uid} < {uid_min} (a system account); "
            "choose another user name prefix (c.ClimpySpawner.unix_user_prefix)"
        )
    home = Path(entry.pw_dir)
    if home.is_dir() and not home.is_symlink():
        os.chmod(home, home_mode)
    return entry


def _sha256_fd(fd: int) -> str:
    h = hashlib.sha256()
    with os.fdopen(os.dup(fd), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _open_subdir(parent_fd: int, name: str, uid: int, gid: int) -> int:
    """Open (creating it if needed) a sub-folder without following symbolic links."""
    try:
        os.mkdir(name, 0o755, dir_fd=parent_fd)
        os.chown(name, uid, gid, dir_fd=parent_fd, follow_symlinks=False)
    except FileExistsError:
        pass
    # O_NOFOLLOW: a student-made symlink (e.g. to /etc) fails here instead of being written through.
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd)


def _hash_existing(dir_fd: int, name: str) -> str | None:
    """sha256 of a regular file in ``dir_fd``; None if absent; 'not-a-file' for anything else."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError:  # a symlink (ELOOP) or something unreadable: treat as the student's own
        return "not-a-file"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "not-a-file"
        return _sha256_fd(fd)
    finally:
        os.close(fd)


def _write_file(dir_fd: int, name: str, data: bytes, uid: int, gid: int) -> None:
    tmp = f".{name}.climpy-tmp"
    try:
        os.unlink(tmp, dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=dir_fd)
    try:
        os.write(fd, data)
        os.fchown(fd, uid, gid)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)


def _content_files(src: Path, include: tuple[str, ...]) -> list[Path]:
    skip = {"__pycache__", ".ipynb_checkpoints"}
    out = []
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if any(part.startswith((".", "_")) or part in skip for part in rel.parts):
            continue
        if path.suffix == ".md" and path.with_suffix(".ipynb").is_file():
            continue  # a lesson's jupytext source (notebooks/jupytext.toml): students get the notebook
        if path.is_file() and not path.is_symlink() and any(fnmatch.fnmatch(path.name, p) for p in include):
            out.append(rel)
    return out


def sync_content(
    src: PathLike,
    home: PathLike,
    *,
    dest: str = "notebooks",
    include: tuple[str, ...] = CONTENT_PATTERNS,
    uid: int | None = None,
    gid: int | None = None,
) -> dict[str, str]:
    """Copy course content into a student's home without ever overwriting the student's edits.

    The rule, per file of ``src`` matching ``include`` (names starting with ``.`` or ``_`` and
    checkpoints skipped, so outputs a notebook wrote next to itself are not handed out; so is a
    ``.md`` next to an ``.ipynb`` of the same name, the lesson's jupytext-paired text source):

    - absent in the home: copied (a file the student deleted comes back);
    - present and identical to the version last delivered (see :data:`MANIFEST`): updated to the
      current course version when that changed, else left alone;
    - present and different from the version last delivered (edited by the student), or present
      but never delivered (the student made it), or not a regular file: kept untouched.

    Writes never follow symbolic links (every folder and file is opened relative to its parent
    with ``O_NOFOLLOW``), so a student cannot redirect the hub's writes outside the home.

    Parameters
    ----------
    src : path-like
        Folder of the curated content (e.g. the repository's ``notebooks/``).
    home : path-like
        The student's home folder.
    dest : str
        Sub-folder of ``home`` receiving the content (one level, no slashes).
    include : tuple of str
        File-name patterns (``fnmatch``) of the content: by default notebooks and Markdown.
    uid, gid : int, optional
        Owner of what is created; default: the owner of ``home``.

    Returns
    -------
    dict of str to str
        Relative path -> action: ``'copied'``, ``'updated'``, ``'unchanged'`` or ``'kept'``.

    Raises
    ------
    InputError
        ``src`` is not a folder, or ``dest`` is not a plain folder name.
    """
    src = Path(src)
    if not src.is_dir():
        raise InputError(
            f"{src}: course content folder not found; set CLIMPY_HUB_CONTENT to the notebooks folder"
        )
    if not dest or "/" in dest or dest in {".", ".."}:
        raise InputError(f"sync_content: dest={dest!r} must be one plain folder name, e.g. 'notebooks'")
    files = _content_files(src, include)
    home_fd = os.open(os.fspath(home), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        st = os.fstat(home_fd)
        uid = st.st_uid if uid is None else uid
        gid = st.st_gid if gid is None else gid
        try:
            root_fd = _open_subdir(home_fd, dest, uid, gid)
        except OSError as err:  # ~/dest is a symlink or a file: the student's business, hands off
            logger.warning("%s/%s is not a plain folder (%s): course content not delivered", home, dest, err)
            return {rel.as_posix(): "kept" for rel in files}
    finally:
        os.close(home_fd)
    actions: dict[str, str] = {}
    try:
        manifest_hash = _hash_existing(root_fd, MANIFEST)
        manifest: dict[str, str] = {}
        if manifest_hash not in (None, "not-a-file"):
            fd = os.open(MANIFEST, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=root_fd)
            with os.fdopen(fd, "rb") as f:
                try:
                    loaded = json.loads(f.read() or b"{}")
                    manifest = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
                except ValueError:
                    logger.warning("%s/%s/%s is not JSON; every file counts as edited", home, dest, MANIFEST)
        for rel in files:
            data = (src / rel).read_bytes()
            new_hash = hashlib.sha256(data).hexdigest()
            key = rel.as_posix()
            dir_fds = [root_fd]
            try:
                ok = True
                for part in rel.parts[:-1]:
                    try:
                        dir_fds.append(_open_subdir(dir_fds[-1], part, uid, gid))
                    except OSError:
                        ok = False
                        break
                if not ok:
                    actions[key] = "kept"
                    continue
                have = _hash_existing(dir_fds[-1], rel.name)
                if have is None:
                    _write_file(dir_fds[-1], rel.name, data, uid, gid)
                    actions[key] = "copied"
                elif have == new_hash:
                    actions[key] = "unchanged"
                elif have == manifest.get(key):
                    _write_file(dir_fds[-1], rel.name, data, uid, gid)
                    actions[key] = "updated"
                else:
                    actions[key] = "kept"
                    continue  # the student's version: do not record the course's hash for it
                manifest[key] = new_hash
            finally:
                for fd in dir_fds[1:]:
                    os.close(fd)
        _write_file(root_fd, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode(), uid, gid)
    finally:
        os.close(root_fd)
    logger.info(
        "content sync into %s/%s: %s",
        home,
        dest,
        {a: sum(v == a for v in actions.values()) for a in ("copied", "updated", "unchanged", "kept")},
    )
    return actions


def protect_shared_data(data_dir: PathLike) -> Path:
    """Make the shared data folder readable by everyone and writable by its owner only.

    Parameters
    ----------
    data_dir : path-like
        The folder (created if missing). Everything under it loses group and other write bits.

    Returns
    -------
    Path
        The folder, resolved.
    """
    data = Path(data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    for path in [data, *data.rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        want = (mode | 0o444 | (0o111 if path.is_dir() else 0)) & ~0o022
        if want != mode:
            os.chmod(path, want)
    # Every parent must be traversable for students to reach it.
    for parent in data.parents:
        mode = stat.S_IMODE(parent.stat().st_mode)
        if not mode & 0o001:
            logger.warning("%s is not traversable by other users: students cannot reach %s", parent, data)
    return data


def link_shared_data(home: PathLike, data_dir: PathLike, *, name: str = "data", uid: int, gid: int) -> None:
    """Put a symbolic link ``~/name`` to the shared data folder in a student's home (if absent).

    Parameters
    ----------
    home : path-like
        The student's home folder.
    data_dir : path-like
        The read-only shared data folder.
    name : str
        Name of the link in the home.
    uid, gid : int
        Owner given to the link.
    """
    home_fd = os.open(os.fspath(home), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        os.symlink(os.fspath(data_dir), name, dir_fd=home_fd)
        os.chown(name, uid, gid, dir_fd=home_fd, follow_symlinks=False)
    except FileExistsError:
        pass
    finally:
        os.close(home_fd)


def write_default_gitconfig(home: PathLike, name: str, email: str, *, uid: int, gid: int) -> bool:
    """Give a student a git identity (``~/.gitconfig``) unless they have one.

    Without it, jupyterlab-git cannot even initialise a repository (its first commit fails with
    "Author identity unknown"). The file belongs to the student, who may change it at any time.

    Parameters
    ----------
    home : path-like
        The student's home folder.
    name, email : str
        ``user.name`` and ``user.email``.
    uid, gid : int
        Owner of the file.

    Returns
    -------
    bool
        True if the file was written, False if the student already had one.
    """
    home_fd = os.open(os.fspath(home), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        if _hash_existing(home_fd, ".gitconfig") is not None:
            return False
        _write_file(home_fd, ".gitconfig", f"[user]\n\tname = {name}\n\temail = {email}\n".encode(), uid, gid)
        return True
    finally:
        os.close(home_fd)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port free on ``host`` right now (bound to port 0, then released).

    Parameters
    ----------
    host : str
        Interface address.

    Returns
    -------
    int
        A port number.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _is_node_chp(path: Path) -> bool:
    try:
        head = path.read_bytes()[:200]
    except OSError:
        return False
    return head.startswith(b"#!") and b"node" in head.splitlines()[0]


def find_configurable_http_proxy(repo: PathLike | None = None) -> str:
    """Locate the npm ``configurable-http-proxy`` (not the PyPI port that shadows it in venvs).

    Looks at ``$CONFIGPROXY_COMMAND``, then ``<repo>/.venv/node/bin`` (where ``scripts/setup.sh
    --test`` installs it), ``/usr/local/bin``, ``/usr/bin``, then npm's global prefix.

    Parameters
    ----------
    repo : path-like, optional
        The repository root.

    Returns
    -------
    str
        Absolute path of the command.

    Raises
    ------
    MissingDependencyError
        None found; the message says how to install it.
    """
    env = os.environ.get("CONFIGPROXY_COMMAND")
    if env:
        return env
    candidates = []
    if repo is not None:
        candidates.append(Path(repo) / ".venv" / "node" / "bin" / "configurable-http-proxy")
    candidates += [Path("/usr/local/bin/configurable-http-proxy"), Path("/usr/bin/configurable-http-proxy")]
    for cand in candidates:
        if cand.exists() and _is_node_chp(cand.resolve()):
            return str(cand)
    npm = shutil.which("npm")  # last: starting node takes a second or two
    if npm:
        try:
            prefix = subprocess.run([npm, "prefix", "-g"], capture_output=True, text=True, timeout=30).stdout
            cand = Path(prefix.strip()) / "bin" / "configurable-http-proxy"
            candidates.append(cand)
            if prefix.strip() and cand.exists() and _is_node_chp(cand.resolve()):
                return str(cand)
        except (OSError, subprocess.SubprocessError):
            pass
    raise MissingDependencyError(
        "configurable-http-proxy (npm) not found in "
        + ", ".join(str(c) for c in candidates)
        + "; install it with `npm install -g configurable-http-proxy` (or `make setup-test`), "
        "or set CONFIGPROXY_COMMAND"
    )


def update_course_mirror(source: PathLike, mirror: PathLike) -> Path:
    """Keep a world-readable bare mirror of the course repository, for students to clone (as root).

    The repository the hub runs from may sit where students cannot read it (a clone under
    ``/root``); the mirror holds its branches and tags in a folder every user can read.

    Parameters
    ----------
    source : path-like
        The course repository (a work tree or a bare repository) or a git URL.
    mirror : path-like
        The bare mirror, created on first call, fetched (pruned) on every later one.

    Returns
    -------
    Path
        The mirror.

    Raises
    ------
    InputError
        git failed (the message has git's own words).
    """
    mirror = Path(mirror)
    if (mirror / "HEAD").exists():
        cmd = ["git", "--git-dir", str(mirror), "fetch", "--quiet", "--prune", "--force", "origin"]
    else:
        mirror.parent.mkdir(parents=True, exist_ok=True)
        cmd = ["git", "clone", "--quiet", "--mirror", os.fspath(source), str(mirror)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise InputError(
            f"course repository {source}: `{' '.join(cmd)}` failed: {proc.stderr.strip()}; "
            "set CLIMPY_HUB_COURSE_REPO to a git repository the hub can read"
        )
    subprocess.run(["chmod", "-R", "a+rX", str(mirror)], check=True)
    return mirror


def sync_course_repo(
    source: str,
    home: PathLike,
    *,
    dest: str = "climpy",
    branch: str = "",
    uid: int | None = None,
    gid: int | None = None,
    bin_dir: PathLike | None = None,
) -> str:
    """Clone the course repository into a student's home, or pull it without clobbering their work.

    Runs as the student (``uid``/``gid``). The first call clones ``source`` into ``~/dest`` and
    sets up the clone for notebooks: nbstripout as git filter (outputs stripped from commits, cell
    ids and counts kept, as ``scripts/git-setup.sh`` does) and nbdime as diff and merge driver.
    Every later call pulls with nbgitpuller, whose merge rules keep the student's work: their
    changes win over the course's in a conflict (``merge -Xours``), a file they deleted comes back,
    a file of theirs in the way of a new course file is renamed with a timestamp, and their
    uncommitted edits are committed first as "Automatic commit by nbgitpuller".

    Parameters
    ----------
    source : str
        Git URL or path of the course repository (e.g. :func:`update_course_mirror`'s mirror).
    home : path-like
        The student's home folder.
    dest : str
        Folder of the home holding the clone.
    branch : str
        Branch to follow; '' = the repository's default branch.
    uid, gid : int, optional
        The student's ids (default: the current user's).
    bin_dir : path-like, optional
        ``bin`` folder of the students' environment (``gitpuller``, ``nbstripout``, ``nbdime``).

    Returns
    -------
    str
        ``'cloned'`` or ``'pulled'``.

    Raises
    ------
    InputError
        ``dest`` is not a plain folder name, ``~/dest`` exists but is not a git clone, or git failed.
    """
    if not dest or "/" in dest or dest in {".", ".."}:
        raise InputError(f"sync_course_repo: dest={dest!r} must be one plain folder name, e.g. 'climpy'")
    home = Path(home)
    repo = home / dest
    bin_dir = Path(bin_dir) if bin_dir else Path(sys.executable).parent
    env = {"HOME": str(home), "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    ids: dict[str, Any] = {} if uid is None else {"user": uid, "group": gid, "extra_groups": []}

    def run(cmd: list[str], cwd: Path) -> str:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False, **ids)
        if proc.returncode != 0:
            out = (proc.stderr or proc.stdout)[-1500:]
            raise InputError(f"{repo}: `{' '.join(cmd)}` failed ({proc.returncode}): {out}")
        return proc.stdout

    if repo.is_symlink() or (repo.exists() and not (repo / ".git").is_dir()):
        raise InputError(
            f"{repo} exists but is not a git clone: the course is not delivered there; "
            "the student may rename it to get a fresh clone at the next start"
        )
    if "://" not in source and not source.startswith("git@"):
        # git (>= 2.35.2) refuses a repository owned by another user (the hub's mirror belongs to
        # root) unless the user's own config trusts it; the environment (GIT_CONFIG_COUNT) does not
        # reach git's local transport, so the student's ~/.gitconfig gets the one entry.
        trusted = subprocess.run(
            ["git", "config", "--global", "--get-all", "safe.directory"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            **ids,
        ).stdout.split("\n")
        if source not in trusted:
            run(["git", "config", "--global", "--add", "safe.directory", source], home)
    if not repo.exists():
        cmd = ["git", "clone", "--quiet"] + (["--branch", branch] if branch else []) + [source, str(repo)]
        run(cmd, home)
        py = str(bin_dir / "python")
        run([py, "-m", "nbstripout", "--install"], repo)
        run(
            ["git", "config", "filter.nbstripout.clean", f'"{py}" -m nbstripout --keep-id --keep-count'], repo
        )
        run([str(bin_dir / "nbdime"), "config-git", "--enable"], repo)
        logger.info("course repository cloned into %s", repo)
        return "cloned"
    if not branch:  # the branch the clone follows (nbgitpuller's own guess fails on local mirrors)
        head = run(["git", "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"], repo).strip()
        branch = head.removeprefix("refs/remotes/origin/")
    run([str(bin_dir / "gitpuller"), source, branch, str(repo)], home)
    logger.info("course repository pulled into %s", repo)
    return "pulled"


#: Where the cgroup file systems are mounted (v2: one tree; v1: one tree per controller).
CGROUP_ROOT = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000


def student_cgroups(
    name: str, mem_bytes: int | None, cpu: float | None, *, root: PathLike = CGROUP_ROOT
) -> list[Path]:
    """Create or update a student's cgroups with a memory and a CPU limit (needs root).

    JupyterHub's local spawner does not enforce ``mem_limit``/``cpu_limit``; the kernel does,
    through cgroups, for every process put in them (the server, its kernels and their children).
    Measured here (no systemd as PID 1, so no systemdspawner): the cgroup v1 memory and cpu
    controllers under /sys/fs/cgroup are writable and a process past ``memory.limit_in_bytes`` is
    killed by the kernel's OOM killer. cgroup v2 (``memory.max``, ``cpu.max``) is used where
    /sys/fs/cgroup is the unified tree.

    Parameters
    ----------
    name : str
        The student's Unix name (one cgroup each, under ``climpy-hub/``).
    mem_bytes : int or None
        Memory limit in bytes (swap included where the kernel accounts it); None or 0 = none.
    cpu : float or None
        CPU limit in cores (e.g. 1.0); None or 0 = none.
    root : path-like
        Mount point of the cgroup file systems.

    Returns
    -------
    list of Path
        The ``cgroup.procs`` files the server's process must write its pid to.

    Raises
    ------
    OSError
        The cgroup file system is not writable (not root, or a read-only mount).
    """
    root = Path(root)
    procs = []
    if (root / "cgroup.controllers").exists():  # v2
        available = (root / "cgroup.controllers").read_text().split()
        parent = root / "climpy-hub"
        parent.mkdir(exist_ok=True)
        wanted = [c for c in ("memory", "cpu") if c in available]
        for level in (root, parent):
            (level / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in wanted))
        group = parent / name
        group.mkdir(exist_ok=True)
        if mem_bytes:
            (group / "memory.max").write_text(str(int(mem_bytes)))
            if (group / "memory.swap.max").exists():
                (group / "memory.swap.max").write_text("0")
        if cpu:
            (group / "cpu.max").write_text(f"{int(cpu * CPU_PERIOD_US)} {CPU_PERIOD_US}")
        return [group / "cgroup.procs"]
    if mem_bytes:
        group = root / "memory" / "climpy-hub" / name
        group.mkdir(parents=True, exist_ok=True)
        (group / "memory.limit_in_bytes").write_text(str(int(mem_bytes)))
        if (group / "memory.memsw.limit_in_bytes").exists():
            (group / "memory.memsw.limit_in_bytes").write_text(str(int(mem_bytes)))
        procs.append(group / "cgroup.procs")
    if cpu:
        group = root / "cpu" / "climpy-hub" / name
        group.mkdir(parents=True, exist_ok=True)
        (group / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
        (group / "cpu.cfs_quota_us").write_text(str(int(cpu * CPU_PERIOD_US)))
        procs.append(group / "cgroup.procs")
    return procs


def split_setting(value: str | None, sep: str = ",") -> list[str]:
    """Split a list-valued environment setting, dropping blanks (``"a, b,"`` -> ``["a", "b"]``).

    Parameters
    ----------
    value : str or None
        The setting's text.
    sep : str
        Separator: ``","`` for names, ``";"`` for LDAP DNs (which contain commas).

    Returns
    -------
    list of str
    """
    return [part.strip() for part in (value or "").split(sep) if part.strip()]


def ldap_server(url: str, *, setting: str = "CLIMPY_HUB_LDAP_URL") -> dict[str, Any]:
    """Turn an LDAP URL into ldapauthenticator's ``server_address``, ``server_port``, ``tls_strategy``.

    ``ldap://host[:port]`` upgrades to TLS with StartTLS before sending the password (the LDAPv3
    way); ``ldaps://host[:port]`` speaks TLS from the first byte. Plain-text binds are never chosen
    from a URL: they need ``CLIMPY_HUB_LDAP_TLS=insecure`` (tests on loopback only).

    Parameters
    ----------
    url : str
        ``ldap://`` or ``ldaps://`` URL, without a path (the DNs are separate settings).
    setting : str
        Name of the setting, for the error message.

    Returns
    -------
    dict
        ``{"server_address": str, "server_port": int, "tls_strategy": "before_bind" | "on_connect"}``.

    Raises
    ------
    InputError
        Not an ``ldap://``/``ldaps://`` URL with a host.

    Examples
    --------
    >>> ldap_server("ldaps://ldap.example.org")
    {'server_address': 'ldap.example.org', 'server_port': 636, 'tls_strategy': 'on_connect'}
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme not in {"ldap", "ldaps"}
        or not parts.hostname
        or port == -1
        or parts.path not in ("", "/")
    ):
        raise InputError(
            f"jupyterhub_config.py: {setting}={url!r} is not an LDAP server URL; "
            "give ldaps://host[:port] or ldap://host[:port] (no path: the DNs are separate settings)"
        )
    secure = parts.scheme == "ldaps"
    return {
        "server_address": parts.hostname,
        "server_port": port or (636 if secure else 389),
        "tls_strategy": "on_connect" if secure else "before_bind",
    }


def group_admin_hook(admin_groups: set[str], admin_users: set[str]) -> Any:
    """Return a JupyterHub ``post_auth_hook`` granting admin to members of directory groups.

    ldapauthenticator 2 finds a user's groups (``auth_state["ldap_groups"]``, among its
    ``allowed_groups``) but has no admin-group setting; oauthenticator has one (``admin_groups``)
    and needs no hook. The hook makes a member of any of ``admin_groups`` an admin, and revokes
    admin from anyone else not listed in ``admin_users`` (so leaving the group takes effect at
    the next login), as oauthenticator's ``admin_groups`` does.

    Parameters
    ----------
    admin_groups : set of str
        Group DNs whose members are hub admins.
    admin_users : set of str
        Hub names that stay admins whatever their groups (``CLIMPY_HUB_ADMINS``).

    Returns
    -------
    callable
        ``hook(authenticator, handler, authentication) -> authentication``.
    """
    admin_groups, admin_users = set(admin_groups), set(admin_users)

    def hook(authenticator: Any, handler: Any, authentication: dict) -> dict:
        groups = set((authentication.get("auth_state") or {}).get("ldap_groups") or [])
        authentication["admin"] = bool(groups & admin_groups) or authentication["name"] in admin_users
        return authentication

    return hook


def discover_oidc(
    issuer: str, *, timeout: float = 10, setting: str = "CLIMPY_HUB_OIDC_ISSUER"
) -> dict[str, str]:
    """Read an OpenID Connect provider's endpoints from its discovery document.

    GenericOAuthenticator needs the authorize, token and userinfo URLs one by one; every OIDC
    provider publishes them at ``<issuer>/.well-known/openid-configuration`` (OpenID Connect
    Discovery 1.0), so the hub needs only the issuer.

    Parameters
    ----------
    issuer : str
        The issuer URL (``https://...``; ``http://`` only on loopback, for tests).
    timeout : float
        Seconds to wait for the provider.
    setting : str
        Name of the setting, for the error message.

    Returns
    -------
    dict of str to str
        ``authorization_endpoint``, ``token_endpoint``, ``userinfo_endpoint`` and ``issuer``.

    Raises
    ------
    InputError
        Not an https URL, the provider does not answer, or its document lacks an endpoint.
    """
    from urllib.parse import urlsplit
    from urllib.request import urlopen

    parts = urlsplit(issuer)
    loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise InputError(
            f"jupyterhub_config.py: {setting}={issuer!r} must be an https:// URL (http only on loopback)"
        )
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        with urlopen(url, timeout=timeout) as r:  # noqa: S310 - scheme checked above
            doc = json.loads(r.read())
    except (OSError, ValueError) as err:
        raise InputError(
            f"jupyterhub_config.py: {setting}: cannot read {url} ({err}); check the issuer URL and that "
            "the provider is reachable from the hub"
        ) from None
    keys = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint")
    missing = [k for k in keys if not isinstance(doc.get(k), str)]
    if missing:
        raise InputError(
            f"jupyterhub_config.py: {url} has no {', '.join(missing)}; is {setting} an OIDC issuer?"
        )
    return {k: doc[k] for k in (*keys, "issuer") if k in doc}


def _spawner_base() -> Any:
    try:
        from jupyterhub.spawner import LocalProcessSpawner
    except ImportError as err:  # pragma: no cover - the hub extra is missing
        raise MissingDependencyError(
            "climpy.deploy.hub needs JupyterHub; install it with `pip install climpy[hub]`"
        ) from err
    return LocalProcessSpawner


def _make_spawner_class() -> type:
    from traitlets import Unicode

    base = _spawner_base()

    class ClimpySpawner(base):  # type: ignore[misc, valid-type]
        """Local-process spawner: one Unix user per student, created on first spawn.

        Before each start it creates the account if needed (``useradd``, home 0700), copies the
        course content (:func:`sync_content`), links the shared data folder and gives a default git
        identity (:func:`write_default_gitconfig`), then starts the single-user server as that user.
        """

        unix_user_prefix = Unicode(
            "jupyter-", config=True, help="Prefix of the Unix accounts made for hub users."
        )
        content_dir = Unicode("", config=True, help="Course content copied into each home ('' = none).")
        content_dest = Unicode("notebooks", config=True, help="Folder of the home receiving the content.")
        shared_data_dir = Unicode("", config=True, help="Read-only shared data folder linked as ~/data.")
        git_email_domain = Unicode(
            "climpy-hub.invalid", config=True, help="Domain of the default git e-mail <name>@<domain>."
        )
        course_repo = Unicode(
            "", config=True, help="Course git repository (path or URL) cloned into each home ('' = none)."
        )
        course_mirror = Unicode(
            "",
            config=True,
            help="World-readable bare mirror of a local course_repo ('' = clone it directly).",
        )
        course_dest = Unicode("climpy", config=True, help="Folder of the home holding the course clone.")
        course_branch = Unicode("", config=True, help="Branch of the course to follow ('' = default).")
        env_bin = Unicode("", config=True, help="bin folder of the students' environment.")

        @property
        def unix_name(self) -> str:
            return unix_username(self.user.name, self.unix_user_prefix)

        async def start(self):
            entry = await asyncio.to_thread(ensure_unix_user, self.unix_name)
            # First: the identity goes into a new ~/.gitconfig, before the course clone adds to it.
            email = f"{self.user.name}@{self.git_email_domain}"
            write_default_gitconfig(entry.pw_dir, self.user.name, email, uid=entry.pw_uid, gid=entry.pw_gid)
            if self.content_dir:
                await asyncio.to_thread(
                    sync_content,
                    self.content_dir,
                    entry.pw_dir,
                    dest=self.content_dest,
                    uid=entry.pw_uid,
                    gid=entry.pw_gid,
                )
            if self.course_repo:
                source = self.course_repo
                if self.course_mirror:
                    await asyncio.to_thread(update_course_mirror, self.course_repo, self.course_mirror)
                    source = self.course_mirror
                try:
                    await asyncio.to_thread(
                        sync_course_repo,
                        source,
                        entry.pw_dir,
                        dest=self.course_dest,
                        branch=self.course_branch,
                        uid=entry.pw_uid,
                        gid=entry.pw_gid,
                        bin_dir=self.env_bin or None,
                    )
                except InputError as err:  # the student's server still starts, with their files as they are
                    self.log.warning("course repository not synced for %s: %s", self.user.name, err)
            if self.shared_data_dir:
                link_shared_data(entry.pw_dir, self.shared_data_dir, uid=entry.pw_uid, gid=entry.pw_gid)
            return await super().start()

        def _limits(self) -> tuple[list[Path], int | None]:
            """Return the cgroups enforcing mem_limit/cpu_limit; else RLIMIT_AS for memory (no CPU limit)."""
            if not (self.mem_limit or self.cpu_limit):
                return [], None
            try:
                procs = student_cgroups(self.unix_name, self.mem_limit, self.cpu_limit)
                self.log.info("limits of %s: cgroups %s", self.user.name, [str(p.parent) for p in procs])
                return procs, None
            except OSError as err:
                self.log.warning(
                    "cgroups not writable (%s): %s's memory capped by RLIMIT_AS, CPU not limited",
                    err,
                    self.user.name,
                )
                return [], self.mem_limit or None

        def make_preexec_fn(self, name):
            import resource

            from jupyterhub.spawner import set_user_setuid

            procs, address_limit = self._limits()
            setuid = set_user_setuid(self.unix_name)

            def preexec():
                # In the child, still root: join the student's cgroups, then become the student.
                for path in procs:
                    with open(path, "w") as f:
                        f.write(str(os.getpid()))
                if address_limit:
                    resource.setrlimit(resource.RLIMIT_AS, (address_limit, address_limit))
                setuid()

            return preexec

        def user_env(self, env):
            entry = pwd.getpwnam(self.unix_name)
            env["USER"] = entry.pw_name
            env["HOME"] = entry.pw_dir
            env["SHELL"] = entry.pw_shell or "/bin/bash"
            return env

        async def move_certs(self, paths):  # pragma: no cover - internal_ssl is not used here
            raise NotImplementedError("ClimpySpawner does not support internal_ssl")

    return ClimpySpawner


class _NullTimer:
    """Stands in for the statsd timer JupyterHub 6 removed (jupyterhub PR #5407)."""

    def timer(self, *args: Any, **kwargs: Any) -> _NullTimer:
        return self

    def start(self) -> _NullTimer:
        return self

    def stop(self, *args: Any, **kwargs: Any) -> None:
        return None


def _make_authenticator_class() -> type:
    try:
        from nativeauthenticator import NativeAuthenticator
        from nativeauthenticator.handlers import LoginHandler as NativeLoginHandler
    except ImportError as err:  # pragma: no cover - the hub extra is missing
        raise MissingDependencyError(
            "the class hub needs jupyterhub-nativeauthenticator; install it with `pip install climpy[hub]`"
        ) from err
    from jupyterhub.apihandlers.base import APIHandler
    from jupyterhub.scopes import needs_scope
    from nativeauthenticator.orm import UserInfo
    from tornado import web
    from tornado.escape import url_escape
    from tornado.httputil import url_concat

    class AuthorizationAPIHandler(APIHandler):
        """REST API over sign-up approvals, ``/hub/api/authorizations/<name>`` (scope ``admin:users``).

        NativeAuthenticator only offers an admin page whose GET toggles approval; this gives
        instructors and scripts a token-authenticated, idempotent API: GET (state), PUT (approve),
        DELETE (revoke). Sign-ups not yet decided are listed by GET ``/hub/api/authorizations``.
        """

        def _info(self, user_name: str) -> Any:
            info = UserInfo.find(self.db, self.authenticator.normalize_username(user_name))
            if info is None:
                raise web.HTTPError(404, f"no sign-up named {user_name!r}")
            return info

        def _reply(self, info: Any) -> None:
            self.write(json.dumps({"name": info.username, "authorized": bool(info.is_authorized)}))

        @needs_scope("admin:users")
        async def get(self, user_name: str) -> None:
            self._reply(self._info(user_name))

        @needs_scope("admin:users")
        async def put(self, user_name: str) -> None:
            info = self._info(user_name)
            info.is_authorized = True
            self.db.commit()
            logger.info("sign-up of %s approved by %s", info.username, self.current_user.name)
            self._reply(info)

        @needs_scope("admin:users")
        async def delete(self, user_name: str) -> None:
            info = self._info(user_name)
            info.is_authorized = False
            self.db.commit()
            logger.info("approval of %s revoked by %s", info.username, self.current_user.name)
            self._reply(info)

    class AuthorizationListAPIHandler(APIHandler):
        """``GET /hub/api/authorizations``: every sign-up and whether it is approved."""

        @needs_scope("admin:users")
        async def get(self) -> None:
            rows = self.db.query(UserInfo).order_by(UserInfo.username).all()
            self.write(json.dumps([{"name": r.username, "authorized": bool(r.is_authorized)} for r in rows]))

    class LoginHandler(NativeLoginHandler):
        """NativeAuthenticator's login page, fixed for JupyterHub 6.

        nativeauthenticator 1.3.0 times logins with ``self.statsd``, which JupyterHub 6 removed
        (every login POST fails with AttributeError), and its ``_render`` rejects the ``sync``
        argument JupyterHub passes when it renders an error on the login page.
        """

        statsd = _NullTimer()

        def _render(self, login_error=None, username=None, sync=False, **_ignored):
            return self.render_template(
                "native-login.html",
                sync=sync,
                next=url_escape(self.get_argument("next", default="")),
                username=username,
                login_error=login_error,
                custom_html=self.authenticator.custom_html,
                login_url=self.settings["login_url"],
                enable_signup=self.authenticator.enable_signup,
                two_factor_auth=self.authenticator.allow_2fa,
                authenticator_login_url=url_concat(
                    self.authenticator.login_url(self.hub.base_url),
                    {"next": self.get_argument("next", "")},
                ),
            )

    class ClimpyNativeAuthenticator(NativeAuthenticator):
        """NativeAuthenticator (sign-up, admin approval), fixed for JupyterHub 6, with an approval API."""

        def get_handlers(self, app):
            handlers = [
                (path, LoginHandler if handler is NativeLoginHandler else handler)
                for path, handler in super().get_handlers(app)
            ]
            return handlers + [
                (r"/api/authorizations", AuthorizationListAPIHandler),
                (r"/api/authorizations/([^/]+)", AuthorizationAPIHandler),
            ]

    return ClimpyNativeAuthenticator


_LAZY = {"ClimpySpawner": _make_spawner_class, "ClimpyNativeAuthenticator": _make_authenticator_class}


def __getattr__(name: str) -> Any:
    # Hub classes are built on first access so that importing climpy.deploy.hub needs no JupyterHub.
    if name in _LAZY:
        cls = _LAZY[name]()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""A real OpenLDAP directory for the hub's LDAP tests: Debian's slapd on a free loopback port.

The server gets its own slapd.conf, database and pid file in a temporary folder, runs in the
foreground as an unprivileged user (``openldap`` when started by root) and is stopped by
:meth:`Directory.close`. Entries are added over LDAP with ``ldapadd`` as the directory's admin.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

SLAPD = "/usr/sbin/slapd"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")
SUFFIX = "dc=climpy,dc=test"


def skip_reason() -> str | None:
    """Why slapd cannot run here, or None."""
    for tool in (SLAPD, shutil.which("ldapadd"), shutil.which("slappasswd")):
        if not tool or not Path(tool).exists():
            return "Debian's slapd and ldap-utils are needed (apt-get install -y slapd ldap-utils)"
    return None


class Directory:
    """One slapd process with the suffix ``dc=climpy,dc=test``, ``ou=people`` and ``ou=groups``."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"ldap://127.0.0.1:{port}"
        self.dir = Path(tempfile.mkdtemp(prefix="climpy-slapd-"))
        self.admin_dn = f"cn=admin,{SUFFIX}"
        self.admin_pw = os.urandom(12).hex()
        self.proc: subprocess.Popen | None = None
        self.log = self.dir / "slapd.log"

    def user_dn(self, uid: str) -> str:
        return f"uid={uid},ou=people,{SUFFIX}"

    def group_dn(self, cn: str) -> str:
        return f"cn={cn},ou=groups,{SUFFIX}"

    def start(self, timeout: float = 20) -> float:
        """Write the configuration, start slapd, add the base entries; return seconds taken."""
        t0 = time.perf_counter()
        (self.dir / "db").mkdir()
        hashed = subprocess.run(
            ["slappasswd", "-s", self.admin_pw], capture_output=True, text=True, check=True
        ).stdout.strip()
        schemas = "\n".join(f"include /etc/ldap/schema/{s}.schema" for s in SCHEMAS)
        (self.dir / "slapd.conf").write_text(
            f"""{schemas}
pidfile {self.dir}/slapd.pid
argsfile {self.dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 16777216
suffix "{SUFFIX}"
rootdn "{self.admin_dn}"
rootpw {hashed}
directory {self.dir}/db
access to attrs=userPassword by anonymous auth by self write by * none
access to * by users read by * none
"""
        )
        cmd = [SLAPD, "-f", str(self.dir / "slapd.conf"), "-h", f"{self.url}/", "-d", "256"]
        if os.geteuid() == 0:  # never run the directory as root
            user = pwd.getpwnam("openldap")
            for path in [self.dir, *self.dir.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
            cmd += ["-u", "openldap", "-g", "openldap"]
        self._log = open(self.log, "w")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"slapd exited {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            probe = subprocess.run(
                [
                    "ldapsearch",
                    "-x",
                    "-H",
                    self.url,
                    "-D",
                    self.admin_dn,
                    "-w",
                    self.admin_pw,
                    "-b",
                    "",
                    "-s",
                    "base",
                    "(objectClass=*)",
                ],
                capture_output=True,
                text=True,
            )
            if probe.returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise TimeoutError(f"slapd not answering after {timeout} s:\n{self.log.read_text()[-3000:]}")
        self.add(
            f"""dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
o: climpy test
dc: climpy

dn: ou=people,{SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{SUFFIX}
objectClass: organizationalUnit
ou: groups
"""
        )
        return time.perf_counter() - t0

    def add(self, ldif: str) -> None:
        """Add entries (LDIF text) as the directory's admin."""
        proc = subprocess.run(
            ["ldapadd", "-x", "-H", self.url, "-D", self.admin_dn, "-w", self.admin_pw],
            input=ldif,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"ldapadd failed ({proc.returncode}): {proc.stderr}")

    def add_user(self, uid: str, password: str) -> str:
        """Add an inetOrgPerson with a salted-hash password; return its DN."""
        hashed = subprocess.run(
            ["slappasswd", "-s", password], capture_output=True, text=True, check=True
        ).stdout.strip()
        dn = self.user_dn(uid)
        self.add(
            f"dn: {dn}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n"
            f"userPassword: {hashed}\n"
        )
        return dn

    def add_group(self, cn: str, members: list[str]) -> str:
        """Add a groupOfNames whose members are the given uids; return its DN."""
        dn = self.group_dn(cn)
        lines = [f"dn: {dn}", "objectClass: groupOfNames", f"cn: {cn}"]
        lines += [f"member: {self.user_dn(m)}" for m in members]
        self.add("\n".join(lines) + "\n")
        return dn

    def close(self) -> None:
        """Stop slapd and remove its folder (safe to call twice)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

"""JupyterHub for a climpy class: one Unix user per student, curated notebooks, approval-based sign-up.

Start it with ``make hub`` (as root: students become Unix users). Everything is set from the
environment, so the same file serves a class, a workshop and the tests:

=============================  ========================================================================
CLIMPY_HUB_AUTH                ``native`` (default): students sign up at /hub/signup and an admin approves
                               them on the page /hub/authorize, or through the REST API with an admin
                               token: ``GET /hub/api/authorizations`` lists sign-ups,
                               ``PUT /hub/api/authorizations/<name>`` approves, ``DELETE`` revokes.
                               ``shared-password``: workshop mode, anyone with the password logs in
                               under any name (see below).
                               ``ldap``: the institution's directory (ldapauthenticator), see below.
                               ``oidc``: an OpenID Connect provider (oauthenticator's
                               GenericOAuthenticator), see below.
CLIMPY_HUB_ALLOWED_USERS       ldap/oidc: comma-separated hub names allowed to log in.
CLIMPY_HUB_ALLOWED_GROUPS      ldap/oidc: ``;``-separated groups whose members may log in (LDAP: group
                               DNs; OIDC: names in the groups claim). One of the two is required,
                               or CLIMPY_HUB_ALLOW_ALL=1 (everyone of the directory).
CLIMPY_HUB_ADMIN_GROUPS        ldap/oidc: ``;``-separated groups whose members are admins (they may
                               log in too); admin rights follow the group at each login.
CLIMPY_HUB_LDAP_URL            ldap: ``ldaps://host[:port]`` (TLS) or ``ldap://host[:port]`` (StartTLS
                               before the password is sent).
CLIMPY_HUB_LDAP_USER_DN        ldap: bind DN template(s), ``;``-separated, e.g.
                               ``uid={username},ou=people,dc=univ,dc=fr``.
CLIMPY_HUB_LDAP_TLS            ldap: override: before_bind, on_connect, or insecure (loopback tests).
CLIMPY_HUB_LDAP_CA_FILE        ldap: CA bundle of the directory's certificate, if not a public CA.
CLIMPY_HUB_OIDC_ISSUER         oidc: the issuer URL; endpoints are read from its
                               ``/.well-known/openid-configuration`` at start.
CLIMPY_HUB_OIDC_CLIENT_ID      oidc: the client registered at the provider; its redirect URL is
CLIMPY_HUB_OIDC_CLIENT_SECRET  ``<CLIMPY_HUB_PUBLIC_URL>/hub/oauth_callback``. Secret from the environment.
CLIMPY_HUB_OIDC_USERNAME_CLAIM oidc: claim giving the hub name (default ``preferred_username``).
CLIMPY_HUB_OIDC_GROUPS_CLAIM   oidc: claim listing the user's groups (default ``groups``).
CLIMPY_HUB_PUBLIC_URL          The URL students open (e.g. https://hub.lab.example.org), for OIDC.
CLIMPY_HUB_ADMINS              Comma-separated admin user names. In ``native`` mode an admin name is
                               approved on sign-up: sign the admin accounts up right after the first
                               start, before sharing the URL.
CLIMPY_HUB_SHARED_PASSWORD     Workshop mode: the students' password (>= 8 characters, required).
CLIMPY_HUB_ADMIN_PASSWORD      Workshop mode: the admins' password (>= 32 characters, optional).
CONFIGPROXY_AUTH_TOKEN         Required: the token shared with configurable-http-proxy (never in a file).
CLIMPY_HUB_PORT                Public port (default 8000; 0 = a free port chosen at start).
CLIMPY_HUB_IP                  Public address (default 127.0.0.1); any other needs HTTPS (below).
CLIMPY_HUB_SSL_CERT            HTTPS: certificate (chain) and key files; the proxy serves TLS itself
CLIMPY_HUB_SSL_KEY             (``--ssl-cert``/``--ssl-key``), e.g. Let's Encrypt's fullchain.pem and
                               privkey.pem. Or keep 127.0.0.1 behind a TLS reverse proxy (nginx, Caddy).
CLIMPY_HUB_STATE               Hub state: SQLite database, cookie secret (mode 0600), pid files
                               (default /srv/climpy-hub).
CLIMPY_HUB_ENV                 The students' Python environment, built by scripts/hub-env.sh
                               (default /opt/climpy-hub-env).
CLIMPY_HUB_COURSE_REPO         The course's git repository (URL or path; default: this repository).
                               Each home gets a clone of it in ~/climpy (pipeline.yaml included, with
                               nbstripout and nbdime set up), pulled with nbgitpuller's rules on each
                               spawn: the student's changes are never overwritten. Students add their
                               fork as a remote and push there (CONTRIBUTING.md).
CLIMPY_HUB_COURSE_BRANCH       Branch to follow (default: the repository's default branch).
CLIMPY_HUB_COURSE_MIRROR       A local course repository is served to students through a world-readable
                               bare mirror, fetched on each spawn (default <state>/../climpy-course.git).
CLIMPY_HUB_CONTENT             Instead of a clone: a folder of notebooks copied into ~/notebooks on
                               every spawn, never overwriting a file the student edited.
CLIMPY_HUB_DATA                Read-only shared data folder, linked as ~/data (default
                               /srv/climpy-data). Root owns it; students can only read it.
CLIMPY_HUB_USER_PREFIX         Prefix of the students' Unix accounts (default ``jupyter-``, as TLJH).
CLIMPY_HUB_GIT_EMAIL_DOMAIN    A student without ~/.gitconfig gets user.name <hub name> and user.email
                               <hub name>@<this domain> (default climpy-hub.invalid), so that
                               jupyterlab-git works at once; students may change it.
CLIMPY_HUB_SPAWN_LIMIT         Concurrent spawns (default 8): a class logging in at once queues.
CLIMPY_HUB_IDLE_TIMEOUT        Seconds before the idle culler stops an idle server (default 3600).
CLIMPY_HUB_KERNEL_IDLE         Seconds before an idle kernel is culled inside a server (default 1200).
CLIMPY_HUB_MEM_LIMIT           Per-student memory limit (default 2G), see below.
CLIMPY_HUB_CPU_LIMIT           Per-student CPU limit in cores (default 1; 0 = none).
=============================  ========================================================================

Workshop mode::

    CLIMPY_HUB_AUTH=shared-password CLIMPY_HUB_SHARED_PASSWORD='long workshop phrase' make hub

A university directory (LDAP), members of one group, teachers as admins::

    CLIMPY_HUB_AUTH=ldap CLIMPY_HUB_LDAP_URL=ldaps://ldap.univ.example.org \
    CLIMPY_HUB_LDAP_USER_DN='uid={username},ou=people,dc=univ,dc=example,dc=org' \
    CLIMPY_HUB_ALLOWED_GROUPS='cn=paleo-class,ou=groups,dc=univ,dc=example,dc=org' \
    CLIMPY_HUB_ADMIN_GROUPS='cn=paleo-teachers,ou=groups,dc=univ,dc=example,dc=org' make hub

An OpenID Connect provider (Keycloak, the institution's SSO; e.g. CNRS's identity federation)::

    CLIMPY_HUB_AUTH=oidc CLIMPY_HUB_OIDC_ISSUER=https://sso.example.org/realms/lab \
    CLIMPY_HUB_OIDC_CLIENT_ID=climpy-hub CLIMPY_HUB_OIDC_CLIENT_SECRET=... \
    CLIMPY_HUB_PUBLIC_URL=https://hub.lab.example.org CLIMPY_HUB_ALLOWED_GROUPS=paleo-class make hub

Memory and CPU limits: the spawner puts each student's server (and so its kernels) in a cgroup of
its own, ``climpy-hub/<unix name>``, with ``CLIMPY_HUB_MEM_LIMIT`` and ``CLIMPY_HUB_CPU_LIMIT``:
a process past the memory limit is killed by the kernel, the hub and the other students are not
touched. Where /sys/fs/cgroup is not writable, memory is capped by RLIMIT_AS and CPU is not limited.
Measured on a 2-core, 24 GB machine (benchmarks/bench_hub.py, under load): an idle student server
takes about 160 MB (PSS), one with a kernel that imported climpy and Panel about 380 MB, so memory
allows about 50 students with a kernel each (120 idle); with 2 cores only a few of them can compute
at the same time. Hub start to ready: 4 s (17 s on a loaded machine); spawn to ready: 6-9 s, the
first one with useradd and the notebook copy (12-18 s loaded); 3 concurrent spawns: 10.5 s.
"""

import os
import secrets
import sys
from pathlib import Path

from climpy.exceptions import InputError
from climpy.deploy.hub import (
    discover_oidc,
    find_configurable_http_proxy,
    free_port,
    group_admin_hook,
    ldap_server,
    protect_shared_data,
    split_setting,
)

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

REPO = Path(__file__).resolve().parent
env = os.environ.get


def _int_env(name, default):
    value = env(name, str(default))
    try:
        return int(value)
    except ValueError:
        raise SystemExit(
            f"jupyterhub_config.py: {name}={value!r} is not an integer; unset it or give one"
        ) from None


# --- state: database, cookie secret (0600), pid files -------------------------------------------------
state = Path(env("CLIMPY_HUB_STATE", "/srv/climpy-hub"))
state.mkdir(parents=True, exist_ok=True)
os.chmod(state, 0o700)
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
cookie_secret = state / "jupyterhub_cookie_secret"
if not cookie_secret.exists():
    # Created 0600 from the start (never world-readable, even for a moment); JupyterHub refuses other modes.
    fd = os.open(cookie_secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
os.chmod(cookie_secret, 0o600)
c.JupyterHub.cookie_secret_file = str(cookie_secret)

# --- network: loopback unless HTTPS is on, the real (npm) configurable-http-proxy, ports chosen at start --
public_port = _int_env("CLIMPY_HUB_PORT", 8000) or free_port()
ssl_cert, ssl_key = env("CLIMPY_HUB_SSL_CERT", ""), env("CLIMPY_HUB_SSL_KEY", "")
if bool(ssl_cert) != bool(ssl_key) or not all(Path(f).is_file() for f in (ssl_cert, ssl_key) if f):
    raise SystemExit(
        "jupyterhub_config.py: HTTPS needs both CLIMPY_HUB_SSL_CERT and CLIMPY_HUB_SSL_KEY, naming "
        f"existing files (got {ssl_cert!r} and {ssl_key!r})"
    )
if ssl_cert:
    # configurable-http-proxy terminates TLS itself (--ssl-cert/--ssl-key); nothing is served in clear.
    c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = ssl_cert, ssl_key
public_ip = env("CLIMPY_HUB_IP", "127.0.0.1")
if public_ip not in {"127.0.0.1", "localhost", "::1"} and not ssl_cert:
    raise SystemExit(
        f"jupyterhub_config.py: CLIMPY_HUB_IP={public_ip!r} serves the hub beyond this machine: "
        "give CLIMPY_HUB_SSL_CERT and CLIMPY_HUB_SSL_KEY (HTTPS), or keep 127.0.0.1 behind a TLS proxy"
    )
c.JupyterHub.bind_url = f"{'https' if ssl_cert else 'http'}://{public_ip}:{public_port}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{free_port()}"
# The PyPI package of the same name installs a Python port that shadows the npm one in venvs.
c.ConfigurableHTTPProxy.command = [find_configurable_http_proxy(REPO)]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
if not env("CONFIGPROXY_AUTH_TOKEN"):
    raise SystemExit(
        "jupyterhub_config.py: CONFIGPROXY_AUTH_TOKEN is not set; export a random token, "
        "e.g. CONFIGPROXY_AUTH_TOKEN=$(openssl rand -hex 32) (make hub does it)"
    )
c.ConfigurableHTTPProxy.auth_token = env("CONFIGPROXY_AUTH_TOKEN")

# --- authentication ------------------------------------------------------------------------------------
admins = {name.strip() for name in env("CLIMPY_HUB_ADMINS", "").split(",") if name.strip()}
c.Authenticator.admin_users = admins
# Hub names become Unix names (jupyter-<name>): keep them simple.
c.Authenticator.username_pattern = r"^[a-z][a-z0-9_-]{1,23}$"
auth_mode = env("CLIMPY_HUB_AUTH", "native")
allowed_users = set(split_setting(env("CLIMPY_HUB_ALLOWED_USERS")))
# Group names (OIDC) or DNs (LDAP, which contain commas): separated by ";".
allowed_groups = split_setting(env("CLIMPY_HUB_ALLOWED_GROUPS"), ";")
admin_groups = split_setting(env("CLIMPY_HUB_ADMIN_GROUPS"), ";")


def _need(name):
    value = env(name, "")
    if not value:
        raise SystemExit(
            f"jupyterhub_config.py: CLIMPY_HUB_AUTH={auth_mode} needs {name} (see the table above)"
        )
    return value


def _directory_allow_list(kind):
    # A whole university directory must not get in by default: name who may log in.
    if not (allowed_users or allowed_groups or env("CLIMPY_HUB_ALLOW_ALL") == "1"):
        raise SystemExit(
            f"jupyterhub_config.py: CLIMPY_HUB_AUTH={kind} lets in everyone of the directory unless you set "
            "CLIMPY_HUB_ALLOWED_GROUPS (';'-separated) or CLIMPY_HUB_ALLOWED_USERS (','-separated); "
            "set CLIMPY_HUB_ALLOW_ALL=1 to really admit everyone"
        )


if auth_mode == "native":
    import nativeauthenticator

    # NativeAuthenticator with its login page fixed for JupyterHub 6 (see climpy/deploy/hub.py).
    c.JupyterHub.authenticator_class = "climpy.deploy.hub.ClimpyNativeAuthenticator"
    c.JupyterHub.template_paths = [str(Path(nativeauthenticator.__file__).parent / "templates")]
    c.ClimpyNativeAuthenticator.open_signup = False  # every sign-up waits for an admin's approval
    c.ClimpyNativeAuthenticator.minimum_password_length = 10
    c.ClimpyNativeAuthenticator.check_common_password = True
    c.ClimpyNativeAuthenticator.allowed_failed_logins = 5
    c.ClimpyNativeAuthenticator.seconds_before_next_try = 300
    # NativeAuthenticator only ever authenticates approved users, so the allow-list is the approval.
    c.ClimpyNativeAuthenticator.allow_all = True
elif auth_mode == "shared-password":
    password = env("CLIMPY_HUB_SHARED_PASSWORD", "")
    if len(password) < 8:
        raise SystemExit(
            "jupyterhub_config.py: CLIMPY_HUB_AUTH=shared-password needs CLIMPY_HUB_SHARED_PASSWORD "
            "(at least 8 characters)"
        )
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = password
    if env("CLIMPY_HUB_ADMIN_PASSWORD"):
        c.SharedPasswordAuthenticator.admin_password = env("CLIMPY_HUB_ADMIN_PASSWORD")
    c.SharedPasswordAuthenticator.allow_all = True  # anyone holding the password, under any name
elif auth_mode == "ldap":
    _directory_allow_list("ldap")
    try:
        server = ldap_server(_need("CLIMPY_HUB_LDAP_URL"))
    except InputError as err:
        raise SystemExit(str(err)) from None
    tls = env("CLIMPY_HUB_LDAP_TLS", server["tls_strategy"])
    if tls not in {"before_bind", "on_connect", "insecure"}:
        raise SystemExit(
            f"jupyterhub_config.py: CLIMPY_HUB_LDAP_TLS={tls!r} is unknown; "
            "use before_bind (StartTLS), on_connect (ldaps) or insecure (loopback tests only)"
        )
    c.JupyterHub.authenticator_class = "ldapauthenticator.LDAPAuthenticator"
    c.LDAPAuthenticator.server_address = server["server_address"]
    c.LDAPAuthenticator.server_port = server["server_port"]
    c.LDAPAuthenticator.tls_strategy = tls
    if env("CLIMPY_HUB_LDAP_CA_FILE"):
        c.LDAPAuthenticator.tls_kwargs = {"ca_certs_file": env("CLIMPY_HUB_LDAP_CA_FILE")}
    # e.g. uid={username},ou=people,dc=univ,dc=fr (several templates separated by ";").
    c.LDAPAuthenticator.bind_dn_template = split_setting(_need("CLIMPY_HUB_LDAP_USER_DN"), ";")
    # Admin groups are searched too (ldapauthenticator only reports the groups it was asked about).
    c.LDAPAuthenticator.allowed_groups = list(dict.fromkeys(allowed_groups + admin_groups))
    c.LDAPAuthenticator.allowed_users = allowed_users
    c.LDAPAuthenticator.allow_all = env("CLIMPY_HUB_ALLOW_ALL") == "1"
    # Only names that are also valid hub (and Unix) names get as far as the directory.
    c.LDAPAuthenticator.valid_username_regex = r"^[a-z][a-z0-9_-]{1,23}$"
    if admin_groups:
        c.LDAPAuthenticator.post_auth_hook = group_admin_hook(set(admin_groups), admins)
elif auth_mode == "oidc":
    _directory_allow_list("oidc")
    try:
        endpoints = discover_oidc(_need("CLIMPY_HUB_OIDC_ISSUER"))
    except InputError as err:
        raise SystemExit(str(err)) from None
    c.JupyterHub.authenticator_class = "generic-oauth"
    c.GenericOAuthenticator.login_service = env("CLIMPY_HUB_OIDC_NAME", "institutional login")
    c.GenericOAuthenticator.client_id = _need("CLIMPY_HUB_OIDC_CLIENT_ID")
    c.GenericOAuthenticator.client_secret = _need("CLIMPY_HUB_OIDC_CLIENT_SECRET")
    c.GenericOAuthenticator.authorize_url = endpoints["authorization_endpoint"]
    c.GenericOAuthenticator.token_url = endpoints["token_endpoint"]
    c.GenericOAuthenticator.userdata_url = endpoints["userinfo_endpoint"]
    if env("CLIMPY_HUB_PUBLIC_URL"):
        c.GenericOAuthenticator.oauth_callback_url = (
            env("CLIMPY_HUB_PUBLIC_URL").rstrip("/") + "/hub/oauth_callback"
        )
    c.GenericOAuthenticator.scope = ["openid", "profile", "email"]
    c.GenericOAuthenticator.username_claim = env("CLIMPY_HUB_OIDC_USERNAME_CLAIM", "preferred_username")
    c.GenericOAuthenticator.enable_pkce = True
    # Groups from the userinfo claim become JupyterHub groups (needed by allowed_groups/admin_groups).
    c.GenericOAuthenticator.manage_groups = True
    c.GenericOAuthenticator.auth_state_groups_key = "oauth_user." + env(
        "CLIMPY_HUB_OIDC_GROUPS_CLAIM", "groups"
    )
    c.GenericOAuthenticator.allowed_groups = set(allowed_groups)
    c.GenericOAuthenticator.admin_groups = set(admin_groups)
    c.GenericOAuthenticator.allowed_users = allowed_users
    c.GenericOAuthenticator.allow_all = env("CLIMPY_HUB_ALLOW_ALL") == "1"
else:
    raise SystemExit(
        f"jupyterhub_config.py: CLIMPY_HUB_AUTH={auth_mode!r} is unknown; "
        "use 'native', 'shared-password', 'ldap' or 'oidc'"
    )

# --- students: one Unix user each, in a Python environment every user can read ---------------------------
student_env = Path(env("CLIMPY_HUB_ENV", "/opt/climpy-hub-env"))
if not (student_env / "bin" / "jupyterhub-singleuser").exists():
    raise SystemExit(
        f"jupyterhub_config.py: {student_env}/bin/jupyterhub-singleuser not found; "
        "build the students' environment with scripts/hub-env.sh (or set CLIMPY_HUB_ENV)"
    )
course_repo = env("CLIMPY_HUB_COURSE_REPO", str(REPO))
course_is_url = "://" in course_repo or course_repo.startswith("git@")
content = Path(env("CLIMPY_HUB_CONTENT", "")) if env("CLIMPY_HUB_CONTENT") else None
data_dir = protect_shared_data(env("CLIMPY_HUB_DATA", "/srv/climpy-data"))

c.JupyterHub.spawner_class = "climpy.deploy.hub.ClimpySpawner"
c.ClimpySpawner.unix_user_prefix = env("CLIMPY_HUB_USER_PREFIX", "jupyter-")
if content is not None:
    # Copy mode: only the notebooks, into ~/notebooks (no git; notebooks reading ../pipeline.yaml fail).
    c.ClimpySpawner.content_dir = str(content) if content.is_dir() else ""
    c.ClimpySpawner.content_dest = "notebooks"
    c.Spawner.default_url = "/lab/tree/notebooks/00_start_here.ipynb"
else:
    # Git mode: each home gets a clone of the whole course repository in ~/climpy, pulled on each spawn.
    if (
        not course_is_url
        and not Path(course_repo, ".git").exists()
        and not Path(course_repo, "HEAD").exists()
    ):
        raise SystemExit(
            f"jupyterhub_config.py: CLIMPY_HUB_COURSE_REPO={course_repo!r} is not a git repository; "
            "give the course's git URL or path (or CLIMPY_HUB_CONTENT=<folder> to copy notebooks instead)"
        )
    c.ClimpySpawner.course_repo = course_repo
    if not course_is_url:  # a local repository may be unreadable for students: serve a mirror
        c.ClimpySpawner.course_mirror = env(
            "CLIMPY_HUB_COURSE_MIRROR", str(state.parent / "climpy-course.git")
        )
    c.ClimpySpawner.course_branch = env("CLIMPY_HUB_COURSE_BRANCH", "")
    c.ClimpySpawner.course_dest = "climpy"
    c.Spawner.default_url = "/lab/tree/climpy/notebooks/00_start_here.ipynb"
c.ClimpySpawner.env_bin = str(student_env / "bin")
c.ClimpySpawner.shared_data_dir = str(data_dir)
c.ClimpySpawner.git_email_domain = env("CLIMPY_HUB_GIT_EMAIL_DOMAIN", "climpy-hub.invalid")
c.Spawner.cmd = [str(student_env / "bin" / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "PATH": f"{student_env / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    # Panel/HoloViews outputs render offline in Lab (BokehJS inlined, see PLATFORM.md).
    "PANEL_INLINE": "true",
    "HOLOVIEWSRC": str(student_env / "etc" / "climpy" / "holoviewsrc"),
    "CLIMPY_DATA": str(data_dir),
}
c.Spawner.env_keep = ["LANG", "LC_ALL"]  # nothing from root's environment (PATH, VIRTUAL_ENV) leaks in
kernel_idle = _int_env("CLIMPY_HUB_KERNEL_IDLE", 1200)
c.Spawner.args = [
    # Kernel culling inside each single-user server.
    f"--MappingKernelManager.cull_idle_timeout={kernel_idle}",
    f"--MappingKernelManager.cull_interval={max(kernel_idle // 10, 1)}",
    "--MappingKernelManager.cull_connected=True",
    "--MappingKernelManager.cull_busy=False",
]
# Enforced by ClimpySpawner with cgroups (v1 or v2; RLIMIT_AS where cgroups are not writable).
c.Spawner.mem_limit = env("CLIMPY_HUB_MEM_LIMIT", "2G")
try:
    c.Spawner.cpu_limit = float(env("CLIMPY_HUB_CPU_LIMIT", "1"))
except ValueError:
    raise SystemExit(
        f"jupyterhub_config.py: CLIMPY_HUB_CPU_LIMIT={env('CLIMPY_HUB_CPU_LIMIT')!r} is not a number of cores"
    ) from None
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
c.JupyterHub.concurrent_spawn_limit = _int_env("CLIMPY_HUB_SPAWN_LIMIT", 8)
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server

# --- the idle culler: a hub service whose role holds only the scopes it needs ---------------------------
idle_timeout = _int_env("CLIMPY_HUB_IDLE_TIMEOUT", 3600)
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={idle_timeout}",
            f"--cull-every={max(idle_timeout // 10, 10)}",
        ],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "description": "Stop idle single-user servers (jupyterhub-idle-culler)",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]

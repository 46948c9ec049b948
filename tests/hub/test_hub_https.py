"""HTTPS in front of the hub: configurable-http-proxy's own TLS (--ssl-key/--ssl-cert), a self-signed cert."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import psutil
import pytest
import requests
from hubharness import LiveHub

pytestmark = [pytest.mark.hub, pytest.mark.slow]

PASSWORD = "paleo-https-workshop"


@pytest.fixture(scope="module")
def tls_hub(hub_ready, course_notebooks):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    workdir = Path(tempfile.mkdtemp(prefix="climpy-hub-test-"))
    cert, key = workdir / "hub.crt", workdir / "hub.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    hub = LiveHub(
        workdir,
        auth="shared-password",
        CLIMPY_HUB_SHARED_PASSWORD=PASSWORD,
        CLIMPY_HUB_SSL_CERT=str(cert),
        CLIMPY_HUB_SSL_KEY=str(key),
    )
    hub.cert = cert
    try:
        hub.prepare(course_notebooks)
        hub.start(verify=str(cert))
        yield hub
    finally:
        hub.close()
        shutil.rmtree(workdir, ignore_errors=True)


def test_proxy_serves_https_with_the_given_certificate_only(tls_hub):
    assert tls_hub.url.startswith("https://127.0.0.1:")
    r = requests.get(f"{tls_hub.url}/hub/login", verify=str(tls_hub.cert), timeout=30)
    assert r.status_code == 200 and "Sign in" in r.text
    with pytest.raises(requests.exceptions.SSLError):  # an unknown certificate is refused, as browsers do
        requests.get(f"{tls_hub.url}/hub/login", timeout=30)
    plain = tls_hub.url.replace("https://", "http://")
    with pytest.raises(requests.exceptions.ConnectionError):  # no plain-text HTTP on the public port
        requests.get(f"{plain}/hub/login", timeout=30)
    hub = psutil.Process(tls_hub.proc.pid)
    [proxy] = [p for p in hub.children() if "configurable-http-proxy" in " ".join(p.cmdline())]
    args = proxy.cmdline()
    assert args[args.index("--ssl-cert") + 1] == str(tls_hub.cert)

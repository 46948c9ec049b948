"""Git mode on a real hub: each student's home holds a clone of the course, and they can push their work.

The course repository is made by the test (the real notebooks, pipeline.yaml, .gitattributes);
the hub serves it through its world-readable mirror. A student, through their server's kernel API,
runs the start notebook and the whole pipeline (20_full_pipeline, every step) from the clone, commits a
change to a notebook and pushes it to a bare repository
standing in for their fork; a course update then reaches them at the next spawn without touching
their change.
"""

from __future__ import annotations

import json
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hubharness import ROOT, LiveHub, run_in_kernel

pytestmark = [pytest.mark.hub, pytest.mark.slow]

PASSWORD = "paleo-git-workshop-2026"
NB = "notebooks/00_start_here.ipynb"
NB20 = "notebooks/20_full_pipeline.ipynb"


def git(*args, cwd):
    cmd = ["git", "-c", "user.name=Course", "-c", "user.email=course@example.org", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def git_hub(hub_ready, course_notebooks):
    workdir = Path(tempfile.mkdtemp(prefix="climpy-hub-test-"))
    course = workdir / "course"
    (course / "notebooks").mkdir(parents=True)
    for nb in course_notebooks.glob("*.ipynb"):  # the whole course: 20_full_pipeline runs every step
        shutil.copy(nb, course / "notebooks" / nb.name)
    for name in ("pipeline.yaml", ".gitattributes"):
        shutil.copy(ROOT / name, course / name)
    git("init", "-q", "-b", "main", cwd=course)
    git("add", ".", cwd=course)
    git("commit", "-qm", "course v1", cwd=course)
    hub = LiveHub(
        workdir,
        auth="shared-password",
        CLIMPY_HUB_SHARED_PASSWORD=PASSWORD,
        CLIMPY_HUB_CONTENT="",  # git mode
        CLIMPY_HUB_COURSE_REPO=str(course),
    )
    hub.course = course
    try:
        hub.prepare(course_notebooks)
        hub.start()
        yield hub
    finally:
        hub.close()
        shutil.rmtree(workdir, ignore_errors=True)


def test_student_runs_commits_and_pushes_from_the_clone_and_keeps_it_across_updates(git_hub):
    s, r = git_hub.login("erin", PASSWORD, follow=True)
    assert git_hub.logged_in(s), r.text[:300]
    token = git_hub.user_token(s, "erin")
    git_hub.wait_server("erin", token)
    home = Path(pwd.getpwnam(git_hub.unix_name("erin")).pw_dir)
    clone = home / "climpy"
    assert (clone / "pipeline.yaml").exists(), git_hub.log_tail()
    assert (clone / "pipeline.yaml").read_bytes() == (ROOT / "pipeline.yaml").read_bytes()
    assert (clone / NB).stat().st_uid == pwd.getpwnam(git_hub.unix_name("erin")).pw_uid
    assert git_hub.api("GET", "/user/erin/api/contents/climpy/" + NB, token).json()["type"] == "notebook"
    code = f"""
import json, os, subprocess
os.chdir(os.path.expanduser("~/climpy"))
def sh(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 0, (cmd, p.stdout, p.stderr)
    return p.stdout
# run the start notebook from the clone, as the student
sh("papermill", "-k", "python3", "--cwd", "notebooks", {NB!r}, os.path.expanduser("~/run-00.ipynb"))
# and the whole pipeline through its notebook (every step, not the lesson's default of one)
sh("papermill", "-k", "python3", "--cwd", "notebooks", "-y", "steps: []", "-p", "project_dir",
   os.path.expanduser("~/project"), {NB20!r}, os.path.expanduser("~/run-20.ipynb"))
# change the notebook: a new cell with an output (nbstripout must keep it out of the commit)
nb = json.load(open({NB!r}))
nb["cells"].append({{"cell_type": "code", "id": "erin-1", "metadata": {{}}, "execution_count": 1,
                    "source": "print('my exercise')",
                    "outputs": [{{"output_type": "stream", "name": "stdout", "text": "SECRET-OUTPUT"}}]}})
json.dump(nb, open({NB!r}, "w"), indent=1)
sh("git", "init", "-q", "--bare", os.path.expanduser("~/fork.git"))
sh("git", "remote", "add", "fork", os.path.expanduser("~/fork.git"))
sh("git", "commit", "-qam", "my routing exercise")
sh("git", "push", "-q", "fork", "HEAD:my-exercise")
print(sh("git", "--git-dir", os.path.expanduser("~/fork.git"), "log", "--format=%an|%s", "my-exercise"))
print(sh("git", "--git-dir", os.path.expanduser("~/fork.git"), "show", "my-exercise:" + {NB!r}))
"""
    out = run_in_kernel(f"{git_hub.url}/user/erin", token, code, timeout=600)
    assert out["error"] is None, out
    log, _, pushed = out["stdout"].partition("\n")
    assert log.splitlines() == ["erin|my routing exercise"]  # the hub's default identity
    assert "my exercise" in pushed and "SECRET-OUTPUT" not in pushed  # outputs stripped on commit
    for name in ("run-00.ipynb", "run-20.ipynb"):
        ran = json.loads((home / name).read_text())
        assert not any(o.get("output_type") == "error" for c in ran["cells"] for o in c.get("outputs", []))
    text = "".join("".join(o.get("text", "")) for c in ran["cells"] for o in c.get("outputs", []))
    assert "ok in" in text and "statuses: ['up-to-date']" in text, text[-2000:]
    # every step's outputs are in the student's project, owned by the student
    made = sorted((home / "project" / "outputs").glob("*/*.nc"))
    assert {p.parent.name for p in made} >= {"routing", "bathymetry", "heatflow", "weights"}, made
    assert all(p.stat().st_uid == pwd.getpwnam(git_hub.unix_name("erin")).pw_uid for p in made)
    # The course moves on; the next spawn pulls it and keeps the student's change.
    (git_hub.course / "NEWS.md").write_text("week 2\n")
    git("add", ".", cwd=git_hub.course)
    git("commit", "-qm", "course v2", cwd=git_hub.course)
    git_hub.stop_server("erin", token)
    git_hub.start_server("erin", token)
    assert (clone / "NEWS.md").read_text() == "week 2\n"
    assert "my exercise" in (clone / NB).read_text()

"""Deployment: what installs and serves climpy for people, not boundary-condition science.

* :mod:`climpy.deploy.hub`: the class JupyterHub's spawner (one Unix user, git clone, cgroup limits
  per student) and authenticators, used by ``jupyterhub_config.py``;
* :mod:`climpy.deploy.jupyter`: the Jupyter settings of an environment (offline-rendering kernelspec,
  JupyterLab page config), run by the set-up scripts, ``binder/postBuild`` and the ``Dockerfile``
  as ``python -m climpy.deploy.jupyter``.

Nothing in the science, editors or pipeline imports this package (``tests/test_rooms.py``).
"""

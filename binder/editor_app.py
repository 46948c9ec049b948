"""The climpy map editor on the sample paleogeography, served by jupyter-server-proxy on Binder.

JupyterLab's launcher has a "climpy map editor" tile (binder/postBuild registers it); the app is at
``<base_url>climpy-editor/``. Run it locally with ``panel serve binder/editor_app.py``.
"""

from climpy.editors.app import app_factory
from climpy.sample import paleogeography

# A 2-degree grid: small enough to start in seconds on a Binder machine.
build = app_factory(paleogeography(resolution=2.0), kind="map", source="climpy.sample.paleogeography(2.0)")
build().servable(title="climpy map editor")

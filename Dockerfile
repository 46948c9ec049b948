# The students' image: climpy with the editors, the pipeline and the hub extras, JupyterLab, git
# (jupyterlab-git, nbgitpuller) and the course in /opt/climpy/course. It serves a zero-to-jupyterhub
# hub (deploy/z2jh/config.yaml: KubeSpawner runs jupyterhub-singleuser in it) and runs alone:
#   docker build -t climpy-student . && docker run -p 8888:8888 climpy-student
# Built and pushed by .github/workflows/ci.yml on main, tagged with the commit. Checked by hadolint.
FROM python:3.11-slim-bookworm

ARG NB_USER=jovyan
ARG NB_UID=1000
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Debian's git and tini; the versions are those of the bookworm base image (pinned by the tag above).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid "${NB_UID}" --shell /bin/bash "${NB_USER}"

# Dependencies first (pinned by the project's constraints file), so code changes reuse this layer.
WORKDIR /opt/climpy/course
COPY pyproject.toml README.md LICENSE ./
COPY requirements/constraints.txt requirements/constraints.txt
COPY climpy climpy
RUN pip install --no-cache-dir -c requirements/constraints.txt ".[editors,pipeline,hub]" \
    && python -m climpy.deploy.jupyter --prefix /usr/local \
    && python -m pip check

# The whole course (pipeline.yaml included); on a hub each student's home gets a git clone instead.
COPY --chown=${NB_UID}:${NB_UID} . /opt/climpy/course

ENV PANEL_INLINE=true \
    HOLOVIEWSRC=/usr/local/lib/python3.11/site-packages/climpy/editors/holoviewsrc.py \
    SHELL=/bin/bash
USER ${NB_USER}
WORKDIR /home/${NB_USER}
EXPOSE 8888
ENTRYPOINT ["tini", "--"]
CMD ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser", "--notebook-dir=/opt/climpy/course"]

# Jupyter Lab with pipelinekit installed, serving the lessons in notebooks/.
#
#   docker build -t pipelinekit-lab .
#   docker run --rm -p 127.0.0.1:8888:8888 -e JUPYTER_TOKEN=choose-one pipelinekit-lab
#
# or, with PostgreSQL, Redis, Kafka and MinIO beside it: `docker compose up` (docker-compose.yml).
# No secret is baked in: the Jupyter token and service credentials come from the environment.
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# The learner's account (an unprivileged user; uid 1000 matches most hosts' first user).
RUN groupadd --gid 1000 learner \
    && useradd --uid 1000 --gid learner --create-home --shell /bin/bash learner \
    && mkdir -p /home/learner/work/data \
    && chown -R learner:learner /home/learner/work

# Dependencies first, read from pyproject.toml (the library, its postgres and streaming
# extras, and Jupyter Lab from the dev extra): this slow layer is rebuilt only when
# pyproject.toml changes, not when the code does.
WORKDIR /opt/pipelinekit
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; x = p['optional-dependencies']; lab = [d for d in x['dev'] if d.startswith(('jupyterlab', 'ipykernel'))]; print(*p['dependencies'], *x['postgres'], *x['streaming'], *lab, sep='\n')" > requirements.txt \
    && pip install --no-cache-dir -r requirements.txt

# Then the library itself (quick: its dependencies are already installed).
COPY README.md ./
COPY pipelinekit/ pipelinekit/
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build pipelinekit.egg-info

# Numeric, so a host or Kubernetes can tell it is not root without reading /etc/passwd.
USER 1000:1000
WORKDIR /home/learner/work
COPY --chown=1000:1000 notebooks/ notebooks/

EXPOSE 8888
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8888/api', timeout=4)"]

CMD ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser", "--ServerApp.root_dir=/home/learner/work/notebooks"]

# production-master: one image for the CLI, the server (Aegra + our routes) and the MCP servers.
#   scripts/build-image.sh            # builds it here (no registry needed) and smoke-tests an investigation
#   docker build -t production-master:0.1.0 .   # where python:3.12-slim can be pulled
#   docker run --rm production-master:0.1.0 production-master investigate --world demo --alert "checkout p95 latency above 2s"
# BASE is any Debian-like image with python3 (3.12+) and its venv module; build and final stage share it so the
# venv's interpreter path holds.
ARG BASE=python:3.12-slim

FROM ${BASE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY graphs graphs
COPY agents agents
COPY tools tools
COPY memory memory
COPY api api
COPY evals evals
# a non-editable install: the final stage carries the venv alone, no compiler and no pip cache. The optional
# secret `pip-ca` is a CA bundle for networks whose proxy re-signs TLS (scripts/build-image.sh passes the host's).
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install ".[serving,otel]" "langgraph-checkpoint-redis>=0.5" "redis>=5.2" \
    && /opt/venv/bin/pip uninstall -y pip

FROM ${BASE}
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    PM_HOME=/data LANGSMITH_TRACING=false LANGGRAPH_CLI_NO_ANALYTICS=1 LANGGRAPH_NO_VERSION_CHECK=true
RUN groupadd --gid 10001 pm && useradd --uid 10001 --gid pm --home-dir /data --no-create-home --shell /usr/sbin/nologin pm \
    && mkdir -p /data && chown pm:pm /data
COPY --from=build /opt/venv /opt/venv
# aegra.json names the graph and the HTTP app by path, so the server runs from the source tree
WORKDIR /app
COPY aegra.json langgraph.json ./
COPY --from=build /src/graphs graphs
COPY --from=build /src/agents agents
COPY --from=build /src/tools tools
COPY --from=build /src/memory memory
COPY --from=build /src/api api
COPY --from=build /src/evals evals
USER 10001:10001
EXPOSE 2026
# the server's liveness (aegra serve ... --port 2026); a one-off CLI run exits long before the first check
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:2026/healthz', timeout=4)"]
CMD ["production-master", "--help"]

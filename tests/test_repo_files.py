"""CI workflow, pre-commit hooks and the conda environment agree with the repository.

Every ``make X`` they call is a Makefile target, every local hook names something that
exists, the CI services are the compose images, and environment.yml lists the packages of
pyproject.toml.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement

from pipelinekit.config import POSTGRES, SERVICES

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXTRAS = ("dev", "postgres", "streaming")
# conda-forge names of packages whose PyPI name differs (environment.yml says so too).
CONDA_TO_PYPI = {
    "python-duckdb": "duckdb",
    "python-confluent-kafka": "confluent-kafka",
    "redis-py": "redis",
}


def load_yaml(name: str) -> Any:
    return yaml.safe_load((ROOT / name).read_text())


def make_targets() -> set[str]:
    """The targets the Makefile defines (not its variables)."""
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w-]*):(?!=)", text, flags=re.MULTILINE))


def unknown_make_targets(command: str, targets: set[str]) -> list[str]:
    """The ``make X`` targets in a shell command that the Makefile does not define."""
    called = re.findall(r"(?<![\w/.-])make\s+((?:[\w-]+\s*)+)", command)
    return [name for group in called for name in group.split() if name not in targets]


def local_hook_problems(config: dict[str, Any], targets: set[str]) -> list[str]:
    """Local pre-commit hooks whose entry names no real target, file or command."""
    problems = []
    for repo in config["repos"]:
        if repo["repo"] != "local":
            continue
        for hook in repo["hooks"]:
            if hook["language"] == "pygrep":  # the entry is a pattern, not a command
                continue
            command = shlex.split(hook["entry"])
            if command[0] == "make":
                problems += [
                    f"{hook['id']}: make {t}" for t in unknown_make_targets(hook["entry"], targets)
                ]
            elif not (
                (ROOT / command[0]).exists()
                or (BIN / command[0]).exists()
                or shutil.which(command[0])
            ):
                problems.append(f"{hook['id']}: {command[0]}")
    return problems


def pypi_name(requirement: str) -> str:
    """``name>=version`` with the name as PyPI spells it, lower case, without extras."""
    parsed = Requirement(requirement)
    name = CONDA_TO_PYPI.get(parsed.name.lower(), parsed.name.lower()).replace("_", "-")
    return f"{name}{parsed.specifier}"


def pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return {pypi_name(r) for r in project["dependencies"] + [r for e in EXTRAS for r in extras[e]]}


def environment_requirements(environment: dict[str, Any]) -> set[str]:
    """Packages of a conda environment file (conda and pip sections), PyPI-named."""
    found = set()
    for item in environment["dependencies"]:
        if isinstance(item, dict):
            found |= {pypi_name(r) for r in item["pip"] if not r.startswith("-e")}
        elif item != "pip" and not item.startswith("python="):
            found.add(pypi_name(item))
    return found


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return load_yaml(".github/workflows/ci.yml")


@pytest.fixture(scope="module")
def precommit() -> dict[str, Any]:
    return load_yaml(".pre-commit-config.yaml")


def run_commands(workflow: dict[str, Any]) -> list[str]:
    return [
        step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]


# -- Makefile targets -----------------------------------------------------------------------


def test_makefile_defines_the_targets_ci_relies_on():
    assert {"install-dev", "lint", "typecheck", "test", "security"} <= make_targets()


def test_an_unknown_make_target_is_found():
    assert unknown_make_targets("make lint && make nosuch", {"lint"}) == ["nosuch"]
    assert unknown_make_targets("cmake --build . && make lint", {"lint"}) == []


# -- .github/workflows/ci.yml ---------------------------------------------------------------


def test_ci_runs_on_pushes_and_pull_requests(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert {"push", "pull_request"} <= set(triggers)


def test_ci_has_a_job_for_each_check(workflow):
    assert {"lint", "typecheck", "tests", "security", "image"} <= set(workflow["jobs"])


def test_ci_calls_only_real_make_targets(workflow):
    commands = run_commands(workflow)
    assert [bad for c in commands for bad in unknown_make_targets(c, make_targets())] == []
    called = {t for c in commands for t in re.findall(r"\bmake\s+([\w-]+)", c)}
    assert {"lint", "typecheck", "test", "security"} <= called


def test_ci_builds_the_image(workflow):
    steps = workflow["jobs"]["image"]["steps"]
    assert any(step.get("run", "").startswith("docker build") for step in steps)


def test_ci_tests_need_their_services(workflow):
    job = workflow["jobs"]["tests"]
    assert job["env"]["PIPELINEKIT_REQUIRE_SERVICES"] == "1"
    compose = load_yaml("docker-compose.yml")["services"]
    for name in ("postgres", "redis"):
        service = job["services"][name]
        assert service["image"] == compose[name]["image"], "CI and compose run one version"
        port = SERVICES[name].port
        assert f"{port}:{port}" in service["ports"]
        assert "--health-cmd" in service["options"]


def test_ci_postgres_accepts_the_default_url(workflow):
    env = workflow["jobs"]["tests"]["services"]["postgres"]["env"]
    default = urlsplit(POSTGRES.default)
    assert env["POSTGRES_USER"] == default.username
    assert env["POSTGRES_DB"] == default.path.lstrip("/")
    assert default.password is None and env["POSTGRES_HOST_AUTH_METHOD"] == "trust"


# -- .pre-commit-config.yaml ----------------------------------------------------------------


def test_precommit_config_is_valid():
    precommit_bin = BIN / "pre-commit"
    if not precommit_bin.exists():
        pytest.skip(f"pre-commit is not installed in {BIN}; `make install-dev` installs it")
    result = subprocess.run(
        [str(precommit_bin), "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_precommit_runs_ruff_lint_and_format(precommit):
    ids = {hook["id"] for repo in precommit["repos"] for hook in repo["hooks"]}
    assert ids & {"ruff", "ruff-check"} and "ruff-format" in ids


def test_precommit_strips_outputs_of_exercises_only(precommit):
    (hook,) = [h for repo in precommit["repos"] for h in repo["hooks"] if h["id"] == "nbstripout"]
    files = re.compile(hook["files"])
    assert files.search("exercises/01_ecommerce/01_joins.ipynb")
    assert not files.search("notebooks/01_ecommerce/01_joins.ipynb")


def test_precommit_local_hooks_name_real_things(precommit):
    assert local_hook_problems(precommit, make_targets()) == []


def test_a_local_hook_naming_nothing_real_is_found():
    config = {
        "repos": [
            {
                "repo": "local",
                "hooks": [
                    {"id": "a", "entry": "make nosuch", "language": "system"},
                    {"id": "b", "entry": "tools/missing.sh --all", "language": "script"},
                    {"id": "c", "entry": r"\"output_type\"", "language": "pygrep"},
                ],
            }
        ]
    }
    assert local_hook_problems(config, {"lint"}) == ["a: make nosuch", "b: tools/missing.sh"]


# -- environment.yml ------------------------------------------------------------------------


def test_environment_pins_python_311():
    assert "python=3.11" in load_yaml("environment.yml")["dependencies"]


def test_environment_lists_the_packages_of_pyproject():
    environment = load_yaml("environment.yml")
    assert environment_requirements(environment) == pyproject_requirements()
    (pip,) = [item["pip"] for item in environment["dependencies"] if isinstance(item, dict)]
    assert "-e ." in pip


def test_a_package_missing_from_the_environment_is_found():
    environment = load_yaml("environment.yml")
    environment["dependencies"].remove("python-duckdb>=1.0")
    assert pyproject_requirements() - environment_requirements(environment) == {"duckdb>=1.0"}

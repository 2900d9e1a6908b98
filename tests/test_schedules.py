"""prefect.yaml is the one place deployments are defined; `khabar serve` builds them from it."""
import os
import subprocess
import sys

import pytest

from flows.schedules import deployment_specs, to_deployments
from tests.conftest import ROOT


def test_prefect_yaml_has_the_scheduled_deployments_each_limited_to_one_run_at_a_time():
    specs = {s["name"]: s for s in deployment_specs()}
    assert {name: [c["cron"] for c in s.get("schedules") or []] for name, s in specs.items()} == {
        "feeds": ["*/30 * * * *"], "drop": ["5 * * * *"], "compact": ["30 2 * * *"], "seeds": []}
    assert all(s["concurrency_limit"] == 1 and s["work_pool"]["name"] == "khabar" for s in specs.values())
    assert specs["feeds"]["parameters"]["sources"] == ["feeds"] and specs["drop"]["parameters"]["sources"] == ["drop"]


def test_serve_builds_runner_deployments_from_prefect_yaml():
    deployments = {d.name: d for d in to_deployments(deployment_specs(), out="/srv/news")}
    assert deployments["feeds"].parameters == {"sources": ["feeds"], "out": "/srv/news", "lock_wait": 1800}
    assert [s.schedule.cron for s in deployments["compact"].schedules] == ["30 2 * * *"]
    assert deployments["compact"].concurrency_limit == 1
    with pytest.raises(ValueError, match="no deployment named nightly"):
        to_deployments(deployment_specs(), only=["nightly"])


def test_serve_without_a_prefect_server_says_how_to_start_one():
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run([sys.executable, "-m", "flows.cli", "serve"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert "prefect server start --host 127.0.0.1" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.e2e
def test_prefect_deploy_records_the_project_directory_and_needs_no_variable(tmp_path):
    """Issue "First contact" item 3: no pull step is left to resolve on the worker (it crashed
    without KHABAR_HOME): `prefect deploy`, run from the project, records its directory."""
    import httpx

    from flows.api_server import prefect_api

    env = {k: v for k, v in os.environ.items() if k not in ("KHABAR_HOME", "PREFECT_API_URL")}
    with prefect_api() as url:
        env.update(PREFECT_API_URL=url, PREFECT_HOME=str(tmp_path / "prefect-home"))
        for argv in (["work-pool", "create", "khabar", "--type", "process", "--overwrite"],
                     ["--no-prompt", "deploy", "--all"]):
            done = subprocess.run([sys.executable, "-m", "prefect", *argv], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=300)
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        deployments = httpx.post(f"{url}/deployments/filter", json={}, timeout=30).json()
    ours = [d for d in deployments if d["name"] in ("compact", "drop", "feeds", "seeds")]
    assert len(ours) == 4
    for d in ours:
        assert d["pull_steps"] == [{"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}]
        assert d["job_variables"]["env"]["PREFECT_LOGGING_EXTRA_LOGGERS"] == "great_expectations,khabar"

"""Issue 8, end to end: a real `prefect server start` on a free loopback port, `khabar serve`
serving a deployment of prefect.yaml, a run of that deployment triggered through the API, and
what the Prefect UI shows of it: the run completed, its task runs, its four artifacts — and the
run summary on the flow run's page in headless Chromium, with a screenshot."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from flows.api_server import free_port
from tests.conftest import ROOT, SEEDS, flow_run_artifacts, flow_run_task_names, prefect_api_post, wait_for

pytestmark = pytest.mark.e2e

# Screenshots are kept where a person can open them after the run (not under /tmp).
OUTPUT = Path(os.environ.get("KHABAR_TEST_OUTPUT", ROOT / "test-output"))
CHROMIUM = "/usr/bin/chromium"


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def background(what: str, argv: list[str], env: dict, log_path: Path, ready, stop=signal.SIGTERM):
    """A process in its own session, until the block ends; `ready()` (truthy when it is up) is
    what the block gets. Its output goes to `log_path`, shown if it dies before it is ready."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            value = wait_for(what, lambda: ready() or process.poll() is not None, 180)
            assert process.poll() is None, log_path.read_text()[-3000:]
            yield value
        finally:
            os.killpg(process.pid, stop)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """`prefect server start` with its own PREFECT_HOME (SQLite), on a free loopback port."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", PREFECT_UI_API_URL=url)
    argv = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with background("the Prefect server", argv, env, home / "server.log", lambda: healthy(url)):
        yield {"api": url, "ui": f"http://127.0.0.1:{port}", "env": {**env, "PREFECT_API_URL": url}}


@pytest.fixture(scope="module")
def served(prefect_server, tmp_path_factory):
    """`khabar serve --only seeds` against the server, until the module's tests are done."""
    api = prefect_server["api"]

    def deployment():
        response = httpx.get(f"{api}/deployments/name/ingest/seeds", timeout=5)
        return response.json() if response.status_code == 200 else None

    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    argv = [sys.executable, "-m", "flows.cli", "serve", "--only", "seeds"]
    with background("the served deployment", argv, prefect_server["env"], log_path, deployment, signal.SIGINT) as found:
        yield {**prefect_server, "deployment": found, "log": log_path}


@pytest.fixture(scope="module")
def deployment_run(served, tmp_path_factory):
    """One run of the served `seeds` deployment, on a private copy of seeds/, to its end."""
    work = tmp_path_factory.mktemp("deployment-run")
    shutil.copytree(SEEDS, work / "seeds")
    api = served["api"]
    deployment = served["deployment"]
    assert deployment["concurrency_limit"] == 1 or (deployment.get("global_concurrency_limit") or {}).get("limit") == 1
    created = prefect_api_post(f"/deployments/{deployment['id']}/create_flow_run",
                               {"parameters": {"sources": [str(work / "seeds")], "out": str(work / "data")}}, api)
    run_id = created["id"]

    def finished():
        response = httpx.get(f"{api}/flow_runs/{run_id}", timeout=5)
        if response.status_code == 503:          # busy: ask again (Prefect's clients do the same)
            return None
        run = response.raise_for_status().json()
        return run if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

    run = wait_for("the deployment's run", finished, 600, every=2)
    return {**served, "run": run, "work": work}


def test_a_run_of_the_served_deployment_completes_with_its_tasks_and_four_artifacts(deployment_run):
    api, run = deployment_run["api"], deployment_run["run"]
    assert run["state"]["type"] == "COMPLETED", deployment_run["log"].read_text()[-3000:]
    tasks = flow_run_task_names(run["id"], api)
    for stage in ("extract", "strip", "normalize", "validate", "fingerprint", "dedup", "write"):
        assert f"{stage}-batch-0" in tasks, tasks
    artifacts = flow_run_artifacts(run["id"], api)
    assert set(artifacts) == {"khabar-run-summary-data", "khabar-quarantined-inputs-data", "khabar-data-docs-data",
                              "khabar-progress-data", "khabar-failed-expectations-data"}
    assert "**5** inputs = **5** with articles" in artifacts["khabar-run-summary-data"]["data"]
    assert artifacts["khabar-progress-data"]["data"] == 100.0
    assert list((deployment_run["work"] / "data" / "articles").rglob("*.parquet"))


def chromium() -> str:
    """Debian's chromium, which .ci/run installs; a machine without it skips the browser test."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no browser at {CHROMIUM} (.ci/run installs Debian's chromium package)")
    return CHROMIUM


# The flags a closed network needs (no background requests to Google's hosts), as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def test_the_flow_runs_page_in_the_prefect_ui_shows_the_run_summary(deployment_run):
    from playwright.sync_api import sync_playwright

    run = deployment_run["run"]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{deployment_run['ui']}/runs/flow-run/{run['id']}", wait_until="networkidle")
            page.get_by_text(run["name"]).first.wait_for(timeout=60_000)          # the run's own page
            page.locator("li.p-tab#artifacts").click()
            page.get_by_text("khabar-run-summary").first.wait_for(timeout=60_000)
            for key in ("khabar-quarantined-inputs", "khabar-data-docs", "khabar-progress"):
                assert page.get_by_text(key).count() >= 1, key
            page.screenshot(path=OUTPUT / "prefect-ui-flow-run-artifacts.png", full_page=True)
            # The summary itself, as the artifact's page renders its markdown.
            page.get_by_text("khabar-run-summary").first.click()
            page.get_by_text("with articles").first.wait_for(timeout=60_000)
            page.screenshot(path=OUTPUT / "prefect-ui-run-summary.png", full_page=True)
        finally:
            browser.close()
    assert (OUTPUT / "prefect-ui-flow-run-artifacts.png").stat().st_size > 10_000

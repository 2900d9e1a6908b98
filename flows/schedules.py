"""`khabar serve`: the deployments of prefect.yaml, served with their schedules from this one
process (Prefect's `serve`), so one machine needs no work pool and no worker. prefect.yaml stays
the only place a schedule, a parameter or a concurrency limit is written."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PREFECT_YAML = ROOT / "prefect.yaml"


def deployment_specs(path: Path = PREFECT_YAML) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["deployments"]


def load_flow(entrypoint: str, root: Path = ROOT):
    """`flows/ingest.py:ingest` → the flow object."""
    file, name = entrypoint.split(":")
    module_name = file.removesuffix(".py").replace("/", ".")
    spec = importlib.util.find_spec(module_name)
    if spec is None:
        raise ValueError(f"prefect.yaml names {entrypoint}, but there is no module {module_name}")
    return getattr(importlib.import_module(module_name), name)


def to_deployments(specs: list[dict], only: list[str] | None = None, out: str | None = None):
    """RunnerDeployments for `serve`; `only`: these names; `out`: another dataset directory."""
    from prefect.client.schemas.schedules import CronSchedule

    names = {s["name"] for s in specs}
    unknown = set(only or []) - names
    if unknown:
        raise ValueError(f"no deployment named {', '.join(sorted(unknown))} in prefect.yaml (there are: "
                         f"{', '.join(sorted(names))})")
    deployments = []
    for spec in specs:
        if only and spec["name"] not in only:
            continue
        parameters = dict(spec.get("parameters") or {})
        if out is not None and "out" in parameters:
            parameters["out"] = out
        schedules = [CronSchedule(cron=s["cron"], timezone=s.get("timezone", "UTC")) for s in spec.get("schedules") or []]
        deployments.append(load_flow(spec["entrypoint"]).to_deployment(
            name=spec["name"], description=spec.get("description"), parameters=parameters,
            schedules=schedules or None, concurrency_limit=spec.get("concurrency_limit")))
    return deployments

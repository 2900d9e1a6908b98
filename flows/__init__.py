"""Flows, the CLI and what runs them. Prefect reads its settings once, when it is first
imported, so khabar's Prefect defaults are applied here, before any module of the package can
import Prefect: every entry point (CLI, `python -m`, deployments, tests) imports this first."""
from flows.settings import apply_prefect_defaults

apply_prefect_defaults()

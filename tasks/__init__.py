"""The stages' computations, one module per stage, none importing Prefect; their thin Prefect
tasks are in tasks/stages.py. Whoever imports that imports Prefect, so khabar's Prefect
defaults are applied first (flows/__init__.py)."""
import flows  # noqa: F401  (applies the Prefect defaults)

"""The stages' computations and their Prefect tasks. Importing a task module imports Prefect,
so khabar's Prefect defaults are applied first (flows/__init__.py), whoever imports it."""
import flows  # noqa: F401  (applies the Prefect defaults)

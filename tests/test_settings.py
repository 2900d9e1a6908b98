"""Prefect defaults and the task-run completion lines khabar leaves out."""
import logging

from flows.settings import quiet_task_run_completions


def test_task_run_completions_are_left_out_and_failures_and_retries_are_kept(caplog):
    quiet_task_run_completions()
    quiet_task_run_completions()                   # once per process is enough; again changes nothing
    logger = logging.getLogger("prefect.task_runs")
    assert len(logger.filters) == len({type(f) for f in logger.filters})
    with caplog.at_level(logging.INFO, logger="prefect.task_runs"):
        logger.info("Finished in state Completed()")
        logger.info("Task run failed with exception: %r - Retry %s/%s will start %s", "HTTP 503", 1, 2, "immediately")
        logger.error("Finished in state Failed('Task run encountered an exception')")
        logger.info("a line of khabar's own")
    assert [r.getMessage() for r in caplog.records] == [
        "Task run failed with exception: 'HTTP 503' - Retry 1/2 will start immediately",
        "Finished in state Failed('Task run encountered an exception')",
        "a line of khabar's own"]

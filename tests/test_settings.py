"""The task-run lines khabar leaves out: Prefect's "Finished in state Completed()" at INFO;
a failure (ERROR) still reaches the terminal and the UI."""
import logging

from flows.settings import quiet_task_run_completions


def test_task_run_completions_are_left_out_and_failures_are_kept(caplog):
    logger = logging.getLogger("prefect.task_runs")
    before = logger.level
    try:
        quiet_task_run_completions()
        with caplog.at_level(logging.NOTSET, logger="prefect"):
            logger.info("Finished in state Completed()")
            logger.warning("Task run is slow")
            logger.error("Finished in state Failed('Task run encountered an exception')")
        assert [r.getMessage() for r in caplog.records] == [
            "Task run is slow", "Finished in state Failed('Task run encountered an exception')"]
    finally:
        logger.setLevel(before)

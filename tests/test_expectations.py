"""The expectation suite: derived from the Arrow schema, so the two cannot drift apart."""
from schemas.tables import ARTICLES
from tasks.expectations import suite_config


def test_suite_is_derived_from_the_arrow_schema():
    config = suite_config()
    not_null = {e["kwargs"]["column"] for e in config["expectations"] if e["type"] == "expect_column_values_to_not_be_null"}
    assert not_null == {f.name for f in ARTICLES if not f.nullable}
    column_set = next(e for e in config["expectations"] if e["type"] == "expect_table_columns_to_match_set")
    assert column_set["kwargs"]["column_set"] == ARTICLES.names

"""Result records, study reference values, comparison tables, plots and the report."""

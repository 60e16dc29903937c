"""Running Thaw models: the ``thaw`` command line (and, later, batches, results and plots)."""

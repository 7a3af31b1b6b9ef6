"""QA pages, one module per area: scorecards (builder), calls (list, import), evaluations (scoring,
agent view, disputes, queue, sampling, lists and exports), calibration (blind sessions and their
results) and coaching."""

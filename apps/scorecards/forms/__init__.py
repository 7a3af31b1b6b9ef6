"""Page forms for QA, one module per area (scorecards, calls, evaluations)."""

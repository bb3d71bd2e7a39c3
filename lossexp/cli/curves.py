"""lossexp baseline / check / compare: curve-shape regression for CI (issue 6)."""

"""The study DAG, its profiles' pipeline arguments, and the compile / run-local / submit entry
points."""

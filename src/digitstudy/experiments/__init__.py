"""The study's experiments as step functions (a settings view and artifact dirs in, a
ResultRecord out)."""

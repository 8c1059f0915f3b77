"""The study's experiments as step functions (profile + artifact dirs in, a ResultRecord out)."""

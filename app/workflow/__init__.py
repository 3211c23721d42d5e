"""The ticket workflow: transition table, checks and one service per action (no views)."""

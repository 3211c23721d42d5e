"""Domain services shared by pages, API and commands."""

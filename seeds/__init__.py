"""The real history of the new-occupation process as reviewable data files, and their loader."""

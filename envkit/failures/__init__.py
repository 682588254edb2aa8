"""Known failures as data, and the matcher that serves build, run and explain."""

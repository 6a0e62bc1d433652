"""The benchmark (bench/run.py) and what only it serves: the floors it measures pages against."""

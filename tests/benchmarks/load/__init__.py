"""The load test (``make load``): gunicorn on loopback against a copy of the benchmark database,
50 cadres logging visits and 10 office clerks browsing lists, driven by locust. See run.py."""

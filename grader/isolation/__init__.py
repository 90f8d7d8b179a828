"""The trusted/untrusted boundary: everything that starts, confines, talks to and ends a submission's child.

- ``child.py``: the script that runs beside the submission (standard library and NumPy only);
- ``runner.py``: the parent's side of it (start, requests, strictly parsed replies, time limits);
- ``modes.py``: the isolation modes and how ``auto`` picks one;
- ``limits.py``: the limits and one sentence for each way a child breaks one;
- ``values.py``: the plain values that cross the pipe.
"""

"""Jupyter and nbgrader: the lesson as an nbgrader assignment, and the code its test cells call.

- :mod:`grader.nbgrader.export` builds, from the lesson folder alone, the nbgrader course (``nbgrader_config.py``
  and ``source/<lesson>/<lesson>.ipynb``) and the student notebook ``exercises/<lesson>/<lesson>.ipynb``.
- :func:`grade_part` is what a test cell calls. It hands the code the kernel has run to the kit's grader in a
  new process (which runs the submission in its own child process, as ``grader check`` does), prints the
  feedback for one part, and returns that part's points for nbgrader's partial credit.

None of this imports nbgrader itself: nbgrader is needed only to run ``nbgrader`` commands on the course.
"""

from __future__ import annotations

from .cells import grade_part

__all__ = ["grade_part"]

"""Exercises that grade themselves.

In a notebook, :func:`check` compares an answer with the reference without revealing
it. An instructor runs ``pipelinekit grade`` (:mod:`pipelinekit.grading.gradebook`);
authors write one source notebook per exercise (:mod:`pipelinekit.grading.markers`) and
run ``pipelinekit exercises build`` (:mod:`pipelinekit.grading.build`). The check
functions hidden checks use live in :mod:`pipelinekit.grading.checks`.
"""

from pipelinekit.grading import checks
from pipelinekit.grading.public import check
from pipelinekit.grading.result import CheckResult

__all__ = ["CheckResult", "check", "checks"]

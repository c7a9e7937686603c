"""Python steps of the ``finance`` pipeline.

``stg_loan_arrears`` finds runs of instalments in a row not paid on time: a
"gaps and islands" problem, which SQL solves with a difference of two row_number()s
that few readers see through. In pandas it is a cumulative sum of "the status changed".
"""

from __future__ import annotations

import pandas as pd

__all__ = ["stg_loan_arrears"]


def stg_loan_arrears(loan_payments: pd.DataFrame) -> pd.DataFrame:
    """Runs of arrears per loan: instalments in a row that were late or missed.

    Parameters
    ----------
    loan_payments : DataFrame
        One row per instalment: ``loan_id``, ``instalment`` (1, 2, ...) and ``status``
        (``on_time``, ``late`` or ``missed``).

    Returns
    -------
    DataFrame
        One row per loan (key ``loan_id``): ``longest_arrears_run``, the most instalments
        in a row not paid on time, and ``arrears_at_end``, how many of the latest
        instalments were not (0 when the last one was paid on time).

    Examples
    --------
    >>> payments = pd.DataFrame({
    ...     "loan_id":    [1, 1, 1, 1, 1, 2, 2],
    ...     "instalment": [1, 2, 3, 4, 5, 1, 2],
    ...     "status": ["late", "late", "on_time", "missed", "missed", "on_time", "on_time"],
    ... })
    >>> stg_loan_arrears(payments)
       loan_id  longest_arrears_run  arrears_at_end
    0        1                    2               2
    1        2                    0               0
    """
    ordered = loan_payments.sort_values(["loan_id", "instalment"], kind="stable")
    behind = ordered["status"].astype(str).ne("on_time")
    loan = ordered["loan_id"]
    # A new run starts where the loan or the behind/not-behind state changes; the
    # cumulative count of those starts numbers the runs ("islands").
    starts = behind.ne(behind.shift()) | loan.ne(loan.shift())
    run = starts.cumsum()
    run_length = behind.groupby(run).transform("sum")  # length of a behind run, else 0
    arrears = pd.DataFrame({"loan_id": loan, "run_length": run_length.where(behind, 0), "run": run})
    per_loan = arrears.groupby("loan_id", sort=True)
    last_run = per_loan["run"].transform("max")
    at_end = arrears[arrears["run"].eq(last_run)].groupby("loan_id")["run_length"].max()
    result = pd.DataFrame(
        {
            "longest_arrears_run": per_loan["run_length"].max(),
            "arrears_at_end": at_end,
        }
    )
    return result.astype("int64").reset_index()

"""Data quality: rules that show their SQL, checked on pandas, DuckDB or PostgreSQL.

>>> import pandas as pd, pipelinekit as pk
>>> orders = pd.DataFrame({"order_id": [1, 2, 2], "amount": [10.0, -5.0, 20.0]})
>>> rules = [
...     pk.quality.Rule("unique", column="order_id"),
...     pk.quality.Rule("between", column="amount", min=0),
... ]
>>> report = pk.quality.check(orders, rules, name="orders")
>>> report.frame[["rule", "status", "failing"]]
               rule  status  failing
0  unique(order_id)  failed        2
1   between(amount)  failed        1
>>> print(pk.quality.rule_sql(rules[1], table="orders"))  # doctest: +ELLIPSIS
-- between(amount): ...
"""

import pandas as pd

from pipelinekit.quality import alerts
from pipelinekit.quality.check import QualityGateError, check
from pipelinekit.quality.compile import rule_sql
from pipelinekit.quality.report import QualityReport
from pipelinekit.quality.result import RuleResult
from pipelinekit.quality.rule import KINDS, Rule
from pipelinekit.quality.rule import kinds_table as _kinds_table
from pipelinekit.quality.rules_yaml import RulesFileError, load_rules, save_rules


def kinds() -> pd.DataFrame:
    """Every rule kind: its dimension, level, parameters (``?`` = optional) and meaning."""
    return pd.DataFrame(_kinds_table())


__all__ = [
    "KINDS",
    "QualityGateError",
    "QualityReport",
    "Rule",
    "RuleResult",
    "RulesFileError",
    "alerts",
    "check",
    "kinds",
    "load_rules",
    "rule_sql",
    "save_rules",
]

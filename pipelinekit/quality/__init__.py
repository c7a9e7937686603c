"""Data quality: profiles, rules that show their SQL, scores, history, alerts.

Profile a table in one pass (``profile``), turn the profile into suggested rules
(``suggest``), check rules on pandas, DuckDB or PostgreSQL (``check``), score the result
(``score``), keep every run in the metadata database (``record``) and watch the metrics
for anomalies (``detect``); ``alerts`` tells people.

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
from pipelinekit.quality.dashboard import dashboard, failing_checks, metric_trend, score_over_time
from pipelinekit.quality.detect import detect
from pipelinekit.quality.facets import attach_facets
from pipelinekit.quality.history import metric_history, record, results_history, runs
from pipelinekit.quality.html_report import write_html_report
from pipelinekit.quality.profile import Profile
from pipelinekit.quality.profile import profile as profile
from pipelinekit.quality.report import QualityReport
from pipelinekit.quality.result import RuleResult
from pipelinekit.quality.rule import KINDS, Rule
from pipelinekit.quality.rule import kinds_table as _kinds_table
from pipelinekit.quality.rules_yaml import RulesFileError, load_rules, save_rules
from pipelinekit.quality.score import QualityScore, score
from pipelinekit.quality.suggest import Suggestions, suggest


def kinds() -> pd.DataFrame:
    """Every rule kind: its dimension, level, parameters (``?`` = optional) and meaning."""
    return pd.DataFrame(_kinds_table())


__all__ = [
    "KINDS",
    "Profile",
    "QualityGateError",
    "QualityReport",
    "QualityScore",
    "Rule",
    "RuleResult",
    "RulesFileError",
    "Suggestions",
    "alerts",
    "attach_facets",
    "check",
    "dashboard",
    "detect",
    "failing_checks",
    "kinds",
    "load_rules",
    "metric_history",
    "metric_trend",
    "profile",
    "record",
    "results_history",
    "rule_sql",
    "runs",
    "save_rules",
    "score",
    "score_over_time",
    "suggest",
    "write_html_report",
]

"""The Markdown cards under datasets/ are rendered from the YAML cards, and current."""

from pathlib import Path

import pytest

from pipelinekit.cli import main
from pipelinekit.datasets.cards import CARD_DOMAINS, render_markdown
from pipelinekit.errors import UnknownNameError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("domain", CARD_DOMAINS)
def test_markdown_card_is_up_to_date(domain):
    assert (ROOT / "datasets" / f"{domain}.md").read_text() == render_markdown(domain), (
        "datasets/*.md is stale: run `make cards`"
    )


def test_check_mode_reports_a_stale_card(tmp_path, capsys):
    assert main(["datasets", "cards", "--out", str(tmp_path)]) == 0
    assert main(["datasets", "cards", "--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "finance.md").write_text("edited by hand\n")
    assert main(["datasets", "cards", "--out", str(tmp_path), "--check"]) == 1
    assert "finance.md" in capsys.readouterr().out


def test_every_column_in_the_markdown(tmp_path):
    text = render_markdown("ecommerce")
    assert "| `order_total` | float64 | EUR |" in text and "## `returns`" in text


def test_unknown_card():
    with pytest.raises(UnknownNameError, match="Unknown domain 'shop'"):
        render_markdown("shop")

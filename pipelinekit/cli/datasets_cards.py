"""``pipelinekit datasets cards``: render the dataset cards as Markdown."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelinekit.datasets.cards import CARD_DOMAINS, render_markdown

EXAMPLES = """examples:
  pipelinekit datasets cards                   # write datasets/<domain>.md
  pipelinekit datasets cards --out /tmp/cards
  pipelinekit datasets cards --check           # CI: exit 1 if a card page is stale
"""


def register(commands: argparse._SubParsersAction) -> None:
    datasets = commands.add_parser(
        "datasets",
        help="dataset cards and documentation",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = datasets.add_subparsers(dest="action", metavar="ACTION", parser_class=type(datasets))
    actions.required = True
    cards = actions.add_parser(
        "cards",
        help="write datasets/<domain>.md from the YAML cards",
        description="Render every dataset card as Markdown (what datasets/ in the repo holds).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cards.add_argument("--out", default="datasets", help="folder to write to (default: datasets)")
    cards.add_argument(
        "--check", action="store_true", help="only check the files are up to date (exit 1 if not)"
    )
    cards.set_defaults(handler=run_cards)


def run_cards(args: argparse.Namespace) -> int:
    folder = Path(args.out)
    stale = []
    for domain in CARD_DOMAINS:
        path = folder / f"{domain}.md"
        text = render_markdown(domain)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run 'pipelinekit datasets cards'")
        return 1
    return 0

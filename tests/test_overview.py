"""`sibkit show --format markdown`: the overview rendered from templates/overview.md.j2, safely."""

from __future__ import annotations

import attrs
import pytest
from click.testing import CliRunner
from jinja2 import UndefinedError

from sibkit.cli import main
from sibkit.load import load_contract
from sibkit.report.overview import render_markdown
from sibkit.report.templating import markdown_environment, markdown_escape

from conftest import EXAMPLE


class TestMarkdownOverview:
    def test_example_overview(self) -> None:
        """The pilot's overview lists both providers, the 70% component and the €630,000 maximum."""
        text = render_markdown(load_contract(EXAMPLE))
        assert "| Dreamfabryk | 100 | €1,500.00 | €15,000.00 |" in text
        assert "70% of €3,500.00 per participant" in text
        assert "| **total** | **€630,000.00** |" in text

    def test_contract_text_is_data_not_a_template(self) -> None:
        """A name with Jinja syntax, HTML and Markdown markup comes out literally, escaped."""
        c = attrs.evolve(load_contract(EXAMPLE), name="{{ 7*7 }} <script>alert(1)</script> *x* | y")
        first = render_markdown(c).splitlines()[0]
        assert first == r"# \{\{ 7\*7 \}\} &lt;script&gt;alert(1)&lt;/script&gt; \*x\* \| y"
        assert "49" not in first

    def test_cli(self) -> None:
        """The CLI prints the same Markdown."""
        result = CliRunner().invoke(main, ["show", str(EXAMPLE), "--format", "markdown"])
        assert result.exit_code == 0 and result.stdout == render_markdown(load_contract(EXAMPLE))


class TestEnvironment:
    def test_undefined_names_fail(self) -> None:
        """A typo in a template is an error, not a blank."""
        with pytest.raises(UndefinedError):
            markdown_environment().from_string("{{ missing }}").render()

    def test_escape(self) -> None:
        """Markdown syntax is backslash-escaped and HTML becomes entities."""
        assert markdown_escape("a_b [c] <d> & e") == r"a\_b \[c\] &lt;d&gt; &amp; e"

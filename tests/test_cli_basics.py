from click.testing import CliRunner

from perfxl import __version__
from perfxl.cli import main


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_template_refuses_wrong_suffix(tmp_path) -> None:
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "x.xls")])
    assert result.exit_code == 2
    assert ".xlsx" in result.output

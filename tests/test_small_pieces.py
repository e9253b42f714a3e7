"""A newcomer reads any piece of the build or the site in one sitting (issue 22): no file in foi/ or
the plugins package over 300 lines, no function in them over 60."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIECES = sorted([*(ROOT / "foi").glob("*.py"), *(ROOT / "plugins").glob("*.py")])


def test_no_file_of_the_build_or_the_site_is_over_300_lines():
    long = {str(p.relative_to(ROOT)): n for p in PIECES if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300}
    assert long == {}


def test_no_function_of_the_build_or_the_site_is_over_60_lines():
    long = {}
    for path in PIECES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60:
                long[f"{path.relative_to(ROOT)}:{node.name}"] = node.end_lineno - node.lineno + 1
    assert long == {}

"""The site's plugins: one Datasette plugin package, one module per job.

pyproject.toml registers this package under Datasette's `datasette` entry point, as published
plugins are; `make venv` and the Docker image install it, so `datasette serve` loads it with no
--plugins-dir. Datasette (pluggy's load_setuptools_entrypoints) imports this package and
registers this one module; here each module of the package that implements a hook is
registered too, under its own name (plugins.home_page_vars, ...), so /-/plugins.json lists the
site's jobs one by one, under the project's name and version first.

Request wrappers are not hooks of their own: wrappers.py is the site's one asgi_wrapper, and
it says in which order they wrap a request. Where a hook's order against Datasette's own
matters, the module says so with tryfirst or trylast: Datasette registers its default plugins
after the installed ones, and pluggy calls the last registered first.
"""
import importlib
import pkgutil

from datasette.plugins import pm


def job_modules():
    """Each module of this package, by name (a new file is found without being listed here)."""
    return [importlib.import_module(f"{__name__}.{info.name}")
            for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
            if not info.name.startswith("_")]


def implements_a_hook(module):
    return any(pm.parse_hookimpl_opts(module, name) for name in dir(module))


def register():
    for module in job_modules():
        if implements_a_hook(module) and pm.get_plugin(module.__name__) is None:
            pm.register(module, name=module.__name__)


register()

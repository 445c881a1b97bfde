"""The ``hcpcs`` command line: a thin Typer front-end over the library core.

- ``app.py``: the Typer app, global options, and the edge where errors become exit statuses;
- ``options.py``: option types shared by commands, and completion callbacks;
- ``commands.py`` and ``data.py``: each command parses, calls the core once, hands the result on;
- ``output.py``: the one output object (format choice, pager, writers, safe encodings);
- ``render.py`` and ``theme.py``: the rich views, and their colours.
"""

"""Subcommands of the ``servscore`` command line: one module per engine, found automatically.

Each module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
"""

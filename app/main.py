"""The ``tensorweave`` command."""
import argparse
import sys

from . import __version__


def main(argv=None):
    """Run a command; an unexpected exception becomes one line on stderr (the traceback goes to a
    log file, which the line names) and exit status 3, never a traceback."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("tensorweave: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:            # noqa: BLE001 — every failure ends as one line
        from . import crash_log
        path = crash_log.write(type(exc), exc, exc.__traceback__, " ".join(sys.argv))
        print(f"tensorweave: error: {crash_log.one_line(exc, path)}", file=sys.stderr)
        return 3


def _main(argv=None):
    parser = argparse.ArgumentParser(
        prog="tensorweave",
        description="Build neural networks as graphs, train them, and watch what happens. "
                    "With no command, opens the editor on GRAPH or on a built-in example.")
    parser.add_argument("--version", action="version", version=f"tensorweave {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("demo", help="train a small XOR network in the terminal, without a window")
    sub.add_parser("edit", help="open the editor (the default)").add_argument("graph", nargs="?")
    from .cli import add_commands
    add_commands(sub)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0].endswith(".twg"):
        argv = ["edit"] + argv          # `tensorweave model.twg` opens it
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run
        return run()
    if args.command in (None, "edit"):
        from .gui import run
        return run(getattr(args, "graph", None))
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

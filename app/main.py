"""The ``tensorweave`` command."""
import argparse
import sys

from . import __version__


def main(argv=None):
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

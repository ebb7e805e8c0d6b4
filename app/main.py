"""The ``tensorweave`` command."""
import argparse
import sys

from . import __version__


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="tensorweave",
        description="Build neural networks as graphs, train them, and watch what happens. "
                    "With no command, runs the built-in example.")
    parser.add_argument("--version", action="version", version=f"tensorweave {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("demo", help="train the built-in example (XOR) in the terminal")
    from .cli import add_commands
    add_commands(sub)
    args = parser.parse_args(argv)
    if args.command in (None, "demo"):
        from .demo import run
        return run()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

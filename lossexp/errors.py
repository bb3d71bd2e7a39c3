"""User-facing errors: each becomes one line on stderr and exit code 2 in the CLI."""


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped, so it prints as one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


class LossexpError(Exception):
    """A problem with the user's input, reported without a traceback."""

    def __str__(self) -> str:
        return one_line(super().__str__())


class ConfigError(LossexpError):
    """A bad config value, located by file:line (or by the --set that gave it).

    The message reads ``<where>: <dotted.key>: <problem>``; ``where`` is ``file:line``,
    ``file`` alone when no line is known, or ``--set KEY=VALUE``.
    """

    def __init__(self, where: str, key: str, problem: str):
        self.where, self.key, self.problem = where, key, problem
        parts = [p for p in (where, key) if p != ""]
        super().__init__(": ".join(parts + [problem]))


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the signal lands so that the command unwinds exactly
    as after Ctrl-C: nothing half-written is left, finished results are kept. The exit
    status is 128 + ``signum`` (143 for SIGTERM, 129 for SIGHUP), as a shell reports."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def exit_status(interrupt: KeyboardInterrupt) -> int:
    """128 + the signal that stopped the command: 130 for Ctrl-C (SIGINT)."""
    return 128 + getattr(interrupt, "signum", 2)

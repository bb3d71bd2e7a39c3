"""User-facing errors: each becomes one line on stderr and exit code 2 in the CLI."""


class LossexpError(Exception):
    """A problem with the user's input, reported without a traceback."""


class ConfigError(LossexpError):
    """A bad config value, located by file:line (or by the --set that gave it)."""

    def __init__(self, where: str, key: str, problem: str):
        self.where, self.key, self.problem = where, key, problem
        parts = [p for p in (where, key) if p]
        super().__init__(": ".join(parts + [problem]))

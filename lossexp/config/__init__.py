"""Configs: reading YAML with line numbers, ``--set`` overrides, and the schema of each section."""

from lossexp.config.load import dump, load_config, resolve, validate  # noqa: F401
from lossexp.config.yaml_reader import parse_yaml, read_resolved_config, read_text  # noqa: F401

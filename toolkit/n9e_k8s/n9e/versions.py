"""The n9e version table: what each n9e version has, for every difference the renderers and the client handle.

``SINCE`` is the one table (feature -> first version that has it); ``ServerFeatures`` answers from it for one
server version. ``TARGETS`` are the render targets of ``build --n9e-version`` (``v7``, ``v8``, ``v9``), each taken as
the first version of its major. From docs n9e-api.md section 10 and the v6.7.3 module source (lab/n9e/README.md),
checked by tests/test_sync_n9e.py on every lab version (v6.7.3, v7.7.2, v8.5.1, v9.1.1).

Two defaults, with different jobs: ``NEWEST_KNOWN`` is the server version assumed when it is unknown or unreadable
(and the default of the sync handlers); ``DEFAULT_TARGET`` is the render target of `n9e-k8s build` (the v6-v8
board format, v8 notify rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

Version = tuple[int, int, int]

NEWEST_KNOWN: Version = (9, 1, 1)  # what an unknown or unparsable server version is taken for
TARGETS: dict[str, Version] = {
    "v7": (7, 0, 0),
    "v8": (8, 0, 0),
    "v9": (9, 0, 0),
}  # render targets, oldest first
DEFAULT_TARGET = "v8"  # `build --n9e-version` default

# feature -> the first n9e version that has it (ServerFeatures documents each one).
SINCE: dict[str, Version] = {
    "recording_cron_pattern": (7, 0, 0),
    "datasource_brief_full": (7, 0, 0),
    "builtin_payloads": (7, 0, 0),
    "builtin_metric_translation": (8, 0, 0),
    "integration_i18n": (9, 0, 0),
    "datasource_queries": (7, 7, 0),
    "api_tokens": (8, 0, 0),
    "alert_cron_pattern": (8, 0, 0),
    "notify_rules": (8, 0, 0),
    "board_note": (8, 5, 0),
    "board_format_v9": (9, 0, 0),
    "recording_rule_put_by_id": (9, 0, 0),
}


def parse_n9e_version(text: str) -> Version:
    """``(major, minor, patch)`` of an n9e version string (``v8.5.1``, ``8.0.0-beta.3``); ``(0, 0, 0)`` if none.

    (Not ``registry.parse_version``, which reads Kubernetes minors.)"""
    m = re.search(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    if not m:
        return (0, 0, 0)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))


class BoardFormat(NamedTuple):
    """How a version's web UI writes board configs (what ``ServerFeatures.board_format`` gives the renderer)."""

    panel_version: str  # every panel's ``version``
    unit_key: str  # ``options.standardOptions`` key of the unit: ``util`` (up to 3.2.0) or ``unit`` (3.3.0+)
    row_extras: bool  # rows carry ``version`` and ``overrides: []`` as the UI saves them


BOARD_FORMAT_V6 = BoardFormat("3.0.0", "util", False)
BOARD_FORMAT_V9 = BoardFormat("3.4.0", "unit", True)


@dataclass(frozen=True)
class ServerFeatures:
    """What an n9e version has: the one place each difference is decided (from ``SINCE``). An unknown version
    string counts as the newest known version."""

    version: Version

    @classmethod
    def of(cls, version: str | tuple[int, ...]) -> ServerFeatures:
        v = parse_n9e_version(version) if isinstance(version, str) else tuple(version)
        return cls(v if v != (0, 0, 0) else NEWEST_KNOWN)  # type: ignore[arg-type]

    @classmethod
    def of_target(cls, target: str) -> ServerFeatures:
        """The features of a render target (``v7``/``v8``/``v9``): the first version of its major."""
        return cls(TARGETS[target])

    def has(self, feature: str) -> bool:
        return self.version >= SINCE[feature]

    @property
    def api_tokens(self) -> bool:
        """``X-User-Token`` API tokens (v8+). Before, the only token is a login JWT (``Authorization: Bearer``)."""
        return self.has("api_tokens")

    @property
    def board_note(self) -> bool:
        """Boards have a ``note`` (v8.5+)."""
        return self.has("board_note")

    @property
    def rule_datasource_field(self) -> str:
        """The field that selects an alert or recording rule's datasources: ``datasource_queries`` since v7.7,
        ``datasource_ids`` before (v6: ``models/alert_rule.go:32-33``, ``models/recording_rule.go:21-22``)."""
        return "datasource_queries" if self.has("datasource_queries") else "datasource_ids"

    @property
    def alert_cron_pattern(self) -> bool:
        """Alert rules have ``cron_pattern`` (v8+)."""
        return self.has("alert_cron_pattern")

    @property
    def notify_rules(self) -> bool:
        """Alert rules notify through ``notify_version``/``notify_rule_ids`` (v8+); before, only through
        ``notify_channels``/``notify_groups``."""
        return self.has("notify_rules")

    @property
    def recording_cron_pattern(self) -> bool:
        """Recording rules have ``cron_pattern`` (v7+; v6 evaluates every ``prom_eval_interval``)."""
        return self.has("recording_cron_pattern")

    @property
    def recording_rule_put_by_id(self) -> bool:
        """``PUT /recording-rule/:id`` with ``group_id`` in the body (v9+); before ``PUT /busi-group/:gid/recording-rule/:id``."""
        return self.has("recording_rule_put_by_id")

    @property
    def builtin_payloads(self) -> bool:
        """Built-in components, payloads and metrics in the DB with an API (v7+: ``center/integration/init.go``,
        ``/api/n9e/builtin-components``, ``/builtin-payloads``, ``/builtin-metrics``). v6 only reads an integration
        folder's ``dashboards/`` and ``alerts/`` on request (``/api/n9e/builtin-boards``) and has no such API."""
        return self.has("builtin_payloads")

    @property
    def builtin_metric_translation(self) -> bool:
        """A built-in metric carries its names in every language (``translation: [{lang, name, note}]``, v8+);
        before, one metric per language (``lang``)."""
        return self.has("builtin_metric_translation")

    @property
    def integration_i18n(self) -> bool:
        """An integration's files are in Chinese (``zh_CN``, the source language) and ``i18n/en_US.json`` maps
        each Chinese display text to English; ``markdown/README.en_US.md`` beside ``README.md`` (v9+,
        ``center/integration/i18n.go``). Before, the files are in one language and the first ``markdown/*.md``
        is the readme. Built-in metrics have ``expression_type`` and ``metric_type`` from v9 too."""
        return self.has("integration_i18n")

    @property
    def board_format(self) -> BoardFormat:
        """The board configs format the server's own UI writes. v6-v8: panels ``3.0.0`` with
        ``standardOptions.util`` (all of v6.7.3's integration dashboards; v7.7/v8.5 ship 3.0.0/3.1.0 ones). v9: what
        the v9.1.1 UI's ``dashboardMigrator`` saves (captured, tests/fixtures/n9e-ui-saved): panels ``3.4.0`` with
        ``unit``, rows with ``version`` and ``overrides: []``. v8.5's UI was not observed saving; it is rendered the
        v6-v8 way, which it migrates on load (the sync compares in the migrated form either way)."""
        return BOARD_FORMAT_V9 if self.has("board_format_v9") else BOARD_FORMAT_V6

    @property
    def datasource_brief_full(self) -> bool:
        """``GET /datasource/brief`` carries each datasource's ``cluster_name`` and ``settings`` (v7+); v6.7.3's
        carries only id, name and plugin_type (``center/router/router_datasource.go:53-72``), the full ones are in
        ``POST /datasource/list``."""
        return self.has("datasource_brief_full")

    @property
    def alert_render_version(self) -> str:
        """The render target (``n9e_version`` of alerts/render.py) for this server: the newest target not newer
        than it; ``v7`` for v6 (notification by channels and groups, like v7)."""
        fitting = [t for t, v in TARGETS.items() if v <= self.version]
        return fitting[-1] if fitting else next(iter(TARGETS))


def board_format_for(n9e_version: str | tuple[int, ...] = DEFAULT_TARGET) -> BoardFormat:
    """The board format of a render target (``v7``/``v8``/``v9``) or of a server's version (string or tuple)."""
    if isinstance(n9e_version, str) and n9e_version[1:].isdigit():
        return ServerFeatures.of((int(n9e_version[1:]), 0, 0)).board_format
    return ServerFeatures.of(n9e_version).board_format

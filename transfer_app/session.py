"""The session's state: one typed object over ``st.session_state``, with every key named in one place.

Pages never spell a session key: they read and write :class:`Session` attributes, and widgets get their key from
:class:`Key`. A widget whose label changes (the language switch relabels every widget) is a new widget to Streamlit,
which drops the old one's value at the next rerun; the sidebar choices are therefore also kept under a shadow key no
widget owns (:meth:`Session.restore` / :meth:`Session.remember`).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from transfer.i18n import DEFAULT_LANG

__all__ = ["DEFAULT_INDUSTRY", "DEFAULT_SCENARIO", "Filters", "Key", "Session"]

DEFAULT_SCENARIO = "default"
# a labour-intensive industry every site may receive, so the first map is coloured everywhere
DEFAULT_INDUSTRY = "textiles_garments"
DEFAULT_TOP_N = 10


class Key(StrEnum):
    """Every session-state key of the app."""

    LANG = "lang"
    INDUSTRY = "industry"
    ORIGIN = "origin"
    ORIGIN_PICKED = "origin_picked"  # the user chose an origin: it no longer follows the industry
    SCENARIO = "scenario"
    TOP_N = "top_n"
    WEIGHTS = "weights"  # industry -> criterion -> slider weight (a scenario override)
    SITE = "site"
    SITE_PICK = "site_pick"
    LAST_CLICK = "last_click"
    MAP_SENT = "map_sent"  # the look of the map the browser holds (its script was sent), until a run without it
    CUSTOM_BASE = "custom_base"
    BASE_TOKEN = "base_token"
    REPLACE_MSG = "replace_msg"
    EDITED = "edited"  # scenario name -> YAML text applied from the editor this session
    YAML_EDITOR = "yaml_editor"
    YAML_ERROR = "yaml_error"
    EDITOR_PICK = "ws_pick_file"
    FLASH = "flash"  # a message for the next run (after a save that reruns)
    DIRECTION = "sl_direction"
    FILTER_PROVINCES = "sl_prov"
    FILTER_REGIONS = "sl_region"
    FILTER_MIN_SCORE = "sl_min"
    FILTER_BONDED = "sl_bonded"
    PROFILE_SITE = "sl_site"
    WHAT_CACHE = "what_it_takes"
    COMPARE_A = "cmp_a"
    COMPARE_B = "cmp_b"
    COMPARE_ON = "cmp_on"
    COMPARE_ALL = "cmp_all"
    OPEN_SHORTLIST = "open_shortlist"
    FIRMS_FILE = "firms_file"
    FIRMS_SHEET = "firms_sheet"
    LAYER_SHEET = "layer_sheet"
    REPLACE_KIND = "replace_kind"
    EVAL_WEIGHTS = "eval_weights"
    EVAL_METHOD = "eval_method"
    EVAL_ALPHA = "eval_alpha"
    EVAL_SITE = "eval_site"
    EVAL_AHP = "eval_ahp"  # prefix of the pairwise judgement widgets: eval_ahp:<a>:<b>
    LAYER_FILE = "layer_file"
    SERVER_LOGIN = "server_login"  # the team server's session: token, user, team, role, expiry
    LOGIN_ERROR = "login_error"

    @staticmethod
    def weight(industry: str, criterion: str) -> str:
        """The key of one weight slider."""
        return f"w_{industry}_{criterion}"

    @staticmethod
    def shadow(key: str) -> str:
        return f"_keep_{key}"


@dataclass(frozen=True)
class Filters:
    """The shortlist filters (what an export records as the filters it was made with)."""

    provinces: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    min_score: float = 0.0
    bonded_only: bool = False

    @property
    def active(self) -> bool:
        return bool(self.provinces or self.regions or self.min_score > 0 or self.bonded_only)

    def as_dict(self) -> dict[str, Any]:
        return {
            "provinces": list(self.provinces),
            "regions": list(self.regions),
            "min_score": self.min_score,
            "bonded_only": self.bonded_only,
        }


_DEFAULTS: dict[str, Any] = {
    Key.LANG: DEFAULT_LANG,
    Key.SITE: None,
    Key.WEIGHTS: {},
    Key.CUSTOM_BASE: None,
    Key.BASE_TOKEN: "default",
    Key.LAST_CLICK: None,
    Key.EDITED: {},
    Key.YAML_ERROR: "",
    Key.REPLACE_MSG: "",
    Key.SCENARIO: DEFAULT_SCENARIO,
    Key.INDUSTRY: DEFAULT_INDUSTRY,
    Key.ORIGIN_PICKED: False,
    Key.FLASH: "",
    Key.SERVER_LOGIN: None,
    Key.LOGIN_ERROR: "",
}


@dataclass
class Session:
    """Typed access to the session state (``store`` is ``st.session_state`` in the app, a dict in tests)."""

    store: MutableMapping[str, Any] = field(default_factory=dict)

    @classmethod
    def current(cls) -> Session:
        import streamlit as st

        s = cls(st.session_state)  # type: ignore[arg-type]  # a MutableMapping in all but its type
        s.init()
        return s

    def init(self) -> None:
        for key, value in _DEFAULTS.items():
            if key not in self.store:
                self.store[key] = value.copy() if isinstance(value, dict) else value

    # --- sidebar choices -------------------------------------------------------------------------------------------
    def restore(self, key: str, default: Any, *, allowed: list[Any] | None = None) -> None:
        """Put a choice back from its shadow copy (or the default) before its widget is drawn."""
        shadow = Key.shadow(key)
        value = self.store.get(key, self.store.get(shadow, default))
        if allowed is not None and value not in allowed:
            value = self.store.get(shadow, default)
            if value not in allowed:
                value = default
        self.store[key] = value

    def remember(self, key: str) -> None:
        """Keep the widget's current value under its shadow key."""
        self.store[Key.shadow(key)] = self.store.get(key)

    @property
    def lang(self) -> str:
        return str(self.store.get(Key.LANG, DEFAULT_LANG))

    @property
    def industry(self) -> str:
        return str(self.store.get(Key.INDUSTRY, DEFAULT_INDUSTRY))

    @property
    def origin(self) -> int | None:
        v = self.store.get(Key.ORIGIN)
        return None if v is None else int(v)

    def set_origin(self, code: int, *, picked: bool) -> None:
        self.store[Key.ORIGIN] = int(code)
        self.store[Key.shadow(Key.ORIGIN)] = int(code)
        self.store[Key.ORIGIN_PICKED] = picked

    @property
    def origin_picked(self) -> bool:
        return bool(self.store.get(Key.ORIGIN_PICKED))

    @property
    def scenario(self) -> str:
        return str(self.store.get(Key.SCENARIO, DEFAULT_SCENARIO))

    @scenario.setter
    def scenario(self, key: str) -> None:
        self.store[Key.SCENARIO] = key
        self.store[Key.shadow(Key.SCENARIO)] = key

    @property
    def top_n(self) -> int:
        return int(self.store.get(Key.TOP_N, DEFAULT_TOP_N))

    # --- the selected site -----------------------------------------------------------------------------------------
    @property
    def site(self) -> int | None:
        v = self.store.get(Key.SITE)
        return None if v is None else int(v)

    @site.setter
    def site(self, code: int | None) -> None:
        self.store[Key.SITE] = None if code is None else int(code)

    # --- weights: a scenario override ------------------------------------------------------------------------------
    @property
    def weights(self) -> dict[str, dict[str, float]]:
        """Slider weights per industry (only industries the user moved a slider of)."""
        return {k: dict(v) for k, v in dict(self.store.get(Key.WEIGHTS) or {}).items() if v}

    def set_weights(self, industry: str, weights: Mapping[str, float]) -> None:
        store = self.weights
        store[industry] = {c: float(w) for c, w in weights.items()}
        self.store[Key.WEIGHTS] = store

    def reset_weights(self, industry: str, defaults: Mapping[str, float]) -> None:
        """Drop an industry's slider weights and put its sliders back at the scenario's values (a removed key alone
        would leave a slider drawn where it was)."""
        store = self.weights
        store.pop(industry, None)
        self.store[Key.WEIGHTS] = store
        for c, w in defaults.items():
            self.store[Key.weight(industry, c)] = float(round(w, 2))

    def reset_all_weights(self) -> None:
        for industry in list(self.weights):
            for key in [k for k in self.store if str(k).startswith(f"w_{industry}_")]:
                del self.store[key]
        self.store[Key.WEIGHTS] = {}

    # --- data ------------------------------------------------------------------------------------------------------
    @property
    def custom_base(self) -> Any:
        return self.store.get(Key.CUSTOM_BASE)

    @property
    def base_token(self) -> str:
        return str(self.store.get(Key.BASE_TOKEN, "default"))

    def set_base(self, base: Any, token: str, message: str = "") -> None:
        self.store[Key.CUSTOM_BASE] = base
        self.store[Key.BASE_TOKEN] = token
        self.store[Key.REPLACE_MSG] = message
        self.store[Key.SITE] = None

    # --- scenarios applied from the editor -------------------------------------------------------------------------
    @property
    def edited(self) -> dict[str, str]:
        """Scenario name -> YAML text, every scenario applied from the editor this session."""
        return dict(self.store.get(Key.EDITED) or {})

    def add_edited(self, name: str, text: str) -> None:
        edited = self.edited
        edited[name] = text
        self.store[Key.EDITED] = edited

    # --- filters ---------------------------------------------------------------------------------------------------
    @property
    def filters(self) -> Filters:
        return Filters(
            provinces=tuple(self.store.get(Key.FILTER_PROVINCES) or ()),
            regions=tuple(self.store.get(Key.FILTER_REGIONS) or ()),
            min_score=float(self.store.get(Key.FILTER_MIN_SCORE) or 0.0),
            bonded_only=bool(self.store.get(Key.FILTER_BONDED)),
        )

    # --- a one-shot message ----------------------------------------------------------------------------------------
    def flash(self, message: str) -> None:
        self.store[Key.FLASH] = message

    def take_flash(self) -> str:
        msg = str(self.store.get(Key.FLASH) or "")
        self.store[Key.FLASH] = ""
        return msg

    def get(self, key: str, default: Any = None) -> Any:
        return self.store.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.store[key] = value

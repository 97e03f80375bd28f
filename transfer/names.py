"""Names people type: one did-you-mean hint for every "unknown ..." message, and one resolver that turns what a user
calls a site, origin, place, province or industry (a code, a Chinese name with or without its 市/地区/自治州 suffix,
an English name, in any letter case) into its key.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from transfer import columns as C
from transfer.errors import TransferError, UnknownNameError

if TYPE_CHECKING:
    import pandas as pd

    from transfer.industries import IndustryCatalogue

__all__ = [
    "Names",
    "city_names",
    "close_matches",
    "did_you_mean",
    "industry_names",
    "place_names",
    "province_names",
    "short_name",
    "unknown_name",
]

K = TypeVar("K", bound=Hashable)

# Tried in this order; the first that ends a name (leaving two characters or more) is what its short form drops.
_ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "地区", "林区", "省", "市", "盟")
_AUTONOMOUS_SUFFIXES = ("自治区", "自治州", "自治县")
# The peoples named in the autonomous regions and prefectures ("延边朝鲜族自治州" is 延边 for short).
_PEOPLES = (
    "朝鲜族",
    "土家族",
    "布依族",
    "哈尼族",
    "景颇族",
    "傈僳族",
    "蒙古族",
    "柯尔克孜",
    "哈萨克",
    "维吾尔",
    "蒙古",
    "苗族",
    "藏族",
    "羌族",
    "彝族",
    "侗族",
    "壮族",
    "傣族",
    "白族",
    "回族",
)
_MIN_SHORT = 2  # a short name keeps at least two characters (内蒙古 stays 内蒙古, 沙市 stays 沙市)
_FLOAT_CODE = re.compile(r"(\d+)\.0+")  # 450100.0, as spreadsheets write codes
_MAX_LISTED = 8


def _text(value: object) -> str:
    """A name as text: stripped, "" for None and NaN, 450100 for 450100.0."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    whole = _FLOAT_CODE.fullmatch(text)
    return whole.group(1) if whole else text


def _ranked(word: object, items: Iterable[tuple[Hashable, str]], *, n: int, cutoff: float) -> list[str]:
    """The texts of the n items most like word by difflib (ratio >= cutoff, letter case ignored), one per group."""
    by_form: dict[str, list[tuple[Hashable, str]]] = {}
    for group, text in items:
        by_form.setdefault(text.casefold(), []).append((group, text))
    if not by_form or n < 1:
        return []
    out: list[str] = []
    seen: set[Hashable] = set()
    for form in difflib.get_close_matches(_text(word).casefold(), list(by_form), n=len(by_form), cutoff=cutoff):
        group, text = next(((g, t) for g, t in by_form[form] if g not in seen), (None, ""))
        if text:
            seen.add(group)
            out.append(text)
        if len(out) == n:
            break
    return out


def close_matches(word: object, choices: Iterable[object], *, n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The choices most like ``word``, best first (at most ``n``, difflib's ratio >= ``cutoff``, case ignored).

    Choices come back as given; blanks, None and NaN are skipped, and a choice given twice (in any case) counts once.
    """
    texts = [t for t in map(_text, choices) if t]
    return _ranked(word, ((t.casefold(), t) for t in texts), n=n, cutoff=cutoff)


def _hint(matches: Sequence[str]) -> str:
    if not matches:
        return ""
    quoted = [repr(m) for m in matches]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f" (did you mean {listed}?)"


def did_you_mean(word: object, choices: Iterable[object], *, n: int = 1, cutoff: float = 0.6) -> str:
    """The hint to put after an unknown ``word`` in a message.

    Returns `` (did you mean 'x'?)`` for the closest choice, `` (did you mean 'x', 'y' or 'z'?)`` with ``n`` > 1
    and several close choices, or ``""`` when no choice is close (see :func:`close_matches`).
    """
    return _hint(close_matches(word, choices, n=n, cutoff=cutoff))


def _error(
    error: type[TransferError], message: str, *, where: str | None, fix: str | None, suggestions: list[str]
) -> TransferError:
    if issubclass(error, UnknownNameError):
        return error(message, where=where, fix=fix, suggestions=suggestions)
    return error(message, where=where, fix=fix)


def _unknown_message(what: str, word: str, near: Sequence[str]) -> str:
    return f"unknown {what} {word!r}{_hint(near)}"


def unknown_name(
    what: str,
    word: object,
    choices: Iterable[object],
    *,
    where: str | None = None,
    fix: str | None = None,
    error: type[TransferError] = UnknownNameError,
    n: int = 1,
    cutoff: float = 0.6,
) -> TransferError:
    """The error to raise for a ``word`` that is none of ``choices``: "unknown {what} 'word' (did you mean ...?)".

    An :class:`~transfer.errors.UnknownNameError` (or subclass) also carries the close choices as ``suggestions``.
    """
    near = close_matches(word, choices, n=n, cutoff=cutoff)
    message = _unknown_message(what, word if isinstance(word, str) else str(word), near)
    return _error(error, message, where=where, fix=fix, suggestions=near)


def short_name(name: str) -> str:
    """A Chinese place name without its administrative suffix and, for an autonomous unit, the peoples before it.

    南宁市 -> 南宁, 大兴安岭地区 -> 大兴安岭, 兴安盟 -> 兴安, 延边朝鲜族自治州 -> 延边, 广西壮族自治区 -> 广西,
    湖南省 -> 湖南; a name with no such suffix, or too short to lose one, is returned unchanged.
    """
    for suffix in _ADMIN_SUFFIXES:
        stem = name.removesuffix(suffix)
        if stem != name and len(stem) >= _MIN_SHORT:
            return _without_peoples(stem) if suffix in _AUTONOMOUS_SUFFIXES else stem
    return name


def _without_peoples(stem: str) -> str:
    while people := next((p for p in _PEOPLES if stem.endswith(p) and len(stem) - len(p) >= _MIN_SHORT), None):
        stem = stem.removesuffix(people)
    return stem


class Names(Generic[K]):
    """What users may call each of a set of things, and the resolver from a typed name to the thing's key.

    A typed name is compared with every name of every entry: as written, then ignoring letter case, then in short
    form (:func:`short_name` on both sides, case ignored), then, with ``prefix=True``, as the start of a short name.
    The first comparison that fits any entry decides: one key is the answer, several keys are ambiguous.

    Parameters
    ----------
    entries
        (key, names) pairs: the names one thing goes by (code, Chinese, English ...); None and NaN are skipped.
    what
        What the things are, for messages ("site", "industry", "site, origin or hub").
    labels
        How a key is shown when a name is ambiguous (default: the key).
    ambiguous_fix
        What to do about an ambiguous name ("give the adcode").
    prefix
        Also accept the start of a short name (not of a code; in Latin letters two or more); it is ambiguous
        when it fits several keys.
    n, cutoff
        How many close names an unknown name's message suggests at most, and how close they must be.
    """

    def __init__(
        self,
        entries: Iterable[tuple[K, Iterable[object]]],
        *,
        what: str,
        labels: Mapping[K, str] | None = None,
        ambiguous_fix: str = "give the code",
        prefix: bool = False,
        n: int = 3,
        cutoff: float = 0.6,
    ) -> None:
        self.what = what
        self.labels = dict(labels or {})
        self.ambiguous_fix = ambiguous_fix
        self.prefix = prefix
        self.n = n
        self.cutoff = cutoff
        self._names: list[tuple[K, str]] = []
        self._forms: tuple[dict[str, list[K]], ...] = ({}, {}, {})
        for key, names in entries:
            for name in names:
                text = _text(name)
                if not text:
                    continue
                self._names.append((key, text))
                for table, form in zip(self._forms, _forms(text), strict=True):
                    keys = table.setdefault(form, [])
                    if key not in keys:
                        keys.append(key)

    def find(self, name: object) -> list[K]:
        """The keys ``name`` fits at the first comparison that fits any (empty when none does)."""
        text = _text(name)
        if not text:
            return []
        forms = _forms(text)
        for table, form in zip(self._forms, forms, strict=True):
            if form in table:
                return list(table[form])
        start = forms[-1]
        if self.prefix and not start.isdigit() and len(start) >= (_MIN_SHORT if start.isascii() else 1):
            hits = (keys for form, keys in self._forms[-1].items() if form.startswith(start))
            return list(dict.fromkeys(key for keys in hits for key in keys))
        return []

    def suggest(self, name: object) -> list[str]:
        """The names most like ``name`` (one per key, codes only for a code), best first."""
        numeric = _text(name).isdigit()
        items = ((key, text) for key, text in self._names if text.isdigit() == numeric)
        return _ranked(name, items, n=self.n, cutoff=self.cutoff)

    def resolve(
        self,
        name: object,
        *,
        where: str | None = None,
        fix: str | None = None,
        error: type[TransferError] = UnknownNameError,
    ) -> K:
        """The key ``name`` stands for.

        Raises
        ------
        UnknownNameError
            (or ``error``) When no entry goes by the name (with the closest names as a did-you-mean hint and, for
            an UnknownNameError, as ``suggestions``), or when it fits several entries (they are listed).
        """
        keys = self.find(name)
        if len(keys) == 1:
            return keys[0]
        if not keys:
            near = self.suggest(name)
            message = _unknown_message(self.what, _text(name), near)
            raise _error(error, message, where=where, fix=fix, suggestions=near)
        shown = [self.labels.get(k, str(k)) for k in keys]
        listed = ", ".join(shown[:_MAX_LISTED])
        if len(shown) > _MAX_LISTED:
            listed += f" and {len(shown) - _MAX_LISTED} more"
        message = f"{self.what} {_text(name)!r} is ambiguous: {listed}"
        raise _error(error, message, where=where, fix=self.ambiguous_fix, suggestions=shown)


def _forms(text: str) -> tuple[str, str, str]:
    folded = text.casefold()
    return text, folded, short_name(text).casefold()


def _column(table: pd.DataFrame, name: str) -> list[object]:
    return list(table[name]) if name in table.columns else [None] * len(table)


def city_names(table: pd.DataFrame, *, what: str = "site", n: int = 3, cutoff: float = 0.5) -> Names[int]:
    """Sites or origins (adcode, name_zh, name_en[, province]) by adcode, Chinese and English name."""
    codes = [int(c) for c in table[C.ADCODE]]
    zh, en, province = (_column(table, c) for c in (C.NAME_ZH, C.NAME_EN, C.PROVINCE))
    labels = {
        code: " ".join(t for t in (_text(z), _text(p)) if t) + f" ({code})"
        for code, z, p in zip(codes, zh, province, strict=True)
    }
    entries = [(code, (code, z, e)) for code, z, e in zip(codes, zh, en, strict=True)]
    return Names(
        entries, what=what, labels=labels, ambiguous_fix="give the adcode or the Chinese name", n=n, cutoff=cutoff
    )


def place_names(places: pd.DataFrame, *, n: int = 3, cutoff: float = 0.5) -> Names[tuple[str, str]]:
    """The places of a place table (kind, place_id, name_zh, name_en: sites, origins, hubs) as (kind, place_id)."""
    rows = places[["kind", "place_id", C.NAME_ZH, C.NAME_EN]].itertuples(index=False, name=None)
    entries = [((str(kind), str(pid)), (pid, zh, en)) for kind, pid, zh, en in rows]
    labels = {key: f"{_text(names[1]) or key[1]} ({key[0]} {key[1]})" for key, names in entries}
    return Names(
        entries,
        what="site, origin or hub",
        labels=labels,
        ambiguous_fix="give the adcode, the hub_id or the Chinese name",
        n=n,
        cutoff=cutoff,
    )


def industry_names(catalogue: IndustryCatalogue) -> Names[str]:
    """The industries of a catalogue by id, Chinese and English name."""
    entries = [(p.id, (p.id, p.name_zh, p.name_en)) for p in catalogue]
    labels = {p.id: f"{p.id} ({p.name_en})" for p in catalogue}
    return Names(entries, what="industry", labels=labels, ambiguous_fix="give the industry id")


@functools.cache
def province_names() -> Names[str]:
    """The provinces by adcode, Chinese name (also short or its start: 湖南, 内蒙) and English name, as name_zh."""
    from transfer.regions import PROVINCES

    entries = [(p.name_zh, (p.adcode, p.name_zh, p.name_en)) for p in PROVINCES.values()]
    return Names(entries, what="province", ambiguous_fix="give the full name or the adcode", prefix=True, n=1)

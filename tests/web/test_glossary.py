"""docs/glossary.md keeps one word per concept in each language: no Chinese catalog uses a word the glossary
rejects for a concept."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"


def glossary() -> list[tuple[str, str, list[str]]]:
    """(concept, preferred Chinese word, rejected Chinese words) from the glossary's table."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("Concept", "") or set(cells[0]) <= {"-"}:
            continue
        concept, _english, chinese, rejected, _notes = cells
        rows.append((concept, chinese, [word.strip() for word in rejected.split(",") if word.strip()]))
    return rows


def chinese_catalog_strings() -> list[tuple[str, str]]:
    found = []
    for po in sorted((ROOT / "recovery").rglob("translations/zh_Hans/LC_MESSAGES/messages.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale="zh_Hans"):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                found += [(f"{po.relative_to(ROOT)}: {message.id!r}", text) for text in strings if text]
    return found


def test_glossary_lists_the_concepts_the_brief_names():
    concepts = {concept for concept, _chinese, _rejected in glossary()}
    assert {"account", "sign in", "password", "two-step verification", "authenticator", "recovery code", "passkey",
            "appeal", "request", "alert", "lock", "ban", "security history", "device", "session"} <= concepts


def test_no_rejected_word_is_a_preferred_one():
    preferred = {chinese for _concept, chinese, _rejected in glossary()}
    for concept, _chinese, rejected in glossary():
        assert not preferred & set(rejected), concept


def rejected_words_in(text: str) -> list[str]:
    """"'告警' for 'alert' (use 警报)" for each rejected word in `text`, once its preferred words are removed
    (验证器 may stand inside 身份验证器)."""
    found = []
    for concept, chinese, rejected in glossary():
        rest = text.replace(chinese, "")
        found += [f"{word!r} for {concept!r} (use {chinese})" for word in rejected if word in rest]
    return found


def test_chinese_catalogs_use_the_glossary_words():
    problems = [f"{where}: {problem}" for where, text in chinese_catalog_strings()
                for problem in rejected_words_in(text)]
    assert not problems, "\n".join(problems)


def test_the_check_catches_a_rejected_word_and_spares_a_preferred_one_that_contains_it():
    assert rejected_words_in("新告警") == ["'告警' for 'alert' (use 警报)"]
    assert rejected_words_in("打开身份验证器") == [] and rejected_words_in("打开验证器") != []

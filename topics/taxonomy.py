"""Theme taxonomies: the team's themes, each with a name, a description and example phrases."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


class TaxonomyError(ValueError):
    """A theme file that cannot be used; the message says why."""


@dataclass(frozen=True)
class Theme:
    slug: str
    name: str
    description: str = ""
    examples: tuple[str, ...] = ()
    non_answer: bool = False  # receives "nothing", "n/a" and the like
    source: str = ""

    def phrases(self) -> list[str]:
        """Return the texts whose embeddings stand for this theme (its prototypes)."""
        head = f"{self.name}: {self.description}" if self.description else self.name
        return [head, *self.examples]


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Theme, ...] = field(default_factory=tuple)

    @property
    def slugs(self) -> list[str]:
        return [t.slug for t in self.themes]

    def get(self, slug: str) -> Theme | None:
        return next((t for t in self.themes if t.slug == slug), None)

    def resolve(self, name: str) -> str | None:
        """Return the slug a coder's theme name refers to (slug or name, any case)."""
        key = slugify(name)
        for t in self.themes:
            if key in (t.slug, slugify(t.name)):
                return t.slug
        return None

    def with_themes(self, names: list[str]) -> Taxonomy:
        """Return a taxonomy that also holds the given coder names as new themes."""
        themes = list(self.themes)
        for name in names:
            if (
                name
                and self.resolve(name) is None
                and not any(t.slug == slugify(name) for t in themes)
            ):
                themes.append(Theme(slug=slugify(name), name=name.strip(), source="coded"))
        return Taxonomy(tuple(themes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "themes": [
                {
                    "slug": t.slug,
                    "name": t.name,
                    "description": t.description,
                    "examples": list(t.examples),
                    "non_answer": t.non_answer,
                    "source": t.source,
                }
                for t in self.themes
            ],
        }

    @classmethod
    def from_dict(cls, data: Any, origin: str = "theme file") -> Taxonomy:
        if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
            raise TaxonomyError(f"{origin}: expected a mapping with a 'themes' list")
        themes: list[Theme] = []
        seen: set[str] = set()
        for i, item in enumerate(data["themes"]):
            if not isinstance(item, dict) or not (item.get("name") or item.get("slug")):
                raise TaxonomyError(f"{origin}: theme {i + 1} needs at least a name")
            name = str(item.get("name") or item["slug"]).strip()
            slug = slugify(str(item.get("slug") or name))
            if slug in seen:
                raise TaxonomyError(f"{origin}: theme {slug!r} appears twice")
            seen.add(slug)
            examples = item.get("examples") or []
            if not isinstance(examples, list):
                raise TaxonomyError(f"{origin}: theme {slug!r}: 'examples' must be a list")
            themes.append(
                Theme(
                    slug=slug,
                    name=name,
                    description=str(item.get("description") or "").strip(),
                    examples=tuple(str(e).strip() for e in examples if str(e).strip()),
                    non_answer=bool(item.get("non_answer", False)),
                    source=str(item.get("source") or ""),
                )
            )
        return cls(tuple(themes))


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read a theme YAML file (the same shape as topics/data/themes.yaml)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TaxonomyError(f"theme file not found: {path}") from exc
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"{path}: not a readable YAML file ({exc.__class__.__name__})") from exc
    return Taxonomy.from_dict(data, origin=str(path))


def builtin_taxonomy() -> Taxonomy:
    """Return the built-in taxonomy (seed 000's themes plus patient-experience themes)."""
    text = resources.files("topics.data").joinpath("themes.yaml").read_text(encoding="utf-8")
    return Taxonomy.from_dict(yaml.safe_load(text), origin="built-in themes.yaml")

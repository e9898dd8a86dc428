"""Registries of named classes (sharing schemes, task samplers): one file per class, nothing else.

A package makes one :class:`Registry` in its ``__init__.py`` and calls :meth:`Registry.load` at
its end, which imports every module of the package; each module registers its class with the
``@REGISTRY.register("name")`` decorator. Choice lists and help texts of the command-line options,
and the tests that check every class, are all derived from the registry, so a new scheme or
sampler is one new file and is offered, documented and tested without another edit.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, Dict, Generic, Iterator, List, Optional, Type, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Named classes of one kind. A class may set ``summary`` (a few words for ``--help``)."""

    def __init__(self, kind: str, package: str):
        self.kind = kind  # "sharing scheme", for messages
        self.package = package  # the package whose modules hold the classes
        self._classes: Dict[str, Type[T]] = {}

    def register(self, name: str) -> Callable[[Type[T]], Type[T]]:
        def wrap(cls: Type[T]) -> Type[T]:
            if name in self._classes:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            cls.name = name
            self._classes[name] = cls
            return cls

        return wrap

    def load(self) -> None:
        """Import every module of the package (their decorators register the classes)."""
        package = importlib.import_module(self.package)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{self.package}.{module.name}")

    def build(self, name: str, **kwargs) -> T:
        return self[name](**kwargs)

    def names(self, where: Optional[Callable[[Type[T]], bool]] = None) -> List[str]:
        """Sorted names, of the classes for which ``where(cls)`` holds when given."""
        return sorted(n for n, c in self._classes.items() if where is None or where(c))

    def help(self, names: Optional[List[str]] = None) -> str:
        """``name: summary; ...`` for a choice option's help text."""
        return "; ".join(f"{n}: {getattr(self[n], 'summary', '') or n}"
                         for n in (names if names is not None else self.names()))

    def __getitem__(self, name: str) -> Type[T]:
        if name not in self._classes:
            raise ValueError(f"unknown {self.kind} {name!r}; choose from {self.names()}")
        return self._classes[name]

    def __contains__(self, name: str) -> bool:
        return name in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._classes)

    def items(self):
        return [(n, self._classes[n]) for n in self.names()]

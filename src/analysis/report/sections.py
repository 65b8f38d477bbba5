"""Each section of a page declared once: a function of the quarter's tables, registered in its page's order.

A page module (``measure``, ``dashboard``, ``assessment``, ``explain``) makes one
:class:`Sections` and declares each section by decorating its function with it.
The registry then gives, from that one declaration:

- the section's HTML marked with its name, ``data-section="<name>"`` on its
  outermost element (:data:`analysis.core.vocabulary.SECTION_MARK`), which is how
  the paper (and anything else reading the executed notebooks) finds a section,
  never by a cell's source or its layout;
- the page object's method of the same name (:meth:`Sections.methods`), which
  the notebook calls (``page.figures()``);
- the list of the page's sections, in order, that the snapshot tests walk.

>>> PAGE = Sections("example")
>>> @PAGE
... def greeting(name: str) -> Html:
...     return element("p", f"Hello, {name}")
>>> greeting("Ann")
'<p data-section="greeting">Hello, Ann</p>'
>>> @PAGE.methods
... class Example:
...     def __init__(self, name):
...         self.name = name
...     def section_args(self):
...         return (self.name,)
>>> Example("Bo").greeting(), PAGE.names
('<p data-section="greeting">Hello, Bo</p>', ('greeting',))
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator

from markupsafe import escape

from analysis.core.vocabulary import SECTION_MARK
from analysis.report.html import Html, element

_OPENING = re.compile(r"\s*<[a-z][a-z0-9]*")


def mark(html: Html, name: str) -> Html:
    """The section's HTML with ``data-section="<name>"`` on its outermost element (wrapped in a ``div`` if it has none).

    >>> mark(Html('<header class="h">x</header>'), "headline"), mark(Html("text"), "note")
    ('<header data-section="headline" class="h">x</header>', '<div data-section="note">text</div>')
    """
    opening = _OPENING.match(html)
    if opening is None:
        return element("div", html, **{SECTION_MARK.replace("-", "_"): name})
    return Html(f'{html[: opening.end()]} {SECTION_MARK}="{escape(name)}"{html[opening.end() :]}')


class Sections:
    """The sections of one kind of page, in the order the page shows them, each declared once."""

    def __init__(self, page: str):
        self.page = page
        self._sections: dict[str, Callable[..., Html]] = {}

    def __call__(self, render: Callable[..., Html]) -> Callable[..., Html]:
        """Declare a section (as a decorator): its name is the function's, its HTML comes back marked with it."""
        name = render.__name__
        if name in self._sections:
            raise ValueError(f"the {self.page} page already has a section {name!r}")

        @functools.wraps(render)
        def marked(*args: object, **kwargs: object) -> Html:
            return mark(render(*args, **kwargs), name)

        self._sections[name] = marked
        return marked

    def __iter__(self) -> Iterator[Callable[..., Html]]:
        return iter(self._sections.values())

    def __len__(self) -> int:
        return len(self._sections)

    def __getitem__(self, name: str) -> Callable[..., Html]:
        return self._sections[name]

    @property
    def names(self) -> tuple[str, ...]:
        """The sections' names, in the page's order."""
        return tuple(self._sections)

    def methods(self, cls: type) -> type:
        """Give a page class (as a decorator) a method per section, calling it with ``self.section_args()``."""
        for name, render in self._sections.items():
            setattr(cls, name, _method(render))
        return cls


def _method(render: Callable[..., Html]) -> Callable[[object], Html]:
    def method(self) -> Html:
        return render(*self.section_args())

    method.__name__ = method.__qualname__ = render.__name__
    method.__doc__ = render.__doc__
    return method

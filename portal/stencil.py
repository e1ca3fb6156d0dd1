"""Template fragments rendered once per language and variant, with holes for per-request values.

Every page's header, footer and scripts are the same HTML for everyone who sees the page in
the same language with the same menu: only a handful of values differ from request to request
(the CSRF token, the signed-in person's name, the address of the page). Rendering that
fragment through Django's template engine on every request cost about 0.4 ms of CPU a page,
most of base.html (docs/performance.md).

A Stencil renders its template the first time a variant is needed, with a marker in place of
each hole, splits the result at the markers and keeps the pieces. Later requests only join the
pieces with their own values, escaped as the template would have escaped them.

What keeps it safe:
- The fragment is rendered with a context holding only the variant's keys and the holes'
  markers: no request, no user. Nothing about one person can be kept in a stencil and shown
  to another, because it is never in the context the stencil is rendered from.
- Before the first rendering, every variable the template names is checked against those keys
  and holes (and the names its own loops, `with` and `blocktranslate` tags bring in). A name
  the stencil does not know is an error, not a silently empty value.
- A hole must be output as it is (`{{ name }}`, or the `csrf_token` a `{% csrf_token %}` tag
  writes). A hole used in a condition would always look true, so conditions must use keys; a
  hole passed through a filter that changes it is found (its marker is broken) and refused.
- The kept pieces are forgotten whenever a setting changes (tests) or a template file changes
  (runserver), so neither ever sees an out-of-date fragment.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

from django.core.signals import setting_changed
from django.template import Node, TemplateSyntaxError, Variable
from django.template.base import FilterExpression
from django.template.defaulttags import CsrfTokenNode, ForNode, WithNode
from django.template.loader import get_template
from django.template.loader_tags import IncludeNode
from django.templatetags.i18n import BlockTranslateNode
from django.urls import get_script_prefix
from django.utils.autoreload import file_changed
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

_MARK = "\x00"  # Never in a template or a translation; escaping leaves it as it is.

# Attributes of nodes that are not parts of the template to check.
_SKIPPED_ATTRIBUTES = frozenset({"origin", "token", "singular", "plural", "template_name"})


class Stencil:
    """`Stencil("includes/chrome/top.html", keys=(...), holes=(...))`, then
    `stencil.render(keys={...}, holes={...})` for each request.

    `keys` name the values that choose a variant (the language and the script prefix always
    do): each distinct
    set of key values is rendered once per process. `holes` name the values that differ from
    request to request; they are escaped when filled in, as `{{ name }}` would escape them.
    """

    def __init__(self, template_name: str, *, keys: Iterable[str], holes: Iterable[str]):
        self.template_name = template_name
        self.keys = tuple(keys)
        self.holes = tuple(holes)
        overlap = set(self.keys) & set(self.holes)
        if overlap:
            raise ValueError(f"Both a key and a hole: {sorted(overlap)}.")
        self._variants: dict[tuple, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._lock = threading.Lock()
        _STENCILS.append(self)

    def render(self, *, keys: Mapping[str, object], holes: Mapping[str, object]) -> SafeString:
        # The language and the script prefix ({% fixed_url %}) choose a variant too.
        variant = (get_language(), get_script_prefix(), *(keys[name] for name in self.keys))
        pieces = self._variants.get(variant)
        if pieces is None:
            with self._lock:
                pieces = self._variants.get(variant) or self._cut(keys)
                self._variants[variant] = pieces
        texts, names = pieces
        out = [texts[0]]
        for name, text in zip(names, texts[1:], strict=True):
            out.append(conditional_escape(holes[name]))
            out.append(text)
        return mark_safe("".join(out))  # noqa: S308 - the template's own output, holes escaped

    def render_plainly(
        self, *, keys: Mapping[str, object], holes: Mapping[str, object]
    ) -> SafeString:
        """The same fragment rendered by the template engine with the real values: what
        render() must equal (the tests compare the two)."""
        return get_template(self.template_name).render({**keys, **holes})

    def forget(self) -> None:
        with self._lock:
            self._variants = {}

    def _cut(self, keys: Mapping[str, object]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        template = get_template(self.template_name)
        unknown = names_used(template.template.nodelist) - set(self.keys) - set(self.holes)
        if unknown:
            raise TemplateSyntaxError(
                f"{self.template_name} names {sorted(unknown)}, which the stencil neither "
                "keys nor fills: pass them as keys (if they choose what is shown) or holes."
            )
        markers = {name: f"{_MARK}{name}{_MARK}" for name in self.holes}
        output = str(template.render({**{k: keys[k] for k in self.keys}, **markers}))
        parts = output.split(_MARK)
        # Text, hole name, text, hole name, ..., text: an odd count, a hole at each odd place.
        if len(parts) % 2 == 0 or any(name not in markers for name in parts[1::2]):
            raise TemplateSyntaxError(
                f"{self.template_name}: a hole was changed by a filter or cut in two; holes "
                "must be written out as they are."
            )
        return tuple(parts[0::2]), tuple(parts[1::2])


_STENCILS: list[Stencil] = []


def forget_all(**kwargs) -> None:
    for stencil in _STENCILS:
        stencil.forget()


# A setting a test overrides (the portal's name, the static files' address) or a template
# edited under runserver must show at once.
setting_changed.connect(forget_all)


def _forget_on_template_change(sender, file_path, **kwargs):
    if file_path.suffix == ".html":
        forget_all()


file_changed.connect(_forget_on_template_change)


def names_used(nodelist) -> set[str]:
    """The context variables a compiled template reads, less the names it brings in itself
    (loop variables, `with` and `blocktranslate` names). Included templates with a fixed name
    are read too; an include whose name is a variable is refused."""
    used: set[str] = set()
    brought_in: set[str] = {"forloop"}
    seen: set[int] = set()

    def visit(obj) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, Variable):
            if obj.lookups:
                used.add(obj.lookups[0])
        elif isinstance(obj, FilterExpression):
            visit(obj.var)
            for _function, arguments in obj.filters:
                for _is_lookup, argument in arguments:
                    visit(argument)
        elif isinstance(obj, list | tuple):
            for item in obj:
                visit(item)
        elif isinstance(obj, dict):
            for item in obj.values():
                visit(item)
        elif isinstance(obj, Node) or type(obj).__module__.startswith("django.template"):
            if isinstance(obj, CsrfTokenNode):
                used.add("csrf_token")  # read from the context, not through a variable
            elif isinstance(obj, ForNode):
                brought_in.update(obj.loopvars)
            elif isinstance(obj, WithNode | BlockTranslateNode):
                brought_in.update(obj.extra_context)
                brought_in.update(
                    name
                    for name in (getattr(obj, "countervar", None), getattr(obj, "asvar", None))
                    if name
                )
            elif getattr(obj, "asvar", None):  # {% translate ... as x %}, {% url ... as x %}
                brought_in.add(obj.asvar)
            if isinstance(obj, IncludeNode):
                name = obj.template.var if isinstance(obj.template, FilterExpression) else None
                if not isinstance(name, str):
                    raise TemplateSyntaxError("A stencil may only include templates by name.")
                visit(get_template(name).template.nodelist)
            for attribute, value in vars(obj).items():
                if attribute not in _SKIPPED_ATTRIBUTES:
                    visit(value)

    visit(nodelist)
    return used - brought_in

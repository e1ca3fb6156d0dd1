"""A cached template loader that keeps one compiled copy of each template per language, with
its constant translations already written in.

Every page has a few dozen `{% translate "..." %}` tags (the header, the footer, a table's
headings). Django looks each one up in the catalogue on every render, through the active
language's thread-local, about 10 µs a tag: a quarter of a millisecond a page
(docs/performance.md). A literal's translation cannot change while the process runs (the
catalogue is compiled at deploy), so this loader renders each such tag once, in the language
the template was loaded for, and keeps the text in its place.

Which tags: `{% translate "literal" %}` with no filter, no `as`, and at most a literal
context, whose output Django marks safe (a translated literal always is, so escaping can never
apply to it). Tags inside `{% language %}` keep their own rendering: they speak another
language than the page. `{% blocktranslate %}` (placeholders, plurals) is left alone.

The cache key adds the active language to Django's, so a template loaded while Spanish is
active is a different object from the English one, and each is translated once.
"""

from django.template import Context, Node, NodeList, Variable
from django.template.base import TextNode
from django.template.defaulttags import IfNode
from django.template.loaders import cached
from django.templatetags.i18n import LanguageNode, TranslateNode
from django.utils.safestring import SafeData
from django.utils.translation import get_language


class Loader(cached.Loader):
    def cache_key(self, template_name, skip=None):
        return f"{super().cache_key(template_name, skip)}@{get_language()}"

    def get_template(self, template_name, skip=None):
        key = self.cache_key(template_name, skip)
        known = key in self.get_template_cache
        template = super().get_template(template_name, skip)
        if not known:
            # Newly compiled (a missing template raised above): translate it once. Another
            # thread may render it meanwhile; the tags still work, only more slowly.
            write_in_translations(template.nodelist)
        return template


def _is_literal(expression) -> bool:
    return (
        not expression.filters
        and isinstance(expression.var, Variable)
        and expression.var.literal is not None
    )


def _constant_text(node: Node) -> str | None:
    """What a constant {% translate %} tag renders to in the active language, or None when
    the tag is not constant."""
    if not isinstance(node, TranslateNode) or node.asvar:
        return None
    if not _is_literal(node.filter_expression):
        return None
    if node.message_context is not None and not _is_literal(node.message_context):
        return None
    text = node.render(Context(autoescape=True))
    return text if isinstance(text, SafeData) else None


def _child_nodelists(node: Node):
    if isinstance(node, IfNode):
        for _condition, nodelist in node.conditions_nodelists:
            yield nodelist
        return
    for name in node.child_nodelists:
        nodelist = getattr(node, name, None)
        if isinstance(nodelist, NodeList):
            yield nodelist


def write_in_translations(nodelist: NodeList) -> None:
    """Replace each constant {% translate %} in the tree with its text, in place."""
    for index, node in enumerate(nodelist):
        text = _constant_text(node)
        if text is not None:
            written = TextNode(text)
            written.origin, written.token = node.origin, node.token
            nodelist[index] = written
            continue
        if isinstance(node, LanguageNode):
            continue
        for child in _child_nodelists(node):
            write_in_translations(child)

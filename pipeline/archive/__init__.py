"""The public archive: every published item with its approval record, as static sites.

A pre-build of ours writes plain Markdown pages and one `mkdocs.yml` per month (no MkDocs plugin
of ours, no `hooks:`, no generated-files plugin), then runs the engine. See `builder.py` for the
layout and why months, `media.py` for the stable media URLs the publisher gives the platforms,
`search.py` for the search index and `pdf.py` for the printable record.
"""

from pipeline.archive.builder import BuildReport, build, make_server, serve
from pipeline.archive.media import media_url

__all__ = ["BuildReport", "build", "make_server", "media_url", "serve"]

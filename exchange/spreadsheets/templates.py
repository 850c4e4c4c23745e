"""Empty import templates: the header of a deposits or withdrawals sheet, and (XLSX) a help
sheet that explains every column and the syntax of list cells.
"""

from __future__ import annotations

from exchange.spreadsheets.columns import PostingKind, columns_of
from exchange.spreadsheets.reading import FileFormat
from exchange.spreadsheets.writing import Table, render

HELP_HEADER = ("column", "required", "what", "how to write it", "example")


def template_table(kind: PostingKind) -> Table:
    """The template of ``kind``: its columns, no rows, one help line per column."""
    columns = columns_of(kind)
    notes: list[tuple[str, ...]] = [HELP_HEADER]
    notes += [(c.name, "yes" if c.required else "no", c.help, c.syntax, c.example) for c in columns]
    notes.append(())
    notes.append(
        (
            "Rows",
            "",
            "One posting per row, below the header. Empty cells take the default. Import with "
            f"POST /v1/{kind}/import or `hrhx postings import FILE --country ISO3`: if any row "
            "has a problem, every problem is listed (row, column, reason) and nothing is imported.",
            "",
            "",
        )
    )
    return Table(title=kind, columns=[c.name for c in columns], rows=[], notes=notes)


def template(kind: PostingKind, file_format: FileFormat) -> bytes:
    """The template file of ``kind`` in ``file_format``."""
    return render(template_table(kind), file_format)

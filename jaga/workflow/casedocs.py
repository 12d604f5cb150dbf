"""The case page's documents, grouped as a reader looks for them (issue 20 point 5).

A case issues several types of document (Lembar Disposisi, Surat Tugas, Berita Acara...),
and a corrected document (``jaga.documents.corrections``) is a new version that
*supersedes* the old one (``Document.supersedes``). The page lists them by type, in the
order the case first issued each type; under a type, each document in force comes first
and the versions it replaced are folded under it, newest first, so nobody downloads a
superseded Berita Acara by mistake (the filing practice of tata naskah dinas: the
corrected letter replaces the earlier one, which is kept but marked).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jaga.documents.models import Document


@dataclass
class DocumentEntry:
    """One document in force (``current``) and the versions it superseded, newest first
    (``earlier``; empty for a first version). ``current`` is itself superseded only when
    the viewer may not see its successor (an OPD sees its own visit's documents only)."""

    current: Document
    earlier: list[Document] = field(default_factory=list)


@dataclass
class DocumentGroup:
    """The documents of one ``document_type`` in a case, by entry, oldest first."""

    document_type: str
    title: str
    entries: list[DocumentEntry] = field(default_factory=list)


def group_documents(documents: list[Document]) -> list[DocumentGroup]:
    """Group ``documents`` (the case's documents the viewer may see, in issue order) by
    type and version chain. Each chain follows ``supersedes`` from its newest member
    (one not superseded by another listed document) back to its first version. No query:
    only the documents given are read. Returns the groups in the order each type was first
    issued; every document given appears exactly once."""
    by_pk = {document.pk: document for document in documents}
    replaced = {d.supersedes_id for d in documents if d.supersedes_id in by_pk}
    groups: dict[str, DocumentGroup] = {}
    for document in documents:
        group = groups.setdefault(
            document.document_type,
            DocumentGroup(document_type=document.document_type, title=document.title),
        )
        if document.pk in replaced:
            continue  # listed under the version that replaced it
        entry = DocumentEntry(current=document)
        older = by_pk.get(document.supersedes_id) if document.supersedes_id else None
        while older is not None:
            entry.earlier.append(older)
            older = by_pk.get(older.supersedes_id) if older.supersedes_id else None
        group.entries.append(entry)
    # A type's title is its latest version's (a correction may fix a title's wording).
    for group in groups.values():
        if group.entries:
            group.title = group.entries[-1].current.title
    return list(groups.values())

"""Notes: create, list (paginated), read, partially update and delete, at ``/notes/``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..database import SessionDep
from ..errors import NotFoundError
from ..models.note import Note
from ..schemas.note import NoteCreate, NotePage, NoteRead, NoteUpdate

router = APIRouter(prefix="/notes", tags=["notes"])

# Ids are SQL INTEGER (32-bit on PostgreSQL; SQLite's 64-bit INTEGER refuses Python ints past 2**63): a larger id
# in the path is a 422, not an overflow inside the driver (a 500).
NoteId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The note's id.")]

NOT_FOUND: dict[int | str, dict[str, Any]] = {status.HTTP_404_NOT_FOUND: {"description": "No note has this id"}}


async def get_note_or_404(session: AsyncSession, note_id: int) -> Note:
    note = await session.get(Note, note_id)
    if note is None:
        raise NotFoundError("Note", note_id)
    return note


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_note(note_in: NoteCreate, session: SessionDep) -> NoteRead:
    note = Note(**note_in.model_dump())
    session.add(note)
    await session.commit()  # id and created_at are set by the INSERT; expire_on_commit=False keeps them loaded
    return NoteRead.model_validate(note)


@router.get("/")
async def list_notes(
    session: SessionDep,
    skip: Annotated[int, Query(ge=0, description="How many notes to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="How many notes to return, at most 100")] = 20,
) -> NotePage:
    total = await session.scalar(select(func.count()).select_from(Note))
    notes = await session.scalars(select(Note).order_by(Note.id).offset(skip).limit(limit))
    return NotePage(items=[NoteRead.model_validate(note) for note in notes], total=total or 0, skip=skip, limit=limit)


@router.get("/{note_id}", responses=NOT_FOUND)
async def read_note(note_id: NoteId, session: SessionDep) -> NoteRead:
    return NoteRead.model_validate(await get_note_or_404(session, note_id))


@router.patch("/{note_id}", responses=NOT_FOUND)
async def update_note(note_id: NoteId, patch: NoteUpdate, session: SessionDep) -> NoteRead:
    note = await get_note_or_404(session, note_id)
    for field, value in patch.model_dump(exclude_unset=True).items():
        setattr(note, field, value)
    await session.commit()
    return NoteRead.model_validate(note)


@router.delete("/{note_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_note(note_id: NoteId, session: SessionDep) -> None:
    note = await get_note_or_404(session, note_id)
    await session.delete(note)
    await session.commit()

"""Document revisions and notifications; regions cut and put notes back."""

from __future__ import annotations

import pytest

from composer import edits as ed
from composer.document import Document
from composer.errors import EditError
from composer.region import Region
from composer.score import Note, Score, Track
from composer.timing import PPQ, TimeSignature, TimeSignatureMap

BAR = 4 * PPQ


def _score() -> Score:
    lead = Track.create("Lead", [Note.create(60 + i, i * PPQ, PPQ) for i in range(16)])  # 4 bars of quarters
    bass = Track.create("Bass", [Note.create(36, 0, 3 * BAR), Note.create(38, 3 * BAR, BAR)])
    return Score(tracks=(lead, bass))


def test_document_counts_revisions_and_notifies() -> None:
    original = _score()
    doc = Document(original)
    seen: list[ed.ChangeSet] = []
    doc.changed.connect(seen.append)
    lead = doc.score.tracks[0]
    edit = ed.transpose(doc.score, {lead.id: [lead.notes[0].id]}, 2)
    doc.apply(edit)
    assert doc.revision == 1 and doc.score.tracks[0].notes[0].pitch == 62
    doc.apply(edit.inverse())
    assert doc.revision == 2 and doc.score == original
    assert [c.note_tracks for c in seen] == [{lead.id}, {lead.id}]
    doc.changed.disconnect(seen.append)
    doc.reset(Score())
    assert doc.revision == 3 and len(seen) == 2


def test_failed_edit_leaves_document_untouched() -> None:
    doc = Document(_score())
    before = doc.score
    lead = before.tracks[0]
    bad = ed.CompoundEdit(
        (ed.transpose(before, {lead.id: [lead.notes[0].id]}, 1), ed.add_notes(lead.id, [Note.create(60, 0, 0)])),
        "Bad",
    )
    with pytest.raises(EditError):
        doc.apply(bad)
    assert doc.score is before and doc.revision == 0


def test_region_notes_by_onset() -> None:
    score = _score()
    lead, bass = score.tracks
    region = Region((lead.id, bass.id), 1, 3)
    assert region.ticks(score) == (BAR, 3 * BAR)
    notes = region.notes(score)
    assert [n.pitch for n in notes[lead.id]] == list(range(64, 72))
    assert notes[bass.id] == ()  # the long bass note starts before the region: context, not content
    relative = region.notes(score, relative=True)
    assert relative[lead.id][0].start == 0


def test_region_cut_and_put_back() -> None:
    score = _score()
    lead, bass = score.tracks
    region = Region((lead.id,), 1, 2)
    cut, removed = region.cut(score)
    after, _ = cut.apply(score)
    assert len(after.track(lead.id).notes) == 12
    put = region.put(after, removed)
    restored, _ = put.apply(after)
    assert restored == score
    assert put.inverse().apply(restored)[0] == after


def test_region_put_clips_and_rejects_outside() -> None:
    score = _score()
    lead = score.tracks[0]
    region = Region((lead.id,), 1, 2)
    long_note = Note.create(50, 0, 3 * BAR)
    after, _ = region.put(score, {lead.id: [long_note]}, relative=True).apply(score)
    placed = after.track(lead.id).note(long_note.id)
    assert placed is not None and (placed.start, placed.end) == (BAR, 2 * BAR)
    with pytest.raises(EditError):
        region.put(score, {lead.id: [Note.create(50, 2 * BAR, 10)]})
    with pytest.raises(EditError):
        region.put(score, {score.tracks[1].id: []})


def test_region_follows_time_signatures() -> None:
    sigs = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(BAR, 3, 4)))
    score = Score(tracks=(Track.create("T"),), time_signatures=sigs)
    assert Region((score.tracks[0].id,), 1, 3).ticks(score) == (BAR, BAR + 6 * PPQ)
    with pytest.raises(ValueError):
        Region((), 0, 1)
    with pytest.raises(ValueError):
        Region((1,), 2, 2)

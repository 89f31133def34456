from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import NameObject

from firstword.answerer.profile import Profile, ProfileError, load_profile_dir, read_pdf_text, sample_profile
from firstword.answerer.prompt import answer_messages, system_message, trim_question


def _pdf_with_text(path: Path, text: str) -> None:
    # A real one-page PDF with a text content stream (Helvetica), written by pypdf itself.
    from pypdf.generic import DecodedStreamObject, DictionaryObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(stream)
    with path.open("wb") as fh:
        writer.write(fh)


def test_sample_profile_ships_with_the_package():
    profile = sample_profile()
    assert "Backend Engineer" in profile.resume
    assert profile.job_description and profile.notes
    assert len(profile.stories) == 2


def test_profile_dir_reads_markdown_and_pdf_resume(tmp_path):
    _pdf_with_text(tmp_path / "resume.pdf", "Jordan Lee, staff engineer at Acme")
    (tmp_path / "job.md").write_text("Principal engineer, payments")
    (tmp_path / "notes.txt").write_text("Be brief")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    profile = load_profile_dir(tmp_path)
    assert "Jordan Lee" in profile.resume
    assert profile.job_description == "Principal engineer, payments"
    assert profile.notes == "Be brief"


def test_bad_pdf_gives_clear_error():
    with pytest.raises(ProfileError, match="cannot read the PDF"):
        read_pdf_text(b"%PDF-1.4 this is not really a pdf")


def test_profile_from_dict_validates():
    with pytest.raises(ProfileError, match="unknown profile fields: salary"):
        Profile.from_dict({"salary": "1"})
    with pytest.raises(ProfileError, match="stories must be a list"):
        Profile.from_dict({"stories": "one"})


def test_prompt_prefix_is_stable_and_question_is_last():
    profile = sample_profile()
    a = answer_messages("copilot", profile, "Why us?", max_profile_chars=2400, max_question_words=50)
    b = answer_messages("copilot", profile, "Tell me about a failure.", max_profile_chars=2400, max_question_words=50)
    assert a[0] == b[0] == system_message("copilot", profile, 2400)
    assert a[-1].role == "user" and a[-1].content == "Why us?"
    assert len(a[0].content) <= 2400 + 400


def test_long_question_keeps_its_end():
    q = " ".join(f"w{i}" for i in range(500))
    trimmed = trim_question(q, 10)
    assert trimmed.endswith("w499") and len(trimmed.split()) == 11

"""The staff's one-line imaging summary, as a function of plain facts (no database)."""

import datetime

from intake.models import ImagingFacts, SeriesFacts, summary_line


def series(uid: str, *, modality="MR", body_part="LSPINE", images=10) -> SeriesFacts:
    return SeriesFacts(uid, modality, body_part, images)


def test_a_request_without_files_says_so():
    assert summary_line(ImagingFacts(uploads=0)) == "No files uploaded"


def test_files_not_yet_read_are_counted_as_waiting():
    assert summary_line(ImagingFacts(uploads=3, waiting=3)) == "3 file(s) waiting to be processed"


def test_one_study_reads_modality_region_date_series_and_images():
    facts = ImagingFacts(
        uploads=1,
        studies=(("1.2.3", datetime.date(2026, 10, 12)),),
        series=(series("s1", images=200), series("s2", images=12)),
        with_report=True,
    )
    assert summary_line(facts) == "MR lumbar spine, 12 Oct 2026, 2 series, 212 images, with report"


def test_a_series_split_over_uploads_counts_once_and_its_images_add_up():
    facts = ImagingFacts(uploads=2, studies=(("1", None),), series=(series("s1"), series("s1")))
    assert summary_line(facts) == "MR lumbar spine, 1 series, 20 images"


def test_several_studies_show_their_count_and_the_newest_date():
    facts = ImagingFacts(
        uploads=2,
        studies=(("a", datetime.date(2025, 1, 2)), ("b", datetime.date(2026, 3, 4))),
        series=(series("s1", modality="CT", body_part="CSPINE", images=1), series("s2")),
    )
    assert summary_line(facts) == (
        "CT/MR cervical spine and lumbar spine, 2 studies, newest 4 Mar 2026, 2 series, 11 images"
    )


def test_series_without_modality_or_body_part_are_images():
    facts = ImagingFacts(uploads=1, series=(series("s1", modality="", body_part="", images=1),))
    assert summary_line(facts) == "Images, 1 series, 1 image"


def test_photos_failures_and_files_still_waiting_follow():
    facts = ImagingFacts(uploads=4, waiting=1, failed=1, photos=2)
    assert summary_line(facts) == (
        "No scan images, 2 photos, 1 file(s) could not be read, 1 file(s) still being processed"
    )

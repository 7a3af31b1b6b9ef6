"""Reading and checking daily figures: apps/metrics/csv_format.py on plain data, no database."""

import ast
import codecs
import io
from datetime import date
from pathlib import Path

import pytest

from apps.metrics import csv_format, kpis
from apps.metrics.csv_format import (
    COLUMNS,
    DailyRowChecker,
    FileProblem,
    RowError,
    example_csv,
    open_text,
    read_rows,
    sniff,
)

TODAY = date(2024, 3, 31)
AGENTS = {"li": 11, "wang": 12}
OTHER_USERS = {"boss": csv_format.MSG_NOT_AGENT, "gone": csv_format.MSG_INACTIVE}
QUEUES = {"billing": 1, "技术支持": 2}
HEADER = ",".join(COLUMNS)
# A consistent day: every rule holds with room to spare.
GOOD_VALUES = {
    "date": "2024-03-05",
    "agent": "li",
    "queue": "Billing",
    "calls_offered": "120",
    "calls_answered": "112",
    "calls_abandoned": "8",
    "answered_within_sl": "96",
    "talk_seconds": "21840",
    "hold_seconds": "1630",
    "acw_seconds": "5400",
    "not_ready_seconds": "1800",
    "idle_seconds": "3100",
    "logged_in_seconds": "28800",
    "fcr_count": "104",
    "survey_responses": "40",
    "survey_satisfied": "38",
    "scheduled_minutes": "480",
    "worked_minutes": "475",
    "tags": "holiday",
}
GOOD_ROW = (
    date(2024, 3, 5), 11, 1, 120, 112, 8, 96, 21840, 1630, 5400, 1800, 3100, 28800, 104, 40, 38, 480, 475,
    "holiday",
)  # fmt: skip


def resolve(value: str) -> int | str:
    return AGENTS.get(value) or OTHER_USERS.get(value, csv_format.MSG_UNKNOWN_USERNAME)


def checker(**kwargs) -> DailyRowChecker:
    return DailyRowChecker(today=TODAY, queues=QUEUES, resolve_agent=resolve, **kwargs)


def line(**values) -> str:
    return ",".join({**GOOD_VALUES, **values}[name] for name in COLUMNS)


def csv_text(*lines: str, header: str = HEADER) -> str:
    return "\r\n".join([header, *lines]) + "\r\n"


def check_text(text: str, **kwargs) -> tuple[list[tuple], DailyRowChecker]:
    """Every row of a file through one checker: the valid rows built, and the checker."""
    row_checker = checker(**kwargs)
    rows = [row for number, values in read_rows(text) if (row := row_checker.check(number, values))]
    return rows, row_checker


def errors_of(text: str, **kwargs) -> list[tuple]:
    rows, row_checker = check_text(text, **kwargs)
    assert not row_checker.ok
    return [(e.row, e.field, e.text()) for e in row_checker.all_errors()]


def _read_all(data: bytes) -> list:
    raw = io.BytesIO(data)
    return list(read_rows(open_text(raw, sniff(raw).encoding)))


def file_problem(data: bytes) -> str:
    with pytest.raises(FileProblem) as caught:
        _read_all(data)
    assert caught.value.error.row is None
    return caught.value.error.text()


# --- Good files -------------------------------------------------------------------------------------


def test_a_good_row_becomes_a_tuple_in_the_tables_field_order():
    rows, row_checker = check_text(csv_text(line()))
    assert rows == [GOOD_ROW]
    assert row_checker.ok
    assert row_checker.day_tags == {(date(2024, 3, 5), "holiday")}


def test_the_columns_are_the_contracts_and_the_counts_are_the_kpi_base_fields():
    assert COLUMNS == (
        "date", "agent", "queue", "calls_offered", "calls_answered", "calls_abandoned", "answered_within_sl",
        "talk_seconds", "hold_seconds", "acw_seconds", "not_ready_seconds", "idle_seconds",
        "logged_in_seconds", "fcr_count", "survey_responses", "survey_satisfied", "scheduled_minutes",
        "worked_minutes", "tags",
    )  # fmt: skip
    assert csv_format.COUNT_COLUMNS == kpis.BASE_FIELDS


def test_columns_in_another_order_and_any_case_are_read_by_name():
    names = list(reversed(COLUMNS))
    header = ",".join(name.upper() for name in names)
    values = {**GOOD_VALUES}
    rows, _checker = check_text(csv_text(",".join(values[name] for name in names), header=header))
    assert rows == [GOOD_ROW]


def test_queue_names_match_in_any_case_and_values_may_be_padded():
    rows, _checker = check_text(csv_text(line(queue=" BILLING ", calls_offered=" 120", agent="li ")))
    assert rows == [GOOD_ROW]


def test_overtime_and_talk_beyond_logged_in_time_are_allowed():
    # Worked > scheduled is overtime; talk, hold and after-call work are booked to the day a call
    # started and may run past log-out: neither is certainly impossible.
    rows, _checker = check_text(
        csv_text(line(worked_minutes="600", talk_seconds="30000", acw_seconds="9000"))
    )
    assert [(row[-2], row[7], row[9]) for row in rows] == [(600, 30000, 9000)]


def test_zero_everywhere_is_a_valid_day():
    zeros = {name: "0" for name in csv_format.COUNT_COLUMNS}
    rows, _checker = check_text(csv_text(line(**zeros, tags="")))
    assert rows == [(date(2024, 3, 5), 11, 1, *([0] * 15), "")]


def test_tags_are_trimmed_deduplicated_and_split_on_either_semicolon():
    rows, row_checker = check_text(csv_text(line(tags=" storm ;holiday；storm;; ")))
    assert rows[0][-1] == "storm;holiday"
    assert row_checker.day_tags == {(date(2024, 3, 5), "storm"), (date(2024, 3, 5), "holiday")}


def test_blank_lines_and_rows_of_empty_cells_are_skipped_but_counted():
    text = "\r\n".join(["", HEADER, line(), ",,,,", "", line(date="2024-03-06", tags="x" * 61)])
    assert errors_of(text) == [
        (6, "tags", f"The tag “{'x' * 61}” is longer than 60 characters."),
    ]


def test_trailing_empty_cells_are_ignored_but_extra_values_are_not():
    rows, _checker = check_text(csv_text(line() + ",,"))
    assert rows == [GOOD_ROW]
    assert errors_of(csv_text(line() + ",7")) == [
        (2, "", "This row has 20 values; the header has 19 columns.")
    ]
    assert errors_of(csv_text("2024-03-05,li,Billing")) == [
        (2, "", "This row has 3 values; the header has 19 columns.")
    ]


def test_utf8_with_byte_order_mark_and_crlf_as_excel_saves_it():
    data = codecs.BOM_UTF8 + csv_text(line(queue="技术支持")).encode("utf-8")
    raw = io.BytesIO(data)
    sniffed = sniff(raw)
    assert (sniffed.encoding, sniffed.line_breaks) == ("utf-8-sig", 2)
    rows, _checker = check_text(open_text(raw, sniffed.encoding).read())
    assert rows[0][2] == 2


def test_gb18030_as_excel_saves_csv_on_chinese_windows():
    raw = io.BytesIO(csv_text(line(queue="技术支持", tags="台风")).encode("gb18030"))
    sniffed = sniff(raw)
    assert sniffed.encoding == "gb18030"
    rows, _checker = check_text(open_text(raw, sniffed.encoding).read())
    assert (rows[0][2], rows[0][-1]) == (2, "台风")


def test_utf16_unicode_text_with_tabs():
    text = csv_text(line().replace(",", "\t"), header=HEADER.replace(",", "\t"))
    raw = io.BytesIO(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    sniffed = sniff(raw)
    assert sniffed.encoding == "utf-16"
    rows, _checker = check_text(open_text(raw, sniffed.encoding).read())
    assert rows == [GOOD_ROW]


def test_semicolon_separated_files_are_read():
    text = csv_text(
        line().replace(",", ";").replace("holiday", '"holiday;storm"'), header=HEADER.replace(",", ";")
    )
    rows, _checker = check_text(text)
    assert rows[0][-1] == "holiday;storm"


# --- The file as a whole ---------------------------------------------------------------------------

EXPECTED = ", ".join(COLUMNS)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\r\n\r\n", "The file is empty."),
        (HEADER.encode() + b"\r\n,,,\r\n", "The file has a header row but no daily figures."),
        (b"PK\x03\x04\x00\x00binary", "The file is not a CSV text file (it contains NUL characters)."),
        (
            b"date,agent\xff\xfe\xfd",
            "The file is neither UTF-8 nor GB18030 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”.",
        ),
        (
            HEADER.replace(",tags", "").encode(),
            f"The header lacks the columns: tags. The first row must name these columns: {EXPECTED}.",
        ),
        (
            HEADER.replace("date,agent,", "").encode(),
            f"The header lacks the columns: date, agent. The first row must name these columns: {EXPECTED}.",
        ),
        (
            (HEADER + ",remarks").encode(),
            "The header has unknown columns: remarks. The first row must name only these columns: "
            f"{EXPECTED}.",
        ),
        ((HEADER + ",queue").encode(), "The header names the column “queue” more than once."),
    ],
)
def test_a_file_that_cannot_be_read_gets_one_error_for_the_whole_file(data, message):
    assert file_problem(data) == message


def test_a_broken_quote_is_reported_with_its_row():
    text = csv_text(line(), 'x"' + "y" * 10, header=HEADER)
    rows = read_rows(io.StringIO(text + "z" * 200_000, newline=""))
    with pytest.raises(FileProblem) as caught:
        list(rows)
    assert caught.value.error.text().startswith(
        "The file could not be read as CSV: field larger than field limit"
    )


# --- Every rule, with its exact message ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"date": ""}, "date", "This value is required."),
        (
            {"date": "2024/03/05"},
            "date",
            "“2024/03/05” is not a date; write it as YYYY-MM-DD, e.g. 2024-03-05.",
        ),
        ({"date": "20240305"}, "date", "“20240305” is not a date; write it as YYYY-MM-DD, e.g. 2024-03-05."),
        (
            {"date": "2024-02-30"},
            "date",
            "“2024-02-30” is not a date; write it as YYYY-MM-DD, e.g. 2024-03-05.",
        ),
        ({"date": "2024-04-01"}, "date", "The date 2024-04-01 is in the future."),
        ({"agent": ""}, "agent", "This value is required."),
        ({"agent": "ghost"}, "agent", "No user has the username “ghost”."),
        ({"agent": "boss"}, "agent", "The user “boss” is not an agent."),
        ({"agent": "gone"}, "agent", "The user “gone” is inactive."),
        ({"queue": ""}, "queue", "This value is required."),
        ({"queue": "Sales"}, "queue", "No queue is named “Sales”."),
        ({"talk_seconds": ""}, "talk_seconds", "This value is required."),
        ({"talk_seconds": "-5"}, "talk_seconds", "“-5” is not a whole number of 0 or more."),
        ({"talk_seconds": "1.5"}, "talk_seconds", "“1.5” is not a whole number of 0 or more."),
        ({"talk_seconds": "1e3"}, "talk_seconds", "“1e3” is not a whole number of 0 or more."),
        ({"talk_seconds": "²"}, "talk_seconds", "“²” is not a whole number of 0 or more."),
        ({"talk_seconds": "2147483648"}, "talk_seconds", "2147483648 is too large; the most is 2147483647."),
        (
            {"calls_answered": "121", "calls_abandoned": "0"},
            "calls_answered",
            "Answered calls (121) exceed offered calls (120).",
        ),
        (
            {"calls_abandoned": "121", "calls_answered": "0", "answered_within_sl": "0", "fcr_count": "0"},
            "calls_abandoned",
            "Abandoned calls (121) exceed offered calls (120).",
        ),
        (
            {"calls_abandoned": "9"},
            "calls_offered",
            "Answered plus abandoned calls (112 + 9) exceed offered calls (120).",
        ),
        (
            {"answered_within_sl": "113"},
            "answered_within_sl",
            "Calls answered within the service level (113) exceed answered calls (112).",
        ),
        ({"fcr_count": "113"}, "fcr_count", "First-call resolutions (113) exceed answered calls (112)."),
        (
            {"survey_satisfied": "41"},
            "survey_satisfied",
            "Satisfied responses (41) exceed survey responses (40).",
        ),
        (
            {"logged_in_seconds": "4899"},
            "logged_in_seconds",
            "Not-ready plus idle time (1800 s + 3100 s) exceeds logged-in time (4899 s).",
        ),
        ({"tags": "a;" + "b" * 61}, "tags", f"The tag “{'b' * 61}” is longer than 60 characters."),
        (
            {"tags": ";".join(letter * 60 for letter in "vwxyz")},
            "tags",
            "The tags are longer than 300 characters in all.",
        ),
    ],
)
def test_each_rule_is_reported_with_its_row_field_and_message(values, field, message):
    assert errors_of(csv_text(line(), line(**{"date": "2024-03-06", **values}))) == [(3, field, message)]


def test_the_boundaries_of_the_rules_are_allowed():
    boundary = line(
        calls_answered="112",
        calls_abandoned="8",  # answered + abandoned = offered
        answered_within_sl="112",
        fcr_count="112",
        survey_satisfied="40",
        not_ready_seconds="28800",
        idle_seconds="0",
        date="2024-03-31",  # today
        talk_seconds="2147483647",
    )
    rows, row_checker = check_text(csv_text(boundary))
    assert row_checker.ok
    assert len(rows) == 1


def test_every_problem_of_a_row_is_reported_not_only_the_first():
    text = csv_text(
        line(date="yesterday", agent="ghost", queue="Sales", hold_seconds="-1", survey_satisfied="41")
    )
    assert errors_of(text) == [
        (2, "date", "“yesterday” is not a date; write it as YYYY-MM-DD, e.g. 2024-03-05."),
        (2, "agent", "No user has the username “ghost”."),
        (2, "queue", "No queue is named “Sales”."),
        (2, "hold_seconds", "“-1” is not a whole number of 0 or more."),
        (2, "survey_satisfied", "Satisfied responses (41) exceed survey responses (40)."),
    ]


def test_the_same_date_agent_and_queue_twice_is_refused_on_the_later_rows():
    text = csv_text(line(), line(date="2024-03-06"), line(queue="billing", calls_offered="130"), line())
    assert errors_of(text) == [
        (4, "", "Row 2 has the same date, agent and queue."),
        (5, "", "Row 2 has the same date, agent and queue."),
    ]


def test_after_a_problem_rows_are_still_checked_but_no_longer_built():
    row_checker = checker()
    rows = read_rows(csv_text(line(agent="ghost"), line(date="2024-03-06"), line(date="2024-03-06")))
    results = [row_checker.check(number, values) for number, values in rows]
    assert results == [None, None, None]
    assert [(e.row, e.field) for e in row_checker.errors] == [(2, "agent"), (4, "")]
    assert row_checker.day_tags == set()


def test_fast_and_careful_paths_agree():
    # The first sighting of each value takes the careful path, the next ones the fast path.
    rows, _checker = check_text(csv_text(line(), line(date="2024-03-06"), line(date=" 2024-03-07 ")))
    assert [row[0] for row in rows] == [date(2024, 3, 5), date(2024, 3, 6), date(2024, 3, 7)]
    assert {row[1:] for row in rows} == {GOOD_ROW[1:]}


def test_ids_of_any_size_are_accepted_as_keys():
    big = 1 << 40
    row_checker = DailyRowChecker(today=TODAY, queues={"billing": big}, resolve_agent=lambda value: big)
    values = line().split(",")
    assert row_checker.check(2, values)[1:3] == (big, big)
    assert row_checker.check(3, values) is None
    assert row_checker.errors == [RowError(3, "", csv_format.MSG_DUPLICATE_ROW, {"row": 2})]


def test_errors_beyond_the_limit_are_counted_in_one_line():
    text = csv_text(*(line(date=f"2024-03-{day:02d}", agent="ghost") for day in range(1, 6)))
    assert errors_of(text, max_errors=2) == [
        (2, "agent", "No user has the username “ghost”."),
        (3, "agent", "No user has the username “ghost”."),
        (None, "", "3 more problems are not listed. Fix the ones above and check the file again."),
    ]


def test_messages_are_kept_untranslated_with_their_parameters():
    _rows, row_checker = check_text(csv_text(line(queue="Sales")))
    error = row_checker.errors[0]
    assert error.as_dict() == {
        "row": 2,
        "field": "queue",
        "message": "No queue is named “%(value)s”.",
        "params": {"value": "Sales"},
    }
    assert RowError.from_dict(error.as_dict()) == error
    chinese = {"No queue is named “%(value)s”.": "没有名为“%(value)s”的队列。"}
    assert error.text(chinese.get) == "没有名为“Sales”的队列。"


def test_each_agent_value_is_resolved_once():
    asked = []

    def counting(value):
        asked.append(value)
        return resolve(value)

    row_checker = DailyRowChecker(today=TODAY, queues=QUEUES, resolve_agent=counting)
    for number, values in read_rows(csv_text(*(line(date=f"2024-03-{d:02d}") for d in range(1, 20)))):
        row_checker.check(number, values)
    assert asked == ["li"]


# --- The template and the module ---------------------------------------------------------------------


def test_the_template_is_a_valid_import_of_two_rows():
    text = example_csv()
    assert text.splitlines()[0] == HEADER
    row_checker = DailyRowChecker(
        today=TODAY,
        queues={"billing 账单": 1, "technical support 技术支持": 2},
        resolve_agent={"agent": 1, "agent0001": 2}.get,
    )
    rows = [row_checker.check(number, values) for number, values in read_rows(text)]
    assert row_checker.ok
    assert len(rows) == 2
    assert rows[1][-2:] == (510, "storm;campaign")  # the second row has overtime


def test_the_module_imports_nothing_from_django():
    tree = ast.parse(Path(csv_format.__file__).read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] in {"django", "rest_framework", "apps"}]

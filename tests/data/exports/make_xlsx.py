"""Writes survey.xlsx (committed beside this script): run `python make_xlsx.py` with openpyxl.

Sheet "Responses": a transactional survey with real Excel date cells, NPS scores, CSAT as
English satisfaction labels and a capitalised Weight column. Sheet "Kano": English Kano
answers under question-text headers. The values are typed here by hand; see README.md for
the figures the tests expect from them.
"""

import datetime as dt
from pathlib import Path

import openpyxl

wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Responses"
ws.append(["respondent", "submitted", "nps", "csat", "Weight"])
rows = [
    (1, dt.date(2024, 1, 15), 9, "Very satisfied", 1),
    (2, dt.date(2024, 2, 3), 10, "Satisfied", 1),
    (3, dt.date(2024, 2, 20), 4, "Dissatisfied", 2),
    (4, dt.date(2024, 4, 11), 8, "Neither satisfied nor dissatisfied", 1),
    (5, dt.date(2024, 5, 9), 10, "Very satisfied", 1),
    (6, dt.date(2024, 5, 30), 6, "Very dissatisfied", 1),
    (7, dt.date(2024, 6, 14), 9, "Satisfied", 1),
    (8, dt.date(2024, 7, 1), 7, "Satisfied", 1),
]
for r in rows:
    ws.append(list(r))
    ws.cell(ws.max_row, 2).number_format = "yyyy-mm-dd"

kano = wb.create_sheet("Kano")
kano.append(
    [
        "If free WiFi is available, how do you feel?",
        "If free WiFi is not available, how do you feel?",
        "If express checkout is available, how do you feel?",
        "If express checkout is not available, how do you feel?",
    ]
)
kano.append(["I like it", "I can live with it", "It must be that way", "I dislike it"])
kano.append(["I like it", "I am neutral", "I am neutral", "I dislike it"])
kano.append(["I am neutral", "I am neutral", "I like it", "I dislike it"])
kano.append(["I like it", "I dislike it", "It must be that way", "I dislike it"])

out = Path(__file__).with_name("survey.xlsx")
wb.save(out)
print(f"wrote {out}")

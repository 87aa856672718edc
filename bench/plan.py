"""A made-up but realistic action plan of any size, the same every time (seeded)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from edi_xl.core.dates import parse_date
from edi_xl.core.model import Action, ActionPlan, ProgressUpdate
from edi_xl.core.rounds import update_header

THEMES = (
    "Recruitment, promotion & appointments",
    "Leadership & culture",
    "Staff networks",
    "Bullying, harassment & abuse",
    "Disciplinary process",
    "Reasonable adjustments",
    "Data & reporting",
    "Training & development",
    "Pay gap",
    "Patient experience",
)
VERBS = (
    "Review",
    "Develop",
    "Deliver",
    "Audit",
    "Launch",
    "Agree",
    "Publish",
    "Monitor",
    "Embed",
    "Evaluate",
    "Refresh",
    "Pilot",
)
OBJECTS = (
    "the recruitment panel policy",
    "reverse mentoring for the board",
    "the WRES data with the race network",
    "disability confident level 3",
    "reasonable adjustment passports",
    "the bullying and harassment pathway",
    "the gender pay gap action plan",
    "cultural ambassador training",
    "the exit interview process",
    "EDI objectives for every director",
    "the staff survey results by characteristic",
    "the flexible working offer",
)
REFERENCES = (
    "WRES 1",
    "WRES 2 WDES 2",
    "WDES 4",
    "WRES 5 WRES 6",
    "HIA 3",
    "Gender Pay Gap",
    "WDES 9",
    "WRES 9 HIA 1",
)
CHARACTERISTICS = (
    "Race",
    "Disability",
    "Race Disability",
    "Sex",
    "Sexual orientation",
    "All",
    "Religion or belief",
    "Age",
)
STATUSES = ("On Track", "On Track", "At Risk", "Not started", "Behind", "Complete", None)
ROLES = (
    "Associate Director of HR",
    "Head of EDI",
    "Director of Culture & OD",
    "Deputy Chief Nurse",
    "Head of Recruitment",
    "Network Chair",
    "Head of Learning",
)
FIRST = (
    "Jim",
    "Fiona",
    "Aisha",
    "Tom",
    "Priya",
    "Grace",
    "Kwame",
    "Sarah",
    "Ravi",
    "Ellen",
    "Olu",
    "Mark",
    "Zainab",
    "Chris",
    "Hannah",
    "Ade",
)
LAST = (
    "Machon",
    "MacDonald",
    "Okafor",
    "Patel",
    "Smith",
    "Jones",
    "Khan",
    "Williams",
    "Brown",
    "Taylor",
    "Evans",
    "Mensah",
    "Hughes",
    "Ali",
    "Clarke",
    "Wright",
)

PREVIOUS_ROUND = date(2023, 9, 18)


def owners(n: int, seed: int = 7) -> list[str]:
    """``n`` different action owners, "Name Surname, Role" as trusts write them."""
    rng = random.Random(seed)
    names: list[str] = []
    seen: set[str] = set()
    i = 0
    while len(names) < n:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name in seen:
            name = f"{name} {i}"
        seen.add(name)
        names.append(f"{name}, {rng.choice(ROLES)}")
        i += 1
    return names


def make_plan(n_actions: int, n_owners: int, *, seed: int = 7) -> ActionPlan:
    """An action plan of ``n_actions`` actions shared evenly by ``n_owners`` owners."""
    rng = random.Random(seed)
    people = owners(n_owners, seed)
    header = update_header(PREVIOUS_ROUND)
    actions: list[Action] = []
    for i in range(n_actions):
        theme_no = i // max(1, n_actions // len(THEMES)) + 1
        start = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 300))
        due = start + timedelta(days=rng.randrange(60, 500))
        due_text: object = due
        if rng.random() < 0.1:
            due_text = rng.choice(("Q4 2023/24", "March 2024", "Ongoing", "31/03/2024"))
        status = rng.choice(STATUSES)
        actions.append(
            Action(
                id=f"{theme_no}.{i + 1}",
                theme=THEMES[(theme_no - 1) % len(THEMES)],
                action=f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} (action {i + 1}).",
                references_text=rng.choice(REFERENCES),
                characteristics_text=rng.choice(CHARACTERISTICS),
                owner=people[i % n_owners],
                start=parse_date(start),
                due=parse_date(due_text),
                status_text=status,
                updates=[
                    ProgressUpdate(
                        header=header,
                        as_at=PREVIOUS_ROUND,
                        text=f"Update for action {i + 1}: work continues.",
                    )
                ]
                if rng.random() < 0.8
                else [],
            )
        )
    return ActionPlan(
        title="Equality, Diversity & Inclusion Action Plan (benchmark)",
        actions=actions,
        update_headers=[header],
    )

"""The page data of the current app: the store and plan it was built with."""

from __future__ import annotations

from flask import current_app

from .plandata import PlanData, load_plan_data


def plan_data() -> PlanData:
    return load_plan_data(current_app.config["SETTINGS"], current_app.config["STORE"])

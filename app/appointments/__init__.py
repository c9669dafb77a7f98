"""Appointments (约见): booking from the customer page (two offered times held until the customer
chooses, or one booked directly), no double-booking enforced by the database, actions, .ics export."""

from flask import Blueprint

bp = Blueprint("appointments", __name__)

from app.appointments import calendar_routes, routes  # noqa: E402,F401

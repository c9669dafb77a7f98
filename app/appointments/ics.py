"""One appointment as an RFC 5545 calendar (icalendar): times in UTC, the customer as surname and title,
the mobile masked at most."""

from __future__ import annotations

from flask_babel import gettext as _
from icalendar import Calendar, Event

from app.appointments.presenters import addressed_as, surname
from app.core.labels import LABELS
from app.core.privacy import mask_numbers_in_text
from app.models import Appointment, AppointmentStatus

ICS_STATUS = {AppointmentStatus.CONFIRMED: "CONFIRMED", AppointmentStatus.DONE: "CONFIRMED",
              AppointmentStatus.CANCELLED: "CANCELLED", AppointmentStatus.RELEASED: "CANCELLED",
              AppointmentStatus.RESCHEDULED: "CANCELLED", AppointmentStatus.NO_SHOW: "CONFIRMED"}


def uid_for(appointment: Appointment) -> str:
    return f"appointment-{appointment.id}@yinjian"


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Yinjian//Appointments//ZH")
    calendar.add("version", "2.0")
    return calendar


def event_for(appointment: Appointment) -> Event:
    """The appointment as a VEVENT: the customer as surname and title and the masked mobile, never more."""
    customer = appointment.customer
    who = addressed_as(customer) or _("%(surname)s (customer)", surname=surname(customer.name))
    event = Event()
    event.add("uid", uid_for(appointment))
    event.add("dtstamp", appointment.updated_at)
    event.add("dtstart", appointment.start_at)
    event.add("dtend", appointment.end_at)
    event.add("summary", f"{mask_numbers_in_text(appointment.purpose, 2)} · {who}")
    place = str(LABELS.place.get(appointment.place, ""))
    event.add("location", f"{place} {mask_numbers_in_text(appointment.location, 2) or ''}".strip())
    description = [_("Customer: %(who)s", who=who)]
    if customer.mobile_masked:
        description.append(_("Mobile: %(mobile)s", mobile=customer.mobile_masked))
    description.append(_("Staff: %(name)s (%(number)s)", name=appointment.staff.display_name,
                         number=appointment.staff.employee_no))
    event.add("description", "\n".join(description))
    event.add("status", ICS_STATUS.get(appointment.status, "TENTATIVE"))
    event.add("sequence", appointment.version)
    return event


def calendar_for(appointment: Appointment) -> bytes:
    calendar = _calendar()
    calendar.add_component(event_for(appointment))
    return calendar.to_ical()


def feed_calendar(owner_name: str, appointments: list[Appointment]) -> bytes:
    """A subscription feed: one calendar holding each appointment's event."""
    calendar = _calendar()
    calendar.add("x-wr-calname", _("Yinjian appointments of %(name)s", name=owner_name))
    for appointment in appointments:
        calendar.add_component(event_for(appointment))
    return calendar.to_ical()

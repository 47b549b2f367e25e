"""Sending a complaint's photo to someone who may see the complaint (the reporter, the
seller's members, staff in scope): the caller's lookup has checked that."""
from flask import abort

from market.complaints.models import Complaint
from market.complaints.rules import PHOTO_AREA
from market.core import uploads


def send_photo(complaint: Complaint | None, photo_id: int):
    if complaint is None:
        abort(404)
    photo = next((photo for photo in complaint.photos if photo.id == photo_id), None)
    if photo is None:
        abort(404)
    return uploads.send_stored(PHOTO_AREA, photo.stored_name)

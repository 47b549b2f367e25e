"""Invitations to join a seller: the page a link opens names the cooperative and who invites;
the owner can make the same signed link to share in Zalo or by SMS (no email), see it, copy it,
withdraw it; a link expires a fixed time after the invitation was made, works once, for the
invited address only, and never crosses to another seller."""
import base64
import re
import zlib
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from market.core.audit import history
from market.core.domain import DomainError
from market.core.models import OutboundEmail
from market.extensions import db
from market.sellers import invitations
from market.sellers.models import SellerInvitation, SellerMember
from tests import builders
from tests.builders import EN
from tests.conftest import csrf_token_from, post_form

LINK = re.compile(r'value="(http[^"]*/sell/invitations/[^"]+)"')


def at(moment: str):
    return time_machine.travel(datetime.fromisoformat(moment).replace(tzinfo=timezone.utc), tick=False)


def share_link(client, email="ngoc@example.vn"):
    """The owner asks for a link to share instead of an email; returns the page it lands on."""
    response = post_form(client, "/sell/members", {"email": email, "share": "1"}, headers=EN)
    assert response.status_code == 302 and "shared=" in response.headers["Location"]
    return client.get(response.headers["Location"], headers=EN)


def path_of(link: str) -> str:
    return link[link.index("/sell/invitations/"):]


def accept(client, path):
    return post_form(client, path, {}, headers=EN)


def members_count(seller) -> int:
    return db.session.scalar(select(func.count()).select_from(SellerMember).where(SellerMember.seller_id == seller.id))


def test_the_owner_makes_a_link_to_share_without_an_email(shop, client_for):
    page = share_link(client_for()).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)
                             .where(OutboundEmail.to_address == "ngoc@example.vn")) == 0
    link = LINK.search(page).group(1)
    invitation = db.session.scalar(select(SellerInvitation))
    assert f'id="invitation-{invitation.id}"' in page and "<details open>" in page
    assert 'data-copy="#link-' in page and "Copy link" in page  # the copy button (shown by copy.js)
    sms = re.search(r'href="(sms:\?body=[^"]+)"', page).group(1)
    assert "HTX%20M%E1%BA%ADt%20ong" in sms and "/sell/invitations/" in sms
    assert link.startswith("http") and invitations.read_invitation(link.rsplit("/", 1)[1]).id == invitation.id
    assert history("seller", shop.seller.id)[-1].action == "member_invited_by_link"


def test_the_page_names_the_cooperative_and_who_invites(shop, client_for, client):
    link = LINK.search(share_link(client_for()).get_data(as_text=True)).group(1)
    page = client.get(path_of(link), headers=EN).get_data(as_text=True)  # signed out
    assert "Join HTX Mật ong Hưng Yên" in page
    assert f"{shop.owner.full_name} invites you to sell with HTX Mật ong Hưng Yên" in page
    assert "ng***@example.vn" in page and "ngoc@example.vn" not in page
    assert 'href="/account/sign-in?next=/sell/invitations/' in page
    # Signed out, pressing accept leads to signing in first.
    response = client.post(path_of(link), data={"csrf_token": csrf_token_from(client.get("/account/sign-in"))})
    assert response.status_code == 302 and "/account/sign-in?next=" in response.headers["Location"]


def test_the_invited_person_accepts_once_and_the_link_cannot_be_reused(shop, client_for):
    link = LINK.search(share_link(client_for()).get_data(as_text=True)).group(1)
    builders.make_user("ngoc@example.vn")
    ngoc = client_for("ngoc@example.vn")
    assert "Accept the invitation" in ngoc.get(path_of(link), headers=EN).get_data(as_text=True)
    response = accept(ngoc, path_of(link))
    assert response.status_code == 302 and members_count(shop.seller) == 2
    again = ngoc.get(path_of(link), headers=EN)
    assert again.status_code == 410 and "This invitation has already been used." in again.get_data(as_text=True)
    builders.make_user("other@example.vn")
    assert client_for("other@example.vn").get(path_of(link)).status_code == 410


def test_a_link_for_someone_else_is_refused_before_and_after_pressing(shop, client_for):
    link = LINK.search(share_link(client_for()).get_data(as_text=True)).group(1)
    builders.make_user("lan2@example.vn")
    stranger = client_for("lan2@example.vn")
    page = stranger.get(path_of(link), headers=EN).get_data(as_text=True)
    assert "This invitation was made for ng***@example.vn" in page and "Accept the invitation" not in page
    response = post_form(stranger, path_of(link), {}, form_url="/sell/apply", headers=EN)
    assert response.status_code == 400 and "another email address" in response.get_data(as_text=True)
    assert members_count(shop.seller) == 1


def test_a_link_expires_with_its_invitation_even_when_made_again_later(shop, client_for):
    with at("2026-12-01 03:00"):
        share_link(client_for())
    builders.make_user("ngoc@example.vn")
    with at("2026-12-07 03:00"):  # six days on, the members page signs a fresh link
        page = client_for().get("/sell/members", headers=EN).get_data(as_text=True)
        later = LINK.search(page).group(1)
        assert "valid until" in page
    with at("2026-12-08 03:01"):  # seven days after the invitation: both links are dead
        ngoc = client_for("ngoc@example.vn")
        response = ngoc.get(path_of(later), headers=EN)
        assert response.status_code == 410 and "This invitation has expired." in response.get_data(as_text=True)
        assert "expired" in client_for().get("/sell/members", headers=EN).get_data(as_text=True)
    assert members_count(shop.seller) == 1


def test_a_withdrawn_link_stops_working(shop, client_for):
    owner = client_for()
    link = LINK.search(share_link(owner).get_data(as_text=True)).group(1)
    invitation = db.session.scalar(select(SellerInvitation))
    builders.make_user("ngoc@example.vn")
    member = builders.add_member(shop.owner, "mai@example.vn")
    assert post_form(client_for(member.email), f"/sell/invitations/{invitation.id}/revoke", {},
                     form_url="/sell/members").status_code == 403  # only the owner
    response = post_form(owner, f"/sell/invitations/{invitation.id}/revoke", {}, form_url="/sell/members")
    assert response.status_code == 302
    page = client_for("ngoc@example.vn").get(path_of(link), headers=EN)
    assert page.status_code == 410 and "This invitation link is not valid." in page.get_data(as_text=True)
    assert history("seller", shop.seller.id)[-1].action == "invitation_revoked"


def test_another_seller_can_neither_withdraw_nor_see_nor_be_joined_twice(shop, rival, client_for):
    link = LINK.search(share_link(client_for()).get_data(as_text=True)).group(1)
    invitation = db.session.scalar(select(SellerInvitation))
    theirs = client_for(rival.owner.email)
    post_form(theirs, f"/sell/invitations/{invitation.id}/revoke", {}, form_url="/sell/members")
    assert db.session.get(SellerInvitation, invitation.id).revoked_at is None
    assert "ngoc@example.vn" not in theirs.get("/sell/members", headers=EN).get_data(as_text=True)
    # An invitation of the rival's for someone already in a seller is refused on accepting.
    builders.add_member(shop.owner, "ngoc@example.vn")
    rival_link = LINK.search(share_link(theirs).get_data(as_text=True)).group(1)
    response = accept(client_for("ngoc@example.vn"), path_of(rival_link))
    assert response.status_code == 400 and "already a member of a seller" in response.get_data(as_text=True)
    assert members_count(rival.seller) == 1 and path_of(link) != path_of(rival_link)


def test_a_forged_link_is_a_clear_message_not_an_error(shop, client):
    response = client.get("/sell/invitations/not-a-token", headers=EN)
    assert response.status_code == 410 and "This invitation link is not valid." in response.get_data(as_text=True)


def _payload(token: str) -> str:
    """What anyone holding the link can read: the signed part, decoded (it is not encrypted)."""
    body = token.split(".")[0]
    compressed = body.startswith(".")
    raw = base64.urlsafe_b64decode(body.lstrip(".") + "=" * (-len(body.lstrip(".")) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode("utf-8", "replace")


def test_a_forwarded_link_does_not_tell_the_invited_address(shop):
    _invitation, token = invitations.invite_member(shop.owner, "ngoc.tran@example.vn", send_email=False)
    payload = _payload(token)
    assert '"i"' in payload and "ngoc" not in payload and "example.vn" not in payload
    # A link signed for one invitation does not open another one, even with the same id's tag swapped.
    other, other_token = invitations.invite_member(shop.owner, "lan.pham@example.vn", send_email=False)
    assert invitations.read_invitation(other_token).id == other.id
    assert invitations.read_invitation(token).email == "ngoc.tran@example.vn"


def test_an_accept_racing_a_withdrawal_loses(shop, make_user, monkeypatch):
    invited = make_user("ngoc@example.vn")
    invitation, token = invitations.invite_member(shop.owner, "ngoc@example.vn", send_email=False)
    read_while_good = invitations.read_invitation(token)  # the press was read while the link was good...
    # ...then the owner's withdrawal commits in another request before the accept writes.
    db.session.execute(SellerInvitation.__table__.update()
                       .where(SellerInvitation.id == invitation.id).values(revoked_at=datetime.now(timezone.utc)))
    db.session.commit()
    monkeypatch.setattr(invitations, "read_invitation", lambda _token: read_while_good)
    with pytest.raises(DomainError):
        invitations.accept_invitation(invited, token)
    assert members_count(shop.seller) == 1

"""The demo sellers: five approved (with their programs and one member), two applications
waiting for staff. Each applies with a logo and a certificate, as a person would."""
from dataclasses import dataclass
from datetime import date

from market.accounts.models import Role
from market.accounts.services import find_user_by_email
from market.core.clock import utcnow
from market.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, DOMAIN, DemoAccount, account
from market.demo.files import certificate, logo
from market.demo.programs import COOPERATIVES_PROGRAM, START_UPS_PROGRAM
from market.programs import services as programs
from market.sellers import helping, invitations
from market.sellers import services as sellers
from market.sellers.models import DocumentKind


@dataclass(frozen=True)
class DemoSeller:
    owner_email: str
    owner_name: str
    data: sellers.ApplicationData
    decision: str | None  # "approve", or None to leave it pending
    program: programs.ProgramData | None = None
    members: tuple[tuple[str, str], ...] = ()
    colour: str = "#9b1c4a"


def _application(**values) -> sellers.ApplicationData:
    # Every demo applicant has read the seller terms and accepted them, as a real one must.
    defaults = dict(phone="+842633822222", women_led=True, leader_role="chair", accepts_terms=True)
    return sellers.ApplicationData(**{**defaults, **values})


DEMO_SELLERS = (
    DemoSeller(
        f"seller@{DOMAIN}", "Trần Thị Hoa",
        _application(
            legal_form="cooperative", name="HTX Cà phê Phụ nữ Cầu Đất", registration_number="5800123456",
            province="Lâm Đồng", commune="Phường Xuân Trường - Đà Lạt", street_address="Thôn Trường Sơn",
            story="Hai mươi bốn chị em trồng và rang cà phê Arabica trên đồi Cầu Đất, ở độ cao 1.600 mét.\n"
                  "Chúng tôi hái chín từng quả và phơi trên giàn tre.",
            members_count=24, women_members_count=21, workers_count=30, women_workers_count=26,
            leader_name="Trần Thị Hoa", leadership_statement="Chủ tịch HĐQT và giám đốc đều là phụ nữ.",
        ),
        "approve", COOPERATIVES_PROGRAM, members=((f"member@{DOMAIN}", "Đỗ Thị Ngọc"),), colour="#6b3e26",
    ),
    DemoSeller(
        f"thocam@{DOMAIN}", "Vàng Thị Mỷ",
        _application(
            legal_form="cooperative_group", name="Tổ hợp tác Dệt thổ cẩm Lùng Tám", province="Hà Giang",
            commune="Xã Lùng Tám", street_address="Thôn Lùng Tám Cao", phone="+84912000111",
            story="Phụ nữ Mông ở Lùng Tám dệt vải lanh, nhuộm chàm và vẽ sáp ong như bà, như mẹ đã dạy.",
            members_count=35, women_members_count=35, workers_count=35, women_workers_count=35,
            leader_name="Vàng Thị Mỷ", leadership_statement="Tổ trưởng là chị Mỷ; mọi thành viên là phụ nữ.",
        ),
        "approve", COOPERATIVES_PROGRAM, colour="#1f4e79",
    ),
    DemoSeller(
        f"maytre@{DOMAIN}", "Nguyễn Thị Hằng",
        _application(
            legal_form="cooperative", name="HTX Mây tre đan Phú Nghĩa", registration_number="0108765432",
            province="Hà Nội", commune="Xã Phú Nghĩa", street_address="Thôn Phú Vinh", phone="+84988111222",
            story="Làng nghề mây tre đan Phú Vinh hơn 400 năm tuổi. HTX giữ nghề và tạo việc làm cho 60 chị em.",
            members_count=40, women_members_count=32, workers_count=60, women_workers_count=52,
            leader_name="Nguyễn Thị Hằng", leadership_statement="Giám đốc HTX là nữ, 80% thành viên là phụ nữ.",
            leader_role="director",
        ),
        "approve", COOPERATIVES_PROGRAM, colour="#8a6d1d",
    ),
    DemoSeller(
        f"mutgung@{DOMAIN}", "Hồ Thị Lài",
        _application(
            legal_form="household", name="Mứt gừng Bà Lài", province="Thừa Thiên Huế", commune="Phường Kim Long",
            street_address="12 Kim Long", phone="+84905333444",
            story="Mứt gừng làm tay theo công thức ba đời ở Kim Long, không phẩm màu.",
            members_count=4, women_members_count=3, workers_count=6, women_workers_count=5,
            leader_name="Hồ Thị Lài", leader_role="majority_owner",
            leadership_statement="Bà Lài là chủ hộ kinh doanh.",
        ),
        "approve", START_UPS_PROGRAM, colour="#b5651d",
    ),
    DemoSeller(
        f"thaomoc@{DOMAIN}", "Lý Ngọc Trâm",
        _application(
            legal_form="enterprise", name="Thảo mộc Mộc Lan", registration_number="1801234567", province="Cần Thơ",
            commune="Phường Ninh Kiều", street_address="45 Hai Bà Trưng", phone="+84939555666",
            story="Khởi nghiệp từ vườn thảo mộc của mẹ: xà phòng và tinh dầu từ sả, bưởi, tràm.",
            members_count=5, women_members_count=4, workers_count=12, women_workers_count=10,
            leader_name="Lý Ngọc Trâm", leader_role="director",
            leadership_statement="Nhà sáng lập và giám đốc là chị Trâm.",
        ),
        "approve", START_UPS_PROGRAM, colour="#3f7d3a",
    ),
    DemoSeller(
        f"gaost25@{DOMAIN}", "Thạch Thị Sa Rênh",
        _application(
            legal_form="cooperative", name="HTX Gạo thơm Phụ nữ Kế Sách", registration_number="2200987654",
            province="Sóc Trăng", commune="Xã Kế Sách", street_address="Ấp An Phú", phone="+84918777888",
            story="Chị em Khmer và Kinh cùng trồng lúa thơm theo hướng hữu cơ.",
            members_count=18, women_members_count=12, workers_count=25, women_workers_count=15,
            leader_name="Thạch Thị Sa Rênh", leadership_statement="Chủ tịch HĐQT là nữ.",
        ),
        None,
    ),
    DemoSeller(
        f"rauxanh@{DOMAIN}", "K'Thị Bình",
        _application(
            legal_form="cooperative_group", name="Tổ hợp tác Rau sạch Lang Biang", province="Lâm Đồng",
            commune="Phường Lang Biang - Đà Lạt", street_address="Tổ dân phố Đăng Gia", phone="+84977222333",
            story="Mười hai chị em trồng rau không dùng thuốc hóa học.",
            members_count=12, women_members_count=12, workers_count=12, women_workers_count=12,
            leader_name="K'Thị Bình", leadership_statement="Tổ trưởng là chị Bình.",
        ),
        None,
    ),
)


def seed_seller(demo: DemoSeller, staff, program_ids: dict) -> None:
    """The seller's application, staff's decision, its members and its program, where missing."""
    owner = account(demo.owner_email, demo.owner_name)
    if sellers.seller_of(owner) is not None:
        return
    sellers.save_application(
        owner, demo.data, submit=True, logo=logo(demo.data.name, demo.colour),
        documents=[(DocumentKind.REGISTRATION_CERTIFICATE,
                    certificate(f"Giay chung nhan dang ky (demo): {demo.data.name}", "giay-chung-nhan.pdf"))],
    )
    if demo.decision is None:
        return
    seller = sellers.seller_of(owner)
    sellers.decide(staff, seller.id, demo.decision)
    for email, name in demo.members:
        member = account(email, name)
        _, token = invitations.invite_member(owner, email)
        invitations.accept_invitation(member, token)
    if demo.program is not None:
        today = date.today()
        enrolment = programs.apply_to_program(
            owner, program_ids[demo.program.name_vi],
            "Chúng tôi muốn mở rộng thị trường và tạo thêm việc làm cho chị em.",
            demo.data.women_members_count, demo.data.women_workers_count, today,
        )
        programs.decide_enrolment(staff, enrolment.id, "approve")


def seed_help(owner_email: str) -> None:
    """The demo seller lets her province's union staff help her (staff.lamdong sees "Help this
    seller"), once: never again after that consent, even once ended or run out."""
    owner = find_user_by_email(owner_email)
    seller = sellers.seller_of(owner) if owner else None
    if seller is None or helping.grant_in_force(seller.id, utcnow()) or helping.past_grants(seller.id, utcnow()):
        return
    helping.grant_help(owner, None, helping.DEFAULT_DAYS, utcnow())


def seller_accounts():
    """The other sellers' owners and members, for the printed list."""
    for demo in DEMO_SELLERS:
        if demo.owner_email != DEMO_ACCOUNTS[1].email:
            status = "approved" if demo.decision else "application pending"
            yield DemoAccount(demo.owner_email, DEMO_PASSWORD, Role.SELLER, demo.owner_name, None,
                              f"seller owner ({demo.data.name}, {status})")
        for email, name in demo.members:
            yield DemoAccount(email, DEMO_PASSWORD, Role.SELLER, name, None, f"seller member ({demo.data.name})")

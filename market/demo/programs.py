"""The two programs of the demo: women's cooperatives, and women start-ups."""
from datetime import date

from sqlalchemy import select

from market.extensions import db
from market.programs import services as programs
from market.programs.models import Program

COOPERATIVES_PROGRAM = programs.ProgramData(
    name_vi="Hỗ trợ hợp tác xã do phụ nữ tham gia quản lý, tạo việc làm cho lao động nữ",
    name_en="Supporting women's cooperatives to participate in managing and creating jobs for female labour",
    description_vi=(
        "Đề án của Hội LHPN Việt Nam hỗ trợ phụ nữ tham gia quản lý hợp tác xã, tổ hợp tác và tạo việc làm "
        "ổn định cho lao động nữ: tập huấn quản trị, tiếp cận vốn, kết nối thị trường và bán hàng trực tuyến."
    ),
    description_en=(
        "The Women's Union project helping women take part in managing cooperatives and cooperative groups and "
        "creating stable jobs for female workers: management training, access to credit, market links and online sales."
    ),
    badge_vi="HTX phụ nữ",
    badge_en="Women's cooperative",
    starts_on=date(2022, 1, 1),
    ends_on=date(2030, 12, 31),
    legal_forms=["cooperative", "cooperative_group"],
    women_led_required=True,
    commission_rate_bp=200,
    featured=True,
    targets={"cooperatives": 1500, "cooperative_groups": 10000, "jobs_for_women": 30000},
    targets_due_on=date(2030, 12, 31),
)
START_UPS_PROGRAM = programs.ProgramData(
    name_vi="Hỗ trợ phụ nữ khởi nghiệp",
    name_en="Supporting women start-ups",
    description_vi="Đồng hành cùng phụ nữ khởi nghiệp: từ ý tưởng, sản phẩm đầu tiên đến khách hàng đầu tiên.",
    description_en="Standing by women who start a business: from the idea to the first product and the first customers.",
    badge_vi="Phụ nữ khởi nghiệp",
    badge_en="Women start-up",
    starts_on=date(2022, 1, 1),
    ends_on=date(2030, 12, 31),
    legal_forms=["enterprise", "household"],
    women_led_required=True,
    commission_rate_bp=300,
    featured=True,
    targets={"start_ups": 500, "jobs_for_women": 5000},
    targets_due_on=date(2030, 12, 31),
)


def program(data: programs.ProgramData, staff) -> Program:
    """The program with this Vietnamese name, created by `staff` when missing."""
    existing = db.session.scalar(select(Program).where(Program.name_vi == data.name_vi))
    return existing or programs.save_program(staff, data)


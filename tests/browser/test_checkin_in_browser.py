"""Check-in at the door in a real browser: the camera reads a ticket (Chromium's fake camera
plays a video of the ticket's QR code, which the page decodes with the vendored jsQR, as
headless Chromium on Linux has no BarcodeDetector), and a door's counts follow the others."""

import pytest
from playwright.sync_api import expect

from conference.audit.models import AuditEntry
from conference.extensions import db
from conference.registration.models import Registration
from conference.registration.ticket import qr_modules
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.factories import create_event, registration_data
from tests.support.forms import hidden_fields, submit
from tests.support.staff import PASSWORD, make_staff, staff_client

pytestmark = pytest.mark.browser

WIDTH, HEIGHT, MODULE = 640, 480, 8


def camera_video(path, code):
    """A Y4M video (what Chromium's fake camera plays) of the QR code of `code`: black
    modules on white, centred, a few frames, looped by Chromium."""
    modules = qr_modules(code)
    side = len(modules) * MODULE
    left, top = (WIDTH - side) // 2, (HEIGHT - side) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for row_index, row in enumerate(modules):
        line = bytes(0 if dark else 255 for dark in row for _ in range(MODULE))
        for y in range(top + row_index * MODULE, top + (row_index + 1) * MODULE):
            luma[y * WIDTH + left : y * WIDTH + left + side] = line
    chroma = b"\x80" * (WIDTH // 2 * HEIGHT // 2)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 5)
    return path


@pytest.fixture
def camera_page(chromium, live_server, tmp_path):
    """A page in a Chromium of its own whose camera shows the ticket of the video file the
    test writes to `tmp_path / "camera.y4m"` before it starts the camera."""
    video = tmp_path / "camera.y4m"
    video.write_bytes(b"")
    # The camera is an argument of the browser process: launched by the session's Playwright.
    browser = chromium.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.grant_permissions(["camera"], origin=live_server.url)
    context.set_default_timeout(15_000)
    yield context.new_page(), video
    context.close()
    browser.close()


def open_checkin(page, email):
    page.goto("/staff/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.goto("/staff/events")
    page.get_by_role("link", name="Incheckning").first.click()
    expect(page.get_by_text("0 av 1 incheckade")).to_be_visible()


def test_the_camera_reads_a_ticket_and_checks_the_attendee_in(camera_page, live_server):
    page, video = camera_page
    app = live_server.app
    slug = create_event(app)
    submit(app.test_client(), f"/events/{slug}/register", registration_data(app, first_name="Märta", last_name="Ek"))
    with app.app_context():
        code = db.session.scalar(db.select(Registration.checkin_code))
    camera_video(video, code)
    email = make_staff(app, "organiser")

    open_checkin(page, email)
    page.get_by_role("button", name="Skanna med kameran").click()
    expect(page.get_by_text("1 av 1 incheckade")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(db.select(Registration.checked_in_at)) is not None


def test_a_doors_counts_follow_the_check_ins_at_the_other_doors(page, live_server):
    app = live_server.app
    slug = create_event(app)
    submit(app.test_client(), f"/events/{slug}/register", registration_data(app, first_name="Märta", last_name="Ek"))
    with app.app_context():
        person = db.session.scalars(db.select(Registration)).one()
    open_checkin(page, make_staff(app, "organiser"))
    # This door shows a search, which is logged once: polling must not run it again.
    page.get_by_role("region", name="Hitta en person").get_by_label("Namn eller organisation").fill("Märta")
    page.get_by_role("button", name="Sök").click()
    expect(page.get_by_text("Märta Ek", exact=True)).to_be_visible()
    checked_in_total = page.locator("#checkin-counts tfoot td").first
    expect(checked_in_total).to_have_text("0")
    page.evaluate("window.notReloaded = true")

    # The other door: another organiser types the code.
    other_door = staff_client(app, "admin")
    checkin_page = f"/staff/events/{person.event_id}/checkin"
    fields = hidden_fields(other_door.get(checkin_page).get_data(as_text=True))
    answer = other_door.post(f"{checkin_page}/code", data=fields | {"code": person.checkin_code})
    assert answer.status_code == 303

    # This door's page follows without a reload: its counts are read again every few seconds.
    expect(page.get_by_text("1 av 1 incheckade")).to_be_visible()
    expect(checked_in_total).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True
    with app.app_context():
        searches = db.session.scalar(db.select(db.func.count()).where(AuditEntry.action == "checkin.searched"))
    assert searches == 1

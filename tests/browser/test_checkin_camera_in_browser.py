"""The door's camera reads a ticket: Chromium's fake camera plays a video of the ticket's QR
code, and the check-in page decodes it with the vendored jsQR (headless Chromium on Linux
has no BarcodeDetector) and checks the attendee in."""

import pytest
from playwright.sync_api import expect

from conference.extensions import db
from conference.registration.models import Registration
from conference.registration.ticket import qr_modules
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.factories import create_event, registration_data
from tests.support.forms import submit
from tests.support.staff import PASSWORD, make_staff

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


def test_the_camera_reads_a_ticket_and_checks_the_attendee_in(camera_page, live_server):
    page, video = camera_page
    app = live_server.app
    slug = create_event(app)
    submit(app.test_client(), f"/events/{slug}/register", registration_data(app, first_name="Märta", last_name="Ek"))
    with app.app_context():
        code = db.session.scalar(db.select(Registration.checkin_code))
    camera_video(video, code)
    email = make_staff(app, "organiser")

    page.goto("/staff/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.goto("/staff/events")
    page.get_by_role("link", name="Incheckning").first.click()
    expect(page.get_by_text("0 av 1 incheckade")).to_be_visible()

    page.get_by_role("button", name="Skanna med kameran").click()
    expect(page.get_by_text("1 av 1 incheckade")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(db.select(Registration.checked_in_at)) is not None

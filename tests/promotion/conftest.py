import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from lenddesk.acquisition.services import notice_publish
from lenddesk.promotion import captcha, services
from lenddesk.tenancy.context import tenant_context

ANSWER = "ACDE"


@pytest.fixture
def known_captcha(monkeypatch):
    """Every captcha answer is ANSWER, so a test can pass the check like a person."""
    monkeypatch.setattr(captcha, "new_answer", lambda: ANSWER)
    return ANSWER


@pytest.fixture
def media_home(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def notice_a(tenant_a, admin_a):
    with tenant_context(tenant_a):
        return notice_publish(
            actor=admin_a, version="2026-01", text="我们如何处理您的个人信息……"
        )


def png_upload(name="poster.png", size=(600, 400), color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def app_form(tenant_a, admin_a, notice_a):
    with tenant_context(tenant_a):
        return services.form_save(
            actor=admin_a,
            values={
                "title": "贷款申请",
                "fields": [
                    {"name": "city", "required": True},
                    {"name": "demand_amount", "required": False},
                ],
                "assignment": "pool",
                "hourly_limit": 300,
                "active": True,
            },
        )


@pytest.fixture
def poster(tenant_a, admin_a, app_form, media_home):
    with tenant_context(tenant_a):
        return services.material_save(
            actor=admin_a,
            values={
                "kind": "poster",
                "title": "房抵贷海报",
                "summary": "低息房抵贷",
                "form": app_form,
                "published": True,
            },
            image=png_upload(),
        )


def form_post(client, url, *, phone="13812345678", name="王五", **extra):
    """Open the form (gets a captcha), then submit it like a person would."""
    page = client.get(url)
    assert page.status_code == 200, page.content.decode()[:500]
    form = page.context["form"]
    data = {
        "name": name,
        "phone": phone,
        "city": "上海",
        "demand_amount": "300000",
        "consent": "on",
        "consent_version": form["consent_version"].value(),
        "captcha_id": page.context["captcha_id"],
        "captcha": ANSWER,
    }
    data.update(extra)
    return client.post(url, data)

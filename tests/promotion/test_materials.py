"""Promotion materials: sanitised articles, composed posters, tracked links, share
chains and statistics."""

import io
import re

import pytest
from django.test import Client
from PIL import Image

from lenddesk.acquisition.models import Attribution
from lenddesk.customers.models import Customer
from lenddesk.promotion import content, links, services
from lenddesk.promotion.models import MaterialView, ShareNode, Submission, Visitor
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.factories import make_user
from tests.promotion.conftest import form_post

WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47"
)


def test_sanitiser_strips_scripts_handlers_and_javascript_urls():
    dirty = (
        '<p onclick="steal()">Hi <b>there</b></p><script>alert(1)</script>'
        '<a href="javascript:alert(1)">x</a><a href="https://example.com">ok</a>'
        '<img src="x" onerror="alert(1)"><iframe src="https://evil"></iframe>'
        '<a href="JaVaScRiPt:alert(1)">y</a><svg onload="alert(1)"></svg>'
        '<a href="data:text/html;base64,PHNjcmlwdD4=">z</a>'
    )
    clean = content.sanitize_html(dirty)
    assert "<script" not in clean and "alert(1)" not in clean
    assert "onclick" not in clean and "onerror" not in clean and "onload" not in clean
    assert "javascript:" not in clean.lower() and "data:" not in clean
    assert "<iframe" not in clean and "<svg" not in clean
    assert "<b>there</b>" in clean
    assert 'href="https://example.com"' in clean
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_article_saved_through_the_page_is_sanitised(client, tenant_a, admin_a):
    force_session(client, admin_a)
    response = client.post(
        "/promotion/materials/new/",
        {
            "kind": "article",
            "title": "贷款小知识",
            "body_html": '<h2>标题</h2><p onmouseover="x()">正文</p><script>x()</script>',
            "published": "on",
        },
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        from lenddesk.promotion.models import Material

        article = Material.objects.get(title="贷款小知识")
    assert article.body_html == "<h2>标题</h2><p>正文</p>"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "promotion/editor.js" in page.content.decode()


def test_poster_composition_is_a_png_of_the_expected_size():
    background = io.BytesIO()
    Image.new("RGB", (600, 400), "red").save(background, format="PNG")
    data = content.compose_poster(
        background=background.getvalue(),
        url="https://example.com/promotion/m/x/y/",
        name="张三",
        line="扫码了解更多",
    )
    with Image.open(io.BytesIO(data)) as poster:
        assert poster.format == "PNG"
        assert poster.size == (750, 500 + 220)
        assert poster.getpixel((10, 10)) == (255, 0, 0)
        assert poster.getpixel((10, 700)) == (255, 255, 255)


def test_staff_downloads_own_poster_and_qr(client, tenant_a, poster, salesperson_a):
    force_session(client, salesperson_a)
    page = client.get("/promotion/links/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "房抵贷海报" in html
    own = links.material_path(
        tenant=tenant_a, material_id=poster.pk, user_id=salesperson_a.pk
    )
    assert own in html
    image = client.get("/promotion/links/%d/poster.png" % poster.pk)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(image.content)) as composed:
        assert composed.size == (750, 500 + 220)
    qr = client.get("/promotion/links/%d/qr.png" % poster.pk)
    assert qr.status_code == 200 and qr.content.startswith(b"\x89PNG")


def test_uploads_are_checked_by_content(tenant_a, admin_a, media_home):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    with tenant_context(tenant_a):
        fake = SimpleUploadedFile("evil.png", b"MZ\x90\x00" + b"\x00" * 100)
        with pytest.raises(ValidationError) as error:
            services.material_save(
                actor=admin_a, values={"kind": "poster", "title": "x"}, image=fake
            )
        assert "image" in error.value.message_dict
        html = SimpleUploadedFile("clip.mp4", b"<html><script>x</script></html>")
        with pytest.raises(ValidationError) as error:
            services.material_save(
                actor=admin_a, values={"kind": "video", "title": "v"}, video=html
            )
        assert "video" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.material_save(
                actor=admin_a,
                values={
                    "kind": "video",
                    "title": "v",
                    "video_url": "javascript:alert(1)",
                },
            )
        assert "video_url" in error.value.message_dict


def _onward(html: str) -> str:
    match = re.search(
        r'data-testid="onward-link"[^>]*|value="([^"]+)"[^>]*data-testid="onward-link"',
        html,
    )
    assert match and match.group(1), html[:2000]
    return match.group(1).replace("http://testserver", "")


def test_share_chain_keeps_the_original_staff_sharer(
    tenant_a, poster, salesperson_a, known_captcha
):
    staff_link = links.material_path(
        tenant=tenant_a, material_id=poster.pk, user_id=salesperson_a.pk
    )
    v1 = Client(HTTP_USER_AGENT=WECHAT_UA)
    page = v1.get(staff_link)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<meta property="og:title" content="房抵贷海报">' in html
    assert 'property="og:image" content="http://testserver/promotion/m/' in html
    v1_link = _onward(html)
    assert v1_link != staff_link

    v2 = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0")
    page = v2.get(v1_link)
    assert page.status_code == 200
    assert page.context["sharer"].pk == salesperson_a.pk
    apply_url = page.context["form_url"]
    assert apply_url
    response = form_post(v2, apply_url, name="李四", phone="13900001111")
    assert response.status_code == 302

    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="李四")
        assert customer.owner_id == salesperson_a.pk
        submission = Submission.objects.get(customer=customer)
        chain = submission.chain
        assert [hop["kind"] for hop in chain] == ["staff", "visitor", "visitor"]
        assert chain[0]["id"] == salesperson_a.pk
        visitors = [Visitor.objects.get(pk=hop["id"]) for hop in chain[1:]]
        assert visitors[0].key == v1.cookies["ld_vid"].value
        assert visitors[1].key == v2.cookies["ld_vid"].value
        assert visitors[1].customer_id == customer.pk  # identity only after consent
        assert visitors[0].customer_id is None
        assert visitors[0].device == "iPhone · WeChat" or "iPhone" in visitors[0].device
        attribution = Attribution.objects.get(customer=customer)
        assert attribution.sharer_id == salesperson_a.pk
        assert attribution.source_kind == "promotion"
        assert MaterialView.objects.filter(sharer=salesperson_a).count() == 2
    assert v2.get(v1_link).status_code == 200  # now known: the view is on the profile
    with tenant_context(tenant_a):
        assert customer.timeline.filter(kind="material_view").count() == 1


def test_chain_is_visible_to_staff_who_may_see_the_customer(
    client, tenant_a, poster, salesperson_a, known_captcha
):
    staff_link = links.material_path(
        tenant=tenant_a, material_id=poster.pk, user_id=salesperson_a.pk
    )
    v1 = Client()
    v1_link = _onward(v1.get(staff_link).content.decode())
    v2 = Client()
    page = v2.get(v1_link)
    form_post(v2, page.context["form_url"], name="李四", phone="13900001111")
    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="李四")
    force_session(client, salesperson_a)
    source = client.get("/promotion/customers/%d/source/" % customer.pk)
    assert source.status_code == 200
    html = source.content.decode()
    assert 'data-testid="chain"' in html
    assert html.count("→") == 2
    assert "sales1" in html
    outsider = make_user(tenant_a, "sales2")
    force_session(client, outsider)
    assert (
        client.get("/promotion/customers/%d/source/" % customer.pk).status_code == 404
    )


def test_first_arrival_wins_and_chains_do_not_loop(tenant_a, poster, salesperson_a):
    staff_link = links.material_path(
        tenant=tenant_a, material_id=poster.pk, user_id=salesperson_a.pk
    )
    other = make_user(tenant_a, "sales2")
    other_link = links.material_path(
        tenant=tenant_a, material_id=poster.pk, user_id=other.pk
    )
    v1 = Client()
    v1_link = _onward(v1.get(staff_link).content.decode())
    v2 = Client()
    v2_link = _onward(v2.get(v1_link).content.decode())
    assert v1.get(v2_link).status_code == 200  # V1 opens V2's link: no loop
    assert v1.get(other_link).status_code == 200  # another sharer later: first wins
    with tenant_context(tenant_a):
        nodes = list(ShareNode.objects.order_by("pk"))
        assert [n.sharer_id for n in nodes] == [salesperson_a.pk, salesperson_a.pk]
        assert nodes[1].parent_id == nodes[0].pk and nodes[0].parent_id is None
        assert MaterialView.objects.count() == 4
        assert MaterialView.objects.filter(sharer=other).count() == 0


def test_forged_and_foreign_links_are_404(
    client, tenant_a, tenant_b, poster, salesperson_a
):
    token = links.staff_token(
        tenant_id=tenant_a.pk, material_id=poster.pk, user_id=salesperson_a.pk
    )
    assert client.get("/promotion/m/%s/%s/" % (tenant_b.slug, token)).status_code == 404
    assert (
        client.get("/promotion/m/%s/%sx/" % (tenant_a.slug, token)).status_code == 404
    )
    forged = "%dm%du%d:AAAA" % (tenant_a.pk, poster.pk, salesperson_a.pk)
    assert (
        client.get("/promotion/m/%s/%s/" % (tenant_a.slug, forged)).status_code == 404
    )
    assert (
        client.get("/promotion/m/%s/%s/poster" % (tenant_a.slug, token)).status_code
        == 200
    )


def test_stats_per_material_and_staff_respect_scope(
    client, tenant_a, admin_a, poster, salesperson_a, known_captcha
):
    staff_link = links.material_path(
        tenant=tenant_a, material_id=poster.pk, user_id=salesperson_a.pk
    )
    v1 = Client()
    v1_link = _onward(v1.get(staff_link).content.decode())
    v1.get(staff_link)
    page = Client().get(v1_link)
    v2 = Client()
    v2.get(staff_link)
    form_post(
        v2, v2.get(staff_link).context["form_url"], name="甲", phone="13900002222"
    )
    assert page.status_code == 200
    force_session(client, admin_a)
    stats = client.get("/promotion/stats/")
    assert stats.status_code == 200
    row = next(r for r in stats.context["materials"] if r.key == poster.pk)
    assert (row.views, row.visitors, row.leads) == (5, 3, 1)
    assert row.conversion == 33.3
    assert row.forwards == 1
    staff_row = next(r for r in stats.context["staff"] if r.key == salesperson_a.pk)
    assert (staff_row.views, staff_row.leads) == (5, 1)
    outsider = make_user(tenant_a, "sales2")
    force_session(client, outsider)
    stats = client.get("/promotion/stats/")
    assert all(r.views == 0 for r in stats.context["materials"])
    assert stats.context["staff"] == []


def test_business_card_shows_the_sharers_card(client, tenant_a, admin_a, salesperson_a):
    with tenant_context(tenant_a):
        card = services.material_save(
            actor=admin_a, values={"kind": "card", "title": "我的名片"}
        )
    force_session(client, salesperson_a)
    response = client.post(
        "/promotion/links/card/",
        {"job_title": "客户经理", "phone": "021-12345678", "wechat": "sales1wx"},
    )
    assert response.status_code == 302
    link = links.material_path(
        tenant=tenant_a, material_id=card.pk, user_id=salesperson_a.pk
    )
    html = Client().get(link).content.decode()
    assert 'data-testid="business-card"' in html
    assert "客户经理" in html and "sales1wx" in html and "021-12345678" in html


def test_materials_pages_need_permission_and_other_firm_is_404(
    client, tenant_a, tenant_b, admin_b, poster, salesperson_a
):
    force_session(client, salesperson_a)
    assert client.get("/promotion/materials/").status_code == 403
    assert client.get("/promotion/links/").status_code == 200
    force_session(client, admin_b)
    assert client.get("/promotion/materials/%d/" % poster.pk).status_code == 404
    assert client.get("/promotion/links/%d/qr.png" % poster.pk).status_code == 404
    assert client.get("/promotion/links/%d/poster.png" % poster.pk).status_code == 404


def test_unpublished_material_is_not_served(tenant_a, admin_a, poster, salesperson_a):
    link = links.material_path(
        tenant=tenant_a, material_id=poster.pk, user_id=salesperson_a.pk
    )
    with tenant_context(tenant_a):
        services.material_save(
            actor=admin_a,
            material=poster,
            values={"kind": "poster", "title": poster.title, "published": False},
        )
    assert Client().get(link).status_code == 404


def test_list_pages_query_count_does_not_grow_with_materials(client, tenant_a, admin_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    force_session(client, admin_a)
    pages = ("/promotion/stats/", "/promotion/links/", "/promotion/materials/")

    def counts():
        found = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries.captured_queries))
        return found

    with tenant_context(tenant_a):
        services.material_save(actor=admin_a, values={"kind": "article", "title": "a"})
    before = counts()
    with tenant_context(tenant_a):
        for n in range(6):
            services.material_save(
                actor=admin_a, values={"kind": "article", "title": "a%d" % n}
            )
    assert counts() == before


def test_departed_sharers_link_keeps_working_and_lead_goes_to_the_pool(
    tenant_a, admin_a, poster, salesperson_a, known_captcha
):
    from lenddesk.accounts.services import user_disable

    link = links.material_path(
        tenant=tenant_a, material_id=poster.pk, user_id=salesperson_a.pk
    )
    with tenant_context(tenant_a):
        user_disable(actor=admin_a, user=salesperson_a, status="departed")
    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200
    response = form_post(visitor, page.context["form_url"], name="周七")
    assert response.status_code == 302
    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="周七")
        assert customer.owner_id is None and customer.pool_id is not None
        assert Attribution.objects.get(customer=customer).sharer_id == salesperson_a.pk


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40


def test_video_upload_is_served_in_byte_ranges(
    client, tenant_a, admin_a, salesperson_a, media_home
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with tenant_context(tenant_a):
        video = services.material_save(
            actor=admin_a,
            values={"kind": "video", "title": "视频"},
            video=SimpleUploadedFile("clip.mp4", MP4),
        )
    token = links.staff_token(
        tenant_id=tenant_a.pk, material_id=video.pk, user_id=salesperson_a.pk
    )
    page = Client().get("/promotion/m/%s/%s/" % (tenant_a.slug, token))
    assert page.status_code == 200
    assert "<video" in page.content.decode()
    url = "/promotion/m/%s/%s/video" % (tenant_a.slug, token)
    whole = Client().get(url)
    assert whole.status_code == 200 and whole["Content-Type"] == "video/mp4"
    assert b"".join(whole.streaming_content) == MP4
    part = Client().get(url, HTTP_RANGE="bytes=4-11")
    assert part.status_code == 206
    assert part.content == b"ftypmp42"
    assert part["Content-Range"] == "bytes 4-11/%d" % len(MP4)
    assert Client().get(url, HTTP_RANGE="bytes=99999-").status_code == 416


def test_uploaded_picture_loses_its_exif(tenant_a, admin_a, media_home):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPS
    exif[0x010F] = "SecretCam"
    Image.new("RGB", (40, 30), "blue").save(buffer, format="JPEG", exif=exif)
    assert b"SecretCam" in buffer.getvalue()
    with tenant_context(tenant_a):
        poster = services.material_save(
            actor=admin_a,
            values={"kind": "poster", "title": "p"},
            image=SimpleUploadedFile("../../etc/p.jpg", buffer.getvalue()),
        )
    stored = content.stored_path(poster.image_name)
    assert stored.parent == media_home / "promotion"
    data = stored.read_bytes()
    assert b"SecretCam" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()

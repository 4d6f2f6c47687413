"""URL wiring. Admin and documents have no language prefix; public pages are Chinese at / and English at /en/."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from donations import views as donation_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/ledger/v1/", include("ledger.urls")),
    path("donations/webhooks/stripe/", donation_views.stripe_webhook, name="stripe-webhook"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Images only: documents are served by Wagtail's view at /documents/, which enforces collection privacy
    # (a disbursement's invoices name the beneficiary); a plain /media/documents/ URL would bypass it.
    for folder in ("images", "original_images"):
        urlpatterns += static(f"{settings.MEDIA_URL}{folder}/", document_root=f"{settings.MEDIA_ROOT}/{folder}")

urlpatterns += i18n_patterns(
    path("transparency/", cms_views.transparency, name="transparency"),
    path("transparency/dictionary/", cms_views.transparency_dictionary, name="transparency-dictionary"),
    path("donations/", include("donations.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

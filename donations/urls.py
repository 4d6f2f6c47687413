"""Public donation pages (under the language prefix). The webhook is wired in charity/urls.py, unprefixed."""

from django.urls import path

from . import views

app_name = "donations"

urlpatterns = [
    path("give/", views.give, name="give"),
    path("give/<str:code>/", views.give, name="give-project"),
    path("thanks/<str:token>/", views.thanks, name="thanks"),
    path("receipt/<str:token>/", views.receipt, name="receipt"),
    path("receipt/<str:token>/pdf/", views.receipt_download, name="receipt-pdf"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("lookup/", views.lookup, name="lookup"),
    path("sandbox/checkout/<str:session_id>/", views.sandbox_checkout, name="sandbox-checkout"),
]

"""Public donation views: give, return page, receipt, verification, look-up, sandbox checkout, webhook.

Thin: parse input, call a service or selector, render.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from projects.models import Project

from . import selectors
from .forms import DonationForm, LookupForm, NameCheckForm
from .gateways import sandbox, sandbox_enabled, webhook_secret
from .models import Donation, DonationStatus
from .services import DonationError, DonationFormData, WebhookSignatureError, donation_checkout_start, webhook_receive
from .services.webhooks import WebhookPayloadError
from .tasks import deliver_sandbox_event
from .tokens import donation_for_token, receipt_token

log = logging.getLogger(__name__)


def give(request: HttpRequest, code: str | None = None) -> HttpResponse:
    # Codes are upper-case (Project.code's validator), but people type and share /give/xt100/: a GET goes to the
    # canonical address, a POST is served where it was sent.
    project = get_object_or_404(Project, code=code.upper()) if code else None
    if project is not None and code != project.code and request.method in ("GET", "HEAD"):
        canonical = reverse("donations:give-project", args=[project.code])
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{canonical}?{query}" if query else canonical)
    form = DonationForm(request.POST or None, presets=project.preset_amounts if project else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = donation_checkout_start(data=_form_data(form, project), return_urls=_return_urls(request))
        except DonationError as error:
            form.add_error(None, str(error))  # the service holds the rules: closed project, amount limits
        else:
            return HttpResponseRedirect(result.redirect_url)
    return render(request, "donations/give.html", {"form": form, "project": project, "sandbox": sandbox_enabled()})


def _form_data(form: DonationForm, project: Project | None) -> DonationFormData:
    data = form.cleaned_data
    return DonationFormData(
        project=project,
        amount=data["amount"],
        monthly=data["frequency"] == "monthly",
        is_anonymous=data["is_anonymous"],
        display_name=data["display_name"],
        message=data["message"].strip(),
        phone=data["phone"].strip(),
        email=data["email"].strip(),
    )


def _return_urls(request: HttpRequest):
    def urls(donation: Donation) -> tuple[str, str]:
        thanks = request.build_absolute_uri(reverse("donations:thanks", args=[receipt_token(donation)]))
        return thanks, thanks + "?cancelled=1"

    return urls


def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """The return page: "processing" until the webhook confirms the gift, then the receipt."""
    donation = _donation_or_404(token)
    context = {"donation": donation, "token": token, "cancelled": "cancelled" in request.GET}
    if donation.status != DonationStatus.PENDING:
        context["figures"] = selectors.gift_figures(donation)
    return render(request, "donations/thanks.html", context)


def receipt(request: HttpRequest, token: str) -> HttpResponse:
    donation = _received_or_404(token)
    context = {
        "donation": donation,
        "token": token,
        "figures": selectors.gift_figures(donation),
        "inclusion": selectors.donation_inclusion(donation),
        **_tracing(donation),
    }
    return render(request, "donations/receipt.html", context)


def _tracing(donation: Donation) -> dict:
    """善款去向 for the receipt (the look-up's result) and the verification page."""
    return {"tracing": selectors.gift_tracing(donation), "general_fund": donation.project_id is None}


def receipt_download(request: HttpRequest, token: str) -> HttpResponse:
    donation = _received_or_404(token)
    verify_url = request.build_absolute_uri(reverse("donations:verify", args=[token]))
    data = selectors.receipt_data(donation, verify_url=verify_url, organisation=selectors.organisation_name(request))
    from .receipts import receipt_pdf  # WeasyPrint loads only when a receipt is rendered

    pdf = receipt_pdf(data)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{donation.receipt_serial}.pdf"'
    return response


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Shows the gift's ledger leaf and checks its inclusion proof against the latest signed tree head; a POST
    with a name and a salt checks them against the record's name commitment (a POST keeps the name out of URLs
    and access logs)."""
    donation = _received_or_404(token)
    inclusion = selectors.donation_inclusion(donation)
    api = request.build_absolute_uri(reverse("ledger:get-sth").rsplit("get-sth", 1)[0])
    form = NameCheckForm(request.POST or None)
    name_check = selectors.name_commitment_check(donation, **form.cleaned_data) if form.is_valid() else None
    context = {"donation": donation, "token": token, "inclusion": inclusion, "api_base": api, "name_form": form,
               "name_check": name_check, **_tracing(donation)}
    context["public_record"] = selectors.donation_public_record(donation)
    return render(request, "donations/verify.html", context)


def lookup(request: HttpRequest) -> HttpResponse:
    """Receipt serial + last 4 digits of the phone (or the email). Rate-limited per client address; the same
    answer for "no such gift" and "wrong contact". The result is the gift's receipt page, which shows where the
    gift went (善款去向) — a link the donor can keep, rather than a result only this POST can show."""
    form = LookupForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST":
        if _too_many_attempts(request):
            context["error"] = _("Too many attempts. Please try again later.")
            return render(request, "donations/lookup.html", context, status=429)
        if form.is_valid():
            donation = selectors.donation_lookup(**form.cleaned_data)
            if donation is not None:
                return HttpResponseRedirect(reverse("donations:receipt", args=[receipt_token(donation)]))
        context["error"] = _("No gift matches that receipt number and contact.")
    return render(request, "donations/lookup.html", context)


def _too_many_attempts(request: HttpRequest) -> bool:
    key = f"donations:lookup:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=settings.DONATION_LOOKUP_WINDOW)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.DONATION_LOOKUP_WINDOW)
        attempts = 1
    return attempts > settings.DONATION_LOOKUP_ATTEMPTS


def sandbox_checkout(request: HttpRequest, session_id: str) -> HttpResponse:
    """The sandbox's Checkout page (测试支付): pay or cancel; the sandbox then delivers signed events."""
    if not sandbox_enabled():
        raise Http404
    gifts = Donation.objects.select_related("project", "plan")
    donation = get_object_or_404(gifts, stripe_checkout_session_id=session_id)
    token = receipt_token(donation)
    if request.method == "POST":
        if request.POST.get("action") == "pay":
            method = request.POST.get("method", "card")
            events = sandbox.completion_events(
                session_id=session_id, donation_id=str(donation.public_id), fund_code=donation.fund_code,
                amount=donation.requested_amount, monthly=donation.plan_id is not None,
                method=method if method in settings.STRIPE_PAYMENT_METHOD_TYPES else "card",
            )
            target = reverse("donations:thanks", args=[token])
        else:
            events = [sandbox.expired_event(session_id=session_id, donation_id=str(donation.public_id))]
            target = reverse("donations:thanks", args=[token]) + "?cancelled=1"
        for event in events:
            payload = sandbox.encode(event)
            transaction.on_commit(lambda p=payload: deliver_sandbox_event.enqueue(
                p.decode(), sandbox.sign(p, webhook_secret())))
        return HttpResponseRedirect(target)
    return render(request, "donations/sandbox_checkout.html", {"donation": donation, "session_id": session_id})


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """POST /donations/webhooks/stripe/: 400 for a bad, missing or stale signature (nothing recorded),
    200 otherwise. An unexpected error is a 500, so Stripe delivers the event again."""
    try:
        outcome = webhook_receive(payload=request.body, signature=request.META.get("HTTP_STRIPE_SIGNATURE", ""))
    except WebhookSignatureError as error:
        log.warning("webhook: rejected (%s)", error)
        return JsonResponse({"error": "invalid signature"}, status=400)
    except WebhookPayloadError as error:
        log.warning("webhook: malformed event (%s)", error)
        return JsonResponse({"error": "malformed event"}, status=400)
    return JsonResponse({"status": outcome})


def _donation_or_404(token: str) -> Donation:
    donation = donation_for_token(token)
    if donation is None:
        raise Http404
    return donation


def _received_or_404(token: str) -> Donation:
    donation = _donation_or_404(token)
    if not donation.receipt_serial:
        raise Http404
    return donation

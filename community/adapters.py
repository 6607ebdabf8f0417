"""django-allauth adapters: where people land after logging in, who may sign up, and what
the sign-up page says (the same whether the address already has an account or not)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from cms.links import rebase

# allauth's "Confirmation e-mail sent to …" flash message. After a sign-up it is left out:
# allauth adds it only when an email actually went out, which depends on the address's
# recent history (one email per address per cooldown), so it would tell apart an address
# that already has an account; the page after sign-up says the same thing in the same words
# for every address. After a login with an unverified address (the password was right) it
# stays.
_CONFIRMATION_SENT = "account/messages/email_confirmation_sent.txt"

# The links of allauth's emails (confirm the address, reset the password, sign up): built
# by allauth from the request's host, moved onto SITE_URL like every other absolute link.
EMAIL_LINKS = ("activate_url", "password_reset_url", "signup_url")


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """Library staff land in the admin, members not yet onboarded in the onboarding
        (a safe ``next`` wins over both: allauth asks here only when there is none)."""
        user = request.user
        if user.is_authenticated and user.has_perm("wagtailadmin.access_admin"):
            return reverse("wagtailadmin_home")
        # Members (and Facebook sign-ups, which use this adapter too) are onboarded first.
        if user.is_authenticated and not user.is_onboarded:
            return reverse("community:onboarding")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request) -> str:
        """A new account (email or Facebook) starts with the onboarding."""
        return reverse("community:onboarding")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account emails speak as the network and link to the site (never "c'est
        127.0.0.1:8000", the Django site's name): see templates/account/email/."""
        links = {k: rebase(v) for k in EMAIL_LINKS if isinstance(v := context.get(k), str) and v}
        context = {
            "network_name": settings.AFFINITES_NETWORK_NAME,
            "site_url": settings.SITE_URL,
            **context,
            **links,
        }
        super().send_mail(template_prefix, email, context)

    def add_message(
        self,
        request,
        level,
        message_template=None,
        message_context=None,
        extra_tags="",
        message=None,
    ) -> None:
        if message_template == _CONFIRMATION_SENT and (message_context or {}).get("signup"):
            return
        super().add_message(
            request,
            level,
            message_template=message_template,
            message_context=message_context,
            extra_tags=extra_tags,
            message=message,
        )
